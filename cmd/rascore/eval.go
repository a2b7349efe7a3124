package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"rascore/eval"
	"rascore/svdh"
)

func newEvalCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Measure the pipeline against ground truth",
	}
	cmd.AddCommand(newEvalLocateCmd(), newEvalScoreCmd())
	return cmd
}

func newEvalLocateCmd() *cobra.Command {
	var (
		atlas    string
		phantoms int
		pairs    int
		out      string
	)
	cmd := &cobra.Command{
		Use:   "locate",
		Short: "Site error, laterality and hand detection on the atlas test split and phantoms",
		Long: `eval locate runs the locator on:

  - the atlas test split (21 real films never trained on), as they are, turned 90° and 180°,
    mirrored (left hands become right hands), and pasted in pairs side by side;
  - held-out phantoms (seeds no training run used), one and two hands, any rotation.

and prints, per set, the median and 95th-percentile site error in pixels and mm, the share of
sites within 1.5, 2 and 4 mm (missing sites count as misses), laterality accuracy and missed
or extra hands. The atlas states no pixel spacing: its mm figures assume 0.17 mm per pixel.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			loc, err := newLocator()
			if err != nil {
				return err
			}
			defer loc.Model.Close()
			stderr := cmd.ErrOrStderr()
			var all []eval.LocateStats
			run := func(name string, cases []eval.Case) {
				fmt.Fprintf(stderr, "eval locate: %s (%d films)\n", name, len(cases))
				all = append(all, eval.EvaluateLocate(name, loc, cases))
			}
			if _, err := os.Stat(atlas); err != nil {
				fmt.Fprintf(stderr, "atlas not found at %s: skipping the real films\n", atlas)
			} else {
				test, err := eval.AtlasTestCases(atlas)
				if err != nil {
					return err
				}
				run("atlas test", test)
				run("atlas test, turned 90°", mapCases(test, eval.Rotate90))
				run("atlas test, turned 180°", mapCases(test, eval.Rotate180))
				run("atlas test, mirrored", mapCases(test, eval.Mirror))
				var side []eval.Case
				for i := 0; i+1 < len(test) && len(side) < pairs; i += 2 {
					side = append(side, eval.SideBySide(test[i], test[i+1]))
				}
				run("atlas test, pairs side by side", side)
			}
			if phantoms > 0 {
				cases, err := eval.PhantomCases(phantoms)
				if err != nil {
					return err
				}
				run("held-out phantoms", cases)
			}
			printLocateStats(cmd.OutOrStdout(), all)
			if out != "" {
				b, _ := json.MarshalIndent(all, "", "  ")
				return os.WriteFile(out, append(b, '\n'), 0o644)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&atlas, "atlas", "../shared/data/hand-landmarks", "hand-landmark folder")
	cmd.Flags().IntVar(&phantoms, "phantoms", 200, "held-out phantom films")
	cmd.Flags().IntVar(&pairs, "pairs", 10, "side-by-side pairs of atlas test films")
	cmd.Flags().StringVar(&out, "json", "", "also write the figures as JSON to this file")
	return cmd
}

func mapCases(cs []eval.Case, f func(eval.Case) eval.Case) []eval.Case {
	out := make([]eval.Case, len(cs))
	for i, c := range cs {
		out[i] = f(c)
	}
	return out
}

// worstJoints returns the n joints with the largest median error, worst first.
func worstJoints(s eval.LocateStats, n int) []svdh.Joint {
	js := make([]svdh.Joint, 0, len(s.PerJointMedianMM))
	for j := range s.PerJointMedianMM {
		js = append(js, j)
	}
	sort.Slice(js, func(a, b int) bool {
		if s.PerJointMedianMM[js[a]] != s.PerJointMedianMM[js[b]] {
			return s.PerJointMedianMM[js[a]] > s.PerJointMedianMM[js[b]]
		}
		return js[a] < js[b]
	})
	return js[:min(n, len(js))]
}

func printLocateStats(w io.Writer, all []eval.LocateStats) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "set\tfilms\thands\tmissed\textra\tsites\tmissing\tmedian px\tp95 px\t"+
		"median mm\tp95 mm\t≤1.5 mm\t≤2 mm\t≤4 mm\tlaterality\t")
	for _, s := range all {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.1f%%\t%.1f%%\t"+
			"%.1f%%\t%.1f%%\t\n", s.Set, s.Films, s.Hands, s.MissedHands, s.ExtraHands, s.Sites,
			s.MissingSites, s.MedianPx, s.P95Px, s.MedianMM, s.P95MM, 100*s.Within1_5MM,
			100*s.Within2MM, 100*s.Within4MM, 100*s.Laterality)
	}
	tw.Flush()
	for _, s := range all {
		fmt.Fprintf(w, "%s: spacing %s; worst joints by median:", s.Set, s.Spacing)
		for _, j := range worstJoints(s, 3) {
			fmt.Fprintf(w, " %s %.2f mm (%.1f%% ≤1.5 mm)", j, s.PerJointMedianMM[j],
				100*s.PerJointWithin1_5MM[j])
		}
		if len(s.Errors) > 0 {
			fmt.Fprintf(w, "; %d films failed: %v", len(s.Errors), s.Errors)
		}
		fmt.Fprintln(w)
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"rascore/eval"
	"rascore/score"
)

func newEvalScoreCmd() *cobra.Command {
	var (
		phantoms, workers int
		out, atlas        string
	)
	cmd := &cobra.Command{
		Use:   "score",
		Short: "Grade agreement, κ, totals, widths and calibration on held-out phantoms",
		Long: `eval score renders held-out phantoms (seed 9500, which no training used; the same
mix of hands, poses, pixel sizes and damage as the scorer's training films), runs the whole
pipeline on each (locate → patches → scorer → widths) and compares with the phantom's truth:

  - per site, for JSN and erosion: exact and within-one agreement, quadratic-weighted κ, RMSE
    and the weighted RMSE (each site's squared error weighted by the inverse frequency of its
    true grade, as RA2-DREAM weighs rare damaged joints);
  - per hand: total SvdH Pearson r and mean absolute error;
  - joint space width (central, mm) mean absolute error at MCP, PIP and thumb IP;
  - calibration: expected calibration error of the reported grade's probability, and a
    reliability diagram (--out DIR/calibration.png).

Sites that were not placed and hands that were not found are counted apart (missing), not as
agreements.

Then, when the hand-landmark atlas is present, it scores the atlas's test split (21 real
films of children and adolescents without RA, never trained on; no pixel size stored, 0.17
mm/px assumed) and prints how many hands and sites were found and the share of sites graded
0: a sanity figure, not an accuracy, since these films have no grades.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			loc, err := newLocator()
			if err != nil {
				return err
			}
			defer loc.Model.Close()
			model, err := score.LoadDefault()
			if err != nil {
				return err
			}
			defer model.Close()
			s := &score.Scorer{Locator: loc, Model: model, Settings: score.DefaultSettings()}
			stderr := cmd.ErrOrStderr()
			start := time.Now()
			st := eval.EvaluateScore(s, phantoms, workers, func(done, total int) {
				if done%10 == 0 || done == total {
					fmt.Fprintf(stderr, "\reval score: %d/%d phantoms", done, total)
				}
			})
			fmt.Fprintf(stderr, " (%s)\n", time.Since(start).Round(time.Second))
			printScoreStats(cmd.OutOrStdout(), st)
			result := map[string]any{"phantoms": st}
			if _, err := os.Stat(atlas); err != nil {
				fmt.Fprintf(stderr, "atlas not found at %s: skipping the real films\n", atlas)
			} else {
				cases, err := eval.AtlasTestCases(atlas)
				if err != nil {
					return err
				}
				rs := eval.ScoreRealFilms("atlas test split", s, cases)
				printRealSanity(cmd.OutOrStdout(), rs)
				result["atlas_test"] = rs
			}
			if out == "" {
				return nil
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			b, _ := json.MarshalIndent(result, "", "  ")
			if err := os.WriteFile(filepath.Join(out, "eval-score.json"), append(b, '\n'),
				0o644); err != nil {
				return err
			}
			return eval.CalibrationPlot(st, filepath.Join(out, "calibration.png"))
		},
	}
	cmd.Flags().IntVar(&phantoms, "phantoms", 300, "held-out phantom films")
	cmd.Flags().IntVar(&workers, "workers", 2, "films rendered at once")
	cmd.Flags().StringVar(&atlas, "atlas", "../shared/data/hand-landmarks", "hand-landmark folder")
	cmd.Flags().StringVar(&out, "out", "",
		"folder for eval-score.json and calibration.png (optional)")
	return cmd
}

func printScoreStats(w io.Writer, st eval.ScoreStats) {
	fmt.Fprintf(w, "%s: %d films, %d hands, %d not found\n", st.Set, st.Films, st.Hands,
		st.MissedHands)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tsites\tmissing\texact\twithin 1\tκ (quadratic)\tRMSE\tweighted RMSE\tECE\t")
	for _, k := range []eval.KindStats{st.JSN, st.Erosion} {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f%%\t%.1f%%\t%.3f\t%.3f\t%.3f\t%.3f\t\n", k.Kind, k.Sites,
			k.Missing, 100*k.Exact, 100*k.WithinOne, k.Kappa, k.RMSE, k.WeightedRMSE, k.ECE)
	}
	tw.Flush()
	fmt.Fprintf(w, "calibration error, both kinds: %.3f\n", st.ECE)
	fmt.Fprintf(w, "total SvdH per hand: Pearson r %.3f, MAE %.2f (expected total: MAE %.2f)\n",
		st.TotalPearson, st.TotalMAE, st.ExpectedTotalMAE)
	fmt.Fprintf(w, "joint space width: MAE %.3f mm over %d joints (%d not measurable)\n",
		st.JSWMAE, st.JSWMeasured, st.JSWUnavailable)
	for _, k := range []eval.KindStats{st.JSN, st.Erosion} {
		fmt.Fprintf(w, "%s confusion (rows true grade, columns reported):\n", k.Kind)
		for t, row := range k.Confusion {
			fmt.Fprintf(w, "  %d: %v\n", t, row)
		}
	}
	for _, e := range st.Errors {
		fmt.Fprintln(w, "error:", e)
	}
}

func printRealSanity(w io.Writer, rs eval.RealSanity) {
	fmt.Fprintf(w, "%s (%d real films of children without RA; spacing %s): %d hands, %d films "+
		"without a hand, %d of %d sites graded; graded 0: %.1f%% of sites (a sanity figure, not "+
		"an accuracy); needs review: %.1f%%; mean hand total %.1f\n", rs.Set, rs.Films,
		rs.SpacingNote, rs.Hands, rs.NoHand, rs.Placed, rs.Sites, 100*rs.GradedZero,
		100*rs.NeedsReview, rs.MeanTotal)
	for _, f := range rs.Failed {
		fmt.Fprintln(w, "failed:", f)
	}
}

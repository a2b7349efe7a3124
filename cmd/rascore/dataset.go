package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"rascore/crop"
	"rascore/dataset"
	"rascore/locate"
	"rascore/read"
	"rascore/svdh"
)

func newDatasetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dataset",
		Short: "Write training shards for the networks (locate, score)",
		Long: `dataset writes the training material the networks in training/ learn from: views cut,
rotated and normalised by the same Go code that prepares inputs at run time, with their
targets. Real films come from ../shared/data (train and valid splits only; the test split is
never written); synthetic films come from the phantom, with seeds that evaluation never uses.`,
	}
	cmd.AddCommand(newDatasetLocateCmd(), newDatasetScoreCmd())
	return cmd
}

func newDatasetLocateCmd() *cobra.Command {
	o := dataset.DefaultLocateOptions()
	cmd := &cobra.Command{
		Use:   "locate --out DIR",
		Short: "Write locator shards: film and hand views with joint positions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Out == "" {
				return fmt.Errorf("--out is required")
			}
			if o.AtlasDir != "" {
				if _, err := os.Stat(o.AtlasDir); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "atlas not found at %s: phantoms only\n",
						o.AtlasDir)
					o.AtlasDir = ""
				}
			}
			start := time.Now()
			stderr := cmd.ErrOrStderr()
			o.Progress = func(done, total int) {
				fmt.Fprintf(stderr, "\rdataset locate: %d/%d films", done, total)
			}
			if err := dataset.WriteLocate(o); err != nil {
				fmt.Fprintln(stderr)
				return err
			}
			fmt.Fprintf(stderr, "\ndataset locate: wrote %s in %s\n",
				filepath.Join(o.Out, "locate.json"), time.Since(start).Round(time.Second))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Out, "out", "", "folder to write the shards to")
	f.StringVar(&o.AtlasDir, "atlas", "../shared/data/hand-landmarks",
		"hand-landmark folder (train and valid splits are used; empty: none)")
	f.IntVar(&o.AtlasViews, "atlas-views", o.AtlasViews, "views per training atlas film")
	f.IntVar(&o.Phantoms, "phantoms", o.Phantoms, "training phantom films")
	f.IntVar(&o.PhantomsValid, "phantoms-valid", o.PhantomsValid, "validation phantom films")
	f.IntVar(&o.PhantomViews, "phantom-views", o.PhantomViews,
		"film views per phantom (each also gives a view per hand)")
	f.IntVar(&o.InputSize, "input-size", o.InputSize, "side of the square views (pixels)")
	f.Uint64Var(&o.Seed, "seed", o.Seed, "seed for the augmentation")
	f.IntVar(&o.Workers, "workers", o.Workers, "films prepared at once")
	return cmd
}

func newDatasetScoreCmd() *cobra.Command {
	o := dataset.DefaultScoreOptions()
	var ra2CSV, ra2Images string
	rf := &readFlags{}
	cmd := &cobra.Command{
		Use:   "score --out DIR",
		Short: "Write scorer shards: joint patches with their JSN and erosion grades",
		Long: `score writes joint patches cut by crop.SitePatch (the cut the scorer sees at run time)
with their grades: from phantoms (their true grades, positions moved by the locator's typical
error), and from films in the RA2-DREAM layout when --ra2-csv is given (a CSV with Patient_ID
and the per-site columns, images <Patient_ID>-LH.jpg / -RH.jpg beside it or in --ra2-images;
joints placed by the locator; every tenth film goes to the validation part).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Out == "" {
				return fmt.Errorf("--out is required")
			}
			if err := rf.check(); err != nil {
				return err
			}
			if o.AtlasDir != "" {
				if _, err := os.Stat(o.AtlasDir); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "atlas not found at %s: left out\n", o.AtlasDir)
					o.AtlasDir = ""
				}
			}
			if ra2CSV != "" {
				loc, err := newLocator()
				if err != nil {
					return err
				}
				if ra2Images == "" {
					ra2Images = filepath.Dir(ra2CSV)
				}
				o.RA2 = &dataset.RA2Source{CSV: ra2CSV, Images: ra2Images,
					ReadOptions: rf.options(), Place: placeOneHand(loc)}
			}
			start := time.Now()
			stderr := cmd.ErrOrStderr()
			o.Progress = func(done, total int) {
				fmt.Fprintf(stderr, "\rdataset score: %d/%d films", done, total)
			}
			if err := dataset.WriteScore(o); err != nil {
				fmt.Fprintln(stderr)
				return err
			}
			fmt.Fprintf(stderr, "\ndataset score: wrote %s in %s\n",
				filepath.Join(o.Out, "score.json"), time.Since(start).Round(time.Second))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Out, "out", "", "folder to write the shards to")
	f.IntVar(&o.Phantoms, "phantoms", o.Phantoms, "training phantom films")
	f.IntVar(&o.PhantomsValid, "phantoms-valid", o.PhantomsValid, "validation phantom films")
	f.IntVar(&o.Views, "views", o.Views, "patches per joint of a training film")
	f.Float64Var(&o.JitterMM, "jitter-mm", o.JitterMM,
		"standard deviation of the position error added to true joints (mm)")
	f.StringVar(&o.AtlasDir, "atlas", "",
		"hand-landmark folder: its train and valid films join as grade-0 joints (optional)")
	f.IntVar(&o.AtlasViews, "atlas-views", o.AtlasViews, "patches per joint of a training atlas film")
	f.StringVar(&ra2CSV, "ra2-csv", "", "RA2-DREAM-layout CSV of grades (optional)")
	f.StringVar(&ra2Images, "ra2-images", "", "folder of the RA2 images (default: beside the CSV)")
	f.Uint64Var(&o.Seed, "seed", o.Seed, "seed for the augmentation")
	f.IntVar(&o.Workers, "workers", o.Workers, "films prepared at once")
	rf.register(cmd)
	return cmd
}

// placeOneHand returns a placer for films of one hand: the located joints of the surest hand.
func placeOneHand(loc *locate.Locator) func(*read.Radiograph) (map[svdh.Joint]crop.Point, error) {
	return func(rg *read.Radiograph) (map[svdh.Joint]crop.Point, error) {
		res, err := loc.Locate(rg)
		if err != nil {
			return nil, err
		}
		if len(res.Hands) == 0 {
			return nil, locate.ErrNoHand
		}
		best := res.Hands[0]
		for _, h := range res.Hands[1:] {
			if h.Confidence > best.Confidence {
				best = h
			}
		}
		pts := map[svdh.Joint]crop.Point{}
		for _, j := range best.Joints {
			if !j.Missing {
				pts[j.Joint] = crop.Point{X: j.XPx, Y: j.YPx}
			}
		}
		return pts, nil
	}
}

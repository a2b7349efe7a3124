package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"rascore/dataset"
)

func newDatasetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dataset",
		Short: "Write training shards for the networks (locate)",
		Long: `dataset writes the training material the networks in training/ learn from: views cut,
rotated and normalised by the same Go code that prepares inputs at run time, with their
targets. Real films come from ../shared/data (train and valid splits only; the test split is
never written); synthetic films come from the phantom, with seeds that evaluation never uses.`,
	}
	cmd.AddCommand(newDatasetLocateCmd())
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

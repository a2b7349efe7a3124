package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"rascore/crop"
	"rascore/dataset"
	"rascore/locate"
	"rascore/phantom"
	"rascore/read"
)

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Time the pipeline stages on this machine",
	}
	cmd.AddCommand(newBenchLocateCmd(), newBenchScoreCmd())
	return cmd
}

// benchFigures is what bench locate reports.
type benchFigures struct {
	Film          string  `json:"film"`
	Runs          int     `json:"runs"`
	ReadMedianMS  float64 `json:"read_median_ms,omitempty"`
	LocateMedian  float64 `json:"locate_median_ms"`
	LocateP90     float64 `json:"locate_p90_ms"`
	NetworkMedian float64 `json:"network_median_ms"`
	PeakRSSMB     float64 `json:"peak_rss_mb"`
}

func newBenchLocateCmd() *cobra.Command {
	var (
		runs   int
		asJSON bool
		dump   string
	)
	cmd := &cobra.Command{
		Use:   "locate [FILE]",
		Short: "Time read and locate per film, and the locator network alone",
		Long: `bench locate reads a film (or renders a phantom when none is given) and times, over
--runs runs: reading the file, the whole locate step (two network passes, cropping, peak
finding, layout checks), and one network run on its own. With --dump DIR it writes the
film-pass input (view.f32) and the network's output (heatmaps.f32), little-endian float32,
for training/bench_locator.py to compare ONNX Runtime with PyTorch on the same input.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runs < 1 {
				return fmt.Errorf("--runs must be at least 1, not %d", runs)
			}
			loc, err := newLocator()
			if err != nil {
				return err
			}
			defer loc.Model.Close()
			fig := benchFigures{Runs: runs}
			var rg *read.Radiograph
			if len(args) == 1 {
				fig.Film = args[0]
				var times []float64
				for range runs {
					start := time.Now()
					if rg, err = read.Read(args[0]); err != nil {
						return fmt.Errorf("%s: %w", args[0], err)
					}
					times = append(times, ms(time.Since(start)))
				}
				fig.ReadMedianMS = median(times)
			} else {
				fig.Film = "phantom seed 1, index 0 (rendered)"
				if rg, _, err = phantom.Render(dataset.LocatePhantomOptions(0), 1, 0); err != nil {
					return err
				}
			}
			var times []float64
			for range runs {
				start := time.Now()
				if _, err := loc.Locate(rg); err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), err)
				}
				times = append(times, ms(time.Since(start)))
			}
			fig.LocateMedian, fig.LocateP90 = median(times), quantileOf(times, 0.9)

			view := crop.Sample(rg, crop.Fit(rg.Width, rg.Height, loc.Model.InputSize()))
			crop.Normalise(view)
			times = times[:0]
			var maps *locate.Heatmaps
			for range runs {
				start := time.Now()
				if maps, err = loc.Model.Heatmaps(view); err != nil {
					return err
				}
				times = append(times, ms(time.Since(start)))
			}
			fig.NetworkMedian = median(times)
			fig.PeakRSSMB = peakRSSMB()
			if dump != "" {
				if err := dumpFloats(filepath.Join(dump, "view.f32"), view); err != nil {
					return err
				}
				if err := dumpFloats(filepath.Join(dump, "heatmaps.f32"), maps.Data); err != nil {
					return err
				}
			}
			if asJSON {
				b, _ := json.Marshal(fig)
				fmt.Fprintln(cmd.OutOrStdout(), string(b))
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s, %d runs: read %.1f ms, locate %.1f ms median "+
				"(p90 %.1f), network alone %.1f ms, peak RSS %.0f MB\n", fig.Film, runs,
				fig.ReadMedianMS, fig.LocateMedian, fig.LocateP90, fig.NetworkMedian,
				fig.PeakRSSMB)
			return nil
		},
	}
	cmd.Flags().IntVar(&runs, "runs", 20, "runs to time")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&dump, "dump", "", "write the network's input and output here")
	return cmd
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(v []float64) float64 { return quantileOf(v, 0.5) }

func quantileOf(v []float64, q float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// peakRSSMB is the process's peak resident memory.
func peakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return float64(ru.Maxrss) / 1024
}

func dumpFloats(path string, v []float32) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return os.WriteFile(path, b, 0o644)
}

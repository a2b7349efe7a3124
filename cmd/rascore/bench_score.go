package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"rascore/crop"
	"rascore/dataset"
	"rascore/phantom"
	"rascore/read"
	"rascore/report"
	"rascore/svdh"
)

// benchScoreFigures is what bench score reports.
type benchScoreFigures struct {
	Film             string  `json:"film"`
	Runs             int     `json:"runs"`
	PipelineMedianMS float64 `json:"pipeline_median_ms"`
	PipelineP90MS    float64 `json:"pipeline_p90_ms"`
	ReadMedianMS     float64 `json:"read_median_ms"`
	ScoreMedianMS    float64 `json:"score_median_ms"`
	ReportMedianMS   float64 `json:"report_median_ms"`
	PicturesMedianMS float64 `json:"pictures_median_ms"`
	NetworkMedianMS  float64 `json:"network_median_ms"`
	Patches          int     `json:"patches"`
	PeakRSSMB        float64 `json:"peak_rss_mb"`
}

func newBenchScoreCmd() *cobra.Command {
	var (
		runs   int
		asJSON bool
		dump   string
	)
	rf := &readFlags{}
	cmd := &cobra.Command{
		Use:   "score [FILE]",
		Short: "Time the whole pipeline per film, and the scorer network alone",
		Long: `bench score times, over --runs runs on one film (a phantom DICOM is written and used
when none is given), the whole pipeline as rascore score runs it: reading the file's bytes
and decoding them, locating, cutting the patches, the scorer network, the widths and the JSON
report; apart from that, drawing the overlay and the HTML page (PNG encoding), and one scorer
run on one hand's patches on its own. Peak RSS is the process's high-water mark. With --dump
DIR it writes that hand's patches (patches.f32), joints (joints.f32, one-hot) and the
network's outputs (jsn.f32, erosion.f32), little-endian float32, for
training/bench_scorer.py to compare ONNX Runtime with PyTorch on the same input.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runs < 1 {
				return fmt.Errorf("--runs must be at least 1, not %d", runs)
			}
			if err := rf.check(); err != nil {
				return err
			}
			sc, err := newFilmScorer(rf, 1600)
			if err != nil {
				return err
			}
			defer sc.close()
			fig := benchScoreFigures{Runs: runs}
			var data []byte
			if len(args) == 1 {
				fig.Film = args[0]
				if data, err = readBytes(args[0], rf); err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
			} else {
				fig.Film = "phantom seed 1, index 0 (DICOM, rendered)"
				opts := dataset.ScorePhantomOptions(0)
				img, truth, err := phantom.Render(opts, 1, 0)
				if err != nil {
					return err
				}
				var buf bytes.Buffer
				if err := phantom.WriteDICOM(&buf, img, truth, opts); err != nil {
					return err
				}
				data = buf.Bytes()
			}
			var whole, reading, scoring, reporting, pictures []float64
			var rg *read.Radiograph
			var rep *report.Report
			for range runs {
				t0 := time.Now()
				rg, err = read.DecodeBytes(data, rf.options()...)
				if err != nil {
					return err
				}
				t1 := time.Now()
				film, err := sc.p.Score.Score(rg)
				if err != nil {
					return err
				}
				t2 := time.Now()
				rep = report.New(sc.p.Software, sc.p.Models, data, rg, film)
				if err := rep.WriteJSON(&bytes.Buffer{}); err != nil {
					return err
				}
				t3 := time.Now()
				png, err := sc.overlay(rg, rep)
				if err != nil {
					return err
				}
				if err := report.WriteHTML(&bytes.Buffer{}, rep, nil, png); err != nil {
					return err
				}
				t4 := time.Now()
				whole = append(whole, ms(t3.Sub(t0)))
				reading = append(reading, ms(t1.Sub(t0)))
				scoring = append(scoring, ms(t2.Sub(t1)))
				reporting = append(reporting, ms(t3.Sub(t2)))
				pictures = append(pictures, ms(t4.Sub(t3)))
			}
			fig.PipelineMedianMS, fig.PipelineP90MS = median(whole), quantileOf(whole, 0.9)
			fig.ReadMedianMS, fig.ScoreMedianMS = median(reading), median(scoring)
			fig.ReportMedianMS, fig.PicturesMedianMS = median(reporting), median(pictures)

			if len(rep.Hands) == 0 {
				return fmt.Errorf("%s: no hand found, nothing to time the scorer on", fig.Film)
			}
			patches, joints, err := handPatches(rg, rep, sc.p.Score.Model.Spec())
			if err != nil {
				return err
			}
			fig.Patches = len(patches)
			var times []float64
			var jsn, ero [][]float64
			for range runs {
				start := time.Now()
				if jsn, ero, err = sc.p.Score.Model.Predict(patches, joints); err != nil {
					return err
				}
				times = append(times, ms(time.Since(start)))
			}
			fig.NetworkMedianMS = median(times)
			fig.PeakRSSMB = peakRSSMB()
			if dump != "" {
				if err := dumpScorer(dump, patches, joints, jsn, ero); err != nil {
					return err
				}
			}
			if asJSON {
				b, _ := json.Marshal(fig)
				fmt.Fprintln(cmd.OutOrStdout(), string(b))
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s, %d runs: whole pipeline %.1f ms median (p90 %.1f): "+
				"read %.1f, locate+score+widths %.1f, JSON report %.1f; overlay and HTML %.1f ms "+
				"more; scorer network alone %.1f ms for %d patches; peak RSS %.0f MB\n", fig.Film,
				runs, fig.PipelineMedianMS, fig.PipelineP90MS, fig.ReadMedianMS, fig.ScoreMedianMS,
				fig.ReportMedianMS, fig.PicturesMedianMS, fig.NetworkMedianMS, fig.Patches,
				fig.PeakRSSMB)
			return nil
		},
	}
	cmd.Flags().IntVar(&runs, "runs", 20, "runs to time")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&dump, "dump", "", "write one hand's scorer input and output here")
	rf.register(cmd)
	return cmd
}

// handPatches cuts the patches of the first hand's placed joints as the scorer does.
func handPatches(rg *read.Radiograph, rep *report.Report, spec crop.SiteSpec) ([][]float32,
	[]svdh.Joint, error) {
	h := rep.Hands[0]
	pts := map[svdh.Joint]crop.Point{}
	for _, s := range h.Sites {
		if !s.Missing {
			pts[s.Joint] = crop.Point{X: s.XPx, Y: s.YPx}
		}
	}
	var patches [][]float32
	var joints []svdh.Joint
	for _, jp := range crop.HandPatches(rg, pts, h.Laterality == svdh.Right, spec) {
		patches, joints = append(patches, jp.Pix), append(joints, jp.Joint)
	}
	if len(patches) == 0 {
		return nil, nil, fmt.Errorf("no placed joint to cut")
	}
	return patches, joints, nil
}

func dumpScorer(dir string, patches [][]float32, joints []svdh.Joint, jsn, ero [][]float64) error {
	var flat, onehot, a, b []float32
	all := svdh.HandJoints()
	for i, p := range patches {
		flat = append(flat, p...)
		row := make([]float32, len(all))
		row[slices.Index(all, joints[i])] = 1
		onehot = append(onehot, row...)
		for _, v := range jsn[i] {
			a = append(a, float32(v))
		}
		for _, v := range ero[i] {
			b = append(b, float32(v))
		}
	}
	for name, v := range map[string][]float32{"patches.f32": flat, "joints.f32": onehot,
		"jsn.f32": a, "erosion.f32": b} {
		if err := dumpFloats(filepath.Join(dir, name), v); err != nil {
			return err
		}
	}
	return nil
}

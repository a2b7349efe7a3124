package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"rascore/phantom"
	"rascore/svdh"
)

// newPhantomCmd builds `rascore phantom`: synthetic hand films with exact truth.
func newPhantomCmd() *cobra.Command {
	opts := phantom.DefaultOptions()
	var (
		count     int
		seed      uint64
		outDir    string
		format    string
		sheet     string
		sheetCols int
	)
	cmd := &cobra.Command{
		Use:   "phantom",
		Short: "Write synthetic PA hand radiographs with exact SvdH ground truth",
		Long: `phantom writes synthetic PA hand radiographs (DICOM or 16-bit PNG) and beside each a
NAME.truth.json with the laterality, pixel spacing and, for every Sharp/van der Heijde site,
its centre, joint axis, JSN and erosion grades, joint space width (mm) and erosion outlines.

The same --seed and options always give the same bytes. Films are named
phantom-s<seed>-<index>.dcm or .png.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if count < 1 {
				return errors.New("--count must be at least 1")
			}
			if format != "dicom" && format != "png" {
				return fmt.Errorf("--format %q: want dicom or png", format)
			}
			if err := opts.Validate(); err != nil {
				return err
			}
			if err := os.MkdirAll(outDir, 0o755); err != nil {
				return fmt.Errorf("create %s: %w", outDir, err)
			}
			var sh *phantom.Sheet
			if sheet != "" {
				sh = phantom.NewSheet(sheetCols, 320)
			}
			stderr := cmd.ErrOrStderr()
			for i := range count {
				truth, err := writeFilm(opts, seed, i, format, outDir, sh)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), truthLine(truth))
				if count > 1 && isTerminal(stderr) {
					fmt.Fprintf(stderr, "\rphantom: %d/%d films", i+1, count)
				}
			}
			if count > 1 && isTerminal(stderr) {
				fmt.Fprintln(stderr)
			}
			if sh != nil {
				if err := writeSheet(sh, sheet); err != nil {
					return err
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&count, "count", 1, "number of films")
	f.Uint64Var(&seed, "seed", 1, "random seed; film i of a seed is always the same film")
	f.StringVar(&outDir, "out", ".", "output folder")
	f.StringVar(&format, "format", "dicom", "film format: dicom or png")
	f.StringVar(&sheet, "sheet", "", "also write a contact sheet of the films to this PNG")
	f.IntVar(&sheetCols, "sheet-cols", 4, "films per row on the contact sheet")
	f.IntVar(&opts.Hands, "hands", opts.Hands, "hands per film: 1, or 2 side by side")
	f.Float64Var(&opts.SpacingMM, "spacing-mm", opts.SpacingMM,
		"pixel spacing (mm), 0.1–0.2 typical")
	f.IntVar(&opts.WidthPx, "width", 0, "film width in pixels (0: from the spacing and hands)")
	f.IntVar(&opts.HeightPx, "height", 0, "film height in pixels (0: from the spacing and hands)")
	f.Float64Var(&opts.RotateDeg, "rotate", opts.RotateDeg,
		"largest hand rotation either way (degrees)")
	f.Float64Var(&opts.LeftShare, "left-share", opts.LeftShare,
		"share of one-hand films of a left hand")
	f.Float64Var(&opts.FlipShare, "flip-share", opts.FlipShare,
		"share of films mirrored left to right")
	f.Float64Var(&opts.RingShare, "ring-share", opts.RingShare, "share of hands wearing a ring")
	f.Float64Var(&opts.CollimationShare, "collimation-share", opts.CollimationShare,
		"share of films with collimator edges")
	f.BoolVar(&opts.Markers, "markers", opts.Markers, "burn in a lead L/R marker")
	f.BoolVar(&opts.NoiseFree, "noise-free", false, "no noise, blur, scatter or heel effect")
	f.StringVar(&opts.Photometric, "photometric", opts.Photometric, "MONOCHROME2 or MONOCHROME1")
	f.IntVar(&opts.BitsStored, "bits", opts.BitsStored, "bits stored, 10–16")
	f.StringVar(&opts.Modality, "modality", opts.Modality, "DICOM modality: DX or CR")
	f.Float64Var(&opts.Damage.HealthyShare, "healthy-share", opts.Damage.HealthyShare,
		"share of hands without damage")
	f.Float64Var(&opts.Damage.SiteProb, "site-prob", opts.Damage.SiteProb,
		"base chance that a site of a damaged hand is graded above 0")
	return cmd
}

// truthLine says what a phantom holds, in the words rascore score uses for its results.
func truthLine(t *phantom.Truth) string {
	var hands []string
	for _, h := range t.Hands {
		hands = append(hands, fmt.Sprintf("%s hand SvdH %d (erosion %d, JSN %d)",
			map[svdh.Side]string{svdh.Left: "left", svdh.Right: "right"}[h.Laterality],
			h.TotalErosion+h.TotalJSN, h.TotalErosion, h.TotalJSN))
	}
	return fmt.Sprintf("%s: truth: %s", t.Film, strings.Join(hands, "; "))
}

// writeFilm renders film i and writes it and its truth into dir.
func writeFilm(opts phantom.Options, seed uint64, i int, format, dir string,
	sh *phantom.Sheet) (*phantom.Truth, error) {
	img, truth, err := phantom.Render(opts, seed, i)
	if err != nil {
		return nil, err
	}
	name := phantom.FileName(seed, i, format)
	truth.Film = name
	err = writeFile(filepath.Join(dir, name), func(w *bufio.Writer) error {
		if format == "dicom" {
			return phantom.WriteDICOM(w, img, truth, opts)
		}
		return phantom.WritePNG(w, img, opts)
	})
	if err != nil {
		return nil, err
	}
	err = writeFile(filepath.Join(dir, phantom.TruthName(seed, i)), func(w *bufio.Writer) error {
		return phantom.WriteTruth(w, truth)
	})
	if err != nil {
		return nil, err
	}
	if sh != nil {
		sh.Add(img, truth)
	}
	return truth, nil
}

func writeSheet(sh *phantom.Sheet, path string) error {
	return writeFile(path, func(w *bufio.Writer) error { return sh.WritePNG(w) })
}

// writeFile creates path, lets write fill it, and closes it, reporting the first error.
func writeFile(path string, write func(*bufio.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := write(w); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// isTerminal says whether w is a terminal, where progress may rewrite its line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

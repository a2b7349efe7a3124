package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"rascore/read"
)

// readFlags are the reader settings every command that reads images shares.
type readFlags struct {
	maxMegapixels float64
	assumeSpacing float64
	opts          []read.Option // made once per command: the salt comes from a file
}

func (f *readFlags) register(cmd *cobra.Command) {
	cmd.Flags().Float64Var(&f.maxMegapixels, "max-megapixels", read.DefaultMaxPixels/1e6,
		"refuse images larger than this many megapixels (rows × columns × frames)")
	cmd.Flags().Float64Var(&f.assumeSpacing, "assume-spacing-mm", 0,
		"pixel spacing to assume, marked estimated, when a file states none (0: leave unknown)")
}

// check refuses settings that cannot be meant.
func (f *readFlags) check() error {
	switch {
	case !(f.maxMegapixels > 0):
		return fmt.Errorf("--max-megapixels %g: want more than 0", f.maxMegapixels)
	case !(f.assumeSpacing >= 0 && f.assumeSpacing <= 5):
		return fmt.Errorf("--assume-spacing-mm %g: want 0 (none) to 5", f.assumeSpacing)
	}
	return nil
}

func (f *readFlags) options() []read.Option {
	if f.opts != nil {
		return f.opts
	}
	opts := []read.Option{
		read.WithMaxPixels(int64(f.maxMegapixels * 1e6)),
		read.WithAssumedSpacing(f.assumeSpacing),
	}
	f.opts = append(opts, read.WithSalt(patientSalt()))
	return f.opts
}

// patientSalt is the secret mixed into patient keys: $RASCORE_PATIENT_SALT when set (a site
// sets one secret on all its machines so keys match across them), else a random salt made on
// first use and kept in the user's config folder, so keys cannot be matched against a list of
// IDs by anyone without that file.
func patientSalt() string {
	if salt := os.Getenv("RASCORE_PATIENT_SALT"); salt != "" {
		return salt
	}
	dir, err := os.UserConfigDir()
	if err == nil {
		path := filepath.Join(dir, "rascore", "patient-salt")
		if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
			return string(b)
		}
		salt := make([]byte, 32)
		if _, err = rand.Read(salt); err == nil {
			enc := hex.EncodeToString(salt)
			if err = os.MkdirAll(filepath.Dir(path), 0o700); err == nil {
				if err = os.WriteFile(path, []byte(enc), 0o600); err == nil {
					return enc
				}
			}
		}
	}
	slog.Warn("no patient salt: set RASCORE_PATIENT_SALT; patient keys use a public default",
		"err", err)
	return "rascore"
}

// inspection is the JSON form of one file's metadata. It carries no patient ID, only the key.
type inspection struct {
	File           string     `json:"file"`
	SHA256         string     `json:"sha256"`
	Format         string     `json:"format"`
	Width          int        `json:"width"`
	Height         int        `json:"height"`
	SpacingMM      [2]float64 `json:"spacing_mm"`
	SpacingSource  string     `json:"spacing_source"`
	Modality       string     `json:"modality,omitempty"`
	BodyPart       string     `json:"body_part,omitempty"`
	ViewPosition   string     `json:"view_position,omitempty"`
	Laterality     string     `json:"laterality,omitempty"`
	StudyDate      string     `json:"study_date,omitempty"`
	PatientKey     string     `json:"patient_key,omitempty"`
	TransferSyntax string     `json:"transfer_syntax,omitempty"`
	Photometric    string     `json:"photometric,omitempty"`
	BitsStored     int        `json:"bits_stored,omitempty"`
	Frames         int        `json:"frames,omitempty"`
	Notes          []string   `json:"notes,omitempty"`
	Preview        string     `json:"preview,omitempty"`
}

func newInspectCmd() *cobra.Command {
	var (
		rf       readFlags
		asJSON   bool
		pngOut   string
		maxWidth int
	)
	cmd := &cobra.Command{
		Use:   "inspect FILE...",
		Short: "Read radiographs and print what rascore sees in them",
		Long: `Inspect reads each file (DICOM, PNG, JPEG or TIFF) the way every other command does and
prints one line per file: size, format, pixel spacing and where it came from, modality,
body part, view, laterality, study date, a salted hash of the patient ID (never the ID),
transfer syntax, photometric interpretation and notes on what was done to the pixels.

A file that cannot be read gives one line on stderr naming it and the reason; the other
files are still read, and the exit code is 1.

Set RASCORE_PATIENT_SALT to a secret of your site so that patient keys cannot be matched
against a list of IDs.`,
		Example: `  rascore inspect film.dcm
  rascore inspect --json studies/*.dcm
  rascore inspect --png preview.png film.dcm
  rascore inspect --png previews/ a.dcm b.dcm   # several files: OUT is a folder`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := rf.check(); err != nil {
				return err
			}
			failed := 0
			for _, path := range args {
				if err := inspectOne(cmd.OutOrStdout(), path, &rf, asJSON, pngOut, maxWidth,
					len(args) > 1); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", path, err)
					failed++
				}
			}
			if failed > 0 {
				return errQuiet{fmt.Errorf("%d of %d files could not be read", failed,
					len(args))}
			}
			return nil
		},
	}
	rf.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per line")
	cmd.Flags().StringVar(&pngOut, "png", "",
		"write an 8-bit preview PNG here (a folder when several files are given)")
	cmd.Flags().IntVar(&maxWidth, "png-max-side", 2048,
		"longest side of the preview in pixels (0: full size)")
	return cmd
}

// errQuiet is an error already reported to the user; main only sets the exit code.
type errQuiet struct{ error }

func inspectOne(out io.Writer, path string, rf *readFlags, asJSON bool, pngOut string,
	maxSide int, many bool) error {
	data, rg, err := readInput(path, rf)
	if err != nil {
		return err
	}
	in := inspection{
		File: path, SHA256: sha256Hex(data), Format: rg.Format,
		Width: rg.Width, Height: rg.Height, SpacingMM: rg.SpacingMM,
		SpacingSource: string(rg.SpacingSource), Modality: rg.Modality, BodyPart: rg.BodyPart,
		ViewPosition: rg.ViewPosition, Laterality: rg.Laterality, StudyDate: rg.StudyDate,
		PatientKey: rg.PatientKey, TransferSyntax: rg.TransferSyntax,
		Photometric: rg.Photometric, BitsStored: rg.BitsStored, Frames: rg.Frames,
		Notes: rg.Notes,
	}
	if pngOut != "" {
		dst := pngOut
		if many {
			// Named by content hash: input names may carry patient names.
			dst = filepath.Join(pngOut, in.SHA256[:16]+".png")
		}
		if err := writePNG(dst, rg.Gray8(maxSide)); err != nil {
			return err
		}
		in.Preview = dst
	}
	if asJSON {
		b, _ := json.Marshal(in)
		_, err = fmt.Fprintln(out, string(b))
		return err
	}
	_, err = fmt.Fprintln(out, inspectLine(in))
	return err
}

func inspectLine(in inspection) string {
	parts := []string{in.File, fmt.Sprintf("%dx%d", in.Width, in.Height), in.Format}
	if in.SpacingSource == string(read.SpacingUnknown) {
		parts = append(parts, "spacing unknown")
	} else {
		parts = append(parts, fmt.Sprintf("spacing %.4g×%.4g mm (%s)", in.SpacingMM[0],
			in.SpacingMM[1], in.SpacingSource))
	}
	add := func(label, v string) {
		if v != "" {
			parts = append(parts, label+"="+v)
		}
	}
	add("modality", in.Modality)
	add("body", in.BodyPart)
	add("view", in.ViewPosition)
	add("laterality", in.Laterality)
	add("date", in.StudyDate)
	add("patient", in.PatientKey)
	add("syntax", in.TransferSyntax)
	add("photometric", in.Photometric)
	if in.BitsStored > 0 {
		add("bits", fmt.Sprint(in.BitsStored))
	}
	if in.Frames > 1 {
		add("frames", fmt.Sprint(in.Frames))
	}
	line := strings.Join(parts, "  ")
	if len(in.Notes) > 0 {
		line += "  [" + strings.Join(in.Notes, "; ") + "]"
	}
	return line
}

// writePNG writes an image, making its folder if needed.
func writePNG(path string, img image.Image) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// readInput reads and decodes one input file, refusing one over the byte limit unread. The
// caller prints the path, so errors about the file itself are given without it.
func readInput(path string, rf *readFlags) ([]byte, *read.Radiograph, error) {
	data, err := readBytes(path, rf)
	if err != nil {
		return nil, nil, err
	}
	rg, err := read.DecodeBytes(data, rf.options()...)
	return data, rg, err
}

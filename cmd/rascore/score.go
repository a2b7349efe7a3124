package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"rascore/pipeline"
	"rascore/read"
	"rascore/report"
)

func newScoreCmd() *cobra.Command {
	var (
		rf      readFlags
		of      outputFlags
		outDir  string
		formats string
	)
	cmd := &cobra.Command{
		Use:   "score FILE...",
		Short: "Score every SvdH site of the hands on each film (research use only)",
		Long: `score finds the hands on each film, grades the 31 Sharp/van der Heijde sites of each
hand (erosion 0-5, joint space narrowing 0-4) with the probability of every grade, measures
joint space width in mm at the MCP, PIP and thumb IP joints, and totals them per hand, film
and patient.

Without --out the JSON report of each film goes to stdout: indented for one file, one
report per line for several. --format csv prints instead one RA2-DREAM row per patient.

With --out DIR, stdout gets one summary line per film and DIR gets, per film, files named
by the film id (the first 12 hex digits of the file's SHA-256, never the input's name,
which may hold a patient's name or ID):
  FILMID.json    the report (schema rascore.report/v1)            (--format json)
  FILMID.png     the film with each site's grades drawn on it     (--format png)
  FILMID.html    a self-contained page: totals, sites, widths      (--format html)
and for all the films given together:
  scores.csv     RA2-DREAM layout, one row per patient                (--format csv)
  patients.json  each patient's sites and totals
  index.csv      film id -> input path (rows of earlier runs kept)

Films are grouped into patients by the salted hash of the DICOM patient ID
(RASCORE_PATIENT_SALT); a film without one is a patient of its own, under its film id.
A left-hand and a right-hand film of one patient give one row; where two films give the
same site, the first film's grade is kept and a warning says so.

FILE "-" reads the film from standard input.

A file that cannot be read or scored gives one line on stderr naming it; the other files
are still done, and the exit code is 1. A film without a hand is not a failure: its report
says "no hand found". Research output, not for clinical use.`,
		Example: `  rascore score film.dcm > report.json
  rascore score --format csv left.dcm right.dcm > scores.csv
  rascore score --out results --format json,csv,png,html films/*.dcm`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := rf.check(); err != nil {
				return err
			}
			if err := of.check(); err != nil {
				return err
			}
			fm, err := parseFormats(formats)
			if err != nil {
				return err
			}
			if outDir == "" {
				if !cmd.Flags().Changed("format") {
					fm = outputFormats{json: true}
				}
				if fm.png || fm.html || fm.json == fm.csv {
					return errors.New("without --out, --format is json or csv (printed to " +
						"stdout); png and html need --out DIR")
				}
			}
			sc, err := newFilmScorer(&rf, of.overlayMaxSide)
			if err != nil {
				return err
			}
			defer sc.close()
			return runScore(cmd, sc, args, outDir, fm)
		},
	}
	rf.register(cmd)
	of.register(cmd)
	cmd.Flags().StringVar(&outDir, "out", "", "write the outputs into this folder")
	cmd.Flags().StringVar(&formats, "format", "json,csv",
		"outputs, comma-separated: json, csv, png, html")
	return cmd
}

// scoredFilm is one input's outcome in `rascore score`.
type scoredFilm struct {
	path    string
	report  *report.Report
	overlay []byte // PNG
}

func runScore(cmd *cobra.Command, sc *filmScorer, paths []string, outDir string,
	fm outputFormats) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	var (
		films []scoredFilm
		index []indexRow
	)
	for _, path := range paths {
		rep, rg, err := sc.scoreFile(path)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", path, err)
			index = append(index, indexRow{path: path, status: statusFailed})
			if rep != nil {
				index[len(index)-1].filmID = rep.Input.FilmID
			}
			continue
		}
		f := scoredFilm{path: path, report: rep}
		if outDir != "" && (fm.png || fm.html) {
			if f.overlay, err = sc.overlay(rg, rep); err != nil {
				return err
			}
		}
		films = append(films, f)
		index = append(index, indexRow{filmID: rep.Input.FilmID, path: path,
			status: filmStatus(rep)})
	}
	reports := make([]*report.Report, len(films))
	for i, f := range films {
		reports[i] = f.report
	}
	patients := report.Patients(reports)

	var err error
	if outDir == "" {
		err = printReports(stdout, reports, patients, fm)
	} else {
		err = writeScoreOutputs(stdout, outDir, films, patients, index, fm)
	}
	if err != nil {
		return err
	}
	if failed := len(paths) - len(films); failed > 0 {
		return errQuiet{fmt.Errorf("%d of %d files failed", failed, len(paths))}
	}
	return nil
}

// printReports writes the reports as JSON (indented for one, one per line for several) or the
// patients as CSV.
func printReports(w io.Writer, reports []*report.Report, patients []report.Patient,
	fm outputFormats) error {
	if fm.csv {
		return report.WriteCSV(w, patients)
	}
	if len(reports) == 1 {
		return reports[0].WriteJSON(w)
	}
	for _, r := range reports {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintln(w, string(b)); err != nil {
			return err
		}
	}
	return nil
}

func writeScoreOutputs(stdout io.Writer, dir string, films []scoredFilm,
	patients []report.Patient, index []indexRow, fm outputFormats) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	byID := map[string]*report.Patient{}
	for i := range patients {
		byID[patients[i].ID] = &patients[i]
	}
	for _, f := range films {
		if err := writeFilmOutputs(dir, fm, f.report, f.overlay,
			byID[f.report.PatientID()]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %s\n", f.path, summary(f.report))
	}
	if fm.csv {
		if err := writeAtomic(filepath.Join(dir, "scores.csv"), func(w io.Writer) error {
			return report.WriteCSV(w, patients)
		}); err != nil {
			return err
		}
	}
	if err := writePatients(filepath.Join(dir, "patients.json"), patients); err != nil {
		return err
	}
	return mergeIndex(filepath.Join(dir, "index.csv"), index)
}

// summary is a film's one-line result.
func summary(r *report.Report) string {
	if r.NoHand {
		return "film " + r.Input.FilmID + ": " + report.NoHandMessage
	}
	var parts []string
	for _, h := range r.Hands {
		t := h.Totals
		s := fmt.Sprintf("%s SvdH %d (erosion %d, JSN %d)", report.HandName(h.Laterality),
			t.Total, t.Erosion, t.JSN)
		if t.NeedsReview > 0 {
			s += fmt.Sprintf(", %d to review", t.NeedsReview)
		}
		parts = append(parts, s)
	}
	return "film " + r.Input.FilmID + ": " + strings.Join(parts, "; ")
}

// outputFormats are the outputs asked for.
type outputFormats struct{ json, csv, png, html bool }

func parseFormats(s string) (outputFormats, error) {
	var f outputFormats
	for _, name := range strings.Split(s, ",") {
		switch strings.TrimSpace(strings.ToLower(name)) {
		case "json":
			f.json = true
		case "csv":
			f.csv = true
		case "png":
			f.png = true
		case "html":
			f.html = true
		default:
			return f, fmt.Errorf("--format %q: want a list of json, csv, png, html", name)
		}
	}
	return f, nil
}

// outputFlags are the settings of the pictures both score and batch draw.
type outputFlags struct{ overlayMaxSide int }

func (f *outputFlags) register(cmd *cobra.Command) {
	cmd.Flags().IntVar(&f.overlayMaxSide, "overlay-max-side", 1600,
		"longer side of the overlay picture in pixels")
}

func (f *outputFlags) check() error {
	if f.overlayMaxSide < 200 || f.overlayMaxSide > 8000 {
		return fmt.Errorf("--overlay-max-side %d: want 200 to 8000", f.overlayMaxSide)
	}
	return nil
}

// filmScorer scores films one file at a time with the same pipeline the server uses
// (package pipeline); it is made once per command and safe for concurrent use (the networks
// serialise their runs).
type filmScorer struct {
	p  *pipeline.Scorer
	rf *readFlags
}

func newFilmScorer(rf *readFlags, overlayMaxSide int) (*filmScorer, error) {
	opts := rf.options() // the salt is read once, before any worker starts
	p, err := pipeline.New(fmt.Sprintf("rascore %s (commit %s)", version, commit()), opts,
		overlayMaxSide)
	if err != nil {
		return nil, err
	}
	return &filmScorer{p: p, rf: rf}, nil
}

func (sc *filmScorer) close() { sc.p.Close() }

// scoreFile reads, scores and reports one file. On a failure after the bytes were read, the
// report returned carries the input's hash (and only that), so the failure can be named by
// film id.
func (sc *filmScorer) scoreFile(path string) (*report.Report, *read.Radiograph, error) {
	data, err := readBytes(path, sc.rf)
	if err != nil {
		return nil, nil, err
	}
	return sc.scoreBytes(data)
}

// scoreBytes decodes, scores and reports one file's bytes, failing as scoreFile does.
func (sc *filmScorer) scoreBytes(data []byte) (*report.Report, *read.Radiograph, error) {
	r, rg, tm, err := sc.p.Film(data)
	if err != nil {
		slog.Info("film not scored", "film", r.Input.FilmID, "err", err)
		return r, nil, err
	}
	slog.Info("film scored", "film", r.Input.FilmID, "patient", r.Input.PatientKey,
		"hands", len(r.Hands), "total", r.Totals.Total, "review", r.Totals.NeedsReview,
		"ms", (tm.Read + tm.Score + tm.Report).Milliseconds())
	return r, rg, nil
}

// readBytes reads one input file ("-": standard input), refusing one over the byte limit
// unread; errors about the file itself are given without its path, which the caller prints.
func readBytes(path string, rf *readFlags) ([]byte, error) {
	if path == "-" {
		return read.ReadAll(os.Stdin, rf.options()...)
	}
	data, err := read.ReadFile(path, rf.options()...)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return nil, pe.Err
	}
	return data, err
}

// overlay draws a scored film and encodes it as PNG.
func (sc *filmScorer) overlay(rg *read.Radiograph, r *report.Report) ([]byte, error) {
	return sc.p.Overlay(rg, r)
}

// writeFilmOutputs writes a film's own files into dir, named by its film id: the report, the
// overlay and the HTML page as fm asks. The report goes last, so that a report on disk means
// the film's other files are there too.
func writeFilmOutputs(dir string, fm outputFormats, r *report.Report, overlay []byte,
	patient *report.Patient) error {
	base := filepath.Join(dir, r.Input.FilmID)
	if fm.png {
		if err := writeAtomic(base+".png", func(w io.Writer) error {
			_, err := w.Write(overlay)
			return err
		}); err != nil {
			return err
		}
	}
	if fm.html {
		if err := writeAtomic(base+".html", func(w io.Writer) error {
			return report.WriteHTML(w, r, patient, overlay)
		}); err != nil {
			return err
		}
	}
	if fm.json {
		return writeAtomic(base+".json", r.WriteJSON)
	}
	return nil
}

// filmOutputsExist says whether the files fm asks for of a film are all in dir.
func filmOutputsExist(dir string, fm outputFormats, filmID string) bool {
	base := filepath.Join(dir, filmID)
	for _, ext := range []struct {
		want bool
		ext  string
	}{{fm.json, ".json"}, {fm.png, ".png"}, {fm.html, ".html"}} {
		if _, err := os.Stat(base + ext.ext); ext.want && err != nil {
			return false
		}
	}
	return true
}

func writePatients(path string, patients []report.Patient) error {
	return writeAtomic(path, func(w io.Writer) error {
		b, err := json.MarshalIndent(struct {
			Schema   string           `json:"schema"`
			Note     string           `json:"note"`
			Patients []report.Patient `json:"patients"`
		}{report.Schema, report.ResearchNote, patients}, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	})
}

// Film statuses in index.csv and manifest.csv.
const (
	statusScored = "scored"
	statusNoHand = "no hand"
	statusFailed = "failed"
)

func filmStatus(r *report.Report) string {
	if r.NoHand {
		return statusNoHand
	}
	return statusScored
}

// indexRow maps a film id to the input it came from.
type indexRow struct{ filmID, path, status string }

// mergeIndex adds rows to the index.csv at path, replacing earlier rows of the same input.
func mergeIndex(path string, rows []indexRow) error {
	var all []indexRow
	if f, err := os.Open(path); err == nil {
		old, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for _, r := range old[min(1, len(old)):] {
			if len(r) == 3 {
				all = append(all, indexRow{filmID: r[0], path: r[1], status: r[2]})
			}
		}
	}
	for _, r := range rows {
		all = slices.DeleteFunc(all, func(o indexRow) bool { return o.path == r.path })
		all = append(all, r)
	}
	out := [][]string{{"film_id", "input", "status"}}
	for _, r := range all {
		out = append(out, []string{r.filmID, r.path, r.status})
	}
	return writeCSVFile(path, out)
}

// writeCSVFile writes rows (the header first) to path atomically (writeAtomic).
func writeCSVFile(path string, rows [][]string) error {
	return writeAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.WriteAll(rows); err != nil {
			return err
		}
		return cw.Error()
	})
}

// writeAtomic writes a file through a temporary file in the same folder, so that the file
// either has its old content or all of its new content.
func writeAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	err = write(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"rascore/report"
)

func newBatchCmd() *cobra.Command {
	var (
		rf      readFlags
		of      outputFlags
		outDir  string
		formats string
		workers int
	)
	cmd := &cobra.Command{
		Use:   "batch DIR --out OUT",
		Short: "Score every radiograph in a folder, resumably (research use only)",
		Long: `batch scores every radiograph under DIR, as rascore score does, and writes into OUT:
  FILMID.json    each film's report, named by the film id (the first 12 hex digits of the
                 file's SHA-256, never the input's name)
  FILMID.png     overlay, FILMID.html page                  (--format png,html)
  batch.csv      RA2-DREAM layout, one row per patient, every film scored so far
  patients.json  each patient's sites and totals
  manifest.csv   path, size, mtime, film_id, status of every input seen
  failed.csv     path and reason of every file that failed this run (header only if none)

Files taken: .dcm, .dicom, .png, .jpg, .jpeg, .tif, .tiff, and files without an extension
that start like DICOM (DICM at byte 128). Hidden files and folders, and OUT itself, are
skipped.

Resuming: a second run over the same DIR and OUT skips every input whose outputs are
already in OUT for the same content. An input whose path, size and mtime match its
manifest row is not even read; any other input is hashed, and skipped if OUT holds its
report. Failed files are tried again. batch.csv and patients.json cover every film found
under DIR, whether scored in this run or an earlier one.

Progress goes to stderr: a bar on a terminal, otherwise a line at every tenth of the files
and at least every 30 s. A file that cannot be read or scored does not stop the batch; the
failures are listed at the end with their reasons, and the exit code is then 1. Films with
no hand are listed too; they are not failures. The per-film HTML pages give hand and film
totals; patient totals are in batch.csv and patients.json. Research output, not for
clinical use.`,
		Example: `  rascore batch films/ --out results/
  rascore batch films/ --out results/ --workers 4 --format json,png,html`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := rf.check(); err != nil {
				return err
			}
			if err := of.check(); err != nil {
				return err
			}
			if outDir == "" {
				return errors.New("--out OUT is needed: the folder for the reports")
			}
			if workers < 1 || workers > 64 {
				return fmt.Errorf("--workers %d: want 1 to 64", workers)
			}
			fm, err := parseFormats(formats)
			if err != nil {
				return err
			}
			fm.json, fm.csv = true, true // the reports are what a later run resumes from
			if st, err := os.Stat(args[0]); errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%s: no such folder", args[0])
			} else if err != nil || !st.IsDir() {
				return fmt.Errorf("%s: not a folder", args[0])
			}
			if err := os.MkdirAll(outDir, 0o755); err != nil {
				return err
			}
			sc, err := newFilmScorer(&rf, of.overlayMaxSide)
			if err != nil {
				return err
			}
			defer sc.close()
			b := &batchRun{sc: sc, in: args[0], out: outDir, fm: fm, workers: workers,
				stdout: cmd.OutOrStdout(), stderr: cmd.ErrOrStderr()}
			return b.run()
		},
	}
	rf.register(cmd)
	of.register(cmd)
	cmd.Flags().StringVar(&outDir, "out", "", "output folder (made if missing)")
	cmd.Flags().StringVar(&formats, "format", "json,csv",
		"outputs, comma-separated: json and csv always, png and html as asked")
	cmd.Flags().IntVar(&workers, "workers", min(4, runtime.NumCPU()),
		"films read and scored at once")
	return cmd
}

// batchRun is one run of `rascore batch`.
type batchRun struct {
	sc             *filmScorer
	in, out        string
	fm             outputFormats
	workers        int
	stdout, stderr io.Writer
	manifest       map[string]manifestEntry
}

// manifestEntry is what a run knew about one input.
type manifestEntry struct {
	path   string
	size   int64
	mtime  string
	filmID string
	status string
	reason string // for failures; kept in failed.csv, not in the manifest
}

// batchOutcome says what happened to one input in this run.
type batchOutcome struct {
	entry   manifestEntry
	skipped bool
}

func (b *batchRun) run() error {
	var err error
	if b.manifest, err = readManifest(filepath.Join(b.out, "manifest.csv")); err != nil {
		return err
	}
	paths, notes, err := findImages(b.in, b.out)
	if err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(b.stderr, n)
	}
	slog.Info("batch start", "inputs", len(paths), "workers", b.workers)
	outcomes := b.process(paths)

	entries := make([]manifestEntry, len(outcomes))
	var failed, noHand []manifestEntry
	scored, skipped, scoredNoHand := 0, 0, 0
	for i, o := range outcomes {
		entries[i] = o.entry
		switch {
		case o.entry.status == statusFailed:
			failed = append(failed, o.entry)
		case o.skipped:
			skipped++
		default:
			scored++
			if o.entry.status == statusNoHand {
				scoredNoHand++
			}
		}
		if o.entry.status == statusNoHand {
			noHand = append(noHand, o.entry)
		}
	}
	if err := b.writeManifest(entries); err != nil {
		return err
	}
	if err := writeFailed(filepath.Join(b.out, "failed.csv"), failed); err != nil {
		return err
	}
	patients, err := b.writePatients(entries)
	if err != nil {
		return err
	}

	without := ""
	if scoredNoHand > 0 {
		without = fmt.Sprintf(" (%d without a hand)", scoredNoHand)
	}
	fmt.Fprintf(b.stdout, "batch: %d files: %d scored%s, %d skipped (already in %s), %d "+
		"failed; %d patients in %s\n", len(paths), scored, without, skipped, b.out,
		len(failed), patients, filepath.Join(b.out, "batch.csv"))
	for _, e := range noHand {
		fmt.Fprintf(b.stdout, "%s: film %s: %s\n", e.path, e.filmID, report.NoHandMessage)
	}
	for _, e := range failed {
		fmt.Fprintf(b.stderr, "%s: %s\n", e.path, e.reason)
	}
	if len(failed) > 0 {
		return errQuiet{fmt.Errorf("%d of %d files failed", len(failed), len(paths))}
	}
	return nil
}

// process scores the inputs on b.workers goroutines, showing progress, and returns their
// outcomes in input order.
func (b *batchRun) process(paths []string) []batchOutcome {
	jobs := make(chan int)
	type done struct {
		i int
		o batchOutcome
	}
	results := make(chan done)
	var wg sync.WaitGroup
	for range b.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results <- done{i, b.one(paths[i])}
			}
		}()
	}
	go func() {
		for i := range paths {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()

	out := make([]batchOutcome, len(paths))
	p := newProgress(b.stderr, len(paths))
	appendTo, err := os.OpenFile(filepath.Join(b.out, "manifest.csv"),
		os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		slog.Warn("manifest not kept while running", "err", err)
	}
	for r := range results {
		out[r.i] = r.o
		if appendTo != nil {
			// kept as it goes, so that an interrupted run resumes from here
			writeManifestRows(appendTo, []manifestEntry{r.o.entry}, false)
		}
		p.add(r.o.entry.status == statusFailed)
	}
	if appendTo != nil {
		appendTo.Close()
	}
	p.finish()
	return out
}

// one handles one input: skipped when its outputs exist for its content, else scored and its
// outputs written.
func (b *batchRun) one(path string) batchOutcome {
	e := manifestEntry{path: path, status: statusFailed}
	st, err := os.Stat(path)
	if err != nil {
		e.reason = err.Error()
		return batchOutcome{entry: e}
	}
	e.size, e.mtime = st.Size(), st.ModTime().UTC().Format(time.RFC3339Nano)
	if old, ok := b.manifest[path]; ok && old.size == e.size && old.mtime == e.mtime &&
		old.status != statusFailed && filmOutputsExist(b.out, b.fm, old.filmID) {
		return batchOutcome{entry: old, skipped: true}
	}

	data, err := readBytes(path, b.sc.rf)
	if err != nil {
		e.reason = err.Error()
		return batchOutcome{entry: e}
	}
	sha := sha256Hex(data)
	e.filmID = report.FilmID(sha)
	if filmOutputsExist(b.out, b.fm, e.filmID) {
		if r, err := loadReport(b.out, e.filmID); err == nil && r.Input.SHA256 == sha {
			e.status = filmStatus(r)
			return batchOutcome{entry: e, skipped: true}
		}
	}
	r, rg, err := b.sc.scoreBytes(data)
	if err != nil {
		e.reason = err.Error()
		return batchOutcome{entry: e}
	}
	var overlay []byte
	if b.fm.png || b.fm.html {
		if overlay, err = b.sc.overlay(rg, r); err != nil {
			e.reason = err.Error()
			return batchOutcome{entry: e}
		}
	}
	if err := writeFilmOutputs(b.out, b.fm, r, overlay, nil); err != nil {
		e.reason = err.Error()
		return batchOutcome{entry: e}
	}
	e.status = filmStatus(r)
	return batchOutcome{entry: e}
}

// writePatients reads back the report of every film the manifest holds and writes batch.csv
// and patients.json; it returns the number of patients.
func (b *batchRun) writePatients(entries []manifestEntry) (int, error) {
	var reports []*report.Report
	for _, e := range entries {
		if e.status == statusFailed {
			continue
		}
		r, err := loadReport(b.out, e.filmID)
		if err != nil {
			return 0, err
		}
		reports = append(reports, r)
	}
	patients := report.Patients(reports)
	if err := writeAtomic(filepath.Join(b.out, "batch.csv"), func(w io.Writer) error {
		return report.WriteCSV(w, patients)
	}); err != nil {
		return 0, err
	}
	return len(patients), writePatients(filepath.Join(b.out, "patients.json"), patients)
}

// writeManifest rewrites the manifest with this run's inputs, then those of earlier runs that
// this run did not see (files since moved, or under another folder).
func (b *batchRun) writeManifest(entries []manifestEntry) error {
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.path] = true
	}
	for _, e := range sortedEntries(b.manifest) {
		if !seen[e.path] {
			entries = append(entries, e)
		}
	}
	return writeAtomic(filepath.Join(b.out, "manifest.csv"), func(w io.Writer) error {
		return writeManifestRows(w, entries, true)
	})
}

func sortedEntries(m map[string]manifestEntry) []manifestEntry {
	out := make([]manifestEntry, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b manifestEntry) int { return strings.Compare(a.path, b.path) })
	return out
}

var manifestHeader = []string{"path", "size", "mtime", "film_id", "status"}

func writeManifestRows(w io.Writer, entries []manifestEntry, header bool) error {
	cw := csv.NewWriter(w)
	if header {
		cw.Write(manifestHeader)
	}
	for _, e := range entries {
		cw.Write([]string{e.path, strconv.FormatInt(e.size, 10), e.mtime, e.filmID, e.status})
	}
	cw.Flush()
	return cw.Error()
}

// readManifest reads manifest.csv; a missing one is empty. Later rows of a path win: rows
// appended while a run went on follow the rows it started from.
func readManifest(path string) (map[string]manifestEntry, error) {
	m := map[string]manifestEntry{}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, r := range rows {
		if len(r) != len(manifestHeader) || r[0] == manifestHeader[0] {
			continue
		}
		size, err := strconv.ParseInt(r[1], 10, 64)
		if err != nil {
			continue
		}
		m[r[0]] = manifestEntry{path: r[0], size: size, mtime: r[2], filmID: r[3], status: r[4]}
	}
	return m, nil
}

func writeFailed(path string, failed []manifestEntry) error {
	rows := [][]string{{"path", "film_id", "reason"}}
	for _, e := range failed {
		rows = append(rows, []string{e.path, e.filmID, e.reason})
	}
	return writeCSVFile(path, rows)
}

func loadReport(dir, filmID string) (*report.Report, error) {
	f, err := os.Open(filepath.Join(dir, filmID+".json"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := report.ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s.json: %w", filmID, err)
	}
	return r, nil
}

// imageExts are the extensions batch takes as radiographs.
var imageExts = map[string]bool{".dcm": true, ".dicom": true, ".png": true, ".jpg": true,
	".jpeg": true, ".tif": true, ".tiff": true}

// findImages lists the radiographs under root in lexical order, leaving out hidden files and
// folders and the folder skip. Links to files are followed; anything else with an image's name
// that is not a regular file (a dangling link, a pipe) is listed too, so that it is reported as
// failed rather than passed over; links to folders are not followed, and notes say so.
func findImages(root, skip string) (paths, notes []string, err error) {
	skipAbs, _ := filepath.Abs(skip)
	if fi, err := os.Lstat(root); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		root += string(filepath.Separator) // walk the folder the link names
	}
	var out []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		hidden := path != root && strings.HasPrefix(d.Name(), ".")
		if d.IsDir() {
			if abs, _ := filepath.Abs(path); hidden || abs == skipAbs {
				return filepath.SkipDir
			}
			return nil
		}
		if hidden {
			return nil
		}
		ext := strings.ToLower(filepath.Ext(d.Name()))
		if !d.Type().IsRegular() {
			if fi, err := os.Stat(path); err == nil && fi.IsDir() {
				notes = append(notes, path+": a link to a folder, not followed")
				return nil
			}
			if imageExts[ext] {
				out = append(out, path) // read fails with the reason, listed as failed
			}
			return nil
		}
		if imageExts[ext] || (ext == "" && hasDICOMMagic(path)) {
			out = append(out, path)
		}
		return nil
	})
	return out, notes, err
}

// hasDICOMMagic says whether a file has "DICM" after the 128-byte DICOM preamble.
func hasDICOMMagic(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [132]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return false
	}
	return bytes.Equal(head[128:], []byte("DICM"))
}

// progress shows how far a batch is: a bar on a terminal, else a line now and then.
type progress struct {
	w           io.Writer
	bar         *progressbar.ProgressBar
	total, done int
	failed      int
	start, last time.Time
	step        int
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, start: time.Now(), last: time.Now(),
		step: max(1, total/10)}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) && total > 0 {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("scoring"), progressbar.OptionShowCount(),
			progressbar.OptionSetItsString("films"), progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
	}
	return p
}

func (p *progress) add(failed bool) {
	p.done++
	if failed {
		p.failed++
	}
	if p.bar != nil {
		p.bar.Add(1)
		return
	}
	if p.done%p.step == 0 || p.done == p.total || time.Since(p.last) >= 30*time.Second {
		p.last = time.Now()
		fmt.Fprintf(p.w, "batch: %d/%d files (%d failed), %s\n", p.done, p.total, p.failed,
			time.Since(p.start).Round(time.Second))
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

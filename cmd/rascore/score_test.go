package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rascore/phantom"
	"rascore/read"
	"rascore/report"
	"rascore/svdh"
)

// writePhantom writes phantom film 0 of seed as a DICOM file at path and returns the film id
// and patient key the outputs should carry.
func writePhantom(t *testing.T, path string, seed uint64) (filmID, patientKey string) {
	t.Helper()
	opts := phantom.DefaultOptions()
	img, tr, err := phantom.Render(opts, seed, 0)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := phantom.WriteDICOM(f, img, tr, opts); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256Hex(data)[:12], read.PatientKey(fmt.Sprintf("PHANTOM-%d-0", seed), "test-salt")
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// TestScoreWritesEveryFormat scores a phantom named like a patient next to a corrupt file: the
// outputs are named by the film id, hold what the report says, and the bad file fails alone.
func TestScoreWritesEveryFormat(t *testing.T) {
	in, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
	good := filepath.Join(in, "DOE_JOHN_12345.dcm")
	filmID, key := writePhantom(t, good, 3)
	bad := filepath.Join(in, "bad.dcm")
	if err := os.WriteFile(bad, []byte("DICM but not really"), 0o644); err != nil {
		t.Fatal(err)
	}

	stdout, stderr, err := runCLI(t, "score", "--out", out, "--format", "json,csv,png,html",
		good, bad)
	var quiet errQuiet
	if !errors.As(err, &quiet) {
		t.Errorf("error %v, want the quiet failure that sets exit code 1", err)
	}
	if lines := strings.Split(strings.TrimSpace(stderr), "\n"); len(lines) != 1 ||
		!strings.HasPrefix(lines[0], bad+": ") {
		t.Errorf("stderr %q, want one line naming %s", stderr, bad)
	}
	if !strings.HasPrefix(stdout, good+": film "+filmID+": ") {
		t.Errorf("stdout %q, want a summary line of film %s", stdout, filmID)
	}

	entries, _ := os.ReadDir(out)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{filmID + ".html", filmID + ".json", filmID + ".png", "index.csv",
		"patients.json", "scores.csv"}
	if !slices.Equal(names, want) {
		t.Fatalf("outputs %v, want %v", names, want)
	}

	f, err := os.Open(filepath.Join(out, filmID+".json"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := report.ReadJSON(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Input.FilmID != filmID || rep.Input.PatientKey != key || len(rep.Hands) != 1 ||
		len(rep.Hands[0].Sites) != 31 || len(rep.Models) != 2 {
		t.Fatalf("report of film %s, patient %s, %d hands, %d models; want %s, %s, one hand of "+
			"31 sites, locator and scorer", rep.Input.FilmID, rep.Input.PatientKey,
			len(rep.Hands), len(rep.Models), filmID, key)
	}

	// The CSV row is the report's hand, site by site, with its totals.
	rows := readCSVFile(t, filepath.Join(out, "scores.csv"))
	if len(rows) != 2 || rows[1][0] != key {
		t.Fatalf("scores.csv has %d rows, patient %v; want one row for %s", len(rows),
			rows[1:], key)
	}
	h := rep.Hands[0]
	wantTotals := []string{strconv.Itoa(h.Totals.Total), strconv.Itoa(h.Totals.Erosion),
		strconv.Itoa(h.Totals.JSN)}
	if !slices.Equal(rows[1][1:4], wantTotals) {
		t.Errorf("CSV totals %v, report says %v", rows[1][1:4], wantTotals)
	}
	for _, s := range h.Sites {
		i := slices.Index(rows[0], s.Column)
		want := ""
		if s.Grade != nil {
			want = strconv.Itoa(s.Grade.Grade)
		}
		if i < 0 || rows[1][i] != want {
			t.Errorf("CSV %s = %q, report says %q", s.Column, rows[1][i], want)
		}
	}
	other := svdh.Left
	if h.Laterality == svdh.Left {
		other = svdh.Right
	}
	for _, s := range svdh.Select(svdh.Hand, other) {
		if v := rows[1][slices.Index(rows[0], s.Column)]; v != "" {
			t.Errorf("%s = %q for a hand not on the film", s.Column, v)
		}
	}

	index := readCSVFile(t, filepath.Join(out, "index.csv"))
	if len(index) != 3 || !slices.Equal(index[1], []string{filmID, good, "scored"}) ||
		index[2][1] != bad || index[2][2] != "failed" {
		t.Errorf("index.csv %v, want the film mapped to %s and %s failed", index, good, bad)
	}

	pf, err := os.Open(filepath.Join(out, filmID+".png"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(pf)
	pf.Close()
	if err != nil || max(cfg.Width, cfg.Height) < 1000 {
		t.Errorf("overlay %dx%d (%v), want a picture with its longer side near 1600",
			cfg.Width, cfg.Height, err)
	}
	page, _ := os.ReadFile(filepath.Join(out, filmID+".html"))
	if !strings.Contains(string(page), "data:image/png;base64,") ||
		!strings.Contains(string(page), "not for clinical use") {
		t.Error("the HTML page lacks its overlay or the research note")
	}
	for _, name := range want {
		b, _ := os.ReadFile(filepath.Join(out, name))
		if strings.Contains(string(b), "PHANTOM-") ||
			(strings.Contains(string(b), "DOE_JOHN") && name != "index.csv") {
			t.Errorf("%s carries the patient ID or the input's name", name)
		}
	}
}

// TestScoreStdout: without --out one film's report goes to stdout as JSON, or the patient as
// CSV; pictures need a folder.
func TestScoreStdout(t *testing.T) {
	stdout, _, err := runCLI(t, "score", sample)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := report.ReadJSON(strings.NewReader(stdout))
	if err != nil {
		t.Fatalf("%v: %.200s", err, stdout)
	}
	if rep.Note != report.ResearchNote || len(rep.Hands) != 1 || rep.Hands[0].Laterality != "R" {
		t.Errorf("report note %q with %d hands, want the research note and one right hand",
			rep.Note, len(rep.Hands))
	}

	// "-" reads the same film from standard input and gives the same report.
	f, err := os.Open(sample)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stdin := os.Stdin
	os.Stdin = f
	piped, _, err := runCLI(t, "score", "-")
	os.Stdin = stdin
	if err != nil {
		t.Fatal(err)
	}
	if fromPipe, err := report.ReadJSON(strings.NewReader(piped)); err != nil {
		t.Fatalf("%v: %.200s", err, piped)
	} else if fromPipe.Input.FilmID != rep.Input.FilmID ||
		fromPipe.Totals.Total != rep.Totals.Total || len(fromPipe.Hands) != 1 {
		t.Errorf("from stdin: film %s total %d, from the file: film %s total %d",
			fromPipe.Input.FilmID, fromPipe.Totals.Total, rep.Input.FilmID, rep.Totals.Total)
	}

	stdout, _, err = runCLI(t, "score", "--format", "csv", sample)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(stdout), "\n"); len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "Patient_ID,Overall_Tol,") {
		t.Errorf("CSV on stdout %q, want a header and one row", stdout)
	}

	for _, args := range [][]string{
		{"score", "--format", "png", sample},
		{"score", "--format", "json,csv", sample},
		{"score", "--format", "pdf", "--out", t.TempDir(), sample},
		{"batch", t.TempDir()},
		{"batch", "--workers", "0", "--out", t.TempDir(), t.TempDir()},
	} {
		if _, _, err := runCLI(t, args...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// TestBatchResumesAndListsFailures runs a batch over two phantoms, a truncated DICOM and a file
// of random bytes, then again: the bad files are listed in failed.csv and make the exit code
// 1, and the second run scores nothing again.
func TestBatchResumesAndListsFailures(t *testing.T) {
	in, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
	a, keyA := writePhantom(t, filepath.Join(in, "a.dcm"), 21)
	sub := filepath.Join(in, "later")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	b, keyB := writePhantom(t, filepath.Join(sub, "b"), 22) // no extension: found by DICM
	whole, _ := os.ReadFile(filepath.Join(in, "a.dcm"))
	truncated := filepath.Join(in, "truncated.dcm")
	random := filepath.Join(in, "random.dcm")
	noise := make([]byte, 4096)
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(rnd.Uint32())
	}
	for path, data := range map[string][]byte{truncated: whole[:len(whole)/3], random: noise,
		filepath.Join(in, "notes.txt"): []byte("not an image")} {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	stdout, stderr, err := runCLI(t, "batch", "--workers", "2", in, "--out", out)
	var quiet errQuiet
	if !errors.As(err, &quiet) {
		t.Errorf("error %v, want the quiet failure that sets exit code 1", err)
	}
	if !strings.Contains(stdout, "batch: 4 files: 2 scored, 0 skipped") ||
		!strings.Contains(stdout, "2 failed; 2 patients") {
		t.Errorf("summary %q, want 4 files, 2 scored, 2 failed, 2 patients", stdout)
	}
	for _, bad := range []string{truncated, random} {
		if !strings.Contains(stderr, bad+": ") {
			t.Errorf("stderr does not list %s:\n%s", bad, stderr)
		}
	}
	if !strings.Contains(stderr, "batch: 4/4 files (2 failed)") {
		t.Errorf("no progress line on stderr:\n%s", stderr)
	}
	failed := readCSVFile(t, filepath.Join(out, "failed.csv"))
	var failedPaths []string
	for _, r := range failed[1:] {
		failedPaths = append(failedPaths, r[0])
		if r[2] == "" {
			t.Errorf("%s failed without a reason", r[0])
		}
	}
	if !slices.Equal(failedPaths, []string{random, truncated}) {
		t.Errorf("failed.csv lists %v, want exactly %s and %s", failedPaths, random, truncated)
	}
	rows := readCSVFile(t, filepath.Join(out, "batch.csv"))
	if len(rows) != 3 || rows[1][0] != keyA || rows[2][0] != keyB {
		t.Errorf("batch.csv patients %v, want %s and %s", rows[1:], keyA, keyB)
	}

	// Age the reports, so that rewriting them would show.
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, id := range []string{a, b} {
		if err := os.Chtimes(filepath.Join(out, id+".json"), old, old); err != nil {
			t.Fatal(err)
		}
	}
	// A file touched since keeps its content: it is hashed again, not scored again.
	if err := os.Chtimes(filepath.Join(sub, "b"), time.Now(), time.Now()); err != nil {
		t.Fatal(err)
	}
	stdout, _, err = runCLI(t, "batch", in, "--out", out)
	if !errors.As(err, &quiet) {
		t.Errorf("second run: error %v, want exit code 1 for the same bad files", err)
	}
	if !strings.Contains(stdout, "batch: 4 files: 0 scored, 2 skipped") {
		t.Errorf("second run summary %q, want 0 scored, 2 skipped", stdout)
	}
	for _, id := range []string{a, b} {
		st, err := os.Stat(filepath.Join(out, id+".json"))
		if err != nil || !st.ModTime().Equal(old) {
			t.Errorf("report %s rewritten on the second run", id)
		}
	}
	if rows2 := readCSVFile(t, filepath.Join(out, "batch.csv")); !slices.EqualFunc(rows2, rows,
		slices.Equal) {
		t.Error("batch.csv differs after a run that scored nothing")
	}
	manifest := readCSVFile(t, filepath.Join(out, "manifest.csv"))
	status := map[string]string{}
	for _, r := range manifest[1:] {
		status[r[0]] = r[4]
	}
	wantStatus := map[string]string{filepath.Join(in, "a.dcm"): "scored",
		filepath.Join(sub, "b"): "scored", truncated: "failed", random: "failed"}
	if len(manifest) != 5 || fmt.Sprint(status) != fmt.Sprint(wantStatus) {
		t.Errorf("manifest %v, want %v", manifest, wantStatus)
	}
}

// TestBatchNoHand: a film with no hand is listed and reported, and is not a failure.
func TestBatchNoHand(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	rg := read.New(300, 400)
	for i := range rg.Pix {
		rg.Pix[i] = 0.1
	}
	f, err := os.Create(filepath.Join(in, "empty.png"))
	if err != nil {
		t.Fatal(err)
	}
	png.Encode(f, rg.Gray8(0))
	f.Close()
	stdout, _, err := runCLI(t, "batch", in, "--out", out, "--format", "png")
	if err != nil {
		t.Fatalf("a film with no hand failed the batch: %v", err)
	}
	if !strings.Contains(stdout, "1 scored (1 without a hand), 0 skipped") ||
		!strings.Contains(stdout, "empty.png: film ") ||
		!strings.Contains(stdout, ": no hand found") {
		t.Errorf("stdout %q, want the film listed as having no hand", stdout)
	}
	data, _ := os.ReadFile(filepath.Join(in, "empty.png"))
	id := sha256Hex(data)[:12]
	b, err := os.ReadFile(filepath.Join(out, id+".json"))
	if err != nil || !strings.Contains(string(b), `"message": "no hand found"`) {
		t.Errorf("report %s.json: %v, %.300s", id, err, b)
	}
	if _, err := os.Stat(filepath.Join(out, id+".png")); err != nil {
		t.Errorf("no overlay for the film without a hand: %v", err)
	}
}

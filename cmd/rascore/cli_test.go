package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the rascore command line in-process.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	t.Setenv("RASCORE_PATIENT_SALT", "test-salt")
	var out, errOut bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err = root.Execute()
	return out.String(), errOut.String(), err
}

const sample = "../../samples/phantom-hand.dcm"

// TestInspectKeepsGoingPastABadFile gives inspect a corrupt file between two good ones: one
// line on stderr for the bad one, both good ones printed, and a failing exit.
func TestInspectKeepsGoingPastABadFile(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.dcm")
	if err := os.WriteFile(bad, []byte("this is not a radiograph"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := runCLI(t, "inspect", sample, bad, sample)
	var quiet errQuiet
	if !errors.As(err, &quiet) {
		t.Errorf("error %v, want the quiet failure that sets exit code 1", err)
	}
	if n := strings.Count(stdout, "1200x1500  dicom"); n != 2 {
		t.Errorf("%d good files printed, want 2:\n%s", n, stdout)
	}
	if lines := strings.Split(strings.TrimSpace(stderr), "\n"); len(lines) != 1 ||
		!strings.HasPrefix(lines[0], bad+": ") {
		t.Errorf("stderr %q, want one line naming %s", stderr, bad)
	}
	if strings.Contains(stdout, "PHANTOM-") {
		t.Errorf("the patient ID appears in the output: %s", stdout)
	}
}

// TestLocateJSON checks the JSON of rascore locate on the bundled right-hand sample.
func TestLocateJSON(t *testing.T) {
	stdout, _, err := runCLI(t, "locate", "--json", sample)
	if err != nil {
		t.Fatal(err)
	}
	var out locateOutput
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if out.Result == nil || len(out.Result.Hands) != 1 {
		t.Fatalf("result %+v, want one hand", out.Result)
	}
	h := out.Result.Hands[0]
	if h.Laterality != "R" || len(h.Sites) != 31 || !strings.HasPrefix(h.Sites[0].Column, "RH_") {
		t.Errorf("hand %s with %d sites (first %+v), want a right hand with 31 RH_ sites",
			h.Laterality, len(h.Sites), h.Sites[0])
	}
	if !strings.Contains(out.Note, "not for clinical use") {
		t.Errorf("note %q does not say research use", out.Note)
	}
	for _, s := range h.Sites {
		if s.Missing || s.XMM == 0 {
			t.Errorf("site %s missing or without mm (%+v)", s.Column, s)
		}
	}
}

func TestFlagChecks(t *testing.T) {
	for _, args := range [][]string{
		{"inspect", "--max-megapixels", "0", sample},
		{"locate", "--assume-spacing-mm", "-1", sample},
		{"bench", "locate", "--runs", "0"},
		{"phantom", "--count", "0", "--out", t.TempDir()},
	} {
		if _, _, err := runCLI(t, args...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

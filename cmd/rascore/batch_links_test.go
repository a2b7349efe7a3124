package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// A batch folder reached through a link is walked; links to files are taken, and a dangling
// link or a pipe with an image's name is listed (to be reported as failed), not passed over.
func TestFindImagesFollowsLinks(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "films")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(base, "real.dcm")
	if err := os.WriteFile(real, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(real, filepath.Join(dir, "a.dcm")))
	must(os.Symlink(filepath.Join(base, "gone"), filepath.Join(dir, "b.dcm")))
	must(syscall.Mkfifo(filepath.Join(dir, "c.dcm"), 0o600))
	must(os.Symlink(base, filepath.Join(dir, "loop"))) // a link to a folder: not followed
	link := filepath.Join(base, "link")
	must(os.Symlink(dir, link))
	got, notes, err := findImages(link, filepath.Join(base, "out"))
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || !strings.HasSuffix(notes[0], "loop: a link to a folder, not followed") {
		t.Errorf("notes %q, want one saying the folder link was not followed", notes)
	}
	var names []string
	for _, p := range got {
		names = append(names, filepath.Base(p))
	}
	if !slices.Equal(names, []string{"a.dcm", "b.dcm", "c.dcm"}) {
		t.Errorf("found %v, want a.dcm, b.dcm, c.dcm", got)
	}
}

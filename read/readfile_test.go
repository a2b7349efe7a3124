package read

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// ReadFile refuses pipes without blocking and refuses a large file of another kind from its
// head, without reading it whole.
func TestReadFileRefusesPipesAndForeignFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.dcm")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	if _, err := ReadFile(fifo); !errors.Is(err, errNotRegular) {
		t.Errorf("FIFO: %v, want errNotRegular", err)
	}
	big := filepath.Join(dir, "big.dcm")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil { // sparse: 1 GiB of zeros on no disk
		t.Fatal(err)
	}
	f.Close()
	if _, err := ReadFile(big); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("1 GiB of zeros: %v, want ErrUnknownFormat", err)
	}
	// a bare data set whose first element is longer than the head still passes the look
	bare := make([]byte, 400)
	bare[0], bare[2], bare[4], bare[5] = 0x08, 0x05, 0xF0, 0x01 // (0008,0005) implicit, 496
	if !plausibleHead(bare[:132]) {
		t.Error("a bare implicit data set was refused from its head")
	}
}

// zeros is an endless stream of zero bytes that counts what was read from it.
type zeros struct{ n int }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.n += len(p)
	return len(p), nil
}

// A stream (standard input) is judged by its head too: an endless stream of zeros is refused
// after its first bytes, an empty one says so, and the byte limit holds for one that looks
// like DICOM.
func TestReadAllJudgesAStreamByItsHead(t *testing.T) {
	z := &zeros{}
	if _, err := ReadAll(z); !errors.Is(err, ErrUnknownFormat) || z.n > 4096 {
		t.Errorf("zeros: %v after %d bytes, want ErrUnknownFormat after at most 4096", err, z.n)
	}
	if _, err := Decode(bytes.NewReader(nil)); !errors.Is(err, ErrUnknownFormat) ||
		!strings.Contains(err.Error(), "empty input") {
		t.Errorf("empty input: %v", err)
	}
	head := make([]byte, 132)
	copy(head[128:], "DICM")
	r := io.MultiReader(bytes.NewReader(head), &zeros{})
	if _, err := ReadAll(r, WithMaxBytes(1<<20)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("endless DICOM-looking stream: %v, want ErrTooLarge at the limit", err)
	}
	data, err := os.ReadFile(filepath.Join("..", "samples", "phantom-hand.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadAll(bytes.NewReader(data))
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("sample through ReadAll: %v, %d of %d bytes equal", err, len(got), len(data))
	}
}

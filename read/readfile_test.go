package read

import (
	"errors"
	"os"
	"path/filepath"
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

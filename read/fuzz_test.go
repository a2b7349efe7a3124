package read

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to Decode, seeded with the DICOM samples and small images of
// every format (small samples only: the large J2K and chest films are covered by the reference
// tests, and as seeds they slow every exec and minimisation). Decode must return an image or a
// one-line error, never panic, and never allocate for more pixels than the limit allows.
func FuzzDecode(f *testing.F) {
	dir := filepath.Join("..", "..", "shared", "data", "dicom-samples")
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err == nil && len(data) < 64<<10 { // large seeds make each exec slow
			f.Add(data)
		}
	}
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("II*\x00\x08\x00\x00\x00"))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE0})
	f.Fuzz(func(t *testing.T, data []byte) {
		rg, err := Decode(bytes.NewReader(data), WithMaxPixels(1<<22))
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		if rg.Width <= 0 || rg.Height <= 0 || len(rg.Pix) != rg.Width*rg.Height {
			t.Fatalf("image %dx%d with %d pixels", rg.Width, rg.Height, len(rg.Pix))
		}
		for _, v := range rg.Pix {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("pixel %v outside [0, 1]", v)
			}
		}
	})
}

package read_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"rascore/phantom"
	"rascore/read"
)

// BenchmarkReadLargeNativeDICOM reads a 2400 × 3000 uncompressed 12-bit DICOM (a phantom at
// 0.1 mm), as a large CR or DX hand film is stored:
//
//	go test -run '^$' -bench ReadLarge -benchmem ./read/
func BenchmarkReadLargeNativeDICOM(b *testing.B) {
	opts := phantom.DefaultOptions()
	opts.SpacingMM, opts.WidthPx, opts.HeightPx = 0.1, 2400, 3000
	img, truth, err := phantom.Render(opts, 77, 0)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := phantom.WriteDICOM(&buf, img, truth, opts); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "large.dcm")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	for range b.N {
		rg, err := read.Read(path)
		if err != nil {
			b.Fatal(err)
		}
		if rg.Width != 2400 || rg.Height != 3000 {
			b.Fatalf("read %d × %d", rg.Width, rg.Height)
		}
	}
}

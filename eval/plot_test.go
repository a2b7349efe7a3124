package eval

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"rascore/svdh"
)

func TestCalibrationPlot(t *testing.T) {
	rs := []siteRead{{svdh.JSN, 0, 0, []float64{0.9, 0.1, 0, 0, 0}},
		{svdh.Erosion, 1, 0, []float64{0.7, 0.3, 0, 0, 0, 0}}}
	st := ScoreStats{Set: "test", JSN: kindStats(svdh.JSN, rs, 4, 0),
		Erosion: kindStats(svdh.Erosion, rs, 5, 0)}
	path := filepath.Join(t.TempDir(), "cal.png")
	if err := CalibrationPlot(st, path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() < 400 {
		t.Fatalf("plot: %v, %v", img.Bounds(), err)
	}
}

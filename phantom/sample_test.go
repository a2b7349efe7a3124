package phantom

import (
	"math"
	"testing"

	"rascore/read"
)

// TestBundledSampleReadsBack checks the README's sample end to end: samples/phantom-hand.dcm
// was written by `rascore phantom --seed 20261203 --hands 1 --spacing-mm 0.2 --bits 12
// --photometric MONOCHROME1 --format dicom` and re-encoded to JPEG-LS lossless by DCMTK's
// dcmcjpls (samples/README.md). Reading it through the whole reader (JPEG-LS via GDCM,
// MONOCHROME1, the stored window) must give back the film the phantom renders today.
func TestBundledSampleReadsBack(t *testing.T) {
	got, err := read.Read("../samples/phantom-hand.dcm")
	if err != nil {
		t.Fatal(err)
	}
	opts := DefaultOptions()
	opts.Hands, opts.SpacingMM, opts.BitsStored = 1, 0.2, 12
	opts.Photometric = "MONOCHROME1"
	want, truth, err := Render(opts, 20261203, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Width != want.Width || got.Height != want.Height {
		t.Fatalf("sample %dx%d, render %dx%d", got.Width, got.Height, want.Width, want.Height)
	}
	if got.SpacingMM != truth.SpacingMM || got.Laterality != truth.Laterality {
		t.Errorf("sample spacing %v laterality %q, truth %v %q", got.SpacingMM, got.Laterality,
			truth.SpacingMM, truth.Laterality)
	}
	// The DICOM window spans 0.1–1.0 of the stored range (centre 0.55, width 0.9).
	top := float64(1<<12 - 1)
	var worst float64
	for i, p := range want.Pix {
		v := math.Round(float64(p) * top)
		w := math.Max(0, math.Min(1, (v-(0.55*top-0.5))/(0.9*top-1)+0.5))
		worst = math.Max(worst, math.Abs(float64(got.Pix[i])-w))
	}
	if worst > 3/top {
		t.Errorf("sample differs from the render by up to %.5f, want ≤ %.5f", worst, 3/top)
	}
}

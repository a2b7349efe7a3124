package read

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// readPGM parses an 8-bit binary PGM (P5), as dcm2pnm writes it.
func readPGM(t *testing.T, path string) (w, h int, pix []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var (
		magic  string
		maxVal int
	)
	r := bytes.NewReader(data)
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxVal); err != nil || magic != "P5" ||
		maxVal != 255 {
		t.Fatalf("%s: not an 8-bit PGM (%v, max %d)", path, err, maxVal)
	}
	pix = data[len(data)-w*h:]
	return w, h, pix
}

// TestRenderingMatchesDCMTK compares our grey levels with dcm2pnm's rendering of the same
// file: first stored window, or the data's range where the file has none; MONOCHROME1
// inverted. A mean difference of one grey level is rounding.
func TestRenderingMatchesDCMTK(t *testing.T) {
	dir := samplesDir(t)
	needTools(t, "dcmj2pnm", "gdcmconv")
	cases := []struct {
		file   string
		window []string // dcm2pnm VOI option
		raw    bool     // decompress with GDCM first: DCMTK has no JPEG 2000
	}{
		{"suyashkumar_4_CR_chest_MONO1.dcm", []string{"+Wi", "1"}, false},
		{"CR_MONO1_16x16_cspine_6154.dcm", []string{"+Wi", "1"}, false},
		{"RG3_J2KR.dcm", []string{"+Wi", "1"}, true},
		{"JPGLosslessP14SV1_1s_1f_8b.dcm", []string{"+Wi", "1"}, false},
		{"image_dfl.dcm", []string{"+Wm"}, false},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			src := filepath.Join(dir, c.file)
			tmp := t.TempDir()
			if c.raw {
				raw := filepath.Join(tmp, "raw.dcm")
				run(t, "gdcmconv", "--raw", src, raw)
				src = raw
			}
			pgm := filepath.Join(tmp, "ref.pgm")
			run(t, append(append([]string{"dcmj2pnm"}, c.window...), src, pgm)...)
			w, h, want := readPGM(t, pgm)

			rg, err := Read(filepath.Join(dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			got := rg.Gray8(0)
			if w != rg.Width || h != rg.Height {
				t.Fatalf("size %dx%d, dcm2pnm %dx%d", rg.Width, rg.Height, w, h)
			}
			var sum float64
			for i := range want {
				sum += math.Abs(float64(got.Pix[i]) - float64(want[i]))
			}
			mean := sum / float64(len(want))
			if mean > 1.0 {
				t.Errorf("mean grey difference from dcm2pnm %.2f levels, want ≤ 1", mean)
			}
			t.Logf("mean grey difference from dcm2pnm %.3f levels", mean)
		})
	}
}

// regionMean is the mean grey level over a rectangle given in fractions of the image size.
func regionMean(rg *Radiograph, x0, y0, x1, y1 float64) float64 {
	var sum float64
	n := 0
	for y := int(y0 * float64(rg.Height)); y < int(y1*float64(rg.Height)); y++ {
		for x := int(x0 * float64(rg.Width)); x < int(x1*float64(rg.Width)); x++ {
			sum += float64(rg.At(x, y))
			n++
		}
	}
	return sum / float64(n)
}

// TestMonochrome1BoneIsBright reads the MONOCHROME1 chest and extremity CRs and checks, on
// regions chosen by eye from their previews, that bone is brighter than lung or open field.
func TestMonochrome1BoneIsBright(t *testing.T) {
	dir := samplesDir(t)
	chest, err := Read(filepath.Join(dir, "suyashkumar_4_CR_chest_MONO1.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	if chest.SpacingMM != [2]float64{0.2, 0.2} || chest.SpacingSource != SpacingPixel {
		t.Errorf("chest spacing %v (%s), want 0.2 mm from PixelSpacing", chest.SpacingMM,
			chest.SpacingSource)
	}
	spine := regionMean(chest, 0.47, 0.30, 0.53, 0.45)
	lung := regionMean(chest, 0.22, 0.25, 0.32, 0.45)
	if spine < lung+0.2 {
		t.Errorf("chest: spine %.3f not brighter than lung %.3f", spine, lung)
	}

	leg, err := Read(filepath.Join(dir, "RG3_J2KR.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	tibia := regionMean(leg, 0.45, 0.20, 0.50, 0.40) // shaft, upper third
	field := regionMean(leg, 0.28, 0.70, 0.32, 0.90) // open field beside the ankle
	if tibia < field+0.2 {
		t.Errorf("leg: tibia %.3f not brighter than open field %.3f", tibia, field)
	}
	t.Logf("chest spine %.3f lung %.3f; leg tibia %.3f field %.3f", spine, lung, tibia, field)
}

package read

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"testing"

	"golang.org/x/image/tiff"
)

func gradient16(w, h int) *image.Gray16 {
	img := image.NewGray16(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetGray16(x, y, color.Gray16{Y: uint16((x*65535)/(w-1)) ^ uint16(y)})
		}
	}
	return img
}

func TestRasterFormats(t *testing.T) {
	g16 := gradient16(64, 8)
	g8 := image.NewGray(g16.Bounds())
	for i := range g8.Pix {
		g8.Pix[i] = uint8(i * 7)
	}
	rgb := image.NewRGBA(image.Rect(0, 0, 2, 1))
	rgb.Set(0, 0, color.RGBA{R: 255, A: 255})
	rgb.Set(1, 0, color.RGBA{G: 255, A: 255})

	encode := map[string]func(*bytes.Buffer, image.Image) error{
		"png":  func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) },
		"tiff": func(b *bytes.Buffer, m image.Image) error { return tiff.Encode(b, m, nil) },
		"jpeg": func(b *bytes.Buffer, m image.Image) error {
			return jpeg.Encode(b, m, &jpeg.Options{Quality: 100})
		},
	}
	cases := []struct {
		format string
		img    image.Image
		want   func(x, y int) float64
		tol    float64
	}{
		{"png", g16, func(x, y int) float64 { return float64(g16.Gray16At(x, y).Y) / 65535 }, 0},
		{"png", g8, func(x, y int) float64 { return float64(g8.GrayAt(x, y).Y) / 255 }, 0},
		{"tiff", g16, func(x, y int) float64 { return float64(g16.Gray16At(x, y).Y) / 65535 }, 0},
		{"tiff", g8, func(x, y int) float64 { return float64(g8.GrayAt(x, y).Y) / 255 }, 0},
		{"jpeg", g8, func(x, y int) float64 { return float64(g8.GrayAt(x, y).Y) / 255 }, 0.03},
		{"png", rgb, func(x, y int) float64 { return []float64{0.299, 0.587}[x] }, 0.002},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		if err := encode[c.format](&buf, c.img); err != nil {
			t.Fatal(err)
		}
		rg, err := Decode(&buf)
		if err != nil {
			t.Fatalf("%s %T: %v", c.format, c.img, err)
		}
		b := c.img.Bounds()
		if rg.Format != c.format || rg.Width != b.Dx() || rg.Height != b.Dy() {
			t.Fatalf("%s %T: got %s %dx%d", c.format, c.img, rg.Format, rg.Width, rg.Height)
		}
		if rg.SpacingSource != SpacingUnknown {
			t.Errorf("%s: spacing source %s, want unknown", c.format, rg.SpacingSource)
		}
		var maxErr float64
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				maxErr = math.Max(maxErr, math.Abs(float64(rg.At(x, y))-c.want(x, y)))
			}
		}
		if maxErr > c.tol+1e-6 {
			t.Errorf("%s %T: largest error %.4f, want ≤ %.4f", c.format, c.img, maxErr, c.tol)
		}
	}
}

func TestRasterLimitsAndGarbage(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, gradient16(64, 8)); err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(bytes.NewReader(buf.Bytes()), WithMaxPixels(100)); !errors.Is(err,
		ErrTooLarge) {
		t.Errorf("512 pixels over a limit of 100: %v, want ErrTooLarge", err)
	}
	if _, err := Decode(bytes.NewReader(buf.Bytes()[:buf.Len()/2])); !errors.Is(err,
		ErrCorrupt) {
		t.Errorf("half a PNG: %v, want ErrCorrupt", err)
	}
	if _, err := Decode(bytes.NewReader([]byte("hello, this is not an image at all"))); !errors.Is(
		err, ErrUnknownFormat) {
		t.Errorf("text: %v, want ErrUnknownFormat", err)
	}
	if _, err := Decode(bytes.NewReader(buf.Bytes()), WithMaxBytes(10)); !errors.Is(err,
		ErrTooLarge) {
		t.Errorf("input over the byte limit: %v, want ErrTooLarge", err)
	}
}

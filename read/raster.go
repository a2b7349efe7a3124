package read

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // registers JPEG with image.Decode
	_ "image/png"  // registers PNG with image.Decode

	_ "golang.org/x/image/tiff" // registers TIFF with image.Decode
)

// decodeRaster reads PNG, JPEG and TIFF. These carry display-ready grey levels, so bright is
// taken to be bone; colour is turned to luminance. Spacing is not trusted from their
// resolution fields (scanners and editors write 72 dpi), so it stays unknown.
func decodeRaster(data []byte, o options) (*Radiograph, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%w: %s of %dx%d pixels", ErrCorrupt, format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > o.maxPixels {
		return nil, fmt.Errorf("%w: %s of %dx%d pixels is over the limit of %d", ErrTooLarge,
			format, cfg.Width, cfg.Height, o.maxPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	rg := fromImage(img)
	rg.Format = format
	return rg, nil
}

// fromImage converts any image.Image to a Radiograph with grey levels in [0, 1].
func fromImage(img image.Image) *Radiograph {
	b := img.Bounds()
	rg := New(b.Dx(), b.Dy())
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			rg.Pix[i] = grey(img, x, y)
			i++
		}
	}
	return rg
}

func grey(img image.Image, x, y int) float32 {
	switch m := img.(type) {
	case *image.Gray:
		return float32(m.GrayAt(x, y).Y) / 255
	case *image.Gray16:
		return float32(m.Gray16At(x, y).Y) / 65535
	}
	g := color.Gray16Model.Convert(img.At(x, y)).(color.Gray16)
	return float32(g.Y) / 65535
}

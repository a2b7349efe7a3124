// Package report turns results into what people read and look at: the JSON report of a scored
// film (Report, schema rascore.report/v1), the films of each patient merged (Patients), the
// RA2-DREAM CSV (WriteCSV), overlay pictures (ScoreOverlay, LocateOverlay) and a
// self-contained HTML page (WriteHTML). It takes results and sums them; it scores nothing.
package report

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"rascore/read"
)

// Canvas is a film drawn in colour at a reduced size, with a mapping from film pixels.
type Canvas struct {
	Img   *image.RGBA
	Scale float64 // canvas pixels per film pixel
}

// NewCanvas draws rg (bone bright) so that its longer side is at most maxSide pixels.
func NewCanvas(rg *read.Radiograph, maxSide int) *Canvas {
	g := rg.Gray8(maxSide)
	img := image.NewRGBA(g.Bounds())
	draw.Draw(img, img.Bounds(), g, image.Point{}, draw.Src)
	return &Canvas{Img: img, Scale: float64(g.Bounds().Dx()) / float64(rg.Width)}
}

// At maps a film position to the canvas.
func (c *Canvas) At(x, y float64) (int, int) {
	return int(math.Round((x+0.5)*c.Scale - 0.5)), int(math.Round((y+0.5)*c.Scale - 0.5))
}

// Ring draws a circle outline of radius r canvas pixels, two pixels thick.
func (c *Canvas) Ring(x, y, r int, col color.Color) {
	for a := 0; a < 360; a += 2 {
		s, co := math.Sincos(float64(a) * math.Pi / 180)
		for _, rr := range []float64{float64(r), float64(r) + 1} {
			c.Img.Set(x+int(math.Round(rr*co)), y+int(math.Round(rr*s)), col)
		}
	}
}

// Dot draws a filled disc.
func (c *Canvas) Dot(x, y, r int, col color.Color) {
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			if dx*dx+dy*dy <= r*r {
				c.Img.Set(x+dx, y+dy, col)
			}
		}
	}
}

// Cross draws an x of half-size r.
func (c *Canvas) Cross(x, y, r int, col color.Color) {
	for d := -r; d <= r; d++ {
		c.Img.Set(x+d, y+d, col)
		c.Img.Set(x+d, y-d, col)
	}
}

// Text writes a label with its baseline at (x, y), on a dark shadow so it reads on bone.
func (c *Canvas) Text(x, y int, text string, col color.Color) {
	for _, o := range []image.Point{{1, 1}, {-1, 0}, {0, -1}} {
		c.text(x+o.X, y+o.Y, text, color.Black)
	}
	c.text(x, y, text, col)
}

func (c *Canvas) text(x, y int, text string, col color.Color) {
	d := font.Drawer{Dst: c.Img, Src: image.NewUniform(col), Face: basicfont.Face7x13,
		Dot: fixed.P(x, y)}
	d.DrawString(text)
}

package phantom

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"rascore/read"
	"rascore/svdh"
)

// Sheet is a contact sheet: films shrunk into a grid, each joint marked with a dot coloured by
// its higher grade (green 0, yellow 1, orange 2, red 3, magenta 4, purple 5) and its grades
// written beside it when above 0. It keeps only the shrunk films, so it can take many.
type Sheet struct {
	cols, cellW int
	cells       []*image.Paletted
}

// NewSheet returns an empty sheet with cols films per row, each cellW pixels wide.
func NewSheet(cols, cellW int) *Sheet {
	return &Sheet{cols: max(1, cols), cellW: max(64, cellW)}
}

// sheet palette: 240 greys, then the grade colours and white for text.
var gradeColours = []color.RGBA{
	{40, 200, 60, 255}, {240, 220, 40, 255}, {255, 140, 0, 255},
	{230, 30, 30, 255}, {230, 40, 230, 255}, {140, 60, 255, 255},
}

const greys = 240

var sheetPalette = func() color.Palette {
	p := make(color.Palette, 0, 256)
	for i := range greys {
		v := uint8(i * 255 / (greys - 1))
		p = append(p, color.Gray{Y: v})
	}
	for _, c := range gradeColours {
		p = append(p, c)
	}
	p = append(p, color.RGBA{255, 255, 255, 255}, color.RGBA{80, 160, 255, 255})
	return p
}()

const (
	colourText  = greys + 6
	colourTitle = greys + 7
)

// Add shrinks a film into the next cell and marks its joints from the truth.
func (s *Sheet) Add(img *read.Radiograph, t *Truth) {
	scale := float64(img.Width) / float64(s.cellW)
	cw := s.cellW
	ch := int(math.Ceil(float64(img.Height) / scale))
	cell := image.NewPaletted(image.Rect(0, 0, cw, ch), sheetPalette)
	f := int(math.Ceil(scale))
	for y := range ch {
		for x := range cw {
			sum, n := 0.0, 0
			y0, x0 := int(float64(y)*scale), int(float64(x)*scale)
			for yy := y0; yy < min(img.Height, y0+f); yy++ {
				for xx := x0; xx < min(img.Width, x0+f); xx++ {
					sum += float64(img.Pix[yy*img.Width+xx])
					n++
				}
			}
			v := 0.0
			if n > 0 {
				v = sum / float64(n)
			}
			cell.Pix[y*cell.Stride+x] = uint8(math.Round(math.Min(1, math.Max(0, v)) * (greys - 1)))
		}
	}
	for _, hand := range t.Hands {
		for _, j := range svdh.HandJoints() {
			jt, ok := hand.Joints[j]
			if !ok {
				continue
			}
			x, y := jt.CenterPx[0]/scale, jt.CenterPx[1]/scale
			g := jt.maxGrade()
			dot(cell, x, y, 2.6, uint8(greys+g))
			if g > 0 {
				label(cell, int(x)+4, int(y)+4, gradeLabel(jt), uint8(greys+g))
			}
		}
	}
	title := fmt.Sprintf("#%d %s", t.Index, t.Laterality)
	for _, hand := range t.Hands {
		title += fmt.Sprintf(" %s:E%d J%d", hand.Laterality, hand.TotalErosion, hand.TotalJSN)
	}
	if t.Mirrored {
		title += " mirrored"
	}
	label(cell, 3, 12, title, colourTitle)
	s.cells = append(s.cells, cell)
}

// gradeLabel writes a joint's grades as "E2", "J3" or "E2J3".
func gradeLabel(jt JointTruth) string {
	out := ""
	if jt.Erosion > 0 {
		out += fmt.Sprintf("E%d", jt.Erosion)
	}
	if jt.JSN > 0 {
		out += fmt.Sprintf("J%d", jt.JSN)
	}
	return out
}

func dot(m *image.Paletted, cx, cy, r float64, c uint8) {
	b := m.Bounds()
	for y := int(cy - r - 1); y <= int(cy+r+1); y++ {
		for x := int(cx - r - 1); x <= int(cx+r+1); x++ {
			if !(image.Point{x, y}).In(b) {
				continue
			}
			d := math.Hypot(float64(x)-cx, float64(y)-cy)
			switch {
			case d <= r-0.8:
				m.Pix[y*m.Stride+x] = c
			case d <= r+0.4:
				m.Pix[y*m.Stride+x] = 0
			}
		}
	}
}

func label(m *image.Paletted, x, y int, text string, c uint8) {
	d := font.Drawer{Dst: m, Src: image.NewUniform(sheetPalette[c]), Face: basicfont.Face7x13,
		Dot: fixed.P(x, y)}
	d.DrawString(text)
}

// Image lays the cells out in a grid with a thin gap.
func (s *Sheet) Image() *image.Paletted {
	const gap = 4
	if len(s.cells) == 0 {
		return image.NewPaletted(image.Rect(0, 0, 1, 1), sheetPalette)
	}
	cols := min(s.cols, len(s.cells))
	rows := (len(s.cells) + cols - 1) / cols
	rowH := make([]int, rows)
	for i, c := range s.cells {
		rowH[i/cols] = max(rowH[i/cols], c.Bounds().Dy())
	}
	h := gap
	for _, r := range rowH {
		h += r + gap
	}
	w := gap + cols*(s.cellW+gap)
	out := image.NewPaletted(image.Rect(0, 0, w, h), sheetPalette)
	for i := range out.Pix {
		out.Pix[i] = greys / 3
	}
	y := gap
	for r := range rows {
		for c := range cols {
			i := r*cols + c
			if i >= len(s.cells) {
				break
			}
			cell := s.cells[i]
			x := gap + c*(s.cellW+gap)
			for yy := range cell.Bounds().Dy() {
				copy(out.Pix[(y+yy)*out.Stride+x:], cell.Pix[yy*cell.Stride:(yy+1)*cell.Stride])
			}
		}
		y += rowH[r] + gap
	}
	return out
}

// WritePNG writes the sheet as a paletted PNG.
func (s *Sheet) WritePNG(w io.Writer) error {
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(w, s.Image()); err != nil {
		return fmt.Errorf("write sheet: %w", err)
	}
	return nil
}

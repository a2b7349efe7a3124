package report

import (
	"fmt"
	"image/color"

	"rascore/locate"
	"rascore/read"
)

var (
	colourJoint   = color.RGBA{60, 200, 255, 255}
	colourMissing = color.RGBA{255, 60, 60, 255}
	colourCentre  = color.RGBA{80, 255, 80, 255}
	colourText    = color.RGBA{255, 230, 80, 255}
)

// LocateOverlay draws each hand's joints on the film: a ring per placed joint (labelled), a
// red cross where a joint is missing, the hand centre, and the laterality with its
// confidence.
func LocateOverlay(rg *read.Radiograph, res *locate.Result, maxSide int) *Canvas {
	c := NewCanvas(rg, maxSide)
	r := max(3, int(float64(c.Img.Bounds().Dx())/250))
	for _, h := range res.Hands {
		for _, j := range h.Joints {
			x, y := c.At(j.XPx, j.YPx)
			if j.Missing {
				if j.XPx != 0 || j.YPx != 0 {
					c.Cross(x, y, r, colourMissing)
				}
				continue
			}
			c.Ring(x, y, r, colourJoint)
			c.Text(x+r+2, y+4, string(j.Joint), colourJoint)
		}
		x, y := c.At(h.CentreX, h.CentreY)
		c.Dot(x, y, r, colourCentre)
		label := fmt.Sprintf("%s hand (%.0f%%)", sideWord(string(h.Laterality)),
			100*h.LateralityConfidence)
		c.Text(x-30, y-2*r-4, label, colourText)
	}
	c.Text(6, 16, "rascore locate - research output, not for clinical use", colourText)
	return c
}

func sideWord(s string) string {
	switch s {
	case "L":
		return "left"
	case "R":
		return "right"
	}
	return "unknown"
}

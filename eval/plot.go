package eval

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// CalibrationPlot draws the reliability diagram of a scoring evaluation (the reported grade's
// probability against how often it was right, per bin, for JSN and erosion, with the diagonal
// of perfect calibration) and saves it as a PNG.
func CalibrationPlot(st ScoreStats, path string) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Calibration, %s\nECE: JSN %.3f, erosion %.3f, both %.3f",
		st.Set, st.JSN.ECE, st.Erosion.ECE, st.ECE)
	p.X.Label.Text = "probability of the reported grade (bin mean)"
	p.Y.Label.Text = "share of reported grades that were right"
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	p.Add(plotter.NewGrid())
	diag, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		return err
	}
	diag.Dashes = []vg.Length{vg.Points(4), vg.Points(4)}
	diag.Color = color.Gray{Y: 120}
	p.Add(diag)
	p.Legend.Add("perfect calibration", diag)
	for i, ks := range []KindStats{st.JSN, st.Erosion} {
		var xy plotter.XYs
		for _, b := range ks.Calibration {
			if b.Count > 0 {
				xy = append(xy, plotter.XY{X: b.Confidence, Y: b.Accuracy})
			}
		}
		if len(xy) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(xy)
		if err != nil {
			return err
		}
		c := []color.Color{color.RGBA{R: 31, G: 119, B: 180, A: 255},
			color.RGBA{R: 214, G: 39, B: 40, A: 255}}[i]
		line.Color, points.Color = c, c
		points.Shape = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}}[i]
		points.Radius = vg.Points(3.5)
		p.Add(line, points)
		p.Legend.Add(fmt.Sprintf("%s (%d sites)", ks.Kind, ks.Sites), line, points)
	}
	p.Legend.Top, p.Legend.Left = true, true
	return p.Save(6*vg.Inch, 6*vg.Inch, path)
}

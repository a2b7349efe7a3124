package report

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strings"

	xdraw "golang.org/x/image/draw"

	"rascore/read"
	"rascore/score"
	"rascore/svdh"
)

var (
	colourBand    = color.RGBA{22, 24, 30, 255}
	colourGrey    = color.RGBA{150, 150, 150, 255}
	colourReview  = color.RGBA{255, 60, 255, 255}
	colourWhite   = color.RGBA{245, 245, 245, 255}
	colourWidth   = color.RGBA{120, 220, 255, 255}
	colourWarning = color.RGBA{255, 170, 60, 255}
)

// Text lines of basicfont.Face7x13.
const (
	lineHeight = 15
	charWidth  = 7
)

// GradeColour maps a grade on a scale of 0 to top onto green (0), yellow (half) and red (top).
func GradeColour(grade, top int) color.RGBA {
	f := math.Max(0, math.Min(1, float64(grade)/float64(max(top, 1))))
	lerp := func(a, b color.RGBA, t float64) color.RGBA {
		mix := func(x, y uint8) uint8 {
			return uint8(math.Round(float64(x) + t*(float64(y)-float64(x))))
		}
		return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 255}
	}
	green, yellow, red := color.RGBA{40, 200, 70, 255}, color.RGBA{245, 215, 40, 255},
		color.RGBA{235, 40, 40, 255}
	if f <= 0.5 {
		return lerp(green, yellow, 2*f)
	}
	return lerp(yellow, red, 2*f-1)
}

// jointMark is what the overlay draws at one joint: its erosion and JSN sites, either of which
// may be absent (the joint carries one kind only).
type jointMark struct {
	joint        svdh.Joint
	x, y         float64
	erosion, jsn *score.Site
	width        *score.Width
}

// ScoreOverlay draws the film (its longer side at most maxSide pixels) with each joint of each
// scored hand marked: a disc whose left half is coloured by the erosion grade and right half by
// the JSN grade (green 0 to red at the top grade; grey where the site could not be placed),
// ringed in magenta where a site needs review, labelled with the grades (E erosion, J JSN, ?
// for review) and, at MCP, PIP and thumb IP joints, the joint space width in mm. A band above
// gives the film id, spacing and each hand's totals; one below gives the key to the marks and
// the research note.
func ScoreOverlay(rg *read.Radiograph, r *Report, maxSide int) *image.RGBA {
	c := NewCanvas(rg, maxSide)
	rad := markRadius(c.Img.Bounds().Dx(), c.Img.Bounds().Dy())
	var marks []jointMark
	for _, h := range r.Hands {
		marks = append(marks, jointMarks(h)...)
	}
	drawMarks(c, marks, rad)
	return withBands(c.Img, r, rad)
}

// withBands puts the marked film between a band of text above (film, spacing, each hand's
// totals, warnings) and one below (the key to the marks and the research note). On films
// drawn large the bands' text is doubled, so that it reads when the picture is shown whole;
// long lines wrap.
func withBands(film *image.RGBA, r *Report, rad int) *image.RGBA {
	fw, fh := film.Bounds().Dx(), film.Bounds().Dy()
	k := 1
	if fw >= 1000 {
		k = 2
	}
	width := max(fw, 80*charWidth*k)
	cols := (width - 12) / (charWidth * k)
	var head []bandLine
	for _, line := range headerLines(r) {
		col := colourWhite
		if strings.HasPrefix(line, "warning") {
			col = colourWarning
		}
		for _, l := range wrap(line, cols) {
			head = append(head, bandLine{l, col})
		}
	}
	foot := []bandLine{{"Disc: left half erosion, right half JSN. Blue: joint space width.",
		colourWhite}}
	for _, l := range wrap(ResearchNote, cols) {
		foot = append(foot, bandLine{l, colourText})
	}
	headH := 8 + lineHeight*k*len(head)
	legendH := 2*max(2*rad+8, lineHeight*k+2) + 8
	footH := legendH + lineHeight*k*len(foot) + 6

	out := image.NewRGBA(image.Rect(0, 0, width, headH+fh+footH))
	draw.Draw(out, out.Bounds(), image.NewUniform(colourBand), image.Point{}, draw.Src)
	draw.Draw(out, film.Bounds().Add(image.Pt((width-fw)/2, headH)), film, image.Point{},
		draw.Src)
	for i, line := range head {
		bandText(out, 6, 4+lineHeight*k*(i+1)-3*k, line.text, line.col, k)
	}
	y := headH + fh
	drawLegend(out, 6, y+8+max(rad, lineHeight*k/2), rad, k)
	for i, line := range foot {
		bandText(out, 6, y+legendH+lineHeight*k*(i+1)-3*k, line.text, line.col, k)
	}
	return out
}

// markRadius is the radius of a joint's disc on a canvas of the given size.
func markRadius(w, h int) int { return max(5, int(math.Round(float64(max(w, h))/180))) }

// bandText writes a line at k times the font's size, baseline at (x, y).
func bandText(dst *image.RGBA, x, y int, text string, col color.Color, k int) {
	if k == 1 {
		(&Canvas{Img: dst}).Text(x, y, text, col)
		return
	}
	small := &Canvas{Img: image.NewRGBA(image.Rect(0, 0, charWidth*len([]rune(text))+2,
		lineHeight))}
	small.Text(1, 12, text, col)
	b := small.Img.Bounds()
	at := image.Rect(x-k, y-12*k, x-k+b.Dx()*k, y-12*k+b.Dy()*k)
	xdraw.NearestNeighbor.Scale(dst, at, small.Img, b, xdraw.Over, nil)
}

type bandLine struct {
	text string
	col  color.Color
}

// wrap breaks a line longer than cols characters at spaces, indenting the continuations.
func wrap(line string, cols int) []string {
	var out []string
	for len([]rune(line)) > cols {
		head := string([]rune(line)[:cols])
		cut := strings.LastIndex(head, " ")
		if cut <= 2 {
			cut = len(head)
		}
		out = append(out, line[:cut])
		line = "  " + strings.TrimLeft(line[cut:], " ")
	}
	return append(out, line)
}

// headerLines say what the overlay shows: the film, then one line per hand.
func headerLines(r *Report) []string {
	sp := "spacing unknown"
	if r.Input.SpacingMM[0] > 0 {
		sp = fmt.Sprintf("spacing %.3f mm (%s)", r.Input.SpacingMM[0], r.Input.SpacingSource)
	}
	lines := []string{fmt.Sprintf("rascore score  film %s  %s", r.Input.FilmID, sp)}
	if r.NoHand {
		return append(lines, NoHandMessage)
	}
	for _, h := range r.Hands {
		lines = append(lines, fmt.Sprintf("%s (laterality %.0f%%): %s", HandName(h.Laterality),
			100*h.LateralityConfidence, totalsLine(h.Totals)))
	}
	if len(r.Hands) > 1 {
		lines = append(lines, "film: "+totalsLine(r.Totals))
	}
	for _, w := range r.Warnings {
		lines = append(lines, "warning: "+w)
	}
	return lines
}

func totalsLine(t score.Totals) string {
	s := fmt.Sprintf("SvdH %d (erosion %d, JSN %d), expected %.1f +/- %.1f; %d sites scored",
		t.Total, t.Erosion, t.JSN, t.ExpectedTotal, t.TotalSD, t.Scored)
	if t.Missing > 0 {
		s += fmt.Sprintf(", %d not placed", t.Missing)
	}
	if t.NeedsReview > 0 {
		s += fmt.Sprintf(", %d to review", t.NeedsReview)
	}
	return s
}

// jointMarks gathers a hand's sites and widths by joint, in catalogue order.
func jointMarks(h score.Hand) []jointMark {
	var out []jointMark
	at := map[svdh.Joint]int{}
	for i := range h.Sites {
		s := &h.Sites[i]
		k, ok := at[s.Joint]
		if !ok {
			k = len(out)
			at[s.Joint] = k
			out = append(out, jointMark{joint: s.Joint, x: s.XPx, y: s.YPx})
		}
		if s.Kind == svdh.JSN {
			out[k].jsn = s
		} else {
			out[k].erosion = s
		}
		if !s.Missing {
			out[k].x, out[k].y = s.XPx, s.YPx
		}
	}
	for i := range h.Widths {
		if k, ok := at[h.Widths[i].Joint]; ok {
			out[k].width = &h.Widths[i]
		}
	}
	return out
}

func siteColour(s *score.Site) color.RGBA {
	if s == nil || s.Grade == nil {
		return colourGrey
	}
	top := svdh.MaxHandErosion
	if s.Kind == svdh.JSN {
		top = svdh.MaxJSN
	}
	return GradeColour(s.Grade.Grade, top)
}

func siteLabel(letter string, s *score.Site) string {
	switch {
	case s == nil:
		return ""
	case s.Grade == nil:
		return letter + "-"
	case s.NeedsReview:
		return fmt.Sprintf("%s%d?", letter, s.Grade.Grade)
	}
	return fmt.Sprintf("%s%d", letter, s.Grade.Grade)
}

// drawMarks draws every joint's disc, then its label where it covers no disc, no other label
// and nothing off the canvas: right of the disc if that is free, else left, below or above, else
// where it covers least.
func drawMarks(c *Canvas, marks []jointMark, rad int) {
	var taken []image.Rectangle
	at := make([]image.Point, len(marks))
	for i, m := range marks {
		if m.x == 0 && m.y == 0 {
			continue // never placed anywhere: nothing to point at
		}
		x, y := c.At(m.x, m.y)
		at[i] = image.Pt(x, y)
		left, right := siteColour(m.erosion), siteColour(m.jsn)
		if m.erosion == nil {
			left = right
		}
		if m.jsn == nil {
			right = left
		}
		halfDisc(c, x, y, rad, left, right)
		c.Ring(x, y, rad, color.Black)
		if m.review() {
			c.Ring(x, y, rad+3, colourReview)
		}
		taken = append(taken, image.Rect(x-rad-4, y-rad-4, x+rad+5, y+rad+5))
	}
	for i, m := range marks {
		if m.x == 0 && m.y == 0 {
			continue
		}
		lines := []string{strings.TrimSpace(siteLabel("E", m.erosion) + " " +
			siteLabel("J", m.jsn))}
		if m.width != nil && m.width.Available {
			lines = append(lines, fmt.Sprintf("%.2fmm", m.width.CentralMM))
		}
		box := placeLabel(c.Img.Bounds(), taken, at[i], rad, lines)
		taken = append(taken, box)
		for k, line := range lines {
			col := colourWhite
			if k > 0 {
				col = colourWidth
			}
			c.Text(box.Min.X+1, box.Min.Y+11+13*k, line, col)
		}
	}
}

// placeLabel picks the box of a label beside the disc at p.
func placeLabel(bounds image.Rectangle, taken []image.Rectangle, p image.Point, rad int,
	lines []string) image.Rectangle {
	w := 2
	for _, l := range lines {
		w = max(w, charWidth*len([]rune(l))+2)
	}
	h := 13*len(lines) + 2
	gap := rad + 5
	tops := []image.Point{
		{p.X + gap, p.Y - 7}, {p.X - gap - w, p.Y - 7},
		{p.X - w/2, p.Y + gap}, {p.X - w/2, p.Y - gap - h},
		{p.X + gap, p.Y - 7 - h}, {p.X - gap - w, p.Y - 7 - h},
		{p.X + gap, p.Y + 6}, {p.X - gap - w, p.Y + 6},
	}
	best, least := image.Rectangle{}, -1
	for _, t := range tops {
		box := image.Rect(t.X, t.Y, t.X+w, t.Y+h)
		cover := area(box) - area(box.Intersect(bounds))
		for _, o := range taken {
			cover += area(box.Intersect(o))
		}
		if cover == 0 {
			return box
		}
		if least < 0 || cover < least {
			best, least = box, cover
		}
	}
	return best
}

func area(r image.Rectangle) int { return r.Dx() * r.Dy() }

func (m jointMark) review() bool {
	return (m.erosion != nil && m.erosion.NeedsReview) || (m.jsn != nil && m.jsn.NeedsReview)
}

// halfDisc fills a disc, its left half in one colour and its right half in another.
func halfDisc(c *Canvas, x, y, r int, left, right color.Color) {
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			if dx*dx+dy*dy > r*r {
				continue
			}
			col := left
			if dx > 0 {
				col = right
			}
			c.Img.Set(x+dx, y+dy, col)
		}
	}
}

// drawLegend explains the marks in two rows from (x, y), y the first row's centre, its text k
// times the font's size: erosion grades and the not-placed grey, JSN grades and the review
// ring.
func drawLegend(dst *image.RGBA, x, y, rad, k int) {
	o := &Canvas{Img: dst, Scale: 1}
	step := max(2*rad+8, lineHeight*k+2)
	cw := charWidth * k
	text := func(x, y int, s string, col color.Color) { bandText(dst, x, y+5*k-1, s, col, k) }
	rows := []struct {
		name string
		top  int
	}{{"erosion", svdh.MaxHandErosion}, {"JSN", svdh.MaxJSN}}
	cell := 2*rad + 6 + 2*cw
	for i, row := range rows {
		cy := y + i*step
		text(x, cy, row.name, colourWhite)
		cx := x + 8*cw + rad
		for g := 0; g <= row.top; g++ {
			o.Dot(cx, cy, rad, GradeColour(g, row.top))
			o.Ring(cx, cy, rad, color.Black)
			text(cx+rad+3+k, cy, fmt.Sprint(g), colourWhite)
			cx += cell
		}
	}
	cx := x + 8*cw + rad + 6*cell + 2*cw
	o.Dot(cx, y, rad, colourGrey)
	o.Ring(cx, y, rad, color.Black)
	text(cx+rad+5+k, y, "not placed (-)", colourWhite)
	o.Dot(cx, y+step, rad, GradeColour(0, 1))
	o.Ring(cx, y+step, rad+3, colourReview)
	text(cx+rad+5+k, y+step, "needs review (?)", colourWhite)
}

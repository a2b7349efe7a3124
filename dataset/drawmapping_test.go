package dataset

import (
	"fmt"
	"image"
	"image/color"
	stddraw "image/draw"
	_ "image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"rascore/svdh"
)

// mappingFilms are the atlas films docs/landmark-mapping.png shows: a young child (train), an
// older child (train) and a film from the valid split.
var mappingFilms = []string{"3143.jpg", "3188.jpg", "3300.jpg"}

// TestDrawMapping regenerates docs/landmark-mapping.png, the picture that shows the landmark
// indices and the SvdH joints derived from them. It only runs with RASCORE_WRITE_DOCS=1:
//
//	RASCORE_WRITE_DOCS=1 go test ./dataset/ -run TestDrawMapping
func TestDrawMapping(t *testing.T) {
	if os.Getenv("RASCORE_WRITE_DOCS") != "1" {
		t.Skip("set RASCORE_WRITE_DOCS=1 to regenerate docs/landmark-mapping.png")
	}
	dir := landmarkDir(t)
	ims, err := LoadLandmarks(dir)
	if err != nil {
		t.Fatal(err)
	}
	var columns []*image.RGBA
	for _, name := range mappingFilms {
		i := slices.IndexFunc(ims, func(im LandmarkImage) bool { return im.Image == name })
		if i < 0 {
			t.Fatalf("%s not in the landmark set", name)
		}
		col, err := drawFilmColumn(ims[i])
		if err != nil {
			t.Fatal(err)
		}
		columns = append(columns, col)
	}

	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(root, "docs", "landmark-mapping.png")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writePalettedPNG(out, sideBySide(columns)); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > 1500<<10 {
		t.Errorf("%s is %d bytes, want under 1.5 MB", out, st.Size())
	}
	t.Logf("wrote %s (%d bytes)", out, st.Size())
}

// Sizes of the picture, in output pixels.
const (
	filmHeight = 760 // whole film, scaled to this height
	titleH     = 22
	footerH    = 40
	gutter     = 8
)

var (
	landmarkColour = color.RGBA{255, 220, 0, 255}
	jointColour    = color.RGBA{255, 60, 40, 255}
	jointText      = color.RGBA{255, 140, 120, 255}
	textColour     = color.RGBA{235, 235, 235, 255}
	black          = color.RGBA{0, 0, 0, 255}
)

// wristJoints are labelled on the wrist close-up; the others on the whole film.
var wristJoints = map[svdh.Joint]bool{
	svdh.CMC1: true, svdh.Trapezium: true, svdh.Scaphoid: true, svdh.Lunate: true,
	svdh.Radius: true, svdh.Ulna: true, svdh.CMC3: true, svdh.CMC4: true, svdh.CMC5: true,
	svdh.MNA: true, svdh.CapNLun: true, svdh.RadCar: true,
}

// drawFilmColumn draws one film: a title, the whole film with the finger landmarks numbered
// and the finger joints labelled, and below it a close-up of the wrist with landmarks 1–18 and
// the wrist joints.
func drawFilmColumn(im LandmarkImage) (*image.RGBA, error) {
	grey, err := readStretched(im.Path)
	if err != nil {
		return nil, err
	}
	joints := JointsFromLandmarks(&im.Landmarks)

	scale := float64(filmHeight) / float64(grey.Bounds().Dy())
	width := int(math.Round(float64(grey.Bounds().Dx()) * scale))
	wristSrc := wristBox(&im.Landmarks, grey.Bounds())
	wristScale := float64(width) / float64(wristSrc.Dx())
	wristH := int(math.Round(float64(wristSrc.Dy()) * wristScale))

	col := image.NewRGBA(image.Rect(0, 0, width, titleH+filmHeight+gutter+wristH+footerH))
	stddraw.Draw(col, col.Bounds(), image.NewUniform(color.RGBA{24, 24, 24, 255}), image.Point{},
		stddraw.Src)
	label(col, 6, 15, fmt.Sprintf("%s (%s)", im.Image, im.Split), textColour)

	film := newPanel(col, image.Pt(0, titleH), grey.Bounds(), scale)
	film.background(grey)
	film.annotate(&im.Landmarks, joints, func(l Landmark) bool { return l >= PP1Base },
		func(j svdh.Joint) bool { return !wristJoints[j] })

	wrist := newPanel(col, image.Pt(0, titleH+filmHeight+gutter), wristSrc, wristScale)
	wrist.background(grey)
	wrist.annotate(&im.Landmarks, joints, func(l Landmark) bool { return l <= MC1Base },
		func(j svdh.Joint) bool { return wristJoints[j] })

	y := titleH + filmHeight + gutter + wristH + 14
	label(col, 6, y, "yellow: landmark index (1-18 in the close-up)", landmarkColour)
	label(col, 6, y+15, "red: SvdH joint + bone axis", jointText)
	return col, nil
}

// wristBox is the part of the film around landmarks 1–18, with a margin.
func wristBox(ls *Landmarks, bounds image.Rectangle) image.Rectangle {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for l := UlnaPhysisUlnar; l <= MC1Base; l++ {
		p := ls.At(l)
		minX, minY = math.Min(minX, p.X), math.Min(minY, p.Y)
		maxX, maxY = math.Max(maxX, p.X), math.Max(maxY, p.Y)
	}
	const margin = 30
	r := image.Rect(int(minX)-margin, int(minY)-margin, int(maxX)+margin, int(maxY)+margin)
	return r.Intersect(bounds)
}

// readStretched decodes a film and stretches its grey levels so that the 1st and 99.5th
// percentiles span black to white.
func readStretched(path string) (*image.Gray, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	b := src.Bounds()
	g := image.NewGray(b)
	stddraw.Draw(g, b, src, b.Min, stddraw.Src)

	var hist [256]int
	for _, v := range g.Pix {
		hist[v]++
	}
	lo, hi := percentile(hist, 0.01), percentile(hist, 0.995)
	if hi <= lo {
		return g, nil
	}
	for i, v := range g.Pix {
		s := (float64(v) - float64(lo)) * 255 / float64(hi-lo)
		g.Pix[i] = uint8(math.Max(0, math.Min(255, s)))
	}
	return g, nil
}

func percentile(hist [256]int, q float64) int {
	total := 0
	for _, n := range hist {
		total += n
	}
	seen := 0
	for v, n := range hist {
		seen += n
		if float64(seen) >= q*float64(total) {
			return v
		}
	}
	return 255
}

// panel draws part of a film (src, in film pixels) scaled into dst at origin, and places
// labels so that they do not overlap one another.
type panel struct {
	dst    *image.RGBA
	origin image.Point
	src    image.Rectangle
	scale  float64
	placed []image.Rectangle
}

// newPanel returns a panel drawing into the part of dst that src covers once scaled; marks
// and labels outside that part are clipped.
func newPanel(dst *image.RGBA, origin image.Point, src image.Rectangle, scale float64) *panel {
	r := image.Rect(0, 0, int(math.Round(float64(src.Dx())*scale)),
		int(math.Round(float64(src.Dy())*scale))).Add(origin)
	return &panel{dst: dst.SubImage(r).(*image.RGBA), origin: origin, src: src, scale: scale}
}

func (p *panel) background(grey *image.Gray) {
	draw.CatmullRom.Scale(p.dst, p.dst.Bounds(), grey, p.src, draw.Src, nil)
}

// at maps a film point into the output.
func (p *panel) at(q Point) (int, int) {
	x := (q.X-float64(p.src.Min.X))*p.scale + float64(p.origin.X)
	y := (q.Y-float64(p.src.Min.Y))*p.scale + float64(p.origin.Y)
	return int(math.Round(x)), int(math.Round(y))
}

func (p *panel) annotate(ls *Landmarks, joints map[svdh.Joint]JointPoint,
	numbered func(Landmark) bool, labelled func(svdh.Joint) bool) {
	// Marks first, so that labels are placed around all of them.
	for l := Landmark(1); l <= NumLandmarks; l++ {
		x, y := p.at(ls.At(l))
		square(p.dst, x, y, 2, landmarkColour)
		p.placed = append(p.placed, image.Rect(x-3, y-3, x+4, y+4))
	}
	for _, j := range svdh.HandJoints() {
		if !labelled(j) {
			continue
		}
		jp := joints[j]
		x, y := p.at(jp.Centre)
		a := jp.AngleDeg * math.Pi / 180
		line(p.dst, x, y, x+int(18*math.Cos(a)), y+int(18*math.Sin(a)), jointColour)
		circle(p.dst, x, y, 5, jointColour)
		p.placed = append(p.placed, image.Rect(x-6, y-6, x+7, y+7))
	}
	for _, j := range svdh.HandJoints() {
		if labelled(j) {
			x, y := p.at(joints[j].Centre)
			p.place(x, y, string(j), jointText, 8)
		}
	}
	for l := Landmark(1); l <= NumLandmarks; l++ {
		if numbered(l) {
			x, y := p.at(ls.At(l))
			p.place(x, y, fmt.Sprint(int(l)), landmarkColour, 4)
		}
	}
}

// place writes text near (x, y), trying positions around it until one is free.
func (p *panel) place(x, y int, text string, c color.Color, d int) {
	w, h := 7*len(text), 13
	offsets := []image.Point{
		{d, -h / 2}, {-d - w, -h / 2}, {-w / 2, -d - h}, {-w / 2, d},
		{d, -d - h}, {-d - w, -d - h}, {d, d}, {-d - w, d},
		{2 * d, -h / 2}, {-2*d - w, -h / 2}, {-w / 2, -2*d - h}, {-w / 2, 2 * d},
	}
	bounds := p.dst.Bounds()
	best := image.Rectangle{}
	for _, o := range offsets {
		r := image.Rect(x+o.X, y+o.Y, x+o.X+w, y+o.Y+h)
		if !r.In(bounds) {
			continue
		}
		if best.Empty() {
			best = r
		}
		if !slices.ContainsFunc(p.placed, r.Overlaps) {
			best = r
			break
		}
	}
	if best.Empty() {
		return
	}
	p.placed = append(p.placed, best)
	label(p.dst, best.Min.X, best.Min.Y+10, text, c)
}

// label writes text with its baseline at y, outlined in black so it reads on bone and film.
func label(dst *image.RGBA, x, y int, text string, c color.Color) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(black), Face: basicfont.Face7x13}
	for _, o := range []image.Point{{-1, 0}, {1, 0}, {0, -1}, {0, 1}, {-1, -1}, {1, 1}} {
		d.Dot = fixed.P(x+o.X, y+o.Y)
		d.DrawString(text)
	}
	d.Src = image.NewUniform(c)
	d.Dot = fixed.P(x, y)
	d.DrawString(text)
}

func square(dst *image.RGBA, x, y, r int, c color.Color) {
	stddraw.Draw(dst, image.Rect(x-r-1, y-r-1, x+r+2, y+r+2), image.NewUniform(black),
		image.Point{}, stddraw.Src)
	stddraw.Draw(dst, image.Rect(x-r, y-r, x+r+1, y+r+1), image.NewUniform(c), image.Point{},
		stddraw.Src)
}

func circle(dst *image.RGBA, x, y, r int, c color.Color) {
	for k := 0; k < 64; k++ {
		a := float64(k) * 2 * math.Pi / 64
		for _, rr := range []float64{float64(r), float64(r) + 1} {
			dst.Set(x+int(math.Round(rr*math.Cos(a))), y+int(math.Round(rr*math.Sin(a))), c)
		}
	}
}

func line(dst *image.RGBA, x0, y0, x1, y1 int, c color.Color) {
	n := max(abs(x1-x0), abs(y1-y0), 1)
	for k := 0; k <= n; k++ {
		x := x0 + (x1-x0)*k/n
		y := y0 + (y1-y0)*k/n
		dst.Set(x, y, c)
		dst.Set(x+1, y, c)
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// sideBySide joins the columns left to right, top-aligned, with a gutter and a footer line
// that says how the picture was made.
func sideBySide(cols []*image.RGBA) *image.RGBA {
	w, h := gutter, 0
	for _, c := range cols {
		w += c.Bounds().Dx() + gutter
		h = max(h, c.Bounds().Dy())
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h+20))
	stddraw.Draw(out, out.Bounds(), image.NewUniform(color.RGBA{24, 24, 24, 255}),
		image.Point{}, stddraw.Src)
	x := gutter
	for _, c := range cols {
		stddraw.Draw(out, c.Bounds().Add(image.Pt(x, 0)), c, image.Point{}, stddraw.Src)
		x += c.Bounds().Dx() + gutter
	}
	label(out, gutter, h+14, "Generated by TestDrawMapping in rascore/dataset "+
		"(RASCORE_WRITE_DOCS=1 go test ./dataset/) from the USC Digital Hand Atlas landmark set.",
		textColour)
	return out
}

// writePalettedPNG stores the picture with a small palette (greys and the label colours),
// which keeps the file well under the size of a full-colour PNG.
func writePalettedPNG(path string, img *image.RGBA) error {
	pal := color.Palette{landmarkColour, jointColour, jointText, textColour, black}
	for v := 0; v < 256; v += 4 {
		pal = append(pal, color.RGBA{uint8(v), uint8(v), uint8(v), 255})
	}
	pm := image.NewPaletted(img.Bounds(), pal)
	stddraw.Draw(pm, pm.Bounds(), img, image.Point{}, stddraw.Src)

	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(f, pm); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

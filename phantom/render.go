package phantom

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"rascore/read"
	"rascore/svdh"
)

// StudyDate is the fixed study date of every phantom film.
const StudyDate = "20000101"

// Random streams. Each film draws its anatomy, its damage and its detector noise from three
// separate PCG streams keyed by seed and film index, so forcing a grade or turning noise off
// leaves everything else as it was.
const (
	streamAnatomy = 1
	streamDamage  = 2
	streamNoise   = 3
)

func newRand(seed uint64, index int, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(index)*0x9E3779B97F4A7C15^stream))
}

// filmDraws are the film-wide random choices.
type filmDraws struct {
	left        bool
	flip        bool
	collimate   bool
	inset       [4]float64 // collimator insets as shares of width/height: left, top, right, bottom
	heelAlongY  bool
	heel        float64
	markerRight bool
	jitter      [2][2]float64
}

func drawFilm(r *rand.Rand, o Options) filmDraws {
	var d filmDraws
	d.left = r.Float64() < o.LeftShare
	d.flip = r.Float64() < o.FlipShare
	d.collimate = r.Float64() < o.CollimationShare
	for i := range d.inset {
		d.inset[i] = 0.01 + 0.06*r.Float64()
	}
	d.heelAlongY = r.Float64() < 0.7
	d.heel = o.HeelFraction * (0.5 + 0.5*r.Float64())
	if r.Float64() < 0.5 {
		d.heel = -d.heel
	}
	d.markerRight = r.Float64() < 0.5
	for i := range d.jitter {
		d.jitter[i] = [2]float64{r.Float64()*2 - 1, r.Float64()*2 - 1}
	}
	return d
}

// Render draws film number index of the series with the given seed, and its truth. The film's
// pixels are in [0, 1], 1 the most attenuating, with spacing set; Render never returns a film
// without its truth.
func Render(opts Options, seed uint64, index int) (*read.Radiograph, *Truth, error) {
	if err := opts.Validate(); err != nil {
		return nil, nil, err
	}
	w, h := opts.filmSizePx()
	mm := opts.SpacingMM
	ra := newRand(seed, index, streamAnatomy)
	rd := newRand(seed, index, streamDamage)
	fd := drawFilm(ra, opts)
	tex := newTexture(ra)

	sides := []svdh.Side{svdh.Right}
	switch {
	case opts.Hands == 2:
		sides = []svdh.Side{svdh.Left, svdh.Right}
	case fd.left:
		sides = []svdh.Side{svdh.Left}
	}
	bf := &buffers{w: w, h: h, mm: mm, att: make([]float32, w*h), soft: make([]float32, w*h),
		tex: tex}
	truth := &Truth{
		Schema: TruthSchema, Seed: seed, Index: index, Width: w, Height: h,
		SpacingMM: [2]float64{mm, mm}, Photometric: opts.Photometric,
		BitsStored: opts.BitsStored, NoiseFree: opts.NoiseFree,
	}
	for k, side := range sides {
		sub := drawSubject(ra, opts, side)
		g := drawGrades(rd, opts.Damage, side)
		region := [4]float64{0, 0, float64(w), float64(h)}
		if len(sides) == 2 {
			region[0] = float64(w) / 2 * float64(k)
			region[2] = region[0] + float64(w)/2
		}
		hd := placeHand(sub, g, opts, region, fd.jitter[k])
		for _, s := range hd.soft {
			s.draw(bf)
		}
		for _, s := range hd.solids {
			s.draw(bf)
		}
		truth.Hands = append(truth.Hands, hd.truth)
	}
	if opts.Markers {
		drawMarkers(bf, sides, fd)
	}

	pix := expose(bf, opts, fd, newRand(seed, index, streamNoise))
	img := &read.Radiograph{
		Width: w, Height: h, Pix: pix,
		SpacingMM: [2]float64{mm, mm}, SpacingSource: read.SpacingPixel,
		Format: "phantom", Modality: opts.Modality, BodyPart: "HAND", ViewPosition: "PA",
		StudyDate: StudyDate, Photometric: opts.Photometric, BitsStored: opts.BitsStored,
		Frames: 1,
	}
	if fd.flip {
		mirror(img, truth)
	}
	truth.Laterality = "B"
	if len(truth.Hands) == 1 {
		truth.Laterality = string(truth.Hands[0].Laterality)
	}
	img.Laterality = truth.Laterality
	return img, truth, nil
}

// placeHand builds a hand, then moves it so that its fingertips, thumb and wrist lie inside the
// region (film px: x0, y0, x1, y1) with a margin, and builds it there.
func placeHand(sub *subject, g grades, o Options, region [4]float64, jit [2]float64) *hand {
	mm := o.SpacingMM
	cx := (region[0]+region[2])/2 + jit[0]*0.04*(region[2]-region[0])
	cy := (region[1]+region[3])/2 + jit[1]*0.03*(region[3]-region[1])
	p := newPlace(0, 0, sub.side, sub.rotateDeg, mm)
	// put the middle of the hand (hand frame (−4, 55) mm) at the region's centre
	a := p.point(-4*sub.size, 55*sub.size)
	p.ox, p.oy = cx-a[0], cy-a[1]
	trial := buildHand(sub, g, p, o)
	margin := 12 / mm
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, k := range trial.keyPx {
		minX, maxX = math.Min(minX, k[0]), math.Max(maxX, k[0])
		minY, maxY = math.Min(minY, k[1]), math.Max(maxY, k[1])
	}
	p.ox += fitShift(minX, maxX, region[0]+margin, region[2]-margin)
	p.oy += fitShift(minY, maxY, region[1]+margin, region[3]-margin)
	return buildHand(sub, g, p, o)
}

// fitShift returns how far to move [lo, hi] to lie within [a, b], centring it when it cannot.
func fitShift(lo, hi, a, b float64) float64 {
	switch {
	case hi-lo > b-a:
		return (a+b)/2 - (lo+hi)/2
	case lo < a:
		return a - lo
	case hi > b:
		return b - hi
	}
	return 0
}

// newTexture draws the trabecular grain: white noise smoothed on a 64×64 torus, scaled to
// about [-1, 1].
func newTexture(r *rand.Rand) *texture {
	const n = 64
	v := make([]float32, n*n)
	for i := range v {
		v[i] = float32(r.Float64()*2 - 1)
	}
	tmp := make([]float32, n*n)
	for range 2 {
		for y := range n {
			for x := range n {
				s := float32(0)
				for d := -1; d <= 1; d++ {
					s += v[y*n+(x+d+n)%n] + v[((y+d+n)%n)*n+x]
				}
				tmp[y*n+x] = s / 6
			}
		}
		v, tmp = tmp, v
	}
	peak := float32(0)
	for _, x := range v {
		peak = max(peak, float32(math.Abs(float64(x))))
	}
	for i := range v {
		v[i] /= peak
	}
	return &texture{n: n, v: v}
}

// drawMarkers burns lead letters into a top corner: the hand's side for one hand, L over the
// left hand and R over the right for two.
func drawMarkers(bf *buffers, sides []svdh.Side, fd filmDraws) {
	sizeMM := 12.0
	marginMM := 8.0
	var inset [4]float64 // keep the marker inside the collimated field
	if fd.collimate {
		inset = fd.inset
	}
	place := func(letter string, atRight bool) {
		glyph := glyphMask(letter)
		gw, gh := glyph.Bounds().Dx(), glyph.Bounds().Dy()
		hPx := sizeMM / bf.mm
		scale := hPx / float64(gh)
		wPx := float64(gw) * scale
		x0 := marginMM/bf.mm + inset[0]*float64(bf.w)
		if atRight {
			x0 = float64(bf.w)*(1-inset[2]) - marginMM/bf.mm - wPx
		}
		y0 := marginMM/bf.mm + inset[1]*float64(bf.h)
		for y := int(y0); y < int(y0+hPx) && y < bf.h; y++ {
			for x := int(x0); x < int(x0+wPx) && x < bf.w; x++ {
				if x < 0 || y < 0 {
					continue
				}
				gx := int((float64(x) - x0) / scale)
				gy := int((float64(y) - y0) / scale)
				a := glyph.AlphaAt(gx, gy).A
				bf.att[y*bf.w+x] += float32(muLead*1.2*float64(a)/255) + 0.05
			}
		}
	}
	if len(sides) == 2 {
		place("L", false)
		place("R", true)
		return
	}
	place(string(sides[0]), fd.markerRight)
}

// glyphMask renders one letter of the 7×13 basic font.
func glyphMask(s string) *image.Alpha {
	face := basicfont.Face7x13
	m := image.NewAlpha(image.Rect(0, 0, 7, 13))
	d := font.Drawer{Dst: m, Src: image.Opaque, Face: face, Dot: fixed.P(0, face.Ascent)}
	d.DrawString(s)
	return m
}

// mirror flips the film left to right and its truth with it; each hand's laterality is the
// anatomical side of the mirrored hand.
func mirror(img *read.Radiograph, t *Truth) {
	w := img.Width
	for y := range img.Height {
		row := img.Pix[y*w : (y+1)*w]
		for i, j := 0, w-1; i < j; i, j = i+1, j-1 {
			row[i], row[j] = row[j], row[i]
		}
	}
	fx := func(p [2]float64) [2]float64 { return [2]float64{round3(float64(w-1) - p[0]), p[1]} }
	fa := func(a float64) float64 {
		b := 180 - a
		if b > 180 {
			b -= 360
		}
		return round3(b)
	}
	t.Mirrored = true
	for k := range t.Hands {
		hd := &t.Hands[k]
		if hd.Laterality == svdh.Left {
			hd.Laterality = svdh.Right
		} else {
			hd.Laterality = svdh.Left
		}
		hd.RotateDeg = -hd.RotateDeg
		joints := map[svdh.Joint]JointTruth{}
		for _, j := range svdh.HandJoints() {
			jt, ok := hd.Joints[j]
			if !ok {
				continue
			}
			jt.CenterPx = fx(jt.CenterPx)
			jt.AxisDeg = fa(jt.AxisDeg)
			jt.Erosions = mirrorErosions(jt.Erosions, fx)
			joints[j] = jt
		}
		hd.Joints = joints
		fillSites(hd)
	}
}

func mirrorErosions(es []ErosionTruth, fx func([2]float64) [2]float64) []ErosionTruth {
	out := make([]ErosionTruth, len(es))
	for i, e := range es {
		e2 := e
		e2.OutlinePx = make([][2]float64, len(e.OutlinePx))
		for k, p := range e.OutlinePx {
			e2.OutlinePx[k] = fx(p)
		}
		out[i] = e2
	}
	return out
}

// String names a film for messages.
func (t *Truth) String() string {
	return fmt.Sprintf("phantom seed %d film %d (%s, %dx%d)", t.Seed, t.Index, t.Laterality,
		t.Width, t.Height)
}

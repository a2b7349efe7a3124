package phantom

import "math"

// This file holds the solids a film is made of. Each one computes, per pixel, the length of the
// ray through it (mm) analytically and adds attenuation (1/mm × mm) into the film's buffer. The
// ray runs perpendicular to the film; every solid has its long axis in the film plane, so a ray
// at a given pixel stays in one cross-section of the solid and its path is a chord of that
// cross-section.

// frame maps film pixels to a solid's own coordinates in mm: u along its axis, v across it.
// v points to the radial (thumb) side of the hand the solid belongs to.
type frame struct {
	ox, oy float64 // film pixel of the local origin
	ax, ay float64 // unit vector of u on the film
	px, py float64 // unit vector of v on the film
	mm     float64 // pixel spacing
}

// local returns the solid coordinates (mm) of film pixel centre (x, y).
func (f *frame) local(x, y float64) (u, v float64) {
	dx, dy := (x-f.ox)*f.mm, (y-f.oy)*f.mm
	return dx*f.ax + dy*f.ay, dx*f.px + dy*f.py
}

// film returns the film position (px) of solid coordinates (u, v) mm.
func (f *frame) film(u, v float64) (x, y float64) {
	return f.ox + (u*f.ax+v*f.px)/f.mm, f.oy + (u*f.ay+v*f.py)/f.mm
}

// box returns the pixel rows and columns covering the local rectangle [u0,u1]×[v0,v1], clipped
// to a w×h film; empty when x0 > x1.
func (f *frame) box(u0, u1, v0, v1 float64, w, h int) (x0, y0, x1, y1 int) {
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, c := range [4][2]float64{{u0, v0}, {u0, v1}, {u1, v0}, {u1, v1}} {
		x, y := f.film(c[0], c[1])
		minX, maxX = math.Min(minX, x), math.Max(maxX, x)
		minY, maxY = math.Min(minY, y), math.Max(maxY, y)
	}
	x0, y0 = max(0, int(math.Floor(minX))-1), max(0, int(math.Floor(minY))-1)
	x1, y1 = min(w-1, int(math.Ceil(maxX))+1), min(h-1, int(math.Ceil(maxY))+1)
	return x0, y0, x1, y1
}

// solid is anything that adds attenuation to a film.
type solid interface {
	draw(b *buffers)
}

// buffers are the film being built: total attenuation and, separately, soft-tissue thickness
// (mm), which is a union of overlapping parts and so combines by maximum, not by sum.
type buffers struct {
	w, h int
	mm   float64
	att  []float32
	soft []float32
	tex  *texture
}

// sphere is an erosion: a ball of missing bone centred in the film plane, in a bone's own
// coordinates (mm).
type sphere struct{ u, v, r float64 }

// removedHalf returns the half-length of the ray at (u, v) that lies inside the largest of the
// balls; balls centred in the film plane all cut the ray symmetrically about that plane, so
// their union along the ray is the longest of them.
func removedHalf(ero []sphere, u, v float64) float64 {
	k := 0.0
	for i := range ero {
		e := &ero[i]
		du, dv := u-e.u, v-e.v
		if q := e.r*e.r - du*du - dv*dv; q > 0 {
			k = math.Max(k, math.Sqrt(q))
		}
	}
	return k
}

// shellChord splits the half-chord through a bone whose outer half-thickness at this pixel is
// h and inner (marrow) half-thickness is hi, after removing the central half-length k, into
// its cortical and marrow parts.
func shellChord(h, hi, k float64) (cortex, marrow float64) {
	cortex, marrow = h-hi, hi
	if k <= 0 {
		return cortex, marrow
	}
	cutM := math.Min(k, hi)
	cutC := math.Max(0, math.Min(k, h)-hi)
	return cortex - cutC, marrow - cutM
}

// cutKind is how a long bone's end is shaped.
type cutKind int

const (
	// cutNone leaves the end open (the bone runs off the film).
	cutNone cutKind = iota
	// cutConvex keeps the inside of a circle: a rounded head or a flat-ish base.
	cutConvex
	// cutConcave keeps the outside of a circle: a base that cups the head of the bone before
	// it, the circle being concentric with that head.
	cutConcave
	// cutLine keeps u ≤ at + slope·v: the slanted articular face of the distal radius.
	cutLine
)

// cut is one end of a long bone. Bone is kept where sd > 0; the edge is ramped over rampPx
// pixels so that the film reproduces sub-pixel margin positions.
type cut struct {
	kind   cutKind
	cu, cv float64 // circle centre (mm, bone coordinates)
	rho    float64 // circle radius (mm); for cutConcave the radius of the head it faces
	dir    float64 // cutConvex: +1 at a head (bone towards −u), −1 at a base
	gap    float64 // cutConcave: joint space width along the axis before focal narrowing
	// Focal narrowing of a concave cut: the gap shrinks by the factor
	// 1 - dip·exp(-((φ-dipAt)/dipWidth)²) at angle φ from the axis (rad).
	dip, dipAt, dipWidth float64
	at, slope            float64 // cutLine
	plate                float64 // subchondral plate thickness (mm); 0 for none
}

// sd returns the signed distance (mm) of (u, v) from the cut face, positive on the bone side.
func (c *cut) sd(u, v float64) float64 {
	switch c.kind {
	case cutConvex:
		if (u-c.cu)*c.dir < 0 {
			return c.rho - math.Abs(v-c.cv)
		}
		return c.rho - math.Hypot(u-c.cu, v-c.cv)
	case cutConcave:
		du, dv := u-c.cu, v-c.cv
		g := c.gap
		if c.dip > 0 {
			phi := math.Atan2(dv, du)
			t := (phi - c.dipAt) / c.dipWidth
			g *= 1 - c.dip*math.Exp(-t*t)
		}
		return math.Hypot(du, dv) - c.rho - g
	case cutLine:
		return (c.at + c.slope*v - u) / math.Sqrt(1+c.slope*c.slope)
	}
	return math.Inf(1)
}

// rampPx is the width of the edge ramp at cut faces, in pixels. Sampling a linear ramp wider
// than one pixel lets linear interpolation of the film recover the face to a small fraction of
// a pixel.
const rampPx = 1.5

func ramp(sd, widthMM float64) float64 {
	t := 0.5 + sd/widthMM
	if t <= 0 {
		return 0
	}
	if t >= 1 {
		return 1
	}
	return t
}

// attenuation coefficients (1/mm) at a typical hand exposure (about 50 kV).
const (
	muCortex = 0.15
	muMarrow = 0.042
	muPlate  = 0.075 // subchondral bone seen edge-on: denser than marrow
	muSoft   = 0.021
	muMetal  = 1.6
	muLead   = 3.0
)

// longBone is a solid of revolution about its u axis (radius r(u), marrow radius ri(u)),
// trimmed at both ends by cut faces that run parallel to the ray. Metacarpals, phalanges,
// radius, ulna and the ulnar styloid are long bones.
type longBone struct {
	name       string
	f          frame
	lo, hi     float64   // u range (mm)
	r, ri      []float32 // radius and marrow radius tables over [lo, hi]
	step       float64   // table step (mm)
	base, head cut
	ero        []sphere
	density    float64 // scales attenuation of marrow
	texOff     float64 // texture offset so bones do not share a pattern
	rMax       float64
}

// profile builds the radius tables of a long bone of length L with base, shaft and head
// radii and cortical thickness at shaft and ends; the base and head widen over baseFlare and
// headFlare mm (0 for none). u runs from lo (≤ 0, to hold a cupped base) to L.
func (b *longBone) profile(lo, L, rBase, rShaft, rHead, ctShaft, ctEnd,
	baseFlare, headFlare float64) {
	b.lo, b.hi = lo, L
	n := int((L-lo)/0.05) + 2
	b.step = (L - lo) / float64(n-1)
	b.r = make([]float32, n)
	b.ri = make([]float32, n)
	bump := func(x float64) float64 {
		if x >= 1 {
			return 0
		}
		if x <= 0 {
			return 1
		}
		q := 1 - x*x
		return q * q
	}
	b.rMax = 0
	for i := range n {
		u := lo + float64(i)*b.step
		eb, eh := 0.0, 0.0
		if baseFlare > 0 {
			eb = bump(u / baseFlare)
		}
		if headFlare > 0 {
			eh = bump((L - u) / headFlare)
		}
		r := rShaft + (rBase-rShaft)*eb + (rHead-rShaft)*eh
		ct := ctShaft + (ctEnd-ctShaft)*math.Max(eb, eh)
		b.r[i] = float32(r)
		b.ri[i] = float32(math.Max(0, r-ct))
		b.rMax = math.Max(b.rMax, r)
	}
}

// radiusAt returns r and ri at u by linear interpolation of the tables.
func (b *longBone) radiusAt(u float64) (float64, float64) {
	t := (u - b.lo) / b.step
	i := int(t)
	if i < 0 {
		return float64(b.r[0]), float64(b.ri[0])
	}
	if i >= len(b.r)-1 {
		n := len(b.r) - 1
		return float64(b.r[n]), float64(b.ri[n])
	}
	fr := t - float64(i)
	r := float64(b.r[i]) + fr*float64(b.r[i+1]-b.r[i])
	ri := float64(b.ri[i]) + fr*float64(b.ri[i+1]-b.ri[i])
	return r, ri
}

// contains says whether (u, v) is bone in projection.
func (b *longBone) contains(u, v float64) bool {
	if u < b.lo || u > b.hi {
		return false
	}
	r, _ := b.radiusAt(u)
	return math.Abs(v) < r && b.base.sd(u, v) > 0 && b.head.sd(u, v) > 0
}

func (b *longBone) draw(bf *buffers) {
	f := &b.f
	rampMM := rampPx * bf.mm
	half := rampMM / 2
	// the edge ramp reaches half its width beyond the ends
	lo, hi := b.lo-half, b.hi+half
	x0, y0, x1, y1 := f.box(lo, hi, -b.rMax, b.rMax, bf.w, bf.h)
	du, dv := f.ax*f.mm, f.px*f.mm
	for y := y0; y <= y1; y++ {
		u, v := f.local(float64(x0), float64(y))
		row := bf.att[y*bf.w : (y+1)*bf.w]
		for x := x0; x <= x1; x, u, v = x+1, u+du, v+dv {
			if u < lo || u > hi {
				continue
			}
			r, ri := b.radiusAt(u)
			av := math.Abs(v)
			if av >= r {
				continue
			}
			sb, sh := b.base.sd(u, v), b.head.sd(u, v)
			if sb <= -half || sh <= -half {
				continue
			}
			h := math.Sqrt(r*r - v*v)
			hi := 0.0
			if av < ri {
				hi = math.Sqrt(ri*ri - v*v)
			}
			k := 0.0
			if len(b.ero) > 0 {
				k = removedHalf(b.ero, u, v)
			}
			cortex, marrow := shellChord(h, hi, k)
			muM := muMarrow * b.density * (1 + 0.28*bf.tex.at(u*1.1+b.texOff, v*2.2))
			if (b.base.plate > 0 && sb < b.base.plate) || (b.head.plate > 0 && sh < b.head.plate) {
				muM = muPlate * b.density
			}
			a := 2 * (muCortex*cortex + muM*marrow)
			row[x] += float32(a * ramp(sb, rampMM) * ramp(sh, rampMM))
		}
	}
}

// ovoid is a carpal bone: the solid (|u/a|^p + |v/b|^p)^(2/p) + (z/c)² ≤ 1, a rounded box in
// the film plane with an elliptic thickness profile, and a marrow core scaled by inner.
type ovoid struct {
	name    string
	f       frame
	a, b, c float64
	p       float64
	inner   float64 // marrow core scale (0–1)
	ero     []sphere
	density float64
	texOff  float64
}

func (o *ovoid) q(u, v float64) float64 {
	if o.p == 2 {
		return (u*u)/(o.a*o.a) + (v*v)/(o.b*o.b)
	}
	s := math.Pow(math.Abs(u/o.a), o.p) + math.Pow(math.Abs(v/o.b), o.p)
	return math.Pow(s, 2/o.p)
}

func (o *ovoid) contains(u, v float64) bool { return o.q(u, v) < 1 }

func (o *ovoid) draw(bf *buffers) {
	f := &o.f
	x0, y0, x1, y1 := f.box(-o.a, o.a, -o.b, o.b, bf.w, bf.h)
	du, dv := f.ax*f.mm, f.px*f.mm
	s2 := o.inner * o.inner
	for y := y0; y <= y1; y++ {
		u, v := f.local(float64(x0), float64(y))
		row := bf.att[y*bf.w : (y+1)*bf.w]
		for x := x0; x <= x1; x, u, v = x+1, u+du, v+dv {
			if math.Abs(u) >= o.a || math.Abs(v) >= o.b {
				continue
			}
			q := o.q(u, v)
			if q >= 1 {
				continue
			}
			h := o.c * math.Sqrt(1-q)
			hi := 0.0
			if q < s2 {
				hi = o.c * o.inner * math.Sqrt(1-q/s2)
			}
			k := 0.0
			if len(o.ero) > 0 {
				k = removedHalf(o.ero, u, v)
			}
			cortex, marrow := shellChord(h, hi, k)
			muM := muMarrow * o.density * (1 + 0.28*bf.tex.at(u*1.6+o.texOff, v*1.6))
			row[x] += float32(2 * (muCortex*0.8*cortex + muM*marrow))
		}
	}
}

// softPart is a piece of soft tissue: a capsule along u from 0 to length with an elliptic
// cross-section (half-width a, half-thickness c), or with box set, a rounded slab
// (|u'/length·2|^4 + |v/a|^4)^(1/2) ≤ 1 centred at u = length/2.
type softPart struct {
	f      frame
	length float64
	a, c   float64
	box    bool
}

func (s *softPart) draw(bf *buffers) {
	f := &s.f
	x0, y0, x1, y1 := f.box(-s.a, s.length+s.a, -s.a, s.a, bf.w, bf.h)
	du, dv := f.ax*f.mm, f.px*f.mm
	halfL := s.length / 2
	for y := y0; y <= y1; y++ {
		u, v := f.local(float64(x0), float64(y))
		row := bf.soft[y*bf.w : (y+1)*bf.w]
		for x := x0; x <= x1; x, u, v = x+1, u+du, v+dv {
			var q float64
			if s.box {
				tu, tv := (u-halfL)/halfL, v/s.a
				tu, tv = tu*tu, tv*tv
				q = math.Sqrt(tu*tu + tv*tv)
			} else {
				d := math.Abs(v)
				switch {
				case u < 0:
					d = math.Hypot(u, v)
				case u > s.length:
					d = math.Hypot(u-s.length, v)
				}
				q = (d * d) / (s.a * s.a)
			}
			if q >= 1 {
				continue
			}
			t := float32(2 * s.c * math.Sqrt(1-q))
			if t > row[x] {
				row[x] = t
			}
		}
	}
}

// ring is a metal band around a finger: a hollow cylinder along u from u0 to u1.
type ring struct {
	f         frame
	u0, u1    float64
	rIn, rOut float64
}

func (g *ring) draw(bf *buffers) {
	f := &g.f
	x0, y0, x1, y1 := f.box(g.u0, g.u1, -g.rOut, g.rOut, bf.w, bf.h)
	du, dv := f.ax*f.mm, f.px*f.mm
	rampMM := rampPx * bf.mm
	for y := y0; y <= y1; y++ {
		u, v := f.local(float64(x0), float64(y))
		row := bf.att[y*bf.w : (y+1)*bf.w]
		for x := x0; x <= x1; x, u, v = x+1, u+du, v+dv {
			if math.Abs(v) >= g.rOut {
				continue
			}
			cov := ramp(u-g.u0, rampMM) * ramp(g.u1-u, rampMM)
			if cov == 0 {
				continue
			}
			chord := math.Sqrt(g.rOut*g.rOut - v*v)
			if math.Abs(v) < g.rIn {
				chord -= math.Sqrt(g.rIn*g.rIn - v*v)
			}
			row[x] += float32(2 * muMetal * chord * cov)
		}
	}
}

// texture is a tileable field of values in about [-1, 1] that gives marrow its trabecular
// grain. It is sampled in each bone's own coordinates (mm), so the grain follows the bone.
type texture struct {
	n int
	v []float32
}

func (t *texture) at(u, v float64) float64 {
	n := t.n
	x, y := math.Floor(u), math.Floor(v)
	fx, fy := u-x, v-y
	i0, j0 := int(x)&(n-1), int(y)&(n-1)
	i1, j1 := (i0+1)&(n-1), (j0+1)&(n-1)
	a := float64(t.v[j0*n+i0])*(1-fx) + float64(t.v[j0*n+i1])*fx
	b := float64(t.v[j1*n+i0])*(1-fx) + float64(t.v[j1*n+i1])*fx
	return a*(1-fy) + b*fy
}

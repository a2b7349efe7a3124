package phantom

import (
	"math"
	"math/rand/v2"

	"rascore/svdh"
)

// The hand is laid out in a hand frame in mm: x towards the thumb (radial) and y towards the
// fingertips, origin at the capitate–third-metacarpal joint. Films are shown as PA hand films are
// read, as if looking at the back of the hand with the fingers up: a left hand has its thumb on the
// image's right (the frame as it is), a right hand is the frame mirrored. The hand-atlas films in
// ../shared/data, left hands with lead "L" markers, show the same. Sizes are those of an adult hand
// (size factor 1), about 19 cm from the radiocarpal joint to the tip of the middle finger.

// boneSpec is a long bone of a finger ray: length, base, shaft and head radii (mm), and the
// head's curvature radius as a multiple of its head radius (1 round, larger flatter).
type boneSpec struct {
	name             string
	length           float64
	rBase, rShaft    float64
	rHead, headCurve float64
}

// raySpec is one finger ray: the metacarpal base (hand frame, mm), its axis angle (degrees from
// +y, positive towards the thumb), its bones from metacarpal to distal phalanx, and the joints
// between them with their normal widths (mm). A joint "" is drawn but not scored (DIP).
type raySpec struct {
	baseX, baseY, angleDeg float64
	bones                  []boneSpec
	joints                 []svdh.Joint
	jswMM                  []float64
}

var rays = [5]raySpec{
	{24, -2.5, 38, []boneSpec{
		{"MC1", 44, 6.3, 4.2, 7.0, 1.0},
		{"PP1", 31, 6.3, 3.8, 5.1, 1.3},
		{"DP1", 23, 5.5, 3.0, 3.8, 1.0},
	}, []svdh.Joint{svdh.MCP1, svdh.ThumbIP}, []float64{1.5, 1.1}},
	{10, 0.5, 6, []boneSpec{
		{"MC2", 67, 5.8, 3.7, 7.0, 1.0},
		{"PP2", 40, 6.1, 3.5, 5.0, 1.3},
		{"MP2", 23, 5.2, 3.0, 4.3, 1.3},
		{"DP2", 17, 4.4, 2.2, 3.0, 1.0},
	}, []svdh.Joint{svdh.MCP2, svdh.PIP2, ""}, []float64{1.8, 1.2, 0.9}},
	{0, 1.2, 0, []boneSpec{
		{"MC3", 64, 6.2, 3.7, 7.0, 1.0},
		{"PP3", 45, 6.3, 3.6, 5.2, 1.3},
		{"MP3", 27, 5.4, 3.1, 4.4, 1.3},
		{"DP3", 19, 4.5, 2.3, 3.2, 1.0},
	}, []svdh.Joint{svdh.MCP3, svdh.PIP3, ""}, []float64{1.8, 1.25, 0.9}},
	{-10.5, 0.8, -5, []boneSpec{
		{"MC4", 57, 5.0, 3.2, 6.2, 1.0},
		{"PP4", 42, 5.9, 3.4, 4.9, 1.3},
		{"MP4", 26, 5.1, 3.0, 4.2, 1.3},
		{"DP4", 19, 4.3, 2.2, 3.0, 1.0},
	}, []svdh.Joint{svdh.MCP4, svdh.PIP4, ""}, []float64{1.75, 1.2, 0.9}},
	{-18, -2, -13, []boneSpec{
		{"MC5", 53, 5.3, 3.3, 6.0, 1.0},
		{"PP5", 33, 5.2, 3.0, 4.3, 1.3},
		{"MP5", 19, 4.4, 2.6, 3.7, 1.3},
		{"DP5", 16, 3.8, 1.9, 2.7, 1.0},
	}, []svdh.Joint{svdh.MCP5, svdh.PIP5, ""}, []float64{1.6, 1.1, 0.85}},
}

// carpalSpec is a carpal bone: centre (hand frame, mm), half-length along its axis and
// half-width across it, half-thickness, axis angle (degrees from +y, positive towards the
// thumb) and the exponent of its outline (2 an ellipse, larger boxier).
type carpalSpec struct {
	name          string
	x, y          float64
	along, across float64
	thick, rotDeg float64
	power         float64
}

// Carpal indices into carpals.
const (
	cTrapezium = iota
	cTrapezoid
	cCapitate
	cHamate
	cScaphoid
	cLunate
	cTriquetrum
	cPisiform
)

var carpals = [8]carpalSpec{
	{"trapezium", 19.5, -8.5, 7, 6.3, 7, -35, 2.6},
	{"trapezoid", 9.8, -5.6, 5.2, 4.8, 6.5, 0, 2.6},
	{"capitate", 0, -11.2, 11, 6.3, 9, 0, 2.6},
	{"hamate", -11.3, -9.8, 9, 5.8, 8, 12, 2.5},
	{"scaphoid", 12.3, -25.5, 12, 5.8, 7, -35, 2.2},
	{"lunate", -1.2, -29, 7.2, 7.8, 8, 0, 2.4},
	{"triquetrum", -12.8, -25.5, 6, 6.2, 6.5, 30, 2.3},
	{"pisiform", -14.5, -21.5, 4.8, 4.3, 5, 0, 2},
}

// Wrist bones of the forearm (hand frame, mm).
const (
	radiusX, radiusEndY = 6.0, -37.6 // distal radius: axis x and articular face on the axis
	radiusSlope         = 0.22       // radial inclination: the face rises towards the thumb
	ulnaX, ulnaEndY     = -13.5, -39.5
	forearmLen          = 170.0
	wristGapMM          = 1.6  // normal gap between wrist bones
	carpalScale         = 1.12 // carpal outline scale against the table
)

// subject holds one hand's random anatomy, drawn once so that the hand can be built twice
// (once to find its extent, once in place).
type subject struct {
	side          svdh.Side
	size, density float64
	jswFactor     float64
	spreadDeg     [5]float64
	flexDeg       [5]float64
	bendDeg       [5][3]float64 // extra angulation at PIP/DIP (and thumb IP)
	lengthJitter  [5][4]float64
	rotateDeg     float64
	texOff        float64
	ring          bool
	ringRay       int
	ringAt, ringW float64
	ringThick     float64
	carpalJitter  [8][2]float64
}

func drawSubject(r *rand.Rand, o Options, side svdh.Side) *subject {
	u := func(a, b float64) float64 { return a + (b-a)*r.Float64() }
	s := &subject{side: side}
	s.size = u(o.SizeRange[0], o.SizeRange[1])
	s.density = u(o.DensityRange[0], o.DensityRange[1])
	s.jswFactor = u(0.88, 1.12)
	sp := o.SpreadDeg
	s.spreadDeg = [5]float64{u(-0.5, 1) * sp, u(-0.3, 1) * sp, u(-0.4, 0.4) * sp,
		-u(-0.3, 0.8) * sp, -u(0, 1.4) * sp}
	for f := range 5 {
		s.flexDeg[f] = u(0, 1) * o.FlexDeg
		for k := range 3 {
			s.bendDeg[f][k] = u(-0.25, 0.25) * sp
		}
		for k := range 4 {
			s.lengthJitter[f][k] = u(0.97, 1.03)
		}
	}
	s.rotateDeg = u(-1, 1) * o.RotateDeg
	s.texOff = u(0, 64)
	s.ring = r.Float64() < o.RingShare
	switch x := r.Float64(); {
	case x < 0.2:
		s.ringRay = 2
	case x < 0.8:
		s.ringRay = 3
	default:
		s.ringRay = 4
	}
	s.ringAt, s.ringW, s.ringThick = u(0.3, 0.5), u(2.5, 5), u(1, 1.8)
	for i := range s.carpalJitter {
		s.carpalJitter[i] = [2]float64{u(-0.4, 0.4), u(-0.4, 0.4)}
	}
	return s
}

// place maps the hand frame (mm) to film pixels: mirror for a left hand, flip y so that the
// fingers point up, rotate, scale by the spacing and move to the origin.
type place struct {
	ox, oy float64
	m      float64 // +1 right hand, -1 left
	c, s   float64
	mm     float64
}

func newPlace(ox, oy float64, side svdh.Side, rotateDeg, mm float64) place {
	m := 1.0
	if side == svdh.Right {
		m = -1
	}
	a := rotateDeg * math.Pi / 180
	return place{ox: ox, oy: oy, m: m, c: math.Cos(a), s: math.Sin(a), mm: mm}
}

// vec maps a hand-frame vector to a film vector in mm.
func (p place) vec(hx, hy float64) (float64, float64) {
	ix, iy := p.m*hx, -hy
	return p.c*ix - p.s*iy, p.s*ix + p.c*iy
}

func (p place) point(hx, hy float64) [2]float64 {
	vx, vy := p.vec(hx, hy)
	return [2]float64{p.ox + vx/p.mm, p.oy + vy/p.mm}
}

func (p place) angleDeg(ax, ay float64) float64 {
	vx, vy := p.vec(ax, ay)
	return math.Atan2(vy, vx) * 180 / math.Pi
}

// frame gives a solid at hand point (bx, by) with axis (ax, ay) its film frame; its v axis is
// the hand-frame vector (ay, −ax), radial for a bone pointing distally.
func (p place) frame(bx, by, ax, ay float64) frame {
	o := p.point(bx, by)
	fax, fay := p.vec(ax, ay)
	fpx, fpy := p.vec(ay, -ax)
	return frame{ox: o[0], oy: o[1], ax: fax, ay: fay, px: fpx, py: fpy, mm: p.mm}
}

// hand is a built hand: its solids, its truth, and the film points that must stay on the film.
type hand struct {
	solids []solid
	soft   []solid
	truth  HandTruth
	keyPx  [][2]float64
}

// eroder is a bone that can take erosions.
type eroder interface {
	contains(u, v float64) bool
	addErosion(s sphere)
	frameOf() *frame
}

func (b *longBone) addErosion(s sphere) { b.ero = append(b.ero, s) }
func (b *longBone) frameOf() *frame     { return &b.f }
func (o *ovoid) addErosion(s sphere)    { o.ero = append(o.ero, s) }
func (o *ovoid) frameOf() *frame        { return &o.f }

// erode removes a defect of the given per-bone grade from bone b. width is the articular width
// (mm) that sizes the defect. For grades 1–4 the ball sits at the margin met by walking from
// (anchorU, anchorV) at angleDeg from +u, sunk by 30% of its radius into the bone; grade 5
// (collapse) centres a larger ball at (collapseU, collapseV).
func erode(b eroder, name string, grade int, width, anchorU, anchorV, angleDeg,
	collapseU, collapseV float64) ErosionTruth {
	var c sphere
	if grade >= 5 {
		c = sphere{u: collapseU, v: collapseV, r: collapseShare * width}
	} else {
		c.r = erosionRadiusShare[grade] * width
		a := angleDeg * math.Pi / 180
		du, dv := math.Cos(a), math.Sin(a)
		u, v := anchorU, anchorV
		for t := 0.0; t < 60 && b.contains(anchorU+du*t, anchorV+dv*t); t += 0.02 {
			u, v = anchorU+du*t, anchorV+dv*t
		}
		c.u, c.v = u-0.3*c.r*du, v-0.3*c.r*dv
	}
	b.addErosion(c)
	return ErosionTruth{Bone: name, Grade: grade, RadiusMM: round3(c.r),
		OutlinePx: outline(b, c)}
}

// outline returns the film polygon of ball c's disc clipped to the bone's outline, walking 48
// rays out from the disc centre.
func outline(b eroder, c sphere) [][2]float64 {
	const n = 48
	f := b.frameOf()
	pts := make([][2]float64, 0, n)
	for i := range n {
		a := 2 * math.Pi * float64(i) / n
		du, dv := math.Cos(a), math.Sin(a)
		t := 0.0
		for t < c.r && b.contains(c.u+du*(t+0.02), c.v+dv*(t+0.02)) {
			t += 0.02
		}
		x, y := f.film(c.u+du*t, c.v+dv*t)
		pts = append(pts, [2]float64{round3(x), round3(y)})
	}
	return pts
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func unitDeg(deg float64) (float64, float64) {
	a := deg * math.Pi / 180
	return math.Sin(a), math.Cos(a)
}

// buildHand builds one hand from its anatomy and grades at its place on the film.
func buildHand(sub *subject, g grades, p place, o Options) *hand {
	h := &hand{truth: HandTruth{
		Laterality: sub.side, RotateDeg: round3(sub.rotateDeg), SizeFactor: round3(sub.size),
		Density: round3(sub.density), Ring: sub.ring,
		Joints: map[svdh.Joint]JointTruth{}, Sites: map[string]SiteTruth{},
	}}
	b := &builder{h: h, sub: sub, g: g, p: p, o: o, s: sub.size}
	b.wrist()
	for f := range rays {
		b.ray(f)
	}
	b.softTissue()
	b.sites()
	return h
}

type builder struct {
	h   *hand
	sub *subject
	g   grades
	p   place
	o   Options
	s   float64 // size factor

	// wrist positions after narrowing (hand frame, mm)
	carpal     [8][2]float64
	carpalBone [8]*ovoid
	rayShift   [5]float64 // proximal shift of a ray from CMC narrowing
	mc1Shift   [2]float64
	radius     *longBone
	styloid    *longBone
	ulna       *longBone
	rayBones   [5][]*longBone
	rayAxes    [5][][2]float64
}

func (b *builder) jsn(j svdh.Joint) int {
	if v, ok := b.g.jsn[j]; ok {
		return v
	}
	return 0
}

func (b *builder) ero(j svdh.Joint) int {
	if v, ok := b.g.erosion[j]; ok {
		return v
	}
	return 0
}

// wristShare returns the share of the normal wrist gap left at joint j.
func (b *builder) wristShare(j svdh.Joint) float64 {
	return jsnShare(b.jsn(j), b.g.shape[j].width, &wristGapRange)
}

func (b *builder) setJoint(j svdh.Joint, hx, hy, ax, ay float64, jsw, normal *float64,
	er []ErosionTruth) {
	jt := JointTruth{
		CenterPx: roundPt(b.p.point(hx, hy)), AxisDeg: round3(b.p.angleDeg(ax, ay)),
		JSN: -1, Erosion: -1, JSWMM: jsw, NormalJSWMM: normal, Erosions: er,
	}
	if v, ok := b.g.jsn[j]; ok {
		jt.JSN = v
	}
	if v, ok := b.g.erosion[j]; ok {
		jt.Erosion = v
	}
	b.h.truth.Joints[j] = jt
}

func roundPt(p [2]float64) [2]float64 { return [2]float64{round3(p[0]), round3(p[1])} }

// wrist builds the radius, ulna and carpals, moving bones together where the wrist joints are
// narrowed.
func (b *builder) wrist() {
	s := b.s
	gap := wristGapMM * s
	// Narrowing closes a gap by moving the bones proximal to it distally (radcar, capnlun),
	// the trapezium towards the scaphoid (mna), or a ray proximally (CMC 3–5).
	dRadCar := gap * (1 - b.wristShare(svdh.RadCar))
	dCapNLun := gap * (1 - b.wristShare(svdh.CapNLun))
	dMNA := gap * (1 - b.wristShare(svdh.MNA))
	for k, j := range []svdh.Joint{svdh.CMC3, svdh.CMC4, svdh.CMC5} {
		b.rayShift[k+2] = gap * (1 - b.wristShare(j))
	}
	for i, c := range carpals {
		x := c.x*s*1.04 + b.sub.carpalJitter[i][0]*s
		y := c.y*s*1.04 + b.sub.carpalJitter[i][1]*s
		if i >= cScaphoid {
			y += dCapNLun
		}
		b.carpal[i] = [2]float64{x, y}
	}
	// the trapezium slides towards the scaphoid's distal pole
	sx, sy := unitDeg(carpals[cScaphoid].rotDeg)
	pole := [2]float64{b.carpal[cScaphoid][0] + sx*carpals[cScaphoid].along*s,
		b.carpal[cScaphoid][1] + sy*carpals[cScaphoid].along*s}
	tx, ty := b.carpal[cTrapezium][0]-pole[0], b.carpal[cTrapezium][1]-pole[1]
	tl := math.Hypot(tx, ty)
	b.mc1Shift = [2]float64{-tx / tl * dMNA, -ty / tl * dMNA}
	b.carpal[cTrapezium][0] += b.mc1Shift[0]
	b.carpal[cTrapezium][1] += b.mc1Shift[1]

	for i, c := range carpals {
		ax, ay := unitDeg(c.rotDeg)
		pw := c.power
		o := &ovoid{name: c.name, f: b.p.frame(b.carpal[i][0], b.carpal[i][1], ax, ay),
			a: c.along * s * carpalScale, b: c.across * s * carpalScale, c: c.thick * s, p: pw,
			inner: 0.8 - 0.06*(1-b.sub.density), density: b.sub.density,
			texOff: b.sub.texOff + float64(i)*7}
		b.carpalBone[i] = o
		b.h.solids = append(b.h.solids, o)
	}

	shift := dRadCar + dCapNLun
	rad := &longBone{name: "radius", density: b.sub.density, texOff: b.sub.texOff + 3}
	endY := radiusEndY*s + shift
	rad.f = b.p.frame(radiusX*s, endY-forearmLen, 0, 1)
	rad.profile(0, forearmLen, 10*s, 9.5*s, 14.5*s, 2.2*s, 0.7*s, 0, 35*s)
	rad.head = cut{kind: cutLine, at: forearmLen, slope: radiusSlope, plate: 0.6 * s}
	b.radius = rad
	uln := &longBone{name: "ulna", density: b.sub.density, texOff: b.sub.texOff + 5}
	uEnd := ulnaEndY*s + shift
	uln.f = b.p.frame(ulnaX*s, uEnd-forearmLen, 0, 1)
	uln.profile(0, forearmLen, 7*s, 6.5*s, 8.2*s, 2*s, 0.7*s, 0, 22*s)
	uln.head = cut{kind: cutConvex, dir: 1, cu: forearmLen - 9*s, rho: 9 * s, plate: 0.5 * s}
	sty := &longBone{name: "ulnar styloid", density: b.sub.density}
	sx2, sy2 := unitDeg(-4)
	sty.f = b.p.frame((ulnaX-5)*s, uEnd-6*s, sx2, sy2)
	L := 8.5 * s
	sty.profile(0, L, 3*s, 2.1*s, 1.5*s, 0.8*s, 0.5*s, 0.5*L, 0.5*L)
	sty.head = cut{kind: cutConvex, dir: 1, cu: L - 1.6*s, rho: 1.6 * s}
	b.styloid, b.ulna = sty, uln
	b.h.solids = append(b.h.solids, rad, uln, sty)
	b.h.keyPx = append(b.h.keyPx, b.p.point(radiusX*s+14*s, endY), b.p.point(ulnaX*s-9*s, uEnd))
}

// ray builds a finger ray from its metacarpal to its distal phalanx, with its joints.
func (b *builder) ray(f int) {
	spec := rays[f]
	sub := b.sub
	s := b.s
	bx, by := spec.baseX*s, spec.baseY*s+b.rayShift[f]
	if f == 0 {
		bx, by = bx+b.mc1Shift[0], by+b.mc1Shift[1]
	}
	angle := spec.angleDeg
	flex := [4]float64{0.15, 0.6, 1, 1.1}
	var prev *longBone
	var headC [2]float64 // hand-frame centre of the previous head's curvature
	var headRho float64
	for i, bs := range spec.bones {
		if i == 1 {
			angle += sub.spreadDeg[f]
		} else if i > 1 {
			angle += sub.bendDeg[f][i-2]
		}
		ax, ay := unitDeg(angle)
		L := bs.length * s * sub.lengthJitter[f][i] *
			math.Cos(math.Min(80, sub.flexDeg[f]*flex[min(i, 3)])*math.Pi/180)
		if f == 0 && i > 0 {
			L = bs.length * s * sub.lengthJitter[f][i] *
				math.Cos(sub.flexDeg[f]*0.5*flex[i]*math.Pi/180)
		}
		bone := &longBone{name: bs.name, density: sub.density,
			texOff: sub.texOff + float64(f*4+i)*5.3}
		rho := bs.rHead * s * bs.headCurve
		var ox, oy float64
		var joint svdh.Joint
		var jswOnAxis, normal float64
		var baseCut cut
		lo := 0.0
		if i == 0 {
			ox, oy = bx, by
			baseCut = cut{kind: cutConvex, dir: -1, cu: 4 * bs.rBase * s, rho: 4 * bs.rBase * s,
				plate: 0.4 * s}
		} else {
			joint = spec.joints[i-1]
			normal = spec.jswMM[i-1] * s * sub.jswFactor
			grade := b.jsn(joint)
			sd := b.g.shape[joint]
			gap := normal * jsnShare(grade, sd.width, &jsnWidthRange)
			baseCut = cut{kind: cutConcave, rho: headRho, gap: gap, plate: 0.45 * s}
			if grade == 1 {
				baseCut.dip, baseCut.dipWidth = focalDip, focalWidth
				baseCut.dipAt = focalAt
				if sd.focalSide < 0.5 {
					baseCut.dipAt = -focalAt
				}
			}
			jswOnAxis = baseCut.gapAt(0)
			if grade == 4 {
				baseCut.plate, prev.head.plate = 0, 0
			}
			ox, oy = headC[0]+ax*(headRho+jswOnAxis), headC[1]+ay*(headRho+jswOnAxis)
			baseCut.cu = -(headRho + jswOnAxis)
			rb := bs.rBase * s
			rr := headRho + gap
			depth := rr - math.Sqrt(math.Max(0, rr*rr-rb*rb))
			lo = -math.Min(depth, 0.25*rb)
		}
		bone.f = b.p.frame(ox, oy, ax, ay)
		ct := 0.26 * bs.rShaft * s * (0.6 + 0.4*sub.density)
		bone.profile(lo, L, bs.rBase*s, bs.rShaft*s, bs.rHead*s, ct, 0.45*s, 0.3*L, 0.32*L)
		bone.base = baseCut
		last := i == len(spec.bones)-1
		bone.head = cut{kind: cutConvex, dir: 1, cu: L - rho, rho: rho, plate: 0.45 * s}
		if last {
			bone.head.plate = 0
		}
		b.h.solids = append(b.h.solids, bone)
		b.rayBones[f] = append(b.rayBones[f], bone)
		b.rayAxes[f] = append(b.rayAxes[f], [2]float64{ax, ay})

		if i > 0 && joint != "" {
			b.fingerJoint(joint, prev, bone, headC, headRho, ax, ay, jswOnAxis, normal,
				spec.bones[i-1], bs)
		}
		headC = [2]float64{ox + ax*(L-rho), oy + ay*(L-rho)}
		headRho = rho
		prev = bone
		if last {
			b.h.keyPx = append(b.h.keyPx, b.p.point(ox+ax*(L+8*s), oy+ay*(L+8*s)))
		}
	}
	if f == 0 {
		mc1 := b.rayBones[0][0]
		grade := b.ero(svdh.CMC1)
		var er []ErosionTruth
		if grade > 0 {
			side := sign(b.g.shape[svdh.CMC1].side[0])
			er = append(er, erode(mc1, "MC1", grade, 2*rays[0].bones[0].rBase*s,
				0.3*rays[0].bones[0].rBase*s, 0, side*(120+10*b.g.shape[svdh.CMC1].along[0]),
				0, 0))
		}
		ax, ay := unitDeg(spec.angleDeg)
		b.setJoint(svdh.CMC1, bx+ax*2*s, by+ay*2*s, ax, ay, nil, nil, er)
	}
}

// gapAt returns a concave cut's joint space width at angle phi (rad) from the axis.
func (c *cut) gapAt(phi float64) float64 {
	if c.dip == 0 {
		return c.gap
	}
	t := (phi - c.dipAt) / c.dipWidth
	return c.gap * (1 - c.dip*math.Exp(-t*t))
}

func sign(u float64) float64 {
	if u < 0.5 {
		return -1
	}
	return 1
}

// fingerJoint records a finger joint and cuts its erosions: the proximal bone's share at the
// margin of its head, the distal bone's at the corner of its base.
func (b *builder) fingerJoint(j svdh.Joint, prox, dist *longBone, headC [2]float64,
	headRho, ax, ay, jsw, normal float64, ps, ds boneSpec) {
	s := b.s
	sd := b.g.shape[j]
	ep, ed := splitErosion(b.ero(j), sd.split)
	var er []ErosionTruth
	if ep > 0 {
		side := sign(sd.side[0])
		cu := prox.head.cu
		er = append(er, erode(prox, ps.name, ep, 2*ps.rHead*s, cu, 0,
			side*(62+14*sd.along[0]), prox.hi-0.35*headRho, 0))
	}
	if ed > 0 {
		side := sign(sd.side[1])
		rb := ds.rBase * s
		er = append(er, erode(dist, ds.name, ed, 2*rb, 0.4*rb, 0,
			side*(125+12*sd.along[1]), 0.3*rb, 0))
	}
	center := [2]float64{headC[0] + ax*(headRho+jsw/2), headC[1] + ay*(headRho+jsw/2)}
	var jswP *float64
	if ep < 5 && ed < 5 {
		v := round3(jsw)
		jswP = &v
	}
	n := round3(normal)
	b.setJoint(j, center[0], center[1], ax, ay, jswP, &n, er)
}

// softTissue adds the soft tissue: forearm, palm, thenar eminence and fingers, and a ring.
func (b *builder) softTissue() {
	s := b.s
	add := func(x, y, ax, ay, length, a, c float64, box bool) {
		b.h.soft = append(b.h.soft, &softPart{f: b.p.frame(x, y, ax, ay), length: length,
			a: a, c: c, box: box})
	}
	add(-2*s, -30*s, 0, -1, forearmLen, 31*s, 21*s, false)
	add(-3*s, -24*s, 0, 1, 108*s, 33*s, 14*s, true)
	add(8*s, -12*s, 0.55, 0.83, 40*s, 15*s, 13*s, false)
	for f := range rays {
		bones := b.rayBones[f]
		for i, bone := range bones {
			ax, ay := b.rayAxes[f][i][0], b.rayAxes[f][i][1]
			ox, oy := bone.originHand(b.p)
			spec := rays[f].bones[i]
			a := spec.rBase * s * 1.5
			c := a * 0.85
			length := bone.hi
			switch {
			case i == 0 && f == 0:
				a, c = 12*s, 13*s
			case i == 0:
				a, c = 9*s, 13*s
			case i == len(bones)-1:
				a = spec.rBase * s * 1.6
				c = a * 0.85
				length = math.Max(0, bone.hi+3.5*s-a)
			}
			add(ox, oy, ax, ay, length, a, c, false)
			if b.sub.ring && f == b.sub.ringRay && i == 1 {
				u0 := b.sub.ringAt * bone.hi
				b.h.solids = append(b.h.solids, &ring{f: bone.f, u0: u0, u1: u0 + b.sub.ringW*s,
					rIn: a * 0.97, rOut: a*0.97 + b.sub.ringThick})
			}
		}
	}
}

// originHand recovers a bone's origin in the hand frame from its film frame.
func (bn *longBone) originHand(p place) (float64, float64) {
	dx, dy := (bn.f.ox-p.ox)*p.mm, (bn.f.oy-p.oy)*p.mm
	// invert rotation, then the y flip and mirror
	ix, iy := p.c*dx+p.s*dy, -p.s*dx+p.c*dy
	return ix / p.m, -iy
}

// sites records the wrist joints and erosion sites and fills the per-site truth.
func (b *builder) sites() {
	s := b.s
	gap := wristGapMM * s
	c := b.carpal
	shape := func(j svdh.Joint) shapeDraw { return b.g.shape[j] }

	// erosion sites on wrist bones
	wa := func(i int) float64 { return (carpals[i].along + carpals[i].across) * s }
	carpalErosion := func(i, grade int, angle float64) ErosionTruth {
		return erode(b.carpalBone[i], carpals[i].name, grade, wa(i), 0, 0, angle, 0, 0)
	}
	single := func(j svdh.Joint, i int, angle float64) {
		var er []ErosionTruth
		if g := b.ero(j); g > 0 {
			sd := shape(j)
			er = append(er, carpalErosion(i, g, sign(sd.side[0])*angle+20*sd.along[0]))
		}
		ax, ay := unitDeg(0)
		b.setJoint(j, c[i][0], c[i][1], ax, ay, nil, nil, er)
	}
	single(svdh.Scaphoid, cScaphoid, 90)
	single(svdh.Lunate, cLunate, 90)

	var mul []ErosionTruth
	if g := b.ero(svdh.Trapezium); g > 0 {
		sd := shape(svdh.Trapezium)
		ep, ed := splitErosion(g, sd.split)
		if ep > 0 {
			mul = append(mul, carpalErosion(cTrapezium, ep, 90+40*sd.along[0]))
		}
		if ed > 0 {
			mul = append(mul, carpalErosion(cTrapezoid, ed,
				sign(sd.side[1])*(60+60*sd.along[1])))
		}
	}
	b.setJoint(svdh.Trapezium, (c[cTrapezium][0]+c[cTrapezoid][0])/2,
		(c[cTrapezium][1]+c[cTrapezoid][1])/2, 0, 1, nil, nil, mul)

	rad := b.radius
	var er []ErosionTruth
	if g := b.ero(svdh.Radius); g > 0 {
		sd := shape(svdh.Radius)
		er = append(er, erode(rad, "radius", g, 2*14.5*s*0.6, rad.hi-6*s, 0,
			sign(sd.side[0])*(80+15*sd.along[0]), rad.hi-2*s, 0))
	}
	rx, ry := rad.originHand(b.p)
	b.setJoint(svdh.Radius, rx, ry+rad.hi-3*s, 0, 1, nil, nil, er)

	uln := b.ulna
	er = nil
	if g := b.ero(svdh.Ulna); g > 0 {
		sd := shape(svdh.Ulna)
		er = append(er, erode(uln, "ulna", g, 12*s, uln.hi-5*s, 0,
			sign(sd.side[0])*(75+20*sd.along[0]), uln.hi-2*s, 0))
	}
	ux, uy := uln.originHand(b.p)
	b.setJoint(svdh.Ulna, ux-2*s, uy+uln.hi-3*s, 0, 1, nil, nil, er)

	// JSN sites of the wrist
	for k, j := range []svdh.Joint{svdh.CMC3, svdh.CMC4, svdh.CMC5} {
		mc := b.rayBones[k+2][0]
		ax, ay := b.rayAxes[k+2][0][0], b.rayAxes[k+2][0][1]
		ox, oy := mc.originHand(b.p)
		g := gap * b.wristShare(j) / 2
		b.setJoint(j, ox-ax*g, oy-ay*g, ax, ay, nil, nil, nil)
	}
	sx, sy := unitDeg(carpals[cScaphoid].rotDeg)
	pole := [2]float64{c[cScaphoid][0] + sx*carpals[cScaphoid].along*s*0.8,
		c[cScaphoid][1] + sy*carpals[cScaphoid].along*s*0.8}
	tx, ty := c[cTrapezium][0]-pole[0], c[cTrapezium][1]-pole[1]
	tl := math.Hypot(tx, ty)
	b.setJoint(svdh.MNA, pole[0]+tx/tl*3*s, pole[1]+ty/tl*3*s, tx/tl, ty/tl, nil, nil, nil)
	capY := c[cCapitate][1] - carpals[cCapitate].along*s
	b.setJoint(svdh.CapNLun, c[cCapitate][0]+1*s, capY-gap*b.wristShare(svdh.CapNLun)/2,
		0, 1, nil, nil, nil)
	b.setJoint(svdh.RadCar, radiusX*s-3*s, ry+rad.hi-1.5*s+gap*b.wristShare(svdh.RadCar)/2,
		0, 1, nil, nil, nil)

	fillSites(&b.h.truth)
}

// fillSites fills a hand's per-site truth and totals from its joints; site columns carry the
// hand's side.
func fillSites(h *HandTruth) {
	h.Sites = map[string]SiteTruth{}
	h.TotalErosion, h.TotalJSN = 0, 0
	for _, site := range svdh.Select(svdh.Hand, h.Laterality) {
		jt := h.Joints[site.Joint]
		st := SiteTruth{Joint: site.Joint, Kind: site.Kind, Label: site.Label,
			CenterPx: jt.CenterPx, AxisDeg: jt.AxisDeg, JSWMM: jt.JSWMM}
		if site.Kind == svdh.JSN {
			st.Grade = jt.JSN
			h.TotalJSN += jt.JSN
		} else {
			st.Grade = jt.Erosion
			st.Erosions = jt.Erosions
			h.TotalErosion += jt.Erosion
		}
		h.Sites[site.Column] = st
	}
}

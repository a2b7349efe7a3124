package crop

import (
	"math"

	"rascore/read"
	"rascore/svdh"
)

// SiteSpec says how a joint's patch is cut: Size × Size pixels of MMPerPx millimetres each at
// finger joints (MCP, PIP, IP, CMC 1) and WristMMPerPx at the wrist, whatever the film's own
// pixel size.
type SiteSpec struct {
	Size         int     `json:"size"`
	MMPerPx      float64 `json:"mm_per_px"`
	WristMMPerPx float64 `json:"wrist_mm_per_px"`
}

// DefaultSiteSpec is the patch the shipped scorer was trained on: 96 × 96 pixels, of 0.15 mm
// at finger joints (14.4 mm: both bone ends and the margins where erosions sit) and of 0.3 mm
// at the wrist (28.8 mm: a carpal bone with its neighbours, the whole distal radius or ulna).
func DefaultSiteSpec() SiteSpec { return SiteSpec{Size: 96, MMPerPx: 0.15, WristMMPerPx: 0.3} }

// PixelMM returns the patch pixel size at joint j.
func (s SiteSpec) PixelMM(j svdh.Joint) float64 {
	switch j {
	case svdh.MCP1, svdh.MCP2, svdh.MCP3, svdh.MCP4, svdh.MCP5, svdh.PIP2, svdh.PIP3, svdh.PIP4,
		svdh.PIP5, svdh.ThumbIP, svdh.CMC1:
		return s.MMPerPx
	}
	return s.WristMMPerPx
}

// SiteTransform returns the transform that cuts a joint's patch: the joint centre (x, y, film
// pixels) in the middle, the joint axis (axisDeg, from the proximal towards the distal bone)
// pointing to the top of the patch, at spec's scale for joint j on a film of spacingMM per
// pixel. A right hand is mirrored so that every patch shows a left hand, thumb side on the right.
func SiteTransform(j svdh.Joint, x, y, axisDeg float64, right bool, spacingMM float64,
	spec SiteSpec) Transform {
	t := Transform{CentreX: x, CentreY: y, Scale: spacingMM / spec.PixelMM(j), Mirror: right,
		Size: spec.Size}
	// With no rotation the axis appears at ForwardAngle(axisDeg); turning the view by that
	// angle plus 90° brings it to −90°, straight up.
	t.AngleDeg = t.ForwardAngle(axisDeg) + 90
	return t
}

// SitePatch cuts and normalises a joint's patch (see SiteTransform and Normalise) and returns
// it with the share of its pixels that fell outside the film.
func SitePatch(rg *read.Radiograph, j svdh.Joint, x, y, axisDeg float64, right bool,
	spec SiteSpec) ([]float32, float64) {
	view := Sample(rg, SiteTransform(j, x, y, axisDeg, right, rg.SpacingMM[0], spec))
	outside := 0
	for _, v := range view {
		if v != v {
			outside++
		}
	}
	Normalise(view)
	return view, float64(outside) / float64(len(view))
}

// JointAxes gives each joint's axis (image degrees, from the proximal towards the distal bone)
// from where its neighbours are: a finger MCP along the bisector of its metacarpal (from the CMC
// or carpus) and its proximal phalanx (towards the PIP), a PIP along the proximal phalanx, the
// thumb likewise through CMC 1, MCP 1 and IP, the scaphoid–trapezium joint from the scaphoid
// to the trapezium, and every other wrist joint along the hand, from the
// distal radius and ulna towards the knuckles. A joint whose neighbours are missing takes the
// hand's axis; a joint that is itself missing gets none. Training patches and inference
// patches are turned by this one function.
func JointAxes(pts map[svdh.Joint]Point) map[svdh.Joint]float64 {
	out := make(map[svdh.Joint]float64, len(pts))
	hand, handOK := handAxis(pts)
	dir := func(a, b svdh.Joint) (float64, bool) {
		p, ok1 := pts[a]
		q, ok2 := pts[b]
		if !ok1 || !ok2 || (p.X == q.X && p.Y == q.Y) {
			return 0, false
		}
		return math.Atan2(q.Y-p.Y, q.X-p.X) * 180 / math.Pi, true
	}
	set := func(j svdh.Joint, dirs ...[2]svdh.Joint) {
		if _, ok := pts[j]; !ok {
			return
		}
		var sx, sy float64
		for _, d := range dirs {
			if a, ok := dir(d[0], d[1]); ok {
				s, c := math.Sincos(a * math.Pi / 180)
				sx, sy = sx+c, sy+s
			}
		}
		switch {
		case sx != 0 || sy != 0:
			out[j] = math.Atan2(sy, sx) * 180 / math.Pi
		case handOK:
			out[j] = hand
		}
	}
	rays := []struct{ base, mcp, pip svdh.Joint }{
		{svdh.Trapezium, svdh.MCP2, svdh.PIP2}, {svdh.CMC3, svdh.MCP3, svdh.PIP3},
		{svdh.CMC4, svdh.MCP4, svdh.PIP4}, {svdh.CMC5, svdh.MCP5, svdh.PIP5},
		{svdh.CMC1, svdh.MCP1, svdh.ThumbIP},
	}
	for _, r := range rays {
		set(r.mcp, [2]svdh.Joint{r.base, r.mcp}, [2]svdh.Joint{r.mcp, r.pip})
		set(r.pip, [2]svdh.Joint{r.mcp, r.pip})
	}
	set(svdh.CMC1, [2]svdh.Joint{svdh.CMC1, svdh.MCP1})
	for _, j := range []svdh.Joint{svdh.CMC3, svdh.CMC4, svdh.CMC5} {
		set(j, [2]svdh.Joint{j, rayMCP(j)})
	}
	set(svdh.MNA, [2]svdh.Joint{svdh.Scaphoid, svdh.Trapezium})
	for _, j := range []svdh.Joint{svdh.Trapezium, svdh.Scaphoid, svdh.Lunate, svdh.CapNLun, svdh.RadCar, svdh.Radius, svdh.Ulna} {
		set(j)
	}
	return out
}

func rayMCP(cmc svdh.Joint) svdh.Joint {
	switch cmc {
	case svdh.CMC3:
		return svdh.MCP3
	case svdh.CMC4:
		return svdh.MCP4
	}
	return svdh.MCP5
}

// handAxis is the direction from the distal forearm (radius, ulna, radiocarpal joint) to the
// knuckles (MCP 2–5).
func handAxis(pts map[svdh.Joint]Point) (float64, bool) {
	mean := func(js ...svdh.Joint) (Point, bool) {
		var m Point
		n := 0.0
		for _, j := range js {
			if p, ok := pts[j]; ok {
				m.X, m.Y, n = m.X+p.X, m.Y+p.Y, n+1
			}
		}
		return Point{m.X / n, m.Y / n}, n > 0
	}
	w, ok1 := mean(svdh.Radius, svdh.Ulna, svdh.RadCar)
	k, ok2 := mean(svdh.MCP2, svdh.MCP3, svdh.MCP4, svdh.MCP5)
	if !ok1 || !ok2 || (w == k) {
		return 0, false
	}
	return math.Atan2(k.Y-w.Y, k.X-w.X) * 180 / math.Pi, true
}

// JointPatch is one joint's patch as the scorer sees it.
type JointPatch struct {
	Joint   svdh.Joint
	AxisDeg float64
	Pix     []float32
	// Outside is the share of the patch that fell off the film.
	Outside float64
}

// HandPatches cuts the patch of every joint of one hand that has a position (pts, film
// pixels), in svdh.HandJoints order, each turned by the axis JointAxes derives from pts. It is
// the one cut that training shards (package dataset) and scoring (package score) share.
func HandPatches(rg *read.Radiograph, pts map[svdh.Joint]Point, right bool,
	spec SiteSpec) []JointPatch {
	axes := JointAxes(pts)
	var out []JointPatch
	for _, j := range svdh.HandJoints() {
		p, ok := pts[j]
		a, ok2 := axes[j]
		if !ok || !ok2 {
			continue
		}
		pix, outside := SitePatch(rg, j, p.X, p.Y, a, right, spec)
		out = append(out, JointPatch{Joint: j, AxisDeg: a, Pix: pix, Outside: outside})
	}
	return out
}

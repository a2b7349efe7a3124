package locate

import (
	"fmt"
	"math"
	"sort"

	"rascore/svdh"
)

type vec struct{ x, y float64 }

func (a vec) sub(b vec) vec       { return vec{a.x - b.x, a.y - b.y} }
func (a vec) dot(b vec) float64   { return a.x*b.x + a.y*b.y }
func (a vec) cross(b vec) float64 { return a.x*b.y - a.y*b.x }
func (a vec) norm() float64       { return math.Hypot(a.x, a.y) }

// pos returns a placed joint's position.
func (h *Hand) pos(j svdh.Joint) (vec, bool) {
	x, ok := h.JointAt(j)
	if !ok || x.Missing {
		return vec{}, false
	}
	return vec{x.XPx, x.YPx}, true
}

func (h *Hand) mean(js ...svdh.Joint) (vec, bool) {
	var s vec
	n := 0
	for _, j := range js {
		if p, ok := h.pos(j); ok {
			s, n = vec{s.x + p.x, s.y + p.y}, n+1
		}
	}
	if n == 0 {
		return vec{}, false
	}
	return vec{s.x / float64(n), s.y / float64(n)}, true
}

func (h *Hand) drop(j svdh.Joint, reason string) {
	for i := range h.Joints {
		if h.Joints[i].Joint == j && !h.Joints[i].Missing {
			h.Joints[i].Missing, h.Joints[i].Reason = true, reason
		}
	}
}

// up is the unit direction from the wrist to the knuckles.
func (h *Hand) up() (vec, bool) {
	wrist, ok1 := h.mean(svdh.RadCar, svdh.Lunate, svdh.CapNLun)
	knuckles, ok2 := h.mean(svdh.MCP2, svdh.MCP3, svdh.MCP4, svdh.MCP5)
	if !ok1 || !ok2 {
		return vec{}, false
	}
	d := knuckles.sub(wrist)
	n := d.norm()
	if n == 0 {
		return vec{}, false
	}
	return vec{d.x / n, d.y / n}, true
}

var fingers = [][2]svdh.Joint{
	{svdh.MCP2, svdh.PIP2}, {svdh.MCP3, svdh.PIP3}, {svdh.MCP4, svdh.PIP4},
	{svdh.MCP5, svdh.PIP5}, {svdh.MCP1, svdh.ThumbIP},
}

// checkLayout turns joints that break the anatomy of a hand into missing ones and notes what
// looks wrong: joints far from the rest, two joints on one spot, a PIP that is not beyond its
// MCP, knuckles out of order, a hand size that does not fit the stated spacing.
func checkLayout(h *Hand, spacingMM [2]float64) {
	centre := vec{h.CentreX, h.CentreY}
	var d []float64
	for _, j := range h.Joints {
		if !j.Missing {
			d = append(d, vec{j.XPx, j.YPx}.sub(centre).norm())
		}
	}
	if len(d) == 0 {
		return
	}
	sort.Float64s(d)
	median := d[len(d)/2]
	for _, j := range h.Joints {
		if !j.Missing && (vec{j.XPx, j.YPx}).sub(centre).norm() > 3*median {
			h.drop(j.Joint, "far from the rest of the hand")
		}
	}
	dropCoincident(h, median/40)

	up, ok := h.up()
	if !ok {
		h.Warnings = append(h.Warnings, "wrist or knuckles not found: orientation unknown")
		return
	}
	h.UpDeg = math.Atan2(up.y, up.x) * 180 / math.Pi
	for _, f := range fingers {
		mcp, ok1 := h.pos(f[0])
		pip, ok2 := h.pos(f[1])
		if ok1 && ok2 && pip.sub(mcp).dot(up) <= 0 {
			h.drop(f[1], fmt.Sprintf("not beyond %s", f[0]))
		}
	}
	side := vec{-up.y, up.x}
	var across []float64
	for _, j := range []svdh.Joint{svdh.MCP2, svdh.MCP3, svdh.MCP4, svdh.MCP5} {
		if p, ok := h.pos(j); ok {
			across = append(across, p.dot(side))
		}
	}
	if !monotonic(across) {
		h.Warnings = append(h.Warnings, "MCP 2–5 are not in order across the hand")
	}
	if spacingMM[0] > 0 {
		wrist, ok1 := h.pos(svdh.RadCar)
		mcp3, ok2 := h.pos(svdh.MCP3)
		if ok1 && ok2 {
			mm := mcp3.sub(wrist).norm() * spacingMM[0]
			if mm < 30 || mm > 120 {
				h.Warnings = append(h.Warnings, fmt.Sprintf(
					"radiocarpal to MCP 3 is %.0f mm: the stated pixel spacing or the hand "+
						"is implausible", mm))
			}
		}
	}
}

// dropCoincident marks the weaker of two joints placed within minPx of each other missing.
func dropCoincident(h *Hand, minPx float64) {
	for i := range h.Joints {
		for k := range h.Joints {
			a, b := h.Joints[i], h.Joints[k]
			if i == k || a.Missing || b.Missing || a.Confidence > b.Confidence ||
				(a.Confidence == b.Confidence && i < k) {
				continue
			}
			if math.Hypot(a.XPx-b.XPx, a.YPx-b.YPx) < minPx {
				h.drop(a.Joint, fmt.Sprintf("on the same spot as %s", b.Joint))
			}
		}
	}
}

func monotonic(v []float64) bool {
	up, down := true, true
	for i := 1; i < len(v); i++ {
		up = up && v[i] > v[i-1]
		down = down && v[i] < v[i-1]
	}
	return up || down
}

// decideLaterality says left or right from where the thumb lies. In a PA view of a left hand
// with the fingers up, the thumb is on the image's right: the turn from the wrist-to-knuckles
// direction to the little-finger-to-thumb direction is clockwise on screen (positive cross
// product with y down). Several independent pairs vote; the confidence is how strongly they
// agree.
func decideLaterality(h *Hand) {
	up, ok := h.up()
	if !ok {
		h.Laterality, h.LateralityConfidence = "", 0
		h.Warnings = append(h.Warnings, "laterality unknown: wrist or knuckles missing")
		return
	}
	pairs := [][2]svdh.Joint{
		{svdh.MCP5, svdh.MCP1}, {svdh.MCP5, svdh.MCP2}, {svdh.PIP5, svdh.ThumbIP},
		{svdh.Ulna, svdh.Radius}, {svdh.CMC5, svdh.CMC1}, {svdh.Lunate, svdh.Scaphoid},
	}
	var votes, weight float64
	for _, p := range pairs {
		little, ok1 := h.pos(p[0])
		thumb, ok2 := h.pos(p[1])
		if !ok1 || !ok2 {
			continue
		}
		t := thumb.sub(little)
		if t.norm() == 0 {
			continue
		}
		s := up.cross(vec{t.x / t.norm(), t.y / t.norm()}) // sine of the turn
		votes += math.Max(-1, math.Min(1, s/0.5))
		weight++
	}
	if weight == 0 {
		h.Laterality = ""
		h.Warnings = append(h.Warnings, "laterality unknown: no thumb-side joints")
		return
	}
	h.Laterality = svdh.Left
	if votes < 0 {
		h.Laterality = svdh.Right
	}
	h.LateralityConfidence = math.Abs(votes) / weight
}

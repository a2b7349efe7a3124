// Package score grades the SvdH sites of the hands on a radiograph: it takes the joints that
// package locate placed, cuts each joint's patch (crop.SitePatch, turned to the joint axis by
// crop.JointAxes), runs the scorer network once per hand for JSN and erosion probabilities, and
// reports per site the most probable grade, the expected grade, an uncertainty and whether a
// reader should review it; per hand and film the totals. Beside the grades it measures joint
// space width in mm at the finger joints, classically, from bone-margin intensity profiles along
// the joint axis (MeasureJSW). It does not write reports (package report).
package score

import (
	"math"
	"sort"

	"rascore/crop"
	"rascore/read"
)

// JSW is a joint space width measurement.
type JSW struct {
	// CentralMM is the median width over the profiles within ±0.5 mm of the axis; MinMM and
	// MeanMM are over all valid profiles across the central part of the joint.
	CentralMM, MinMM, MeanMM float64
	// Profiles is how many profiles found both margins, of Tried.
	Profiles, Tried int
	// Available is false where the margins could not be found (ankylosis, collapse, poor
	// contrast); the widths are then zero.
	Available bool
}

// JSWSettings say where to look.
type JSWSettings struct {
	// HalfSpanMM is how far across the axis profiles are taken, each side.
	HalfSpanMM float64
	// StepAcrossMM is the distance between profiles.
	StepAcrossMM float64
	// ReachMM is how far along the axis each profile runs, each side of the centre.
	ReachMM float64
	// MinContrast is the least rise from the gap to the bone, on each side, in grey levels
	// (0–1), for a margin to count.
	MinContrast float64
}

// DefaultJSWSettings suit MCP and PIP joints of adult hands.
func DefaultJSWSettings() JSWSettings {
	return JSWSettings{HalfSpanMM: 1.5, StepAcrossMM: 0.25, ReachMM: 3.5, MinContrast: 0.03}
}

// MeasureJSW measures the space between the two bone margins of a joint: along profiles
// parallel to the joint axis (axisDeg, image degrees from the proximal towards the distal
// bone) through and beside the centre (x, y in film pixels), each margin is where the
// intensity crosses half-way between the gap's darkest point and that side's bone level.
func MeasureJSW(rg *read.Radiograph, x, y, axisDeg float64, st JSWSettings) JSW {
	mm := rg.SpacingMM[0]
	if mm <= 0 {
		return JSW{}
	}
	s, c := math.Sincos(axisDeg * math.Pi / 180)
	var all, central []float64
	tried := 0
	for off := -st.HalfSpanMM; off <= st.HalfSpanMM+1e-9; off += st.StepAcrossMM {
		tried++
		// the profile's start, offset across the axis
		ox, oy := x-s*off/mm, y+c*off/mm
		w, ok := profileWidth(rg, ox, oy, c, s, mm, st)
		if !ok {
			continue
		}
		all = append(all, w)
		if math.Abs(off) <= 0.5+1e-9 {
			central = append(central, w)
		}
	}
	res := JSW{Profiles: len(all), Tried: tried}
	if len(central) == 0 || 2*len(all) < tried {
		return res
	}
	res.Available = true
	res.CentralMM = median(central)
	res.MinMM, res.MeanMM = all[0], 0
	for _, w := range all {
		res.MinMM = math.Min(res.MinMM, w)
		res.MeanMM += w / float64(len(all))
	}
	return res
}

// profileWidth samples one profile at a tenth of a pixel and measures its gap in mm.
func profileWidth(rg *read.Radiograph, ox, oy, c, s, mm float64, st JSWSettings) (float64,
	bool) {
	const perPx = 10
	n := int(st.ReachMM / mm * perPx)
	prof := make([]float64, 2*n+1)
	for i := -n; i <= n; i++ {
		t := float64(i) / perPx
		v, ok := crop.At(rg, ox+c*t, oy+s*t)
		if !ok {
			return 0, false
		}
		prof[i+n] = v
	}
	// the gap: the darkest point within 1.5 mm of the centre
	near := int(1.5 / mm * perPx)
	lo := n
	for i := n - near; i <= n+near; i++ {
		if prof[i] < prof[lo] {
			lo = i
		}
	}
	peakL, peakR := lo, lo
	for i := 0; i < lo; i++ {
		if prof[i] > prof[peakL] {
			peakL = i
		}
	}
	for i := lo; i < len(prof); i++ {
		if prof[i] > prof[peakR] {
			peakR = i
		}
	}
	if prof[peakL]-prof[lo] < st.MinContrast || prof[peakR]-prof[lo] < st.MinContrast {
		return 0, false
	}
	left, ok1 := crossing(prof, lo, peakL, (prof[lo]+prof[peakL])/2)
	right, ok2 := crossing(prof, lo, peakR, (prof[lo]+prof[peakR])/2)
	if !ok1 || !ok2 {
		return 0, false
	}
	return (right - left) / perPx * mm, true
}

// crossing walks from the gap at i0 towards the bone at i1 and returns the sub-sample index
// where the profile first reaches level.
func crossing(p []float64, i0, i1 int, level float64) (float64, bool) {
	step := 1
	if i1 < i0 {
		step = -1
	}
	for i := i0; i != i1; i += step {
		a, b := p[i], p[i+step]
		if a < level && b >= level {
			return float64(i) + float64(step)*(level-a)/(b-a), true
		}
	}
	return 0, false
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

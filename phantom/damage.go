package phantom

import (
	"math"
	"math/rand/v2"

	"rascore/svdh"
)

// The mapping from SvdH grade to geometry. The package comment states it in words; these are
// the numbers.

// jsnWidthRange is the share of the normal joint space width left at each JSN grade of a
// finger joint, drawn uniformly within the range. Grade 1 keeps the full width on the axis but
// narrows the space focally (see focalDip); grade 4 is ankylosis.
var jsnWidthRange = [5][2]float64{
	{1, 1},
	{1, 1},
	{0.55, 0.80},
	{0.22, 0.45},
	{0, 0},
}

// Focal narrowing (JSN 1): the space narrows by focalDip at focalAt radians to one side of the
// axis, over a Gaussian of width focalWidth radians.
const (
	focalDip   = 0.6
	focalAt    = 0.55
	focalWidth = 0.2
)

// wristGapRange is the share of the normal gap left between wrist bones at each JSN grade;
// negative values overlap the bones (ankylosis).
var wristGapRange = [5][2]float64{
	{1, 1},
	{0.75, 0.85},
	{0.55, 0.75},
	{0.2, 0.45},
	{-0.8, -0.5},
}

// erosionRadiusShare is the radius of the ball of bone removed at each per-bone erosion grade,
// as a share of the bone's articular width: diameters of 16%, 26%, 38% and 52% of the surface
// for grades 1–4. Grade 5 (collapse) removes a ball of radius collapseShare of the width
// centred on the articular surface itself.
var erosionRadiusShare = [5]float64{0, 0.08, 0.13, 0.19, 0.26}

const collapseShare = 0.5

// grades holds one hand's drawn grades and the draws that shape the damage.
type grades struct {
	jsn     map[svdh.Joint]int
	erosion map[svdh.Joint]int
	shape   map[svdh.Joint]shapeDraw
}

// shapeDraw holds the uniform draws that turn a joint's grades into geometry: where within its
// grade's range the width falls, which side the focal narrowing and each defect sit on, and how
// the erosion grade is split between the joint's two bones.
type shapeDraw struct {
	width, focalSide, split float64
	side                    [2]float64
	along                   [2]float64
}

// drawGrades draws one hand's grades. It makes the same number of draws whatever the options,
// so forcing a grade changes nothing else.
func drawGrades(r *rand.Rand, d Damage, side svdh.Side) grades {
	g := grades{
		jsn:     map[svdh.Joint]int{},
		erosion: map[svdh.Joint]int{},
		shape:   map[svdh.Joint]shapeDraw{},
	}
	weights := d.Weights
	if weights == nil {
		weights = DefaultWeights()
	}
	columns := map[svdh.Joint]map[svdh.Kind]string{}
	for _, s := range svdh.Select(svdh.Hand, side) {
		if columns[s.Joint] == nil {
			columns[s.Joint] = map[svdh.Kind]string{}
		}
		columns[s.Joint][s.Kind] = s.Column
	}

	healthy := r.Float64() < d.HealthyShare
	severity := 0.4 + 1.2*r.Float64()
	for _, j := range svdh.HandJoints() {
		w, ok := weights[j]
		if !ok {
			w = 1
		}
		p := math.Min(0.95, d.SiteProb*w*severity)
		if healthy {
			p = 0
		}
		uj, ugj, ue, uge := r.Float64(), r.Float64(), r.Float64(), r.Float64()
		g.shape[j] = shapeDraw{
			width: r.Float64(), focalSide: r.Float64(), split: r.Float64(),
			side:  [2]float64{r.Float64(), r.Float64()},
			along: [2]float64{r.Float64(), r.Float64()},
		}
		if col, ok := columns[j][svdh.JSN]; ok {
			g.jsn[j] = pickGrade(uj < p, ugj, d.GradeDecay, svdh.MaxJSN, d.Grades, col)
		}
		if col, ok := columns[j][svdh.Erosion]; ok {
			g.erosion[j] = pickGrade(ue < p, uge, d.GradeDecay, svdh.MaxHandErosion, d.Grades, col)
		}
	}
	return g
}

// pickGrade turns draws into a grade from 1 to top with chances falling by decay per grade, or
// 0 when the site is not damaged; a forced grade wins.
func pickGrade(damaged bool, u, decay float64, top int, forced map[string]int, col string) int {
	if f, ok := forced[col]; ok {
		return f
	}
	if !damaged {
		return 0
	}
	total, w := 0.0, 1.0
	for range top {
		total += w
		w *= decay
	}
	u *= total
	w = 1
	for grade := 1; grade < top; grade++ {
		if u < w {
			return grade
		}
		u -= w
		w *= decay
	}
	return top
}

// splitErosion shares a joint's erosion grade between its proximal and distal bone so that
// min(5, proximal+distal) is the grade. u is a uniform draw.
func splitErosion(grade int, u float64) (prox, dist int) {
	switch {
	case grade <= 0:
		return 0, 0
	case grade == 5:
		pairs := [][2]int{{5, 0}, {0, 5}, {3, 2}, {2, 3}, {3, 3}, {4, 2}}
		p := pairs[min(len(pairs)-1, int(u*float64(len(pairs))))]
		return p[0], p[1]
	case u < 0.45 || grade == 1:
		if u < 0.3 || (grade == 1 && u < 0.6) {
			return grade, 0
		}
		return 0, grade
	case u < 0.6:
		return 0, grade
	}
	prox = 1 + int((u-0.6)/0.4*float64(grade-1))
	prox = min(prox, grade-1)
	return prox, grade - prox
}

// jsnShare returns the share of the normal width left for a JSN grade and a uniform draw.
func jsnShare(grade int, u float64, table *[5][2]float64) float64 {
	r := table[min(max(grade, 0), 4)]
	return r[0] + u*(r[1]-r[0])
}

// Package eval measures the pipeline against ground truth: the landmark atlas's test split
// (never trained on) and phantoms rendered from seeds training never used. Every number it
// gives names its data set and split. It takes a model; it trains nothing.
package eval

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"rascore/dataset"
	"rascore/locate"
	"rascore/phantom"
	"rascore/read"
	"rascore/svdh"
)

// Case is one film with its true hands.
type Case struct {
	Name  string
	Film  *read.Radiograph
	Hands []TrueHand
	// SpacingMM is the pixel size used to express errors in mm, and whether it is assumed.
	SpacingMM float64
	Assumed   bool
}

// TrueHand is one hand's truth: laterality and joint positions in film pixels.
type TrueHand struct {
	Laterality svdh.Side
	Joints     map[svdh.Joint][2]float64
}

func (h TrueHand) centre() [2]float64 {
	var c [2]float64
	for _, p := range h.Joints {
		c[0] += p[0] / float64(len(h.Joints))
		c[1] += p[1] / float64(len(h.Joints))
	}
	return c
}

// LocateStats are the figures for one set of films.
type LocateStats struct {
	Set          string  `json:"set"`
	Films        int     `json:"films"`
	Spacing      string  `json:"spacing"`
	Hands        int     `json:"hands"`
	MissedHands  int     `json:"missed_hands"`
	ExtraHands   int     `json:"extra_hands"`
	Sites        int     `json:"sites"`
	MissingSites int     `json:"missing_sites"`
	MedianPx     float64 `json:"median_px"`
	P95Px        float64 `json:"p95_px"`
	MedianMM     float64 `json:"median_mm"`
	P95MM        float64 `json:"p95_mm"`
	Within1_5MM  float64 `json:"within_1_5_mm"`
	Within2MM    float64 `json:"within_2_mm"`
	Within4MM    float64 `json:"within_4_mm"`
	Laterality   float64 `json:"laterality_accuracy"`
	// PerJointMedianMM is the median error of each joint.
	PerJointMedianMM map[svdh.Joint]float64 `json:"per_joint_median_mm"`
	// PerJointWithin1_5MM is each joint's share of sites placed within 1.5 mm (missing ones
	// count as misses).
	PerJointWithin1_5MM map[svdh.Joint]float64 `json:"per_joint_within_1_5_mm"`
	// Errors lists the films that failed outright.
	Errors []string `json:"errors,omitempty"`
}

// EvaluateLocate runs the locator over cases and summarises. Missing joints and missed hands
// count against the within-distance shares.
func EvaluateLocate(set string, loc *locate.Locator, cases []Case) LocateStats {
	st := LocateStats{Set: set, Films: len(cases), PerJointMedianMM: map[svdh.Joint]float64{},
		PerJointWithin1_5MM: map[svdh.Joint]float64{}}
	var px, mm []float64
	perJoint := map[svdh.Joint][]float64{}
	perJointSites := map[svdh.Joint]int{}
	lateralOK, lateralN := 0, 0
	for _, c := range cases {
		if c.Assumed {
			st.Spacing = fmt.Sprintf("assumed %.3g mm/px", c.SpacingMM)
		} else if st.Spacing == "" {
			st.Spacing = fmt.Sprintf("%.3g mm/px from the film", c.SpacingMM)
		}
		res, err := loc.Locate(c.Film)
		if err != nil && !errors.Is(err, locate.ErrNoHand) {
			st.Errors = append(st.Errors, fmt.Sprintf("%s: %v", c.Name, err))
		}
		var found []locate.Hand
		if res != nil {
			found = res.Hands
		}
		matched := matchHands(c.Hands, found)
		st.Hands += len(c.Hands)
		used := 0
		for i, th := range c.Hands {
			st.Sites += len(th.Joints)
			for j := range th.Joints {
				perJointSites[j]++
			}
			m := matched[i]
			if m < 0 {
				st.MissedHands++
				st.MissingSites += len(th.Joints)
				continue
			}
			used++
			h := found[m]
			lateralN++
			if h.Laterality == th.Laterality {
				lateralOK++
			}
			for j, p := range th.Joints {
				got, ok := h.JointAt(j)
				if !ok || got.Missing {
					st.MissingSites++
					continue
				}
				d := math.Hypot(got.XPx-p[0], got.YPx-p[1])
				px = append(px, d)
				mm = append(mm, d*c.SpacingMM)
				perJoint[j] = append(perJoint[j], d*c.SpacingMM)
			}
		}
		st.ExtraHands += len(found) - used
	}
	st.MedianPx, st.P95Px = quantile(px, 0.5), quantile(px, 0.95)
	st.MedianMM, st.P95MM = quantile(mm, 0.5), quantile(mm, 0.95)
	st.Within1_5MM = share(mm, 1.5, st.Sites)
	st.Within2MM = share(mm, 2, st.Sites)
	st.Within4MM = share(mm, 4, st.Sites)
	if lateralN > 0 {
		st.Laterality = float64(lateralOK) / float64(lateralN)
	}
	for j, v := range perJoint {
		st.PerJointMedianMM[j] = quantile(v, 0.5)
		st.PerJointWithin1_5MM[j] = share(v, 1.5, perJointSites[j])
	}
	return st
}

// matchHands pairs each true hand with the found hand whose centre is nearest, each found
// hand used once; -1 where none is within half the true hand's size.
func matchHands(truth []TrueHand, found []locate.Hand) []int {
	out := make([]int, len(truth))
	used := map[int]bool{}
	for i, th := range truth {
		out[i] = -1
		c := th.centre()
		var radius float64
		for _, p := range th.Joints {
			radius = math.Max(radius, math.Hypot(p[0]-c[0], p[1]-c[1]))
		}
		best := math.Inf(1)
		for k, h := range found {
			d := math.Hypot(h.CentreX-c[0], h.CentreY-c[1])
			if !used[k] && d < best && d < 0.5*radius {
				best, out[i] = d, k
			}
		}
		if out[i] >= 0 {
			used[out[i]] = true
		}
	}
	return out
}

func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func share(v []float64, limit float64, total int) float64 {
	if total == 0 {
		return math.NaN()
	}
	n := 0
	for _, x := range v {
		if x <= limit {
			n++
		}
	}
	return float64(n) / float64(total)
}

// AtlasSpacingMM is the pixel size assumed for the scaled atlas films, which state none: the
// middle of the 0.14–0.2 mm the data's README estimates.
const AtlasSpacingMM = 0.17

// AtlasTestCases reads the atlas's test split.
func AtlasTestCases(dir string) ([]Case, error) {
	films, err := dataset.LoadLandmarks(dir)
	if err != nil {
		return nil, err
	}
	var out []Case
	for _, f := range films {
		if f.Split != dataset.Test {
			continue
		}
		rg, err := read.Read(f.Path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Image, err)
		}
		joints := map[svdh.Joint][2]float64{}
		for j, p := range dataset.JointsFromLandmarks(&f.Landmarks) {
			joints[j] = [2]float64{p.Centre.X, p.Centre.Y}
		}
		out = append(out, Case{Name: f.Image, Film: rg, SpacingMM: AtlasSpacingMM,
			Assumed: true, Hands: []TrueHand{{Laterality: svdh.Left, Joints: joints}}})
	}
	return out, nil
}

// PhantomCases renders n held-out phantoms (seed dataset.PhantomEvalSeed) with the options
// the locator is trained on.
func PhantomCases(n int) ([]Case, error) {
	var out []Case
	for i := range n {
		rg, truth, err := phantom.Render(dataset.LocatePhantomOptions(i),
			dataset.PhantomEvalSeed, i)
		if err != nil {
			return nil, err
		}
		c := Case{Name: fmt.Sprintf("phantom %d/%d", dataset.PhantomEvalSeed, i), Film: rg,
			SpacingMM: truth.SpacingMM[0]}
		for _, h := range truth.Hands {
			th := TrueHand{Laterality: h.Laterality, Joints: map[svdh.Joint][2]float64{}}
			for j, jt := range h.Joints {
				th.Joints[j] = jt.CenterPx
			}
			c.Hands = append(c.Hands, th)
		}
		out = append(out, c)
	}
	return out, nil
}

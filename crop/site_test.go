package crop_test

import (
	"math"
	"testing"

	"rascore/crop"
	"rascore/phantom"
	"rascore/svdh"
)

func angleDiff(a, b float64) float64 {
	d := math.Mod(a-b+540, 360) - 180
	return math.Abs(d)
}

// The axes derived from the joint positions agree with the phantom's own joint axes.
func TestJointAxesMatchPhantomTruth(t *testing.T) {
	opts := phantom.DefaultOptions()
	opts.RotateDeg = 180
	worst := map[svdh.Joint]float64{}
	for i := range 6 {
		_, truth, err := phantom.Render(opts, 77, i)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range truth.Hands {
			pts := map[svdh.Joint]crop.Point{}
			for j, jt := range h.Joints {
				pts[j] = crop.Point{X: jt.CenterPx[0], Y: jt.CenterPx[1]}
			}
			axes := crop.JointAxes(pts)
			for j, jt := range h.Joints {
				a, ok := axes[j]
				if !ok {
					t.Fatalf("film %d: no axis for %s", i, j)
				}
				worst[j] = math.Max(worst[j], angleDiff(a, jt.AxisDeg))
			}
		}
	}
	for j, w := range worst {
		limit := 8.0
		if j == svdh.MNA {
			limit = 50 // between the bone centres; the phantom uses the scaphoid pole
		}
		t.Logf("%-8s worst %.1f°", j, w)
		if w > limit {
			t.Errorf("%s: axis off by %.1f° from the phantom's, want ≤ %.0f°", j, w, limit)
		}
	}
}

// A joint patch puts the joint in the middle with its axis pointing up, at the asked scale,
// and mirrors right hands.
func TestSiteTransform(t *testing.T) {
	spec := crop.SiteSpec{Size: 96, MMPerPx: 0.15, WristMMPerPx: 0.3}
	for _, axis := range []float64{-90, -30, 0, 45, 170} {
		for _, right := range []bool{false, true} {
			tr := crop.SiteTransform(svdh.MCP2, 500, 700, axis, right, 0.1, spec)
			u, v := tr.Forward(500, 700)
			if math.Abs(u-47.5) > 1e-9 || math.Abs(v-47.5) > 1e-9 {
				t.Fatalf("centre at (%g, %g), want the middle", u, v)
			}
			s, c := math.Sincos(axis * math.Pi / 180)
			// 3 mm along the axis is 30 film pixels and 20 patch pixels, straight up
			u, v = tr.Forward(500+30*c, 700+30*s)
			if math.Abs(u-47.5) > 1e-6 || math.Abs(v-27.5) > 1e-6 {
				t.Errorf("axis %g right %v: 3 mm distal lands at (%.3f, %.3f), want (47.5, 27.5)",
					axis, right, u, v)
			}
			// a point to the axis's left on the film (counter-clockwise of it on screen)
			u, _ = tr.Forward(500+30*s, 700-30*c)
			if wantLeft := !right; (u < 47.5) != wantLeft {
				t.Errorf("axis %g right %v: side point at u = %.1f", axis, right, u)
			}
		}
	}
}

// Wrist patches are cut at the coarser scale.
func TestSiteSpecScales(t *testing.T) {
	spec := crop.DefaultSiteSpec()
	if spec.PixelMM(svdh.PIP3) != 0.15 || spec.PixelMM(svdh.CMC1) != 0.15 ||
		spec.PixelMM(svdh.Radius) != 0.3 || spec.PixelMM(svdh.CMC4) != 0.3 {
		t.Fatalf("scales: %+v", spec)
	}
	tr := crop.SiteTransform(svdh.Radius, 0, 0, -90, false, 0.15, spec)
	if tr.Scale != 0.5 {
		t.Errorf("radius on a 0.15 mm film: scale %g, want 0.5", tr.Scale)
	}
}

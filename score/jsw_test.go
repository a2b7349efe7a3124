package score

import (
	"math"
	"testing"

	"rascore/phantom"
	"rascore/svdh"
)

var fingerJoints = []svdh.Joint{svdh.MCP1, svdh.MCP2, svdh.MCP3, svdh.MCP4, svdh.MCP5,
	svdh.PIP2, svdh.PIP3, svdh.PIP4, svdh.PIP5, svdh.ThumbIP}

// TestJSWAgainstPhantomTruth measures every finger joint of noisy phantoms (default detector
// noise, blur and scatter; 0.1, 0.15 and 0.2 mm pixels) at the true centre and axis, and compares the central width with
// the truth's width on the axis.
func TestJSWAgainstPhantomTruth(t *testing.T) {
	opts := phantom.DefaultOptions()
	var errs []float64
	unavailable := 0
	for seed := uint64(1); seed <= 6; seed++ {
		opts.SpacingMM = []float64{0.1, 0.15, 0.2}[seed%3]
		rg, truth, err := phantom.Render(opts, 500+seed, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range truth.Hands {
			for _, j := range fingerJoints {
				jt := h.Joints[j]
				if jt.JSWMM == nil || jt.JSN == 1 || jt.JSN == 4 {
					continue // focal narrowing is off the axis; ankylosis has no space
				}
				m := MeasureJSW(rg, jt.CenterPx[0], jt.CenterPx[1], jt.AxisDeg,
					DefaultJSWSettings())
				if !m.Available {
					unavailable++
					continue
				}
				errs = append(errs, math.Abs(m.CentralMM-*jt.JSWMM))
			}
		}
	}
	var sum float64
	for _, e := range errs {
		sum += e
	}
	mae := sum / float64(len(errs))
	t.Logf("%d joints measured, %d unavailable, MAE %.3f mm", len(errs), unavailable, mae)
	if mae > 0.1 || unavailable > len(errs)/10 {
		t.Errorf("MAE %.3f mm over %d joints (want ≤ 0.1), %d unavailable", mae, len(errs),
			unavailable)
	}
}

func TestJSWUnavailableWhereBonesFuse(t *testing.T) {
	opts := phantom.DefaultOptions()
	opts.NoiseFree, opts.SpacingMM = true, 0.1
	opts.Damage.Grades = map[string]int{"RH_mcp_J__3": 4, "LH_mcp_J__3": 4}
	rg, truth, err := phantom.Render(opts, 7, 0)
	if err != nil {
		t.Fatal(err)
	}
	jt := truth.Hands[0].Joints[svdh.MCP3]
	m := MeasureJSW(rg, jt.CenterPx[0], jt.CenterPx[1], jt.AxisDeg, DefaultJSWSettings())
	if m.Available && m.CentralMM > 0.2 {
		t.Errorf("ankylosed MCP 3 measured %.2f mm wide", m.CentralMM)
	}
}

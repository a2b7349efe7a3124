package eval

import (
	"math"
	"testing"

	"rascore/read"
	"rascore/svdh"
)

func testCase() Case {
	rg := read.New(5, 3)
	for i := range rg.Pix {
		rg.Pix[i] = float32(i) / 15
	}
	return Case{Name: "t", Film: rg, SpacingMM: 0.2, Hands: []TrueHand{{Laterality: svdh.Left,
		Joints: map[svdh.Joint][2]float64{svdh.MCP2: {1, 2}, svdh.MCP5: {4, 0}}}}}
}

// TestTransformsMoveTruthWithPixels checks that each transform carries a joint's truth to
// where its pixel went.
func TestTransformsMoveTruthWithPixels(t *testing.T) {
	c := testCase()
	for name, tc := range map[string]Case{"rot90": Rotate90(c), "rot180": Rotate180(c),
		"mirror": Mirror(c), "pair": SideBySide(c, c)} {
		for h, hand := range tc.Hands {
			for j, p := range hand.Joints {
				orig := c.Hands[0].Joints[j]
				want := c.Film.At(int(orig[0]), int(orig[1]))
				if got := tc.Film.At(int(math.Round(p[0])), int(math.Round(p[1]))); got != want {
					t.Errorf("%s hand %d %s: pixel %v at the moved joint, want %v", name, h, j,
						got, want)
				}
			}
		}
	}
	if Mirror(c).Hands[0].Laterality != svdh.Right || Rotate90(c).Hands[0].Laterality !=
		svdh.Left {
		t.Error("mirroring must turn a left hand into a right one, rotation must not")
	}
	if r := Rotate90(Rotate90(Rotate90(Rotate90(c)))); r.Film.Width != 5 ||
		r.Hands[0].Joints[svdh.MCP2] != c.Hands[0].Joints[svdh.MCP2] {
		t.Error("four quarter turns are not the identity")
	}
}

package eval

import (
	"math"
	"testing"

	"rascore/svdh"
)

func TestQuadraticKappa(t *testing.T) {
	// values from an independent numpy implementation of the textbook formula
	for _, c := range []struct {
		a, b []int
		k    int
		want float64
	}{
		{[]int{0, 1, 2, 2, 0, 0}, []int{0, 2, 2, 1, 0, 1}, 2, 2.0 / 3},
		{[]int{0, 0, 1, 1, 2, 3, 4}, []int{0, 1, 1, 1, 2, 4, 4}, 4, 0.9313725490196079},
		{[]int{1, 2, 3}, []int{1, 2, 3}, 5, 1},
	} {
		if got := QuadraticKappa(c.a, c.b, c.k); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("κ(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// Agreement, RMSE, weighted RMSE and calibration on a set small enough to work out by hand.
func TestKindStats(t *testing.T) {
	p := func(grade int, conf float64) []float64 {
		v := make([]float64, 5)
		for i := range v {
			v[i] = (1 - conf) / 4
		}
		v[grade] = conf
		return v
	}
	rs := []siteRead{
		{svdh.JSN, 0, 0, p(0, 0.95)},
		{svdh.JSN, 0, 0, p(0, 0.95)},
		{svdh.JSN, 0, 1, p(1, 0.55)},
		{svdh.JSN, 2, 2, p(2, 0.55)},
		{svdh.Erosion, 3, 0, []float64{1, 0, 0, 0, 0, 0}}, // another kind: ignored
	}
	ks := kindStats(svdh.JSN, rs, svdh.MaxJSN, 7)
	if ks.Sites != 4 || ks.Missing != 7 || ks.Exact != 0.75 || ks.WithinOne != 1 {
		t.Fatalf("counts: %+v", ks)
	}
	if math.Abs(ks.RMSE-0.5) > 1e-12 {
		t.Errorf("RMSE %v, want sqrt(1/4) = 0.5", ks.RMSE)
	}
	// true grade 0 has 3 sites (weight 1/3 each, one error of 1), grade 2 one site (weight 1)
	if want := math.Sqrt((1.0 / 3) / (3*(1.0/3) + 1)); math.Abs(ks.WeightedRMSE-want) > 1e-12 {
		t.Errorf("weighted RMSE %v, want %v", ks.WeightedRMSE, want)
	}
	// bins: 0.9–1.0 holds two right at 0.95; 0.5–0.6 one right and one wrong at 0.55
	if want := 0.5*0.05 + 0.5*0.05; math.Abs(ks.ECE-want) > 1e-12 {
		t.Errorf("ECE %v, want %v", ks.ECE, want)
	}
	if ks.Confusion[0][1] != 1 || ks.Confusion[2][2] != 1 || ks.Confusion[0][0] != 2 {
		t.Errorf("confusion %v", ks.Confusion)
	}
}

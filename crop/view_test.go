package crop

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"rascore/read"
)

func TestTransformRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		tr := Transform{CentreX: r.Float64() * 1000, CentreY: r.Float64() * 1000,
			Scale: 0.1 + r.Float64()*3, AngleDeg: r.Float64()*720 - 360, Mirror: r.IntN(2) == 0,
			Size: 64 + r.IntN(300)}
		x, y := r.Float64()*1000, r.Float64()*1000
		u, v := tr.Forward(x, y)
		x2, y2 := tr.Inverse(u, v)
		if math.Hypot(x-x2, y-y2) > 1e-9 {
			t.Fatalf("%+v: (%g,%g) → (%g,%g) → (%g,%g)", tr, x, y, u, v, x2, y2)
		}
		// A direction maps like the points it joins.
		deg := r.Float64()*360 - 180
		s, c := math.Sincos(deg * math.Pi / 180)
		u2, v2 := tr.Forward(x+c, y+s)
		got := math.Atan2(v2-v, u2-u) * 180 / math.Pi
		if d := math.Abs(math.Mod(got-tr.ForwardAngle(deg)+540, 360) - 180); d > 1e-6 {
			t.Fatalf("angle %g → %g, ForwardAngle says %g", deg, got, tr.ForwardAngle(deg))
		}
	}
}

// TestSampleFindsABrightSpot puts one bright pixel on a film and checks that every view shows
// it where Forward says, whatever the rotation, mirroring and scale.
func TestSampleFindsABrightSpot(t *testing.T) {
	rg := read.New(400, 300)
	const sx, sy = 250, 120
	for y := sy - 3; y <= sy+3; y++ {
		for x := sx - 3; x <= sx+3; x++ {
			rg.Set(x, y, 1)
		}
	}
	for _, tr := range []Transform{
		Fit(400, 300, 128),
		{CentreX: 200, CentreY: 150, Scale: 0.5, AngleDeg: 90, Size: 200},
		{CentreX: 240, CentreY: 130, Scale: 2, AngleDeg: -33, Mirror: true, Size: 96},
	} {
		view := Sample(rg, tr)
		var su, sv, n float64
		for i, p := range view {
			if p > 0.3 {
				su, sv, n = su+float64(i%tr.Size), sv+float64(i/tr.Size), n+1
			}
		}
		u, v := tr.Forward(sx, sy)
		if n == 0 || math.Hypot(su/n-u, sv/n-v) > 1 {
			t.Errorf("%+v: spot centroid (%.1f,%.1f) of %g px, Forward says (%.1f,%.1f)", tr,
				su/n, sv/n, n, u, v)
		}
	}
}

func TestNormalise(t *testing.T) {
	view := []float32{float32(math.NaN()), 0.2, 0.4, 0.6}
	for range 200 {
		view = append(view, 0.2, 0.6)
	}
	Normalise(view)
	if view[0] != 0 || view[1] != 0 || view[3] != 1 || math.Abs(float64(view[2])-0.5) > 1.0/255 {
		t.Errorf("normalised %v", view[:4])
	}
	b := Bytes(view[:4])
	if b[0] != 0 || b[3] != 255 || b[2] < 127 || b[2] > 128 {
		t.Errorf("bytes %v", b)
	}
}

// nth gives what sorting would put at each index, duplicates and all.
func TestNthMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 3, 10, 101, 9216} {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.IntN(50)) / 7 // many repeats
		}
		sorted := slices.Clone(v)
		slices.Sort(sorted)
		for _, k := range []int{0, n / 100, n / 2, (n * 99) / 100, n - 1} {
			w := slices.Clone(v)
			if got := nth(w, k); got != sorted[k] {
				t.Fatalf("n %d k %d: %v, want %v", n, k, got, sorted[k])
			}
		}
	}
}

// A flat view (all one value) is selected in linear time and gives that value.
func TestNthFlat(t *testing.T) {
	v := make([]float32, 1<<18)
	for i := range v {
		v[i] = 0.5
	}
	if got := nth(v, len(v)*99/100); got != 0.5 {
		t.Fatalf("got %v", got)
	}
}

// An unrotated view mirrored about its centre is the unmirrored view flipped left to right,
// so a caller that needs both cuts once (FlipX).
func TestMirroredViewIsFlipped(t *testing.T) {
	rg := read.New(300, 200)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range rg.Pix {
		rg.Pix[i] = rng.Float32()
	}
	tr := Transform{CentreX: 140.3, CentreY: 95.7, Scale: 0.37, Size: 64}
	plain := Sample(rg, tr)
	tr.Mirror = true
	mirrored := Sample(rg, tr)
	flipped := FlipX(plain, 64)
	for i := range mirrored {
		a, b := mirrored[i], flipped[i]
		if (a != a) != (b != b) || (a == a && math.Abs(float64(a-b)) > 1e-5) {
			t.Fatalf("pixel %d: mirrored %v, flipped %v", i, a, b)
		}
	}
}

// Shrinking only the blocks under a view gives exactly what shrinking the whole film gives:
// views of every shrink factor, rotated, mirrored, inside, across and outside the film's edge.
func TestSampleShrinksOnlyTheRegionItNeeds(t *testing.T) {
	rg := read.New(331, 257)
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range rg.Pix {
		rg.Pix[i] = rng.Float32()
	}
	for k := range 300 {
		tr := Transform{CentreX: rng.Float64()*500 - 80, CentreY: rng.Float64()*400 - 70,
			Scale: 0.08 + rng.Float64()*0.45, AngleDeg: rng.Float64() * 360,
			Mirror: rng.IntN(2) == 0, Size: 8 + rng.IntN(60)}
		got := Sample(rg, tr)
		f := int(math.Floor(1 / tr.Scale))
		sw, sh := (rg.Width+f-1)/f, (rg.Height+f-1)/f
		whole := boxShrink(rg.Pix, rg.Width, rg.Height, f, 0, 0, sw-1, sh-1)
		for v := range tr.Size {
			for u := range tr.Size {
				x, y := tr.Inverse(float64(u), float64(v))
				x, y = (x+0.5)/float64(f)-0.5, (y+0.5)/float64(f)-0.5
				want := bilinear(whole, sw, sh, x, y)
				g := got[v*tr.Size+u]
				if (g != g) != (want != want) || (g == g && g != want) {
					t.Fatalf("view %d %+v, pixel (%d,%d): %v, whole-film shrink gives %v",
						k, tr, u, v, g, want)
				}
			}
		}
	}
}

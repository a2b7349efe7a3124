// Package crop cuts square views out of a radiograph: a whole film fitted into the locator's
// input, a hand, or one joint site, at a chosen scale, rotation and mirroring. The same
// functions cut training material (package dataset) and inference inputs (package locate, and
// later score), so both see identical pixels.
//
// Coordinates are pixel centres: pixel (i, j) of an image sits at x = i, y = j, and the image
// covers [-0.5, W-0.5] × [-0.5, H-0.5]. It does not find anything; callers say where to cut.
package crop

import (
	"math"

	"rascore/read"
)

// Transform maps film pixels to view pixels: mirror about the centre's vertical (if Mirror),
// rotate by AngleDeg (counter-clockwise on screen, i.e. from +x towards −y), scale by Scale
// view pixels per film pixel, and put the film point (CentreX, CentreY) at the view centre.
type Transform struct {
	CentreX, CentreY float64
	Scale            float64
	AngleDeg         float64
	Mirror           bool
	Size             int // the view is Size × Size pixels
}

// Forward maps a film point to the view.
func (t Transform) Forward(x, y float64) (float64, float64) {
	dx, dy := x-t.CentreX, y-t.CentreY
	if t.Mirror {
		dx = -dx
	}
	s, c := math.Sincos(t.AngleDeg * math.Pi / 180)
	half := float64(t.Size-1) / 2
	return t.Scale*(c*dx+s*dy) + half, t.Scale*(-s*dx+c*dy) + half
}

// Inverse maps a view point back to the film.
func (t Transform) Inverse(u, v float64) (float64, float64) {
	half := float64(t.Size-1) / 2
	du, dv := (u-half)/t.Scale, (v-half)/t.Scale
	s, c := math.Sincos(t.AngleDeg * math.Pi / 180)
	dx, dy := c*du-s*dv, s*du+c*dv
	if t.Mirror {
		dx = -dx
	}
	return dx + t.CentreX, dy + t.CentreY
}

// ForwardAngle maps a direction (degrees, image coordinates: atan2(dy, dx)) to the view.
func (t Transform) ForwardAngle(deg float64) float64 {
	if t.Mirror {
		deg = 180 - deg
	}
	return math.Mod(deg-t.AngleDeg+540, 360) - 180
}

// Fit returns the transform that shows the whole film, unrotated, centred in a size × size
// view (letterboxed).
func Fit(width, height, size int) Transform {
	scale := float64(size) / float64(max(width, height))
	return Transform{CentreX: float64(width-1) / 2, CentreY: float64(height-1) / 2,
		Scale: scale, Size: size}
}

// Sample cuts the view. Pixels outside the film are NaN, so Normalise can tell padding from
// black film. When the view shrinks the film, the film is first box-averaged by the whole
// factor so that the bilinear sampling does not alias.
func Sample(rg *read.Radiograph, t Transform) []float32 {
	src, w, h, f := rg.Pix, rg.Width, rg.Height, 1
	if t.Scale < 0.5 {
		f = int(math.Floor(1 / t.Scale))
		src, w, h = boxShrink(rg.Pix, rg.Width, rg.Height, f)
	}
	out := make([]float32, t.Size*t.Size)
	for v := 0; v < t.Size; v++ {
		for u := 0; u < t.Size; u++ {
			x, y := t.Inverse(float64(u), float64(v))
			// film pixel coordinates to shrunk-image coordinates
			x, y = (x+0.5)/float64(f)-0.5, (y+0.5)/float64(f)-0.5
			out[v*t.Size+u] = bilinear(src, w, h, x, y)
		}
	}
	return out
}

// At samples the film at a point between pixel centres by bilinear interpolation; ok is false
// outside the film.
func At(rg *read.Radiograph, x, y float64) (v float64, ok bool) {
	p := bilinear(rg.Pix, rg.Width, rg.Height, x, y)
	return float64(p), !math.IsNaN(float64(p))
}

func bilinear(pix []float32, w, h int, x, y float64) float32 {
	if x < -0.5 || y < -0.5 || x > float64(w)-0.5 || y > float64(h)-0.5 {
		return float32(math.NaN())
	}
	x = math.Max(0, math.Min(float64(w-1), x))
	y = math.Max(0, math.Min(float64(h-1), y))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, w-1), min(y0+1, h-1)
	fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
	a := pix[y0*w+x0]*(1-fx) + pix[y0*w+x1]*fx
	b := pix[y1*w+x0]*(1-fx) + pix[y1*w+x1]*fx
	return a*(1-fy) + b*fy
}

// boxShrink averages f × f blocks (partial blocks at the edges average what they hold).
func boxShrink(pix []float32, w, h, f int) ([]float32, int, int) {
	sw, sh := (w+f-1)/f, (h+f-1)/f
	sum := make([]float32, sw*sh)
	count := make([]float32, sw*sh)
	for y := 0; y < h; y++ {
		row := (y / f) * sw
		for x := 0; x < w; x++ {
			sum[row+x/f] += pix[y*w+x]
			count[row+x/f]++
		}
	}
	for i := range sum {
		sum[i] /= count[i]
	}
	return sum, sw, sh
}

// Normalise stretches a view in place so that its 1st and 99th percentiles of film pixels
// become 0 and 1, clamps, and rounds to steps of 1/255 (the shards store bytes, and inference
// rounds the same way). Padding (NaN) becomes 0. This undoes differences in exposure and
// window between films, which the networks should not have to learn.
func Normalise(view []float32) {
	vals := make([]float32, 0, len(view))
	for _, v := range view {
		if !math.IsNaN(float64(v)) {
			vals = append(vals, v)
		}
	}
	lo, hi := float32(0), float32(1)
	if len(vals) > 0 {
		k1, k2 := len(vals)/100, (len(vals)*99)/100
		hi = nth(vals, k2)
		lo = nth(vals[:k2+1], k1) // after the first pass these hold the k2+1 smallest
	}
	span := hi - lo
	for i, v := range view {
		switch {
		case math.IsNaN(float64(v)) || span <= 0:
			view[i] = 0
		default:
			x := math.Max(0, math.Min(1, float64((v-lo)/span)))
			view[i] = float32(math.Round(x*255) / 255)
		}
	}
}

// nth returns the k-th smallest of v (0-based), the value sorting would put at index k, and
// leaves v partitioned around it: v[:k] ≤ v[k] ≤ v[k+1:]. Quickselect with a three-way
// partition, so runs of equal values (flat film) stay linear.
func nth(v []float32, k int) float32 {
	lo, hi := 0, len(v)-1
	for lo < hi {
		a, b, c := v[lo], v[lo+(hi-lo)/2], v[hi]
		pivot := max(min(a, b), min(max(a, b), c)) // median of three
		// v[lo:lt] < pivot, v[lt:i] == pivot, v[gt+1:hi+1] > pivot
		lt, i, gt := lo, lo, hi
		for i <= gt {
			switch {
			case v[i] < pivot:
				v[lt], v[i] = v[i], v[lt]
				lt++
				i++
			case v[i] > pivot:
				v[i], v[gt] = v[gt], v[i]
				gt--
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt - 1
		case k > gt:
			lo = gt + 1
		default:
			return pivot
		}
	}
	return v[k]
}

// Bytes quantises a normalised view to bytes for a shard.
func Bytes(view []float32) []byte {
	out := make([]byte, len(view))
	for i, v := range view {
		out[i] = uint8(math.Round(float64(v) * 255))
	}
	return out
}

// Point is a position in pixels.
type Point struct{ X, Y float64 }

// FlipX returns a size × size view flipped left to right. For a transform with no rotation,
// Sample with Mirror set gives the same view, without cutting the film again.
func FlipX(view []float32, size int) []float32 {
	out := make([]float32, len(view))
	for v := range size {
		for u := range size {
			out[v*size+u] = view[v*size+size-1-u]
		}
	}
	return out
}

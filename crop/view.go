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
// factor so that the bilinear sampling does not alias; only the blocks under the view are
// averaged (on the film's own block grid, so the result does not depend on the view's extent).
func Sample(rg *read.Radiograph, t Transform) []float32 {
	out := make([]float32, t.Size*t.Size)
	f := 1
	if t.Scale < 0.5 {
		f = int(math.Floor(1 / t.Scale))
	}
	g := shrunkRegion(rg, t, f)
	for v := 0; v < t.Size; v++ {
		for u := 0; u < t.Size; u++ {
			x, y := t.Inverse(float64(u), float64(v))
			// film pixel coordinates to shrunk-image coordinates
			x, y = (x+0.5)/float64(f)-0.5, (y+0.5)/float64(f)-0.5
			out[v*t.Size+u] = g.bilinear(x, y)
		}
	}
	return out
}

// grid is a window of an image that is w × h pixels in all: the pixels of columns x0… and
// rows y0… of it, rw wide. Sampling outside the window but inside the image is the caller's
// mistake; Sample makes the window cover the view with a pixel to spare.
type grid struct {
	pix        []float32
	w, h       int
	x0, y0, rw int
}

// shrunkRegion returns the film box-averaged by f (f = 1: the film itself), over the blocks
// that the view t covers.
func shrunkRegion(rg *read.Radiograph, t Transform, f int) grid {
	if f == 1 {
		return grid{pix: rg.Pix, w: rg.Width, h: rg.Height, rw: rg.Width}
	}
	sw, sh := (rg.Width+f-1)/f, (rg.Height+f-1)/f
	lo, hi := [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
	edge := float64(t.Size) - 0.5
	for _, c := range [4][2]float64{{-0.5, -0.5}, {edge, -0.5}, {-0.5, edge}, {edge, edge}} {
		x, y := t.Inverse(c[0], c[1])
		x, y = (x+0.5)/float64(f)-0.5, (y+0.5)/float64(f)-0.5
		lo = [2]float64{math.Min(lo[0], x), math.Min(lo[1], y)}
		hi = [2]float64{math.Max(hi[0], x), math.Max(hi[1], y)}
	}
	bx0, by0 := clampInt(int(math.Floor(lo[0]))-1, 0, sw-1), clampInt(int(math.Floor(lo[1]))-1, 0, sh-1)
	bx1, by1 := clampInt(int(math.Ceil(hi[0]))+1, 0, sw-1), clampInt(int(math.Ceil(hi[1]))+1, 0, sh-1)
	return grid{pix: boxShrink(rg.Pix, rg.Width, rg.Height, f, bx0, by0, bx1, by1),
		w: sw, h: sh, x0: bx0, y0: by0, rw: bx1 - bx0 + 1}
}

func clampInt(v, lo, hi int) int { return max(lo, min(hi, v)) }

// At samples the film at a point between pixel centres by bilinear interpolation; ok is false
// outside the film.
func At(rg *read.Radiograph, x, y float64) (v float64, ok bool) {
	p := bilinear(rg.Pix, rg.Width, rg.Height, x, y)
	return float64(p), !math.IsNaN(float64(p))
}

func bilinear(pix []float32, w, h int, x, y float64) float32 {
	return grid{pix: pix, w: w, h: h, rw: w}.bilinear(x, y)
}

// bilinear samples the image at (x, y) in whole-image coordinates; NaN outside the image.
func (g grid) bilinear(x, y float64) float32 {
	if x < -0.5 || y < -0.5 || x > float64(g.w)-0.5 || y > float64(g.h)-0.5 {
		return float32(math.NaN())
	}
	x = math.Max(0, math.Min(float64(g.w-1), x))
	y = math.Max(0, math.Min(float64(g.h-1), y))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, g.w-1), min(y0+1, g.h-1)
	fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
	r0, r1 := (y0-g.y0)*g.rw-g.x0, (y1-g.y0)*g.rw-g.x0
	a := g.pix[r0+x0]*(1-fx) + g.pix[r0+x1]*fx
	b := g.pix[r1+x0]*(1-fx) + g.pix[r1+x1]*fx
	return a*(1-fy) + b*fy
}

// boxShrink averages the f × f blocks of a w × h image in block columns bx0…bx1 and rows
// by0…by1 (partial blocks at the image's edges average what they hold).
func boxShrink(pix []float32, w, h, f, bx0, by0, bx1, by1 int) []float32 {
	rw := bx1 - bx0 + 1
	sum := make([]float32, rw*(by1-by0+1))
	count := make([]float32, len(sum))
	for y := by0 * f; y < min(h, (by1+1)*f); y++ {
		row := (y/f - by0) * rw
		for x := bx0 * f; x < min(w, (bx1+1)*f); x++ {
			sum[row+x/f-bx0] += pix[y*w+x]
			count[row+x/f-bx0]++
		}
	}
	for i := range sum {
		sum[i] /= count[i]
	}
	return sum
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

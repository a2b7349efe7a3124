package phantom

import (
	"math"
	"math/rand/v2"
)

// expose turns the attenuation buffers into the film: the primary beam through the hand and
// the collimator, then (unless noise-free) blur, scatter, the heel effect and quantum noise.
// The result is 1 minus the detected signal, so bone is bright.
func expose(bf *buffers, o Options, fd filmDraws, r *rand.Rand) []float32 {
	w, h := bf.w, bf.h
	prim := make([]float32, w*h)
	var source []float32 // what scatters: the share of the beam the tissue stopped
	if !o.NoiseFree && o.ScatterFraction > 0 {
		source = make([]float32, w*h)
	}
	cx0, cy0 := fd.inset[0]*float64(w), fd.inset[1]*float64(h)
	cx1, cy1 := float64(w)*(1-fd.inset[2]), float64(h)*(1-fd.inset[3])
	for y := range h {
		inY := !fd.collimate || (float64(y) >= cy0 && float64(y) < cy1)
		for x := range w {
			i := y*w + x
			p := math.Exp(-float64(bf.att[i] + muSoft*bf.soft[i]))
			open := inY && (!fd.collimate || (float64(x) >= cx0 && float64(x) < cx1))
			if source != nil && open {
				source[i] = float32(1 - p)
			}
			if !open {
				p *= 0.04
			}
			prim[i] = float32(p)
		}
	}
	if o.NoiseFree {
		for i, p := range prim {
			prim[i] = 1 - p
		}
		return prim
	}

	if s := o.BlurMM / bf.mm; s > 0.05 {
		gaussBlur(prim, w, h, s)
	}
	if source != nil {
		low := lowPass(source, w, h, 8, 12/bf.mm)
		for i := range prim {
			prim[i] += float32(o.ScatterFraction) * low[i]
		}
	}
	for y := range h {
		for x := range w {
			t := float64(x) / float64(w)
			if fd.heelAlongY {
				t = float64(y) / float64(h)
			}
			d := float64(prim[y*w+x]) * (1 + fd.heel*(t-0.5))
			if o.Photons > 0 {
				d += math.Sqrt(math.Max(d, 1e-4)/o.Photons) * r.NormFloat64()
			}
			prim[y*w+x] = float32(min(1, max(0, 1-d)))
		}
	}
	return prim
}

// gaussBlur blurs a w×h image in place with a Gaussian of standard deviation sigma pixels,
// clamping at the edges.
func gaussBlur(img []float32, w, h int, sigma float64) {
	rad := int(math.Ceil(3 * sigma))
	k := make([]float32, 2*rad+1)
	sum := float32(0)
	for i := range k {
		d := float64(i - rad)
		k[i] = float32(math.Exp(-d * d / (2 * sigma * sigma)))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	line := make([]float32, max(w, h))
	for y := range h {
		row := img[y*w : (y+1)*w]
		copy(line, row)
		for x := range w {
			s := float32(0)
			for j, kv := range k {
				xx := min(w-1, max(0, x+j-rad))
				s += kv * line[xx]
			}
			row[x] = s
		}
	}
	for x := range w {
		for y := range h {
			line[y] = img[y*w+x]
		}
		for y := range h {
			s := float32(0)
			for j, kv := range k {
				yy := min(h-1, max(0, y+j-rad))
				s += kv * line[yy]
			}
			img[y*w+x] = s
		}
	}
}

// lowPass returns a heavily smoothed copy of img: averaged down by factor, blurred by three
// box passes of about radius px (full resolution), and interpolated back up.
func lowPass(img []float32, w, h, factor int, radius float64) []float32 {
	sw, sh := (w+factor-1)/factor, (h+factor-1)/factor
	small := make([]float32, sw*sh)
	count := make([]float32, sw*sh)
	for y := range h {
		for x := range w {
			i := (y/factor)*sw + x/factor
			small[i] += img[y*w+x]
			count[i]++
		}
	}
	for i := range small {
		small[i] /= count[i]
	}
	rs := max(1, int(radius/float64(factor)/1.7))
	for range 3 {
		boxBlur(small, sw, sh, rs)
	}
	out := make([]float32, w*h)
	f := float64(factor)
	for y := range h {
		sy := (float64(y)+0.5)/f - 0.5
		y0 := min(sh-1, max(0, int(math.Floor(sy))))
		y1 := min(sh-1, y0+1)
		fy := float32(min(1, max(0, sy-float64(y0))))
		for x := range w {
			sx := (float64(x)+0.5)/f - 0.5
			x0 := min(sw-1, max(0, int(math.Floor(sx))))
			x1 := min(sw-1, x0+1)
			fx := float32(min(1, max(0, sx-float64(x0))))
			a := small[y0*sw+x0]*(1-fx) + small[y0*sw+x1]*fx
			b := small[y1*sw+x0]*(1-fx) + small[y1*sw+x1]*fx
			out[y*w+x] = a*(1-fy) + b*fy
		}
	}
	return out
}

// boxBlur blurs in place with a (2r+1)-wide box along rows then columns, clamping at edges.
func boxBlur(img []float32, w, h, r int) {
	line := make([]float32, max(w, h))
	pass := func(n int, get func(int) float32, set func(int, float32)) {
		for i := range n {
			line[i] = get(i)
		}
		norm := 1 / float32(2*r+1)
		for i := range n {
			s := float32(0)
			for d := -r; d <= r; d++ {
				s += line[min(n-1, max(0, i+d))]
			}
			set(i, s*norm)
		}
	}
	for y := range h {
		pass(w, func(x int) float32 { return img[y*w+x] },
			func(x int, v float32) { img[y*w+x] = v })
	}
	for x := range w {
		pass(h, func(y int) float32 { return img[y*w+x] },
			func(y int, v float32) { img[y*w+x] = v })
	}
}

package eval

import (
	"rascore/read"
	"rascore/svdh"
)

// Rotate90 turns a case a quarter turn clockwise: film pixel (x, y) goes to (H-1-y, x).
func Rotate90(c Case) Case {
	w, h := c.Film.Width, c.Film.Height
	out := read.New(h, w)
	copyMeta(out, c.Film)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out.Set(h-1-y, x, c.Film.At(x, y))
		}
	}
	return remap(c, out, "rot90", func(p [2]float64) [2]float64 {
		return [2]float64{float64(h-1) - p[1], p[0]}
	}, false)
}

// Rotate180 turns a case half a turn.
func Rotate180(c Case) Case { return Rotate90(Rotate90(c)) }

// Mirror flips a case left to right: a left hand becomes a right hand.
func Mirror(c Case) Case {
	w, h := c.Film.Width, c.Film.Height
	out := read.New(w, h)
	copyMeta(out, c.Film)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out.Set(w-1-x, y, c.Film.At(x, y))
		}
	}
	return remap(c, out, "mirror", func(p [2]float64) [2]float64 {
		return [2]float64{float64(w-1) - p[0], p[1]}
	}, true)
}

// SideBySide pastes two cases onto one film, a beside b, top-aligned, the rest black.
func SideBySide(a, b Case) Case {
	w := a.Film.Width + b.Film.Width
	h := max(a.Film.Height, b.Film.Height)
	out := read.New(w, h)
	copyMeta(out, a.Film)
	for y := 0; y < a.Film.Height; y++ {
		copy(out.Pix[y*w:], a.Film.Pix[y*a.Film.Width:(y+1)*a.Film.Width])
	}
	for y := 0; y < b.Film.Height; y++ {
		copy(out.Pix[y*w+a.Film.Width:], b.Film.Pix[y*b.Film.Width:(y+1)*b.Film.Width])
	}
	c := Case{Name: a.Name + "+" + b.Name, Film: out, SpacingMM: a.SpacingMM,
		Assumed: a.Assumed}
	c.Hands = append(c.Hands, a.Hands...)
	for _, th := range b.Hands {
		moved := TrueHand{Laterality: th.Laterality, Joints: map[svdh.Joint][2]float64{}}
		for j, p := range th.Joints {
			moved.Joints[j] = [2]float64{p[0] + float64(a.Film.Width), p[1]}
		}
		c.Hands = append(c.Hands, moved)
	}
	return c
}

func copyMeta(dst, src *read.Radiograph) {
	dst.SpacingMM, dst.SpacingSource, dst.Format = src.SpacingMM, src.SpacingSource, src.Format
}

func remap(c Case, film *read.Radiograph, tag string, f func([2]float64) [2]float64,
	flip bool) Case {
	out := Case{Name: c.Name + " " + tag, Film: film, SpacingMM: c.SpacingMM,
		Assumed: c.Assumed}
	for _, th := range c.Hands {
		side := th.Laterality
		if flip {
			side = map[svdh.Side]svdh.Side{svdh.Left: svdh.Right, svdh.Right: svdh.Left}[side]
		}
		moved := TrueHand{Laterality: side, Joints: map[svdh.Joint][2]float64{}}
		for j, p := range th.Joints {
			moved.Joints[j] = f(p)
		}
		out.Hands = append(out.Hands, moved)
	}
	return out
}

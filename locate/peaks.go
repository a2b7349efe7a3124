package locate

import (
	"math"
	"sort"
)

// Heatmaps is the network's output for one view: Channels maps of Grid × Grid cells, each cell
// Stride view pixels wide.
type Heatmaps struct {
	Data     []float32
	Channels int
	Grid     int
	Stride   int
}

// Peak is a local maximum of one channel, in view pixels.
type Peak struct {
	X, Y  float64
	Value float64
}

func (h *Heatmaps) at(c, x, y int) float64 {
	return float64(h.Data[(c*h.Grid+y)*h.Grid+x])
}

// Peaks returns the local maxima of channel c at or above min, strongest first, each refined
// to sub-cell precision by the centroid of its 3 × 3 neighbourhood and converted to view
// pixels (cell x covers view pixels Stride·x … Stride·x + Stride − 1).
func (h *Heatmaps) Peaks(c int, min float64) []Peak {
	var out []Peak
	g := h.Grid
	for y := 0; y < g; y++ {
		for x := 0; x < g; x++ {
			v := h.at(c, x, y)
			if v < min || !h.isMax(c, x, y, v) {
				continue
			}
			cx, cy := h.centroid(c, x, y)
			s := float64(h.Stride)
			out = append(out, Peak{X: (cx+0.5)*s - 0.5, Y: (cy+0.5)*s - 0.5, Value: v})
		}
	}
	sortPeaks(out)
	return out
}

func (h *Heatmaps) isMax(c, x, y int, v float64) bool {
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			nx, ny := x+dx, y+dy
			if (dx == 0 && dy == 0) || nx < 0 || ny < 0 || nx >= h.Grid || ny >= h.Grid {
				continue
			}
			w := h.at(c, nx, ny)
			// ties go to the first cell in scan order
			if w > v || (w == v && (dy < 0 || (dy == 0 && dx < 0))) {
				return false
			}
		}
	}
	return true
}

// centroid refines a peak cell by fitting a parabola to the logarithm of its neighbours in x
// and in y, which is exact for the Gaussian bumps the network is trained to draw.
func (h *Heatmaps) centroid(c, x, y int) (float64, float64) {
	return float64(x) + h.offset(c, x, y, 1, 0), float64(y) + h.offset(c, x, y, 0, 1)
}

func (h *Heatmaps) offset(c, x, y, dx, dy int) float64 {
	if x-dx < 0 || y-dy < 0 || x+dx >= h.Grid || y+dy >= h.Grid {
		return 0
	}
	const floor = 1e-4
	l := math.Log(math.Max(floor, h.at(c, x-dx, y-dy)))
	m := math.Log(math.Max(floor, h.at(c, x, y)))
	r := math.Log(math.Max(floor, h.at(c, x+dx, y+dy)))
	den := l - 2*m + r
	if den >= 0 {
		return 0
	}
	return math.Max(-0.5, math.Min(0.5, (l-r)/(2*den)))
}

func sortPeaks(p []Peak) {
	sort.SliceStable(p, func(i, j int) bool { return p[i].Value > p[j].Value })
}

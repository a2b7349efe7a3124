// Package locate finds the hands on a radiograph and places every Sharp/van der Heijde site
// of each hand.
//
// It takes a read.Radiograph and gives, per hand: its laterality decided from anatomy (which
// side the thumb is on, for a PA view) with a confidence, its orientation, and the 22 SvdH
// joints of the hand with a confidence each, in film pixels and mm. The 31 SvdH sites of a hand
// sit on those joints (svdh.Select). It works in two passes of one heat-map network (Model):
// the whole film, fitted into the network's view, gives each hand's centre and rough joints;
// a view of each hand then places the joints finely. Geometry checks turn a joint that breaks
// the hand's layout into a missing one; a joint is never guessed. It does not score anything.
package locate

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"rascore/crop"
	"rascore/read"
	"rascore/svdh"
)

// ErrNoHand is returned, wrapped, when a film shows no hand.
var ErrNoHand = errors.New("no hand found")

// Settings tune the decisions made on the network's output.
type Settings struct {
	// HandThreshold is the least hand-centre peak that counts as a hand.
	HandThreshold float64
	// SiteThreshold is the least joint peak that places a joint; below it the joint is
	// missing.
	SiteThreshold float64
	// MaxHands is the most hands reported on one film.
	MaxHands int
	// MinJoints is the fewest of a hand's 22 joints that must be placed, after the layout
	// checks, for it to count as a hand.
	MinJoints int
}

// DefaultSettings are the settings the evaluation in the model card used.
func DefaultSettings() Settings {
	return Settings{HandThreshold: 0.35, SiteThreshold: 0.25, MaxHands: 2, MinJoints: 15}
}

// Joint is one placed (or missing) joint.
type Joint struct {
	Joint      svdh.Joint `json:"joint"`
	XPx        float64    `json:"x_px"`
	YPx        float64    `json:"y_px"`
	XMM        float64    `json:"x_mm,omitempty"`
	YMM        float64    `json:"y_mm,omitempty"`
	Confidence float64    `json:"confidence"`
	Missing    bool       `json:"missing,omitempty"`
	// Reason says why a joint is missing.
	Reason string `json:"reason,omitempty"`
}

// Hand is one hand on the film.
type Hand struct {
	Laterality           svdh.Side `json:"laterality"`
	LateralityConfidence float64   `json:"laterality_confidence"`
	// CentreX, CentreY is the hand centre (mean of its joints) in film pixels.
	CentreX    float64 `json:"centre_x_px"`
	CentreY    float64 `json:"centre_y_px"`
	Confidence float64 `json:"confidence"`
	// UpDeg is the direction from the wrist to the fingers, in image degrees (atan2(dy, dx)):
	// −90 for fingers pointing to the top of the film.
	UpDeg  float64 `json:"up_deg"`
	Joints []Joint `json:"joints"`
	// Sites are the hand's 31 SvdH sites (16 erosion, 15 JSN) under their RA2-DREAM columns,
	// each at its joint; empty when the laterality is unknown.
	Sites    []Site   `json:"sites,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// Site is one SvdH site placed at its joint.
type Site struct {
	Column string    `json:"column"`
	Kind   svdh.Kind `json:"kind"`
	Joint
}

// JointAt returns the hand's joint j.
func (h *Hand) JointAt(j svdh.Joint) (Joint, bool) {
	for _, x := range h.Joints {
		if x.Joint == j {
			return x, true
		}
	}
	return Joint{}, false
}

// Result is what locate found on one film.
type Result struct {
	Width     int        `json:"width"`
	Height    int        `json:"height"`
	SpacingMM [2]float64 `json:"spacing_mm"`
	Hands     []Hand     `json:"hands"`
}

// Locator places sites with one model and settings.
type Locator struct {
	Model    *Model
	Settings Settings
}

// Locate finds the hands on rg. A film without a hand returns ErrNoHand (wrapped) and a
// Result with no hands.
func (l *Locator) Locate(rg *read.Radiograph) (*Result, error) {
	res := &Result{Width: rg.Width, Height: rg.Height, SpacingMM: rg.SpacingMM}
	size := l.Model.InputSize()
	film := crop.Fit(rg.Width, rg.Height, size)
	maps, err := l.run(rg, film)
	if err != nil {
		return res, err
	}
	centres := maps.Peaks(maps.Channels-1, l.Settings.HandThreshold) // last: hand centre
	centres = separate(centres, float64(size)/8)
	if len(centres) > l.Settings.MaxHands {
		centres = centres[:l.Settings.MaxHands]
	}
	if len(centres) == 0 {
		return res, fmt.Errorf("locate: %w", ErrNoHand)
	}
	// Joint peaks of the film view, shared by every hand on it.
	filmPeaks := make([][]Peak, maps.Channels-1)
	for c := range filmPeaks {
		filmPeaks[c] = maps.Peaks(c, l.Settings.SiteThreshold)
	}
	for _, c := range centres {
		hand, err := l.placeHand(rg, film, filmPeaks, c)
		if errors.Is(err, ErrNoHand) {
			continue
		}
		if err != nil {
			return res, err
		}
		if placed(hand) < l.Settings.MinJoints {
			continue // a scatter of a few joint-like spots is not a hand
		}
		res.Hands = append(res.Hands, *hand)
	}
	if len(res.Hands) == 0 {
		return res, fmt.Errorf("locate: %w", ErrNoHand)
	}
	orderHands(res.Hands)
	return res, nil
}

func (l *Locator) run(rg *read.Radiograph, t crop.Transform) (*Heatmaps, error) {
	view := crop.Sample(rg, t)
	crop.Normalise(view)
	return l.Model.Heatmaps(view)
}

// placeHand runs the second pass on a view of one hand found in the film view.
func (l *Locator) placeHand(rg *read.Radiograph, film crop.Transform, filmPeaks [][]Peak,
	centre Peak) (*Hand, error) {
	joints := svdh.HandJoints()
	cx, cy := film.Inverse(centre.X, centre.Y)

	// Rough joints of this hand: per channel, the peak nearest the hand centre.
	rough := make([]*Peak, len(joints))
	var radius []float64
	for c := range joints {
		var best *Peak
		for _, p := range filmPeaks[c] {
			if best == nil || dist(p, centre) < dist(*best, centre) {
				p := p
				best = &p
			}
		}
		if best != nil {
			rough[c] = best
			radius = append(radius, dist(*best, centre)/film.Scale)
		}
	}
	if len(radius) < len(joints)/2 {
		return nil, fmt.Errorf("locate: %w: a hand centre without joints", ErrNoHand)
	}
	r := percentile(radius, 0.9)
	size := l.Model.InputSize()
	view := crop.Transform{CentreX: cx, CentreY: cy, Scale: float64(size) / (2 * r * 1.5),
		Size: size}
	// The hand view is read twice, as it is and mirrored, and each joint's two placements are
	// averaged: the network's errors in a mirrored view are largely independent.
	views := []crop.Transform{view, view}
	views[1].Mirror = true
	// The view is unrotated, so its mirror image is the same cut flipped: cut the film once.
	pix := crop.Sample(rg, view)
	crop.Normalise(pix)
	fine := make([]*Heatmaps, len(views))
	var err error
	for i, p := range [][]float32{pix, crop.FlipX(pix, size)} {
		if fine[i], err = l.Model.Heatmaps(p); err != nil {
			return nil, err
		}
	}

	hand := &Hand{CentreX: cx, CentreY: cy, Confidence: centre.Value}
	for c, j := range joints {
		joint := Joint{Joint: j, Missing: true, Reason: "no peak above threshold"}
		var sx, sy, sv float64
		n := 0
		for i, v := range views {
			var guide *Peak
			if rough[c] != nil {
				x, y := film.Inverse(rough[c].X, rough[c].Y)
				u, w := v.Forward(x, y)
				guide = &Peak{X: u, Y: w}
			}
			if p, ok := pick(fine[i].Peaks(c, l.Settings.SiteThreshold), guide,
				float64(size)); ok {
				x, y := v.Inverse(p.X, p.Y)
				sx, sy, sv, n = sx+x, sy+y, sv+p.Value, n+1
			}
		}
		if n > 0 {
			// a joint seen in one view only is less certain
			conf := math.Min(1, sv/float64(len(views)))
			joint = Joint{Joint: j, XPx: sx / float64(n), YPx: sy / float64(n), Confidence: conf}
		}
		hand.Joints = append(hand.Joints, joint)
	}
	checkLayout(hand, rg.SpacingMM)
	decideLaterality(hand)
	for i := range hand.Joints {
		j := &hand.Joints[i]
		if !j.Missing && rg.SpacingSource != read.SpacingUnknown {
			j.XMM, j.YMM = j.XPx*rg.SpacingMM[0], j.YPx*rg.SpacingMM[1]
		}
	}
	if hand.Laterality != "" {
		for _, s := range svdh.Select(svdh.Hand, hand.Laterality) {
			j, _ := hand.JointAt(s.Joint)
			hand.Sites = append(hand.Sites, Site{Column: s.Column, Kind: s.Kind, Joint: j})
		}
	}
	return hand, nil
}

// pick chooses a channel's peak in the hand view: the one nearest the first pass's estimate
// among those at least half as strong as the strongest, so that a neighbouring hand's joint
// is not taken.
func pick(peaks []Peak, guide *Peak, size float64) (Peak, bool) {
	if len(peaks) == 0 {
		return Peak{}, false
	}
	if guide == nil {
		return peaks[0], true
	}
	best, bestD := peaks[0], math.Inf(1)
	for _, p := range peaks {
		if p.Value < 0.5*peaks[0].Value {
			continue
		}
		if d := dist(p, *guide); d < bestD {
			best, bestD = p, d
		}
	}
	if bestD > 0.25*size {
		return Peak{}, false
	}
	return best, true
}

// separate drops peaks closer than minDist to a stronger one.
func separate(peaks []Peak, minDist float64) []Peak {
	var out []Peak
	for _, p := range peaks {
		keep := true
		for _, q := range out {
			if dist(p, q) < minDist {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, p)
		}
	}
	return out
}

// orderHands lists hands from the image's left to its right.
func orderHands(h []Hand) {
	sort.SliceStable(h, func(i, j int) bool { return h[i].CentreX < h[j].CentreX })
}

func placed(h *Hand) int {
	n := 0
	for _, j := range h.Joints {
		if !j.Missing {
			n++
		}
	}
	return n
}

func dist(a, b Peak) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

func percentile(v []float64, q float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

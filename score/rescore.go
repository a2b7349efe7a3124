package score

import (
	"fmt"
	"slices"

	"rascore/locate"
	"rascore/read"
	"rascore/svdh"
)

// Rescored is what the scorer gives for one joint placed by a reader: its sites (erosion and
// JSN, as they apply) and, for joints whose width is measured, the width.
type Rescored struct {
	Sites []Site `json:"sites"`
	Width *Width `json:"width,omitempty"`
}

// Rescore grades joint j of a scored hand again with the joint at (x, y), where a reader put
// it, and the hand's other joints where they are: the sites and width Score would have given
// had the locator placed it there (placement confidence 1). rg must carry the pixel size the
// hand was scored with.
func (s *Scorer) Rescore(rg *read.Radiograph, h Hand, j svdh.Joint, x, y float64) (Rescored,
	error) {
	if h.Laterality == "" {
		return Rescored{}, fmt.Errorf("rescore: the hand's laterality is unknown")
	}
	if !slices.ContainsFunc(h.Sites, func(s Site) bool { return s.Joint == j }) {
		return Rescored{}, fmt.Errorf("rescore: joint %s is not on the hand", j)
	}
	lh := locate.Hand{Laterality: h.Laterality, LateralityConfidence: h.LateralityConfidence,
		Confidence: h.Confidence}
	// The hand's joints are where its graded sites are (a joint's erosion and JSN sites share
	// one place); the moved joint is where the reader put it.
	placed := map[svdh.Joint]bool{}
	for _, site := range h.Sites {
		lj := locate.Joint{Joint: site.Joint, XPx: site.XPx, YPx: site.YPx,
			Confidence: site.Placement, Missing: site.Missing, Reason: site.Reason}
		if site.Joint == j {
			lj = locate.Joint{Joint: j, XPx: x, YPx: y, Confidence: 1}
		}
		lh.Sites = append(lh.Sites, locate.Site{Column: site.Column, Kind: site.Kind, Joint: lj})
		if !lj.Missing && !placed[site.Joint] {
			placed[site.Joint] = true
			lh.Joints = append(lh.Joints, lj)
		}
	}
	out, err := s.scoreHand(rg, &lh)
	if err != nil {
		return Rescored{}, err
	}
	var r Rescored
	for _, site := range out.Sites {
		if site.Joint == j {
			r.Sites = append(r.Sites, site)
		}
	}
	for _, w := range out.Widths {
		if w.Joint == j {
			r.Width = &w
		}
	}
	return r, nil
}

package score

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"rascore/crop"
	"rascore/locate"
	"rascore/read"
	"rascore/svdh"
)

// Grade is one site's read: the network's probability for every grade and what follows.
type Grade struct {
	// Grade is the reported grade, the most probable one.
	Grade int `json:"grade"`
	// Expected is the probability-weighted mean grade.
	Expected float64 `json:"expected"`
	// SD is the standard deviation of the grade under the probabilities.
	SD float64 `json:"sd"`
	// Uncertainty is 1 − P(reported grade).
	Uncertainty   float64   `json:"uncertainty"`
	Probabilities []float64 `json:"probabilities"`
}

// NewGrade summarises class probabilities.
func NewGrade(p []float64) Grade {
	g := Grade{Probabilities: make([]float64, len(p))}
	for k, v := range p {
		g.Probabilities[k] = math.Round(v*1e4) / 1e4
		if v > p[g.Grade] {
			g.Grade = k
		}
		g.Expected += float64(k) * v
	}
	for k, v := range p {
		g.SD += v * (float64(k) - g.Expected) * (float64(k) - g.Expected)
	}
	g.SD = round4(math.Sqrt(g.SD))
	g.Expected = round4(g.Expected)
	g.Uncertainty = round4(1 - p[g.Grade])
	return g
}

// Site is one SvdH site's result.
type Site struct {
	Column string     `json:"column"`
	Label  string     `json:"label"`
	Joint  svdh.Joint `json:"joint"`
	Kind   svdh.Kind  `json:"kind"`
	XPx    float64    `json:"x_px"`
	YPx    float64    `json:"y_px"`
	// AxisDeg is the joint axis the patch was turned by (image degrees, proximal to distal).
	AxisDeg float64 `json:"axis_deg"`
	// Placement is the locator's confidence in the joint's position.
	Placement float64 `json:"placement_confidence"`
	// Missing sites were not placed (Reason says why) and carry no grade.
	Missing bool   `json:"missing,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Grade   *Grade `json:"grade,omitempty"`
	// NeedsReview marks a site a reader should look at; ReviewReasons say why.
	NeedsReview   bool     `json:"needs_review"`
	ReviewReasons []string `json:"review_reasons,omitempty"`
}

// Width is a joint's space width (see MeasureJSW), in mm.
type Width struct {
	Joint     svdh.Joint `json:"joint"`
	Label     string     `json:"label"`
	Available bool       `json:"available"`
	MinMM     float64    `json:"min_mm,omitempty"`
	MeanMM    float64    `json:"mean_mm,omitempty"`
	CentralMM float64    `json:"central_mm,omitempty"`
	Reason    string     `json:"reason,omitempty"`
}

// Totals sum a hand's, film's or patient's sites.
type Totals struct {
	Erosion int `json:"erosion"`
	JSN     int `json:"jsn"`
	Total   int `json:"total"`
	// ExpectedErosion, ExpectedJSN and ExpectedTotal sum the expected grades; TotalSD is the
	// standard deviation of the total if the sites' errors were independent.
	ExpectedErosion float64 `json:"expected_erosion"`
	ExpectedJSN     float64 `json:"expected_jsn"`
	ExpectedTotal   float64 `json:"expected_total"`
	TotalSD         float64 `json:"total_sd"`
	// Scored and Missing count sites; a total with missing sites is a lower bound.
	Scored      int `json:"scored"`
	Missing     int `json:"missing"`
	NeedsReview int `json:"needs_review"`
}

// Add adds o's sums to t.
func (t *Totals) Add(o Totals) {
	v := t.TotalSD*t.TotalSD + o.TotalSD*o.TotalSD
	t.Erosion += o.Erosion
	t.JSN += o.JSN
	t.Total += o.Total
	t.ExpectedErosion = round3(t.ExpectedErosion + o.ExpectedErosion)
	t.ExpectedJSN = round3(t.ExpectedJSN + o.ExpectedJSN)
	t.ExpectedTotal = round3(t.ExpectedTotal + o.ExpectedTotal)
	t.TotalSD = round3(math.Sqrt(v))
	t.Scored += o.Scored
	t.Missing += o.Missing
	t.NeedsReview += o.NeedsReview
}

// SiteTotals sums sites.
func SiteTotals(sites []Site) Totals {
	var t Totals
	var v float64
	for _, s := range sites {
		if s.NeedsReview {
			t.NeedsReview++
		}
		if s.Grade == nil {
			t.Missing++
			continue
		}
		t.Scored++
		if s.Kind == svdh.JSN {
			t.JSN += s.Grade.Grade
			t.ExpectedJSN += s.Grade.Expected
		} else {
			t.Erosion += s.Grade.Grade
			t.ExpectedErosion += s.Grade.Expected
		}
		v += s.Grade.SD * s.Grade.SD
	}
	t.Total = t.Erosion + t.JSN
	t.ExpectedErosion, t.ExpectedJSN = round3(t.ExpectedErosion), round3(t.ExpectedJSN)
	t.ExpectedTotal = round3(t.ExpectedErosion + t.ExpectedJSN)
	t.TotalSD = round3(math.Sqrt(v))
	return t
}

// Hand is one scored hand.
type Hand struct {
	Laterality           svdh.Side `json:"laterality"`
	LateralityConfidence float64   `json:"laterality_confidence"`
	Confidence           float64   `json:"confidence"`
	Sites                []Site    `json:"sites"`
	Widths               []Width   `json:"widths"`
	Totals               Totals    `json:"totals"`
	Warnings             []string  `json:"warnings,omitempty"`
}

// Film is everything scored on one radiograph.
type Film struct {
	Width, Height int
	SpacingMM     [2]float64
	SpacingSource read.SpacingSource
	// NoHand is set when the locator found no hand; Hands is then empty.
	NoHand   bool
	Hands    []Hand
	Totals   Totals
	Warnings []string
}

// Settings say when a site needs review and how widths are measured.
type Settings struct {
	// ReviewProbability: a site whose reported grade has a lower probability needs review.
	ReviewProbability float64
	// ReviewPlacement: a site whose joint was placed with a lower confidence needs review.
	ReviewPlacement float64
	// ReviewOutside: a site whose patch has more of its area outside the film needs review.
	ReviewOutside float64
	JSW           JSWSettings
}

// DefaultSettings are the thresholds the shipped models were checked with.
func DefaultSettings() Settings {
	return Settings{ReviewProbability: 0.6, ReviewPlacement: 0.5, ReviewOutside: 0.05,
		JSW: DefaultJSWSettings()}
}

// Scorer finds and grades every SvdH site of the hands on a film.
type Scorer struct {
	Locator  *locate.Locator
	Model    *Model
	Settings Settings
}

// TypicalWristToMCP3MM is the adult distance from the radiocarpal joint to MCP 3 (carpus and
// third metacarpal) that a film without a pixel size is measured by; adult hands vary by about
// ±8 % around it.
const TypicalWristToMCP3MM = 100.0

// widthJoints are the joints whose space width is measured.
var widthJoints = []svdh.Joint{svdh.MCP1, svdh.MCP2, svdh.MCP3, svdh.MCP4, svdh.MCP5,
	svdh.PIP2, svdh.PIP3, svdh.PIP4, svdh.PIP5, svdh.ThumbIP}

// Score locates the hands on rg and grades each one's sites. A film with no hand gives a Film
// with NoHand set and no error. A film without a pixel size gets one estimated from the hand
// (TypicalWristToMCP3MM), which rg then carries, marked estimated; widths in mm are then not
// given.
func (s *Scorer) Score(rg *read.Radiograph) (*Film, error) {
	loc, err := s.Locator.Locate(rg)
	if errors.Is(err, locate.ErrNoHand) {
		return &Film{Width: rg.Width, Height: rg.Height, SpacingMM: rg.SpacingMM,
			SpacingSource: rg.SpacingSource, NoHand: true}, nil
	}
	if err != nil {
		return nil, err
	}
	film := &Film{Width: rg.Width, Height: rg.Height}
	if rg.SpacingSource == read.SpacingUnknown || rg.SpacingMM[0] <= 0 {
		mm, ok := estimateSpacing(loc)
		if !ok {
			return nil, errors.New("score: the film has no pixel size and the hand is too " +
				"incomplete to estimate one; give one (--assume-spacing-mm)")
		}
		rg.SpacingMM, rg.SpacingSource = [2]float64{mm, mm}, read.SpacingEstimated
		film.Warnings = append(film.Warnings, fmt.Sprintf("no pixel size in the file: "+
			"%.3f mm estimated from the hand's size (±8 %% for adults); widths not given", mm))
	}
	film.SpacingMM, film.SpacingSource = rg.SpacingMM, rg.SpacingSource
	for i := range loc.Hands {
		h, err := s.scoreHand(rg, &loc.Hands[i])
		if err != nil {
			return nil, err
		}
		film.Hands = append(film.Hands, h)
		film.Totals.Add(h.Totals)
	}
	return film, nil
}

// estimateSpacing takes the median over hands of TypicalWristToMCP3MM over the radiocarpal–MCP
// 3 distance in pixels.
func estimateSpacing(loc *locate.Result) (float64, bool) {
	var est []float64
	for _, h := range loc.Hands {
		a, ok1 := h.JointAt(svdh.RadCar)
		b, ok2 := h.JointAt(svdh.MCP3)
		if !ok1 || !ok2 || a.Missing || b.Missing {
			continue
		}
		if d := math.Hypot(a.XPx-b.XPx, a.YPx-b.YPx); d > 10 {
			est = append(est, TypicalWristToMCP3MM/d)
		}
	}
	if len(est) == 0 {
		return 0, false
	}
	slices.Sort(est)
	return est[len(est)/2], true
}

func (s *Scorer) scoreHand(rg *read.Radiograph, lh *locate.Hand) (Hand, error) {
	h := Hand{Laterality: lh.Laterality, LateralityConfidence: lh.LateralityConfidence,
		Confidence: lh.Confidence, Warnings: lh.Warnings}
	if lh.Laterality == "" {
		h.Warnings = append(h.Warnings, "laterality unknown: sites cannot be named, not scored")
		return h, nil
	}
	pts := map[svdh.Joint]crop.Point{}
	for _, j := range lh.Joints {
		if !j.Missing {
			pts[j.Joint] = crop.Point{X: j.XPx, Y: j.YPx}
		}
	}
	axes := crop.JointAxes(pts)

	// one patch per placed joint, one network run per hand
	var (
		patches [][]float32
		joints  []svdh.Joint
		outside = map[svdh.Joint]float64{}
	)
	for _, jp := range crop.HandPatches(rg, pts, lh.Laterality == svdh.Right, s.Model.Spec()) {
		patches, joints = append(patches, jp.Pix), append(joints, jp.Joint)
		outside[jp.Joint] = jp.Outside
	}
	probs := map[svdh.Joint][2][]float64{}
	if len(patches) > 0 {
		jsn, ero, err := s.Model.Predict(patches, joints)
		if err != nil {
			return h, err
		}
		for i, j := range joints {
			probs[j] = [2][]float64{jsn[i], ero[i]}
		}
	}

	st := s.Settings
	for _, ls := range lh.Sites {
		site, _ := svdh.ByColumn(ls.Column)
		out := Site{Column: ls.Column, Label: site.Label, Joint: ls.Joint.Joint, Kind: ls.Kind,
			XPx: round1(ls.XPx), YPx: round1(ls.YPx), AxisDeg: round1(axes[ls.Joint.Joint]),
			Placement: round3(ls.Confidence), Missing: ls.Missing, Reason: ls.Reason}
		p, ok := probs[ls.Joint.Joint]
		if ls.Missing || !ok {
			out.NeedsReview, out.ReviewReasons = true, []string{"not placed"}
			if out.Reason == "" {
				out.Reason = "not placed"
			}
			out.Missing = true
			h.Sites = append(h.Sites, out)
			continue
		}
		dist := p[1]
		if ls.Kind == svdh.JSN {
			dist = p[0]
		}
		g := NewGrade(dist)
		out.Grade = &g
		if g.Uncertainty > 1-st.ReviewProbability {
			out.ReviewReasons = append(out.ReviewReasons,
				fmt.Sprintf("unsure: P(grade %d) = %.2f", g.Grade, 1-g.Uncertainty))
		}
		if ls.Confidence < st.ReviewPlacement {
			out.ReviewReasons = append(out.ReviewReasons,
				fmt.Sprintf("placement confidence %.2f", ls.Confidence))
		}
		if o := outside[ls.Joint.Joint]; o > st.ReviewOutside {
			out.ReviewReasons = append(out.ReviewReasons,
				fmt.Sprintf("%.0f%% of the patch is off the film", 100*o))
		}
		out.NeedsReview = len(out.ReviewReasons) > 0
		h.Sites = append(h.Sites, out)
	}

	for _, j := range widthJoints {
		w := Width{Joint: j, Label: jointLabel(j)}
		p, ok := pts[j]
		switch {
		case !ok:
			w.Reason = "joint not placed"
		case rg.SpacingSource == read.SpacingEstimated:
			w.Reason = "pixel size estimated, not known"
		default:
			m := MeasureJSW(rg, p.X, p.Y, axes[j], st.JSW)
			if m.Available {
				w.Available = true
				w.MinMM, w.MeanMM = round3(m.MinMM), round3(m.MeanMM)
				w.CentralMM = round3(m.CentralMM)
			} else {
				w.Reason = fmt.Sprintf("bone margins found on %d of %d profiles", m.Profiles,
					m.Tried)
			}
		}
		h.Widths = append(h.Widths, w)
		flagMissingSpace(&h, w)
	}
	h.Totals = SiteTotals(h.Sites)
	return h, nil
}

// flagMissingSpace sends a joint to review when its width was tried but no joint space was
// found, although its JSN grade says one should be there (grade 2 or less): the patch is not
// at a joint (a reader's misplaced move, a locator error) or the film is unusual there.
func flagMissingSpace(h *Hand, w Width) {
	if w.Available || !strings.HasPrefix(w.Reason, "bone margins found") {
		return
	}
	jsn := -1
	for _, s := range h.Sites {
		if s.Joint == w.Joint && s.Kind == svdh.JSN && s.Grade != nil {
			jsn = s.Grade.Grade
		}
	}
	if jsn < 0 || jsn > 2 {
		return
	}
	for i := range h.Sites {
		if s := &h.Sites[i]; s.Joint == w.Joint && s.Grade != nil {
			s.ReviewReasons = append(s.ReviewReasons, fmt.Sprintf("no joint space found "+
				"here, though JSN is graded %d", jsn))
			s.NeedsReview = true
		}
	}
}

func jointLabel(j svdh.Joint) string {
	for _, s := range svdh.All() {
		if s.Joint == j && s.Part == svdh.Hand {
			return s.Label
		}
	}
	return string(j)
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// Package review applies a human reader's corrections to the AI's read of a film: a grade
// changed, a site marked not assessable, a mis-placed site moved. It takes the AI's report
// (rascore.report/v1) and the corrections in the order they were made, and gives the corrected
// read, its totals summed again as score.SiteTotals sums them. The AI's report is never
// changed. It stores nothing (package store keeps corrections) and knows nothing of HTTP.
package review

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"rascore/report"
	"rascore/score"
	"rascore/svdh"
)

// Schema names the layout of Read.
const Schema = "rascore.read/v1"

// Action is what a correction does to a site.
type Action string

// The corrections a reader can make.
const (
	// Grade sets the site's grade (JSN 0–4, erosion 0–5); on a site the AI could not place or
	// that was marked not assessable, it grades it.
	Grade Action = "grade"
	// NotAssessable takes the grade away: the site counts as missing, as an unplaced one does.
	NotAssessable Action = "not_assessable"
	// Move puts the joint (both its sites, erosion and JSN) somewhere else on the film.
	Move Action = "move"
)

// NotAssessableReason is the Reason of a site a reader marked not assessable.
const NotAssessableReason = "not assessable (reader)"

// ErrInvalid says a change cannot be made to the read: an unknown site or action, a grade out
// of range, a position off the film.
var ErrInvalid = errors.New("invalid correction")

// Value is the part of a site a correction changes, before or after it.
type Value struct {
	// Grade is nil when the site has no grade (not placed, or not assessable).
	Grade         *int     `json:"grade,omitempty"`
	NotAssessable bool     `json:"not_assessable,omitempty"`
	XPx           *float64 `json:"x_px,omitempty"`
	YPx           *float64 `json:"y_px,omitempty"`
	// Rescored is, for a move, what the scorer gave for the joint at its new place: its sites'
	// grades and its width. Nil when it was not scored again.
	Rescored *score.Rescored `json:"rescored,omitempty"`
}

// String is the value as the audit trail writes it: "3", "none", "not assessable" or
// "(812.0, 1290.5)".
func (v Value) String() string {
	switch {
	case v.XPx != nil && v.YPx != nil:
		return fmt.Sprintf("(%.1f, %.1f)", *v.XPx, *v.YPx)
	case v.NotAssessable:
		return "not assessable"
	case v.Grade != nil:
		return fmt.Sprint(*v.Grade)
	}
	return "none"
}

// Change is what a reader asks for.
type Change struct {
	Column string   `json:"column"`
	Action Action   `json:"action"`
	Grade  *int     `json:"grade,omitempty"`
	XPx    *float64 `json:"x_px,omitempty"`
	YPx    *float64 `json:"y_px,omitempty"`
}

// Correction is one change as made: who, when, the site's value before and after.
type Correction struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Reader string    `json:"reader"`
	Column string    `json:"column"`
	Label  string    `json:"label"`
	Action Action    `json:"action"`
	Old    Value     `json:"old"`
	New    Value     `json:"new"`
}

// Summary is the correction in one line, for the audit trail: "RH_mcp_E__2 (right MCP 2
// erosion) grade 1 → 3".
func (c Correction) Summary() string {
	what := strings.ReplaceAll(string(c.Action), "_", " ")
	out := fmt.Sprintf("%s %s %s → %s", c.Column, what, c.Old, c.New)
	if re := c.New.Rescored; c.Action == Move && re != nil {
		var gs []string
		for _, s := range re.Sites {
			if s.Grade != nil {
				gs = append(gs, fmt.Sprintf("%s %d", s.Column, s.Grade.Grade))
			}
		}
		out += "; scored there: " + strings.Join(gs, ", ")
	}
	return out
}

// SignOff says who locked a read, and when.
type SignOff struct {
	Reader string    `json:"reader"`
	At     time.Time `json:"at"`
}

// Read is a study's read as a reader sees it: the AI's report with the corrections applied.
type Read struct {
	Schema  string `json:"schema"`
	StudyID string `json:"study_id"`
	Note    string `json:"note"`
	// Status is "ai" (no correction yet), "corrected" or "signed off".
	Status      string       `json:"status"`
	SignedOff   *SignOff     `json:"signed_off"`
	Corrections []Correction `json:"corrections"`
	// AITotals are the AI report's totals, for comparison.
	AITotals score.Totals `json:"ai_totals"`
	// Report is the corrected read in the report's own layout; its totals are the corrected
	// ones.
	Report *report.Report `json:"report"`
}

// Read statuses.
const (
	StatusAI        = "ai"
	StatusCorrected = "corrected"
	StatusSignedOff = "signed off"
)

// NewRead applies the corrections to the AI's report.
func NewRead(studyID string, ai *report.Report, cs []Correction, so *SignOff) *Read {
	r := &Read{Schema: Schema, StudyID: studyID, Note: report.ResearchNote, Status: StatusAI,
		SignedOff: so, Corrections: cs, AITotals: ai.Totals, Report: Apply(ai, cs)}
	if r.Corrections == nil {
		r.Corrections = []Correction{}
	}
	if len(cs) > 0 {
		r.Status = StatusCorrected
	}
	if so != nil {
		r.Status = StatusSignedOff
	}
	return r
}

// Apply gives a copy of the report with the corrections applied in order and every total
// summed again. Corrections naming a site the report lacks are skipped. A moved joint takes
// the grades the scorer gave at its new place, except on sites a reader had graded or marked
// not assessable before: a reader's word stands.
func Apply(ai *report.Report, cs []Correction) *report.Report {
	r := clone(ai)
	byReader := map[string]bool{}
	for _, c := range cs {
		h, i := find(r, c.Column)
		if h == nil {
			continue
		}
		apply(h, i, c, byReader)
		if c.Action != Move {
			byReader[c.Column] = true
		}
	}
	Retotal(r)
	return r
}

// Retotal sums each hand's sites with score.SiteTotals and the film's hands as score does.
func Retotal(r *report.Report) {
	r.Totals = score.Totals{}
	for i := range r.Hands {
		r.Hands[i].Totals = score.SiteTotals(r.Hands[i].Sites)
		r.Totals.Add(r.Hands[i].Totals)
	}
}

// Check says what a change would do to the current read: the correction it makes, less who
// and when. A grade equal to the current one is a correction too (a reader confirming a site
// flagged for review).
func Check(cur *report.Report, ch Change) (Correction, error) {
	h, i := find(cur, ch.Column)
	if h == nil {
		return Correction{}, fmt.Errorf("site %q is not on this film: %w", ch.Column, ErrInvalid)
	}
	s := h.Sites[i]
	c := Correction{Column: s.Column, Label: siteLabel(h.Laterality, s), Action: ch.Action}
	switch ch.Action {
	case Grade:
		top := 5
		if s.Kind == svdh.JSN {
			top = 4
		}
		if ch.Grade == nil || *ch.Grade < 0 || *ch.Grade > top {
			return c, fmt.Errorf("%s grade: want 0 to %d: %w", s.Kind, top, ErrInvalid)
		}
		c.Old, c.New = gradeValue(s), Value{Grade: ptr(*ch.Grade)}
	case NotAssessable:
		c.Old, c.New = gradeValue(s), Value{NotAssessable: true}
	case Move:
		if ch.XPx == nil || ch.YPx == nil || !onFilm(cur, *ch.XPx, *ch.YPx) {
			return c, fmt.Errorf("move: want x_px and y_px on the film (%d × %d): %w",
				cur.Input.Width, cur.Input.Height, ErrInvalid)
		}
		x, y := round1(*ch.XPx), round1(*ch.YPx)
		c.Old, c.New = Value{XPx: ptr(s.XPx), YPx: ptr(s.YPx)}, Value{XPx: &x, YPx: &y}
	default:
		return c, fmt.Errorf("action %q: want grade, not_assessable or move: %w", ch.Action,
			ErrInvalid)
	}
	return c, nil
}

func onFilm(r *report.Report, x, y float64) bool {
	return !math.IsNaN(x) && !math.IsNaN(y) && x >= 0 && y >= 0 &&
		x <= float64(r.Input.Width-1) && y <= float64(r.Input.Height-1)
}

func gradeValue(s score.Site) Value {
	switch {
	case s.Grade != nil:
		return Value{Grade: ptr(s.Grade.Grade)}
	case s.Reason == NotAssessableReason:
		return Value{NotAssessable: true}
	}
	return Value{}
}

// apply makes one correction to site i of hand h; byReader holds the columns a reader graded
// or marked not assessable earlier.
func apply(h *score.Hand, i int, c Correction, byReader map[string]bool) {
	s := &h.Sites[i]
	switch c.Action {
	case Grade:
		if c.New.Grade == nil {
			return
		}
		top := 5
		if s.Kind == svdh.JSN {
			top = 4
		}
		// A reader's grade is certain: all the probability on it.
		p := make([]float64, top+1)
		p[min(max(*c.New.Grade, 0), top)] = 1
		g := score.NewGrade(p)
		s.Grade, s.Missing, s.Reason = &g, false, ""
		s.NeedsReview, s.ReviewReasons = false, nil
	case NotAssessable:
		s.Grade, s.Missing, s.Reason = nil, true, NotAssessableReason
		s.NeedsReview, s.ReviewReasons = false, nil
	case Move:
		if c.New.XPx == nil || c.New.YPx == nil {
			return
		}
		joint, re := s.Joint, c.New.Rescored
		for k := range h.Sites {
			site := &h.Sites[k]
			if site.Joint != joint {
				continue
			}
			if re != nil && !byReader[site.Column] {
				for _, rs := range re.Sites {
					if rs.Column == site.Column {
						*site = rs
					}
				}
			}
			site.XPx, site.YPx, site.Placement = *c.New.XPx, *c.New.YPx, 1
		}
		for k := range h.Widths {
			switch w := &h.Widths[k]; {
			case w.Joint != joint:
			case re != nil && re.Width != nil:
				*w = *re.Width
			case w.Available:
				*w = score.Width{Joint: joint, Label: w.Label,
					Reason: "joint moved by the reader: not measured again"}
			}
		}
	}
}

// HandOf gives the hand of the report holding the site of that column and the site's index
// (nil, -1 when no hand has it).
func HandOf(r *report.Report, column string) (*score.Hand, int) { return find(r, column) }

// find gives the hand holding the site of that column and the site's index.
func find(r *report.Report, column string) (*score.Hand, int) {
	for hi := range r.Hands {
		for si, s := range r.Hands[hi].Sites {
			if s.Column == column {
				return &r.Hands[hi], si
			}
		}
	}
	return nil, -1
}

// clone copies a report deeply enough that applying corrections leaves the original as it
// was: hands, sites and widths are copied; grades are replaced, never changed in place.
func clone(r *report.Report) *report.Report {
	out := *r
	out.Hands = make([]score.Hand, len(r.Hands))
	for i, h := range r.Hands {
		h.Sites = slices.Clone(h.Sites)
		h.Widths = slices.Clone(h.Widths)
		out.Hands[i] = h
	}
	return &out
}

func siteLabel(side svdh.Side, s score.Site) string {
	hand := "left"
	if side == svdh.Right {
		hand = "right"
	}
	kind := "erosion"
	if s.Kind == svdh.JSN {
		kind = "JSN"
	}
	return hand + " " + s.Label + " " + kind
}

func ptr[T any](v T) *T { return &v }

func round1(v float64) float64 { return math.Round(v*10) / 10 }

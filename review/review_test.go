package review

import (
	"errors"
	"testing"

	"rascore/report"
	"rascore/score"
	"rascore/svdh"
)

// aiRead is a small AI report: one right hand with MCP 2 (erosion 1, JSN 0, width measured)
// and an unplaced ulna.
func aiRead() *report.Report {
	g := func(k, top int) *score.Grade {
		p := make([]float64, top+1)
		p[k] = 0.7
		p[(k+1)%(top+1)] = 0.3
		gr := score.NewGrade(p)
		return &gr
	}
	h := score.Hand{Laterality: svdh.Right, Sites: []score.Site{
		{Column: "RH_mcp_E__2", Label: "MCP 2", Joint: svdh.MCP2, Kind: svdh.Erosion, XPx: 100,
			YPx: 200, Grade: g(1, 5), NeedsReview: true, ReviewReasons: []string{"unsure"}},
		{Column: "RH_mcp_J__2", Label: "MCP 2", Joint: svdh.MCP2, Kind: svdh.JSN, XPx: 100,
			YPx: 200, Grade: g(0, 4)},
		{Column: "RH_wrist_E__ulna", Label: "distal ulna", Joint: svdh.Ulna, Kind: svdh.Erosion,
			Missing: true, Reason: "not placed", NeedsReview: true},
	}, Widths: []score.Width{{Joint: svdh.MCP2, Label: "MCP 2", Available: true, MinMM: 1.5,
		MeanMM: 1.6, CentralMM: 1.6}}}
	h.Totals = score.SiteTotals(h.Sites)
	r := &report.Report{Schema: report.Schema, Input: report.Input{Width: 400, Height: 500},
		Hands: []score.Hand{h}}
	r.Totals.Add(h.Totals)
	return r
}

func correct(t *testing.T, r *report.Report, cs []Correction, ch Change) []Correction {
	t.Helper()
	c, err := Check(Apply(r, cs), ch)
	if err != nil {
		t.Fatalf("%+v: %v", ch, err)
	}
	return append(cs, c)
}

func TestCorrectionsRetotalAndLeaveTheAIReadAlone(t *testing.T) {
	ai := aiRead()
	before := ai.Totals
	var cs []Correction
	cs = correct(t, ai, cs, Change{Column: "RH_mcp_E__2", Action: Grade, Grade: new(4)})
	cs = correct(t, ai, cs, Change{Column: "RH_mcp_J__2", Action: Grade, Grade: new(3)})
	cs = correct(t, ai, cs, Change{Column: "RH_wrist_E__ulna", Action: Grade, Grade: new(2)})
	cs = correct(t, ai, cs, Change{Column: "RH_mcp_J__2", Action: NotAssessable})
	x, y := 120.04, 210.0
	cs = correct(t, ai, cs, Change{Column: "RH_mcp_J__2", Action: Move, XPx: &x, YPx: &y})

	rd := NewRead("s1", ai, cs, nil)
	got := rd.Report.Totals
	if got.Erosion != 6 || got.JSN != 0 || got.Total != 6 || got.Scored != 2 ||
		got.Missing != 1 || got.NeedsReview != 0 {
		t.Errorf("corrected totals %+v, want erosion 4+2, JSN site not assessable, none to "+
			"review", got)
	}
	if rd.Status != StatusCorrected || rd.AITotals != before || ai.Totals != before {
		t.Errorf("status %q, AI totals %+v / %+v, want corrected and the AI's %+v untouched",
			rd.Status, rd.AITotals, ai.Totals, before)
	}
	if ai.Hands[0].Sites[0].Grade.Grade != 1 || ai.Hands[0].Sites[2].Grade != nil ||
		ai.Hands[0].Sites[0].XPx != 100 || !ai.Hands[0].Widths[0].Available {
		t.Errorf("the AI report was changed: %+v", ai.Hands[0])
	}
	h := rd.Report.Hands[0]
	if h.Sites[0].XPx != 120 || h.Sites[1].YPx != 210 || h.Widths[0].Available {
		t.Errorf("move: sites at (%v, %v), width %+v; want both MCP 2 sites at (120, 210), "+
			"width no longer given", h.Sites[0].XPx, h.Sites[1].YPx, h.Widths[0])
	}
	if s := cs[3].Summary(); s != "RH_mcp_J__2 not assessable 3 → not assessable" {
		t.Errorf("summary %q", s)
	}
	if cs[0].Old.String() != "1" || cs[0].New.String() != "4" || cs[2].Old.String() != "none" ||
		cs[0].Label != "right MCP 2 erosion" {
		t.Errorf("first corrections %+v %+v", cs[0], cs[2])
	}
}

func TestCheckRefusesWhatCannotBe(t *testing.T) {
	ai := aiRead()
	far := 1e6
	for _, ch := range []Change{
		{Column: "RH_mcp_J__2", Action: Grade, Grade: new(5)},
		{Column: "RH_mcp_E__2", Action: Grade, Grade: new(-1)},
		{Column: "RH_mcp_E__2", Action: Grade},
		{Column: "LH_mcp_E__2", Action: Grade, Grade: new(1)},
		{Column: "RH_mcp_E__2", Action: Move, XPx: &far, YPx: &far},
		{Column: "RH_mcp_E__2", Action: "erase"},
	} {
		if _, err := Check(ai, ch); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", ch, err)
		}
	}
}

// A moved joint takes the grades and width the scorer gave at its new place, except on sites a
// reader graded before the move.
func TestMoveTakesTheRescoredGradesUnlessAReaderGraded(t *testing.T) {
	ai := aiRead()
	grade := func(k, top int) *score.Grade {
		p := make([]float64, top+1)
		p[k] = 1
		g := score.NewGrade(p)
		return &g
	}
	x, y := 130.0, 190.0
	rescored := &score.Rescored{Sites: []score.Site{
		{Column: "RH_mcp_E__2", Label: "MCP 2", Joint: svdh.MCP2, Kind: svdh.Erosion, XPx: x,
			YPx: y, Placement: 1, Grade: grade(3, 5)},
		{Column: "RH_mcp_J__2", Label: "MCP 2", Joint: svdh.MCP2, Kind: svdh.JSN, XPx: x,
			YPx: y, Placement: 1, Grade: grade(2, 4)},
	}, Width: &score.Width{Joint: svdh.MCP2, Label: "MCP 2", Available: true, MinMM: 1.1,
		MeanMM: 1.2, CentralMM: 1.2}}
	move := func(cs []Correction) []Correction {
		cs = correct(t, ai, cs, Change{Column: "RH_mcp_J__2", Action: Move, XPx: &x, YPx: &y})
		cs[len(cs)-1].New.Rescored = rescored
		return cs
	}

	h := Apply(ai, move(nil)).Hands[0]
	if h.Sites[0].Grade.Grade != 3 || h.Sites[1].Grade.Grade != 2 || h.Sites[1].XPx != x ||
		h.Widths[0].CentralMM != 1.2 || h.Totals.Total != 5 {
		t.Errorf("after a move: %+v, %+v, width %+v, totals %+v; want the rescored grades 3 "+
			"and 2 and width 1.2 mm", h.Sites[0].Grade, h.Sites[1].Grade, h.Widths[0], h.Totals)
	}

	cs := correct(t, ai, nil, Change{Column: "RH_mcp_E__2", Action: Grade, Grade: new(4)})
	h = Apply(ai, move(cs)).Hands[0]
	if h.Sites[0].Grade.Grade != 4 || h.Sites[1].Grade.Grade != 2 || h.Sites[0].XPx != x {
		t.Errorf("reader's erosion 4 then a move: erosion %d, JSN %d at x %v; want the "+
			"reader's 4 kept, JSN rescored 2, moved", h.Sites[0].Grade.Grade,
			h.Sites[1].Grade.Grade, h.Sites[0].XPx)
	}
	if ai.Hands[0].Sites[0].Grade.Grade != 1 || ai.Hands[0].Widths[0].CentralMM != 1.6 {
		t.Errorf("the AI report was changed: %+v", ai.Hands[0])
	}
}

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

package score_test

import (
	"math"
	"os"
	"strings"
	"testing"

	"rascore/dataset"
	"rascore/models"
	"rascore/phantom"
	"rascore/svdh"
)

// TestRescoreAtTheReadersPlace moves every joint of held-out phantoms (a) to where the locator
// put it, which must give back Score's own grades, and (b) to the phantom's true joint centre,
// as a reader would: the grades there must match the truth as often as Score's do, and the
// widths within Score's error.
func TestRescoreAtTheReadersPlace(t *testing.T) {
	if testing.Short() {
		t.Skip("renders and scores phantoms")
	}
	if os.Getenv(models.EnvDir) != "" {
		t.Skip("floors hold for the shipped models only")
	}
	s := newScorer(t)
	var same, sites, exact, jswN int
	var jswSum float64
	for i := 300; i < 302; i++ {
		img, truth, err := phantom.Render(dataset.ScorePhantomOptions(i), dataset.ScoreEvalSeed, i)
		if err != nil {
			t.Fatal(err)
		}
		film, err := s.Score(img)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range film.Hands {
			th := truth.Hand(h.Laterality)
			if th == nil {
				t.Fatalf("film %d: a %s hand the truth does not have", i, h.Laterality)
			}
			// A joint moved off the hand, onto the background near the film's corner, is sent
			// to review: no joint space there.
			off, err := s.Rescore(img, h, svdh.MCP3, 100, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, site := range off.Sites {
				if !site.NeedsReview || !strings.Contains(strings.Join(site.ReviewReasons, "; "),
					"no joint space found here") {
					t.Errorf("film %d: MCP 3 moved onto the background: %s review reasons %q "+
						"(%+v, width %+v)", i, site.Column, site.ReviewReasons, site.Grade, off.Width)
				}
			}
			grades := map[string]int{}
			for _, site := range h.Sites {
				if site.Grade != nil {
					grades[site.Column] = site.Grade.Grade
				}
			}
			for _, j := range svdh.HandJoints() {
				tj, ok := th.Joints[j]
				if !ok {
					continue
				}
				var at [2]float64
				for _, site := range h.Sites {
					if site.Joint == j && !site.Missing {
						at = [2]float64{site.XPx, site.YPx}
					}
				}
				if at != [2]float64{} {
					own, err := s.Rescore(img, h, j, at[0], at[1])
					if err != nil {
						t.Fatal(err)
					}
					for _, site := range own.Sites {
						if g, ok := grades[site.Column]; ok && site.Grade != nil &&
							site.Grade.Grade == g {
							same++
						} else if ok {
							t.Logf("film %d %s: Score %d, rescored in place %+v", i, site.Column,
								g, site.Grade)
						}
					}
				}
				r, err := s.Rescore(img, h, j, tj.CenterPx[0], tj.CenterPx[1])
				if err != nil {
					t.Fatal(err)
				}
				if len(r.Sites) == 0 {
					t.Fatalf("film %d: joint %s gave no sites", i, j)
				}
				for _, site := range r.Sites {
					sites++
					if site.Grade == nil || site.Placement != 1 || site.XPx != math.Round(tj.CenterPx[0]*10)/10 {
						t.Errorf("film %d %s rescored at the truth: %+v", i, site.Column, site)
						continue
					}
					if site.Grade.Grade == th.Sites[site.Column].Grade {
						exact++
					}
				}
				if r.Width != nil && r.Width.Available && tj.JSWMM != nil {
					jswN++
					jswSum += math.Abs(r.Width.CentralMM - *tj.JSWMM)
				}
			}
		}
	}
	t.Logf("in place: %d of %d sites kept Score's grade; at the truth: %d of %d exact, JSW MAE "+
		"%.3f mm over %d joints", same, sites, exact, sites, jswSum/float64(jswN), jswN)
	if float64(same) < 0.97*float64(sites) || float64(exact) < 0.85*float64(sites) ||
		jswN < 10 || jswSum/float64(jswN) > 0.12 {
		t.Errorf("in place %d/%d (want ≥ 97%%), exact at the truth %d/%d (want ≥ 85%%), "+
			"JSW MAE %.3f mm over %d (want ≤ 0.12 over ≥ 10)", same, sites, exact, sites,
			jswSum/float64(jswN), jswN)
	}
}

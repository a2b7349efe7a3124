package report

import (
	"fmt"
	"maps"
	"slices"

	"rascore/score"
	"rascore/svdh"
)

// Patient is every site scored on the films of one patient that were given together, e.g. a
// left-hand and a right-hand film.
type Patient struct {
	// ID is the hashed patient key, or the film id of a film without one.
	ID    string   `json:"patient_id"`
	Films []string `json:"films"`
	// Sites holds one site per RA2-DREAM column that a film gave, in column order.
	Sites  []score.Site `json:"sites"`
	Totals score.Totals `json:"totals"`
	// Warnings say where two films gave the same site.
	Warnings []string `json:"warnings,omitempty"`
}

// Patients groups reports by PatientID, in the order the patients first appear. Where two films
// give a graded site under the same column, the first film's grade is kept and the patient gets
// a warning; a graded site replaces one that an earlier film could not place. A film given
// twice counts once.
func Patients(reports []*Report) []Patient {
	var out []Patient
	index := map[string]int{}
	cols := map[string]map[string]int{} // patient → column → position in Sites
	from := map[string]map[string]string{}
	for _, r := range reports {
		id := r.PatientID()
		k, ok := index[id]
		if !ok {
			k = len(out)
			index[id] = k
			out = append(out, Patient{ID: id, Sites: []score.Site{}})
			cols[id], from[id] = map[string]int{}, map[string]string{}
		}
		p := &out[k]
		film := r.Input.FilmID
		if slices.Contains(p.Films, film) {
			continue
		}
		p.Films = append(p.Films, film)
		clash := map[string][]string{} // earlier film → columns it kept
		for _, h := range r.Hands {
			for _, s := range h.Sites {
				at, seen := cols[id][s.Column]
				switch {
				case !seen:
					cols[id][s.Column] = len(p.Sites)
					from[id][s.Column] = film
					p.Sites = append(p.Sites, s)
				case p.Sites[at].Grade == nil:
					p.Sites[at], from[id][s.Column] = s, film
				case s.Grade != nil:
					first := from[id][s.Column]
					clash[first] = append(clash[first], s.Column)
				}
			}
		}
		for _, first := range slices.Sorted(maps.Keys(clash)) {
			p.Warnings = append(p.Warnings, clashWarning(first, film, clash[first]))
		}
	}
	order := map[string]int{}
	for i, c := range svdh.Columns() {
		order[c] = i
	}
	for i := range out {
		slices.SortStableFunc(out[i].Sites, func(a, b score.Site) int {
			return order[a.Column] - order[b.Column]
		})
		out[i].Totals = score.SiteTotals(out[i].Sites)
	}
	return out
}

// Graded reports whether any site of the patient carries a grade.
func (p *Patient) Graded() bool { return p.Totals.Scored > 0 }

func clashWarning(first, later string, columns []string) string {
	if len(columns) == 1 {
		return fmt.Sprintf("films %s and %s both give %s: kept %s's grade", first, later,
			columns[0], first)
	}
	return fmt.Sprintf("films %s and %s both give %d sites (%s, …): kept %s's grades", first,
		later, len(columns), columns[0], first)
}

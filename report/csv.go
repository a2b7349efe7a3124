package report

import (
	"encoding/csv"
	"io"
	"strconv"

	"rascore/svdh"
)

// CSVHeader is the RA2-DREAM header: the patient, the three overall totals, then every site
// column in catalogue order (svdh.Columns).
func CSVHeader() []string {
	return append([]string{"Patient_ID", "Overall_Tol", "Overall_erosion", "Overall_narrowing"},
		svdh.Columns()...)
}

// WriteCSV writes one row per patient in the RA2-DREAM layout. A site no film graded (a foot, a
// hand not on any film, a joint that could not be placed) is left empty. The overall totals
// sum the graded sites, hands only; they are empty for a patient with no graded site.
func WriteCSV(w io.Writer, patients []Patient) error {
	cw := csv.NewWriter(w)
	header := CSVHeader()
	if err := cw.Write(header); err != nil {
		return err
	}
	at := map[string]int{}
	for i, c := range header {
		at[c] = i
	}
	for _, p := range patients {
		row := make([]string, len(header))
		row[0] = p.ID
		if p.Graded() {
			row[1] = strconv.Itoa(p.Totals.Total)
			row[2] = strconv.Itoa(p.Totals.Erosion)
			row[3] = strconv.Itoa(p.Totals.JSN)
		}
		for _, s := range p.Sites {
			if i, ok := at[s.Column]; ok && s.Grade != nil && i >= 4 {
				row[i] = strconv.Itoa(s.Grade.Grade)
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

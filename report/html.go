package report

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"image"
	"image/png"
	"io"
	"strings"

	"rascore/score"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"hand": HandName,
	"f1":   func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"f2":   func(v float64) string { return fmt.Sprintf("%.2f", v) },
	"f3":   func(v float64) string { return fmt.Sprintf("%.3f", v) },
	"pct":  func(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) },
	"join": strings.Join,
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"shortSHA": func(s string) string {
		if len(s) > 16 {
			return s[:16] + "…"
		}
		return s
	},
}).Parse(htmlSource))

// totalsRow is one line of the totals table.
type totalsRow struct {
	Scope  string
	Totals score.Totals
}

// htmlData is what the template sees.
type htmlData struct {
	*Report
	Patient *Patient
	Totals  []totalsRow
	Overlay template.URL
}

// WriteHTML writes the report as one self-contained HTML page: no scripts and nothing fetched,
// the overlay (PNG bytes, e.g. of ScoreOverlay; none if empty) embedded as a data URI, the
// styles inline. patient, if not nil, adds the totals of the patient the film belongs to
// (Patients).
func WriteHTML(w io.Writer, r *Report, patient *Patient, overlayPNG []byte) error {
	d := htmlData{Report: r, Patient: patient}
	for _, h := range r.Hands {
		d.Totals = append(d.Totals, totalsRow{Scope: HandName(h.Laterality), Totals: h.Totals})
	}
	if !r.NoHand {
		d.Totals = append(d.Totals, totalsRow{Scope: "film " + r.Input.FilmID, Totals: r.Totals})
	}
	if patient != nil && patient.Graded() {
		films := "1 film"
		if n := len(patient.Films); n != 1 {
			films = fmt.Sprintf("%d films", n)
		}
		d.Totals = append(d.Totals, totalsRow{Totals: patient.Totals,
			Scope: fmt.Sprintf("patient %s (%s)", patient.ID, films)})
	}
	if len(overlayPNG) > 0 {
		// A data URI built here from the bytes: safe to mark as a URL.
		d.Overlay = template.URL("data:image/png;base64," +
			base64.StdEncoding.EncodeToString(overlayPNG))
	}
	return htmlTemplate.Execute(w, d)
}

// EncodePNG encodes an overlay, fast rather than small.
func EncodePNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("report: overlay: %w", err)
	}
	return b.Bytes(), nil
}

package report

import (
	"bytes"
	"encoding/csv"
	"image/png"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"rascore/phantom"
	"rascore/read"
	"rascore/score"
	"rascore/svdh"
)

// oneHot is a grade the network was sure of.
func oneHot(grade, top int) *score.Grade {
	p := make([]float64, top+1)
	p[grade] = 1
	g := score.NewGrade(p)
	return &g
}

// handOf builds a scored hand of one side with the given grade per joint and kind; a joint
// absent from grades is not placed. Site positions are spread over a 1000×1000 film.
func handOf(side svdh.Side, erosion, jsn map[svdh.Joint]int) score.Hand {
	h := score.Hand{Laterality: side, LateralityConfidence: 0.9, Confidence: 0.8}
	for i, s := range svdh.Select(svdh.Hand, side) {
		site := score.Site{Column: s.Column, Label: s.Label, Joint: s.Joint, Kind: s.Kind,
			XPx: float64(100 + 25*i), YPx: float64(100 + 20*i), Placement: 0.9}
		grades := erosion
		if s.Kind == svdh.JSN {
			grades = jsn
		}
		if g, ok := grades[s.Joint]; ok {
			site.Grade = oneHot(g, s.Max)
		} else {
			site.Missing, site.Reason = true, "not placed"
			site.NeedsReview, site.ReviewReasons = true, []string{"not placed"}
		}
		h.Sites = append(h.Sites, site)
	}
	h.Totals = score.SiteTotals(h.Sites)
	return h
}

// reportOf wraps hands into a report of a film with the given bytes and patient key.
func reportOf(data, patientKey string, hands ...score.Hand) *Report {
	film := &score.Film{Width: 1000, Height: 1000, SpacingMM: [2]float64{0.2, 0.2},
		SpacingSource: read.SpacingPixel, Hands: hands}
	for _, h := range hands {
		film.Totals.Add(h.Totals)
	}
	rg := &read.Radiograph{Width: 1000, Height: 1000, Format: "dicom", Modality: "DX",
		PatientKey: patientKey}
	return New("rascore test", []ModelRef{{Name: "locator", Version: "1", SHA256: "ab"}},
		[]byte(data), rg, film)
}

// rightHand: erosion 1 everywhere except MCP 2 (3) and the distal ulna (not placed): 14·1 + 3 =
// 17 over 15 sites; JSN 2 at PIP 2–5 (8), 1 at MCP 1–5 (5), 0 at the wrist: 13 over 15 sites.
func rightHand() score.Hand {
	ero := map[svdh.Joint]int{}
	for _, j := range []svdh.Joint{svdh.ThumbIP, svdh.PIP2, svdh.PIP3, svdh.PIP4, svdh.PIP5,
		svdh.MCP1, svdh.MCP3, svdh.MCP4, svdh.MCP5, svdh.CMC1, svdh.Trapezium, svdh.Scaphoid,
		svdh.Lunate, svdh.Radius} {
		ero[j] = 1
	}
	ero[svdh.MCP2] = 3
	jsn := map[svdh.Joint]int{svdh.PIP2: 2, svdh.PIP3: 2, svdh.PIP4: 2, svdh.PIP5: 2,
		svdh.MCP1: 1, svdh.MCP2: 1, svdh.MCP3: 1, svdh.MCP4: 1, svdh.MCP5: 1, svdh.CMC3: 0,
		svdh.CMC4: 0, svdh.CMC5: 0, svdh.MNA: 0, svdh.CapNLun: 0, svdh.RadCar: 0}
	return handOf(svdh.Right, ero, jsn)
}

// leftHand: erosion 2 at MCP 1–5 only (10 over 5 sites); JSN 4 at PIP 3 only (4 over 1 site).
func leftHand() score.Hand {
	ero := map[svdh.Joint]int{svdh.MCP1: 2, svdh.MCP2: 2, svdh.MCP3: 2, svdh.MCP4: 2,
		svdh.MCP5: 2}
	return handOf(svdh.Left, ero, map[svdh.Joint]int{svdh.PIP3: 4})
}

func readCSV(t *testing.T, patients []Patient) [][]string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteCSV(&b, patients); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse back: %v", err)
	}
	return rows
}

// cell returns a row's value under a column.
func cell(t *testing.T, header, row []string, column string) string {
	t.Helper()
	i := slices.Index(header, column)
	if i < 0 {
		t.Fatalf("no column %s", column)
	}
	return row[i]
}

func TestCSVLayoutAndValues(t *testing.T) {
	r := reportOf("film one", "0123456789abcdef", rightHand())
	rows := readCSV(t, Patients([]*Report{r}))
	if len(rows) != 2 {
		t.Fatalf("%d rows, want header and one patient", len(rows))
	}
	header, row := rows[0], rows[1]
	want := append([]string{"Patient_ID", "Overall_Tol", "Overall_erosion",
		"Overall_narrowing"}, svdh.Columns()...)
	if !slices.Equal(header, want) {
		t.Fatalf("header %v\nwant %v", header, want)
	}
	if len(header) != 4+2*(16+15)+2*12 {
		t.Errorf("%d columns, want 4 + 62 hand + 24 foot", len(header))
	}
	if got := row[:4]; !slices.Equal(got, []string{"0123456789abcdef", "30", "17", "13"}) {
		t.Errorf("patient and totals %v, want the key and 30, 17, 13", got)
	}
	for column, want := range map[string]string{
		"RH_mcp_E__2": "3", "RH_mcp_E__ip": "1", "RH_wrist_E__radius": "1",
		"RH_wrist_E__ulna": "", "RH_pip_J__2": "2", "RH_mcp_J__5": "1", "RH_wrist_J__radcar": "0",
		"LH_mcp_E__2": "", "LH_pip_J__3": "", "RF_mtp_E__1": "", "LF_mtp_J__ip": "",
	} {
		if got := cell(t, header, row, column); got != want {
			t.Errorf("%s = %q, want %q", column, got, want)
		}
	}
	filled := 0
	for _, v := range row[4:] {
		if v != "" {
			filled++
		}
	}
	if filled != 30 {
		t.Errorf("%d site cells filled, want 30 (31 right-hand sites less the ulna)", filled)
	}
}

func TestPatientsMergeLeftAndRightFilms(t *testing.T) {
	key := "fedcba9876543210"
	rh := reportOf("right film", key, rightHand())
	lh := reportOf("left film", key, leftHand())
	other := reportOf("someone else", "", leftHand())
	// a second right-hand film of the same patient, all grades 0: the first film's grades stay
	zero := map[svdh.Joint]int{}
	for _, j := range svdh.HandJoints() {
		zero[j] = 0
	}
	again := reportOf("right film again", key, handOf(svdh.Right, zero, zero))

	patients := Patients([]*Report{rh, other, lh, again, rh})
	if len(patients) != 2 {
		t.Fatalf("%d patients, want 2", len(patients))
	}
	p := patients[0]
	wantFilms := []string{rh.Input.FilmID, lh.Input.FilmID, again.Input.FilmID}
	if p.ID != key || !slices.Equal(p.Films, wantFilms) {
		t.Errorf("patient %s films %v, want %s with %v", p.ID, p.Films, key, wantFilms)
	}
	// right 17 + 13 over 30 sites, left 10 + 4 over 6; the ulna, not placed on the first film,
	// comes from the third (grade 0)
	if p.Totals.Total != 44 || p.Totals.Erosion != 27 || p.Totals.JSN != 17 ||
		p.Totals.Scored != 30+6+1 {
		t.Errorf("totals %+v, want total 44 (erosion 27, JSN 17) over 37 sites", p.Totals)
	}
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "30 sites") ||
		!strings.Contains(p.Warnings[0], "kept "+rh.Input.FilmID) {
		t.Errorf("warnings %q, want one saying 30 sites were kept from %s", p.Warnings,
			rh.Input.FilmID)
	}
	if patients[1].ID != other.Input.FilmID {
		t.Errorf("a film without a patient key is patient %q, want its film id %q",
			patients[1].ID, other.Input.FilmID)
	}

	rows := readCSV(t, patients)
	if len(rows) != 3 {
		t.Fatalf("%d rows, want header and 2 patients", len(rows))
	}
	header, row := rows[0], rows[1]
	if got := row[:4]; !slices.Equal(got, []string{key, "44", "27", "17"}) {
		t.Errorf("merged row starts %v, want %s, 44, 27, 17", got, key)
	}
	for column, want := range map[string]string{
		"RH_mcp_E__2": "3", "LH_mcp_E__2": "2", "LH_pip_J__3": "4", "LH_pip_J__2": "",
		"RH_wrist_E__ulna": "0", "RH_pip_J__2": "2",
	} {
		if got := cell(t, header, row, column); got != want {
			t.Errorf("%s = %q, want %q", column, got, want)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r := reportOf("film bytes", "00112233aabbccdd", rightHand(), leftHand())
	r.Warnings = append(r.Warnings, "no pixel size in the file")
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{`"schema": "rascore.report/v1"`, `"note": "Research output, ` +
		`not for clinical use: scores have not been validated on labelled adult radiographs."`,
		`"film_id": "` + r.Input.SHA256[:12] + `"`, `"no_hand": false`,
		`"patient_key": "00112233aabbccdd"`} {
		if !strings.Contains(text, want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
	back, err := ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("round trip changed the report:\n%+v\n%+v", back, r)
	}
	if f := back.Film(); f.Totals.Total != 30+14 || len(f.Hands) != 2 ||
		!slices.Equal(f.Warnings, []string{"no pixel size in the file"}) {
		t.Errorf("film from JSON: total %d, %d hands, warnings %q", f.Totals.Total, len(f.Hands),
			f.Warnings)
	}

	wrong := strings.Replace(text, Schema, "rascore.report/v0", 1)
	if _, err := ReadJSON(strings.NewReader(wrong)); err == nil {
		t.Error("a report of another schema was read")
	}
}

func TestNoHandReport(t *testing.T) {
	r := reportOf("empty film", "")
	r2 := New("rascore test", nil, []byte("empty film"), &read.Radiograph{Format: "png"},
		&score.Film{Width: 10, Height: 10, NoHand: true})
	var b bytes.Buffer
	if err := r2.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if !r2.NoHand || r2.Message != "no hand found" || !strings.Contains(b.String(), `"hands": []`) {
		t.Errorf("no-hand report: no_hand %v, message %q, JSON %s", r2.NoHand, r2.Message, &b)
	}
	rows := readCSV(t, Patients([]*Report{r}))
	if len(rows) != 2 || rows[1][0] != r.Input.FilmID || strings.Join(rows[1][1:], "") != "" {
		t.Errorf("a film with no hand gives row %v, want its film id and nothing else", rows[1])
	}
}

func TestHTMLShowsTotalsAndEscapes(t *testing.T) {
	r := reportOf("html film", "0a1b2c3d4e5f6789", rightHand())
	r.Warnings = append(r.Warnings, `<script>alert("x")</script>`)
	r.Hands[0].Sites[1].NeedsReview = true
	r.Hands[0].Sites[1].ReviewReasons = []string{"unsure: P(grade 1) = 0.40"}
	pats := Patients([]*Report{r, reportOf("left", "0a1b2c3d4e5f6789", leftHand())})
	rg := read.New(200, 100)
	overlay, err := EncodePNG(ScoreOverlay(rg, r, 200))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, r, &pats[0], overlay); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		"Research output, not for clinical use",
		"<td class=\"n\">30</td><td class=\"n\">17</td><td class=\"n\">13</td>", // right hand
		"<td class=\"n\">44</td><td class=\"n\">27</td><td class=\"n\">17</td>", // patient
		"patient 0a1b2c3d4e5f6789 (2 films)",
		`src="data:image/png;base64,iVBOR`,
		"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;",
		"0.200 × 0.200 mm (PixelSpacing)",
		r.Input.FilmID,
		`<tr class="review"><td>PIP 2</td>`,
		"unsure: P(grade 1) = 0.40",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, "<script") {
		t.Error("the warning's script tag reached the page unescaped")
	}
	for _, ext := range []string{"http://", "https://", "<link", "@import"} {
		if strings.Contains(page, ext) {
			t.Errorf("page refers to something outside itself: %s", ext)
		}
	}
}

// truthReport scores a phantom film from its own truth: each site graded as the truth says, so
// the overlay can be checked against known colours.
func truthReport(tr *phantom.Truth, img *read.Radiograph) *Report {
	film := &score.Film{Width: img.Width, Height: img.Height, SpacingMM: img.SpacingMM,
		SpacingSource: img.SpacingSource}
	for _, ht := range tr.Hands {
		h := score.Hand{Laterality: ht.Laterality, LateralityConfidence: 1, Confidence: 1}
		for _, s := range svdh.Select(svdh.Hand, ht.Laterality) {
			st := ht.Sites[s.Column]
			site := score.Site{Column: s.Column, Label: s.Label, Joint: s.Joint, Kind: s.Kind,
				XPx: st.CenterPx[0], YPx: st.CenterPx[1], Placement: 1,
				Grade: oneHot(st.Grade, s.Max)}
			if s.Joint == svdh.PIP4 {
				site.NeedsReview, site.ReviewReasons = true, []string{"unsure"}
			}
			h.Sites = append(h.Sites, site)
		}
		for _, j := range []svdh.Joint{svdh.MCP2, svdh.PIP3} {
			jt := ht.Joints[j]
			w := score.Width{Joint: j, Label: string(j)}
			if jt.JSWMM != nil {
				w.Available, w.CentralMM = true, *jt.JSWMM
			}
			h.Widths = append(h.Widths, w)
		}
		h.Totals = score.SiteTotals(h.Sites)
		film.Hands = append(film.Hands, h)
		film.Totals.Add(h.Totals)
	}
	return New("rascore test", nil, []byte("phantom"), img, film)
}

func TestScoreOverlay(t *testing.T) {
	opts := phantom.DefaultOptions()
	opts.Hands = 2
	img, tr, err := phantom.Render(opts, 7, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := truthReport(tr, img)
	const maxSide = 800
	var b bytes.Buffer
	if err := png.Encode(&b, ScoreOverlay(img, r, maxSide)); err != nil {
		t.Fatal(err)
	}
	got, err := png.Decode(&b)
	if err != nil {
		t.Fatalf("overlay PNG does not decode: %v", err)
	}

	long := max(img.Width, img.Height)
	filmW, filmH := img.Width*maxSide/long, img.Height*maxSide/long
	lines := len(headerLines(r))
	if lines != 1+2+1 {
		t.Errorf("%d header lines, want the film, two hands and the film total", lines)
	}
	headH := 8 + lineHeight*lines
	rad := max(5, int(math.Round(maxSide/180.0)))
	wantH := headH + filmH + 2*(2*rad+8) + 8 + 2*lineHeight + 6 // legend, key and note
	if b := got.Bounds(); b.Dy() != wantH || b.Dx() < filmW {
		t.Errorf("overlay %dx%d, want %d high and at least %d wide", b.Dx(), b.Dy(), wantH,
			filmW)
	}

	// The MCP 2 erosion half of the right hand's disc has the colour of its true grade.
	rh := tr.Hands[1]
	c := &Canvas{Scale: float64(filmW) / float64(img.Width)}
	x, y := c.At(rh.Joints[svdh.MCP2].CenterPx[0], rh.Joints[svdh.MCP2].CenterPx[1])
	want := GradeColour(rh.Joints[svdh.MCP2].Erosion, svdh.MaxHandErosion)
	if px := got.At(x-rad/2, y+headH); !sameColour(px, want) {
		t.Errorf("MCP 2 erosion marker is %v, want %v (grade %d)", px, want,
			rh.Joints[svdh.MCP2].Erosion)
	}
	wantJ := GradeColour(rh.Joints[svdh.MCP2].JSN, svdh.MaxJSN)
	if px := got.At(x+rad/2, y+headH); !sameColour(px, wantJ) {
		t.Errorf("MCP 2 JSN marker is %v, want %v", px, wantJ)
	}
}

func sameColour(a, b interface{ RGBA() (r, g, bl, al uint32) }) bool {
	r1, g1, b1, _ := a.RGBA()
	r2, g2, b2, _ := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2
}

func TestGradeColour(t *testing.T) {
	if c := GradeColour(0, 5); c.G < 150 || c.R > 100 {
		t.Errorf("grade 0 is %v, want green", c)
	}
	if c := GradeColour(5, 5); c.R < 200 || c.G > 80 {
		t.Errorf("grade 5 of 5 is %v, want red", c)
	}
	if GradeColour(4, 4) != GradeColour(5, 5) {
		t.Error("the top JSN grade and the top erosion grade differ in colour")
	}
}

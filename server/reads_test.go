package server

import (
	"bytes"
	"fmt"
	"image/png"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"rascore/read"
	"rascore/report"
	"rascore/review"
	"rascore/score"
	"rascore/store"
	"rascore/svdh"
)

// TestReadAPI corrects a scored study over the API: bad changes are refused with 400, a good
// one changes the read, its CSV and the worklist's totals but not the AI's report; the film
// and a patch come back as pictures; sign-off locks the read.
func TestReadAPI(t *testing.T) {
	checkReadAPI(t, newTestEnv(t, "", nil))
}

func checkReadAPI(t *testing.T, e *testEnv) {
	code, b := e.do(t, "POST", "/v1/studies", "application/dicom", sampleFilm(t))
	if code != http.StatusAccepted {
		t.Fatalf("upload: %d %s", code, b)
	}
	id := decode[Queued](t, b).StudyID
	waitStudy(t, e.http.URL, e.key, id, 60e9)
	ai := e2eReport(t, e, id)
	site := ai.Hands[0].Sites[0]
	grade := (site.Grade.Grade + 2) % 4
	post := func(path, body string) (int, []byte) {
		return e.do(t, "POST", "/v1/studies/"+id+path, "application/json", []byte(body))
	}

	for _, body := range []string{
		`{"reader":"","column":"` + site.Column + `","action":"grade","grade":1}`,
		`{"reader":"R","column":"` + site.Column + `","action":"grade","grade":9}`,
		`{"reader":"R","column":"XX","action":"grade","grade":1}`,
		`{"reader":"R","column":"` + site.Column + `","action":"paint"}`,
		`{"reader":"R","column":"` + site.Column + `","action":"grade","grade":1,"x":1}`,
		`{"reader":"R","column":"` + site.Column + `","action":"grade","grade":1}{}`,
		`{"reader":"R","column":"` + site.Column + `","action":"move","x_px":"8","y_px":9}`,
		`{"reader":"R","column":"` + site.Column + `","action":"grade","grade":1.5}`,
		`[]`, `{"reader":`, ``,
	} {
		code, b := post("/corrections", body)
		if code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", body, code, b)
		}
		checkOneLineError(t, body, b)
		if strings.Contains(string(b), "Go ") || strings.Contains(string(b), "json:") {
			t.Errorf("%s: %s speaks of the decoder, not the API", body, b)
		}
	}
	code, b = post("/corrections", `{"reader":"Dr R","column":"`+site.Column+
		`","action":"grade","grade":`+strconv.Itoa(grade)+`}`)
	if code != http.StatusOK {
		t.Fatalf("correction: %d %s", code, b)
	}
	rd := decode[review.Read](t, b)
	want := withGrade(t, ai, site.Column, grade)
	if rd.Report.Totals.Total != want.Totals.Total || rd.Status != review.StatusCorrected ||
		len(rd.Corrections) != 1 || rd.Corrections[0].Reader != "Dr R" {
		t.Errorf("read %+v %+v, want total %d and one correction by Dr R", rd.Status,
			rd.Report.Totals, want.Totals.Total)
	}

	_, b = e.do(t, "GET", "/v1/studies/"+id+"/read.csv", "", nil)
	var wantCSV bytes.Buffer
	report.WriteCSV(&wantCSV, report.Patients([]*report.Report{want}))
	if !bytes.Equal(b, wantCSV.Bytes()) {
		t.Errorf("read.csv %.200s, want %.200s", b, wantCSV.Bytes())
	}
	if again := e2eReport(t, e, id); again.Totals != ai.Totals {
		t.Errorf("AI report totals %+v after a correction, want %+v", again.Totals, ai.Totals)
	}
	code, b = e.do(t, "GET", "/v1/worklist", "", nil)
	list := decode[struct{ Studies []store.WorkItem }](t, b)
	if code != 200 || len(list.Studies) != 1 || list.Studies[0].Totals == nil ||
		list.Studies[0].Totals.Total != want.Totals.Total || list.Studies[0].Corrections != 1 {
		t.Errorf("worklist %d %.300s, want one study with total %d", code, b,
			want.Totals.Total)
	}

	_, b = e.do(t, "GET", "/v1/studies/"+id+"/film.png", "", nil)
	if img, err := png.Decode(bytes.NewReader(b)); err != nil ||
		img.Bounds().Dx() != ai.Input.Width || img.Bounds().Dy() != ai.Input.Height {
		t.Errorf("film.png: %v, want %d × %d", err, ai.Input.Width, ai.Input.Height)
	}
	_, b = e.do(t, "GET", "/v1/studies/"+id+"/sites/"+site.Column+"/patch.png", "", nil)
	if img, err := png.Decode(bytes.NewReader(b)); err != nil || img.Bounds().Dx() != 96 {
		t.Errorf("patch.png: %v, want 96 × 96", err)
	}

	// A moved joint is graded and measured again where the reader put it, as the library
	// grades it there.
	var moved score.Site
	for _, s := range rd.Report.Hands[0].Sites {
		if s.Joint == svdh.MCP3 && s.Kind == svdh.JSN {
			moved = s
		}
	}
	x, y := moved.XPx+6, moved.YPx-4
	code, b = post("/corrections", fmt.Sprintf(`{"reader":"Dr R","column":"%s",`+
		`"action":"move","x_px":%g,"y_px":%g}`, moved.Column, x, y))
	if code != http.StatusOK {
		t.Fatalf("move: %d %s", code, b)
	}
	rg, err := read.Decode(bytes.NewReader(sampleFilm(t)), read.WithSalt(testSalt))
	if err != nil {
		t.Fatal(err)
	}
	wantMove, err := testScorer(t).Score.Rescore(rg, rd.Report.Hands[0], svdh.MCP3, x, y)
	if err != nil {
		t.Fatal(err)
	}
	rd = decode[review.Read](t, b)
	for _, w := range wantMove.Sites {
		h, i := review.HandOf(rd.Report, w.Column)
		got := h.Sites[i]
		if got.Grade == nil || w.Grade == nil || got.Grade.Grade != w.Grade.Grade ||
			math.Abs(got.Grade.Expected-w.Grade.Expected) > 1e-9 || got.XPx != x ||
			got.Placement != 1 {
			t.Errorf("moved %s: %+v at (%v, %v), want the library's %+v at (%v, %v)",
				w.Column, got.Grade, got.XPx, got.YPx, w.Grade, x, y)
		}
	}
	for _, w := range rd.Report.Hands[0].Widths {
		if w.Joint == svdh.MCP3 && (wantMove.Width == nil || w != *wantMove.Width) {
			t.Errorf("moved MCP 3 width %+v, want the library's %+v", w, wantMove.Width)
		}
	}

	if code, b := post("/sign-off", `{"reader":"Dr R"}`); code != http.StatusOK {
		t.Fatalf("sign-off: %d %s", code, b)
	}
	if code, _ := post("/sign-off", `{"reader":"Dr R"}`); code != http.StatusConflict {
		t.Errorf("second sign-off: %d, want 409", code)
	}
	code, b = post("/corrections", `{"reader":"Dr R","column":"`+site.Column+
		`","action":"not_assessable"}`)
	if code != http.StatusConflict {
		t.Errorf("correction after sign-off: %d %s, want 409", code, b)
	}
	_, b = e.do(t, "GET", "/v1/studies/"+id+"/audit", "", nil)
	for _, line := range []string{`"action":"read.correct"`, `Dr R: ` + site.Column + ` grade`,
		`Dr R: ` + moved.Column + ` move`, `scored there: `, `"action":"read.sign-off"`} {
		if !strings.Contains(string(b), line) {
			t.Errorf("audit trail lacks %q: %.400s", line, b)
		}
	}
}

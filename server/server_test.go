package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"rascore/report"
	"rascore/store"
)

// TestUploadScoresLikeTheLibrary uploads the phantom film and fetches every output over HTTP:
// the report equals what score.Scorer gives for the same file, and the CSV, PNG, HTML, study
// list, metrics and audit trail all say the same.
func TestUploadScoresLikeTheLibrary(t *testing.T) {
	e := newTestEnv(t, "", nil)
	checkUploadScores(t, e)
}

func checkUploadScores(t *testing.T, e *testEnv) {
	data := sampleFilm(t)
	want := wantReport(t, data)

	code, b := e.do(t, "POST", "/v1/studies", "application/dicom", data)
	if code != http.StatusAccepted {
		t.Fatalf("upload: %d %s", code, b)
	}
	q := decode[Queued](t, b)
	if q.FilmID != want.Input.FilmID || q.JobID == 0 || len(q.StudyID) != 16 {
		t.Fatalf("upload answer %+v, want film %s and ids", q, want.Input.FilmID)
	}
	st := waitStudy(t, e.http.URL, e.key, q.StudyID, 60e9)
	if st.Status != store.StatusScored || st.SHA256 != want.Input.SHA256 {
		t.Fatalf("study %+v, want scored with sha %s", st, want.Input.SHA256)
	}

	code, b = e.do(t, "GET", "/v1/studies/"+q.StudyID+"/report.json", "", nil)
	if code != http.StatusOK {
		t.Fatalf("report.json: %d %s", code, b)
	}
	got, err := report.ReadJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	sameScores(t, got, want)

	code, b = e.do(t, "GET", "/v1/studies/"+q.StudyID+"/report.csv", "", nil)
	var wantCSV bytes.Buffer
	report.WriteCSV(&wantCSV, report.Patients([]*report.Report{want}))
	if code != http.StatusOK || !bytes.Equal(b, wantCSV.Bytes()) {
		t.Errorf("report.csv: %d, %d bytes; want the %d bytes of report.WriteCSV", code, len(b),
			wantCSV.Len())
	}

	code, b = e.do(t, "GET", "/v1/studies/"+q.StudyID+"/overlay.png", "", nil)
	img, err := png.Decode(bytes.NewReader(b))
	if code != http.StatusOK || err != nil {
		t.Fatalf("overlay.png: %d %v", code, err)
	}
	if side := max(img.Bounds().Dx(), img.Bounds().Dy()); side < 400 || side > 1200 {
		t.Errorf("overlay %v, want its film drawn at 800 px (plus the legend band)", img.Bounds())
	}

	code, b = e.do(t, "GET", "/v1/studies/"+q.StudyID+"/report.html", "", nil)
	if code != http.StatusOK || !strings.Contains(string(b), want.Input.FilmID) ||
		!strings.Contains(string(b), "data:image/png;base64,") {
		t.Errorf("report.html: %d, want a page naming film %s with its overlay", code,
			want.Input.FilmID)
	}

	code, b = e.do(t, "GET", "/v1/studies", "", nil)
	list := decode[struct{ Studies []store.Study }](t, b)
	if code != http.StatusOK || !slices.ContainsFunc(list.Studies, func(s store.Study) bool {
		return s.ID == q.StudyID && s.Status == store.StatusScored
	}) {
		t.Errorf("list: %d %s, want study %s scored", code, b, q.StudyID)
	}

	code, b = e.do(t, "GET", fmt.Sprintf("/v1/jobs/%d", q.JobID), "", nil)
	job := decode[JobView](t, b)
	if code != http.StatusOK || job.State != "completed" || job.StudyID != q.StudyID ||
		job.Attempt != 1 {
		t.Errorf("job: %d %+v, want completed at attempt 1 for study %s", code, job, q.StudyID)
	}

	code, b = e.do(t, "GET", "/metrics", "", nil)
	for _, line := range []string{`rascore_jobs{state="completed"} 1`,
		`rascore_stage_seconds_count{stage="score"} 1`,
		`rascore_studies_finished_total{status="scored"} 1`} {
		if code != http.StatusOK || !strings.Contains(string(b), line+"\n") {
			t.Errorf("metrics: %d, want the line %q", code, line)
		}
	}

	trail, err := e.db.AuditOf(context.Background(), q.StudyID)
	var actions []string
	for _, a := range trail {
		actions = append(actions, a.Action)
	}
	if err != nil || !slices.Equal(actions[:2], []string{"study.create", "study.finish"}) ||
		!slices.Contains(actions, "report.read") {
		t.Errorf("audit trail %v (%v), want create, finish, then reads", actions, err)
	}
}

// TestBadInput sends what a careless or hostile client might: each gets its 4xx and one line
// of JSON, and the server goes on serving.
func TestBadInput(t *testing.T) {
	e := newTestEnv(t, "", func(c *Config) { c.MaxUploadBytes = 2 << 20 })
	film := sampleFilm(t)
	ctx := context.Background()
	revoked, revokedKey, err := e.db.CreateKey(ctx, "revoked")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.RevokeKey(ctx, revoked.ID); err != nil {
		t.Fatal(err)
	}

	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	fw, _ := mw.CreateFormFile("file", "DOE^JOHN.dcm")
	fw.Write(film)
	mw.Close()
	truncated := mp.Bytes()[:mp.Len()/2]
	corrupt := append(make([]byte, 128), []byte("DICM\x02\x00\x00\x00garbage that is no group")...)

	for _, c := range []struct {
		name, key, ctype string
		body             []byte
		want             int
	}{
		{"no key", "", "application/dicom", film, 401},
		{"unknown key", "rsk_nope", "application/dicom", film, 401},
		{"revoked key", revokedKey, "application/dicom", film, 401},
		{"wrong content type", e.key, "text/plain", film, 415},
		{"no content type", e.key, "", film, 415},
		{"type not the file's", e.key, "image/png", film, 415},
		{"truncated multipart", e.key, mw.FormDataContentType(), truncated, 400},
		{"oversized body", e.key, "application/dicom", make([]byte, 3<<20), 413},
		{"corrupt DICOM", e.key, "application/dicom", corrupt, 422},
		{"not an image", e.key, "application/octet-stream", []byte("hello"), 422},
	} {
		code, b := doKey(t, e.url("/v1/studies"), c.key, "POST", c.ctype, c.body)
		if code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, code, b, c.want)
		}
		checkOneLineError(t, c.name, b)
	}
	code, b := e.do(t, "GET", "/v1/studies/0123456789abcdef/report.json", "", nil)
	if code != 404 {
		t.Errorf("unknown study: %d %s, want 404", code, b)
	}
	checkOneLineError(t, "unknown study", b)
	code, b = e.do(t, "GET", "/v1/nothing", "", nil)
	if code != 404 {
		t.Errorf("unknown route: %d, want 404", code)
	}
	checkOneLineError(t, "unknown route", b)

	// Still serving: the whole film as multipart is taken.
	code, b = e.do(t, "POST", "/v1/studies", mw.FormDataContentType(), mp.Bytes())
	if code != http.StatusAccepted {
		t.Fatalf("good multipart upload after the bad ones: %d %s", code, b)
	}
	st := waitStudy(t, e.http.URL, e.key, decode[Queued](t, b).StudyID, 60e9)
	if st.Status != store.StatusScored {
		t.Errorf("study after the bad ones: %+v", st)
	}
	c, _ := e.db.CountAll(ctx)
	if c.Studies != 1 {
		t.Errorf("%d studies kept, want only the good one", c.Studies)
	}
	if code, _ := doKey(t, e.url("/healthz"), "", "GET", "", nil); code != 200 {
		t.Errorf("healthz %d", code)
	}
}

// TestSTOW pushes a good and a corrupt instance by STOW-RS: the answer is the standard one
// (202, the good one referenced, the bad one failed with reason C000) and the good one is
// scored like the library scores it.
func TestSTOW(t *testing.T) {
	e := newTestEnv(t, "", nil)
	film := sampleFilm(t)
	u, err := instanceUIDs(film)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, part := range [][]byte{film, []byte("not DICOM at all")} {
		w, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/dicom"}})
		w.Write(part)
	}
	mw.Close()
	ctype := `multipart/related; type="application/dicom"; boundary=` + mw.Boundary()

	code, b := e.do(t, "POST", "/dicomweb/studies", "application/dicom", film)
	if code != http.StatusUnsupportedMediaType {
		t.Errorf("STOW of a bare file: %d, want 415", code)
	}
	checkOneLineError(t, "bare STOW", b)

	code, b = e.do(t, "POST", "/dicomweb/studies", ctype, body.Bytes())
	if code != http.StatusAccepted {
		t.Fatalf("STOW: %d %s, want 202 (one stored, one failed)", code, b)
	}
	var resp map[string]struct {
		VR    string
		Value []map[string]struct {
			VR    string
			Value []any
		}
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	ref, fail := resp["00081199"], resp["00081198"]
	if len(ref.Value) != 1 || len(fail.Value) != 1 || ref.VR != "SQ" {
		t.Fatalf("STOW response %s: want one referenced and one failed instance", b)
	}
	if got := ref.Value[0]["00081155"].Value; len(got) != 1 || got[0] != u.sopInstance {
		t.Errorf("referenced SOP instance %v, want %s", got, u.sopInstance)
	}
	if got := fail.Value[0]["00081197"].Value; len(got) != 1 || got[0] != float64(0xC000) {
		t.Errorf("failure reason %v, want 0xC000", got)
	}
	url := ref.Value[0]["00081190"].Value[0].(string)
	id := url[strings.LastIndex(url, "/")+1:]
	st := waitStudy(t, e.http.URL, e.key, id, 60e9)
	if st.Source != "stow" || st.SOPInstance != u.sopInstance || st.Status != "scored" {
		t.Fatalf("stowed study %+v", st)
	}
	_, b = e.do(t, "GET", "/v1/studies/"+id+"/report.json", "", nil)
	got, err := report.ReadJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	sameScores(t, got, wantReport(t, film))

	// The same instance sent again is the same study, not a second one.
	code, b = e.do(t, "POST", "/dicomweb/studies", ctype, body.Bytes())
	if code != http.StatusAccepted || !strings.Contains(string(b), "/v1/studies/"+id+`"`) {
		t.Errorf("STOW again: %d %s, want 202 referring to study %s", code, b, id)
	}
	_, b = e.do(t, "GET", "/v1/studies", "", nil)
	list := decode[struct{ Studies []store.Study }](t, b)
	if n := len(list.Studies); n != 1 {
		t.Errorf("%d studies after sending one instance twice, want 1", n)
	}

	code, b = e.do(t, "POST", "/dicomweb/studies/1.2.3.4", ctype, body.Bytes())
	if code != http.StatusConflict || !strings.Contains(string(b), `"00081197":{"vr":"US",`+
		`"Value":[43264]}`) {
		t.Errorf("STOW to another study: %d %s, want 409 and reason A900", code, b)
	}
}

// TestOpenAPICoversRoutes: every route the router serves is in /openapi.json, and nothing
// else is.
func TestOpenAPICoversRoutes(t *testing.T) {
	e := newTestEnv(t, "", nil)
	code, b := e.do(t, "GET", "/openapi.json", "", nil)
	if code != 200 {
		t.Fatalf("openapi.json: %d", code)
	}
	doc := decode[struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]any
	}](t, b)
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	served := map[string]bool{}
	chi.Walk(e.srv.router, func(method, route string, _ http.Handler,
		_ ...func(http.Handler) http.Handler) error {
		served[method+" "+route] = true
		return nil
	})
	for r := range served {
		if !documented[r] {
			t.Errorf("%s served but not in openapi.json", r)
		}
	}
	for r := range documented {
		if !served[r] {
			t.Errorf("%s in openapi.json but not served", r)
		}
	}
	if doc.OpenAPI != "3.1.0" || len(served) < 14 {
		t.Errorf("openapi %q, %d routes", doc.OpenAPI, len(served))
	}
}

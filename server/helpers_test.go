package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"rascore/pipeline"
	"rascore/read"
	"rascore/report"
	"rascore/store"
)

const testSalt = "server-test-salt"

// samplePath is the bundled phantom film.
const samplePath = "../samples/phantom-hand.dcm"

func sampleFilm(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

var (
	scorerOnce sync.Once
	scorer     *pipeline.Scorer
	scorerErr  error
)

// testScorer is one scorer for the whole test binary: the networks load once.
func testScorer(t testing.TB) *pipeline.Scorer {
	t.Helper()
	scorerOnce.Do(func() {
		scorer, scorerErr = pipeline.New("rascore test", []read.Option{read.WithSalt(testSalt)},
			800)
	})
	if scorerErr != nil {
		t.Fatal(scorerErr)
	}
	return scorer
}

// wantReport is what the library gives for a film, straight from score.Scorer: the reference
// the reports served over HTTP are held to.
func wantReport(t testing.TB, data []byte) *report.Report {
	t.Helper()
	sc := testScorer(t)
	rg, err := read.Decode(bytes.NewReader(data), read.WithSalt(testSalt))
	if err != nil {
		t.Fatal(err)
	}
	film, err := sc.Score.Score(rg)
	if err != nil {
		t.Fatal(err)
	}
	return report.New(sc.Software, sc.Models, data, rg, film)
}

// testEnv is a server on loopback with one API key.
type testEnv struct {
	srv  *Server
	http *httptest.Server
	db   *store.DB
	key  string
	dir  string
}

func (e *testEnv) url(path string) string { return e.http.URL + path }

// newTestEnv starts a server on an SQLite store in a temp dir, or on dbURL when given.
func newTestEnv(t testing.TB, dbURL string, tweak func(*Config)) *testEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	if dbURL == "" {
		dbURL = "sqlite:" + filepath.Join(dir, "rascore.db")
	}
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_, key, err := db.CreateKey(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{DB: db, DataDir: dir, Scorer: testScorer(t), Workers: 2}
	if tweak != nil {
		tweak(&cfg)
	}
	srv, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv.Handler())
	hs.Config = srv.HTTPServer("")
	hs.Start()
	e := &testEnv{srv: srv, http: hs, db: db, key: key, dir: dir}
	t.Cleanup(func() {
		hs.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		srv.Stop(sctx)
		db.Close()
	})
	return e
}

// do sends a request with the env's key and gives the status and body.
func (e *testEnv) do(t testing.TB, method, path, ctype string, body []byte) (int, []byte) {
	t.Helper()
	return doKey(t, e.url(path), e.key, method, ctype, body)
}

func doKey(t testing.TB, url, key, method, ctype string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func decode[T any](t testing.TB, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v: %.200s", err, b)
	}
	return v
}

// waitStudy polls a study until its result is in.
func waitStudy(t testing.TB, base, key, id string, limit time.Duration) store.Study {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		code, b := doKey(t, base+"/v1/studies/"+id, key, "GET", "", nil)
		if code != http.StatusOK {
			t.Fatalf("study %s: %d %s", id, code, b)
		}
		st := decode[StudyView](t, b)
		if st.Status != "" {
			return st.Study
		}
		if time.Now().After(deadline) {
			t.Fatalf("study %s not finished after %v (job %s)", id, limit, st.JobState)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkOneLineError says whether a body is the API's one-line JSON error.
func checkOneLineError(t testing.TB, what string, b []byte) {
	t.Helper()
	s := strings.TrimSuffix(string(b), "\n")
	if strings.Contains(s, "\n") {
		t.Errorf("%s: error of several lines: %q", what, b)
	}
	var eb errorBody
	if err := json.Unmarshal(b, &eb); err != nil || eb.Error == "" {
		t.Errorf("%s: body %q is not {\"error\": …}", what, b)
	}
}

// sameScores compares a served report with the library's for the same film: input, totals,
// and every site's grades and widths.
func sameScores(t testing.TB, got, want *report.Report) {
	t.Helper()
	g, _ := json.Marshal(struct {
		I report.Input
		H any
		T any
		W []string
	}{got.Input, got.Hands, got.Totals, got.Warnings})
	w, _ := json.Marshal(struct {
		I report.Input
		H any
		T any
		W []string
	}{want.Input, want.Hands, want.Totals, want.Warnings})
	if !bytes.Equal(g, w) {
		t.Errorf("served report differs from score.Scorer's:\n got %.300s\nwant %.300s", g, w)
	}
	if got.Totals.Scored == 0 || len(got.Hands) == 0 {
		t.Errorf("served report scored no site: %+v", got.Totals)
	}
}

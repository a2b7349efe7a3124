package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"rascore/phantom"
	"rascore/read"
	"rascore/report"
	"rascore/review"
	"rascore/score"
	"rascore/svdh"
)

// screenshotsEnv names a folder: when set, the end-to-end test writes ui-worklist.png and
// ui-viewer.png there (docs/ holds the committed ones).
const screenshotsEnv = "RASCORE_SCREENSHOTS"

const e2eReader = "Dr. A. Reader"

// chromium finds Debian's Chromium (scripts/setup.sh installs it), or another Chrome.
func chromium() string {
	if p := os.Getenv("RASCORE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// e2ePhantom renders a damaged one-hand phantom (right hand, not mirrored) as DICOM and gives
// its truth.
func e2ePhantom(t *testing.T, seed uint64, hands int) ([]byte, *phantom.Truth) {
	t.Helper()
	opts := phantom.DefaultOptions()
	opts.Hands = hands
	opts.FlipShare = 0
	opts.LeftShare = 0
	opts.Damage.HealthyShare = 0
	opts.Damage.SiteProb = 0.35
	img, tr, err := phantom.Render(opts, seed, 0)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := phantom.WriteDICOM(&buf, img, tr, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), tr
}

// TestReaderUIEndToEnd drives the reader UI in headless Chromium against a server on
// loopback: log in, drop a damaged phantom on the worklist, wait for its score, open the
// viewer, correct two grades with the keyboard (one site picked on the film, one in the
// table) to their phantom truth, move a joint with M and a click (graded again there as the
// library grades it), check the totals shown, the audit trail and the exported CSV against
// the AI's read plus the three corrections, sign off, and see a further correction refused
// with 409.
func TestReaderUIEndToEnd(t *testing.T) {
	exe := chromium()
	if exe == "" {
		t.Skip("no Chromium (chromium, chromium-browser or google-chrome) on PATH: " +
			"scripts/setup.sh installs Debian's chromium")
	}
	start := time.Now()
	e := newTestEnv(t, "", nil)
	shots := os.Getenv(screenshotsEnv)
	dir := t.TempDir()
	film, truth := e2ePhantom(t, 20260707, 1)
	filmPath := filepath.Join(dir, "film.dcm")
	if err := os.WriteFile(filmPath, film, 0o600); err != nil {
		t.Fatal(err)
	}
	if shots != "" {
		e2eBackground(t, e)
	}

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe),
			chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1600, 1000),
			chromedp.UserDataDir(filepath.Join(dir, "profile")))...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTime()
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start %s: %v", exe, err)
	}
	console := e2eConsole(ctx)
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("%s: %v; the page says: %.300q; its console: %.2000s", what, err, page,
				console())
		}
	}

	run("log in",
		chromedp.EmulateViewport(1600, 1000),
		chromedp.Navigate(e.url("/")),
		chromedp.WaitVisible(chromedp.CSS("#login-key")),
		chromedp.SendKeys(chromedp.CSS("#login-key"), e.key),
		chromedp.SendKeys(chromedp.CSS("#login-reader"), e2eReader),
		chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#wl-drop")))

	// The film is dropped on the worklist as a browser drops a file: a DataTransfer holding
	// it, dispatched as a drop event.
	run("drop the film",
		chromedp.Evaluate[chromedp.Void](`(() => { const i = document.createElement("input");
			i.type = "file"; i.id = "e2e-file"; i.hidden = true; document.body.append(i); })()`),
		chromedp.SetUploadFiles(chromedp.CSS("#e2e-file"), []string{filmPath}),
		chromedp.Evaluate[chromedp.Void](`(() => { const dt = new DataTransfer();
			dt.items.add(document.getElementById("e2e-file").files[0]);
			document.getElementById("wl-drop").dispatchEvent(
				new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true })); })()`))
	studyID := waitJS(t, ctx, `(() => {
		const li = document.querySelector("#wl-uploads li.done .upload-note");
		return li && li.textContent.startsWith("queued · study ") ? li.textContent.slice(15) : "";
		})()`, func(id string) bool { return len(id) == 16 })
	row := fmt.Sprintf(`#worklist tr.link[data-study=%q]`, studyID)
	run("wait for the score", chromedp.WaitVisible(chromedp.CSS(row)))

	ai := e2eReport(t, e, studyID)
	first, second := e2ePick(t, ai, truth)
	rowText := value(t, ctx, "worklist row", chromedp.Text(chromedp.CSS(row)))
	if !strings.Contains(rowText, "AI read") ||
		!strings.Contains(rowText, strconv.Itoa(ai.Totals.Total)) {
		t.Errorf("worklist row %q, want the AI read with total %d", rowText, ai.Totals.Total)
	}

	run("open the viewer",
		chromedp.Click(chromedp.CSS(row)),
		chromedp.WaitVisible(`#film[data-ready="1"]`),
		chromedp.WaitVisible(chromedp.CSS("#site-patch")))

	// First correction: the site picked by clicking its mark on the film.
	for range 2 {
		xy := value(t, ctx, "find the mark", chromedp.Evaluate[[2]float64](
			fmt.Sprintf(`window.rascoreViewer.siteOnScreen(%q)`, first.Column)))
		run("click the mark", chromedp.MouseClickXY(xy[0], xy[1]))
		sel := value(t, ctx, "selection", chromedp.Evaluate[string](`window.rascoreViewer.sel`))
		if sel == first.Column {
			break
		}
	}
	want := ai
	for _, c := range []e2eSite{first, second} {
		if c != first {
			run("select in the table", chromedp.Click(
				fmt.Sprintf(`td[data-column=%q]`, c.Column)))
		}
		sel := value(t, ctx, "selection", chromedp.Evaluate[string](`window.rascoreViewer.sel`))
		if sel != c.Column {
			t.Fatalf("selected %q, want %s", sel, c.Column)
		}
		run("grade by key", chromedp.KeyEvent(strconv.Itoa(c.Truth)))
		want = withGrade(t, want, c.Column, c.Truth)
		wantTotals := fmt.Sprintf("%d %d %d", want.Totals.Total, want.Totals.Erosion,
			want.Totals.JSN)
		waitJS(t, ctx, `["#total-svdh", "#total-erosion", "#total-jsn"].map((s) =>
			document.querySelector(s).textContent).join(" ")`,
			func(shown string) bool { return shown == wantTotals })
	}

	// Third correction: a joint moved by M and a click beside its mark is graded again there,
	// as the library grades it at that place.
	moved := e2eMoveSite(t, ai, first, second)
	run("select the joint to move", chromedp.Click(
		fmt.Sprintf(`td[data-column=%q]`, moved.Column)))
	xy := value(t, ctx, "find the mark", chromedp.Evaluate[[2]float64](
		fmt.Sprintf(`window.rascoreViewer.siteOnScreen(%q)`, moved.Column)))
	run("move by key and click", chromedp.KeyEvent("m"),
		chromedp.MouseClickXY(xy[0]+7, xy[1]-5))
	rd := waitRead(t, e, studyID, 3)
	mc := rd.Corrections[2]
	if mc.Action != review.Move || mc.Column != moved.Column || mc.New.XPx == nil ||
		*mc.New.XPx == moved.XPx || mc.New.Rescored == nil {
		t.Fatalf("third correction %+v, want %s moved and scored again", mc, moved.Column)
	}
	rg, err := read.Decode(bytes.NewReader(film), read.WithSalt(testSalt))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := review.HandOf(want, moved.Column)
	lib, err := testScorer(t).Score.Rescore(rg, *h, moved.Joint, *mc.New.XPx, *mc.New.YPx)
	if err != nil {
		t.Fatal(err)
	}
	for _, ls := range lib.Sites {
		want = withGrade(t, want, ls.Column, ls.Grade.Grade)
	}
	wantTotals := fmt.Sprintf("%d %d %d", want.Totals.Total, want.Totals.Erosion,
		want.Totals.JSN)
	waitJS(t, ctx, `["#total-svdh", "#total-erosion", "#total-jsn"].map((s) =>
		document.querySelector(s).textContent).join(" ")`,
		func(shown string) bool { return shown == wantTotals })

	run("audit trail", chromedp.Click(chromedp.CSS("#tab-audit")))
	audit := waitJS(t, ctx, `[...document.querySelectorAll(
		"#audit li.audit-read-correct .audit-detail")].map((li) => li.textContent)`,
		func(lines []string) bool { return len(lines) == 3 })
	if !strings.HasPrefix(audit[0], e2eReader+": "+moved.Column+" move (") ||
		!strings.Contains(audit[0], "; scored there: ") {
		t.Errorf("audit line 0 %q, want the move and what was scored there", audit[0])
	}
	for i, c := range []e2eSite{second, first} { // newest first
		line := fmt.Sprintf("%s: %s grade %d → %d", e2eReader, c.Column, c.AI, c.Truth)
		if audit[i+1] != line {
			t.Errorf("audit line %d %q, want %q", i+1, audit[i+1], line)
		}
	}
	if shots != "" {
		run("select for the picture",
			chromedp.Click(chromedp.CSS(`.tab[data-tab="sites"]`)),
			chromedp.Click(
				fmt.Sprintf(`td[data-column=%q]`, first.Column)),
			chromedp.Sleep(300*time.Millisecond))
		e2eShot(t, ctx, filepath.Join(shots, "ui-viewer.png"))
	}

	csvFile := e2eDownload(t, ctx, dir, "#export-csv", "rascore-read-"+studyID+".csv")
	var wantCSV bytes.Buffer
	report.WriteCSV(&wantCSV, report.Patients([]*report.Report{want}))
	if !bytes.Equal(csvFile, wantCSV.Bytes()) {
		t.Errorf("exported CSV differs from the AI read plus the corrections:\n got %.400s\n"+
			"want %.400s", csvFile, wantCSV.Bytes())
	}
	checkCSVAgainstTruth(t, csvFile, ai, truth, first, second)

	run("sign off",
		chromedp.Click(chromedp.CSS("#sign-off")),
		chromedp.Click(chromedp.CSS("#confirm-sign-off")),
		chromedp.WaitVisible(chromedp.CSS("#lock-banner")))
	code, b := e.do(t, "POST", "/v1/studies/"+studyID+"/corrections", "application/json",
		[]byte(`{"reader":"late","column":"`+first.Column+`","action":"grade","grade":0}`))
	if code != http.StatusConflict {
		t.Errorf("correction after sign-off: %d %s, want 409", code, b)
	}
	code, b = e.do(t, "GET", "/v1/studies/"+studyID+"/report.json", "", nil)
	if orig, err := report.ReadJSON(bytes.NewReader(b)); code != 200 || err != nil ||
		orig.Totals != ai.Totals {
		t.Errorf("AI report after corrections: %d %v, want it unchanged", code, err)
	}

	if shots != "" {
		run("back to the worklist", chromedp.Navigate(e.url("/#/")),
			chromedp.WaitVisible(chromedp.CSS(row)), chromedp.Sleep(300*time.Millisecond))
		e2eShot(t, ctx, filepath.Join(shots, "ui-worklist.png"))
	}
	t.Logf("end to end in %v", time.Since(start).Round(time.Millisecond))
}

// e2eSite is a site the test corrects: its AI grade and the truth it is set to.
type e2eSite struct {
	Column    string
	AI, Truth int
}

// e2ePick takes the first erosion site and the first JSN site whose AI grade differs from the
// phantom's truth.
func e2ePick(t *testing.T, ai *report.Report, truth *phantom.Truth) (e2eSite, e2eSite) {
	t.Helper()
	if len(ai.Hands) != 1 || len(truth.Hands) != 1 {
		t.Fatalf("%d hands scored, %d in the truth; want one", len(ai.Hands), len(truth.Hands))
	}
	var out []e2eSite
	for _, kind := range []svdh.Kind{svdh.Erosion, svdh.JSN} {
		for _, s := range ai.Hands[0].Sites {
			tr, ok := truth.Hands[0].Sites[s.Column]
			if s.Kind == kind && s.Grade != nil && ok && tr.Grade != s.Grade.Grade {
				out = append(out, e2eSite{s.Column, s.Grade.Grade, tr.Grade})
				break
			}
		}
	}
	if len(out) != 2 {
		t.Fatalf("want an erosion and a JSN site where the AI misses the truth; got %v", out)
	}
	return out[0], out[1]
}

// e2eMoveSite picks a graded site at a finger joint whose width is measured, on a joint other
// than those of the two graded sites.
func e2eMoveSite(t *testing.T, ai *report.Report, first, second e2eSite) score.Site {
	t.Helper()
	skip := map[svdh.Joint]bool{}
	for _, c := range []string{first.Column, second.Column} {
		h, i := review.HandOf(ai, c)
		skip[h.Sites[i].Joint] = true
	}
	for _, j := range []svdh.Joint{svdh.MCP3, svdh.MCP4, svdh.PIP3, svdh.PIP4, svdh.MCP2} {
		for _, s := range ai.Hands[0].Sites {
			if s.Joint == j && !skip[j] && s.Grade != nil {
				return s
			}
		}
	}
	t.Fatal("no joint to move")
	return score.Site{}
}

// waitRead polls the study's read until it holds n corrections.
func waitRead(t *testing.T, e *testEnv, studyID string, n int) *review.Read {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, b := e.do(t, "GET", "/v1/studies/"+studyID+"/read.json", "", nil)
		rd := decode[review.Read](t, b)
		if len(rd.Corrections) >= n {
			return &rd
		}
		if time.Now().After(deadline) {
			t.Fatalf("read has %d corrections after 20 s, want %d", len(rd.Corrections), n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// withGrade is the report with one site's grade set and its totals summed again, worked out
// here rather than by package review.
func withGrade(t *testing.T, r *report.Report, column string, grade int) *report.Report {
	t.Helper()
	b, _ := json.Marshal(r)
	out, err := report.ReadJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out.Totals = score.Totals{}
	for hi := range out.Hands {
		h := &out.Hands[hi]
		for si := range h.Sites {
			if h.Sites[si].Column == column {
				h.Sites[si].Grade = &score.Grade{Grade: grade, Expected: float64(grade)}
			}
		}
		h.Totals = score.SiteTotals(h.Sites)
		out.Totals.Add(h.Totals)
	}
	return out
}

// checkCSVAgainstTruth reads the exported row: the corrected sites carry the phantom's truth,
// every other site the AI's grade, and the overall totals their sum.
func checkCSVAgainstTruth(t *testing.T, file []byte, ai *report.Report, truth *phantom.Truth,
	corrected ...e2eSite) {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(file)).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("exported CSV: %v, %d rows; want a header and one patient", err, len(rows))
	}
	at := map[string]string{}
	for i, c := range rows[0] {
		at[c] = rows[1][i]
	}
	fixed := map[string]int{}
	for _, c := range corrected {
		fixed[c.Column] = c.Truth
	}
	var erosion, jsn int
	for _, s := range ai.Hands[0].Sites {
		want := s.Grade.Grade
		if g, ok := fixed[s.Column]; ok {
			want = g
			if tg := truth.Hands[0].Sites[s.Column].Grade; tg != g {
				t.Errorf("%s: corrected to %d, truth %d", s.Column, g, tg)
			}
		}
		if at[s.Column] != strconv.Itoa(want) {
			t.Errorf("CSV %s = %q, want %d", s.Column, at[s.Column], want)
		}
		if s.Kind == svdh.JSN {
			jsn += want
		} else {
			erosion += want
		}
	}
	if at["Overall_Tol"] != strconv.Itoa(erosion+jsn) ||
		at["Overall_erosion"] != strconv.Itoa(erosion) ||
		at["Overall_narrowing"] != strconv.Itoa(jsn) {
		t.Errorf("CSV totals %s/%s/%s, want %d/%d/%d", at["Overall_Tol"],
			at["Overall_erosion"], at["Overall_narrowing"], erosion+jsn, erosion, jsn)
	}
}

func e2eReport(t *testing.T, e *testEnv, id string) *report.Report {
	t.Helper()
	code, b := e.do(t, "GET", "/v1/studies/"+id+"/report.json", "", nil)
	if code != 200 {
		t.Fatalf("report.json: %d %s", code, b)
	}
	r, err := report.ReadJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// e2eConsole gathers what the page writes to its console and the exceptions it throws, for
// the message of a failed step.
func e2eConsole(ctx context.Context) func() string {
	var mu sync.Mutex
	var lines []string
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			mu.Lock()
			lines = append(lines, fmt.Sprintf("%s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line))
			mu.Unlock()
		}
	}()
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(lines[max(0, len(lines)-8):], "; ")
	}
}

// value runs an action that gives a value.
func value[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitJS evaluates expr every 50 ms until ok accepts its value (20 s at most).
func waitJS[T any](t *testing.T, ctx context.Context, expr string, ok func(T) bool) T {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
		if err == nil && ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 20 s for %.120s: last %v (%v)", expr, v, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// e2eDownload clicks an export button and gives the file the browser saved under name.
func e2eDownload(t *testing.T, ctx context.Context, dir, button, name string) []byte {
	t.Helper()
	dl := filepath.Join(dir, "downloads")
	_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior,
		browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorAllow,
			DownloadPath: dl})
	if err == nil {
		err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(button)))
	}
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(filepath.Join(dl, name)); err == nil {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("export: no %s after 20 s", name)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func e2eShot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](
		`document.getElementById("toast").hidden = true`))
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

// e2eBackground fills the worklist for the screenshots: the bundled sample, a two-hand
// phantom (corrected once) and another signed off.
func e2eBackground(t *testing.T, e *testEnv) {
	t.Helper()
	two, _ := e2ePhantom(t, 11, 2)
	other, _ := e2ePhantom(t, 12, 1)
	var ids []string
	for _, f := range [][]byte{sampleFilm(t), two, other} {
		code, b := e.do(t, "POST", "/v1/studies", "application/dicom", f)
		if code != http.StatusAccepted {
			t.Fatalf("upload: %d %s", code, b)
		}
		id := decode[Queued](t, b).StudyID
		waitStudy(t, e.http.URL, e.key, id, 60*time.Second)
		ids = append(ids, id)
	}
	r := e2eReport(t, e, ids[1])
	body, _ := json.Marshal(CorrectionRequest{Reader: "Dr. B. Second",
		Change: review.Change{Column: r.Hands[0].Sites[5].Column, Action: review.Grade,
			Grade: new(2)}})
	if code, b := e.do(t, "POST", "/v1/studies/"+ids[1]+"/corrections", "application/json",
		body); code != 200 {
		t.Fatalf("correction: %d %s", code, b)
	}
	if code, b := e.do(t, "POST", "/v1/studies/"+ids[2]+"/sign-off", "application/json",
		[]byte(`{"reader":"Dr. B. Second"}`)); code != 200 {
		t.Fatalf("sign-off: %d %s", code, b)
	}
}

package server

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"rascore/store"
)

// startChild runs the test binary as a server on dir and waits until it is ready.
func startChild(t *testing.T, dir, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir, childAddrEnv+"="+addr)
	logf, err := os.OpenFile(filepath.Join(dir, "child.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY,
		0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); logf.Close() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "child.log"))
			t.Fatalf("server child not ready: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestCrashLosesNothing kills the server with SIGKILL while its jobs run, starts it again, and
// checks that every job finished exactly once: one result and one "finished" audit line per
// study, every River job completed, none lost, none twice.
func TestCrashLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a server process")
	}
	const n = 16
	dir, addr := t.TempDir(), freeAddr(t)
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+dir+"/rascore.db")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_, key, err := db.CreateKey(ctx, "crash")
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	child := startChild(t, dir, addr)
	base := "http://" + addr
	film := sampleFilm(t)
	var ids []string
	for range n {
		code, b := doKey(t, base+"/v1/studies", key, "POST", "application/dicom", film)
		if code != http.StatusAccepted {
			t.Fatalf("upload: %d %s", code, b)
		}
		ids = append(ids, decode[Queued](t, b).StudyID)
	}
	// Kill it while jobs run: after the first results, before the last.
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, b := doKey(t, base+"/metrics", key, "GET", "", nil)
		if strings.Contains(string(b), `rascore_jobs{state="running"} `) &&
			!strings.Contains(string(b), `rascore_jobs{state="completed"} 0`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no job completed within a minute")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()

	startChild(t, dir, addr)
	for _, id := range ids {
		if st := waitStudy(t, base, key, id, 90*time.Second); st.Status != store.StatusScored {
			t.Errorf("study %s: %q %s", id, st.Status, st.Error)
		}
	}

	db, err = store.Open(ctx, "sqlite:"+dir+"/rascore.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.CountAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	states, err := db.JobStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c != (store.Counts{Studies: n, Results: n, Finished: n}) || states["completed"] != n ||
		len(states) != 1 {
		t.Errorf("after the crash: %+v, jobs %v; want %d of each, all completed", c, states, n)
	}
	var rescued int
	db.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE attempt > 1`).Scan(&rescued)
	t.Logf("%d jobs, %d run again after the kill", n, rescued)
}

package server

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// postgresBin finds the newest server binaries of Debian's postgresql package.
func postgresBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	return ""
}

// startPostgres runs a throwaway PostgreSQL on loopback in a temp dir and gives its URL. As
// root (CI) the server runs as the postgres user, which refuses root.
func startPostgres(t *testing.T) string {
	t.Helper()
	bin := postgresBin()
	if bin == "" {
		t.Skip("no PostgreSQL server: install Debian's postgresql (scripts/setup.sh does)")
	}
	dir, err := os.MkdirTemp("", "rascore-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var asUser []string
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root without a postgres user to run PostgreSQL as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(name string, args ...string) *exec.Cmd {
		all := append(append(asUser, filepath.Join(bin, name)), args...)
		return exec.Command(all[0], all[1:]...)
	}
	data := filepath.Join(dir, "data")
	if out, err := run("initdb", "-D", data, "-U", "rascore", "--auth=trust",
		"-E", "UTF8").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	port := addr[strings.LastIndex(addr, ":")+1:]
	pg := run("postgres", "-D", data, "-h", "127.0.0.1", "-p", port, "-k", dir,
		"-c", "fsync=off")
	logf, _ := os.Create(filepath.Join(dir, "pg.log"))
	pg.Stdout, pg.Stderr = logf, logf
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Process.Kill(); pg.Wait(); logf.Close() })
	for deadline := time.Now().Add(30 * time.Second); ; {
		if out, err := exec.Command(filepath.Join(bin, "pg_isready"), "-h", "127.0.0.1",
			"-p", port).CombinedOutput(); err == nil {
			break
		} else if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "pg.log"))
			t.Fatalf("PostgreSQL not up: %s\n%s", out, log)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Sprintf("postgres://rascore@127.0.0.1:%s/postgres?sslmode=disable", port)
}

// TestPostgres runs the upload check on PostgreSQL through River's pgx driver: the same
// report, CSV, overlay, metrics and audit trail as on SQLite; then, on a fresh database, the
// reader's corrections and sign-off.
func TestPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	e := newTestEnv(t, startPostgres(t), nil)
	if e.db.Kind != "postgres" {
		t.Fatalf("store kind %s", e.db.Kind)
	}
	checkUploadScores(t, e)
	checkReadAPI(t, newTestEnv(t, startPostgres(t), nil))
}

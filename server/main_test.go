package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"rascore/store"
)

// childEnv, when set, makes the test binary run a server instead of the tests: the crash test
// starts it as a process it can kill -9. Its value is the data dir; the address to listen on
// is in childAddrEnv.
const (
	childEnv     = "RASCORE_TEST_SERVE_DIR"
	childAddrEnv = "RASCORE_TEST_SERVE_ADDR"
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr,
		&slog.HandlerOptions{Level: slog.LevelWarn})))
	if dir := os.Getenv(childEnv); dir != "" {
		if err := serveChild(dir, os.Getenv(childAddrEnv)); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// serveChild runs a server on dir's SQLite store until SIGTERM, with short job timeouts so
// that jobs a killed process left running are rescued within seconds.
func serveChild(dir, addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	db, err := store.Open(ctx, "sqlite:"+dir+"/rascore.db")
	if err != nil {
		return err
	}
	srv, err := New(ctx, Config{DB: db, DataDir: dir, Scorer: testScorer(nopTB{}), Workers: 2,
		JobTimeout: 4 * time.Second, RescueAfter: 5 * time.Second})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	hs := srv.HTTPServer(addr)
	go hs.Serve(ln)
	<-ctx.Done()
	hs.Shutdown(context.Background())
	return srv.Stop(context.Background())
}

// nopTB lets testScorer run outside a test.
type nopTB struct{ testing.TB }

func (nopTB) Helper()           {}
func (nopTB) Fatal(args ...any) { panic(fmt.Sprint(args...)) }

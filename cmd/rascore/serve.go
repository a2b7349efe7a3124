package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"rascore/pipeline"
	"rascore/server"
	"rascore/store"
)

// storeFlags name the database and the data dir, for serve and keys alike.
type storeFlags struct{ db, dataDir string }

func (f *storeFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dataDir, "data-dir", defaultDataDir(),
		"folder for the films received and the SQLite database")
	cmd.Flags().StringVar(&f.db, "db", "",
		"database: sqlite:PATH or postgres://… (default sqlite:DATA-DIR/rascore.db)")
}

func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "rascore")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "rascore")
	}
	return "rascore-data"
}

func (f *storeFlags) open(ctx context.Context) (*store.DB, error) {
	url := f.db
	if url == "" {
		url = "sqlite:" + filepath.Join(f.dataDir, "rascore.db")
	}
	db, err := store.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func newServeCmd() *cobra.Command {
	var (
		rf             readFlags
		of             outputFlags
		sf             storeFlags
		addr           string
		maxUploadMB    int64
		workers        int
		requestTimeout time.Duration
		jobTimeout     time.Duration
		rescueAfter    time.Duration
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP API, DICOMweb STOW-RS endpoint and scoring workers (research use)",
		Long: `serve runs rascore as a service: one process holds the HTTP API, the workers that
score films and the store. Films come by upload (POST /v1/studies) or from a PACS by DICOMweb
STOW-RS (POST /dicomweb/studies); each becomes a study with a durable job, so a crash or a
restart loses nothing. The API is described at /openapi.json; /metrics is for Prometheus.
The reader UI, where a reader checks, corrects and signs off each read, is at /.

Every route but /healthz and /readyz needs an API key (rascore keys create), sent as
"Authorization: Bearer KEY" or as the password of basic authentication.

The store is SQLite in the data dir unless --db names a PostgreSQL database. Films are kept
under DATA-DIR/files, named by random study ids. Logs carry study, film and key ids only.

Research output, not for clinical use.`,
		Example: `  rascore keys create --name pacs
  rascore serve --addr 127.0.0.1:8080 --data-dir /var/lib/rascore
  rascore serve --db postgres://rascore@localhost/rascore`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := rf.check(); err != nil {
				return err
			}
			if err := of.check(); err != nil {
				return err
			}
			if maxUploadMB < 1 || workers < 1 || requestTimeout < time.Second ||
				jobTimeout < time.Second {
				return errors.New("--max-upload-mb and --workers want 1 or more, " +
					"--request-timeout and --job-timeout 1s or more")
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt,
				syscall.SIGTERM)
			defer stop()
			return runServe(ctx, cmd, &rf, &of, &sf, addr, server.Config{
				MaxUploadBytes: maxUploadMB << 20, Workers: workers,
				RequestTimeout: requestTimeout, JobTimeout: jobTimeout,
				RescueAfter: rescueAfter,
			})
		},
	}
	rf.register(cmd)
	of.register(cmd)
	sf.register(cmd)
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().Int64Var(&maxUploadMB, "max-upload-mb", 256, "largest request body in MB")
	cmd.Flags().IntVar(&workers, "workers", 2, "films scored at once")
	cmd.Flags().DurationVar(&requestTimeout, "request-timeout", 5*time.Minute,
		"longest a request may take, its body included")
	cmd.Flags().DurationVar(&jobTimeout, "job-timeout", 2*time.Minute,
		"longest a scoring job may run")
	cmd.Flags().DurationVar(&rescueAfter, "rescue-after", 0,
		"run again a job left running this long by a process that died "+
			"(default job timeout + 1m)")
	return cmd
}

func runServe(ctx context.Context, cmd *cobra.Command, rf *readFlags, of *outputFlags,
	sf *storeFlags, addr string, cfg server.Config) error {
	db, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	sc, err := pipeline.New(fmt.Sprintf("rascore %s (commit %s)", version, commit()),
		rf.options(), of.overlayMaxSide)
	if err != nil {
		return err
	}
	defer sc.Close()
	cfg.DB, cfg.Scorer, cfg.DataDir = db, sc, sf.dataDir
	srv, err := server.New(ctx, cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	hs := srv.HTTPServer(addr)
	fmt.Fprintf(cmd.OutOrStdout(), "rascore serving on http://%s (store %s)\n", ln.Addr(),
		db.Kind)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()

	select {
	case err = <-errc:
	case <-ctx.Done():
		slog.Info("shutting down")
	}
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if serr := hs.Shutdown(sctx); err == nil || errors.Is(err, http.ErrServerClosed) {
		err = serr
	}
	if serr := srv.Stop(sctx); err == nil {
		err = serr
	}
	return err
}

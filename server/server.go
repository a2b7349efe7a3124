// Package server is rascore as a service: an HTTP API that takes films (upload or DICOMweb
// STOW-RS), queues one durable job per film on River, scores it with package pipeline, and
// serves the report as JSON, CSV, overlay PNG and HTML, and a reader UI at / in which a human
// reader corrects and signs off the AI's read (package review). It takes a store (SQLite or
// PostgreSQL), a data dir and a scorer; it gives an http.Handler and runs the workers. Every
// route but /healthz, /readyz and the UI's own files needs an API key. Logs carry study, film
// and key ids, never a patient's name or ID; files under the data dir are named by random
// study ids.
//
// Output is research output, not for clinical use.
package server

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"

	"rascore/pipeline"
	"rascore/store"
)

//go:embed openapi.json
var openAPI []byte

// Config is what a server is made of and its limits.
type Config struct {
	DB      *store.DB
	DataDir string // uploaded files go to DataDir/files
	Scorer  *pipeline.Scorer

	MaxUploadBytes int64         // largest request body; default 256 MB
	Workers        int           // films scored at once; default 2
	RequestTimeout time.Duration // per request, body included; default 5 min
	JobTimeout     time.Duration // per scoring job; default 2 min
	// RescueAfter is how long a job may stay running (its process gone) before it is run
	// again; default JobTimeout + 1 min.
	RescueAfter time.Duration
}

func (c *Config) defaults() {
	if c.MaxUploadBytes <= 0 {
		c.MaxUploadBytes = 256 << 20
	}
	if c.Workers <= 0 {
		c.Workers = 2
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 5 * time.Minute
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = 2 * time.Minute
	}
	if c.RescueAfter <= c.JobTimeout {
		c.RescueAfter = c.JobTimeout + time.Minute
	}
}

// Server holds the API, the queue and the workers.
type Server struct {
	cfg     Config
	q       queue
	metrics *metrics
	router  chi.Router
	started atomic.Bool
	// checks bounds how many uploads are decoded at once, and with it the memory they take.
	checks chan struct{}
	// films keeps the films the viewer showed last, decoded.
	films films
}

// New migrates the store and River's tables and makes the server; Start runs its workers.
func New(ctx context.Context, cfg Config) (*Server, error) {
	cfg.defaults()
	if cfg.DB == nil || cfg.Scorer == nil || cfg.DataDir == "" {
		return nil, errors.New("server: a store, a scorer and a data dir are needed")
	}
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "files"), 0o700); err != nil {
		return nil, err
	}
	if err := cfg.DB.Migrate(ctx); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, checks: make(chan struct{}, runtime.NumCPU())}
	s.metrics = newMetrics(cfg.DB)
	q, err := newQueue(ctx, cfg.DB, riverConfig(&s.cfg, &scoreWorker{s: s}))
	if err != nil {
		return nil, err
	}
	s.q = q
	s.router = s.routes()
	return s, nil
}

// Handler serves the API.
func (s *Server) Handler() http.Handler { return s.router }

// Start runs the workers; jobs left by an earlier process are picked up.
func (s *Server) Start(ctx context.Context) error {
	if err := s.q.start(ctx); err != nil {
		return err
	}
	s.started.Store(true)
	return nil
}

// Stop lets running jobs finish (until ctx ends) and stops the workers.
func (s *Server) Stop(ctx context.Context) error {
	s.started.Store(false)
	return s.q.stop(ctx)
}

// HTTPServer is an http.Server for the handler with the configured timeouts.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.RequestTimeout,
		WriteTimeout:      s.cfg.RequestTimeout + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn),
	}
}

// filePath is where a study's film is kept: named by the study's random id only.
func (s *Server) filePath(studyID string) string {
	return filepath.Join(s.cfg.DataDir, "files", studyID)
}

// saveFile writes a film durably before its job is queued.
func (s *Server) saveFile(studyID string, data []byte) error {
	path := s.filePath(studyID)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".upload-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save film: %w", err)
	}
	return nil
}

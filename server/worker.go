package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/riverqueue/river"

	"rascore/store"
)

// scoreWorker scores one study's film and records the result and the job's completion in one
// transaction, so that a job killed half way is run again and a finished one never is.
type scoreWorker struct {
	river.WorkerDefaults[ScoreArgs]
	s *Server
}

// Work scores the film. A film that cannot be scored is a finished job with a failed result;
// an error returned (the store, the disk) makes River try again.
func (w *scoreWorker) Work(ctx context.Context, job *river.Job[ScoreArgs]) error {
	s := w.s
	id := job.Args.StudyID
	st, err := s.cfg.DB.GetStudy(ctx, id)
	if err != nil {
		return err
	}
	if st.Status != "" {
		return nil // finished by an earlier run whose completion was committed with it
	}
	res := w.score(id)

	start := time.Now()
	err = s.q.finish(ctx, job, func(ex store.Execer) error {
		if err := store.InsertResult(ctx, ex, id, res); err != nil {
			return err
		}
		return store.Audit(ctx, ex, "worker", "study.finish", id, res.Status)
	})
	s.metrics.stage("save", time.Since(start))
	if err != nil {
		return err
	}
	s.metrics.finished(res.Status)
	slog.Info("study finished", "study", id, "film", st.FilmID, "job", job.ID,
		"attempt", job.Attempt, "status", res.Status)
	return nil
}

// score runs the pipeline on a study's film; every failure of the film itself is a result.
func (w *scoreWorker) score(studyID string) store.Result {
	s := w.s
	data, err := os.ReadFile(s.filePath(studyID))
	if err != nil {
		return failed(errors.New("film file missing"))
	}
	rep, rg, tm, err := s.cfg.Scorer.Film(data)
	s.metrics.stage("read", tm.Read)
	s.metrics.stage("score", tm.Score)
	s.metrics.stage("report", tm.Report)
	if err != nil {
		return failed(err)
	}
	start := time.Now()
	overlay, err := s.cfg.Scorer.Overlay(rg, rep)
	s.metrics.stage("overlay", time.Since(start))
	if err != nil {
		return failed(fmt.Errorf("overlay: %w", err))
	}
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		return failed(err)
	}
	status := store.StatusScored
	if rep.NoHand {
		status = store.StatusNoHand
	}
	return store.Result{Status: status, Report: buf.Bytes(), Overlay: overlay}
}

func failed(err error) store.Result {
	return store.Result{Status: store.StatusFailed, Error: err.Error()}
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

package server

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"rascore/store"
)

// ScoreArgs is the job that scores one study's film.
type ScoreArgs struct {
	StudyID string `json:"study_id"`
}

// Kind names the job in River's tables.
func (ScoreArgs) Kind() string { return "rascore.score" }

// InsertOpts: a job whose run failed for a reason outside the film (the database, a timeout)
// is tried again, up to five times in all.
func (ScoreArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

// queue is River on one of its drivers. Enqueue and finish each run in one transaction with
// the store's own writes, so that a study and its job, and a result and the job's completion,
// are committed together or not at all.
type queue interface {
	enqueue(ctx context.Context, studyID string, add func(store.Execer) error) (int64, error)
	finish(ctx context.Context, job *river.Job[ScoreArgs], save func(store.Execer) error) error
	start(ctx context.Context) error
	stop(ctx context.Context) error
	jobGet(ctx context.Context, id int64) (*rivertype.JobRow, error)
}

// txOps are the few things the queue does with a transaction of its driver's type.
type txOps[TTx any] struct {
	begin    func(context.Context) (TTx, error)
	exec     func(TTx) store.Execer
	commit   func(context.Context, TTx) error
	rollback func(context.Context, TTx)
	complete func(context.Context, TTx, *river.Job[ScoreArgs]) error
}

type riverQueue[TTx any] struct {
	client *river.Client[TTx]
	tx     txOps[TTx]
}

func (q *riverQueue[TTx]) enqueue(ctx context.Context, studyID string,
	add func(store.Execer) error) (int64, error) {
	tx, err := q.tx.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer q.tx.rollback(ctx, tx)
	ex := q.tx.exec(tx)
	if err := add(ex); err != nil {
		return 0, err
	}
	res, err := q.client.InsertTx(ctx, tx, ScoreArgs{StudyID: studyID}, nil)
	if err != nil {
		return 0, fmt.Errorf("queue job: %w", err)
	}
	if err := store.SetJob(ctx, ex, studyID, res.Job.ID); err != nil {
		return 0, err
	}
	return res.Job.ID, q.tx.commit(ctx, tx)
}

func (q *riverQueue[TTx]) finish(ctx context.Context, job *river.Job[ScoreArgs],
	save func(store.Execer) error) error {
	tx, err := q.tx.begin(ctx)
	if err != nil {
		return err
	}
	defer q.tx.rollback(ctx, tx)
	if err := save(q.tx.exec(tx)); err != nil {
		return err
	}
	if err := q.tx.complete(ctx, tx, job); err != nil {
		return fmt.Errorf("complete job %d: %w", job.ID, err)
	}
	return q.tx.commit(ctx, tx)
}

func (q *riverQueue[TTx]) start(ctx context.Context) error { return q.client.Start(ctx) }
func (q *riverQueue[TTx]) stop(ctx context.Context) error  { return q.client.Stop(ctx) }

func (q *riverQueue[TTx]) jobGet(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	return q.client.JobGet(ctx, id)
}

// riverConfig is River's configuration for the server's settings.
func riverConfig(cfg *Config, w *scoreWorker) *river.Config {
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	return &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		FetchCooldown:        20 * time.Millisecond,
		FetchPollInterval:    200 * time.Millisecond,
		Logger:               slog.Default(),
	}
}

// newQueue migrates River's tables and makes its client on the store's engine.
func newQueue(ctx context.Context, db *store.DB, rc *river.Config) (queue, error) {
	switch db.Kind {
	case store.Postgres:
		drv := riverpgxv5.New(db.Pool)
		if err := migrateRiver(ctx, drv); err != nil {
			return nil, err
		}
		client, err := river.NewClient(drv, rc)
		if err != nil {
			return nil, err
		}
		return &riverQueue[pgx.Tx]{client: client, tx: txOps[pgx.Tx]{
			begin: func(ctx context.Context) (pgx.Tx, error) { return db.Pool.Begin(ctx) },
			exec:  func(tx pgx.Tx) store.Execer { return pgxExec{tx} },
			commit: func(ctx context.Context, tx pgx.Tx) error {
				return tx.Commit(ctx)
			},
			rollback: func(ctx context.Context, tx pgx.Tx) { tx.Rollback(ctx) },
			complete: func(ctx context.Context, tx pgx.Tx, job *river.Job[ScoreArgs]) error {
				_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job)
				return err
			},
		}}, nil
	default:
		drv := riversqlite.New(db.SQL)
		if err := migrateRiver(ctx, drv); err != nil {
			return nil, err
		}
		client, err := river.NewClient(drv, rc)
		if err != nil {
			return nil, err
		}
		return &riverQueue[*sql.Tx]{client: client, tx: txOps[*sql.Tx]{
			begin: func(ctx context.Context) (*sql.Tx, error) { return db.SQL.BeginTx(ctx, nil) },
			exec:  func(tx *sql.Tx) store.Execer { return store.SQLExec{X: tx} },
			commit: func(_ context.Context, tx *sql.Tx) error {
				return tx.Commit()
			},
			rollback: func(_ context.Context, tx *sql.Tx) { tx.Rollback() },
			complete: func(ctx context.Context, tx *sql.Tx, job *river.Job[ScoreArgs]) error {
				_, err := river.JobCompleteTx[*riversqlite.Driver](ctx, tx, job)
				return err
			},
		}}, nil
	}
}

// migrateRiver brings River's tables up to this build's version.
func migrateRiver[TTx any](ctx context.Context, drv riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: slog.Default()})
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate queue: %w", err)
	}
	return nil
}

// pgxExec runs the store's statements in a pgx transaction.
type pgxExec struct{ tx pgx.Tx }

func (e pgxExec) Exec(ctx context.Context, query string, args ...any) error {
	_, err := e.tx.Exec(ctx, query, args...)
	return err
}

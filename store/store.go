// Package store keeps what the server knows in one SQL database: API keys (hashed), studies,
// their results and the audit trail. SQLite (embedded, pure Go) is the default; PostgreSQL is
// used when the URL says postgres://. It holds no pixels: uploaded files live under the data
// dir, named by the study id, which is random and never derived from client input.
//
// The job queue's own tables (River's) live in the same database; package server migrates
// and runs them.
package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Kind is the database engine.
type Kind string

// The engines a store runs on.
const (
	SQLite   Kind = "sqlite"
	Postgres Kind = "postgres"
)

// ErrNotFound says a key, study or result does not exist.
var ErrNotFound = errors.New("not found")

// DB is an open store.
type DB struct {
	Kind Kind
	// SQL reaches the database through database/sql for either engine.
	SQL *sql.DB
	// Pool is the pgx pool behind SQL when Kind is Postgres.
	Pool *pgxpool.Pool
}

// Open opens the database that url names, creating an SQLite file's folder when needed:
// "sqlite:PATH" or "postgres://…" (also "postgresql://…"). The schema is made by Migrate.
func Open(ctx context.Context, url string) (*DB, error) {
	switch {
	case strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://"):
		pool, err := pgxpool.New(ctx, url)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		if err := pool.Ping(ctx); err != nil {
			pool.Close()
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		return &DB{Kind: Postgres, SQL: stdlib.OpenDBFromPool(pool), Pool: pool}, nil
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
		if path == "" {
			return nil, errors.New("--db sqlite: wants a file path")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		// One connection: SQLite allows one writer, and River's SQLite driver asks for it.
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"+
			"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		db.SetMaxOpenConns(1)
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		return &DB{Kind: SQLite, SQL: db}, nil
	}
	return nil, fmt.Errorf("--db %q: want sqlite:PATH or postgres://…", redactURL(url))
}

// redactURL drops what a URL might hold after its scheme, a password among it.
func redactURL(url string) string {
	if i := strings.Index(url, "://"); i >= 0 {
		return url[:i+3] + "…"
	}
	if len(url) > 12 {
		return url[:12] + "…"
	}
	return url
}

// Close closes the database.
func (db *DB) Close() error {
	err := db.SQL.Close()
	if db.Pool != nil {
		db.Pool.Close()
	}
	return err
}

// Migrate makes the store's tables where they are missing, those of readers' corrections
// among them.
func (db *DB) Migrate(ctx context.Context) error {
	blob, serial := "BLOB", "INTEGER PRIMARY KEY AUTOINCREMENT"
	if db.Kind == Postgres {
		blob, serial = "BYTEA", "BIGSERIAL PRIMARY KEY"
	}
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS rascore_api_key (
			id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
			created_ms BIGINT NOT NULL, revoked_ms BIGINT NOT NULL DEFAULT 0)`,
		`CREATE TABLE IF NOT EXISTS rascore_study (
			id TEXT PRIMARY KEY, created_ms BIGINT NOT NULL, source TEXT NOT NULL,
			content_type TEXT NOT NULL, size_bytes BIGINT NOT NULL, sha256 TEXT NOT NULL,
			film_id TEXT NOT NULL, patient_key TEXT NOT NULL, key_id TEXT NOT NULL,
			sop_class_uid TEXT NOT NULL, sop_instance_uid TEXT NOT NULL,
			job_id BIGINT NOT NULL DEFAULT 0)`,
		`CREATE INDEX IF NOT EXISTS rascore_study_created ON rascore_study (created_ms)`,
		`CREATE INDEX IF NOT EXISTS rascore_study_instance ON rascore_study (sop_instance_uid)`,
		`CREATE TABLE IF NOT EXISTS rascore_result (
			study_id TEXT PRIMARY KEY REFERENCES rascore_study (id), status TEXT NOT NULL,
			error TEXT NOT NULL, report ` + blob + `, overlay ` + blob + `,
			finished_ms BIGINT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS rascore_audit (
			id ` + serial + `, at_ms BIGINT NOT NULL, key_id TEXT NOT NULL,
			action TEXT NOT NULL, study_id TEXT NOT NULL, detail TEXT NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS rascore_audit_study ON rascore_audit (study_id)`,
	} {
		if _, err := db.SQL.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("migrate store: %w", err)
		}
	}
	return db.migrateReads(ctx)
}

// Execer runs a statement, inside a transaction of either engine.
type Execer interface {
	Exec(ctx context.Context, query string, args ...any) error
}

// SQLExec runs statements on a database/sql transaction or database.
type SQLExec struct {
	X interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
	}
}

// Exec runs one statement.
func (e SQLExec) Exec(ctx context.Context, query string, args ...any) error {
	_, err := e.X.ExecContext(ctx, query, args...)
	return err
}

// NewID is a random id of 16 hex digits: ids of keys and studies never come from client input.
func NewID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func nowMS() int64 { return time.Now().UnixMilli() }

// Audit adds a line to the audit trail: who (a key id, or "cli"), did what, to which study.
func Audit(ctx context.Context, ex Execer, keyID, action, studyID, detail string) error {
	return ex.Exec(ctx, `INSERT INTO rascore_audit (at_ms, key_id, action, study_id, detail)
		VALUES ($1, $2, $3, $4, $5)`, nowMS(), keyID, action, studyID, detail)
}

// AuditEntry is one line of the audit trail.
type AuditEntry struct {
	At      time.Time `json:"at"`
	KeyID   string    `json:"key_id"`
	Action  string    `json:"action"`
	StudyID string    `json:"study_id,omitempty"`
	Detail  string    `json:"detail,omitempty"`
}

// AuditOf lists a study's audit trail, oldest first.
func (db *DB) AuditOf(ctx context.Context, studyID string) ([]AuditEntry, error) {
	rows, err := db.SQL.QueryContext(ctx, `SELECT at_ms, key_id, action, study_id, detail
		FROM rascore_audit WHERE study_id = $1 ORDER BY id`, studyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&at, &e.KeyID, &e.Action, &e.StudyID, &e.Detail); err != nil {
			return nil, err
		}
		e.At = time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// hashKey is how an API key is kept: its SHA-256. Keys are 256 random bits, so a plain hash
// is as strong as a slow one.
func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

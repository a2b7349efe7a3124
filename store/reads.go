package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"rascore/review"
	"rascore/score"
)

// ErrSignedOff says a study's read is locked: no correction and no second sign-off.
var ErrSignedOff = errors.New("read signed off")

// migrateReads makes the tables of readers' corrections, sign-offs and the worklist's summary
// of each corrected read.
func (db *DB) migrateReads(ctx context.Context) error {
	serial := "INTEGER PRIMARY KEY AUTOINCREMENT"
	if db.Kind == Postgres {
		serial = "BIGSERIAL PRIMARY KEY"
	}
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS rascore_correction (
			id ` + serial + `, study_id TEXT NOT NULL REFERENCES rascore_study (id),
			at_ms BIGINT NOT NULL, key_id TEXT NOT NULL, reader TEXT NOT NULL,
			site_column TEXT NOT NULL, label TEXT NOT NULL, action TEXT NOT NULL,
			old_value TEXT NOT NULL, new_value TEXT NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS rascore_correction_study ON rascore_correction (study_id)`,
		`CREATE TABLE IF NOT EXISTS rascore_signoff (
			study_id TEXT PRIMARY KEY REFERENCES rascore_study (id), at_ms BIGINT NOT NULL,
			key_id TEXT NOT NULL, reader TEXT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS rascore_read_summary (
			study_id TEXT PRIMARY KEY REFERENCES rascore_study (id), totals TEXT NOT NULL,
			corrections INTEGER NOT NULL)`,
	} {
		if _, err := db.SQL.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("migrate store: %w", err)
		}
	}
	return nil
}

// ReadTx is a transaction in which one study's read is changed. It holds the study's row
// lock, so two readers correcting one study are served one after the other.
type ReadTx struct {
	tx      *sql.Tx
	studyID string
}

// Exec runs one statement in the transaction (for Audit).
func (t *ReadTx) Exec(ctx context.Context, query string, args ...any) error {
	_, err := t.tx.ExecContext(ctx, query, args...)
	return err
}

// ChangeRead runs fn in a transaction that holds the study's lock, and commits when fn
// returns nil.
func (db *DB) ChangeRead(ctx context.Context, studyID string,
	fn func(*ReadTx) error) error {
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// A no-op update takes the row's write lock on PostgreSQL; SQLite's immediate
	// transactions already hold the database's.
	res, err := tx.ExecContext(ctx, `UPDATE rascore_study SET job_id = job_id WHERE id = $1`,
		studyID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("study %s: %w", studyID, ErrNotFound)
	}
	if err := fn(&ReadTx{tx: tx, studyID: studyID}); err != nil {
		return err
	}
	return tx.Commit()
}

// Corrections lists the study's corrections, oldest first.
func (t *ReadTx) Corrections(ctx context.Context) ([]review.Correction, error) {
	return corrections(ctx, t.tx, t.studyID)
}

// SignOff gives the study's sign-off, nil when it has none.
func (t *ReadTx) SignOff(ctx context.Context) (*review.SignOff, error) {
	return signOff(ctx, t.tx, t.studyID)
}

// AddCorrection records a correction (its ID and At are set) and the study's new summary.
func (t *ReadTx) AddCorrection(ctx context.Context, keyID string, c *review.Correction) error {
	oldV, err := json.Marshal(c.Old)
	if err != nil {
		return err
	}
	newV, err := json.Marshal(c.New)
	if err != nil {
		return err
	}
	c.At = time.UnixMilli(nowMS()).UTC()
	err = t.tx.QueryRowContext(ctx, `INSERT INTO rascore_correction (study_id, at_ms, key_id,
		reader, site_column, label, action, old_value, new_value)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, t.studyID, c.At.UnixMilli(),
		keyID, c.Reader, c.Column, c.Label, string(c.Action), string(oldV),
		string(newV)).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("save correction: %w", err)
	}
	return nil
}

// SetSummary records the totals of the study's current read for the worklist.
func (t *ReadTx) SetSummary(ctx context.Context, totals score.Totals, corrections int) error {
	b, err := json.Marshal(totals)
	if err != nil {
		return err
	}
	return t.Exec(ctx, `INSERT INTO rascore_read_summary (study_id, totals, corrections)
		VALUES ($1, $2, $3) ON CONFLICT (study_id) DO UPDATE SET totals = excluded.totals,
		corrections = excluded.corrections`,
		t.studyID, string(b), corrections)
}

// AddSignOff locks the study's read; a second sign-off is ErrSignedOff.
func (t *ReadTx) AddSignOff(ctx context.Context, keyID, reader string) (*review.SignOff,
	error) {
	so, err := t.SignOff(ctx)
	if err != nil {
		return nil, err
	}
	if so != nil {
		return so, ErrSignedOff
	}
	so = &review.SignOff{Reader: reader, At: time.UnixMilli(nowMS()).UTC()}
	err = t.Exec(ctx, `INSERT INTO rascore_signoff (study_id, at_ms, key_id, reader)
		VALUES ($1, $2, $3, $4)`, t.studyID, so.At.UnixMilli(), keyID, reader)
	return so, err
}

// ReadState is what a study's read is made of besides the AI's report.
type ReadState struct {
	Corrections []review.Correction
	SignOff     *review.SignOff
}

// ReadStateOf gives a study's corrections and sign-off.
func (db *DB) ReadStateOf(ctx context.Context, studyID string) (ReadState, error) {
	var rs ReadState
	var err error
	if rs.Corrections, err = corrections(ctx, db.SQL, studyID); err != nil {
		return rs, err
	}
	rs.SignOff, err = signOff(ctx, db.SQL, studyID)
	return rs, err
}

type querier interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

func corrections(ctx context.Context, q querier, studyID string) ([]review.Correction,
	error) {
	rows, err := q.QueryContext(ctx, `SELECT id, at_ms, reader, site_column, label, action,
		old_value, new_value FROM rascore_correction WHERE study_id = $1 ORDER BY id`, studyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []review.Correction{}
	for rows.Next() {
		var c review.Correction
		var at int64
		var action, oldV, newV string
		if err := rows.Scan(&c.ID, &at, &c.Reader, &c.Column, &c.Label, &action, &oldV,
			&newV); err != nil {
			return nil, err
		}
		c.At, c.Action = time.UnixMilli(at).UTC(), review.Action(action)
		if err := json.Unmarshal([]byte(oldV), &c.Old); err != nil {
			return nil, fmt.Errorf("correction %d: %w", c.ID, err)
		}
		if err := json.Unmarshal([]byte(newV), &c.New); err != nil {
			return nil, fmt.Errorf("correction %d: %w", c.ID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func signOff(ctx context.Context, q querier, studyID string) (*review.SignOff, error) {
	var so review.SignOff
	var at int64
	err := q.QueryRowContext(ctx, `SELECT at_ms, reader FROM rascore_signoff
		WHERE study_id = $1`, studyID).Scan(&at, &so.Reader)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	so.At = time.UnixMilli(at).UTC()
	return &so, nil
}

// WorkItem is a study as the worklist shows it.
type WorkItem struct {
	Study
	// Totals are the current read's (corrected where a reader corrected it); nil until the
	// study is scored.
	Totals      *score.Totals   `json:"totals"`
	Corrections int             `json:"corrections"`
	SignedOff   *review.SignOff `json:"signed_off"`
}

// Worklist lists studies newest first with the totals of their current reads. Totals of a read
// no reader has touched come from the AI's report.
func (db *DB) Worklist(ctx context.Context, limit, offset int) ([]WorkItem, error) {
	rows, err := db.SQL.QueryContext(ctx, `SELECT `+studyColumns+`,
		COALESCE(m.totals, ''), COALESCE(m.corrections, 0),
		CASE WHEN m.study_id IS NULL AND r.status = 'scored' THEN r.report END,
		COALESCE(o.at_ms, 0), COALESCE(o.reader, '')
		FROM rascore_study s LEFT JOIN rascore_result r ON r.study_id = s.id
		LEFT JOIN rascore_read_summary m ON m.study_id = s.id
		LEFT JOIN rascore_signoff o ON o.study_id = s.id
		ORDER BY s.created_ms DESC, s.id LIMIT $1 OFFSET $2`, limit, offset)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []WorkItem{}
	for rows.Next() {
		var w WorkItem
		var totals string
		var rep []byte
		var signedMS int64
		var signedBy string
		var created int64
		s := &w.Study
		err := rows.Scan(&s.ID, &created, &s.Source, &s.ContentType, &s.SizeBytes, &s.SHA256,
			&s.FilmID, &s.PatientKey, &s.KeyID, &s.SOPClass, &s.SOPInstance, &s.JobID,
			&s.Status, &s.Error, &totals, &w.Corrections, &rep, &signedMS, &signedBy)
		if err != nil {
			return nil, err
		}
		s.Created = time.UnixMilli(created).UTC()
		if w.Totals, err = workTotals(totals, rep); err != nil {
			return nil, fmt.Errorf("worklist %s: %w", s.ID, err)
		}
		if signedMS != 0 {
			w.SignedOff = &review.SignOff{Reader: signedBy, At: time.UnixMilli(signedMS).UTC()}
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// workTotals reads a summary's totals, else the totals of the AI's report (which the decoder
// finds without building the rest of the report).
func workTotals(summary string, rep []byte) (*score.Totals, error) {
	var t score.Totals
	switch {
	case summary != "":
		return &t, json.Unmarshal([]byte(summary), &t)
	case len(rep) > 0:
		var r struct {
			Totals *score.Totals `json:"totals"`
		}
		return r.Totals, json.Unmarshal(rep, &r)
	}
	return nil, nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Study is one film sent to the server, by upload or by STOW-RS, and the job that scores it.
// A study here holds one film: a DICOM study of several instances becomes several.
type Study struct {
	ID          string    `json:"id"`
	Created     time.Time `json:"created"`
	Source      string    `json:"source"` // "upload" or "stow"
	ContentType string    `json:"content_type"`
	SizeBytes   int64     `json:"size_bytes"`
	SHA256      string    `json:"sha256"`
	FilmID      string    `json:"film_id"`
	PatientKey  string    `json:"patient_key,omitempty"`
	KeyID       string    `json:"-"`
	SOPClass    string    `json:"sop_class_uid,omitempty"`
	SOPInstance string    `json:"sop_instance_uid,omitempty"`
	JobID       int64     `json:"job_id"`
	// Status is the result's: "" while the job has not finished, else "scored", "no hand" or
	// "failed".
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// Result statuses.
const (
	StatusScored = "scored"
	StatusNoHand = "no hand"
	StatusFailed = "failed"
)

// InsertStudy adds a study inside the caller's transaction.
func InsertStudy(ctx context.Context, ex Execer, s *Study) error {
	if s.Created.IsZero() {
		s.Created = time.UnixMilli(nowMS()).UTC()
	}
	return ex.Exec(ctx, `INSERT INTO rascore_study (id, created_ms, source, content_type,
		size_bytes, sha256, film_id, patient_key, key_id, sop_class_uid, sop_instance_uid,
		job_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		s.ID, s.Created.UnixMilli(), s.Source, s.ContentType, s.SizeBytes, s.SHA256, s.FilmID,
		s.PatientKey, s.KeyID, s.SOPClass, s.SOPInstance, s.JobID)
}

// SetJob records the job of a study inside the caller's transaction.
func SetJob(ctx context.Context, ex Execer, studyID string, jobID int64) error {
	return ex.Exec(ctx, `UPDATE rascore_study SET job_id = $1 WHERE id = $2`, jobID, studyID)
}

// Result is what a job made of a study.
type Result struct {
	Status  string
	Error   string
	Report  []byte // JSON, schema rascore.report/v1; nil when failed
	Overlay []byte // PNG; nil when failed
}

// InsertResult records a study's result inside the caller's transaction. A second result for
// the same study is refused by the primary key: a study is finished once.
func InsertResult(ctx context.Context, ex Execer, studyID string, r Result) error {
	if err := ex.Exec(ctx, `INSERT INTO rascore_result (study_id, status, error, report,
		overlay, finished_ms) VALUES ($1, $2, $3, $4, $5, $6)`, studyID, r.Status, r.Error,
		r.Report, r.Overlay, nowMS()); err != nil {
		return fmt.Errorf("save result: %w", err)
	}
	return nil
}

const studyColumns = `s.id, s.created_ms, s.source, s.content_type, s.size_bytes, s.sha256,
	s.film_id, s.patient_key, s.key_id, s.sop_class_uid, s.sop_instance_uid, s.job_id,
	COALESCE(r.status, ''), COALESCE(r.error, '')`

func scanStudy(sc interface{ Scan(...any) error }) (Study, error) {
	var s Study
	var created int64
	err := sc.Scan(&s.ID, &created, &s.Source, &s.ContentType, &s.SizeBytes, &s.SHA256,
		&s.FilmID, &s.PatientKey, &s.KeyID, &s.SOPClass, &s.SOPInstance, &s.JobID, &s.Status,
		&s.Error)
	s.Created = time.UnixMilli(created).UTC()
	return s, err
}

// GetStudy gives one study with its result's status.
func (db *DB) GetStudy(ctx context.Context, id string) (Study, error) {
	return db.oneStudy(ctx, "study "+id, `s.id = $1`, id)
}

// StudyByInstance gives the earliest study made from a DICOM instance with this SOP instance
// UID and these bytes (SHA-256), or ErrNotFound.
func (db *DB) StudyByInstance(ctx context.Context, sopInstance, sha string) (Study, error) {
	return db.oneStudy(ctx, "instance", `s.sop_instance_uid = $1 AND s.sha256 = $2
		ORDER BY s.created_ms, s.id LIMIT 1`, sopInstance, sha)
}

// StudyByJob gives the study a job scores.
func (db *DB) StudyByJob(ctx context.Context, jobID int64) (Study, error) {
	return db.oneStudy(ctx, fmt.Sprintf("job %d", jobID), `s.job_id = $1`, jobID)
}

// oneStudy gives the first study the condition selects, with its result's status; what names
// it in the ErrNotFound error.
func (db *DB) oneStudy(ctx context.Context, what, where string, args ...any) (Study, error) {
	s, err := scanStudy(db.SQL.QueryRowContext(ctx, `SELECT `+studyColumns+`
		FROM rascore_study s LEFT JOIN rascore_result r ON r.study_id = s.id
		WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return s, err
}

// Studies lists studies newest first, at most limit of them, starting after the given offset.
func (db *DB) Studies(ctx context.Context, limit, offset int) ([]Study, error) {
	rows, err := db.SQL.QueryContext(ctx, `SELECT `+studyColumns+`
		FROM rascore_study s LEFT JOIN rascore_result r ON r.study_id = s.id
		ORDER BY s.created_ms DESC, s.id LIMIT $1 OFFSET $2`, limit, offset)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Study{}
	for rows.Next() {
		s, err := scanStudy(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// GetResult gives a study's result, or ErrNotFound while it has none.
func (db *DB) GetResult(ctx context.Context, studyID string) (Result, error) {
	var r Result
	err := db.SQL.QueryRowContext(ctx, `SELECT status, error, report, overlay
		FROM rascore_result WHERE study_id = $1`, studyID).Scan(&r.Status, &r.Error, &r.Report,
		&r.Overlay)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("result of %s: %w", studyID, ErrNotFound)
	}
	return r, err
}

// Count is how many rows a query counts.
func (db *DB) count(ctx context.Context, q string, args ...any) (int, error) {
	var n int
	err := db.SQL.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}

// Counts are the numbers a crash or load check compares: studies, results, and audit lines
// that say a study was finished.
type Counts struct{ Studies, Results, Finished int }

// CountAll counts the studies, results and "finished" audit lines.
func (db *DB) CountAll(ctx context.Context) (Counts, error) {
	var c Counts
	var err error
	if c.Studies, err = db.count(ctx, `SELECT COUNT(*) FROM rascore_study`); err != nil {
		return c, err
	}
	if c.Results, err = db.count(ctx, `SELECT COUNT(*) FROM rascore_result`); err != nil {
		return c, err
	}
	c.Finished, err = db.count(ctx,
		`SELECT COUNT(*) FROM rascore_audit WHERE action = 'study.finish'`)
	return c, err
}

// JobStates counts River's jobs by state.
func (db *DB) JobStates(ctx context.Context) (map[string]int, error) {
	rows, err := db.SQL.QueryContext(ctx, `SELECT state, COUNT(*) FROM river_job GROUP BY state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

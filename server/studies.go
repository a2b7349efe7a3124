package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"rascore/read"
	"rascore/report"
	"rascore/store"
)

// uploadTypes are the content types a film may be uploaded as, and the format each must hold
// ("" for any).
var uploadTypes = map[string]string{
	"application/dicom":        "dicom",
	"image/png":                "png",
	"image/jpeg":               "jpeg",
	"image/tiff":               "tiff",
	"application/octet-stream": "",
}

// Queued is the answer to an upload.
type Queued struct {
	StudyID string `json:"study_id"`
	JobID   int64  `json:"job_id"`
	FilmID  string `json:"film_id"`
	Status  string `json:"status"`
	Links   Links  `json:"links"`
}

// Links are where a study's outputs will be.
type Links struct {
	Study  string `json:"study"`
	Job    string `json:"job"`
	Report string `json:"report"`
}

func studyLinks(id string, job int64) Links {
	return Links{Study: "/v1/studies/" + id, Job: "/v1/jobs/" + strconv.FormatInt(job, 10),
		Report: "/v1/studies/" + id + "/report.json"}
}

// httpError is an error with the status the client gets.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func errorCode(err error) (int, string) {
	var he *httpError
	if errors.As(err, &he) {
		return he.code, he.msg
	}
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return http.StatusRequestEntityTooLarge,
			fmt.Sprintf("request body over the limit of %d bytes", mb.Limit)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusRequestTimeout, "request took too long"
	}
	return http.StatusInternalServerError, "internal error"
}

// upload takes one film as the request body (Content-Type naming its format) or as the part
// "file" of a multipart/form-data body, checks that it can be read, keeps it and queues its
// job.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	data, ctype, err := s.readUpload(w, r)
	if err != nil {
		code, msg := errorCode(err)
		writeError(w, code, msg)
		return
	}
	st, err := s.admit(r.Context(), data, ctype, "upload", "", "")
	if err != nil {
		code, msg := errorCode(err)
		writeError(w, code, msg)
		return
	}
	s.metrics.stage("upload", time.Since(start))
	writeJSON(w, http.StatusAccepted, Queued{StudyID: st.ID, JobID: st.JobID, FilmID: st.FilmID,
		Status: "queued", Links: studyLinks(st.ID, st.JobID)})
}

// readUpload reads the film out of an upload request, within the size limit.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request) ([]byte, string, error) {
	limit := s.cfg.MaxUploadBytes
	if r.ContentLength > limit {
		return nil, "", &httpError{http.StatusRequestEntityTooLarge,
			fmt.Sprintf("request body of %d bytes over the limit of %d", r.ContentLength, limit)}
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, "", &httpError{http.StatusUnsupportedMediaType, "Content-Type missing or " +
			"malformed: want application/dicom, image/png, image/jpeg, image/tiff, " +
			"application/octet-stream or multipart/form-data"}
	}
	if mt == "multipart/form-data" {
		return readFilePart(multipart.NewReader(r.Body, params["boundary"]))
	}
	if _, ok := uploadTypes[mt]; !ok {
		return nil, "", &httpError{http.StatusUnsupportedMediaType, "Content-Type " + mt +
			": want application/dicom, image/png, image/jpeg, image/tiff, " +
			"application/octet-stream or multipart/form-data"}
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, "", readErr(err)
	}
	return data, mt, nil
}

// readFilePart finds the part named "file" of a multipart/form-data body.
func readFilePart(mr *multipart.Reader) ([]byte, string, error) {
	if mr == nil {
		return nil, "", &httpError{http.StatusBadRequest, "multipart body without a boundary"}
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, "", &httpError{http.StatusBadRequest, `multipart body without a part ` +
				`named "file"`}
		}
		if err != nil {
			return nil, "", readErr(err)
		}
		if p.FormName() != "file" {
			continue
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, "", readErr(err)
		}
		mt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if _, ok := uploadTypes[mt]; !ok {
			mt = "application/octet-stream"
		}
		// The rest of the body must be well formed too: a cut body is refused, and so is a
		// second file, which would otherwise be dropped unseen.
		for {
			q, err := mr.NextPart()
			if err == io.EOF {
				break
			} else if err != nil {
				return nil, "", readErr(err)
			}
			if q.FormName() == "file" {
				return nil, "", &httpError{http.StatusBadRequest,
					`one film per upload: the body has more than one part named "file"`}
			}
		}
		return data, mt, nil
	}
}

// readErr says what went wrong reading a request body.
func readErr(err error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var ne net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &httpError{http.StatusRequestTimeout, "request body too slow: the request " +
			"timeout passed before it arrived"}
	}
	if errors.As(err, &ne) {
		// the connection's own error names socket addresses; say what happened instead
		return &httpError{http.StatusBadRequest, "request body unreadable: connection failed"}
	}
	return &httpError{http.StatusBadRequest, "request body unreadable: " + err.Error()}
}

// admit checks a film without decoding its pixels (read.Probe), keeps it and queues its job:
// the study row, the job and the audit line are committed together. A DICOM instance (given
// by its SOP instance UID) already stored with the same bytes is not admitted again: its
// study is returned, so a PACS resending it does not make a second study to score and read.
func (s *Server) admit(ctx context.Context, data []byte, ctype, source, sopClass,
	sopInstance string) (*store.Study, error) {
	sha := sha256Hex(data)
	if sopInstance != "" {
		st, err := s.cfg.DB.StudyByInstance(ctx, sopInstance, sha)
		if err == nil {
			slog.Info("instance already stored", "study", st.ID, "source", source)
			return &st, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("look up instance: %w", err)
		}
	}
	select {
	case s.checks <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	start := time.Now()
	rg, err := s.cfg.Scorer.Probe(data)
	<-s.checks
	s.metrics.stage("check", time.Since(start))
	if err != nil {
		return nil, readFailure(err)
	}
	if want := uploadTypes[ctype]; want != "" && want != rg.Format {
		return nil, &httpError{http.StatusUnsupportedMediaType,
			fmt.Sprintf("Content-Type %s but the file is %s", ctype, rg.Format)}
	}
	st := &store.Study{ID: store.NewID(), Source: source, ContentType: ctype,
		SizeBytes: int64(len(data)), SHA256: sha, FilmID: report.FilmID(sha),
		PatientKey: rg.PatientKey, KeyID: keyID(ctx), SOPClass: sopClass,
		SOPInstance: sopInstance}
	if err := s.saveFile(st.ID, data); err != nil {
		return nil, err
	}
	st.JobID, err = s.q.enqueue(ctx, st.ID, func(ex store.Execer) error {
		if err := store.InsertStudy(ctx, ex, st); err != nil {
			return err
		}
		return store.Audit(ctx, ex, st.KeyID, "study.create", st.ID, source)
	})
	if err != nil {
		return nil, fmt.Errorf("queue study: %w", err)
	}
	slog.Info("study queued", "study", st.ID, "film", st.FilmID, "job", st.JobID,
		"source", source, "key", st.KeyID)
	return st, nil
}

// readFailure maps the reader's errors to statuses: too large is 413, the rest 422.
func readFailure(err error) error {
	if errors.Is(err, read.ErrTooLarge) {
		return &httpError{http.StatusRequestEntityTooLarge, err.Error()}
	}
	return &httpError{http.StatusUnprocessableEntity, "film unreadable: " + err.Error()}
}

func (s *Server) listStudies(w http.ResponseWriter, r *http.Request) {
	limit, offset := 100, 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "limit: want 1 to 1000")
			return
		}
		limit = n
	}
	if v := r.URL.Query().Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "offset: want 0 or more")
			return
		}
		offset = n
	}
	studies, err := s.cfg.DB.Studies(r.Context(), limit, offset)
	if err != nil {
		slog.Error("list studies", "err", err)
		writeError(w, http.StatusInternalServerError, "list studies failed")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"studies": studies, "limit": limit,
		"offset": offset})
}

// studyOr404 gives the study the route names, or answers 404.
func (s *Server) studyOr404(w http.ResponseWriter, r *http.Request) (store.Study, bool) {
	st, err := s.cfg.DB.GetStudy(r.Context(), chi.URLParam(r, "id"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no such study")
		return st, false
	}
	if err != nil {
		slog.Error("get study", "err", err)
		writeError(w, http.StatusInternalServerError, "get study failed")
		return st, false
	}
	return st, true
}

// StudyView is a study with its job's state.
type StudyView struct {
	store.Study
	JobState string `json:"job_state"`
	Links    Links  `json:"links"`
}

func (s *Server) getStudy(w http.ResponseWriter, r *http.Request) {
	st, ok := s.studyOr404(w, r)
	if !ok {
		return
	}
	v := StudyView{Study: st, Links: studyLinks(st.ID, st.JobID)}
	if job, err := s.q.jobGet(r.Context(), st.JobID); err == nil {
		v.JobState = string(job.State)
	}
	writeJSON(w, http.StatusOK, v)
}

// JobView is a job's state.
type JobView struct {
	ID          int64      `json:"id"`
	State       string     `json:"state"`
	Attempt     int        `json:"attempt"`
	MaxAttempts int        `json:"max_attempts"`
	StudyID     string     `json:"study_id"`
	CreatedAt   time.Time  `json:"created_at"`
	FinalizedAt *time.Time `json:"finalized_at,omitempty"`
	Errors      []string   `json:"errors,omitempty"`
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "job id: want a number")
		return
	}
	st, err := s.cfg.DB.StudyByJob(r.Context(), id)
	if err != nil {
		writeError(w, http.StatusNotFound, "no such job")
		return
	}
	job, err := s.q.jobGet(r.Context(), id)
	if err != nil {
		writeError(w, http.StatusNotFound, "no such job")
		return
	}
	v := JobView{ID: job.ID, State: string(job.State), Attempt: job.Attempt,
		MaxAttempts: job.MaxAttempts, StudyID: st.ID, CreatedAt: job.CreatedAt,
		FinalizedAt: job.FinalizedAt}
	for _, e := range job.Errors {
		v.Errors = append(v.Errors, e.Error)
	}
	writeJSON(w, http.StatusOK, v)
}

// result gives a study's finished report, or answers why there is none: 404 no study, 409
// not scored yet, 422 failed.
func (s *Server) result(w http.ResponseWriter, r *http.Request) (*report.Report,
	store.Result, bool) {
	st, ok := s.studyOr404(w, r)
	if !ok {
		return nil, store.Result{}, false
	}
	res, err := s.cfg.DB.GetResult(r.Context(), st.ID)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusConflict, "study "+st.ID+" not scored yet")
		return nil, res, false
	}
	if err != nil {
		slog.Error("get result", "err", err)
		writeError(w, http.StatusInternalServerError, "get result failed")
		return nil, res, false
	}
	if res.Status == store.StatusFailed {
		writeError(w, http.StatusUnprocessableEntity, "study "+st.ID+" failed: "+res.Error)
		return nil, res, false
	}
	rep, err := report.ReadJSON(bytes.NewReader(res.Report))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "stored report unreadable")
		return nil, res, false
	}
	store.Audit(r.Context(), store.SQLExec{X: s.cfg.DB.SQL}, keyID(r.Context()), "report.read",
		st.ID, strings.TrimPrefix(chi.RouteContext(r.Context()).RoutePattern(),
			"/v1/studies/{id}/"))
	return rep, res, true
}

func (s *Server) reportJSON(w http.ResponseWriter, r *http.Request) {
	_, res, ok := s.result(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(res.Report)
}

func (s *Server) reportCSV(w http.ResponseWriter, r *http.Request) {
	rep, _, ok := s.result(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	report.WriteCSV(w, report.Patients([]*report.Report{rep}))
}

func (s *Server) overlayPNG(w http.ResponseWriter, r *http.Request) {
	_, res, ok := s.result(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(res.Overlay)
}

func (s *Server) reportHTML(w http.ResponseWriter, r *http.Request) {
	rep, res, ok := s.result(w, r)
	if !ok {
		return
	}
	patients := report.Patients([]*report.Report{rep})
	var buf bytes.Buffer
	if err := report.WriteHTML(&buf, rep, &patients[0], res.Overlay); err != nil {
		writeError(w, http.StatusInternalServerError, "render report failed")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

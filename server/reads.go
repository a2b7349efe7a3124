package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"rascore/read"
	"rascore/report"
	"rascore/review"
	"rascore/store"
)

// The reader's routes: the worklist, the corrected read (JSON and RA2-DREAM CSV), corrections,
// sign-off and the audit trail. The AI's report stays as it was at report.json.

// pageParams reads limit (1–1000, default 100) and offset (0 or more) from the query.
func pageParams(r *http.Request) (limit, offset int, err error) {
	limit = 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return 0, 0, errors.New("limit: want 1 to 1000")
		}
		limit = n
	}
	if v := r.URL.Query().Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, errors.New("offset: want 0 or more")
		}
		offset = n
	}
	return limit, offset, nil
}

func (s *Server) worklist(w http.ResponseWriter, r *http.Request) {
	limit, offset, err := pageParams(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	items, err := s.cfg.DB.Worklist(r.Context(), limit, offset)
	if err != nil {
		slog.Error("worklist", "err", err)
		writeError(w, http.StatusInternalServerError, "worklist failed")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"studies": items, "limit": limit,
		"offset": offset})
}

// currentRead gives a study's read with every correction applied, or answers why there is
// none (as result does).
func (s *Server) currentRead(w http.ResponseWriter, r *http.Request) (*review.Read, bool) {
	st, ai, ok := s.aiReport(w, r)
	if !ok {
		return nil, false
	}
	rs, err := s.cfg.DB.ReadStateOf(r.Context(), st.ID)
	if err != nil {
		slog.Error("read state", "study", st.ID, "err", err)
		writeError(w, http.StatusInternalServerError, "get corrections failed")
		return nil, false
	}
	return review.NewRead(st.ID, ai, rs.Corrections, rs.SignOff), true
}

func (s *Server) readJSON(w http.ResponseWriter, r *http.Request) {
	rd, ok := s.currentRead(w, r)
	if !ok {
		return
	}
	store.Audit(r.Context(), store.SQLExec{X: s.cfg.DB.SQL}, keyID(r.Context()), "report.read",
		rd.StudyID, "read.json")
	writeJSON(w, http.StatusOK, rd)
}

func (s *Server) readCSV(w http.ResponseWriter, r *http.Request) {
	rd, ok := s.currentRead(w, r)
	if !ok {
		return
	}
	store.Audit(r.Context(), store.SQLExec{X: s.cfg.DB.SQL}, keyID(r.Context()), "report.read",
		rd.StudyID, "read.csv")
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	report.WriteCSV(w, report.Patients([]*report.Report{rd.Report}))
}

// readerName checks the name a reader gives: 1 to 80 printable characters.
func readerName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || len([]rune(name)) > 80 {
		return "", errors.New("reader: want your name, 1 to 80 characters")
	}
	for _, c := range name {
		if !unicode.IsPrint(c) {
			return "", errors.New("reader: printable characters only")
		}
	}
	return name, nil
}

// decodeBody reads a small JSON request body.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &httpError{http.StatusBadRequest, "request body: " + bodyError(err)}
	}
	if dec.Decode(&struct{}{}) != io.EOF {
		return &httpError{http.StatusBadRequest, "request body: want one JSON object and " +
			"nothing after it"}
	}
	return nil
}

// bodyError says what is wrong with a JSON body in the API's terms, not the decoder's.
func bodyError(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field != "":
		field := te.Field[strings.LastIndex(te.Field, ".")+1:]
		want := map[string]string{"float64": "a number", "int": "a whole number",
			"string": "a string"}[te.Type.String()]
		if want == "" {
			want = "a " + te.Type.String()
		}
		return fmt.Sprintf("%s: want %s, not a JSON %s", field, want, te.Value)
	case errors.As(err, &te):
		return "want a JSON object"
	case errors.As(err, &se):
		return fmt.Sprintf("not valid JSON (at byte %d)", se.Offset)
	case errors.Is(err, io.EOF):
		return "empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "JSON ends early"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// CorrectionRequest is a reader's change to one site.
type CorrectionRequest struct {
	Reader string `json:"reader"`
	review.Change
}

// correct applies one change to a study's read. It is refused with 409 once the read is
// signed off; the correction, the audit line and the worklist's totals are committed together.
func (s *Server) correct(w http.ResponseWriter, r *http.Request) {
	var req CorrectionRequest
	reader, st, ai, ok := s.beginChange(w, r, &req, &req.Reader)
	if !ok {
		return
	}
	ctx := r.Context()
	var rg *read.Radiograph
	if req.Action == review.Move {
		// The joint is graded again where the reader put it, on the film as it was scored.
		e, err := s.film(st.ID)
		if err != nil {
			slog.Error("film for rescoring", "study", st.ID, "err", err)
			writeError(w, http.StatusInternalServerError, "film unreadable")
			return
		}
		scored := *e.rg
		scored.SpacingMM, scored.SpacingSource = ai.Input.SpacingMM, ai.Input.SpacingSource
		rg = &scored
	}
	var rd *review.Read
	err := s.cfg.DB.ChangeRead(ctx, st.ID, func(tx *store.ReadTx) error {
		so, err := tx.SignOff(ctx)
		if err != nil {
			return err
		}
		if so != nil {
			return store.ErrSignedOff
		}
		cs, err := tx.Corrections(ctx)
		if err != nil {
			return err
		}
		cur := review.Apply(ai, cs)
		c, err := review.Check(cur, req.Change)
		if err != nil {
			return err
		}
		if rg != nil {
			s.rescore(rg, cur, &c)
		}
		c.Reader = reader
		if err := tx.AddCorrection(ctx, keyID(ctx), &c); err != nil {
			return err
		}
		rd = review.NewRead(st.ID, ai, append(cs, c), nil)
		if err := tx.SetSummary(ctx, rd.Report.Totals, len(rd.Corrections)); err != nil {
			return err
		}
		return store.Audit(ctx, tx, keyID(ctx), "read.correct", st.ID,
			reader+": "+c.Summary())
	})
	if !s.readChanged(w, st.ID, err) {
		return
	}
	last := rd.Corrections[len(rd.Corrections)-1]
	slog.Info("read corrected", "study", st.ID, "site", last.Column, "action", last.Action,
		"key", keyID(ctx))
	writeJSON(w, http.StatusOK, rd)
}

// rescore grades a moved joint again at its new place and keeps the result in the correction;
// when that fails the move stands without new grades (and the width is marked not measured).
func (s *Server) rescore(rg *read.Radiograph, cur *report.Report, c *review.Correction) {
	h, i := review.HandOf(cur, c.Column)
	start := time.Now()
	re, err := s.cfg.Scorer.Score.Rescore(rg, *h, h.Sites[i].Joint, *c.New.XPx, *c.New.YPx)
	s.metrics.stage("rescore", time.Since(start))
	if err != nil {
		slog.Warn("rescore moved joint", "site", c.Column, "err", err)
		return
	}
	c.New.Rescored = &re
}

// SignOffRequest names the reader who signs a read off.
type SignOffRequest struct {
	Reader string `json:"reader"`
}

// signOff locks a study's read: from then on corrections are refused with 409.
func (s *Server) signOff(w http.ResponseWriter, r *http.Request) {
	var req SignOffRequest
	reader, st, ai, ok := s.beginChange(w, r, &req, &req.Reader)
	if !ok {
		return
	}
	ctx := r.Context()
	var rd *review.Read
	err := s.cfg.DB.ChangeRead(ctx, st.ID, func(tx *store.ReadTx) error {
		so, err := tx.AddSignOff(ctx, keyID(ctx), reader)
		if err != nil {
			return err
		}
		cs, err := tx.Corrections(ctx)
		if err != nil {
			return err
		}
		rd = review.NewRead(st.ID, ai, cs, so)
		if err := tx.SetSummary(ctx, rd.Report.Totals, len(cs)); err != nil {
			return err
		}
		return store.Audit(ctx, tx, keyID(ctx), "read.sign-off", st.ID, reader+
			": total "+strconv.Itoa(rd.Report.Totals.Total))
	})
	if !s.readChanged(w, st.ID, err) {
		return
	}
	slog.Info("read signed off", "study", st.ID, "key", keyID(ctx))
	writeJSON(w, http.StatusOK, rd)
}

// beginChange decodes a change request into req, checks the reader's name (*reader, a field
// of req) and finds the study's AI read; ok is false when the answer has been written.
func (s *Server) beginChange(w http.ResponseWriter, r *http.Request, req any, reader *string) (
	string, store.Study, *report.Report, bool) {
	if err := decodeBody(r, req); err != nil {
		code, msg := errorCode(err)
		writeError(w, code, msg)
		return "", store.Study{}, nil, false
	}
	name, err := readerName(*reader)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return "", store.Study{}, nil, false
	}
	st, ai, ok := s.aiReport(w, r)
	return name, st, ai, ok
}

// readChanged answers a failed change of a read and says whether it went through.
func (s *Server) readChanged(w http.ResponseWriter, studyID string, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, store.ErrSignedOff):
		writeError(w, http.StatusConflict, "study "+studyID+" is signed off: its read is locked")
	case errors.Is(err, review.ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such study")
	default:
		code, msg := errorCode(err)
		if code == http.StatusInternalServerError {
			slog.Error("change read", "study", studyID, "err", err)
			msg = "saving the change failed"
		}
		writeError(w, code, msg)
	}
	return false
}

func (s *Server) audit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.studyOr404(w, r)
	if !ok {
		return
	}
	trail, err := s.cfg.DB.AuditOf(r.Context(), st.ID)
	if err != nil {
		slog.Error("audit", "study", st.ID, "err", err)
		writeError(w, http.StatusInternalServerError, "get audit trail failed")
		return
	}
	if trail == nil {
		trail = []store.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"study_id": st.ID, "entries": trail})
}

// aiReport gives the study and its AI report without adding to the audit trail, or answers
// why there is none: 404 no study, 409 not scored yet, 422 failed or no hand.
func (s *Server) aiReport(w http.ResponseWriter, r *http.Request) (store.Study,
	*report.Report, bool) {
	st, ok := s.studyOr404(w, r)
	if !ok {
		return st, nil, false
	}
	res, err := s.cfg.DB.GetResult(r.Context(), st.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusConflict, "study "+st.ID+" not scored yet")
		return st, nil, false
	case err != nil:
		slog.Error("get result", "err", err)
		writeError(w, http.StatusInternalServerError, "get result failed")
		return st, nil, false
	case res.Status == store.StatusFailed:
		writeError(w, http.StatusUnprocessableEntity, "study "+st.ID+" failed: "+res.Error)
		return st, nil, false
	}
	rep, err := report.ReadJSON(bytes.NewReader(res.Report))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "stored report unreadable")
		return st, nil, false
	}
	return st, rep, true
}

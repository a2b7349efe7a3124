package server

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// STOW-RS failure reasons (PS3.18 table 10.5.3-1 and PS3.4 annex C).
const (
	failureProcessing     = 0x0110 // processing failure
	failureOutOfResources = 0xA700 // refused: out of resources
	failureMismatch       = 0xA900 // error: data set does not match SOP class (or study)
	failureCannotRead     = 0xC000 // error: cannot understand
)

// dicomJSON is a data set in the DICOM JSON model (PS3.18 annex F).
type dicomJSON map[string]dicomAttr

type dicomAttr struct {
	VR    string `json:"vr"`
	Value []any  `json:"Value,omitempty"`
}

// stow stores instances sent as multipart/related; type="application/dicom" (PS3.18 10.5).
// Each instance that can be read becomes a study with its own job. The answer is the
// standard one: 200 when every instance was stored, 202 when some failed, 409 when all did,
// with a ReferencedSOPSequence and a FailedSOPSequence in DICOM JSON.
func (s *Server) stow(w http.ResponseWriter, r *http.Request) {
	limit := s.cfg.MaxUploadBytes
	if r.ContentLength > limit {
		writeError(w, http.StatusRequestEntityTooLarge, "request body over the limit")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/related" || params["boundary"] == "" {
		writeError(w, http.StatusUnsupportedMediaType, "STOW-RS wants Content-Type "+
			`multipart/related; type="application/dicom"; boundary=…`)
		return
	}
	if t := params["type"]; t != "" && t != "application/dicom" {
		writeError(w, http.StatusUnsupportedMediaType, "STOW-RS type "+t+
			": only application/dicom is taken")
		return
	}
	wantStudy := chi.URLParam(r, "study")

	var stored, failedSOPs []any
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			code, msg := errorCode(readErr(err))
			writeError(w, code, msg)
			return
		}
		data, err := io.ReadAll(p)
		if err != nil {
			code, msg := errorCode(readErr(err))
			writeError(w, code, msg)
			return
		}
		ref, reason := s.stowInstance(r, data, p.Header.Get("Content-Type"), wantStudy)
		if reason != 0 {
			ref["00081197"] = dicomAttr{VR: "US", Value: []any{reason}}
			failedSOPs = append(failedSOPs, ref)
			continue
		}
		stored = append(stored, ref)
	}
	if len(stored)+len(failedSOPs) == 0 {
		writeError(w, http.StatusBadRequest, "STOW-RS request without instances")
		return
	}
	out := dicomJSON{}
	if len(stored) > 0 {
		out["00081199"] = dicomAttr{VR: "SQ", Value: stored}
	}
	if len(failedSOPs) > 0 {
		out["00081198"] = dicomAttr{VR: "SQ", Value: failedSOPs}
	}
	code := http.StatusOK
	switch {
	case len(stored) == 0:
		code = http.StatusConflict
	case len(failedSOPs) > 0:
		code = http.StatusAccepted
	}
	slog.Info("stow", "stored", len(stored), "failed", len(failedSOPs),
		"key", keyID(r.Context()))
	writeDICOMJSON(w, code, out)
}

// stowInstance admits one instance; it gives the instance's reference and a failure reason,
// zero when it was stored.
func (s *Server) stowInstance(r *http.Request, data []byte, ctype, wantStudy string) (
	dicomJSON, int) {
	ref := dicomJSON{}
	if mt, _, _ := mime.ParseMediaType(ctype); mt != "" && mt != "application/dicom" {
		return ref, failureCannotRead
	}
	uids, err := instanceUIDs(data)
	if err != nil {
		return ref, failureCannotRead
	}
	ref["00081150"] = dicomAttr{VR: "UI", Value: []any{uids.sopClass}}
	ref["00081155"] = dicomAttr{VR: "UI", Value: []any{uids.sopInstance}}
	if wantStudy != "" && uids.study != wantStudy {
		return ref, failureMismatch
	}
	st, err := s.admit(r.Context(), data, "application/dicom", "stow", uids.sopClass,
		uids.sopInstance)
	if err != nil {
		code, _ := errorCode(err)
		switch code {
		case http.StatusRequestEntityTooLarge:
			return ref, failureOutOfResources
		case http.StatusUnprocessableEntity, http.StatusUnsupportedMediaType:
			return ref, failureCannotRead
		}
		slog.Error("stow instance", "err", err)
		return ref, failureProcessing
	}
	ref["00081190"] = dicomAttr{VR: "UR", Value: []any{baseURL(r) + "/v1/studies/" + st.ID}}
	return ref, 0
}

type uids struct{ sopClass, sopInstance, study string }

// instanceUIDs reads an instance's SOP class, SOP instance and study UIDs, without its pixels.
func instanceUIDs(data []byte) (uids, error) {
	ds, err := dicom.Parse(bytes.NewReader(data), int64(len(data)), nil, dicom.SkipPixelData())
	if err != nil {
		return uids{}, err
	}
	get := func(t tag.Tag) string {
		el, err := ds.FindElementByTag(t)
		if err != nil {
			return ""
		}
		v, ok := el.Value.GetValue().([]string)
		if !ok || len(v) == 0 {
			return ""
		}
		return strings.TrimRight(v[0], "\x00 ")
	}
	u := uids{sopClass: get(tag.SOPClassUID), sopInstance: get(tag.SOPInstanceUID),
		study: get(tag.StudyInstanceUID)}
	if u.sopClass == "" || u.sopInstance == "" {
		return u, errors.New("no SOP class or instance UID")
	}
	return u, nil
}

// baseURL is the scheme and host the client reached the server at.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func writeDICOMJSON(w http.ResponseWriter, code int, v dicomJSON) {
	w.Header().Set("Content-Type", "application/dicom+json")
	writeJSONBody(w, code, v)
}

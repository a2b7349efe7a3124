package server

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"log/slog"
	"math"
	"net/http"
	"os"
	"slices"
	"sync"

	"github.com/go-chi/chi/v5"

	"rascore/crop"
	"rascore/read"
	"rascore/store"
	"rascore/svdh"
)

// filmMaxSide is the longest side of the film picture the viewer gets; larger films are
// scaled down and the viewer scales the site positions with them.
const filmMaxSide = 4096

// films keeps the last few films decoded for the viewer, so that a reader stepping through a
// study's sites does not decode the film again for every patch.
type films struct {
	mu      sync.Mutex
	entries []*filmEntry // most recent last
}

const filmsKept = 3

type filmEntry struct {
	studyID string
	once    sync.Once
	rg      *read.Radiograph
	png     []byte
	err     error
}

// film gives the study's decoded film and its 8-bit PNG, decoding it once; a failure is
// not kept, so the next request tries again.
func (s *Server) film(studyID string) (*filmEntry, error) {
	f := &s.films
	f.mu.Lock()
	var e *filmEntry
	for i, x := range f.entries {
		if x.studyID == studyID {
			e = x
			f.entries = append(f.entries[:i], f.entries[i+1:]...)
			break
		}
	}
	if e == nil {
		e = &filmEntry{studyID: studyID}
	}
	f.entries = append(f.entries, e)
	if len(f.entries) > filmsKept {
		f.entries = f.entries[len(f.entries)-filmsKept:]
	}
	f.mu.Unlock()

	e.once.Do(func() { e.rg, e.png, e.err = s.decodeFilm(studyID) })
	if e.err != nil {
		f.mu.Lock()
		f.entries = slices.DeleteFunc(f.entries, func(x *filmEntry) bool { return x == e })
		f.mu.Unlock()
	}
	return e, e.err
}

// decodeFilm reads a study's film as the scorer read it and draws it as 8-bit grey, bone
// bright, the reader's VOI already applied; the viewer windows it.
func (s *Server) decodeFilm(studyID string) (*read.Radiograph, []byte, error) {
	data, err := os.ReadFile(s.filePath(studyID))
	if err != nil {
		return nil, nil, errors.New("film file missing")
	}
	s.checks <- struct{}{}
	defer func() { <-s.checks }()
	rg, err := s.cfg.Scorer.Check(data)
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, rg.Gray8(filmMaxSide)); err != nil {
		return nil, nil, err
	}
	return rg, buf.Bytes(), nil
}

func (s *Server) filmPNG(w http.ResponseWriter, r *http.Request) {
	st, _, ok := s.aiReport(w, r)
	if !ok {
		return
	}
	e, err := s.film(st.ID)
	if err != nil {
		slog.Error("film", "study", st.ID, "err", err)
		writeError(w, http.StatusInternalServerError, "film unreadable")
		return
	}
	store.Audit(r.Context(), store.SQLExec{X: s.cfg.DB.SQL}, keyID(r.Context()), "film.read",
		st.ID, "film.png")
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(e.png)
}

// patchPNG cuts a site's patch as the scorer cuts it (crop.SitePatch: turned to the joint
// axis, right hands mirrored, normalised), at the site's current place, moved or not.
func (s *Server) patchPNG(w http.ResponseWriter, r *http.Request) {
	rd, ok := s.currentRead(w, r)
	if !ok {
		return
	}
	column := chi.URLParam(r, "column")
	for _, h := range rd.Report.Hands {
		for _, site := range h.Sites {
			if site.Column != column {
				continue
			}
			if site.Missing && site.XPx == 0 && site.YPx == 0 {
				writeError(w, http.StatusNotFound, "site "+column+" was not placed")
				return
			}
			e, err := s.film(rd.StudyID)
			if err != nil {
				slog.Error("film", "study", rd.StudyID, "err", err)
				writeError(w, http.StatusInternalServerError, "film unreadable")
				return
			}
			spec := s.cfg.Scorer.Score.Model.Spec()
			view, _ := crop.SitePatch(e.rg, site.Joint, site.XPx, site.YPx, site.AxisDeg,
				h.Laterality == svdh.Right, spec)
			img := image.NewGray(image.Rect(0, 0, spec.Size, spec.Size))
			for i, v := range view {
				img.Pix[i] = uint8(math.Round(float64(v) * 255))
			}
			w.Header().Set("Content-Type", "image/png")
			w.Header().Set("Cache-Control", "private, no-store")
			png.Encode(w, img)
			return
		}
	}
	writeError(w, http.StatusNotFound, "no site "+column+" on this film")
}

package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"rascore/store"
)

func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(middleware.Recoverer, s.observe)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such route: "+r.Method+" "+r.URL.Path)
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed here")
	})
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/readyz", s.ready)
	r.Get("/", s.uiIndex)
	r.Get("/ui/{asset}", s.uiAsset)

	r.Group(func(r chi.Router) {
		r.Use(s.authenticate, middleware.Timeout(s.cfg.RequestTimeout))
		r.Get("/openapi.json", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(openAPI)
		})
		r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
		r.Post("/v1/studies", s.upload)
		r.Get("/v1/studies", s.listStudies)
		r.Get("/v1/studies/{id}", s.getStudy)
		r.Get("/v1/studies/{id}/report.json", s.reportJSON)
		r.Get("/v1/studies/{id}/report.csv", s.reportCSV)
		r.Get("/v1/studies/{id}/overlay.png", s.overlayPNG)
		r.Get("/v1/studies/{id}/report.html", s.reportHTML)
		r.Get("/v1/studies/{id}/film.png", s.filmPNG)
		r.Get("/v1/studies/{id}/read.json", s.readJSON)
		r.Get("/v1/studies/{id}/read.csv", s.readCSV)
		r.Post("/v1/studies/{id}/corrections", s.correct)
		r.Post("/v1/studies/{id}/sign-off", s.signOff)
		r.Get("/v1/studies/{id}/audit", s.audit)
		r.Get("/v1/studies/{id}/sites/{column}/patch.png", s.patchPNG)
		r.Get("/v1/worklist", s.worklist)
		r.Get("/v1/jobs/{id}", s.getJob)
		r.Post("/dicomweb/studies", s.stow)
		r.Post("/dicomweb/studies/{study}", s.stow)
	})
	return r
}

// errorBody is every error the API gives: one line of JSON.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	msg = strings.Join(strings.Fields(msg), " ")
	writeJSON(w, code, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	writeJSONBody(w, code, v)
}

func writeJSONBody(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"encode response"}`)
	}
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

type ctxKey int

const keyIDKey ctxKey = 0

// keyID is the id of the API key a request came with.
func keyID(ctx context.Context) string {
	if p, ok := ctx.Value(keyIDKey).(*string); ok {
		return *p
	}
	return ""
}

// authenticate lets through a request that carries a live API key, as a bearer token or as
// the password of basic authentication (for PACS that know only that).
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret := ""
		if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
			secret = strings.TrimSpace(h[7:]) // the scheme is case-insensitive (RFC 7235)
		} else if _, pw, ok := r.BasicAuth(); ok {
			secret = pw
		}
		if secret == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="rascore"`)
			writeError(w, http.StatusUnauthorized, "an API key is needed "+
				"(Authorization: Bearer KEY; rascore keys create)")
			return
		}
		id, err := s.cfg.DB.CheckKey(r.Context(), secret)
		if errors.Is(err, store.ErrNotFound) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="rascore", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "API key unknown or revoked")
			return
		}
		if err != nil {
			slog.Error("check key", "err", err)
			writeError(w, http.StatusServiceUnavailable, "store unavailable")
			return
		}
		if p, ok := r.Context().Value(keyIDKey).(*string); ok {
			*p = id
		}
		next.ServeHTTP(w, r)
	})
}

// observe counts and times each request by its route pattern and logs it without the query
// or anything the client sent.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		r = r.WithContext(context.WithValue(r.Context(), keyIDKey, new(string)))
		next.ServeHTTP(ww, r)
		route := chi.RouteContext(r.Context()).RoutePattern()
		if route == "" {
			route = "unmatched"
		}
		s.metrics.request(route, ww.Status(), time.Since(start))
		level := slog.LevelInfo
		if ww.Status() >= 500 {
			level = slog.LevelError
		}
		slog.Log(r.Context(), level, "request", "method", r.Method, "route", route,
			"status", ww.Status(), "bytes_in", r.ContentLength, "key", keyID(r.Context()),
			"ms", time.Since(start).Milliseconds())
	})
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.DB.SQL.PingContext(ctx); err != nil {
		writeError(w, http.StatusServiceUnavailable, "store unavailable")
		return
	}
	if !s.started.Load() {
		writeError(w, http.StatusServiceUnavailable, "workers not running")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

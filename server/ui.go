package server

import (
	"embed"
	"mime"
	"net/http"
	"path"

	"github.com/go-chi/chi/v5"
)

// The reader UI: plain HTML, CSS and JavaScript modules, embedded in the binary and served
// without a key (they hold no data); every call they make to the API carries the key the
// reader types in, which the page keeps in session storage only.
//
//go:embed ui
var uiFiles embed.FS

// uiHeaders keep the page to its own origin: no inline script, no framing, no referrer.
func uiHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; "+
		"style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; "+
		"base-uri 'none'; frame-ancestors 'none'; form-action 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
}

func (s *Server) uiIndex(w http.ResponseWriter, r *http.Request) {
	b, err := uiFiles.ReadFile("ui/index.html")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "UI missing from this build")
		return
	}
	uiHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b)
}

func (s *Server) uiAsset(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "asset")
	b, err := uiFiles.ReadFile("ui/" + name)
	if err != nil || name == "index.html" || path.Base(name) != name {
		writeError(w, http.StatusNotFound, "no such asset: "+name)
		return
	}
	uiHeaders(w)
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Write(b)
}

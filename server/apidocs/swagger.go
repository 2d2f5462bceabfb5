package apidocs

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
)

// swaggerFS holds the Swagger UI: swagger-ui-dist's assets plus our index.html
// (a template) and init.js.
//
//go:embed swagger
var swaggerFS embed.FS

// swaggerPrefix is where SwaggerUI is mounted.
const swaggerPrefix = "/swagger"

var indexTemplate = template.Must(template.ParseFS(swaggerFS, "swagger/index.html"))

// SwaggerUI serves the Swagger UI: GET /swagger and /swagger/ answer the page,
// /swagger/<asset> its assets. The handler sees the full request path.
//
// The page reads the API key from its own query (/swagger?x-api-key=KEY), sends it
// as X-Api-Key on every request it makes, and passes it on in its asset URLs, so the
// page works whether or not the server asks a key for the assets.
func SwaggerUI() http.Handler {
	assets, err := fs.Sub(swaggerFS, "swagger")
	if err != nil { // cannot happen: the directory is embedded
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, http.MethodGet, http.MethodHead)
			return
		}
		rest, ok := strings.CutPrefix(r.URL.Path, swaggerPrefix)
		if !ok {
			http.NotFound(w, r)
			return
		}
		switch name := strings.TrimPrefix(rest, "/"); {
		case name == "" || name == "index.html":
			if rest == "" || strings.HasPrefix(rest, "/") {
				serveIndex(w, r)
				return
			}
		case strings.HasPrefix(rest, "/") && fs.ValidPath(name) && !strings.Contains(name, "/"):
			if _, err := fs.Stat(assets, name); err == nil {
				w.Header().Set("Cache-Control", "public, max-age=3600")
				http.ServeFileFS(w, r, assets, name)
				return
			}
		}
		http.NotFound(w, r)
	})
}

// serveIndex renders the page, with the caller's key (if any) in its asset URLs.
func serveIndex(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	data := struct{ Key string }{Key: r.URL.Query().Get("x-api-key")}
	if err := indexTemplate.Execute(&buf, data); err != nil {
		http.Error(w, "render swagger page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

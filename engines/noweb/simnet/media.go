package simnet

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// MediaHost is the host name simnet announces in media_conn; clients
// configured with ConfigureClient send it to simnet like everything else.
const MediaHost = "mmg.whatsapp.net"

// maxMediaUpload is the largest file the media host takes: WhatsApp's limit for
// documents, 2 GiB.
const maxMediaUpload = 2 << 30

// mediaKey is the name of a stored upload.
var mediaKey = regexp.MustCompile(`^[0-9A-F]{16,64}$`)

func (s *Server) registerMediaRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /mms/{kind}/{token}", s.handleMediaUpload)
	mux.HandleFunc("GET /simnet-media/{key}", s.handleMediaDownload)
	mux.HandleFunc("DELETE /mms/{kind}/{token}", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	})
	s.registerMediaControlRoutes(mux)
}

func (s *Server) mediaDir() string { return filepath.Join(s.dir, "media-host") }

// handleMediaUpload stores an (already encrypted) upload on disk, as it streams
// in, and answers with the direct path whatsmeow puts in the message. As
// WhatsApp's host it checks the media_conn auth and that the token is the
// upload's SHA-256, and refuses the upload otherwise. The path carries a query
// because downloads append "&hash=…".
func (s *Server) handleMediaUpload(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("auth") != "simnet" {
		http.Error(w, "bad auth", http.StatusUnauthorized)
		return
	}
	// URL-safe base64 of the SHA-256, padded (whatsmeow) or not (Baileys
	// strips the "=").
	want, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(r.PathValue("token"), "="))
	if err != nil || len(want) != sha256.Size {
		http.Error(w, "bad token", http.StatusBadRequest)
		return
	}
	if err := os.MkdirAll(s.mediaDir(), 0o700); err != nil {
		http.Error(w, "storage", http.StatusInternalServerError)
		return
	}
	tmp, err := os.CreateTemp(s.mediaDir(), ".upload-*")
	if err != nil {
		http.Error(w, "storage", http.StatusInternalServerError)
		return
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(tmp, h), http.MaxBytesReader(w, r.Body, maxMediaUpload))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, "bad upload", http.StatusBadRequest)
		return
	case string(h.Sum(nil)) != string(want):
		http.Error(w, "hash mismatch", http.StatusBadRequest)
		return
	}
	key := newID()
	if err := os.Rename(tmp.Name(), filepath.Join(s.mediaDir(), key)); err != nil {
		http.Error(w, "storage", http.StatusInternalServerError)
		return
	}
	directPath := "/simnet-media/" + key + "?kind=" + r.PathValue("kind")
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{
		"url":         "https://" + MediaHost + directPath,
		"direct_path": directPath,
	})
}

func (s *Server) handleMediaDownload(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if !mediaKey.MatchString(key) {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(filepath.Join(s.mediaDir(), key))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	if st, err := f.Stat(); err == nil {
		w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	}
	_, _ = io.Copy(w, f)
}

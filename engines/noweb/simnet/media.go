package simnet

import (
	"encoding/json"
	"io"
	"net/http"
)

// MediaHost is the host name simnet announces in media_conn; clients
// configured with ConfigureClient send it to simnet like everything else.
const MediaHost = "mmg.whatsapp.net"

// maxMediaUpload bounds one upload held in memory.
const maxMediaUpload = 64 << 20

func (s *Server) registerMediaRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /mms/{kind}/{token}", s.handleMediaUpload)
	mux.HandleFunc("GET /simnet-media/{key}", s.handleMediaDownload)
	mux.HandleFunc("DELETE /mms/{kind}/{token}", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	})
}

// handleMediaUpload stores an (already encrypted) blob and answers with
// the direct path whatsmeow puts in the message. The path carries a query
// because downloads append "&hash=…".
func (s *Server) handleMediaUpload(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxMediaUpload+1))
	if err != nil || len(data) > maxMediaUpload {
		http.Error(w, "bad upload", http.StatusBadRequest)
		return
	}
	key := newID()
	s.mu.Lock()
	s.media[key] = data
	s.mu.Unlock()
	directPath := "/simnet-media/" + key + "?kind=" + r.PathValue("kind")
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{
		"url":         "https://" + MediaHost + directPath,
		"direct_path": directPath,
	})
}

func (s *Server) handleMediaDownload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	data, ok := s.media[r.PathValue("key")]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(data)
}

package simnet

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The control API's media endpoints: a phone sends any kind of media message,
// and serves the decrypted files of those it received (listed in its events).
func (s *Server) registerMediaControlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/media", s.apiSendMedia)
	mux.HandleFunc("GET /simnet/api/accounts/{phone}/media/{id}", s.apiReceivedMedia)
}

// maxControlMedia bounds a file sent through the control API (base64 in JSON).
const maxControlMedia = 96 << 20

// apiSendMedia: {to, type, mimetype, filename, caption, data (base64), seconds,
// waveform (base64), thumbnail (base64 JPEG), width, height} → {id}.
func (s *Server) apiSendMedia(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	if p == nil {
		return
	}
	var req struct {
		To        string `json:"to"`
		Data      []byte `json:"data"`
		Mimetype  string `json:"mimetype"`
		Filename  string `json:"filename"`
		Caption   string `json:"caption"`
		Type      string `json:"type"`
		Seconds   int    `json:"seconds"`
		Waveform  []byte `json:"waveform"`
		Thumbnail []byte `json:"thumbnail"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxControlMedia)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Error: "bad JSON body: " + err.Error()})
		return
	}
	switch {
	case req.To == "":
		writeJSON(w, http.StatusBadRequest, apiError{Error: "to: required (a phone number or chat id)"})
		return
	case len(req.Data) == 0:
		writeJSON(w, http.StatusBadRequest, apiError{Error: "data: required (the file as base64)"})
		return
	case req.Mimetype == "":
		writeJSON(w, http.StatusBadRequest, apiError{Error: "mimetype: required"})
		return
	case req.Type != "" && !slices.Contains(MediaTypes, req.Type):
		writeJSON(w, http.StatusBadRequest, apiError{Error: "type: want one of " + strings.Join(MediaTypes, ", ")})
		return
	}
	id, err := p.SendMedia(r.Context(), req.To, Media{
		Data: req.Data, Mimetype: req.Mimetype, Filename: req.Filename, Caption: req.Caption, Type: req.Type,
		Seconds: req.Seconds, Waveform: req.Waveform, Thumbnail: req.Thumbnail, Width: req.Width, Height: req.Height,
	})
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

// apiReceivedMedia serves the decrypted file of a media message the phone got.
func (s *Server) apiReceivedMedia(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	if p == nil {
		return
	}
	f, err := p.ReceivedFile(r.PathValue("id"))
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, ErrUnknownMessage) {
			status = http.StatusNotFound
		}
		writeJSON(w, status, apiError{Error: err.Error()})
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	if st, err := f.Stat(); err == nil {
		w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	}
	_, _ = io.Copy(w, f)
}

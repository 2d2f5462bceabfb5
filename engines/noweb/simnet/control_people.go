package simnet

import (
	"net/http"
)

// registerPeopleControl mounts the control API's people endpoints: a phone's
// presence, chat state, profile, blocklist and calls, and what it sees of
// another account.
func (s *Server) registerPeopleControl(mux *http.ServeMux) {
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/presence", s.apiPresence)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/chats/{chat}/state", s.apiChatState)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/profile", s.apiProfile)
	mux.HandleFunc("GET /simnet/api/accounts/{phone}/peers/{peer}", s.apiPeer)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/block", s.apiBlock)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/calls", s.apiCall)
}

func ok(w http.ResponseWriter) { writeJSON(w, http.StatusOK, map[string]bool{"ok": true}) }

func (s *Server) apiPresence(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		Online bool `json:"online"`
	}
	if p == nil || !decode(w, r, &req) {
		return
	}
	if err := p.SetOnline(r.Context(), req.Online); err != nil {
		writeErr(w, err)
		return
	}
	ok(w)
}

func (s *Server) apiChatState(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		State ChatState `json:"state"`
	}
	if p == nil || !decode(w, r, &req) || !chatField(w, p, "chat", r.PathValue("chat")) {
		return
	}
	switch req.State {
	case StateTyping, StateRecording, StatePaused:
	default:
		badRequest(w, "state: expected typing, recording or paused, got %q", req.State)
		return
	}
	if err := p.SetChatState(r.Context(), r.PathValue("chat"), req.State); err != nil {
		writeErr(w, err)
		return
	}
	ok(w)
}

// apiProfile changes what is given of {name, about, picture (base64 JPEG)};
// "deletePicture": true removes the picture.
func (s *Server) apiProfile(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		Name          *string `json:"name"`
		About         *string `json:"about"`
		Picture       []byte  `json:"picture"`
		DeletePicture bool    `json:"deletePicture"`
	}
	if p == nil || !decode(w, r, &req) {
		return
	}
	if req.Picture != nil && (len(req.Picture) < 3 || req.Picture[0] != 0xFF || req.Picture[1] != 0xD8) {
		badRequest(w, "picture: not a JPEG (base64 of the file)")
		return
	}
	if req.Name != nil && *req.Name == "" {
		badRequest(w, "name: must not be empty")
		return
	}
	ctx := r.Context()
	var err error
	if req.Name != nil {
		err = p.SetPushName(ctx, *req.Name)
	}
	if err == nil && req.About != nil {
		err = p.SetAbout(ctx, *req.About)
	}
	if err == nil && (req.Picture != nil || req.DeletePicture) {
		err = p.SetPicture(ctx, req.Picture)
	}
	if err != nil {
		writeErr(w, err)
		return
	}
	ok(w)
}

func (s *Server) apiPeer(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	if p == nil {
		return
	}
	if !chatField(w, p, "peer", r.PathValue("peer")) {
		return
	}
	prof, err := p.PeerProfile(r.Context(), r.PathValue("peer"))
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, prof)
}

func (s *Server) apiBlock(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		Chat    string `json:"chat"`
		Blocked bool   `json:"blocked"`
	}
	if p == nil || !decode(w, r, &req) || !chatField(w, p, "chat", req.Chat) {
		return
	}
	if err := p.Block(r.Context(), req.Chat, req.Blocked); err != nil {
		writeErr(w, err)
		return
	}
	ok(w)
}

func (s *Server) apiCall(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		To    string `json:"to"`
		Video bool   `json:"video"`
	}
	if p == nil || !decode(w, r, &req) || !chatField(w, p, "to", req.To) {
		return
	}
	id, err := p.Call(r.Context(), req.To, req.Video)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

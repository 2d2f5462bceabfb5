package simnet

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"go.mau.fi/whatsmeow/types"
)

// registerControlRoutes mounts the JSON control API under /simnet/api.
// Tests, the sandbox and demo scripts drive simnet through it.
func (s *Server) registerControlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /simnet/api/info", s.apiInfo)
	mux.HandleFunc("GET /simnet/api/accounts", s.apiListAccounts)
	mux.HandleFunc("POST /simnet/api/accounts", s.apiCreateAccount)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/scan", s.apiScan)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/pair-code", s.apiPairCode)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/messages", s.apiSend)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/messages/{id}/edit", s.apiEdit)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/messages/{id}/revoke", s.apiRevoke)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/read", s.apiRead)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/chats/{chat}/{action}", s.apiChatAction)
	mux.HandleFunc("POST /simnet/api/accounts/{phone}/echo", s.apiEcho)
	mux.HandleFunc("GET /simnet/api/accounts/{phone}/events", s.apiEvents)
}

type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrUnknownAccount), errors.Is(err, ErrNoPendingPair):
		status = http.StatusNotFound
	case errors.Is(err, ErrAccountExists):
		status = http.StatusConflict
	case errors.Is(err, context.DeadlineExceeded):
		status = http.StatusGatewayTimeout
	}
	writeJSON(w, status, apiError{Error: err.Error()})
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if r.ContentLength == 0 {
		return true
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Error: "bad JSON body: " + err.Error()})
		return false
	}
	return true
}

func (s *Server) phoneFor(w http.ResponseWriter, r *http.Request) *Phone {
	p, err := s.Phone(r.PathValue("phone"))
	if err != nil {
		writeErr(w, err)
		return nil
	}
	return p
}

func (s *Server) apiInfo(w http.ResponseWriter, _ *http.Request) {
	root := s.RootPublicKey()
	writeJSON(w, http.StatusOK, map[string]any{"addr": s.Addr(), "rootPublicKey": root[:]})
}

func (s *Server) apiListAccounts(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Accounts())
}

func (s *Server) apiCreateAccount(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Phone string `json:"phone"`
		Name  string `json:"name"`
		Echo  bool   `json:"echo"`
	}
	if !decode(w, r, &req) {
		return
	}
	p, err := s.CreateAccount(r.Context(), req.Phone, req.Name)
	if err != nil {
		writeErr(w, err)
		return
	}
	p.SetEcho(req.Echo)
	info, _ := s.Account(req.Phone)
	writeJSON(w, http.StatusCreated, info)
}

func (s *Server) apiScan(w http.ResponseWriter, r *http.Request) {
	var req struct {
		QR string `json:"qr"`
	}
	if !decode(w, r, &req) {
		return
	}
	jid, err := s.ScanQR(r.Context(), r.PathValue("phone"), req.QR)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"device": jid.String()})
}

func (s *Server) apiPairCode(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Code string `json:"code"`
	}
	if !decode(w, r, &req) {
		return
	}
	jid, err := s.EnterPairingCode(r.Context(), r.PathValue("phone"), req.Code)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"device": jid.String()})
}

type messageReq struct {
	To    string `json:"to"`
	Text  string `json:"text"`
	Media *struct {
		Mimetype string `json:"mimetype"`
		Filename string `json:"filename"`
		Data     []byte `json:"data"` // base64 in JSON
	} `json:"media"`
}

func (s *Server) apiSend(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req messageReq
	if p == nil || !decode(w, r, &req) {
		return
	}
	var id types.MessageID
	var err error
	if req.Media != nil {
		id, err = p.SendMedia(r.Context(), req.To, Media{Data: req.Media.Data, Mimetype: req.Media.Mimetype, Filename: req.Media.Filename, Caption: req.Text})
	} else {
		id, err = p.SendText(r.Context(), req.To, req.Text)
	}
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

func (s *Server) apiEdit(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req messageReq
	if p == nil || !decode(w, r, &req) {
		return
	}
	if err := p.Edit(r.Context(), req.To, r.PathValue("id"), req.Text); err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
}

func (s *Server) apiRevoke(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req messageReq
	if p == nil || !decode(w, r, &req) {
		return
	}
	if err := p.Revoke(r.Context(), req.To, r.PathValue("id")); err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
}

func (s *Server) apiRead(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		Chat   string   `json:"chat"`
		Sender string   `json:"sender"`
		IDs    []string `json:"ids"`
	}
	if p == nil || !decode(w, r, &req) {
		return
	}
	if err := p.MarkRead(r.Context(), req.Chat, req.Sender, req.IDs...); err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// apiChatAction: archive, unarchive, pin, unpin, unread, read, delete, clear.
func (s *Server) apiChatAction(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	if p == nil {
		return
	}
	chat, ctx := r.PathValue("chat"), r.Context()
	var err error
	switch r.PathValue("action") {
	case "archive":
		err = p.Archive(ctx, chat, true)
	case "unarchive":
		err = p.Archive(ctx, chat, false)
	case "pin":
		err = p.Pin(ctx, chat, true)
	case "unpin":
		err = p.Pin(ctx, chat, false)
	case "unread":
		err = p.MarkUnread(ctx, chat, true)
	case "read":
		err = p.MarkUnread(ctx, chat, false)
	case "delete":
		err = p.DeleteChat(ctx, chat)
	case "clear":
		err = p.ClearChat(ctx, chat)
	default:
		writeJSON(w, http.StatusNotFound, apiError{Error: "unknown chat action " + r.PathValue("action")})
		return
	}
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (s *Server) apiEcho(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		Enabled bool `json:"enabled"`
	}
	if p == nil || !decode(w, r, &req) {
		return
	}
	p.SetEcho(req.Enabled)
	writeJSON(w, http.StatusOK, map[string]bool{"enabled": req.Enabled})
}

// apiEvents lists what the phone saw; ?type=message,receipt filters.
func (s *Server) apiEvents(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	if p == nil {
		return
	}
	evts := p.Events()
	if f := r.URL.Query().Get("type"); f != "" {
		types := strings.Split(f, ",")
		evts = slices.DeleteFunc(evts, func(e Event) bool { return !slices.Contains(types, e.Type) })
	}
	if evts == nil {
		evts = []Event{}
	}
	writeJSON(w, http.StatusOK, evts)
}

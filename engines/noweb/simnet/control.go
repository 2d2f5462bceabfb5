package simnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"go.mau.fi/whatsmeow/types"

	"github.com/wagate/wagate/engines"
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
	mux.HandleFunc("GET /simnet/api/accounts/{phone}/devices", s.apiDevices)
	s.registerPeopleControl(mux)
	s.registerChattingRoutes(mux)
	s.registerGroupControl(mux)
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

// badRequest answers 400 for input the caller must fix, naming the field.
func badRequest(w http.ResponseWriter, format string, args ...any) {
	writeJSON(w, http.StatusBadRequest, apiError{Error: fmt.Sprintf(format, args...)})
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
	if len(normalizePhone(req.Phone)) < 7 {
		badRequest(w, "phone: want a phone number of 7 digits or more, such as 15550100001 (got %q)", req.Phone)
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
	if req.QR == "" {
		badRequest(w, "qr: required: the value of the session's QR code (GET /api/{session}/auth/qr?format=raw)")
		return
	}
	if _, err := ParseQR(req.QR); err != nil {
		badRequest(w, "qr: not a WhatsApp pairing QR code (%v)", err)
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
	if !validPairingCode(req.Code) {
		badRequest(w, "code: want the 8 letters and digits of a pairing code, such as ABCD-EFGH (got %q)", req.Code)
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
	if p == nil || !decode(w, r, &req) || !chatField(w, p, "to", req.To) {
		return
	}
	switch {
	case req.Media == nil && req.Text == "":
		badRequest(w, "text: required (or media)")
		return
	case req.Media != nil && len(req.Media.Data) == 0:
		badRequest(w, "media.data: required, the file in base64")
		return
	case req.Media != nil && req.Media.Mimetype == "":
		badRequest(w, "media.mimetype: required, such as image/jpeg")
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
	id, ok := messageTarget(w, p, r.PathValue("id"), &req.To)
	if !ok {
		return
	}
	if req.Text == "" {
		badRequest(w, "text: required, the new text")
		return
	}
	if err := p.Edit(r.Context(), req.To, id, req.Text); err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

func (s *Server) apiRevoke(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req messageReq
	if p == nil || !decode(w, r, &req) {
		return
	}
	id, ok := messageTarget(w, p, r.PathValue("id"), &req.To)
	if !ok {
		return
	}
	if err := p.Revoke(r.Context(), req.To, id); err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

func (s *Server) apiRead(w http.ResponseWriter, r *http.Request) {
	p := s.phoneFor(w, r)
	var req struct {
		Chat   string   `json:"chat"`
		Sender string   `json:"sender"`
		IDs    []string `json:"ids"`
	}
	if p == nil || !decode(w, r, &req) || !chatField(w, p, "chat", req.Chat) {
		return
	}
	if req.Sender != "" && !chatField(w, p, "sender", req.Sender) {
		return
	}
	if len(req.IDs) == 0 {
		badRequest(w, "ids: required, the ids of the messages read")
		return
	}
	ids := make([]types.MessageID, len(req.IDs))
	for i, raw := range req.IDs {
		m, err := engines.ParseMessageID(raw)
		if err != nil {
			badRequest(w, "ids[%d]: %v", i, err)
			return
		}
		ids[i] = m.ID
	}
	if err := p.MarkRead(r.Context(), req.Chat, req.Sender, ids...); err != nil {
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
	if !chatField(w, p, "chat", chat) {
		return
	}
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

// chatField checks a chat the caller named (a phone number or a JID, c.us
// accepted), answering 400 naming the field when it is missing or bad.
func chatField(w http.ResponseWriter, p *Phone, field, chat string) bool {
	if chat == "" {
		badRequest(w, "%s: required, a phone number or chat id such as 15550100001 or 15550100001@c.us", field)
		return false
	}
	if _, err := p.chatJID(chat); err != nil {
		badRequest(w, "%s: %q is not a phone number or chat id", field, chat)
		return false
	}
	return true
}

// messageTarget resolves the message of an edit or revoke: a bare id, or the
// id as the gateway writes it ({fromMe}_{chat}_{id}[_{participant}]). The
// gateway's chat is its own side of the conversation, which is the phone's side
// only in a group, so a group's id stands in for a missing "to".
func messageTarget(w http.ResponseWriter, p *Phone, raw string, to *string) (types.MessageID, bool) {
	m, err := engines.ParseMessageID(raw)
	if err != nil {
		badRequest(w, "id: %v", err)
		return "", false
	}
	if *to == "" && !m.Bare && m.Chat.IsGroup() {
		*to = m.Chat.String()
	}
	if !chatField(w, p, "to", *to) {
		return "", false
	}
	return m.ID, true
}

// validPairingCode reports whether code is 8 letters and digits, dashes and
// spaces aside, as WhatsApp shows a pairing code.
func validPairingCode(code string) bool {
	code = strings.NewReplacer("-", "", " ", "").Replace(code)
	if len(code) != 8 {
		return false
	}
	for _, c := range code {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

package fakeweb

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"
)

// PageState is what the tab reports about itself.
type PageState struct {
	SocketState  string `json:"socketState"` // WAWebSocketModel Socket.state: OPENING, UNPAIRED, UNPAIRED_IDLE, PAIRING, CONNECTED…
	HasSynced    bool   `json:"hasSynced"`
	Ref          string `json:"ref"` // current Conn.ref (first field of the QR)
	Me           string `json:"me"`
	PairingCode  string `json:"pairingCode"`
	PairingPhone string `json:"pairingPhone"`
	Chats        int    `json:"chats"`
	Msgs         int    `json:"msgs"`
	URL          string `json:"url"`
}

// State returns the tab's state.
func (s *Server) State(ctx context.Context) (PageState, error) {
	var st PageState
	err := s.Do(ctx, "state", nil, &st)
	return st, err
}

// WaitState polls the tab until cond holds (a test helper: the page itself
// pushes nothing to Go).
func (s *Server) WaitState(ctx context.Context, cond func(PageState) bool) (PageState, error) {
	for {
		st, err := s.State(ctx)
		if err == nil && cond(st) {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, fmt.Errorf("fakeweb: waiting for page state (last %+v, err %v): %w", st, err, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// ScanQR is the phone scanning qr: it must be exactly the QR string the tab
// shows now (ref, noise key, identity key, ADV secret, platform).
func (s *Server) ScanQR(ctx context.Context, qr string) error {
	return s.Do(ctx, "scanQR", map[string]string{"qr": qr}, nil)
}

// ScanQRFrom is the phone of account phone (digits), named pushName,
// scanning qr: the tab logs in as that account instead of Options.MePhone.
func (s *Server) ScanQRFrom(ctx context.Context, qr, phone, pushName string) error {
	return s.Do(ctx, "scanQR", map[string]string{"qr": qr, "phone": phone, "pushname": pushName}, nil)
}

// ConfirmPairingCode is the user typing code on the phone; the account
// becomes the phone number the code was requested for.
func (s *Server) ConfirmPairingCode(ctx context.Context, code string) error {
	return s.Do(ctx, "confirmPairingCode", map[string]string{"code": code}, nil)
}

// RotateQR makes the server issue a new ref now; returns it.
func (s *Server) RotateQR(ctx context.Context) (string, error) {
	var ref string
	err := s.Do(ctx, "rotateRef", nil, &ref)
	return ref, err
}

// ExpireQR stops issuing refs (Socket.state UNPAIRED_IDLE).
func (s *Server) ExpireQR(ctx context.Context) error { return s.Do(ctx, "expireQR", nil, nil) }

// SetSocketState forces WA's Socket.state (CONFLICT, TOS_BLOCK, CONNECTED…).
func (s *Server) SetSocketState(ctx context.Context, state string) error {
	return s.Do(ctx, "setSocketState", map[string]string{"state": state}, nil)
}

// LogoutFromPhone unlinks this device from the phone.
func (s *Server) LogoutFromPhone(ctx context.Context) error {
	return s.Do(ctx, "logoutFromPhone", nil, nil)
}

// Reload reloads the tab (WA does so after pairing and on updates).
func (s *Server) Reload(ctx context.Context) error { return s.Do(ctx, "reload", nil, nil) }

// Stall makes the module function name ("WAWebChatClearBridge.sendClear",
// "WAWebCmd.archiveChat", …) return a promise that never settles.
func (s *Server) Stall(ctx context.Context, name string) error {
	return s.Do(ctx, "stall", map[string]string{"name": name}, nil)
}

// Unstall undoes Stall.
func (s *Server) Unstall(ctx context.Context, name string) error {
	return s.Do(ctx, "unstall", map[string]string{"name": name}, nil)
}

// Sync replaces the tab's data with the Account (as a fresh history sync).
func (s *Server) Sync(ctx context.Context) (chats int, err error) {
	err = s.Do(ctx, "sync", nil, &chats)
	return chats, err
}

// Media is an attachment of an incoming message.
type Media struct {
	Type     string // image, video, audio, ptt, document, sticker [image]
	Mimetype string
	Filename string
	Data     []byte
}

// IncomingMessage is a message another user sends to the account.
type IncomingMessage struct {
	ChatID     string // 123@c.us or 123@g.us; an unknown chat is created
	Author     string // sender in a group (required there)
	Body       string // text, or the caption of Media
	ID         string // message key id [random, Android-style]
	QuotedID   string // serialized id of the message this one replies to
	NotifyName string
	Timestamp  int64 // unix seconds [now]
	Media      *Media
	// Ciphertext delivers it undecryptable at first (type "ciphertext"): it
	// becomes readable when WA asks the sender's phone to resend it.
	Ciphertext bool
}

// ReceiveMessage delivers msg to the tab and returns its serialized id
// (false_<chat>_<id>[_<author>]).
func (s *Server) ReceiveMessage(ctx context.Context, msg IncomingMessage) (string, error) {
	args := map[string]any{
		"chatId": msg.ChatID, "author": msg.Author, "body": msg.Body, "id": msg.ID,
		"quotedId": msg.QuotedID, "notifyName": msg.NotifyName, "t": msg.Timestamp, "ciphertext": msg.Ciphertext,
	}
	if m := msg.Media; m != nil {
		typ := m.Type
		if typ == "" {
			typ = "image"
		}
		enc, err := encryptMedia(typ, m.Data)
		if err != nil {
			return "", err
		}
		token := randomToken()
		s.mu.Lock()
		s.media[token] = media{mimetype: m.Mimetype, data: enc.blob}
		s.mu.Unlock()
		b64 := base64.StdEncoding.EncodeToString
		args["media"] = map[string]any{
			"type": typ, "mimetype": m.Mimetype, "filename": m.Filename, "size": len(m.Data),
			"directPath": "/__fakeweb/mms/" + token, "mediaKey": b64(enc.mediaKey),
			"filehash": b64(enc.fileSHA256), "encFilehash": b64(enc.encSHA256),
		}
	}
	var id string
	err := s.Do(ctx, "receiveMessage", args, &id)
	return id, err
}

// PhoneSend is the user sending a text from the phone; it returns the
// serialized id (true_<chat>_3A…).
func (s *Server) PhoneSend(ctx context.Context, chatID, body string) (string, error) {
	var id string
	err := s.Do(ctx, "phoneSend", map[string]any{"chatId": chatID, "body": body}, &id)
	return id, err
}

// Receipt moves the ack of one of our messages forward (2 DEVICE, 3 READ, 4 PLAYED).
func (s *Server) Receipt(ctx context.Context, msgID string, ack int) error {
	return s.Do(ctx, "receipt", map[string]any{"id": msgID, "ack": ack}, nil)
}

// RemoteEdit is the sender editing their (incoming to us) message.
func (s *Server) RemoteEdit(ctx context.Context, msgID, body string) error {
	return s.Do(ctx, "remoteEdit", map[string]any{"id": msgID, "body": body}, nil)
}

// RemoteRevoke is the sender deleting their message for everyone.
func (s *Server) RemoteRevoke(ctx context.Context, msgID string) error {
	return s.Do(ctx, "remoteRevoke", map[string]any{"id": msgID}, nil)
}

// PhoneArchive archives or unarchives a chat from the phone (app-state sync).
func (s *Server) PhoneArchive(ctx context.Context, chatID string, archived bool) error {
	return s.Do(ctx, "phoneArchive", map[string]any{"chatId": chatID, "archived": archived}, nil)
}

// PhonePinChat pins or unpins a chat from the phone.
func (s *Server) PhonePinChat(ctx context.Context, chatID string, pinned bool) error {
	return s.Do(ctx, "phonePinChat", map[string]any{"chatId": chatID, "pinned": pinned}, nil)
}

// PhoneMarkUnread marks a chat unread (or read) from the phone.
func (s *Server) PhoneMarkUnread(ctx context.Context, chatID string, unread bool) error {
	return s.Do(ctx, "phoneMarkUnread", map[string]any{"chatId": chatID, "unread": unread}, nil)
}

// PhoneDeleteChat deletes a chat from the phone.
func (s *Server) PhoneDeleteChat(ctx context.Context, chatID string) error {
	return s.Do(ctx, "phoneDeleteChat", map[string]any{"chatId": chatID}, nil)
}

// ChatState is the phone-side view of one chat.
type ChatState struct {
	ID          string `json:"id"`
	T           int64  `json:"t"`
	UnreadCount int    `json:"unreadCount"`
	Archive     bool   `json:"archive"`
	Pin         int64  `json:"pin"`
	Loaded      int    `json:"loaded"`  // messages in chat.msgs
	History     int    `json:"history"` // older messages still on the server
}

// Chat returns the state of a chat; a HookError if it does not exist.
func (s *Server) Chat(ctx context.Context, chatID string) (ChatState, error) {
	var c ChatState
	err := s.Do(ctx, "chat", map[string]any{"chatId": chatID}, &c)
	return c, err
}

// ChatExists reports whether the chat is in the tab's Chat collection.
func (s *Server) ChatExists(ctx context.Context, chatID string) (bool, error) {
	var ok bool
	err := s.Do(ctx, "chatExists", map[string]any{"chatId": chatID}, &ok)
	return ok, err
}

// MessageState is the phone-side view of one loaded message.
type MessageState struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	Body        string `json:"body"`
	Caption     string `json:"caption"`
	Ack         int    `json:"ack"`
	Star        bool   `json:"star"`
	T           int64  `json:"t"`
	FromMe      bool   `json:"fromMe"`
	Edited      bool   `json:"edited"` // latestEditMsgKey is set
	HasReaction bool   `json:"hasReaction"`
}

// Message returns a loaded message, or nil if the tab has none with that id.
func (s *Server) Message(ctx context.Context, msgID string) (*MessageState, error) {
	var m *MessageState
	err := s.Do(ctx, "message", map[string]any{"id": msgID}, &m)
	return m, err
}

// Messages lists the loaded messages of a chat, oldest first.
func (s *Server) Messages(ctx context.Context, chatID string) ([]MessageState, error) {
	var ms []MessageState
	err := s.Do(ctx, "messages", map[string]any{"chatId": chatID}, &ms)
	return ms, err
}

// Pin is a row of WAWebPinInChatSchema.
type Pin struct {
	MsgID    string `json:"msgId"`
	PinType  int    `json:"pinType"`
	Expiry   int64  `json:"expiry"`
	Duration int64  `json:"duration"`
}

// Pins lists the pinned messages of a chat.
func (s *Server) Pins(ctx context.Context, chatID string) ([]Pin, error) {
	var p []Pin
	err := s.Do(ctx, "pins", map[string]any{"chatId": chatID}, &p)
	return p, err
}

// ChatSummary is one row of Chats.
type ChatSummary struct {
	ChatState
	LastMsgID       string `json:"lastMsgId"`       // newest loaded message
	LastReceivedKey string `json:"lastReceivedKey"` // chat.lastReceivedKey
	IsGroup         bool   `json:"isGroup"`
	Title           string `json:"title"` // formattedTitle
}

// Chats lists every chat of the tab, in the Chat collection's order.
func (s *Server) Chats(ctx context.Context) ([]ChatSummary, error) {
	var cs []ChatSummary
	err := s.Do(ctx, "chats", nil, &cs)
	return cs, err
}

// ContactState is one contact of the account.
type ContactState struct {
	ID       string `json:"id"`
	Name     string `json:"name"` // address-book name; empty if not saved
	Pushname string `json:"pushname"`
	Type     string `json:"type"` // "in": in the address book
	Blocked  bool   `json:"blocked"`
	LID      string `json:"lid"`
}

// Contacts lists the account's contacts.
func (s *Server) Contacts(ctx context.Context) ([]ContactState, error) {
	var cs []ContactState
	err := s.Do(ctx, "contacts", nil, &cs)
	return cs, err
}

// Registered reports whether the server knows the user id to be on WhatsApp.
func (s *Server) Registered(ctx context.Context, id string) (bool, error) {
	var ok bool
	err := s.Do(ctx, "registered", map[string]any{"id": id}, &ok)
	return ok, err
}

// ReactionState is one sender's reaction to a message.
type ReactionState struct {
	Sender   string `json:"sender"`
	Reaction string `json:"reaction"`
	FromMe   bool   `json:"fromMe"`
	T        int64  `json:"t"` // unix ms
}

// Reactions lists the reactions recorded on a loaded message.
func (s *Server) Reactions(ctx context.Context, msgID string) ([]ReactionState, error) {
	var rs []ReactionState
	err := s.Do(ctx, "reactions", map[string]any{"id": msgID}, &rs)
	return rs, err
}

// RemoteReact is user `from` reacting to a message ("" takes it back).
func (s *Server) RemoteReact(ctx context.Context, msgID, from, reaction string) error {
	return s.Do(ctx, "remoteReact", map[string]any{"id": msgID, "from": from, "reaction": reaction}, nil)
}

// PresenceState is the own presence the tab has sent.
type PresenceState struct {
	State string `json:"state"` // available | unavailable
	Log   []struct {
		State string `json:"state"`
		T     int64  `json:"t"`
	} `json:"log"`
}

// Presence returns the own presence the tab has sent to the server.
func (s *Server) Presence(ctx context.Context) (PresenceState, error) {
	var p PresenceState
	err := s.Do(ctx, "presence", nil, &p)
	return p, err
}

// ChatStateSent is one chat state (typing, recording, paused) the tab sent.
type ChatStateSent struct {
	ChatID string `json:"chatId"`
	State  string `json:"state"` // composing | recording | paused
	T      int64  `json:"t"`     // unix ms
}

// ChatStates lists the chat states the tab has sent, oldest first.
func (s *Server) ChatStates(ctx context.Context) ([]ChatStateSent, error) {
	var cs []ChatStateSent
	err := s.Do(ctx, "chatStates", nil, &cs)
	return cs, err
}

// IncomingCall is a call offer from user `from`; it returns the call id.
func (s *Server) IncomingCall(ctx context.Context, from string, video bool) (string, error) {
	var id string
	err := s.Do(ctx, "incomingCall", map[string]any{"from": from, "isVideo": video}, &id)
	return id, err
}

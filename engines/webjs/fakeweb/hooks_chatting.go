package fakeweb

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/wagate/wagate/engines/linkpreview"
)

// The hooks of the Chatting tag beyond text and media (static/chatting.js):
// other users sending locations, contact cards and polls, voting, and what the
// account's side shows of what the tab sent.

// Incoming is who sends one of the kinds below, to which chat.
type Incoming struct {
	ChatID     string `json:"chatId"`
	Author     string `json:"author,omitempty"` // the sender in a group
	NotifyName string `json:"notifyName,omitempty"`
	ID         string `json:"id,omitempty"` // message key id [random]
}

// ReceiveLocation delivers a location; it returns the message's serialized id.
func (s *Server) ReceiveLocation(ctx context.Context, in Incoming, lat, lng float64, name, address, url string) (string, error) {
	var id string
	err := s.Do(ctx, "receiveLocation", merge(in, map[string]any{"lat": lat, "lng": lng, "name": name, "address": address, "url": url}), &id)
	return id, err
}

// Card is a contact card.
type Card struct {
	Name  string `json:"name"`
	VCard string `json:"vcard"`
}

// ReceiveContacts delivers one contact card (a vcard message) or several (a
// multi_vcard).
func (s *Server) ReceiveContacts(ctx context.Context, in Incoming, cards []Card) (string, error) {
	var id string
	err := s.Do(ctx, "receiveContacts", merge(in, map[string]any{"contacts": cards}), &id)
	return id, err
}

// ReceivePoll delivers a poll; multiple takes any number of answers.
func (s *Server) ReceivePoll(ctx context.Context, in Incoming, name string, options []string, multiple bool) (string, error) {
	var id string
	err := s.Do(ctx, "receivePoll", merge(in, map[string]any{"name": name, "options": options, "multiple": multiple}), &id)
	return id, err
}

// RemoteVote is user from voting for options (by name) of the poll msgID.
func (s *Server) RemoteVote(ctx context.Context, msgID, from string, options []string) error {
	return s.Do(ctx, "remoteVote", map[string]any{"id": msgID, "from": from, "options": options}, nil)
}

// ResendCiphertext is the sender's phone sending again a message the tab got
// undecryptable (IncomingMessage.Ciphertext): it becomes readable a round trip later.
func (s *Server) ResendCiphertext(ctx context.Context, msgID string) error {
	return s.Do(ctx, "resendCiphertext", map[string]any{"id": msgID}, nil)
}

func merge(in Incoming, more map[string]any) map[string]any {
	var m map[string]any
	b, _ := json.Marshal(in)
	_ = json.Unmarshal(b, &m)
	for k, v := range more {
		m[k] = v
	}
	return m
}

// RichMessage is a loaded message with what its kind carries.
type RichMessage struct {
	ID              string   `json:"id"`
	FromMe          bool     `json:"fromMe"`
	Type            string   `json:"type"`
	Body            string   `json:"body"`
	Caption         string   `json:"caption"`
	Ack             int      `json:"ack"`
	T               int64    `json:"t"`
	IsForwarded     bool     `json:"isForwarded"`
	ForwardingScore int      `json:"forwardingScore"`
	QuotedStanzaID  string   `json:"quotedStanzaID"`
	Mentions        []string `json:"mentions"`
	// location
	Lat       float64 `json:"lat"`
	Lng       float64 `json:"lng"`
	Loc       string  `json:"loc"` // name, a newline, address
	ClientURL string  `json:"clientUrl"`
	// vcard and multi_vcard
	VCards []string `json:"vcards"`
	// poll_creation
	PollName    string   `json:"pollName"`
	PollOptions []string `json:"pollOptions"`
	Selectable  *int     `json:"selectable"`
	// a link card
	Title       string `json:"title"`
	Description string `json:"description"`
	MatchedText string `json:"matchedText"`
	Thumbnail   bool   `json:"thumbnail"`
}

// RichMessages lists the loaded messages of a chat, oldest first.
func (s *Server) RichMessages(ctx context.Context, chatID string) ([]RichMessage, error) {
	var ms []RichMessage
	err := s.Do(ctx, "richMessages", map[string]any{"chatId": chatID}, &ms)
	return ms, err
}

// VoteRow is one vote written to the poll vote table.
type VoteRow struct {
	ID      string   `json:"id"`
	Parent  string   `json:"parent"` // the poll
	Sender  string   `json:"sender"`
	FromMe  bool     `json:"fromMe"`
	Options []string `json:"options"`
	T       int64    `json:"t"` // unix ms
}

// PollVoteLog lists every vote the tab wrote (sent or received), oldest first.
func (s *Server) PollVoteLog(ctx context.Context) ([]VoteRow, error) {
	var rs []VoteRow
	err := s.Do(ctx, "pollVoteLog", nil, &rs)
	return rs, err
}

// ReactionRow is one reaction written (sent or received); "" takes one back.
type ReactionRow struct {
	Parent   string `json:"parent"`
	Sender   string `json:"sender"`
	FromMe   bool   `json:"fromMe"`
	Reaction string `json:"reaction"`
	T        int64  `json:"t"`
}

// ReactionLog lists every reaction the tab wrote, oldest first.
func (s *Server) ReactionLog(ctx context.Context) ([]ReactionRow, error) {
	var rs []ReactionRow
	err := s.Do(ctx, "reactionLog", nil, &rs)
	return rs, err
}

// ReadReceipt is the read receipts the tab sent for messages of a chat.
type ReadReceipt struct {
	ChatID string   `json:"chatId"`
	IDs    []string `json:"ids"`
	T      int64    `json:"t"`
}

// ReadReceipts lists the read receipts the tab sent, oldest first.
func (s *Server) ReadReceipts(ctx context.Context) ([]ReadReceipt, error) {
	var rs []ReadReceipt
	err := s.Do(ctx, "readReceipts", nil, &rs)
	return rs, err
}

// serveLinkPreview is WhatsApp's link preview service: it fetches the page
// and answers its card ({} when the page has none), the picture as a base64
// JPEG thumbnail.
func (s *Server) serveLinkPreview(w http.ResponseWriter, r *http.Request) {
	link := r.URL.Query().Get("url")
	out := map[string]any{}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	if p, err := linkpreview.Fetch(ctx, http.DefaultClient, link); err == nil {
		out = map[string]any{
			"title": p.Title, "description": p.Description, "canonicalUrl": p.URL, "matchedText": p.URL,
			"richPreviewType": 0, "doNotPlayInline": true,
		}
		if thumb, _, _, err := linkpreview.Thumbnail(p.Image, linkpreview.InlineSide); len(p.Image) > 0 && err == nil {
			out["thumbnail"] = base64.StdEncoding.EncodeToString(thumb)
		}
	} else {
		s.log.Debug("fakeweb: no link preview", "url", link, "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

package engines

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Name names an engine implementation.
type Name string

const (
	WEBJS Name = "WEBJS"
	NOWEB Name = "NOWEB"
)

// Names lists every engine, in the order tables show them.
var Names = []Name{WEBJS, NOWEB}

// ParseName accepts an engine name in any letter case.
func ParseName(s string) (Name, error) {
	n := Name(strings.ToUpper(strings.TrimSpace(s)))
	for _, known := range Names {
		if n == known {
			return n, nil
		}
	}
	return "", fmt.Errorf("unknown engine %q (want WEBJS or NOWEB)", s)
}

// Status is a session's state, as WAHA names it.
type Status string

const (
	StatusStopped    Status = "STOPPED"
	StatusStarting   Status = "STARTING"
	StatusScanQRCode Status = "SCAN_QR_CODE"
	StatusWorking    Status = "WORKING"
	StatusFailed     Status = "FAILED"
)

// MeInfo is the account a session is paired with (WAHA's MeInfo).
type MeInfo struct {
	ID       string `json:"id"`
	PushName string `json:"pushName"`
	LID      string `json:"lid,omitempty"`
	JID      string `json:"jid,omitempty"`
}

// Chat is one row of GET /chats, the same for every engine.
type Chat struct {
	ID                    string          `json:"id"`
	Name                  *string         `json:"name"`
	IsGroup               bool            `json:"isGroup"`
	ConversationTimestamp int64           `json:"conversationTimestamp"` // unix seconds
	UnreadCount           int             `json:"unreadCount"`
	Archived              bool            `json:"archived"`
	Pinned                bool            `json:"pinned"`
	Muted                 bool            `json:"isMuted"`
	MuteExpiration        int64           `json:"muteExpiration"`
	LastMessage           *Message        `json:"lastMessage,omitempty"` // as WAHA's WEBJS rows have it
	Raw                   json.RawMessage `json:"_chat,omitempty"`
}

// ChatSummary is one row of GET /chats/overview.
type ChatSummary struct {
	ID          string          `json:"id"`
	Name        *string         `json:"name"`
	Picture     *string         `json:"picture"`
	LastMessage *Message        `json:"lastMessage"`
	Raw         json.RawMessage `json:"_chat"`
}

// Ack is a message's delivery state.
type Ack int

const (
	AckError   Ack = -1
	AckPending Ack = 0
	AckServer  Ack = 1
	AckDevice  Ack = 2
	AckRead    Ack = 3
	AckPlayed  Ack = 4
)

var ackNames = map[Ack]string{
	AckError: "ERROR", AckPending: "PENDING", AckServer: "SERVER",
	AckDevice: "DEVICE", AckRead: "READ", AckPlayed: "PLAYED",
}

// Name is WAHA's ackName.
func (a Ack) Name() string {
	if n, ok := ackNames[a]; ok {
		return n
	}
	return "UNKNOWN"
}

// ParseAck accepts an ack name (any case) or its number.
func ParseAck(s string) (Ack, error) {
	for a, n := range ackNames {
		if strings.EqualFold(s, n) || s == fmt.Sprint(int(a)) {
			return a, nil
		}
	}
	return 0, fmt.Errorf("unknown ack %q (want ERROR, PENDING, SERVER, DEVICE, READ, PLAYED or -1..4)", s)
}

// Media is a message's downloaded file. A field with no value is left out, as
// WAHA's engines leave it (its schema has no nulls here).
type Media struct {
	URL      *string     `json:"url,omitempty"`
	Mimetype *string     `json:"mimetype,omitempty"`
	Filename *string     `json:"filename,omitempty"`
	Error    *MediaError `json:"error,omitempty"`
}

// MediaError is why a message's media could not be downloaded (WAHA's error
// object).
type MediaError struct {
	Message string `json:"message"`
}

// ReplyTo is the message a message quotes (WAHA's ReplyToMessage).
type ReplyTo struct {
	ID          string  `json:"id"`
	Participant string  `json:"participant,omitempty"`
	Body        *string `json:"body,omitempty"`
	HasMedia    bool    `json:"hasMedia"`
}

// Message is WAHA's WAMessage, the same for every engine; the engine's own object
// goes only under _data. Optional fields with no value are left out, never null:
// WAHA's schema has no nulls in it.
type Message struct {
	ID          string          `json:"id"`
	Timestamp   int64           `json:"timestamp"` // unix seconds
	From        string          `json:"from"`
	FromMe      bool            `json:"fromMe"`
	Source      string          `json:"source"` // "api" or "app"
	To          string          `json:"to"`
	Participant *string         `json:"participant,omitempty"` // groups: the sender
	Body        string          `json:"body"`                  // text or caption; "" for none
	HasMedia    bool            `json:"hasMedia"`
	Media       *Media          `json:"media,omitempty"`
	MediaURL    *string         `json:"mediaUrl,omitempty"`
	Ack         Ack             `json:"ack"`
	AckName     string          `json:"ackName"`
	ReplyTo     *ReplyTo        `json:"replyTo,omitempty"`
	Edited      bool            `json:"edited,omitempty"`
	Location    *Location       `json:"location,omitempty"`
	VCards      []string        `json:"vCards,omitempty"`
	Data        json.RawMessage `json:"_data,omitempty"`
}

// QR is the pairing QR code a session shows while SCAN_QR_CODE.
type QR struct {
	Value string // the string the phone scans
}

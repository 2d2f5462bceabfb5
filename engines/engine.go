package engines

import (
	"context"
	"errors"
	"time"
)

// Errors engines and the Manager return; the server maps each to its status code.
var (
	// ErrNotSupported: the engine cannot do this; answered 501 like the capability gate.
	ErrNotSupported = errors.New("not supported by this engine")
	// ErrNotFound: the chat or message does not exist; answered 404.
	ErrNotFound = errors.New("not found")
	// ErrNoQR: the session has no QR to show right now; answered 422.
	ErrNoQR = errors.New("no QR code available")
	// ErrInvalid: the engine refuses an argument the API let through; answered 400.
	ErrInvalid = errors.New("invalid argument")
	// ErrNotAllowed: WhatsApp forbids the action (edit window passed, not our own
	// message); answered 422.
	ErrNotAllowed = errors.New("not allowed by WhatsApp")
)

// Engine is one WhatsApp account connection. The Manager calls Start once per
// run and Stop when done; the engine reports progress through its Host.
type Engine interface {
	Lifecycle
	Pairing
	Chats
	Messages
}

// Lifecycle connects and disconnects an engine.
type Lifecycle interface {
	// Start connects; it returns once the attempt is under way. The engine moves the
	// session on with Host.SetStatus (SCAN_QR_CODE, WORKING, FAILED).
	Start(ctx context.Context) error
	// Stop disconnects and frees everything the engine holds, keeping its pairing.
	Stop(ctx context.Context) error
	// Logout unlinks the device and deletes its keys; the engine is stopped after it.
	Logout(ctx context.Context) error
	// Me is the paired account, or nil before pairing.
	Me(ctx context.Context) (*MeInfo, error)
}

// Pairing links a new device.
type Pairing interface {
	QR(ctx context.Context) (QR, error)
	// RequestCode asks for a phone pairing code ("ABCD-EFGH") for phone (digits).
	RequestCode(ctx context.Context, phone string) (string, error)
}

// Chats is the chat half of WAHA's Chats API.
type Chats interface {
	ListChats(ctx context.Context, q ChatQuery) ([]Chat, error)
	ChatsOverview(ctx context.Context, q OverviewQuery) ([]ChatSummary, error)
	// ChatPicture returns the picture URL, nil when the chat has none.
	ChatPicture(ctx context.Context, chat ChatID, refresh bool) (*string, error)
	ArchiveChat(ctx context.Context, chat ChatID, archive bool) error
	MarkChatUnread(ctx context.Context, chat ChatID) error
	DeleteChat(ctx context.Context, chat ChatID) error
	ClearMessages(ctx context.Context, chat ChatID) error
	// ReadMessages sends read receipts for the chat's unread messages and returns their ids.
	ReadMessages(ctx context.Context, chat ChatID, q ReadQuery) ([]string, error)
}

// Messages is the message half of WAHA's Chats API, plus sending text.
type Messages interface {
	// ListMessages lists a chat's messages, newest first; a zero Chat means every chat.
	ListMessages(ctx context.Context, q MessageQuery) ([]Message, error)
	GetMessage(ctx context.Context, chat ChatID, id MessageID, downloadMedia bool) (*Message, error)
	EditMessage(ctx context.Context, chat ChatID, id MessageID, text string) (*Message, error)
	DeleteMessage(ctx context.Context, chat ChatID, id MessageID) error
	PinMessage(ctx context.Context, chat ChatID, id MessageID, duration time.Duration) error
	UnpinMessage(ctx context.Context, chat ChatID, id MessageID) error
	SendText(ctx context.Context, req SendText) (*Message, error)
}

// Screenshotter is implemented by engines that can show their screen (WEBJS).
type Screenshotter interface {
	Screenshot(ctx context.Context) ([]byte, error)
}

// SortOrder of a list.
type SortOrder string

const (
	SortDesc SortOrder = "desc"
	SortAsc  SortOrder = "asc"
)

// ChatSort is the field GET /chats sorts by.
type ChatSort string

const (
	SortByConversationTimestamp ChatSort = "conversationTimestamp"
	SortByID                    ChatSort = "id"
	SortByName                  ChatSort = "name"
)

// ChatQuery pages GET /chats. Limit 0 means no limit.
type ChatQuery struct {
	Limit, Offset int
	SortBy        ChatSort
	SortOrder     SortOrder
}

// OverviewQuery pages the chats overview, newest message first.
type OverviewQuery struct {
	Limit, Offset int
	IDs           []ChatID
}

// ReadQuery selects which unread messages ReadMessages marks read.
type ReadQuery struct {
	Messages int // at most this many; 0 means the engine's default
	Days     int // only messages of the last Days days
}

// MessageQuery filters and pages GET /chats/{chatId}/messages.
type MessageQuery struct {
	Chat          ChatID // zero: every chat
	Limit, Offset int
	TimestampGTE  *int64 // unix seconds, inclusive
	TimestampLTE  *int64
	FromMe        *bool
	Ack           *Ack
	Order         SortOrder // by timestamp; desc (newest first) unless asc
	DownloadMedia bool
}

// SendText is POST /api/sendText.
type SendText struct {
	Chat    ChatID
	Text    string
	ReplyTo *MessageID
}

// Host is what an engine reports to; the Manager implements it for each session.
type Host interface {
	// SetStatus moves the session; reason explains FAILED.
	SetStatus(status Status, reason string)
	// NewQR says a new QR code is up: SCAN_QR_CODE, emitted again for every code
	// (as WAHA does), since clients fetch the QR when they get that event.
	NewQR()
	// SetMe records the paired account (nil after logout).
	SetMe(me *MeInfo)
	// Emit publishes an event of the session (name from EventNames).
	Emit(ctx context.Context, event string, payload any)
	// Failed reports a broken engine; the Manager restarts it with backoff when retry is set.
	Failed(err error, retry bool)
}

// Factory makes the engine of one session.
type Factory interface {
	New(ctx context.Context, session SessionSpec, host Host) (Engine, error)
}

// FactoryFunc adapts a function to Factory.
type FactoryFunc func(ctx context.Context, session SessionSpec, host Host) (Engine, error)

// New calls f.
func (f FactoryFunc) New(ctx context.Context, s SessionSpec, h Host) (Engine, error) {
	return f(ctx, s, h)
}

// SessionSpec is what an engine needs to know about its session.
type SessionSpec struct {
	Name   string
	Engine Name
	Config SessionConfig
}

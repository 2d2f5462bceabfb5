package engines

import (
	"context"
	"fmt"
)

// ChatStore keeps the chats and messages of sessions for engines that serve the
// Chats API from their own copy (NOWEB). Every method is one short write or read;
// none holds a transaction across calls, so an engine may use its own database
// connection (whatsmeow's device store) between them. Package store implements it.
type ChatStore interface {
	// SaveMessages inserts messages (ids already stored are left as they are) and
	// moves each chat's last message forward. A new message that is not
	// fromMe and not yet read counts as unread when live is set; live messages
	// that are fromMe reset the chat's unread count (the account answered).
	// Chats the messages belong to are created as needed.
	SaveMessages(ctx context.Context, session string, msgs []StoredMessage, live bool) error
	// SaveChats creates chats or updates their state from a history sync: names and
	// timestamps always, flags only for chats not seen before.
	SaveChats(ctx context.Context, session string, chats []StoredChat) error
	// UpdateChat applies a change to a known chat; an unknown chat is left alone
	// (WhatsApp lists only chats with messages).
	UpdateChat(ctx context.Context, session, chat string, change ChatChange) error
	// SetAck raises the ack of messages (never lowers it, except to ERROR) and
	// returns the ones it changed.
	SetAck(ctx context.Context, session, chat string, ids []string, ack Ack) ([]StoredMessage, error)
	// EditMessage replaces a message's body; ErrNotFound when it is unknown.
	EditMessage(ctx context.Context, session, chat, id, body string) (*StoredMessage, error)
	// DeleteMessage removes a message (revoked for everyone).
	DeleteMessage(ctx context.Context, session, chat, id string) error
	// SetMediaFile records the file a message's media was downloaded to.
	SetMediaFile(ctx context.Context, session, chat, id, file string) error
	// ClearChat removes the chat's messages up to (and including) timestamp before.
	ClearChat(ctx context.Context, session, chat string, before int64) error
	// DeleteChat removes the chat and its messages.
	DeleteChat(ctx context.Context, session, chat string) error
	// MergeChat moves everything of chat from into chat to (one person seen under
	// two ids) and removes from.
	MergeChat(ctx context.Context, session, from, to string) error
	// DeleteSessionData removes every chat and message of a session.
	DeleteSessionData(ctx context.Context, session string) error

	ListChats(ctx context.Context, session string, q ChatQuery) ([]StoredChat, error)
	// ChatsOverview lists chats newest message first, each with its last message.
	ChatsOverview(ctx context.Context, session string, q StoredOverviewQuery) ([]StoredChat, error)
	// GetChat is one chat; ErrNotFound when unknown.
	GetChat(ctx context.Context, session, chat string) (*StoredChat, error)
	ListMessages(ctx context.Context, session string, q StoredMessageQuery) ([]StoredMessage, error)
	// GetMessage finds a message by raw id, in chat or in any chat when chat is "";
	// ErrNotFound when unknown.
	GetMessage(ctx context.Context, session, chat, id string) (*StoredMessage, error)
}

// StoredChat is one chat row: everything list views need, so they never
// aggregate over messages.
type StoredChat struct {
	ID                    string // as WAHA writes it: 123@c.us
	Name                  string
	ConversationTimestamp int64 // unix seconds
	LastMessageTimestamp  int64
	LastMessageID         string // raw id of the last message, "" when none
	UnreadCount           int
	MarkedUnread          bool
	Archived              bool
	Pinned                bool
	MuteUntil             int64 // unix seconds; -1 muted forever; 0 not muted
	LastMessage           *StoredMessage
}

// Chat is the row as the API shows it.
func (c StoredChat) Chat(now int64) Chat {
	id, _ := ParseChatID(c.ID)
	out := Chat{
		ID: c.ID, IsGroup: id.IsGroup(), ConversationTimestamp: c.ConversationTimestamp,
		UnreadCount: c.UnreadCount, Archived: c.Archived, Pinned: c.Pinned,
		Muted: c.MuteUntil == -1 || c.MuteUntil > now, MuteExpiration: max(c.MuteUntil, 0),
	}
	if c.MarkedUnread && out.UnreadCount == 0 {
		// WhatsApp shows a chat marked unread with a dot and no count; clients
		// test unreadCount > 0.
		out.UnreadCount = 1
	}
	if c.Name != "" {
		name := c.Name
		out.Name = &name
	}
	return out
}

// ChatChange is a change to a chat's state; nil fields stay as they are.
type ChatChange struct {
	Name         *string
	NameIfEmpty  bool // set Name only when the chat has none (push names)
	Archived     *bool
	Pinned       *bool
	MuteUntil    *int64
	MarkedUnread *bool
	// Read clears the unread count and the unread mark.
	Read bool
}

// StoredMessage is one message row: the unified payload plus what the store
// indexes and what the engine needs to find its media again.
type StoredMessage struct {
	Chat      string // chat id as WAHA writes it
	ID        string // raw id
	FromMe    bool
	Timestamp int64 // unix seconds
	Ack       Ack
	Message   Message // the API payload; the store overlays Ack and Body changes
	// Media is the engine's locator of the message's media (opaque JSON), "" when
	// there is none; MediaFile the downloaded file's name, "" until downloaded.
	Media     string
	MediaFile string
	// ChatName names the chat if it has no name yet (a contact's push name).
	ChatName string `json:"-"`
}

// StoredOverviewQuery pages the overview; IDs filters by chat id.
type StoredOverviewQuery struct {
	Limit, Offset int
	IDs           []string
}

// StoredMessageQuery filters and pages messages; Chat "" means every chat.
type StoredMessageQuery struct {
	Chat          string
	Limit, Offset int
	TimestampGTE  *int64
	TimestampLTE  *int64
	FromMe        *bool
	Ack           *Ack
	Order         SortOrder
}

// StoreDisabledError: the session runs without a message store, so the operation
// cannot be served; answered 422 with how to enable it.
type StoreDisabledError struct {
	Operation string
}

func (e *StoreDisabledError) Error() string {
	return fmt.Sprintf("%s needs the NOWEB message store, which is disabled for this session; "+
		"enable it with config.noweb.store.enabled=true on the session (or engines.noweb.storeEnabled in the gateway config) "+
		"and restart the session", e.Operation)
}

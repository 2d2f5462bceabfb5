package webjs

import "encoding/json"

// Chat is one chat as the engine reports it: WAHA's GOWS-style chat item
// (id, name, conversationTimestamp) plus the flags clients ask for. The
// WhatsApp Web model's own props are kept raw under `_chat`.
type Chat struct {
	ID                    string          `json:"id"`   // 123@c.us, 123@g.us, 123@lid…
	Name                  *string         `json:"name"` // WA's formattedTitle; nil if unknown
	ConversationTimestamp int64           `json:"conversationTimestamp"`
	UnreadCount           int             `json:"unreadCount"` // -1: marked unread without a count
	Archived              bool            `json:"archived"`
	Pinned                bool            `json:"pinned"`
	IsGroup               bool            `json:"isGroup"`
	IsMuted               bool            `json:"isMuted"`
	MuteExpiration        int64           `json:"muteExpiration"` // unix seconds, -1 forever, 0 not muted
	IsReadOnly            bool            `json:"isReadOnly"`
	LastMessage           *Message        `json:"lastMessage,omitempty"` // in lists only
	Raw                   json.RawMessage `json:"_chat,omitempty"`
}

// ChatSummary is WAHA's ChatSummary (GET /chats/overview).
type ChatSummary struct {
	ID          string          `json:"id"`
	Name        *string         `json:"name"`
	Picture     *string         `json:"picture"`
	LastMessage *Message        `json:"lastMessage"`
	Raw         json.RawMessage `json:"_chat"`
}

// Message is WAHA's WAMessage. From/To follow WhatsApp Web: an incoming
// message is from the chat (DM: the sender) to us; an outgoing one from us
// to the chat. In groups Participant and Author are the sender.
type Message struct {
	ID          string          `json:"id"` // {fromMe}_{chatId}_{id}[_{participant}]
	Timestamp   int64           `json:"timestamp"`
	From        *string         `json:"from"`
	FromMe      bool            `json:"fromMe"`
	Source      string          `json:"source,omitempty"` // events only, fromMe only: api | app
	To          *string         `json:"to"`
	Participant *string         `json:"participant"`
	Author      *string         `json:"author,omitempty"`
	Body        string          `json:"body"`
	Type        string          `json:"type"` // WA type: chat, image, revoked…
	HasMedia    bool            `json:"hasMedia"`
	Media       *MediaInfo      `json:"media,omitempty"` // what is known without downloading
	Ack         *int            `json:"ack"`             // -1 ERROR … 4 PLAYED
	AckName     string          `json:"ackName"`
	IsForwarded bool            `json:"isForwarded"`
	IsStarred   bool            `json:"isStarred"`
	Edited      bool            `json:"edited"`
	Location    *Location       `json:"location,omitempty"`
	VCards      []string        `json:"vCards,omitempty"`
	ReplyTo     *ReplyTo        `json:"replyTo,omitempty"`
	Raw         json.RawMessage `json:"_data,omitempty"`
}

// MediaInfo describes a message's attachment before download.
type MediaInfo struct {
	Mimetype string `json:"mimetype"`
	Filename string `json:"filename"`
	Size     int64  `json:"size"`
}

// Location is WAHA's WALocation.
type Location struct {
	Latitude  string `json:"latitude"`
	Longitude string `json:"longitude"`
	Live      bool   `json:"live"`
	Name      string `json:"name,omitempty"`
	Address   string `json:"address,omitempty"`
	URL       string `json:"url,omitempty"`
}

// ReplyTo is WAHA's ReplyToMessage: ID is the raw key id of the quoted message.
type ReplyTo struct {
	ID          string  `json:"id"`
	Participant *string `json:"participant"`
	Body        string  `json:"body"`
	HasMedia    bool    `json:"hasMedia"`
}

// Media is a downloaded, decrypted attachment.
type Media struct {
	Data     []byte
	Mimetype string
	Filename string
	Size     int64
}

// Me is the logged-in account.
type Me struct {
	ID       string `json:"id"`  // 123@c.us
	LID      string `json:"lid"` // 456@lid, if known
	PushName string `json:"pushName"`
	Platform string `json:"platform"`
}

// PageState is what the injected script reports about the page.
type PageState struct {
	Phase          string   `json:"phase"` // loading, waiting_loader, store, ready, failed
	Ready          bool     `json:"ready"` // logged in, synced, listeners attached
	Version        string   `json:"version"`
	SocketState    string   `json:"socketState"` // WA's Socket.state
	HasSynced      bool     `json:"hasSynced"`
	MissingModules []string `json:"missingModules"`
}

// SortBy orders ListChats.
type SortBy string

const (
	SortByDefault   SortBy = ""                      // WA's own order: pinned first, then last activity
	SortByTimestamp SortBy = "conversationTimestamp" // last activity
	SortByID        SortBy = "id"
	SortByName      SortBy = "name"
)

// ListChatsOptions page and order ListChats. Limit 0 means all.
type ListChatsOptions struct {
	Limit     int    `json:"limit,omitempty"`
	Offset    int    `json:"offset,omitempty"`
	SortBy    SortBy `json:"sortBy,omitempty"`
	SortOrder string `json:"sortOrder,omitempty"` // asc | desc (default desc)
}

// OverviewOptions page ChatsOverview; IDs restricts it to those chats.
type OverviewOptions struct {
	Limit  int      `json:"limit,omitempty"` // default 20
	Offset int      `json:"offset,omitempty"`
	IDs    []string `json:"ids,omitempty"`
}

// ListMessagesOptions filter and page ListMessages (WAHA's GET
// /chats/{id}/messages). Nil filters are off.
type ListMessagesOptions struct {
	Limit        int    `json:"limit,omitempty"` // default 10
	Offset       int    `json:"offset,omitempty"`
	TimestampGTE *int64 `json:"gte,omitempty"` // unix seconds, inclusive
	TimestampLTE *int64 `json:"lte,omitempty"`
	FromMe       *bool  `json:"fromMe,omitempty"`
	Ack          *int   `json:"ack,omitempty"`
	SortOrder    string `json:"sortOrder,omitempty"` // desc (default, newest first) | asc
	// ExcludeRevoked leaves out messages deleted for everyone (type
	// revoked), before paging, as the gateway's other engines do.
	ExcludeRevoked bool `json:"excludeRevoked,omitempty"`
}

// ReadOptions bound ReadMessages: at most Messages ids from the last Days.
type ReadOptions struct {
	Messages int `json:"messages,omitempty"`
	Days     int `json:"days,omitempty"` // default 7
}

// SendTextRequest is POST /api/sendText.
type SendTextRequest struct {
	ChatID   string   `json:"chatId"`
	Text     string   `json:"text"`
	ReplyTo  string   `json:"replyTo,omitempty"`  // serialized message id
	Mentions []string `json:"mentions,omitempty"` // chat ids
	// ID is a pre-generated key id (NewMessageID); "" makes one.
	ID string `json:"id,omitempty"`
	// LinkPreview asks WhatsApp Web for the card of the text's first link;
	// Preview is a card given instead.
	LinkPreview bool         `json:"linkPreview,omitempty"`
	Preview     *LinkPreview `json:"preview,omitempty"`
	// MentionAll mentions every member of the group.
	MentionAll bool `json:"mentionAll,omitempty"`
}

// LinkPreview is a link's card as a text carries it.
type LinkPreview struct {
	URL         string `json:"url"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Thumbnail   string `json:"thumbnail,omitempty"` // base64 JPEG
}

// Ack names by value, as WAHA spells them.
var ackNames = map[int]string{-1: "ERROR", 0: "PENDING", 1: "SERVER", 2: "DEVICE", 3: "READ", 4: "PLAYED"}

// AckName returns WAHA's name of an ack value, or UNKNOWN.
func AckName(ack int) string {
	if n, ok := ackNames[ack]; ok {
		return n
	}
	return "UNKNOWN"
}

package engines

import (
	"context"
	"errors"
	"reflect"
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

// Engine is one WhatsApp account connection: the core every engine has. Every
// other group of operations is an optional interface below, found by type
// assertion; the capability matrix (capabilities/matrix.yaml) names the interface
// each operation needs, and a test keeps the two in agreement.
//
// The Manager (package sessions) calls Start once per run and Stop when done; the
// engine reports progress through its sessions.Host.
type Engine interface {
	// Start connects; it returns once the attempt is under way. The engine moves the
	// session on with Host.SetStatus (SCAN_QR_CODE, WORKING, FAILED).
	Start(ctx context.Context) error
	// Stop disconnects and frees everything the engine holds, keeping its pairing.
	Stop(ctx context.Context) error
	// Logout unlinks the device and deletes its keys; the engine is stopped after it.
	Logout(ctx context.Context) error
	// Me is the paired account, or nil before pairing.
	Me(ctx context.Context) (*MeInfo, error)
	// QR is the pairing code to scan right now; ErrNoQR when there is none.
	QR(ctx context.Context) (QR, error)
	// RequestCode asks for a phone pairing code ("ABCD-EFGH") for phone (digits).
	RequestCode(ctx context.Context, phone string) (string, error)
}

// Screenshotter shows the engine's screen (WEBJS).
type Screenshotter interface {
	Screenshot(ctx context.Context) ([]byte, error)
}

// Informer has facts worth showing in the session info (WEBJS: browser memory).
type Informer interface {
	Info(ctx context.Context) map[string]any
}

// ChatLister lists the account's chats.
type ChatLister interface {
	ListChats(ctx context.Context, q ChatQuery) ([]Chat, error)
	ChatsOverview(ctx context.Context, q OverviewQuery) ([]ChatSummary, error)
}

// ChatPictures finds chat pictures.
type ChatPictures interface {
	// ChatPicture returns the picture URL, nil when the chat has none.
	ChatPicture(ctx context.Context, chat ChatID, refresh bool) (*string, error)
}

// ChatArchiver archives and unarchives chats.
type ChatArchiver interface {
	ArchiveChat(ctx context.Context, chat ChatID, archive bool) error
}

// ChatUnreader marks chats unread.
type ChatUnreader interface {
	MarkChatUnread(ctx context.Context, chat ChatID) error
}

// ChatDeleter deletes chats.
type ChatDeleter interface {
	DeleteChat(ctx context.Context, chat ChatID) error
}

// ChatClearer clears a chat's messages.
type ChatClearer interface {
	ClearMessages(ctx context.Context, chat ChatID) error
}

// MessageReader sends read receipts.
type MessageReader interface {
	// ReadMessages sends read receipts for the chat's unread messages and returns their ids.
	ReadMessages(ctx context.Context, chat ChatID, q ReadQuery) ([]string, error)
}

// MessageLister lists and fetches messages.
type MessageLister interface {
	// ListMessages lists a chat's messages, newest first; a zero Chat means every chat.
	ListMessages(ctx context.Context, q MessageQuery) ([]Message, error)
	GetMessage(ctx context.Context, chat ChatID, id MessageID, downloadMedia bool) (*Message, error)
}

// MessageEditor edits the account's messages.
type MessageEditor interface {
	EditMessage(ctx context.Context, chat ChatID, id MessageID, text string) (*Message, error)
}

// MessageDeleter deletes messages for everyone.
type MessageDeleter interface {
	DeleteMessage(ctx context.Context, chat ChatID, id MessageID) error
}

// MessagePinner pins and unpins messages.
type MessagePinner interface {
	PinMessage(ctx context.Context, chat ChatID, id MessageID, duration time.Duration) error
	UnpinMessage(ctx context.Context, chat ChatID, id MessageID) error
}

// TextSender sends text messages.
type TextSender interface {
	SendText(ctx context.Context, req SendText) (*Message, error)
}

// NumberChecker finds out whether phone numbers are on WhatsApp.
type NumberChecker interface {
	// CheckNumber asks WhatsApp about phone (digits); a number not on WhatsApp is
	// NumberExists false, not an error.
	CheckNumber(ctx context.Context, phone string) (NumberStatus, error)
}

// ContactLister lists and finds the account's contacts.
type ContactLister interface {
	ListContacts(ctx context.Context, q ContactQuery) ([]Contact, error)
	// GetContact finds a contact by either of its ids; ErrNotFound when unknown.
	GetContact(ctx context.Context, id ChatID) (*Contact, error)
}

// ContactAbout reads a contact's "about" text.
type ContactAbout interface {
	// About is the contact's about text, nil when they hide it or have none.
	About(ctx context.Context, id ChatID) (*string, error)
}

// ContactBlocker blocks and unblocks contacts.
type ContactBlocker interface {
	Block(ctx context.Context, id ChatID, block bool) error
}

// ContactSaver saves a contact in the account's address book.
type ContactSaver interface {
	SaveContact(ctx context.Context, id ChatID, firstName, lastName string) error
}

// LIDResolver maps people's LIDs to their phone numbers and back.
type LIDResolver interface {
	ListLIDs(ctx context.Context, limit, offset int) ([]LIDMapping, error)
	CountLIDs(ctx context.Context) (int, error)
	// PNForLID and LIDForPN give ErrNotFound when the other id is unknown.
	PNForLID(ctx context.Context, lid ChatID) (LIDMapping, error)
	LIDForPN(ctx context.Context, pn ChatID) (LIDMapping, error)
}

// PresenceSender sets the account's presence: online or offline, or a chat
// state (typing, recording, paused) in a chat.
type PresenceSender interface {
	SetPresence(ctx context.Context, p Presence, chat ChatID) error
}

// PresenceWatcher follows other people's presence.
type PresenceWatcher interface {
	SubscribePresence(ctx context.Context, chat ChatID) error
	// Presences lists what is known of every subscribed chat; Presence one chat's.
	Presences(ctx context.Context) ([]ChatPresences, error)
	Presence(ctx context.Context, chat ChatID) (ChatPresences, error)
}

// ProfileEditor reads and changes the account's own profile.
type ProfileEditor interface {
	Profile(ctx context.Context) (MyProfile, error)
	SetProfileName(ctx context.Context, name string) error
	SetProfileAbout(ctx context.Context, about string) error
	SetProfilePicture(ctx context.Context, pic ProfilePicture) error
	DeleteProfilePicture(ctx context.Context) error
}

// CallRejecter rejects incoming calls.
type CallRejecter interface {
	RejectCall(ctx context.Context, from ChatID, id string) error
}

// MessageIDMaker makes message ids as the engine's WhatsApp client does, for a
// client to send with later (GET /api/{session}/new-message-id).
type MessageIDMaker interface {
	NewMessageID(ctx context.Context) (string, error)
}

// LocationSender sends locations.
type LocationSender interface {
	SendLocation(ctx context.Context, req SendLocation) (*Message, error)
}

// ContactSender sends contact cards (vCards).
type ContactSender interface {
	SendContacts(ctx context.Context, req SendContacts) (*Message, error)
}

// PollSender sends polls and votes on them.
type PollSender interface {
	SendPoll(ctx context.Context, req SendPoll) (*Message, error)
	// SendPollVote votes; ErrNotFound when the poll is unknown, ErrInvalid when a
	// vote names no option of the poll.
	SendPollVote(ctx context.Context, req SendPollVote) error
}

// MessageForwarder forwards messages to another chat.
type MessageForwarder interface {
	ForwardMessage(ctx context.Context, req Forward) (*Message, error)
}

// MessageReactor reacts to messages with an emoji; "" takes the reaction back.
// ErrNotFound when the message is unknown.
type MessageReactor interface {
	React(ctx context.Context, msg MessageID, emoji string) error
}

// MessageStarrer stars and unstars messages.
type MessageStarrer interface {
	StarMessage(ctx context.Context, chat ChatID, msg MessageID, star bool) error
}

// SeenSender sends read receipts (POST /api/sendSeen); it returns the ids of
// the messages it marked read.
type SeenSender interface {
	SendSeen(ctx context.Context, req SendSeen) ([]string, error)
}

// TypingSender shows and hides "typing…" in a chat.
type TypingSender interface {
	SetTyping(ctx context.Context, chat ChatID, typing bool) error
}

// InteractiveSender sends the interactive messages WhatsApp restricts: buttons,
// lists and the reply to a buttons message.
type InteractiveSender interface {
	SendButtons(ctx context.Context, req SendButtons) (*Message, error)
	SendList(ctx context.Context, req SendList) (*Message, error)
	SendButtonReply(ctx context.Context, req SendButtonReply) (*Message, error)
}

// Interfaces maps the name of every optional interface, as the capability matrix
// writes it, to its type.
func Interfaces() map[string]reflect.Type {
	return map[string]reflect.Type{
		"Screenshotter":     reflect.TypeFor[Screenshotter](),
		"ChatLister":        reflect.TypeFor[ChatLister](),
		"ChatPictures":      reflect.TypeFor[ChatPictures](),
		"ChatArchiver":      reflect.TypeFor[ChatArchiver](),
		"ChatUnreader":      reflect.TypeFor[ChatUnreader](),
		"ChatDeleter":       reflect.TypeFor[ChatDeleter](),
		"ChatClearer":       reflect.TypeFor[ChatClearer](),
		"MessageReader":     reflect.TypeFor[MessageReader](),
		"MessageLister":     reflect.TypeFor[MessageLister](),
		"MessageEditor":     reflect.TypeFor[MessageEditor](),
		"MessageDeleter":    reflect.TypeFor[MessageDeleter](),
		"MessagePinner":     reflect.TypeFor[MessagePinner](),
		"TextSender":        reflect.TypeFor[TextSender](),
		"NumberChecker":     reflect.TypeFor[NumberChecker](),
		"ContactLister":     reflect.TypeFor[ContactLister](),
		"ContactAbout":      reflect.TypeFor[ContactAbout](),
		"ContactBlocker":    reflect.TypeFor[ContactBlocker](),
		"ContactSaver":      reflect.TypeFor[ContactSaver](),
		"LIDResolver":       reflect.TypeFor[LIDResolver](),
		"PresenceSender":    reflect.TypeFor[PresenceSender](),
		"PresenceWatcher":   reflect.TypeFor[PresenceWatcher](),
		"ProfileEditor":     reflect.TypeFor[ProfileEditor](),
		"CallRejecter":      reflect.TypeFor[CallRejecter](),
		"MediaSender":       reflect.TypeFor[MediaSender](),
		"MessageIDMaker":    reflect.TypeFor[MessageIDMaker](),
		"LocationSender":    reflect.TypeFor[LocationSender](),
		"ContactSender":     reflect.TypeFor[ContactSender](),
		"PollSender":        reflect.TypeFor[PollSender](),
		"MessageForwarder":  reflect.TypeFor[MessageForwarder](),
		"MessageReactor":    reflect.TypeFor[MessageReactor](),
		"MessageStarrer":    reflect.TypeFor[MessageStarrer](),
		"SeenSender":        reflect.TypeFor[SeenSender](),
		"TypingSender":      reflect.TypeFor[TypingSender](),
		"InteractiveSender": reflect.TypeFor[InteractiveSender](),
		"GroupLister":       reflect.TypeFor[GroupLister](),
		"GroupMembership":   reflect.TypeFor[GroupMembership](),
		"GroupEditor":       reflect.TypeFor[GroupEditor](),
		"GroupPictures":     reflect.TypeFor[GroupPictures](),
		"GroupInvites":      reflect.TypeFor[GroupInvites](),
		"GroupParticipants": reflect.TypeFor[GroupParticipants](),
	}
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

// SendText is POST /api/sendText (and its deprecated forms, and the link
// preview sends).
type SendText struct {
	Chat    ChatID
	Text    string
	ReplyTo *MessageID
	// ID is a pre-generated message id (NewMessageID); "" makes one.
	ID string
	// LinkPreview fetches a preview of the text's first link;
	// LinkPreviewHighQuality uploads its image at full size.
	LinkPreview            bool
	LinkPreviewHighQuality bool
	// Preview is a preview the client gave (send/link-custom-preview); it wins
	// over LinkPreview.
	Preview *LinkPreview
	// Mentions are the people the text mentions; MentionAll mentions every
	// member of the group.
	Mentions   []ChatID
	MentionAll bool
}

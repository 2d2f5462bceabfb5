// Package chatstore is the contract between engines that serve the API from their
// own copy of an account (NOWEB) and the database that keeps it: the chats,
// messages and contacts of every session. Package store implements it; engines
// read through a Store they are given and write through the transaction of
// sessions.Host.Record, so that a change and its events commit together.
package chatstore

import (
	"context"
	"fmt"

	"github.com/wagate/wagate/engines"
)

// Store keeps the chats, messages and contacts of sessions. Every method is one
// short write or read; none holds a transaction across calls, so an engine may use
// its own database connection (whatsmeow's device store) between them. Bound to a
// transaction (the tx of Host.Record), its own transactions become savepoints.
type Store interface {
	Chats
	Messages
	Contacts
	Groups
	// DeleteSessionData removes every chat, message, contact and group of a session.
	DeleteSessionData(ctx context.Context, session string) error
}

// Chats are a session's chat rows.
type Chats interface {
	// SaveChats creates chats or updates their state from a history sync: names and
	// timestamps always, flags only for chats not seen before.
	SaveChats(ctx context.Context, session string, chats []Chat) error
	// UpdateChat applies a change to a known chat; an unknown chat is left alone
	// (WhatsApp lists only chats with messages).
	UpdateChat(ctx context.Context, session, chat string, change ChatChange) error
	// ClearChat removes the chat's messages up to (and including) timestamp before.
	ClearChat(ctx context.Context, session, chat string, before int64) error
	// DeleteChat removes the chat and its messages.
	DeleteChat(ctx context.Context, session, chat string) error
	// MergeChat moves everything of chat from into chat to (one person seen under
	// two ids) and removes from.
	MergeChat(ctx context.Context, session, from, to string) error

	ListChats(ctx context.Context, session string, q engines.ChatQuery) ([]Chat, error)
	// ChatsOverview lists chats newest message first, each with its last message.
	ChatsOverview(ctx context.Context, session string, q engines.OverviewQuery) ([]Chat, error)
	// GetChat is one chat; engines.ErrNotFound when unknown.
	GetChat(ctx context.Context, session, chat string) (*Chat, error)
}

// Messages are a session's message rows.
type Messages interface {
	// SaveMessages inserts messages (ids already stored are left as they are) and
	// moves each chat's last message forward; it returns how many were new. A new
	// message that is not fromMe and not yet read counts as unread when live is
	// set; live messages that are fromMe reset the chat's unread count (the account
	// answered). Chats the messages belong to are created as needed.
	SaveMessages(ctx context.Context, session string, msgs []Message, live bool) (inserted int, err error)
	// SetAck raises the ack of messages (never lowers it, except to ERROR) and
	// returns the ones it changed.
	SetAck(ctx context.Context, session, chat string, ids []string, ack engines.Ack) ([]Message, error)
	// EditMessage replaces a message's body; engines.ErrNotFound when it is unknown.
	EditMessage(ctx context.Context, session, chat, id, body string) (*Message, error)
	// DeleteMessage removes a message (revoked for everyone).
	DeleteMessage(ctx context.Context, session, chat, id string) error
	// SetMediaFile records the file a message's media was downloaded to.
	SetMediaFile(ctx context.Context, session, chat, id, file string) error

	// ListMessages lists messages newest first (or oldest first); a zero q.Chat
	// means every chat. q.DownloadMedia is the engine's business.
	ListMessages(ctx context.Context, session string, q engines.MessageQuery) ([]Message, error)
	// GetMessage finds a message by raw id, in chat or in any chat when chat is "";
	// engines.ErrNotFound when unknown.
	GetMessage(ctx context.Context, session, chat, id string) (*Message, error)
}

// Contacts are the people a session knows: their names (address book, push name,
// business name) and both their ids, phone number and LID, so one person is one
// contact.
type Contacts interface {
	// SaveContacts creates contacts or updates them: non-empty fields replace
	// stored ones, empty ones keep them. A contact given with both ID (a phone
	// number) and LID absorbs a contact stored under that LID; a contact given
	// under a LID whose phone number is known updates the phone-number contact.
	// Chats of the contacts take their names: the address-book name (or business
	// name) always, a push name only when the chat has none.
	SaveContacts(ctx context.Context, session string, contacts []Contact) error
	// GetContact finds a contact by its id or its LID; engines.ErrNotFound when unknown.
	GetContact(ctx context.Context, session, id string) (*Contact, error)
	// ListContacts pages the session's contacts by id or by display name.
	ListContacts(ctx context.Context, session string, q engines.ContactQuery) ([]Contact, error)
	// ListLIDs pages the contacts whose phone number and LID are both known, by
	// LID; CountLIDs counts them.
	ListLIDs(ctx context.Context, session string, limit, offset int) ([]Contact, error)
	CountLIDs(ctx context.Context, session string) (int, error)
}

// Groups are the groups a session's account is in, with their participants
// and roles, so group lists come from the store as chat lists do.
type Groups interface {
	// SaveGroups stores groups as WhatsApp describes them, each with its whole
	// participant list (which replaces the stored one); each group's chat is
	// created, or renamed to its subject. With all set the groups are every group
	// of the account (a refresh): stored groups not among them are forgotten.
	SaveGroups(ctx context.Context, session string, groups []Group, all bool) error
	// UpdateGroup applies a change to a stored group; engines.ErrNotFound when unknown.
	UpdateGroup(ctx context.Context, session, id string, change GroupChange) error
	// SetParticipants adds participants or changes their roles.
	SetParticipants(ctx context.Context, session, group string, ps []engines.GroupParticipant) error
	// RemoveParticipants removes the participants with these ids (either of
	// their ids: the group's, or their phone id).
	RemoveParticipants(ctx context.Context, session, group string, ids []string) error
	// DeleteGroup forgets a group (the account left it); its chat stays.
	DeleteGroup(ctx context.Context, session, id string) error

	// ListGroups pages the groups by id or subject; participants are loaded
	// unless q.ExcludeParticipants.
	ListGroups(ctx context.Context, session string, q engines.GroupQuery) ([]Group, error)
	CountGroups(ctx context.Context, session string) (int, error)
	// GetGroup is one group with its participants; engines.ErrNotFound when unknown.
	GetGroup(ctx context.Context, session, id string) (*Group, error)
	// SetGroupAck records a member's receipt of the account's message id in
	// group chat (never lowering it): rose says whether this member's ack rose;
	// all is the ack every other member of the group (members minus the
	// account) has reached now, 0 when some have not delivered yet.
	SetGroupAck(ctx context.Context, session, chat, id, participant string, ack engines.Ack) (rose bool, all engines.Ack, err error)
}

// DisabledError: the session runs without a message store, so the operation
// cannot be served; answered 422 with how to enable it.
type DisabledError struct {
	Operation string
}

func (e *DisabledError) Error() string {
	return fmt.Sprintf("%s needs the NOWEB message store, which is disabled for this session; "+
		"enable it with config.noweb.store.enabled=true on the session (or engines.noweb.storeEnabled in the gateway config) "+
		"and restart the session", e.Operation)
}

package webjs

import (
	"encoding/json"

	"github.com/wagate/wagate/engines"
)

// EventType names what happened in the page.
type EventType string

// Event types the injected script reports.
const (
	EventLoaded        EventType = "loaded"         // script found WA's module loader: Version, MissingModules
	EventState         EventType = "state"          // WA Socket.state changed: State
	EventQR            EventType = "qr"             // a new QR to scan: QR
	EventCode          EventType = "code"           // a refreshed pairing code: Code
	EventLoading       EventType = "loading"        // offline sync progress: Percent
	EventAuthenticated EventType = "authenticated"  // logged in and synced
	EventReady         EventType = "ready"          // listeners attached, operations available: Me
	EventDisconnected  EventType = "disconnected"   // WA left the healthy states: Reason (the state)
	EventLoggedOut     EventType = "logged_out"     // logged out (here or from the phone)
	EventFailed        EventType = "failed"         // the script cannot work with this WA build: Reason
	EventMessage       EventType = "message"        // a new incoming message: Message
	EventMessageCreate EventType = "message_create" // any new message, own ones too: Message (Source set when fromMe)
	EventAck           EventType = "ack"            // ack of a message changed: Ack
	EventEdit          EventType = "edit"           // a message was edited: Edit
	EventRevoke        EventType = "revoke"         // a message was deleted for everyone: Revoke
	EventChatArchive   EventType = "chat_archive"   // a chat was (un)archived, by us or the phone: Archive
	EventPresence      EventType = "presence"       // a watched person's presence or chat state changed: Presence
	EventCall          EventType = "call"           // a call was offered to the account: Call
	EventWaiting       EventType = "waiting"        // a new message not decrypted yet: Message
	EventReaction      EventType = "reaction"       // a reaction was added or taken back: Reaction
	EventPollVote      EventType = "poll_vote"      // a poll vote: Vote
	EventGroup         EventType = "group"          // a group notification: Group
)

// Event is one page event; the field for its Type is set.
type Event struct {
	Type           EventType                `json:"type"`
	At             int64                    `json:"at"` // page clock, unix ms
	Version        string                   `json:"version,omitempty"`
	MissingModules []string                 `json:"missingModules,omitempty"`
	State          string                   `json:"state,omitempty"`
	QR             string                   `json:"qr,omitempty"`
	Code           string                   `json:"code,omitempty"`
	Percent        *int                     `json:"percent,omitempty"`
	Reason         string                   `json:"reason,omitempty"`
	Me             *Me                      `json:"me,omitempty"`
	Message        *Message                 `json:"message,omitempty"`
	Ack            *AckEvent                `json:"ack,omitempty"`
	Edit           *EditEvent               `json:"edit,omitempty"`
	Revoke         *RevokeEvent             `json:"revoke,omitempty"`
	Archive        *ChatArchiveEvent        `json:"archive,omitempty"`
	Presence       *engines.ChatPresences   `json:"presence,omitempty"`
	Call           *CallEvent               `json:"call,omitempty"`
	Reaction       *engines.ReactionPayload `json:"reaction,omitempty"`
	Vote           *PollVoteEvent           `json:"vote,omitempty"`
	Group          *GroupEvent              `json:"group,omitempty"`
}

// GroupEvent is a group notification (a gp2 message) as the page maps it.
type GroupEvent struct {
	// Kind: join (the account joined, was added, or created it), leave (it
	// left or was removed), participants (others changed), update (the info).
	Kind      string  `json:"kind"`
	Group     string  `json:"group"` // 123@g.us
	Timestamp int64   `json:"timestamp"`
	Author    *string `json:"author"`  // who did it
	Subtype   string  `json:"subtype"` // WhatsApp's: add, invite, remove, leave, promote, demote, subject, …
	// Info is the group after a join.
	Info *engines.GroupInfo `json:"info,omitempty"`
	// Type and Participants: for participants.
	Type         engines.ParticipantsEventType `json:"type,omitempty"`
	Participants []engines.GroupParticipant    `json:"participants,omitempty"`
	// Change is what changed, for update.
	Change *engines.GroupUpdate `json:"change,omitempty"`
	Raw    json.RawMessage      `json:"_data,omitempty"`
}

// PollVoteEvent is a vote; Failed when the poll or its options are unknown to
// the page.
type PollVoteEvent struct {
	Failed bool                       `json:"failed"`
	Vote   engines.PollVote           `json:"vote"`
	Poll   engines.MessageDestination `json:"poll"`
}

// AckEvent is WAHA's WAMessageAckBody (without _data).
type AckEvent struct {
	ID          string  `json:"id"`
	From        *string `json:"from"`
	To          *string `json:"to"`
	Participant *string `json:"participant"`
	FromMe      bool    `json:"fromMe"`
	Ack         int     `json:"ack"`
	AckName     string  `json:"ackName"`
}

// EditEvent: Message is the edited message with its new body.
type EditEvent struct {
	Message         *Message `json:"message"`
	NewBody         string   `json:"newBody"`
	PrevBody        string   `json:"prevBody"`
	EditedMessageID string   `json:"editedMessageId"` // raw key id
}

// RevokeEvent is WAHA's message.revoked payload. Before is the message as
// last seen by the script, if it saw it.
type RevokeEvent struct {
	After            *Message `json:"after"`
	Before           *Message `json:"before"`
	RevokedMessageID string   `json:"revokedMessageId"` // raw key id
}

// ChatArchiveEvent is WAHA's chat.archive payload.
type ChatArchiveEvent struct {
	ID        string `json:"id"`
	Archived  bool   `json:"archived"`
	Timestamp int64  `json:"timestamp"`
}

// emitBatch is what window.wagateEmit sends.
type emitBatch struct {
	Events []Event `json:"events"`
}

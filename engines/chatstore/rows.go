package chatstore

import "github.com/wagate/wagate/engines"

// Chat is one chat row: everything list views need, so they never
// aggregate over messages.
type Chat struct {
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
	LastMessage           *Message
}

// API is the row as the API shows it.
func (c Chat) API(now int64) engines.Chat {
	id, _ := engines.ParseChatID(c.ID)
	out := engines.Chat{
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

// Message is one message row: the unified payload plus what the store
// indexes and what the engine needs to find its media again.
type Message struct {
	Chat      string // chat id as WAHA writes it
	ID        string // raw id
	FromMe    bool
	Timestamp int64 // unix seconds
	Ack       engines.Ack
	Message   engines.Message // the API payload; the store overlays Ack and Body changes
	// Media is the engine's locator of the message's media (opaque JSON), "" when
	// there is none; MediaFile the downloaded file's name, "" until downloaded.
	Media     string
	MediaFile string
	// ChatName names the chat if it has no name yet (a contact's push name).
	ChatName string `json:"-"`
}

// Contact is one person.
type Contact struct {
	// ID is 123@c.us, or 123@lid while the phone number is unknown.
	ID string
	// LID is the person's 123@lid when ID is a phone number and the LID is known.
	LID          string
	Name         string // full name in the account's address book
	ShortName    string // first name in the address book
	PushName     string // the name the person set for themselves
	BusinessName string // verified business name
}

// DisplayName is the name to show: address book, else business, else push name.
func (c Contact) DisplayName() string {
	switch {
	case c.Name != "":
		return c.Name
	case c.BusinessName != "":
		return c.BusinessName
	}
	return c.PushName
}

// Group is one group the account is in.
type Group struct {
	ID          string // 123@g.us
	Subject     string
	Description string
	Owner       string // the creator's id, "" when unknown
	Creation    int64  // unix seconds
	// Announce: only admins send messages. Locked: only admins edit the info.
	// AdminsAdd: only admins add members. Approval: admins approve joins.
	Announce, Locked, AdminsAdd, Approval bool
	InviteCode                            string // "" until an admin fetched it
	PictureID                             string // "" when none or unknown
	// Participants is every member; nil in lists that exclude them.
	Participants []engines.GroupParticipant
	Size         int // members, also when Participants are excluded
}

// API is the group as the API shows it (WAHA's GroupInfo).
func (g Group) API() engines.GroupInfo {
	out := engines.GroupInfo{
		ID: g.ID, Subject: g.Subject, Description: g.Description,
		MembersCanAddNewMember: !g.AdminsAdd, MembersCanSendMessages: !g.Announce,
		NewMembersApprovalRequired: g.Approval, InfoAdminOnly: g.Locked,
		Participants: g.Participants, Creation: g.Creation, Size: g.Size,
	}
	if out.Participants == nil {
		out.Participants = []engines.GroupParticipant{}
	}
	if g.Owner != "" {
		owner := g.Owner
		out.Owner = &owner
	}
	if g.InviteCode != "" {
		u := engines.InviteURL(g.InviteCode)
		out.Invite = &u
	}
	return out
}

// GroupChange is a change to a group's info or settings; nil fields stay.
type GroupChange struct {
	Subject, Description                  *string
	Announce, Locked, AdminsAdd, Approval *bool
	InviteCode, PictureID                 *string
}

package engines

import (
	"context"
	"strings"
)

// Groups: WAHA's Groups tag (26 operations) and the group events. Shapes are
// WAHA's (GroupInfo, GroupParticipant, SettingsSecurityChangeInfo); where WAHA
// answers with each engine's raw object (create, list, get, the legacy
// participants, participant changes) wagate answers with one shape on every
// engine, documented in the spec's overlay.

// GroupRole is a participant's role (WAHA's GroupParticipant.role).
type GroupRole string

const (
	RoleLeft        GroupRole = "left"
	RoleParticipant GroupRole = "participant"
	RoleAdmin       GroupRole = "admin"
	RoleSuperAdmin  GroupRole = "superadmin"
)

// IsAdmin reports whether the role may administer the group.
func (r GroupRole) IsAdmin() bool { return r == RoleAdmin || r == RoleSuperAdmin }

// GroupParticipant is WAHA's GroupParticipant: GET participants/v2, GroupInfo
// and the group.v2.participants event.
type GroupParticipant struct {
	// ID is the member's 123@lid in groups that address by LID, else 123@c.us.
	ID string `json:"id"`
	// PN is the member's phone id (123@c.us) when known; omitted when unknown.
	PN   *string   `json:"pn,omitempty"`
	Role GroupRole `json:"role"`
}

// GroupInfo is WAHA's GroupInfo: the group in create, list, get, join-info and
// group.v2.join.
type GroupInfo struct {
	ID          string `json:"id"` // 123@g.us
	Subject     string `json:"subject"`
	Description string `json:"description"`
	// Invite is the invite URL (https://chat.whatsapp.com/CODE) when the account
	// has seen it (admins fetch it with GET invite-code); omitted otherwise.
	Invite                     *string            `json:"invite,omitempty"`
	MembersCanAddNewMember     bool               `json:"membersCanAddNewMember"`
	MembersCanSendMessages     bool               `json:"membersCanSendMessages"`
	NewMembersApprovalRequired bool               `json:"newMembersApprovalRequired"`
	Participants               []GroupParticipant `json:"participants"`

	// wagate's extensions, for what GroupInfo does not say.
	Owner *string `json:"owner,omitempty"` // the creator's id
	// Creation is when the group was made (unix seconds), 0 when unknown.
	Creation int64 `json:"creation,omitempty"`
	// InfoAdminOnly: only admins edit the subject, description and picture.
	InfoAdminOnly bool `json:"infoAdminOnly"`
	// Size is the number of members (kept when participants are excluded).
	Size int `json:"size"`
}

// MemberRole is the role of the member with any of ids (its LID or phone id),
// RoleLeft when none of them is in the group.
func (g GroupInfo) MemberRole(ids ...string) GroupRole {
	for _, p := range g.Participants {
		for _, id := range ids {
			if id == "" {
				continue
			}
			if p.ID == id || (p.PN != nil && *p.PN == id) {
				return p.Role
			}
		}
	}
	return RoleLeft
}

// LegacyParticipant is one member in GET participants (the legacy list): the
// phone id and admin flags, as WAHA's NOWEB and WEBJS engines both tell them.
type LegacyParticipant struct {
	ID           string  `json:"id"`
	LID          *string `json:"lid,omitempty"`
	IsAdmin      bool    `json:"isAdmin"`
	IsSuperAdmin bool    `json:"isSuperAdmin"`
	// Admin is Baileys' field: "admin", "superadmin" or null.
	Admin *string `json:"admin"`
}

// LegacyParticipants converts the v2 list to the legacy one: the phone id
// first, the LID beside it.
func LegacyParticipants(ps []GroupParticipant) []LegacyParticipant {
	out := make([]LegacyParticipant, 0, len(ps))
	for _, p := range ps {
		if p.Role == RoleLeft {
			continue
		}
		lp := LegacyParticipant{ID: p.ID, IsAdmin: p.Role.IsAdmin(), IsSuperAdmin: p.Role == RoleSuperAdmin}
		if p.PN != nil && strings.HasSuffix(p.ID, "@"+ServerLID) {
			lid := p.ID
			lp.ID, lp.LID = *p.PN, &lid
		}
		if lp.IsAdmin {
			role := string(p.Role)
			lp.Admin = &role
		}
		out = append(out, lp)
	}
	return out
}

// GroupSort is the field GET /groups sorts by.
type GroupSort string

const (
	GroupSortID      GroupSort = "id"
	GroupSortSubject GroupSort = "subject"
)

// GroupQuery pages GET /groups. Limit 0 means no limit.
type GroupQuery struct {
	Limit, Offset int
	SortBy        GroupSort // "" keeps the store's order (by id)
	SortOrder     SortOrder
	// ExcludeParticipants leaves participants out (exclude=participants): an
	// empty list, Size still set.
	ExcludeParticipants bool
}

// ParticipantAction is a change to group members.
type ParticipantAction string

const (
	ParticipantsAdd     ParticipantAction = "add"
	ParticipantsRemove  ParticipantAction = "remove"
	ParticipantsPromote ParticipantAction = "promote"
	ParticipantsDemote  ParticipantAction = "demote"
)

// Per-participant result codes, WhatsApp's own (they are HTTP-like).
const (
	ParticipantOK            = 200
	ParticipantNotAuthorized = 401 // we are not an admin
	ParticipantForbidden     = 403 // their privacy settings forbid adding them: invite them instead
	ParticipantNotFound      = 404 // not on WhatsApp
	ParticipantConflict      = 409 // already a member (add), or not one (remove, promote, demote)
	ParticipantFull          = 500 // the group is full, or WhatsApp failed for this one
)

// ParticipantResult is what happened to one participant of an add, remove,
// promote or demote: every participant gets one, so one refusal does not hide
// the others' success.
type ParticipantResult struct {
	ID      string `json:"id"`
	Code    int    `json:"code"`    // ParticipantOK, or WhatsApp's error code
	Message string `json:"message"` // what the code means
	// InviteCode and InviteExpiration: for a 403 on add, the invite WhatsApp
	// made so the person can be asked to join (sent as an invite message).
	InviteCode       *string `json:"inviteCode,omitempty"`
	InviteExpiration *int64  `json:"inviteExpiration,omitempty"`
}

// ParticipantMessage is the text for a participant result code.
func ParticipantMessage(action ParticipantAction, code int) string {
	switch code {
	case ParticipantOK:
		switch action {
		case ParticipantsAdd:
			return "added"
		case ParticipantsRemove:
			return "removed"
		case ParticipantsPromote:
			return "promoted to admin"
		case ParticipantsDemote:
			return "demoted to participant"
		}
	case ParticipantNotAuthorized:
		return "not allowed: the account is not an admin of the group"
	case ParticipantForbidden:
		return "their privacy settings do not allow adding them; send them the invite"
	case ParticipantNotFound:
		return "not on WhatsApp"
	case ParticipantConflict:
		if action == ParticipantsAdd {
			return "already a member of the group"
		}
		return "not a member of the group"
	case ParticipantFull:
		return "WhatsApp refused it (the group may be full)"
	}
	return "WhatsApp refused it"
}

// SecuritySetting is WAHA's SettingsSecurityChangeInfo.
type SecuritySetting struct {
	AdminsOnly bool `json:"adminsOnly"`
}

// GroupSetting names one of the two security settings.
type GroupSetting string

const (
	// SettingInfoAdminOnly: only admins edit the group's info (WhatsApp's "locked").
	SettingInfoAdminOnly GroupSetting = "info-admin-only"
	// SettingMessagesAdminOnly: only admins send messages (WhatsApp's "announce").
	SettingMessagesAdminOnly GroupSetting = "messages-admin-only"
)

// InviteURL is WhatsApp's link for an invite code.
func InviteURL(code string) string { return "https://chat.whatsapp.com/" + code }

// ParseInviteCode takes a code or an invite link and returns the code; ok is
// false when nothing code-like is there.
func ParseInviteCode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, p := range []string{"https://chat.whatsapp.com/", "http://chat.whatsapp.com/", "chat.whatsapp.com/", "https://chat.whatsapp.com/invite/"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			s = strings.TrimPrefix(rest, "invite/")
			break
		}
	}
	s, _, _ = strings.Cut(s, "?")
	s = strings.TrimSuffix(s, "/")
	if s == "" || len(s) > 64 {
		return "", false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "", false
		}
	}
	return s, true
}

// GroupLister lists and reads the account's groups (from the engine's store,
// as chats are).
type GroupLister interface {
	ListGroups(ctx context.Context, q GroupQuery) ([]GroupInfo, error)
	CountGroups(ctx context.Context) (int, error)
	// GetGroup is one group; ErrNotFound when the account is not in it.
	GetGroup(ctx context.Context, id ChatID) (*GroupInfo, error)
	// RefreshGroups fetches every group the account is in from WhatsApp again.
	RefreshGroups(ctx context.Context) error
}

// GroupMembership creates, joins, leaves and deletes groups.
type GroupMembership interface {
	// CreateGroup makes a group with the account as its superadmin; a
	// participant WhatsApp will not add is left out (GET participants/v2 says who is in).
	CreateGroup(ctx context.Context, subject string, participants []ChatID) (*GroupInfo, error)
	LeaveGroup(ctx context.Context, id ChatID) error
	// DeleteGroup removes every other member and leaves (superadmin only:
	// ErrNotAllowed otherwise), then deletes the chat, as WhatsApp's apps do.
	DeleteGroup(ctx context.Context, id ChatID) error
	// JoinGroup joins by invite code and returns the group's id.
	JoinGroup(ctx context.Context, code string) (ChatID, error)
	// GroupJoinInfo is the group an invite code leads to, without joining.
	GroupJoinInfo(ctx context.Context, code string) (*GroupInfo, error)
}

// GroupEditor changes a group's info and security settings.
type GroupEditor interface {
	SetGroupSubject(ctx context.Context, id ChatID, subject string) error
	SetGroupDescription(ctx context.Context, id ChatID, description string) error
	GroupSetting(ctx context.Context, id ChatID, setting GroupSetting) (SecuritySetting, error)
	SetGroupSetting(ctx context.Context, id ChatID, setting GroupSetting, adminsOnly bool) error
}

// GroupPictures reads and changes a group's picture.
type GroupPictures interface {
	// GroupPicture is the picture's URL, nil when the group has none.
	GroupPicture(ctx context.Context, id ChatID, refresh bool) (*string, error)
	SetGroupPicture(ctx context.Context, id ChatID, pic ProfilePicture) error
	DeleteGroupPicture(ctx context.Context, id ChatID) error
}

// GroupInvites reads and revokes a group's invite code (admins only).
type GroupInvites interface {
	GroupInviteCode(ctx context.Context, id ChatID) (string, error)
	// RevokeGroupInvite makes a new code, the old one stops working.
	RevokeGroupInvite(ctx context.Context, id ChatID) (string, error)
}

// GroupParticipants lists and changes a group's members.
type GroupParticipants interface {
	Participants(ctx context.Context, id ChatID) ([]GroupParticipant, error)
	// UpdateParticipants returns one result per participant, in their order;
	// an error only when nothing could be asked at all.
	UpdateParticipants(ctx context.Context, id ChatID, action ParticipantAction, participants []ChatID) ([]ParticipantResult, error)
}

// Group events' payloads (WAHA's x-webhooks).

// GroupJoinPayload is group.v2.join's payload (GroupV2JoinEvent): the account
// joined or was added.
type GroupJoinPayload struct {
	Timestamp int64     `json:"timestamp"`
	Group     GroupInfo `json:"group"`
	Data      any       `json:"_data"`
}

// GroupRef is WAHA's GroupId.
type GroupRef struct {
	ID string `json:"id"`
}

// GroupLeavePayload is group.v2.leave's payload (GroupV2LeaveEvent): the
// account left or was removed.
type GroupLeavePayload struct {
	Timestamp int64    `json:"timestamp"`
	Group     GroupRef `json:"group"`
	// Author is who removed the account (wagate's extension); omitted when it left.
	Author *string `json:"author,omitempty"`
	Data   any     `json:"_data"`
}

// GroupUpdate is the changed part of a group in group.v2.update: its id and
// only the fields that changed.
type GroupUpdate struct {
	ID                     string  `json:"id"`
	Subject                *string `json:"subject,omitempty"`
	Description            *string `json:"description,omitempty"`
	MembersCanSendMessages *bool   `json:"membersCanSendMessages,omitempty"`
	MembersCanAddNewMember *bool   `json:"membersCanAddNewMember,omitempty"`
	InfoAdminOnly          *bool   `json:"infoAdminOnly,omitempty"`
	// Picture is the new picture's id, "" when it was removed.
	Picture *string `json:"picture,omitempty"`
	Invite  *string `json:"invite,omitempty"`
}

// GroupUpdatePayload is group.v2.update's payload (GroupV2UpdateEvent).
type GroupUpdatePayload struct {
	Timestamp int64       `json:"timestamp"`
	Group     GroupUpdate `json:"group"`
	Author    *string     `json:"author,omitempty"` // who changed it (wagate's extension)
	Data      any         `json:"_data"`
}

// ParticipantsEventType is group.v2.participants' type.
type ParticipantsEventType string

const (
	ParticipantsJoined   ParticipantsEventType = "join"
	ParticipantsLeft     ParticipantsEventType = "leave"
	ParticipantsPromoted ParticipantsEventType = "promote"
	ParticipantsDemoted  ParticipantsEventType = "demote"
)

// GroupParticipantsPayload is group.v2.participants' payload
// (GroupV2ParticipantsEvent).
type GroupParticipantsPayload struct {
	Type         ParticipantsEventType `json:"type"`
	Timestamp    int64                 `json:"timestamp"`
	Group        GroupRef              `json:"group"`
	Participants []GroupParticipant    `json:"participants"`
	// Author is who made the change (wagate's extension; WAHA leaves it in _data).
	Author *string `json:"author,omitempty"`
	Data   any     `json:"_data"`
}

// Group event names.
const (
	EventGroupV2Join         = "group.v2.join"
	EventGroupV2Leave        = "group.v2.leave"
	EventGroupV2Update       = "group.v2.update"
	EventGroupV2Participants = "group.v2.participants"
	// The deprecated events: group.join carries the GroupInfo, group.leave the GroupRef.
	EventGroupJoin  = "group.join"
	EventGroupLeave = "group.leave"
)

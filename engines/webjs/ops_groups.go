package webjs

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/wagate/wagate/engines"
)

// The group operations of the page (js/80_groups.js). Ids are checked here
// before any page call.

// groupID normalizes a group's id for the page.
func groupID(id string) (string, error) {
	n, err := NormalizeChatID(id)
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(n, "@g.us") {
		return "", fmt.Errorf("%w: %s is not a group", ErrInvalid, n)
	}
	return n, nil
}

func (d *Driver) groupCall(ctx context.Context, op, id string, args map[string]any, out any) error {
	n, err := groupID(id)
	if err != nil {
		return err
	}
	if args == nil {
		args = map[string]any{}
	}
	args["id"] = n
	return d.call(ctx, op, args, out)
}

// Groups pages the groups the account is in, sorted by id or subject.
func (d *Driver) Groups(ctx context.Context, q engines.GroupQuery) ([]engines.GroupInfo, error) {
	out := []engines.GroupInfo{}
	err := d.call(ctx, "groups", map[string]any{"limit": q.Limit, "offset": q.Offset, "sortBy": q.SortBy, "sortOrder": q.SortOrder, "exclude": q.ExcludeParticipants}, &out)
	return out, err
}

// GroupCount counts the groups the account is in.
func (d *Driver) GroupCount(ctx context.Context) (int, error) {
	var n int
	err := d.call(ctx, "groupCount", nil, &n)
	return n, err
}

// Group is one group the account is in, its metadata fetched again.
func (d *Driver) Group(ctx context.Context, id string) (engines.GroupInfo, error) {
	var g engines.GroupInfo
	err := d.groupCall(ctx, "group", id, nil, &g)
	return g, err
}

// RefreshGroups fetches every group's metadata from WhatsApp again.
func (d *Driver) RefreshGroups(ctx context.Context) error {
	return d.call(ctx, "refreshGroups", nil, nil)
}

// CreatedGroup is a new group and what happened to each participant.
type CreatedGroup struct {
	Group   engines.GroupInfo           `json:"group"`
	Results []engines.ParticipantResult `json:"results"`
}

// CreateGroup makes a group with the account as its superadmin.
func (d *Driver) CreateGroup(ctx context.Context, subject string, participants []string) (CreatedGroup, error) {
	var out CreatedGroup
	ps, err := peopleIDs(participants)
	if err != nil {
		return out, err
	}
	err = d.call(ctx, "createGroup", map[string]any{"subject": subject, "participants": ps}, &out)
	return out, err
}

func peopleIDs(ids []string) ([]string, error) {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		n, err := NormalizeChatID(id)
		if err != nil {
			return nil, err
		}
		if !strings.HasSuffix(n, "@c.us") && !strings.HasSuffix(n, "@lid") {
			return nil, fmt.Errorf("%w: %s is not a person", ErrInvalid, n)
		}
		out = append(out, n)
	}
	return out, nil
}

// LeaveGroup leaves a group.
func (d *Driver) LeaveGroup(ctx context.Context, id string) error {
	return d.groupCall(ctx, "leaveGroup", id, nil, nil)
}

// DeleteGroup removes everyone else, leaves and deletes the chat (the creator only).
func (d *Driver) DeleteGroup(ctx context.Context, id string) error {
	return d.groupCall(ctx, "deleteGroup", id, nil, nil)
}

// JoinGroup joins by invite code and returns the group's id.
func (d *Driver) JoinGroup(ctx context.Context, code string) (string, error) {
	var id string
	err := d.call(ctx, "joinGroup", map[string]string{"code": code}, &id)
	return id, err
}

// GroupJoinInfo is the group an invite code leads to.
func (d *Driver) GroupJoinInfo(ctx context.Context, code string) (engines.GroupInfo, error) {
	var g engines.GroupInfo
	err := d.call(ctx, "joinInfo", map[string]string{"code": code}, &g)
	return g, err
}

func (d *Driver) SetGroupSubject(ctx context.Context, id, subject string) error {
	return d.groupCall(ctx, "setGroupSubject", id, map[string]any{"subject": subject}, nil)
}

func (d *Driver) SetGroupDescription(ctx context.Context, id, description string) error {
	return d.groupCall(ctx, "setGroupDescription", id, map[string]any{"description": description}, nil)
}

func (d *Driver) GroupSetting(ctx context.Context, id string, setting engines.GroupSetting) (engines.SecuritySetting, error) {
	var s engines.SecuritySetting
	err := d.groupCall(ctx, "groupSetting", id, map[string]any{"setting": setting}, &s)
	return s, err
}

func (d *Driver) SetGroupSetting(ctx context.Context, id string, setting engines.GroupSetting, adminsOnly bool) error {
	return d.groupCall(ctx, "setGroupSetting", id, map[string]any{"setting": setting, "adminsOnly": adminsOnly}, nil)
}

// GroupPicture is the group picture's URL, "" when it has none.
func (d *Driver) GroupPicture(ctx context.Context, id string) (string, error) {
	var url *string
	if err := d.groupCall(ctx, "groupPicture", id, nil, &url); err != nil || url == nil {
		return "", err
	}
	return *url, nil
}

// SetGroupPicture sets the group picture from prepared JPEGs.
func (d *Driver) SetGroupPicture(ctx context.Context, id string, pic engines.ProfilePicture) error {
	b64 := base64.StdEncoding.EncodeToString
	return d.groupCall(ctx, "setGroupPicture", id, map[string]any{"jpeg": b64(pic.JPEG), "thumbnail": b64(pic.Thumbnail)}, nil)
}

func (d *Driver) DeleteGroupPicture(ctx context.Context, id string) error {
	return d.groupCall(ctx, "deleteGroupPicture", id, nil, nil)
}

func (d *Driver) GroupInviteCode(ctx context.Context, id string) (string, error) {
	var code string
	err := d.groupCall(ctx, "groupInviteCode", id, nil, &code)
	return code, err
}

func (d *Driver) RevokeGroupInvite(ctx context.Context, id string) (string, error) {
	var code string
	err := d.groupCall(ctx, "revokeGroupInvite", id, nil, &code)
	return code, err
}

// GroupParticipants lists the members with their roles.
func (d *Driver) GroupParticipants(ctx context.Context, id string) ([]engines.GroupParticipant, error) {
	out := []engines.GroupParticipant{}
	err := d.groupCall(ctx, "groupParticipants", id, nil, &out)
	return out, err
}

// UpdateParticipants adds, removes, promotes or demotes people; one result each.
func (d *Driver) UpdateParticipants(ctx context.Context, id string, action engines.ParticipantAction, participants []string) ([]engines.ParticipantResult, error) {
	ps, err := peopleIDs(participants)
	if err != nil {
		return nil, err
	}
	var out []engines.ParticipantResult
	err = d.groupCall(ctx, "updateParticipants", id, map[string]any{"action": action, "participants": ps}, &out)
	for i := range out {
		out[i].Message = engines.ParticipantMessage(action, out[i].Code)
	}
	return out, err
}

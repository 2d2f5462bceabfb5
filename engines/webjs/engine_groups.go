package webjs

import (
	"context"

	"github.com/wagate/wagate/engines"
)

// The Groups tag on WEBJS: every operation is the page's (js/80_groups.js),
// on WhatsApp Web's own group metadata, which the page keeps current from
// the group notifications.

// groupsPage is what the group operations need of the page (the Driver has it).
type groupsPage interface {
	Groups(ctx context.Context, q engines.GroupQuery) ([]engines.GroupInfo, error)
	GroupCount(ctx context.Context) (int, error)
	Group(ctx context.Context, id string) (engines.GroupInfo, error)
	RefreshGroups(ctx context.Context) error
	CreateGroup(ctx context.Context, subject string, participants []string) (CreatedGroup, error)
	LeaveGroup(ctx context.Context, id string) error
	DeleteGroup(ctx context.Context, id string) error
	JoinGroup(ctx context.Context, code string) (string, error)
	GroupJoinInfo(ctx context.Context, code string) (engines.GroupInfo, error)
	SetGroupSubject(ctx context.Context, id, subject string) error
	SetGroupDescription(ctx context.Context, id, description string) error
	GroupSetting(ctx context.Context, id string, setting engines.GroupSetting) (engines.SecuritySetting, error)
	SetGroupSetting(ctx context.Context, id string, setting engines.GroupSetting, adminsOnly bool) error
	GroupPicture(ctx context.Context, id string) (string, error)
	SetGroupPicture(ctx context.Context, id string, pic engines.ProfilePicture) error
	DeleteGroupPicture(ctx context.Context, id string) error
	GroupInviteCode(ctx context.Context, id string) (string, error)
	RevokeGroupInvite(ctx context.Context, id string) (string, error)
	GroupParticipants(ctx context.Context, id string) ([]engines.GroupParticipant, error)
	UpdateParticipants(ctx context.Context, id string, action engines.ParticipantAction, participants []string) ([]engines.ParticipantResult, error)
}

var (
	_ groupsPage                = (*Driver)(nil)
	_ engines.GroupLister       = (*Engine)(nil)
	_ engines.GroupMembership   = (*Engine)(nil)
	_ engines.GroupEditor       = (*Engine)(nil)
	_ engines.GroupPictures     = (*Engine)(nil)
	_ engines.GroupInvites      = (*Engine)(nil)
	_ engines.GroupParticipants = (*Engine)(nil)
)

// onGroups runs a group operation on the page.
func onGroups[T any](e *Engine, what string, f func(groupsPage) (T, error)) (T, error) {
	return onPage(e, what, f)
}

func none(err error) (struct{}, error) { return struct{}{}, err }

func (e *Engine) ListGroups(ctx context.Context, q engines.GroupQuery) ([]engines.GroupInfo, error) {
	return onGroups(e, "list groups", func(g groupsPage) ([]engines.GroupInfo, error) { return g.Groups(ctx, q) })
}

func (e *Engine) CountGroups(ctx context.Context) (int, error) {
	return onGroups(e, "count groups", func(g groupsPage) (int, error) { return g.GroupCount(ctx) })
}

func (e *Engine) GetGroup(ctx context.Context, id engines.ChatID) (*engines.GroupInfo, error) {
	return onGroups(e, "get group", func(g groupsPage) (*engines.GroupInfo, error) {
		info, err := g.Group(ctx, id.String())
		return &info, err
	})
}

func (e *Engine) RefreshGroups(ctx context.Context) error {
	_, err := onGroups(e, "refresh groups", func(g groupsPage) (struct{}, error) { return none(g.RefreshGroups(ctx)) })
	return err
}

func (e *Engine) CreateGroup(ctx context.Context, subject string, participants []engines.ChatID) (*engines.GroupInfo, error) {
	return onGroups(e, "create group", func(g groupsPage) (*engines.GroupInfo, error) {
		ids := make([]string, len(participants))
		for i, p := range participants {
			ids[i] = p.String()
		}
		c, err := g.CreateGroup(ctx, subject, ids)
		if err != nil {
			return nil, err
		}
		for _, r := range c.Results {
			if r.Code != engines.ParticipantOK {
				e.log.Info("create group: participant not added", "group", c.Group.ID, "participant", r.ID, "code", r.Code)
			}
		}
		return &c.Group, nil
	})
}

func (e *Engine) LeaveGroup(ctx context.Context, id engines.ChatID) error {
	_, err := onGroups(e, "leave group", func(g groupsPage) (struct{}, error) { return none(g.LeaveGroup(ctx, id.String())) })
	return err
}

func (e *Engine) DeleteGroup(ctx context.Context, id engines.ChatID) error {
	_, err := onGroups(e, "delete group", func(g groupsPage) (struct{}, error) { return none(g.DeleteGroup(ctx, id.String())) })
	return err
}

func (e *Engine) JoinGroup(ctx context.Context, code string) (engines.ChatID, error) {
	return onGroups(e, "join group", func(g groupsPage) (engines.ChatID, error) {
		id, err := g.JoinGroup(ctx, code)
		if err != nil {
			return engines.ChatID{}, err
		}
		return engines.ParseChatID(id)
	})
}

func (e *Engine) GroupJoinInfo(ctx context.Context, code string) (*engines.GroupInfo, error) {
	return onGroups(e, "group join info", func(g groupsPage) (*engines.GroupInfo, error) {
		info, err := g.GroupJoinInfo(ctx, code)
		return &info, err
	})
}

func (e *Engine) SetGroupSubject(ctx context.Context, id engines.ChatID, subject string) error {
	_, err := onGroups(e, "set group subject", func(g groupsPage) (struct{}, error) { return none(g.SetGroupSubject(ctx, id.String(), subject)) })
	return err
}

func (e *Engine) SetGroupDescription(ctx context.Context, id engines.ChatID, description string) error {
	_, err := onGroups(e, "set group description", func(g groupsPage) (struct{}, error) {
		return none(g.SetGroupDescription(ctx, id.String(), description))
	})
	return err
}

func (e *Engine) GroupSetting(ctx context.Context, id engines.ChatID, setting engines.GroupSetting) (engines.SecuritySetting, error) {
	return onGroups(e, "get group setting", func(g groupsPage) (engines.SecuritySetting, error) { return g.GroupSetting(ctx, id.String(), setting) })
}

func (e *Engine) SetGroupSetting(ctx context.Context, id engines.ChatID, setting engines.GroupSetting, adminsOnly bool) error {
	_, err := onGroups(e, "set group setting", func(g groupsPage) (struct{}, error) {
		return none(g.SetGroupSetting(ctx, id.String(), setting, adminsOnly))
	})
	return err
}

// GroupPicture asks WhatsApp every time (the page caches nothing the server
// has not confirmed), so refresh changes nothing here.
func (e *Engine) GroupPicture(ctx context.Context, id engines.ChatID, refresh bool) (*string, error) {
	return onGroups(e, "get group picture", func(g groupsPage) (*string, error) {
		url, err := g.GroupPicture(ctx, id.String())
		if err != nil || url == "" {
			return nil, err
		}
		return &url, nil
	})
}

func (e *Engine) SetGroupPicture(ctx context.Context, id engines.ChatID, pic engines.ProfilePicture) error {
	_, err := onGroups(e, "set group picture", func(g groupsPage) (struct{}, error) { return none(g.SetGroupPicture(ctx, id.String(), pic)) })
	return err
}

func (e *Engine) DeleteGroupPicture(ctx context.Context, id engines.ChatID) error {
	_, err := onGroups(e, "delete group picture", func(g groupsPage) (struct{}, error) { return none(g.DeleteGroupPicture(ctx, id.String())) })
	return err
}

func (e *Engine) GroupInviteCode(ctx context.Context, id engines.ChatID) (string, error) {
	return onGroups(e, "get group invite code", func(g groupsPage) (string, error) { return g.GroupInviteCode(ctx, id.String()) })
}

func (e *Engine) RevokeGroupInvite(ctx context.Context, id engines.ChatID) (string, error) {
	return onGroups(e, "revoke group invite", func(g groupsPage) (string, error) { return g.RevokeGroupInvite(ctx, id.String()) })
}

func (e *Engine) Participants(ctx context.Context, id engines.ChatID) ([]engines.GroupParticipant, error) {
	return onGroups(e, "list group participants", func(g groupsPage) ([]engines.GroupParticipant, error) {
		return g.GroupParticipants(ctx, id.String())
	})
}

func (e *Engine) UpdateParticipants(ctx context.Context, id engines.ChatID, action engines.ParticipantAction, participants []engines.ChatID) ([]engines.ParticipantResult, error) {
	return onGroups(e, string(action)+" group participants", func(g groupsPage) ([]engines.ParticipantResult, error) {
		ids := make([]string, len(participants))
		for i, p := range participants {
			ids[i] = p.String()
		}
		return g.UpdateParticipants(ctx, id.String(), action, ids)
	})
}

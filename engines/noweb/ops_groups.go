package noweb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/sessions"
)

// The Groups tag on whatsmeow: the w:g2 IQs, the store's copy of the groups
// (lists come from it, as chat lists do; without a store they are asked of
// WhatsApp), and the group events for what the account itself changed (WhatsApp
// tells the other members with w:gp2 notifications, not the device that asked).

var (
	_ engines.GroupLister       = (*Engine)(nil)
	_ engines.GroupMembership   = (*Engine)(nil)
	_ engines.GroupEditor       = (*Engine)(nil)
	_ engines.GroupPictures     = (*Engine)(nil)
	_ engines.GroupInvites      = (*Engine)(nil)
	_ engines.GroupParticipants = (*Engine)(nil)
)

// groupErr maps whatsmeow's group errors to the contract's.
func groupErr(what string, id types.JID, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, whatsmeow.ErrGroupNotFound), errors.Is(err, whatsmeow.ErrIQNotFound):
		return fmt.Errorf("%s %s: %w: WhatsApp has no such group", what, wahaID(id), engines.ErrNotFound)
	case errors.Is(err, whatsmeow.ErrNotInGroup), errors.Is(err, whatsmeow.ErrIQForbidden):
		return fmt.Errorf("%s %s: %w: the account is not a member of the group", what, wahaID(id), engines.ErrNotFound)
	case errors.Is(err, whatsmeow.ErrIQNotAuthorized), errors.Is(err, whatsmeow.ErrGroupInviteLinkUnauthorized):
		return fmt.Errorf("%s %s: %w: only the group's admins may do this", what, wahaID(id), engines.ErrNotAllowed)
	case errors.Is(err, whatsmeow.ErrInvalidImageFormat):
		return fmt.Errorf("%s %s: %w: WhatsApp refused the picture: %w", what, wahaID(id), engines.ErrInvalid, err)
	}
	return fmt.Errorf("%s %s: %w", what, wahaID(id), err)
}

// apiParticipant is a whatsmeow participant as WAHA's GroupParticipant: the
// LID as id when known, the phone id beside it.
func apiParticipant(ctx context.Context, cli *whatsmeow.Client, p types.GroupParticipant) engines.GroupParticipant {
	role := engines.RoleParticipant
	switch {
	case p.IsSuperAdmin:
		role = engines.RoleSuperAdmin
	case p.IsAdmin:
		role = engines.RoleAdmin
	}
	return participantOf(ctx, cli, p.JID, p.PhoneNumber, p.LID, role)
}

// participantOf is one member from whatever ids are known; the missing one is
// looked up in whatsmeow's LID map.
func participantOf(ctx context.Context, cli *whatsmeow.Client, j, pn, lid types.JID, role engines.GroupRole) engines.GroupParticipant {
	j = j.ToNonAD()
	if j.Server == types.HiddenUserServer && lid.IsEmpty() {
		lid = j
	}
	if j.Server == types.DefaultUserServer && pn.IsEmpty() {
		pn = j
	}
	if lid.IsEmpty() && !pn.IsEmpty() {
		lid, _ = cli.Store.LIDs.GetLIDForPN(ctx, pn.ToNonAD())
	}
	if pn.IsEmpty() && !lid.IsEmpty() {
		pn, _ = cli.Store.LIDs.GetPNForLID(ctx, lid.ToNonAD())
	}
	out := engines.GroupParticipant{ID: wahaID(j), Role: role}
	if !lid.IsEmpty() {
		out.ID = wahaID(lid)
	}
	if !pn.IsEmpty() && wahaID(pn) != out.ID {
		s := wahaID(pn)
		out.PN = &s
	}
	return out
}

// storedGroup is a whatsmeow group as the store keeps it; members WhatsApp
// refused (an error on create) are not in it.
func storedGroup(ctx context.Context, cli *whatsmeow.Client, g *types.GroupInfo) chatstore.Group {
	out := chatstore.Group{
		ID: wahaID(g.JID), Subject: g.Name, Description: g.Topic, Creation: g.GroupCreated.Unix(),
		Announce: g.IsAnnounce, Locked: g.IsLocked, AdminsAdd: g.MemberAddMode == types.GroupMemberAddModeAdmin,
		Approval: g.IsJoinApprovalRequired,
	}
	if g.GroupCreated.IsZero() {
		out.Creation = 0
	}
	switch {
	case !g.OwnerPN.IsEmpty():
		out.Owner = wahaID(g.OwnerPN)
	case !g.OwnerJID.IsEmpty():
		out.Owner = wahaID(canonical(ctx, cli, g.OwnerJID))
	}
	for _, p := range g.Participants {
		if p.Error != 0 {
			continue
		}
		out.Participants = append(out.Participants, apiParticipant(ctx, cli, p))
	}
	out.Size = len(out.Participants)
	return out
}

func groupAPI(g chatstore.Group, exclude bool) engines.GroupInfo {
	if exclude {
		g.Participants = nil
	}
	return g.API()
}

// myIDs are the account's ids as participants name them.
func myIDs(cli *whatsmeow.Client) []string {
	var ids []string
	if cli.Store.ID != nil {
		ids = append(ids, wahaID(*cli.Store.ID))
	}
	if lid := cli.Store.GetLID(); !lid.IsEmpty() {
		ids = append(ids, wahaID(lid))
	}
	return ids
}

func unix() int64 { return time.Now().Unix() }

// joinEmissions are group.v2.join and the legacy group.join for a group the
// account is now in.
func joinEmissions(g engines.GroupInfo, data any) []sessions.Emission {
	return []sessions.Emission{
		{Event: engines.EventGroupV2Join, Payload: engines.GroupJoinPayload{Timestamp: unix(), Group: g, Data: data}},
		{Event: engines.EventGroupJoin, Payload: g},
	}
}

// leaveEmissions are group.v2.leave and the legacy group.leave.
func leaveEmissions(id string, author *string, data any) []sessions.Emission {
	if data == nil {
		// WAHA's _data is an object: the account's own leave has no notification.
		data = map[string]any{}
	}
	return []sessions.Emission{
		{Event: engines.EventGroupV2Leave, Payload: engines.GroupLeavePayload{Timestamp: unix(), Group: engines.GroupRef{ID: id}, Author: author, Data: data}},
		{Event: engines.EventGroupLeave, Payload: engines.GroupRef{ID: id}},
	}
}

// recordJoined stores a group the account joined (created, was added, joined
// by invite) and records its join events.
func (e *Engine) recordJoined(ctx context.Context, g chatstore.Group, data any) error {
	return e.host.Record(ctx, func(tx chatstore.Store) ([]sessions.Emission, error) {
		if e.chats != nil {
			if err := tx.SaveGroups(ctx, e.name, []chatstore.Group{g}, false); err != nil {
				return nil, err
			}
		}
		return joinEmissions(g.API(), data), nil
	})
}

func (e *Engine) CreateGroup(ctx context.Context, subject string, participants []engines.ChatID) (*engines.GroupInfo, error) {
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	jids := make([]types.JID, len(participants))
	for i, p := range participants {
		jids[i] = toJID(p)
	}
	info, err := cli.CreateGroup(ctx, whatsmeow.ReqCreateGroup{Name: subject, Participants: jids})
	if err != nil {
		return nil, fmt.Errorf("create group: %w", err)
	}
	g := storedGroup(ctx, cli, info)
	if err := e.recordJoined(ctx, g, info); err != nil {
		return nil, fmt.Errorf("store the new group %s: %w", g.ID, err)
	}
	out := g.API()
	return &out, nil
}

func (e *Engine) ListGroups(ctx context.Context, q engines.GroupQuery) ([]engines.GroupInfo, error) {
	if e.chats == nil {
		return e.liveGroups(ctx, q)
	}
	rows, err := e.chats.ListGroups(ctx, e.name, q)
	if err != nil {
		return nil, err
	}
	out := make([]engines.GroupInfo, len(rows))
	for i, r := range rows {
		out[i] = groupAPI(r, q.ExcludeParticipants)
	}
	return out, nil
}

// liveGroups lists the groups from WhatsApp, for sessions without a store.
func (e *Engine) liveGroups(ctx context.Context, q engines.GroupQuery) ([]engines.GroupInfo, error) {
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	infos, err := cli.GetJoinedGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("list the joined groups: %w", err)
	}
	out := make([]engines.GroupInfo, len(infos))
	for i, info := range infos {
		out[i] = groupAPI(storedGroup(ctx, cli, info), q.ExcludeParticipants)
	}
	slices.SortFunc(out, func(a, b engines.GroupInfo) int {
		c := strings.Compare(a.ID, b.ID)
		if q.SortBy == engines.GroupSortSubject {
			c = cmpOr(strings.Compare(a.Subject, b.Subject), c)
		}
		if q.SortBy != "" && q.SortOrder == engines.SortDesc {
			c = -c
		}
		return c
	})
	out = out[min(q.Offset, len(out)):]
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

func (e *Engine) CountGroups(ctx context.Context) (int, error) {
	if e.chats == nil {
		all, err := e.liveGroups(ctx, engines.GroupQuery{ExcludeParticipants: true})
		return len(all), err
	}
	return e.chats.CountGroups(ctx, e.name)
}

// group is one group: from the store, else from WhatsApp (and stored then).
func (e *Engine) group(ctx context.Context, id engines.ChatID) (*chatstore.Group, error) {
	if e.chats != nil {
		g, err := e.chats.GetGroup(ctx, e.name, id.String())
		if err == nil || !errors.Is(err, engines.ErrNotFound) {
			return g, err
		}
	}
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	info, err := cli.GetGroupInfo(ctx, toJID(id))
	if err != nil {
		return nil, groupErr("get group", toJID(id), err)
	}
	g := storedGroup(ctx, cli, info)
	if e.chats != nil {
		if err := e.chats.SaveGroups(ctx, e.name, []chatstore.Group{g}, false); err != nil {
			return nil, err
		}
	}
	return &g, nil
}

func (e *Engine) GetGroup(ctx context.Context, id engines.ChatID) (*engines.GroupInfo, error) {
	g, err := e.group(ctx, id)
	if err != nil {
		return nil, err
	}
	out := g.API()
	return &out, nil
}

func (e *Engine) RefreshGroups(ctx context.Context) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	infos, err := cli.GetJoinedGroups(ctx)
	if err != nil {
		return fmt.Errorf("list the joined groups: %w", err)
	}
	if e.chats == nil {
		return nil
	}
	groups := make([]chatstore.Group, len(infos))
	for i, info := range infos {
		groups[i] = storedGroup(ctx, cli, info)
	}
	return e.chats.SaveGroups(ctx, e.name, groups, true)
}

// syncGroups stores the groups the account is in, once connected: an account
// paired with groups of its own lists them at once. It only adds and updates
// (a refresh's forgetting could race with a group created meanwhile); groups
// left while the session was away are forgotten by their leave notification or
// POST /groups/refresh.
func (e *Engine) syncGroups(gen int, cli *whatsmeow.Client) {
	if e.chats == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), ingestTimeout)
	defer cancel()
	infos, err := cli.GetJoinedGroups(ctx)
	if err != nil || !e.current(gen) {
		if err != nil {
			e.log.Warn("fetch the joined groups", "err", err)
		}
		return
	}
	groups := make([]chatstore.Group, len(infos))
	for i, info := range infos {
		groups[i] = storedGroup(ctx, cli, info)
	}
	if err := e.chats.SaveGroups(ctx, e.name, groups, false); err != nil {
		e.log.Warn("store the joined groups", "err", err)
	}
}

func (e *Engine) Participants(ctx context.Context, id engines.ChatID) ([]engines.GroupParticipant, error) {
	g, err := e.group(ctx, id)
	if err != nil {
		return nil, err
	}
	return g.Participants, nil
}

func (e *Engine) LeaveGroup(ctx context.Context, id engines.ChatID) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	jid := toJID(id)
	if err := cli.LeaveGroup(ctx, jid); err != nil {
		return groupErr("leave group", jid, err)
	}
	return e.recordLeft(ctx, id.String(), nil, nil)
}

// recordLeft forgets a group the account is no longer in and records the
// leave events.
func (e *Engine) recordLeft(ctx context.Context, id string, author *string, data any) error {
	return e.host.Record(ctx, func(tx chatstore.Store) ([]sessions.Emission, error) {
		if e.chats != nil {
			if err := tx.DeleteGroup(ctx, e.name, id); err != nil {
				return nil, err
			}
		}
		return leaveEmissions(id, author, data), nil
	})
}

// DeleteGroup ends a group as WhatsApp's apps let its creator: every other
// member is removed, the account leaves, and the chat is deleted.
func (e *Engine) DeleteGroup(ctx context.Context, id engines.ChatID) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	jid := toJID(id)
	info, err := cli.GetGroupInfo(ctx, jid)
	if err != nil {
		return groupErr("delete group", jid, err)
	}
	g := storedGroup(ctx, cli, info)
	mine := myIDs(cli)
	if g.API().MemberRole(mine...) != engines.RoleSuperAdmin {
		return fmt.Errorf("delete group %s: %w: only the group's creator (superadmin) may delete it; leave it instead", id, engines.ErrNotAllowed)
	}
	var others []types.JID
	for _, p := range info.Participants {
		if p.Error == 0 && !slices.Contains(mine, wahaID(p.JID)) && !slices.Contains(mine, wahaID(p.LID)) {
			others = append(others, p.JID)
		}
	}
	if len(others) > 0 {
		if _, err := cli.UpdateGroupParticipants(ctx, jid, others, whatsmeow.ParticipantChangeRemove); err != nil {
			return groupErr("remove the members of group", jid, err)
		}
	}
	if err := cli.LeaveGroup(ctx, jid); err != nil {
		return groupErr("leave group", jid, err)
	}
	return e.host.Record(ctx, func(tx chatstore.Store) ([]sessions.Emission, error) {
		if e.chats != nil {
			if err := tx.DeleteGroup(ctx, e.name, id.String()); err != nil {
				return nil, err
			}
			if err := tx.DeleteChat(ctx, e.name, id.String()); err != nil {
				return nil, err
			}
		}
		return leaveEmissions(id.String(), nil, nil), nil
	})
}

func (e *Engine) JoinGroup(ctx context.Context, code string) (engines.ChatID, error) {
	cli, err := e.client()
	if err != nil {
		return engines.ChatID{}, err
	}
	jid, err := cli.JoinGroupWithLink(ctx, code)
	if err != nil {
		return engines.ChatID{}, inviteErr(err)
	}
	id, _ := engines.ParseChatID(wahaID(jid))
	info, err := cli.GetGroupInfo(ctx, jid)
	if err != nil {
		// Joined, but waiting for an admin's approval: not a member yet.
		if errors.Is(err, whatsmeow.ErrNotInGroup) || errors.Is(err, whatsmeow.ErrIQForbidden) {
			return id, nil
		}
		return id, groupErr("read the joined group", jid, err)
	}
	if err := e.recordJoined(ctx, storedGroup(ctx, cli, info), info); err != nil {
		return id, fmt.Errorf("store the joined group %s: %w", id, err)
	}
	return id, nil
}

func inviteErr(err error) error {
	switch {
	case errors.Is(err, whatsmeow.ErrInviteLinkRevoked):
		return fmt.Errorf("%w: the invite code was revoked", engines.ErrNotFound)
	case errors.Is(err, whatsmeow.ErrInviteLinkInvalid), errors.Is(err, whatsmeow.ErrIQNotFound):
		return fmt.Errorf("%w: no group has this invite code", engines.ErrNotFound)
	}
	return fmt.Errorf("invite code: %w", err)
}

func (e *Engine) GroupJoinInfo(ctx context.Context, code string) (*engines.GroupInfo, error) {
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	info, err := cli.GetGroupInfoFromLink(ctx, code)
	if err != nil {
		return nil, inviteErr(err)
	}
	out := storedGroup(ctx, cli, info).API()
	return &out, nil
}

// recordUpdate applies a change the account made to its stored group and
// records group.v2.update.
func (e *Engine) recordUpdate(ctx context.Context, cli *whatsmeow.Client, id string, change chatstore.GroupChange, upd engines.GroupUpdate) error {
	upd.ID = id
	author := strPtr(me(cli))
	return e.host.Record(ctx, func(tx chatstore.Store) ([]sessions.Emission, error) {
		if e.chats != nil {
			if err := tx.UpdateGroup(ctx, e.name, id, change); err != nil && !errors.Is(err, engines.ErrNotFound) {
				return nil, err
			}
		}
		return []sessions.Emission{{Event: engines.EventGroupV2Update, Payload: engines.GroupUpdatePayload{
			Timestamp: unix(), Group: upd, Author: author, Data: change}}}, nil
	})
}

func (e *Engine) SetGroupSubject(ctx context.Context, id engines.ChatID, subject string) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	if err := cli.SetGroupName(ctx, toJID(id), subject); err != nil {
		return groupErr("set the subject of group", toJID(id), err)
	}
	return e.recordUpdate(ctx, cli, id.String(), chatstore.GroupChange{Subject: &subject}, engines.GroupUpdate{Subject: &subject})
}

func (e *Engine) SetGroupDescription(ctx context.Context, id engines.ChatID, description string) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	// whatsmeow reads the description's current id first: WhatsApp refuses a
	// change that does not name it.
	if err := cli.SetGroupTopic(ctx, toJID(id), "", "", description); err != nil {
		return groupErr("set the description of group", toJID(id), err)
	}
	return e.recordUpdate(ctx, cli, id.String(), chatstore.GroupChange{Description: &description}, engines.GroupUpdate{Description: &description})
}

func (e *Engine) GroupSetting(ctx context.Context, id engines.ChatID, setting engines.GroupSetting) (engines.SecuritySetting, error) {
	g, err := e.group(ctx, id)
	if err != nil {
		return engines.SecuritySetting{}, err
	}
	if setting == engines.SettingInfoAdminOnly {
		return engines.SecuritySetting{AdminsOnly: g.Locked}, nil
	}
	return engines.SecuritySetting{AdminsOnly: g.Announce}, nil
}

func (e *Engine) SetGroupSetting(ctx context.Context, id engines.ChatID, setting engines.GroupSetting, adminsOnly bool) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	var change chatstore.GroupChange
	var upd engines.GroupUpdate
	membersCan := !adminsOnly
	if setting == engines.SettingInfoAdminOnly {
		err = cli.SetGroupLocked(ctx, toJID(id), adminsOnly)
		change.Locked, upd.InfoAdminOnly = &adminsOnly, &adminsOnly
	} else {
		err = cli.SetGroupAnnounce(ctx, toJID(id), adminsOnly)
		change.Announce, upd.MembersCanSendMessages = &adminsOnly, &membersCan
	}
	if err != nil {
		return groupErr("set "+string(setting)+" of group", toJID(id), err)
	}
	return e.recordUpdate(ctx, cli, id.String(), change, upd)
}

func (e *Engine) GroupPicture(ctx context.Context, id engines.ChatID, refresh bool) (*string, error) {
	if _, err := e.group(ctx, id); err != nil {
		return nil, err
	}
	return e.ChatPicture(ctx, id, refresh)
}

func (e *Engine) SetGroupPicture(ctx context.Context, id engines.ChatID, pic engines.ProfilePicture) error {
	return e.setGroupPhoto(ctx, id, pic.JPEG)
}

func (e *Engine) DeleteGroupPicture(ctx context.Context, id engines.ChatID) error {
	return e.setGroupPhoto(ctx, id, nil)
}

func (e *Engine) setGroupPhoto(ctx context.Context, id engines.ChatID, jpeg []byte) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	pid, err := cli.SetGroupPhoto(ctx, toJID(id), jpeg)
	if err != nil {
		return groupErr("set the picture of group", toJID(id), err)
	}
	if jpeg == nil {
		pid = ""
	}
	e.forgetPicture(id.String())
	return e.recordUpdate(ctx, cli, id.String(), chatstore.GroupChange{PictureID: &pid}, engines.GroupUpdate{Picture: &pid})
}

func (e *Engine) GroupInviteCode(ctx context.Context, id engines.ChatID) (string, error) {
	return e.inviteCode(ctx, id, false)
}

func (e *Engine) RevokeGroupInvite(ctx context.Context, id engines.ChatID) (string, error) {
	return e.inviteCode(ctx, id, true)
}

func (e *Engine) inviteCode(ctx context.Context, id engines.ChatID, reset bool) (string, error) {
	cli, err := e.client()
	if err != nil {
		return "", err
	}
	link, err := cli.GetGroupInviteLink(ctx, toJID(id), reset)
	if err != nil {
		return "", groupErr("invite code of group", toJID(id), err)
	}
	code := strings.TrimPrefix(link, whatsmeow.InviteLinkPrefix)
	if reset {
		url := engines.InviteURL(code)
		return code, e.recordUpdate(ctx, cli, id.String(), chatstore.GroupChange{InviteCode: &code}, engines.GroupUpdate{Invite: &url})
	}
	if e.chats != nil {
		if err := e.chats.UpdateGroup(ctx, e.name, id.String(), chatstore.GroupChange{InviteCode: &code}); err != nil && !errors.Is(err, engines.ErrNotFound) {
			return code, err
		}
	}
	return code, nil
}

var participantChanges = map[engines.ParticipantAction]whatsmeow.ParticipantChange{
	engines.ParticipantsAdd: whatsmeow.ParticipantChangeAdd, engines.ParticipantsRemove: whatsmeow.ParticipantChangeRemove,
	engines.ParticipantsPromote: whatsmeow.ParticipantChangePromote, engines.ParticipantsDemote: whatsmeow.ParticipantChangeDemote,
}

var participantEvents = map[engines.ParticipantAction]engines.ParticipantsEventType{
	engines.ParticipantsAdd: engines.ParticipantsJoined, engines.ParticipantsRemove: engines.ParticipantsLeft,
	engines.ParticipantsPromote: engines.ParticipantsPromoted, engines.ParticipantsDemote: engines.ParticipantsDemoted,
}

func (e *Engine) UpdateParticipants(ctx context.Context, id engines.ChatID, action engines.ParticipantAction, people []engines.ChatID) ([]engines.ParticipantResult, error) {
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	change, ok := participantChanges[action]
	if !ok {
		return nil, fmt.Errorf("%w: participant action %q", engines.ErrInvalid, action)
	}
	jid := toJID(id)
	jids := make([]types.JID, len(people))
	for i, p := range people {
		jids[i] = toJID(p)
	}
	res, err := cli.UpdateGroupParticipants(ctx, jid, jids, change)
	if err != nil {
		return nil, groupErr(string(action)+" participants of group", jid, err)
	}
	// WhatsApp answers per participant, by either of their ids, in its own order.
	byID := map[string]types.GroupParticipant{}
	for _, r := range res {
		for _, j := range []types.JID{r.JID, r.PhoneNumber, r.LID} {
			if !j.IsEmpty() {
				byID[wahaID(j)] = r
			}
		}
	}
	out := make([]engines.ParticipantResult, len(people))
	var done []engines.GroupParticipant
	var gone []string
	role := map[engines.ParticipantAction]engines.GroupRole{
		engines.ParticipantsAdd: engines.RoleParticipant, engines.ParticipantsRemove: engines.RoleLeft,
		engines.ParticipantsPromote: engines.RoleAdmin, engines.ParticipantsDemote: engines.RoleParticipant,
	}[action]
	for i, p := range people {
		r, found := byID[p.String()]
		code := engines.ParticipantOK
		switch {
		case !found:
			code = engines.ParticipantFull
		case r.Error != 0:
			code = r.Error
		}
		out[i] = engines.ParticipantResult{ID: p.String(), Code: code, Message: engines.ParticipantMessage(action, code)}
		if found && r.AddRequest != nil {
			c, exp := r.AddRequest.Code, r.AddRequest.Expiration.Unix()
			out[i].InviteCode, out[i].InviteExpiration = &c, &exp
		}
		if code != engines.ParticipantOK {
			continue
		}
		gp := participantOf(ctx, cli, r.JID, r.PhoneNumber, r.LID, role)
		done = append(done, gp)
		gone = append(gone, gp.ID)
		if gp.PN != nil {
			gone = append(gone, *gp.PN)
		}
	}
	if len(done) == 0 {
		return out, nil
	}
	author := strPtr(me(cli))
	err = e.host.Record(ctx, func(tx chatstore.Store) ([]sessions.Emission, error) {
		if e.chats != nil {
			var err error
			if action == engines.ParticipantsRemove {
				err = tx.RemoveParticipants(ctx, e.name, id.String(), gone)
			} else {
				err = tx.SetParticipants(ctx, e.name, id.String(), done)
			}
			if err != nil {
				return nil, err
			}
		}
		return []sessions.Emission{{Event: engines.EventGroupV2Participants, Payload: engines.GroupParticipantsPayload{
			Type: participantEvents[action], Timestamp: unix(), Group: engines.GroupRef{ID: id.String()},
			Participants: done, Author: author, Data: map[string]any{"participants": res}}}}, nil
	})
	if err != nil {
		return out, fmt.Errorf("store the participants of group %s: %w", id, err)
	}
	return out, nil
}

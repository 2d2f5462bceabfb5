package noweb

import (
	"context"
	"errors"
	"slices"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/sessions"
)

// What others do in the account's groups, from WhatsApp's w:gp2
// notifications: the store follows, and the group events go out with it.

// onJoinedGroup: the account was added to a group, or one it created on
// another device appeared.
func (e *Engine) onJoinedGroup(ctx context.Context, cli *whatsmeow.Client, v *events.JoinedGroup) error {
	return e.recordJoined(ctx, storedGroup(ctx, cli, &v.GroupInfo), v)
}

func (e *Engine) onGroupInfo(ctx context.Context, cli *whatsmeow.Client, v *events.GroupInfo) error {
	id := wahaID(v.JID)
	var author *string
	if v.Sender != nil {
		a := wahaID(canonical(ctx, cli, *v.Sender))
		if v.SenderPN != nil && !v.SenderPN.IsEmpty() {
			a = wahaID(*v.SenderPN)
		}
		author = &a
	}
	ts := v.Timestamp.Unix()
	mine := myIDs(cli)
	isMe := func(j types.JID) bool {
		p := participantOf(ctx, cli, j, types.EmptyJID, types.EmptyJID, "")
		return slices.Contains(mine, p.ID) || p.PN != nil && slices.Contains(mine, *p.PN)
	}
	if slices.ContainsFunc(v.Leave, isMe) {
		return e.recordLeft(ctx, id, author, v)
	}
	if slices.ContainsFunc(v.Join, isMe) {
		// Added, told as a participant change rather than with the group
		// (JoinedGroup): the group is asked of WhatsApp.
		info, err := cli.GetGroupInfo(ctx, v.JID)
		if err != nil {
			return groupErr("read the group the account was added to", v.JID, err)
		}
		return e.recordJoined(ctx, storedGroup(ctx, cli, info), v)
	}
	var change chatstore.GroupChange
	upd := engines.GroupUpdate{ID: id}
	changed := false
	if v.Name != nil {
		change.Subject, upd.Subject, changed = &v.Name.Name, &v.Name.Name, true
	}
	if v.Topic != nil {
		change.Description, upd.Description, changed = &v.Topic.Topic, &v.Topic.Topic, true
	}
	if v.Announce != nil {
		can := !v.Announce.IsAnnounce
		change.Announce, upd.MembersCanSendMessages, changed = &v.Announce.IsAnnounce, &can, true
	}
	if v.Locked != nil {
		change.Locked, upd.InfoAdminOnly, changed = &v.Locked.IsLocked, &v.Locked.IsLocked, true
	}
	if v.NewInviteLink != nil {
		code := strings.TrimPrefix(*v.NewInviteLink, whatsmeow.InviteLinkPrefix)
		change.InviteCode, upd.Invite, changed = &code, v.NewInviteLink, true
	}
	type members struct {
		typ  engines.ParticipantsEventType
		role engines.GroupRole
		jids []types.JID
	}
	lists := []members{
		{engines.ParticipantsJoined, engines.RoleParticipant, v.Join},
		{engines.ParticipantsLeft, engines.RoleLeft, v.Leave},
		{engines.ParticipantsPromoted, engines.RoleAdmin, v.Promote},
		{engines.ParticipantsDemoted, engines.RoleParticipant, v.Demote},
	}
	return e.host.Record(ctx, func(tx chatstore.Store) ([]sessions.Emission, error) {
		var evs []sessions.Emission
		known := true
		if e.chats != nil && changed {
			if err := tx.UpdateGroup(ctx, e.name, id, change); errors.Is(err, engines.ErrNotFound) {
				known = false
			} else if err != nil {
				return nil, err
			}
		}
		if changed {
			if e.chats != nil && !known && change.Subject != nil {
				// A group the store has not seen yet still names its chat.
				if err := tx.UpdateChat(ctx, e.name, id, chatstore.ChatChange{Name: change.Subject}); err != nil {
					return nil, err
				}
			}
			evs = append(evs, sessions.Emission{Event: engines.EventGroupV2Update, Payload: engines.GroupUpdatePayload{
				Timestamp: ts, Group: upd, Author: author, Data: v}})
		}
		for _, l := range lists {
			if len(l.jids) == 0 {
				continue
			}
			ps := make([]engines.GroupParticipant, len(l.jids))
			var ids []string
			for i, j := range l.jids {
				ps[i] = participantOf(ctx, cli, j, types.EmptyJID, types.EmptyJID, l.role)
				ids = append(ids, ps[i].ID)
				if ps[i].PN != nil {
					ids = append(ids, *ps[i].PN)
				}
			}
			if e.chats != nil {
				var err error
				if l.typ == engines.ParticipantsLeft {
					err = tx.RemoveParticipants(ctx, e.name, id, ids)
				} else {
					err = tx.SetParticipants(ctx, e.name, id, ps)
				}
				if err != nil {
					return nil, err
				}
			}
			evs = append(evs, sessions.Emission{Event: engines.EventGroupV2Participants, Payload: engines.GroupParticipantsPayload{
				Type: l.typ, Timestamp: ts, Group: engines.GroupRef{ID: id}, Participants: ps, Author: author, Data: v}})
		}
		return evs, nil
	})
}

// onGroupPicture: a member changed or removed the group's picture.
func (e *Engine) onGroupPicture(ctx context.Context, cli *whatsmeow.Client, v *events.Picture) error {
	id := wahaID(v.JID)
	pid := v.PictureID
	if v.Remove {
		pid = ""
	}
	e.forgetPicture(id)
	var author *string
	if !v.Author.IsEmpty() {
		a := wahaID(canonical(ctx, cli, v.Author))
		author = &a
	}
	return e.host.Record(ctx, func(tx chatstore.Store) ([]sessions.Emission, error) {
		if e.chats != nil {
			if err := tx.UpdateGroup(ctx, e.name, id, chatstore.GroupChange{PictureID: &pid}); err != nil && !errors.Is(err, engines.ErrNotFound) {
				return nil, err
			}
		}
		return []sessions.Emission{{Event: engines.EventGroupV2Update, Payload: engines.GroupUpdatePayload{
			Timestamp: v.Timestamp.Unix(), Group: engines.GroupUpdate{ID: id, Picture: &pid}, Author: author, Data: v}}}, nil
	})
}

package simnet

import (
	"context"
	"fmt"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"
)

// A phone's part in groups: it creates groups, changes members and info, and
// sees what others do (events group_join, group_change, group_picture), all
// through its whatsmeow client and the server's w:g2 IQs, as a phone would.

// Group is a group as the control API shows it.
type Group struct {
	ID           string             `json:"id"`
	Subject      string             `json:"subject"`
	Description  string             `json:"description,omitempty"`
	Owner        string             `json:"owner,omitempty"`
	Announce     bool               `json:"announce"`
	Locked       bool               `json:"locked"`
	Participants []GroupParticipant `json:"participants"`
	// Failed are the participants an add or create refused, with WhatsApp's code.
	Failed []GroupParticipant `json:"failed,omitempty"`
}

// GroupParticipant is one member, or one refused participant.
type GroupParticipant struct {
	JID   string `json:"jid"`
	LID   string `json:"lid,omitempty"`
	Admin bool   `json:"admin,omitempty"`
	Super bool   `json:"superAdmin,omitempty"`
	Error int    `json:"error,omitempty"`
}

func groupOf(info *types.GroupInfo) Group {
	g := Group{ID: info.JID.String(), Subject: info.Name, Description: info.Topic, Announce: info.IsAnnounce, Locked: info.IsLocked}
	if !info.OwnerJID.IsEmpty() {
		g.Owner = info.OwnerJID.String()
	}
	for _, p := range info.Participants {
		gp := GroupParticipant{JID: p.JID.String(), Admin: p.IsAdmin, Super: p.IsSuperAdmin, Error: p.Error}
		if !p.LID.IsEmpty() {
			gp.LID = p.LID.String()
		}
		if p.Error != 0 {
			g.Failed = append(g.Failed, gp)
		} else {
			g.Participants = append(g.Participants, gp)
		}
	}
	return g
}

// groupJID parses a group id (123@g.us, or the digits).
func groupJID(id string) (types.JID, error) {
	if !strings.Contains(id, "@") {
		id += "@" + types.GroupServer
	}
	j, err := types.ParseJID(id)
	if err != nil || j.Server != types.GroupServer || j.User == "" || strings.Trim(j.User, "0123456789-") != "" {
		return types.JID{}, fmt.Errorf("simnet: %q is not a group id", id)
	}
	return j, nil
}

func (p *Phone) peopleJIDs(people []string) ([]types.JID, error) {
	out := make([]types.JID, 0, len(people))
	for _, s := range people {
		j, err := p.chatJID(s)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, nil
}

// CreateGroup makes a group with the phone's account as its creator.
func (p *Phone) CreateGroup(ctx context.Context, subject string, people []string) (Group, error) {
	jids, err := p.peopleJIDs(people)
	if err != nil {
		return Group{}, err
	}
	info, err := p.client.CreateGroup(ctx, whatsmeow.ReqCreateGroup{Name: subject, Participants: jids})
	if err != nil {
		return Group{}, fmt.Errorf("simnet: phone %s create group: %w", p.pn.User, err)
	}
	return groupOf(info), nil
}

// GroupInfo asks the server for a group's metadata.
func (p *Phone) GroupInfo(ctx context.Context, id string) (Group, error) {
	j, err := groupJID(id)
	if err != nil {
		return Group{}, err
	}
	info, err := p.client.GetGroupInfo(ctx, j)
	if err != nil {
		return Group{}, fmt.Errorf("simnet: phone %s group info %s: %w", p.pn.User, j, err)
	}
	return groupOf(info), nil
}

// ChangeParticipants adds, removes, promotes or demotes people; the result
// lists each with WhatsApp's code (0: done).
func (p *Phone) ChangeParticipants(ctx context.Context, id, action string, people []string) ([]GroupParticipant, error) {
	j, err := groupJID(id)
	if err != nil {
		return nil, err
	}
	switch whatsmeow.ParticipantChange(action) {
	case whatsmeow.ParticipantChangeAdd, whatsmeow.ParticipantChangeRemove, whatsmeow.ParticipantChangePromote, whatsmeow.ParticipantChangeDemote:
	default:
		return nil, fmt.Errorf("simnet: unknown participant action %q (want add, remove, promote or demote)", action)
	}
	jids, err := p.peopleJIDs(people)
	if err != nil {
		return nil, err
	}
	res, err := p.client.UpdateGroupParticipants(ctx, j, jids, whatsmeow.ParticipantChange(action))
	if err != nil {
		return nil, fmt.Errorf("simnet: phone %s %s participants of %s: %w", p.pn.User, action, j, err)
	}
	out := make([]GroupParticipant, len(res))
	for i, r := range res {
		out[i] = GroupParticipant{JID: r.JID.String(), Error: r.Error}
	}
	return out, nil
}

// SetGroupSubject renames a group.
func (p *Phone) SetGroupSubject(ctx context.Context, id, subject string) error {
	j, err := groupJID(id)
	if err != nil {
		return err
	}
	if err := p.client.SetGroupName(ctx, j, subject); err != nil {
		return fmt.Errorf("simnet: phone %s set subject of %s: %w", p.pn.User, j, err)
	}
	return nil
}

// SetGroupAnnounce makes only admins (or everyone) send messages.
func (p *Phone) SetGroupAnnounce(ctx context.Context, id string, on bool) error {
	j, err := groupJID(id)
	if err != nil {
		return err
	}
	if err := p.client.SetGroupAnnounce(ctx, j, on); err != nil {
		return fmt.Errorf("simnet: phone %s set announce of %s: %w", p.pn.User, j, err)
	}
	return nil
}

// LeaveGroup leaves a group.
func (p *Phone) LeaveGroup(ctx context.Context, id string) error {
	j, err := groupJID(id)
	if err != nil {
		return err
	}
	if err := p.client.LeaveGroup(ctx, j); err != nil {
		return fmt.Errorf("simnet: phone %s leave %s: %w", p.pn.User, j, err)
	}
	return nil
}

// GroupInviteLink is the group's invite link (reset makes a new one).
func (p *Phone) GroupInviteLink(ctx context.Context, id string, reset bool) (string, error) {
	j, err := groupJID(id)
	if err != nil {
		return "", err
	}
	link, err := p.client.GetGroupInviteLink(ctx, j, reset)
	if err != nil {
		return "", fmt.Errorf("simnet: phone %s invite link of %s: %w", p.pn.User, j, err)
	}
	return link, nil
}

// JoinGroup joins by invite code or link.
func (p *Phone) JoinGroup(ctx context.Context, code string) (string, error) {
	j, err := p.client.JoinGroupWithLink(ctx, code)
	if err != nil {
		return "", fmt.Errorf("simnet: phone %s join %s: %w", p.pn.User, code, err)
	}
	return j.String(), nil
}

// SetGroupAddPolicy is the account's "who can add me to groups" privacy.
func (s *Server) SetGroupAddPolicy(phone string, policy GroupAddPolicy) error {
	if policy != GroupAddEveryone && policy != GroupAddNobody {
		return fmt.Errorf("simnet: group add policy %q: want %q or %q", policy, GroupAddEveryone, GroupAddNobody)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	acc := s.byPN[normalizePhone(phone)]
	if acc == nil {
		return fmt.Errorf("simnet: no account %s", phone)
	}
	acc.people.groupAdd = policy
	return nil
}

// onlySenderKey reports whether m carries nothing but a sender key distribution.
func onlySenderKey(m *waE2E.Message) bool {
	if m.GetSenderKeyDistributionMessage() == nil {
		return false
	}
	rest := proto.Clone(m).(*waE2E.Message)
	rest.SenderKeyDistributionMessage, rest.MessageContextInfo = nil, nil
	return proto.Size(rest) == 0
}

// groupEvent is the phone's Event for a group notification.
func groupEvent(evt any) (Event, bool) {
	switch v := evt.(type) {
	case *events.JoinedGroup:
		g := groupOf(&v.GroupInfo)
		e := Event{Type: "group_join", Chat: v.JID.String(), Text: v.Name, Group: &g, Raw: v}
		if v.Sender != nil {
			e.Sender = v.Sender.String()
		}
		return e, true
	case *events.GroupInfo:
		e := Event{Type: "group_change", Chat: v.JID.String(), Raw: v, Change: &GroupChange{}}
		if v.Sender != nil {
			e.Sender = v.Sender.String()
		}
		ch := e.Change
		if v.Name != nil {
			ch.Subject, e.Text = &v.Name.Name, v.Name.Name
		}
		if v.Topic != nil {
			ch.Description = &v.Topic.Topic
		}
		if v.Announce != nil {
			ch.Announce = &v.Announce.IsAnnounce
		}
		if v.Locked != nil {
			ch.Locked = &v.Locked.IsLocked
		}
		for _, l := range []struct {
			to   *[]string
			from []types.JID
		}{{&ch.Join, v.Join}, {&ch.Leave, v.Leave}, {&ch.Promote, v.Promote}, {&ch.Demote, v.Demote}} {
			for _, j := range l.from {
				*l.to = append(*l.to, j.String())
			}
		}
		return e, true
	case *events.Picture:
		if v.JID.Server != types.GroupServer {
			return Event{}, false
		}
		return Event{Type: "group_picture", Chat: v.JID.String(), Sender: v.Author.String(), ID: v.PictureID, Value: !v.Remove, Raw: v}, true
	}
	return Event{}, false
}

// GroupChange is what a group_change event changed.
type GroupChange struct {
	Subject     *string  `json:"subject,omitempty"`
	Description *string  `json:"description,omitempty"`
	Announce    *bool    `json:"announce,omitempty"`
	Locked      *bool    `json:"locked,omitempty"`
	Join        []string `json:"join,omitempty"`
	Leave       []string `json:"leave,omitempty"`
	Promote     []string `json:"promote,omitempty"`
	Demote      []string `json:"demote,omitempty"`
}

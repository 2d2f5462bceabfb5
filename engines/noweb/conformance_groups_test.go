package noweb

import (
	"context"
	"slices"
	"strings"

	"github.com/wagate/wagate/engines/enginetest"
	"github.com/wagate/wagate/engines/noweb/simnet"
)

var _ enginetest.GroupsPhone = simnetPhone{}

// fromNumber reports whether a JID string (any device, either server) is the
// account with phone number n.
func fromNumber(jid, n string) bool {
	return strings.HasPrefix(jid, n+"@") || strings.HasPrefix(jid, n+":")
}

func (s simnetPhone) WaitGroupJoin(ctx context.Context, group string) (string, error) {
	ev, err := s.p.WaitFor(ctx, func(e simnet.Event) bool { return e.Type == "group_join" && e.Chat == group })
	if err != nil {
		return "", err
	}
	return ev.Group.Subject, nil
}

func (s simnetPhone) WaitGroupText(ctx context.Context, group, from, text string) (string, error) {
	ev, err := s.p.WaitFor(ctx, func(e simnet.Event) bool {
		return e.Type == "message" && e.Chat == group && e.Text == text && fromNumber(e.Sender, from)
	})
	return ev.ID, err
}

func (s simnetPhone) WaitGroupChange(ctx context.Context, group, kind, who string) error {
	_, err := s.p.WaitFor(ctx, func(e simnet.Event) bool {
		if e.Type != "group_change" || e.Chat != group || e.Change == nil {
			return false
		}
		has := func(list []string) bool {
			return slices.ContainsFunc(list, func(j string) bool { return fromNumber(j, who) })
		}
		switch kind {
		case "subject":
			return e.Change.Subject != nil && *e.Change.Subject == who
		case "promote":
			return has(e.Change.Promote)
		case "demote":
			return has(e.Change.Demote)
		case "join":
			return has(e.Change.Join)
		case "leave":
			return has(e.Change.Leave)
		}
		return false
	})
	return err
}

func (s simnetPhone) SendGroupText(ctx context.Context, group, text string) (string, error) {
	id, err := s.p.SendText(ctx, group, text)
	return string(id), err
}

func (s simnetPhone) ReadGroup(ctx context.Context, group, sender, id string) error {
	return s.p.MarkRead(ctx, group, sender, id)
}

func (s simnetPhone) LeaveGroup(ctx context.Context, group string) error {
	return s.p.LeaveGroup(ctx, group)
}

func (s simnetPhone) SetGroupSubject(ctx context.Context, group, subject string) error {
	return s.p.SetGroupSubject(ctx, group, subject)
}

func (s simnetPhone) ChangeParticipants(ctx context.Context, group, action string, people []string) error {
	_, err := s.p.ChangeParticipants(ctx, group, action, people)
	return err
}

func (s simnetPhone) JoinGroup(ctx context.Context, code string) (string, error) {
	return s.p.JoinGroup(ctx, code)
}

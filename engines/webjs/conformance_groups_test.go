package webjs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/webjs/fakeweb"
	"github.com/wagate/wagate/internal/wait"
)

// The Groups part of the fake phone. A group lives on the server of the
// tab it was made in (each session's tab is its own WhatsApp here); a member
// phone sees what that server has and was told (its notifications, the
// messages fanned out to it) and acts through the tab's group hooks, as
// WhatsApp's servers would relay it.

// groupTab is the tab whose server has group.
func (n *fakewebNet) groupTab(ctx context.Context, group string) (*fakeweb.Server, *fakeweb.ServerGroup, error) {
	for _, tab := range n.connectedTabs() {
		g, err := tab.ServerGroup(ctx, group)
		if err == nil && g != nil {
			return tab, g, nil
		}
	}
	return nil, nil, fmt.Errorf("no WhatsApp server has group %s", group)
}

// poll waits until f is done, or ctx ends (with what f said last).
func poll(ctx context.Context, what string, f func() (bool, error)) error {
	return wait.PollContext(ctx, func() error {
		ok, err := f()
		switch {
		case ok:
			return nil
		case err != nil:
			return fmt.Errorf("%s: %w", what, err)
		}
		return errors.New(what + ": not yet")
	})
}

func (p fakePhone) id() string { return p.number + "@c.us" }

// WaitGroupJoin waits until the group's server has this phone as a member.
func (p fakePhone) WaitGroupJoin(ctx context.Context, group string) (string, error) {
	var subject string
	err := poll(ctx, p.number+" joining "+group, func() (bool, error) {
		_, g, err := p.n.groupTab(ctx, group)
		if err != nil {
			return false, err
		}
		subject = g.Subject
		return g.Member(p.id()) != nil, nil
	})
	return subject, err
}

// WaitGroupText waits until the account from has sent text to group and the
// server has delivered it to this phone's device (its delivery receipt).
func (p fakePhone) WaitGroupText(ctx context.Context, group, from, text string) (string, error) {
	var raw string
	err := poll(ctx, p.number+" getting "+fmt.Sprintf("%q", text)+" in "+group, func() (bool, error) {
		tab, err := p.n.tabOf(from)
		if err != nil {
			return false, err
		}
		_, g, err := p.n.groupTab(ctx, group)
		if err != nil {
			return false, err
		}
		me := g.Member(p.id())
		if me == nil {
			return false, fmt.Errorf("%s is not in %s", p.number, group)
		}
		ms, err := tab.Messages(ctx, group)
		if err != nil {
			return false, err
		}
		for _, m := range ms {
			if !m.FromMe || m.Type != "chat" || m.Body != text || m.Ack < 1 {
				continue
			}
			info, err := tab.MessageInfo(ctx, m.ID)
			if err != nil {
				return false, err
			}
			if info != nil && slices.Contains(info.Delivery, me.ID) {
				raw = rawID(m.ID)
				return true, nil
			}
		}
		return false, nil
	})
	return raw, err
}

// WaitGroupChange waits until this phone was told of kind in group: subject
// (to who), promote, demote, join, leave (of who, a number).
func (p fakePhone) WaitGroupChange(ctx context.Context, group, kind, who string) error {
	subtypes := map[string][]string{
		"subject": {"subject"}, "promote": {"promote"}, "demote": {"demote"},
		"join": {"add", "invite", "create"}, "leave": {"leave", "remove"},
	}[kind]
	if subtypes == nil {
		return fmt.Errorf("unknown group change %q", kind)
	}
	return poll(ctx, p.number+" seeing "+kind+" "+who+" in "+group, func() (bool, error) {
		tab, g, err := p.n.groupTab(ctx, group)
		if err != nil {
			return false, err
		}
		log, err := tab.GroupLog(ctx, group)
		if err != nil {
			return false, err
		}
		member := g.Member(p.id()) != nil
		for _, n := range log {
			// The server tells the members, and whoever the change is about
			// (a removed member learns it was removed).
			if !slices.Contains(subtypes, n.Subtype) || !member && !slices.Contains(n.RecipientPNs, p.id()) {
				continue
			}
			if kind == "subject" && n.Body == who || kind != "subject" && slices.Contains(n.RecipientPNs, who+"@c.us") {
				return true, nil
			}
		}
		return false, nil
	})
}

// SendGroupText is this phone's message to group, which its server relays to
// the members' devices (refused when it may not send there).
func (p fakePhone) SendGroupText(ctx context.Context, group, text string) (string, error) {
	tab, _, err := p.n.groupTab(ctx, group)
	if err != nil {
		return "", err
	}
	id, err := tab.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: group, Author: p.id(), Body: text, NotifyName: p.name})
	if err != nil {
		return "", err
	}
	return rawID(id), nil
}

// ReadGroup is this phone's read receipt for message id the account sender sent to group.
func (p fakePhone) ReadGroup(ctx context.Context, group, sender, id string) error {
	tab, err := p.n.tabOf(sender)
	if err != nil {
		return err
	}
	ms, err := tab.Messages(ctx, group)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.FromMe && rawID(m.ID) == id {
			_, err := tab.GroupReceipt(ctx, m.ID, p.id(), "read")
			return err
		}
	}
	return fmt.Errorf("%s has no message %s in %s", sender, id, group)
}

func (p fakePhone) LeaveGroup(ctx context.Context, group string) error {
	tab, _, err := p.n.groupTab(ctx, group)
	if err != nil {
		return err
	}
	return tab.RemoteLeave(ctx, group, p.id())
}

func (p fakePhone) SetGroupSubject(ctx context.Context, group, subject string) error {
	tab, _, err := p.n.groupTab(ctx, group)
	if err != nil {
		return err
	}
	return tab.RemoteSubject(ctx, group, p.id(), subject)
}

// ChangeParticipants is this phone, an admin, changing members; a refusal
// for anyone is an error.
func (p fakePhone) ChangeParticipants(ctx context.Context, group, action string, people []string) error {
	tab, _, err := p.n.groupTab(ctx, group)
	if err != nil {
		return err
	}
	rs, err := tab.RemoteParticipants(ctx, group, p.id(), action, people)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.Code != engines.ParticipantOK {
			return fmt.Errorf("%s %s in %s: WhatsApp answered %d", action, r.ID, group, r.Code)
		}
	}
	return nil
}

// JoinGroup joins by code or link on whichever server has the code.
func (p fakePhone) JoinGroup(ctx context.Context, code string) (string, error) {
	c, ok := engines.ParseInviteCode(code)
	if !ok {
		return "", fmt.Errorf("%q is no invite code", code)
	}
	var errs []error
	for _, tab := range p.n.connectedTabs() {
		id, err := tab.RemoteJoin(ctx, c, p.id())
		if err == nil {
			return id, nil
		}
		if !strings.Contains(err.Error(), "404") {
			errs = append(errs, err)
		}
	}
	return "", fmt.Errorf("no group has invite code %s: %w", c, errors.Join(errs...))
}

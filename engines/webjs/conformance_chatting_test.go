package webjs

import (
	"context"
	"fmt"
	"strings"

	"github.com/wagate/wagate/engines/enginetest"
	"github.com/wagate/wagate/engines/webjs/fakeweb"
	"github.com/wagate/wagate/internal/wait"
)

// The Chatting part of the fake phone: what it sends reaches the session's
// tab through fakeweb's hooks, as WhatsApp's servers would deliver it, and
// what the session sent is read back from the tab's account (which is what
// the other side would receive).

func (p fakePhone) incoming() fakeweb.Incoming {
	return fakeweb.Incoming{ChatID: p.number + "@c.us", NotifyName: p.name}
}

func (p fakePhone) SendLocation(ctx context.Context, to string, loc enginetest.Location) (string, error) {
	tab, err := p.n.tabOf(to)
	if err != nil {
		return "", err
	}
	id, err := tab.ReceiveLocation(ctx, p.incoming(), loc.Latitude, loc.Longitude, loc.Name, loc.Address, "")
	return rawID(id), err
}

func (p fakePhone) SendContacts(ctx context.Context, to string, cards []enginetest.Card) (string, error) {
	tab, err := p.n.tabOf(to)
	if err != nil {
		return "", err
	}
	cs := make([]fakeweb.Card, len(cards))
	for i, c := range cards {
		cs[i] = fakeweb.Card{Name: c.Name, VCard: c.VCard}
	}
	id, err := tab.ReceiveContacts(ctx, p.incoming(), cs)
	return rawID(id), err
}

func (p fakePhone) SendPoll(ctx context.Context, to, name string, options []string, multiple bool) (string, error) {
	tab, err := p.n.tabOf(to)
	if err != nil {
		return "", err
	}
	id, err := tab.ReceivePoll(ctx, p.incoming(), name, options, multiple)
	return rawID(id), err
}

// msgIn is the tab's serialized id of message raw of the chat with this phone:
// own is this phone's message, which the tab got.
func (p fakePhone) msgIn(raw string, own bool) string {
	return fmt.Sprintf("%t_%s@c.us_%s", !own, p.number, raw)
}

func (p fakePhone) Vote(ctx context.Context, to, pollID string, own bool, options []string) error {
	tab, err := p.n.tabOf(to)
	if err != nil {
		return err
	}
	return tab.RemoteVote(ctx, p.msgIn(pollID, own), p.number+"@c.us", options)
}

func (p fakePhone) React(ctx context.Context, to, id string, own bool, emoji string) error {
	tab, err := p.n.tabOf(to)
	if err != nil {
		return err
	}
	return tab.RemoteReact(ctx, p.msgIn(id, own), p.number+"@c.us", emoji)
}

func (p fakePhone) SendReply(ctx context.Context, to, quoted string, own bool, text string) (string, error) {
	tab, err := p.n.tabOf(to)
	if err != nil {
		return "", err
	}
	id, err := tab.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: p.number + "@c.us", Body: text, NotifyName: p.name, QuotedID: p.msgIn(quoted, own)})
	return rawID(id), err
}

func (p fakePhone) SendUndecryptable(ctx context.Context, to, text string) (string, error) {
	tab, err := p.n.tabOf(to)
	if err != nil {
		return "", err
	}
	id, err := tab.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: p.number + "@c.us", Body: text, NotifyName: p.name, Ciphertext: true})
	if err != nil {
		return "", err
	}
	// WhatsApp Web asks the phone again; the phone answers.
	return rawID(id), tab.ResendCiphertext(ctx, id)
}

// WaitReceived reads what the tab of the account from sent to this phone.
func (p fakePhone) WaitReceived(ctx context.Context, from string, match func(enginetest.Received) bool) (enginetest.Received, error) {
	tab, err := p.n.tabOf(from)
	if err != nil {
		return enginetest.Received{}, err
	}
	chat := p.number + "@c.us"
	var got enginetest.Received
	err = wait.PollContext(ctx, func() error {
		rs, err := p.sentBy(ctx, tab, chat)
		for _, r := range rs {
			if match(r) {
				got = r
				return nil
			}
		}
		return fmt.Errorf("%s never got what was expected from %s: %w", p.number, from, orNotYet(err))
	})
	return got, err
}

// sentBy is everything the tab sent to chat, as the other side receives it.
func (p fakePhone) sentBy(ctx context.Context, tab *fakeweb.Server, chat string) ([]enginetest.Received, error) {
	var out []enginetest.Received
	ms, err := tab.RichMessages(ctx, chat)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if !m.FromMe || m.Ack < 1 {
			continue
		}
		r := enginetest.Received{Kind: "message", ID: rawID(m.ID), Text: m.Body, VCards: m.VCards, Poll: m.PollName,
			Options: m.PollOptions, Forwarded: m.IsForwarded, QuotedID: m.QuotedStanzaID}
		if m.Type == "location" {
			name, address, _ := strings.Cut(m.Loc, "\n")
			r.Location, r.Text = &enginetest.Location{Latitude: m.Lat, Longitude: m.Lng, Name: name, Address: address}, ""
		}
		if m.Type == "vcard" || m.Type == "multi_vcard" {
			r.Text = ""
		}
		if m.Selectable != nil {
			r.Multiple = *m.Selectable != 1
		}
		if m.Title != "" {
			r.Preview = &enginetest.Preview{Title: m.Title, Description: m.Description, Thumbnail: m.Thumbnail}
		}
		for _, who := range m.Mentions {
			r.Mentions = append(r.Mentions, strings.Split(who, "@")[0])
		}
		out = append(out, r)
	}
	reactions, err := tab.ReactionLog(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range reactions {
		if r.FromMe && strings.Contains(r.Parent, "_"+chat+"_") {
			out = append(out, enginetest.Received{Kind: "reaction", ID: rawID(r.Parent), Reaction: r.Reaction})
		}
	}
	votes, err := tab.PollVoteLog(ctx)
	if err != nil {
		return nil, err
	}
	for _, v := range votes {
		if v.FromMe && strings.Contains(v.Parent, "_"+chat+"_") {
			out = append(out, enginetest.Received{Kind: "vote", ID: rawID(v.Parent), Options: v.Options})
		}
	}
	receipts, err := tab.ReadReceipts(ctx)
	if err != nil {
		return nil, err
	}
	for _, rr := range receipts {
		if rr.ChatID == chat {
			for _, id := range rr.IDs {
				out = append(out, enginetest.Received{Kind: "read", ID: rawID(id)})
			}
		}
	}
	states, err := tab.ChatStates(ctx)
	if err != nil {
		return nil, err
	}
	for _, st := range states {
		if st.ChatID == chat {
			out = append(out, enginetest.Received{Kind: "typing", State: st.State})
		}
	}
	return out, nil
}

// WaitStarred waits until the tab this phone is linked to has the message starred.
func (p fakePhone) WaitStarred(ctx context.Context, chat, id string, starred bool) error {
	tab, err := p.n.tabOf(p.number)
	if err != nil {
		return err
	}
	return wait.PollContext(ctx, func() error {
		for _, sid := range []string{"false_" + chat + "_" + id, "true_" + chat + "_" + id} {
			if m, err := tab.Message(ctx, sid); err == nil && m != nil && m.Star == starred {
				return nil
			}
		}
		return fmt.Errorf("message %s of %s never got starred=%v", id, chat, starred)
	})
}

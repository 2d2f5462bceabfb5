package memnet

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/enginetest"
)

// memnet's engine has none of the Chatting tag's interfaces beyond text, so
// memnet.Supported leaves those operations out and the suite checks their 501
// instead of acting as the contact: these are never reached.
var errNotSimulated = errors.New("memnet: the Chatting tag beyond text is not simulated")

func (p *Phone) SendLocation(context.Context, string, enginetest.Location) (string, error) {
	return "", errNotSimulated
}

func (p *Phone) SendContacts(context.Context, string, []enginetest.Card) (string, error) {
	return "", errNotSimulated
}

func (p *Phone) SendPoll(context.Context, string, string, []string, bool) (string, error) {
	return "", errNotSimulated
}

func (p *Phone) Vote(context.Context, string, string, bool, []string) error { return errNotSimulated }

func (p *Phone) React(context.Context, string, string, bool, string) error { return errNotSimulated }

// SendReply sends text quoting message quoted of the chat with to.
func (p *Phone) SendReply(_ context.Context, to, quoted string, _ bool, text string) (string, error) {
	p.n.mu.Lock()
	peer, ok := p.n.accounts[strings.TrimSuffix(to, "@c.us")]
	if !ok {
		p.n.mu.Unlock()
		return "", fmt.Errorf("memnet: no account %s", to)
	}
	reply := &engines.ReplyTo{ID: quoted}
	for _, m := range peer.messages {
		if m.raw == quoted {
			body := m.Body
			reply.Body = &body
		}
	}
	m, emits := p.n.deliver(p.n.accounts[p.phone], peer, text, reply)
	p.n.mu.Unlock()
	run(emits)
	return m.ID[strings.LastIndex(m.ID, "_")+1:], nil
}

// SendUndecryptable delivers text as WhatsApp does a message the recipient's
// device cannot decrypt at first: message.waiting, then, on the sender's resend,
// the message.
func (p *Phone) SendUndecryptable(_ context.Context, to, text string) (string, error) {
	p.n.mu.Lock()
	peer, ok := p.n.accounts[strings.TrimSuffix(to, "@c.us")]
	if !ok {
		p.n.mu.Unlock()
		return "", fmt.Errorf("memnet: no account %s", to)
	}
	m, emits := p.n.deliver(p.n.accounts[p.phone], peer, text, nil)
	raw := m.ID[strings.LastIndex(m.ID, "_")+1:]
	waiting := m
	waiting.ID, waiting.FromMe, waiting.From, waiting.Body = "false_"+p.phone+"@c.us_"+raw, false, p.phone+"@c.us", ""
	waiting.Source, waiting.Ack, waiting.AckName = "app", engines.AckDevice, engines.AckDevice.Name()
	waiting.To = peer.phone + "@c.us"
	emits = append(p.n.eventsFor(peer, "message.waiting", waiting), emits...)
	p.n.mu.Unlock()
	run(emits)
	return raw, nil
}

// WaitReceived waits for a text from the account from that match accepts;
// memnet carries only texts.
func (p *Phone) WaitReceived(ctx context.Context, from string, match func(enginetest.Received) bool) (enginetest.Received, error) {
	for {
		p.n.mu.Lock()
		for _, m := range p.n.accounts[p.phone].messages {
			if m.FromMe || m.chat != from+"@c.us" {
				continue
			}
			r := enginetest.Received{Kind: "message", ID: m.raw, Text: m.Body, Mentions: m.mentions}
			if m.ReplyTo != nil {
				r.QuotedID = m.ReplyTo.ID
			}
			if c := m.preview; c != nil {
				r.Preview = &enginetest.Preview{Title: c.Title, Description: c.Description, Thumbnail: len(c.Image) > 0}
			}
			if match(r) {
				p.n.mu.Unlock()
				return r, nil
			}
		}
		p.n.mu.Unlock()
		select {
		case <-ctx.Done():
			return enginetest.Received{}, fmt.Errorf("memnet: %s never got what was expected from %s: %w", p.phone, from, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func (p *Phone) WaitStarred(context.Context, string, string, bool) error { return errNotSimulated }

package noweb

import (
	"context"
	"strings"

	"github.com/wagate/wagate/engines/enginetest"
	"github.com/wagate/wagate/engines/noweb/simnet"
)

// The Chatting part of the simnet phone: what it sends through its whatsmeow
// client, and what it received as it decrypted it (simnet.Event).

func (s simnetPhone) SendLocation(ctx context.Context, to string, loc enginetest.Location) (string, error) {
	return s.p.SendLocation(ctx, to, simnet.Location{Latitude: loc.Latitude, Longitude: loc.Longitude, Name: loc.Name, Address: loc.Address})
}

func (s simnetPhone) SendContacts(ctx context.Context, to string, cards []enginetest.Card) (string, error) {
	cs := make([]simnet.Card, len(cards))
	for i, c := range cards {
		cs[i] = simnet.Card{Name: c.Name, VCard: c.VCard}
	}
	return s.p.SendContacts(ctx, to, cs)
}

func (s simnetPhone) SendPoll(ctx context.Context, to, name string, options []string, multiple bool) (string, error) {
	return s.p.SendPoll(ctx, to, name, options, multiple)
}

// senderOf is who sent a message of the chat with to: this phone when own.
func (s simnetPhone) senderOf(own bool) string {
	if own {
		return s.number
	}
	return ""
}

func (s simnetPhone) Vote(ctx context.Context, to, pollID string, own bool, options []string) error {
	_, err := s.p.Vote(ctx, to, s.senderOf(own), pollID, options)
	return err
}

func (s simnetPhone) React(ctx context.Context, to, id string, own bool, emoji string) error {
	_, err := s.p.React(ctx, to, s.senderOf(own), id, emoji)
	return err
}

func (s simnetPhone) SendReply(ctx context.Context, to, quoted string, own bool, text string) (string, error) {
	return s.p.SendReply(ctx, to, s.senderOf(own), quoted, text)
}

func (s simnetPhone) SendUndecryptable(ctx context.Context, to, text string) (string, error) {
	return s.p.SendUndecryptable(ctx, to, text)
}

// received is what an event of the phone was, as the suite describes it.
func received(e simnet.Event) []enginetest.Received {
	switch e.Type {
	case "message":
		r := enginetest.Received{
			Kind: "message", ID: e.ID, Text: e.Text, VCards: e.VCards, Poll: e.Poll, Options: e.Options,
			Forwarded: e.Forwarded, Buttons: e.Buttons, ButtonID: e.ButtonID, QuotedID: e.QuotedID,
		}
		if l := e.Location; l != nil {
			r.Location = &enginetest.Location{Latitude: l.Latitude, Longitude: l.Longitude, Name: l.Name, Address: l.Address}
		}
		if e.Selectable != nil {
			r.Multiple = *e.Selectable != 1
		}
		if p := e.Preview; p != nil {
			r.Preview = &enginetest.Preview{Title: p.Title, Description: p.Description, Thumbnail: p.Thumbnail || p.HighQuality}
		}
		for _, m := range e.Mentions {
			r.Mentions = append(r.Mentions, strings.Split(m, "@")[0])
		}
		return []enginetest.Received{r}
	case "reaction":
		return []enginetest.Received{{Kind: "reaction", ID: e.ID, Reaction: e.Reaction}}
	case "poll_vote":
		return []enginetest.Received{{Kind: "vote", ID: e.ID, Options: e.Options}}
	case "chat_state":
		return []enginetest.Received{{Kind: "typing", State: e.Text}}
	case "receipt":
		if e.ReceiptType != "read" {
			return nil
		}
		out := make([]enginetest.Received, len(e.IDs))
		for i, id := range e.IDs {
			out[i] = enginetest.Received{Kind: "read", ID: id}
		}
		return out
	}
	return nil
}

func (s simnetPhone) WaitReceived(ctx context.Context, from string, match func(enginetest.Received) bool) (enginetest.Received, error) {
	var got enginetest.Received
	_, err := s.p.WaitFor(ctx, func(e simnet.Event) bool {
		if e.FromMe || !strings.HasPrefix(e.Sender, from+"@") && !strings.HasPrefix(e.Chat, from+"@") {
			return false
		}
		for _, r := range received(e) {
			if match(r) {
				got = r
				return true
			}
		}
		return false
	})
	return got, err
}

func (s simnetPhone) WaitStarred(ctx context.Context, chat, id string, starred bool) error {
	user := strings.Split(chat, "@")[0]
	_, err := s.p.WaitFor(ctx, func(e simnet.Event) bool {
		return e.Type == "star" && strings.HasPrefix(e.Chat, user+"@") && e.ID == id && e.Value == starred
	})
	return err
}

package simnet

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"
)

// What a phone sends beyond text and media: locations, contact cards, polls
// and votes, reactions, replies. Everything is a real whatsmeow message or
// stanza, encrypted end to end as WhatsApp's clients do it.

// Location is a place a phone sends.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
	URL       string  `json:"url,omitempty"`
}

// SendLocation sends a location to chat.
func (p *Phone) SendLocation(ctx context.Context, chat string, loc Location) (types.MessageID, error) {
	m := &waE2E.LocationMessage{DegreesLatitude: proto.Float64(loc.Latitude), DegreesLongitude: proto.Float64(loc.Longitude)}
	if loc.Name != "" {
		m.Name = proto.String(loc.Name)
	}
	if loc.Address != "" {
		m.Address = proto.String(loc.Address)
	}
	if loc.URL != "" {
		m.URL = proto.String(loc.URL)
	}
	return p.sendRemembered(ctx, chat, &waE2E.Message{LocationMessage: m})
}

// Card is one contact card a phone sends.
type Card struct {
	Name  string `json:"name"`
	VCard string `json:"vcard"`
}

// SendContacts sends one contact card, or several as one message.
func (p *Phone) SendContacts(ctx context.Context, chat string, cards []Card) (types.MessageID, error) {
	if len(cards) == 0 {
		return "", fmt.Errorf("simnet: no contact cards to send")
	}
	msgs := make([]*waE2E.ContactMessage, len(cards))
	for i, c := range cards {
		msgs[i] = &waE2E.ContactMessage{DisplayName: proto.String(c.Name), Vcard: proto.String(c.VCard)}
	}
	if len(msgs) == 1 {
		return p.sendRemembered(ctx, chat, &waE2E.Message{ContactMessage: msgs[0]})
	}
	return p.sendRemembered(ctx, chat, &waE2E.Message{ContactsArrayMessage: &waE2E.ContactsArrayMessage{
		DisplayName: proto.String(fmt.Sprintf("%d contacts", len(msgs))), Contacts: msgs,
	}})
}

// SendPoll sends a poll; multiple lets voters pick any number of options.
func (p *Phone) SendPoll(ctx context.Context, chat, name string, options []string, multiple bool) (types.MessageID, error) {
	selectable := 1
	if multiple {
		selectable = 0
	}
	msg := p.client.BuildPollCreation(name, options, selectable)
	id, err := p.sendRemembered(ctx, chat, msg)
	if err == nil {
		to, _ := p.chatJID(chat)
		p.rememberPoll(to, id, options)
	}
	return id, err
}

// Vote votes for options of the poll pollID in chat, which sender (a number or
// JID; "" for the chat itself, or the phone for its own poll) sent. The vote is
// encrypted with the poll's secret, so only the poll's chat can read it.
func (p *Phone) Vote(ctx context.Context, chat, sender string, pollID types.MessageID, options []string) (types.MessageID, error) {
	to, err := p.chatJID(chat)
	if err != nil {
		return "", err
	}
	info, err := p.aboutMessage(chat, sender, pollID)
	if err != nil {
		return "", err
	}
	msg, err := p.client.BuildPollVote(ctx, &info, options)
	if err != nil {
		return "", fmt.Errorf("simnet: phone %s vote on %s: %w", p.pn.User, pollID, err)
	}
	resp, err := p.client.SendMessage(ctx, to, msg)
	if err != nil {
		return "", fmt.Errorf("simnet: phone %s send vote: %w", p.pn.User, err)
	}
	return resp.ID, nil
}

// aboutMessage is whatsmeow's description of message id of chat, sent by
// sender ("" for the chat in a DM; the phone's own number for its messages).
func (p *Phone) aboutMessage(chat, sender string, id types.MessageID) (types.MessageInfo, error) {
	to, err := p.chatJID(chat)
	if err != nil {
		return types.MessageInfo{}, err
	}
	from := to
	if sender != "" {
		if from, err = p.chatJID(sender); err != nil {
			return types.MessageInfo{}, err
		}
	}
	mine := from.User == p.pn.User || from.User == p.lid.User
	if mine {
		from = p.pn
	}
	return types.MessageInfo{
		MessageSource: types.MessageSource{Chat: to, Sender: from, IsFromMe: mine, IsGroup: to.Server == types.GroupServer},
		ID:            id,
	}, nil
}

// React reacts to message id of chat, sent by sender (as for Vote), with emoji;
// "" takes the reaction back.
func (p *Phone) React(ctx context.Context, chat, sender string, id types.MessageID, emoji string) (types.MessageID, error) {
	info, err := p.aboutMessage(chat, sender, id)
	if err != nil {
		return "", err
	}
	s := info.Sender
	if info.IsFromMe {
		s = types.EmptyJID
	}
	resp, err := p.client.SendMessage(ctx, info.Chat, p.client.BuildReaction(info.Chat, s, id, emoji))
	if err != nil {
		return "", fmt.Errorf("simnet: phone %s react to %s: %w", p.pn.User, id, err)
	}
	return resp.ID, nil
}

// SendReply sends text quoting message quoted of chat, sent by sender (as for
// Vote), with the quoted text when the phone has it.
func (p *Phone) SendReply(ctx context.Context, chat, sender string, quoted types.MessageID, text string) (types.MessageID, error) {
	info, err := p.aboutMessage(chat, sender, quoted)
	if err != nil {
		return "", err
	}
	ci := &waE2E.ContextInfo{StanzaID: proto.String(quoted), Participant: proto.String(info.Sender.ToNonAD().String())}
	if q := p.remembered(info.Chat, quoted); q != nil {
		ci.QuotedMessage = q
	}
	return p.sendRemembered(ctx, chat, &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String(text), ContextInfo: ci}})
}

// remembered is a message of chat the phone sent or got, nil if it has none.
func (p *Phone) remembered(chat types.JID, id types.MessageID) *waE2E.Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.history[chat.ToNonAD()] {
		if m.GetKey().GetID() == id {
			return m.GetMessage()
		}
	}
	return nil
}

// SendUndecryptable sends text whose first copy the other account's linked
// devices cannot decrypt (as after a lost Signal session): they ask the phone to
// send it again, and get it on that retry.
func (p *Phone) SendUndecryptable(ctx context.Context, chat, text string) (types.MessageID, error) {
	to, err := p.chatJID(chat)
	if err != nil {
		return "", err
	}
	id := p.client.GenerateMessageID()
	p.srv.garbleOnce(id)
	msg := &waE2E.Message{Conversation: proto.String(text)}
	if _, err := p.client.SendMessage(ctx, to, msg, whatsmeow.SendRequestExtra{ID: id}); err != nil {
		return "", fmt.Errorf("simnet: phone %s send to %s: %w", p.pn.User, to, err)
	}
	p.remember(types.MessageInfo{
		MessageSource: types.MessageSource{Chat: to, Sender: p.pn, IsFromMe: true},
		ID:            id, Timestamp: time.Now(), PushName: p.name,
	}, msg)
	return id, nil
}

// rememberPoll keeps a poll's options, to name the options its votes choose.
func (p *Phone) rememberPoll(chat types.JID, id types.MessageID, options []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.polls == nil {
		p.polls = map[string][]string{}
	}
	p.polls[chat.ToNonAD().String()+"/"+id] = options
}

func (p *Phone) pollOptions(chat types.JID, id types.MessageID) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.polls[chat.ToNonAD().String()+"/"+id]
}

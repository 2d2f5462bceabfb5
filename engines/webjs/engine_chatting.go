package webjs

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/linkpreview"
)

// The Chatting tag beyond text and media, on WhatsApp Web.

var (
	_ engines.MessageIDMaker   = (*Engine)(nil)
	_ engines.LocationSender   = (*Engine)(nil)
	_ engines.ContactSender    = (*Engine)(nil)
	_ engines.PollSender       = (*Engine)(nil)
	_ engines.MessageForwarder = (*Engine)(nil)
	_ engines.MessageReactor   = (*Engine)(nil)
	_ engines.MessageStarrer   = (*Engine)(nil)
	_ engines.SeenSender       = (*Engine)(nil)
	_ engines.TypingSender     = (*Engine)(nil)
)

// sent maps a message our API sent.
func sent(m Message) *engines.Message {
	m.Source = "api"
	out := toMessage(m)
	return &out
}

// sendOptions resolves the chat and the quoted message of a send.
func (e *Engine) sendOptions(ctx context.Context, pg browserPage, chat engines.ChatID, reply *engines.MessageID, id string) (SendOptions, error) {
	o := SendOptions{ChatID: chat.String(), ID: id}
	if reply != nil {
		q, err := e.find(ctx, pg, chat, *reply)
		if err != nil {
			return o, err
		}
		o.ReplyTo = q.ID
	}
	return o, nil
}

// SendText sends a text, optionally as a reply, with a link card and mentions;
// the answer is the message as added to the chat, marked as sent through the API.
func (e *Engine) SendText(ctx context.Context, req engines.SendText) (*engines.Message, error) {
	pg, err := e.running()
	if err != nil {
		return nil, err
	}
	o, err := e.sendOptions(ctx, pg, req.Chat, req.ReplyTo, req.ID)
	if err != nil {
		return nil, err
	}
	r := SendTextRequest{ChatID: o.ChatID, Text: req.Text, ReplyTo: o.ReplyTo, ID: req.ID, LinkPreview: req.LinkPreview, MentionAll: req.MentionAll}
	for _, m := range req.Mentions {
		r.Mentions = append(r.Mentions, m.String())
	}
	if p := req.Preview; p != nil {
		r.Preview = &LinkPreview{URL: p.URL, Title: p.Title, Description: p.Description}
		if len(p.Image) > 0 {
			thumb, _, _, err := linkpreview.Thumbnail(p.Image, linkpreview.InlineSide)
			if err != nil {
				return nil, fmt.Errorf("link preview: %w: %w", engines.ErrInvalid, err)
			}
			r.Preview.Thumbnail = base64.StdEncoding.EncodeToString(thumb)
		}
	}
	m, err := pg.SendText(ctx, r)
	if err != nil {
		return nil, e.mapErr("send text", err)
	}
	return sent(m), nil
}

func (e *Engine) NewMessageID(ctx context.Context) (string, error) {
	pg, err := e.running()
	if err != nil {
		return "", err
	}
	id, err := pg.NewMessageID(ctx)
	return id, e.mapErr("new message id", err)
}

func (e *Engine) SendLocation(ctx context.Context, req engines.SendLocation) (*engines.Message, error) {
	pg, err := e.running()
	if err != nil {
		return nil, err
	}
	o, err := e.sendOptions(ctx, pg, req.Chat, req.ReplyTo, req.ID)
	if err != nil {
		return nil, err
	}
	m, err := pg.SendLocation(ctx, LocationRequest{SendOptions: o, Latitude: req.Latitude, Longitude: req.Longitude, Name: req.Title, Address: req.Address, URL: req.URL})
	if err != nil {
		return nil, e.mapErr("send location", err)
	}
	return sent(m), nil
}

func (e *Engine) SendContacts(ctx context.Context, req engines.SendContacts) (*engines.Message, error) {
	pg, err := e.running()
	if err != nil {
		return nil, err
	}
	o, err := e.sendOptions(ctx, pg, req.Chat, req.ReplyTo, req.ID)
	if err != nil {
		return nil, err
	}
	r := ContactsRequest{SendOptions: o}
	for _, c := range req.Contacts {
		r.Contacts = append(r.Contacts, ContactCard{Name: c.DisplayName, VCard: c.VCard})
	}
	m, err := pg.SendContacts(ctx, r)
	if err != nil {
		return nil, e.mapErr("send contacts", err)
	}
	return sent(m), nil
}

func (e *Engine) SendPoll(ctx context.Context, req engines.SendPoll) (*engines.Message, error) {
	pg, err := e.running()
	if err != nil {
		return nil, err
	}
	o, err := e.sendOptions(ctx, pg, req.Chat, req.ReplyTo, req.ID)
	if err != nil {
		return nil, err
	}
	m, err := pg.SendPoll(ctx, PollRequest{SendOptions: o, Name: req.Name, Options: req.Options, Multiple: req.MultipleAnswers})
	if err != nil {
		return nil, e.mapErr("send poll", err)
	}
	return sent(m), nil
}

func (e *Engine) SendPollVote(ctx context.Context, req engines.SendPollVote) error {
	pg, err := e.running()
	if err != nil {
		return err
	}
	poll, err := e.find(ctx, pg, req.Chat, req.Poll)
	if err != nil {
		return err
	}
	return e.mapErr("vote on poll "+poll.ID, pg.VotePoll(ctx, poll.ID, req.Votes))
}

// ForwardMessage forwards with WhatsApp Web's own forward, which makes its own
// ids: a pre-generated one cannot be used.
func (e *Engine) ForwardMessage(ctx context.Context, req engines.Forward) (*engines.Message, error) {
	if req.ID != "" {
		return nil, fmt.Errorf("WhatsApp Web forwards under ids of its own, so a pre-generated id cannot be used: %w", engines.ErrInvalid)
	}
	pg, err := e.running()
	if err != nil {
		return nil, err
	}
	orig, err := e.find(ctx, pg, req.Message.Chat, req.Message)
	if err != nil {
		return nil, err
	}
	m, err := pg.ForwardMessage(ctx, req.Chat.String(), orig.ID)
	if err != nil {
		return nil, e.mapErr("forward "+orig.ID, err)
	}
	return sent(m), nil
}

func (e *Engine) React(ctx context.Context, id engines.MessageID, emoji string) error {
	pg, err := e.running()
	if err != nil {
		return err
	}
	m, err := e.find(ctx, pg, id.Chat, id)
	if err != nil {
		return err
	}
	return e.mapErr("react to "+m.ID, pg.React(ctx, m.ID, emoji))
}

func (e *Engine) StarMessage(ctx context.Context, chat engines.ChatID, id engines.MessageID, star bool) error {
	pg, err := e.running()
	if err != nil {
		return err
	}
	m, err := e.find(ctx, pg, chat, id)
	if err != nil {
		return err
	}
	return e.mapErr("star "+m.ID, pg.StarMessage(ctx, m.ID, star))
}

// SendSeen reads the chat: WhatsApp Web reads a chat up to its newest message,
// which covers any messages listed.
func (e *Engine) SendSeen(ctx context.Context, req engines.SendSeen) ([]string, error) {
	pg, err := e.running()
	if err != nil {
		return nil, err
	}
	listed := []string{}
	for _, id := range req.Messages {
		m, err := e.find(ctx, pg, req.Chat, id)
		if err != nil {
			return nil, err
		}
		if !m.FromMe {
			listed = append(listed, m.ID)
		}
	}
	ids, err := pg.SendSeen(ctx, req.Chat.String())
	if err != nil {
		return nil, e.mapErr("send seen", err)
	}
	if len(req.Messages) > 0 {
		return listed, nil
	}
	return ids, nil
}

func (e *Engine) SetTyping(ctx context.Context, chat engines.ChatID, typing bool) error {
	pg, err := e.running()
	if err != nil {
		return err
	}
	return e.mapErr("chat state", pg.SetTyping(ctx, chat.String(), typing))
}

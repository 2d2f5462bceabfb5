package webjs

import (
	"context"
	"fmt"
)

// The page calls of the Chatting tag beyond text (js/65_chatting.js).

// NewMessageID is a message key id as WhatsApp Web makes them (MsgKey.newId).
func (d *Driver) NewMessageID(ctx context.Context) (string, error) {
	var id string
	err := d.call(ctx, "newMessageId", nil, &id)
	return id, err
}

// SendOptions are what every send takes besides its content.
type SendOptions struct {
	ChatID  string `json:"chatId"`
	ReplyTo string `json:"replyTo,omitempty"` // serialized id of the quoted message
	ID      string `json:"id,omitempty"`      // pre-generated key id
}

func (o *SendOptions) check() error {
	id, err := NormalizeChatID(o.ChatID)
	if err != nil {
		return err
	}
	o.ChatID = id
	if o.ReplyTo != "" {
		if _, err := ParseMessageID(o.ReplyTo); err != nil {
			return err
		}
	}
	return nil
}

// LocationRequest is a location to send.
type LocationRequest struct {
	SendOptions
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
	URL       string  `json:"url,omitempty"`
}

// SendLocation sends a location.
func (d *Driver) SendLocation(ctx context.Context, req LocationRequest) (Message, error) {
	var m Message
	if err := req.check(); err != nil {
		return m, err
	}
	err := d.call(ctx, "sendLocation", req, &m)
	return m, err
}

// ContactCard is one vCard to send; Name empty lets WhatsApp Web read it from
// the card.
type ContactCard struct {
	Name  string `json:"name,omitempty"`
	VCard string `json:"vcard"`
}

// ContactsRequest is one or several contact cards to send.
type ContactsRequest struct {
	SendOptions
	Contacts []ContactCard `json:"contacts"`
}

// SendContacts sends contact cards: one as a vcard message, several as one
// multi_vcard.
func (d *Driver) SendContacts(ctx context.Context, req ContactsRequest) (Message, error) {
	var m Message
	if err := req.check(); err != nil {
		return m, err
	}
	if len(req.Contacts) == 0 {
		return m, fmt.Errorf("%w: no contacts", ErrInvalid)
	}
	err := d.call(ctx, "sendContacts", req, &m)
	return m, err
}

// PollRequest is a poll to send.
type PollRequest struct {
	SendOptions
	Name     string   `json:"name"`
	Options  []string `json:"options"`
	Multiple bool     `json:"multiple"`
}

// SendPoll sends a poll.
func (d *Driver) SendPoll(ctx context.Context, req PollRequest) (Message, error) {
	var m Message
	if err := req.check(); err != nil {
		return m, err
	}
	if len(req.Options) < 2 {
		return m, fmt.Errorf("%w: a poll needs two options", ErrInvalid)
	}
	err := d.call(ctx, "sendPoll", req, &m)
	return m, err
}

// VotePoll votes for the options (by name) of a poll; none takes the vote back.
func (d *Driver) VotePoll(ctx context.Context, pollID string, votes []string) error {
	if votes == nil {
		votes = []string{}
	}
	return d.msgOp(ctx, "votePoll", pollID, map[string]any{"votes": votes}, nil)
}

// ForwardMessage forwards a message to chatID and returns the copy sent.
func (d *Driver) ForwardMessage(ctx context.Context, chatID, msgID string) (Message, error) {
	id, err := NormalizeChatID(chatID)
	if err != nil {
		return Message{}, err
	}
	var m Message
	err = d.msgOp(ctx, "forwardMessage", msgID, map[string]any{"chatId": id}, &m)
	return m, err
}

// React reacts to a message with emoji; "" takes the reaction back.
func (d *Driver) React(ctx context.Context, msgID, emoji string) error {
	return d.msgOp(ctx, "react", msgID, map[string]any{"emoji": emoji}, nil)
}

// StarMessage stars or unstars a message.
func (d *Driver) StarMessage(ctx context.Context, msgID string, star bool) error {
	return d.msgOp(ctx, "star", msgID, map[string]any{"star": star}, nil)
}

// SendSeen reads a chat and returns the ids of the messages it read.
func (d *Driver) SendSeen(ctx context.Context, chatID string) ([]string, error) {
	id, err := NormalizeChatID(chatID)
	if err != nil {
		return nil, err
	}
	ids := []string{}
	err = d.call(ctx, "sendSeen", map[string]any{"chatId": id}, &ids)
	return ids, err
}

// SetTyping shows or hides "typing…" in a chat.
func (d *Driver) SetTyping(ctx context.Context, chatID string, typing bool) error {
	id, err := NormalizeChatID(chatID)
	if err != nil {
		return err
	}
	return d.call(ctx, "typing", map[string]any{"chatId": id, "typing": typing}, nil)
}

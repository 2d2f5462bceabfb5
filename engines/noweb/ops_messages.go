package noweb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/sessions"
)

// client is the connected, paired client, or an error the API can show.
func (e *Engine) client() (*whatsmeow.Client, error) {
	e.mu.Lock()
	cli := e.cli
	e.mu.Unlock()
	if cli == nil || cli.Store.ID == nil {
		return nil, errors.New("the session is not connected")
	}
	return cli, nil
}

// store is the message store, or the 422 saying how to enable it.
func (e *Engine) store(operation string) (chatstore.Store, error) {
	if e.chats == nil {
		return nil, &chatstore.DisabledError{Operation: operation}
	}
	return e.chats, nil
}

func (e *Engine) ListMessages(ctx context.Context, q engines.MessageQuery) ([]engines.Message, error) {
	st, err := e.store("listing messages")
	if err != nil {
		return nil, err
	}
	rows, err := st.ListMessages(ctx, e.name, q)
	if err != nil {
		return nil, err
	}
	out := make([]engines.Message, len(rows))
	for i, r := range rows {
		out[i] = e.withMedia(ctx, r, q.DownloadMedia)
	}
	return out, nil
}

func (e *Engine) GetMessage(ctx context.Context, chat engines.ChatID, id engines.MessageID, downloadMedia bool) (*engines.Message, error) {
	st, err := e.store("getting a message")
	if err != nil {
		return nil, err
	}
	c := ""
	if !chat.IsZero() {
		c = chat.String()
	}
	r, err := st.GetMessage(ctx, e.name, c, id.ID)
	if err != nil {
		return nil, err
	}
	m := e.withMedia(ctx, *r, downloadMedia)
	return &m, nil
}

// sender is who sent a message, as whatsmeow's message keys want it.
func sender(cli *whatsmeow.Client, id engines.MessageID, chat types.JID) types.JID {
	switch {
	case id.FromMe:
		return cli.Store.ID.ToNonAD()
	case !id.Participant.IsZero():
		return toJID(id.Participant)
	}
	return chat
}

// own is a message the account sends from this device, as whatsmeow's events
// describe it.
func own(cli *whatsmeow.Client, to types.JID, id types.MessageID, msg *waE2E.Message, ts time.Time) *events.Message {
	return &events.Message{Info: types.MessageInfo{
		MessageSource: types.MessageSource{Chat: to, Sender: *cli.Store.ID, IsFromMe: true, IsGroup: to.Server == types.GroupServer},
		ID:            id, Timestamp: ts, PushName: cli.Store.PushName,
	}, Message: msg}
}

func (e *Engine) EditMessage(ctx context.Context, chat engines.ChatID, id engines.MessageID, text string) (*engines.Message, error) {
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	if !id.Bare && !id.FromMe {
		return nil, &engines.IDError{Kind: "message id", Value: id.String(), Reason: "only messages the account sent can be edited"}
	}
	to := toJID(chat)
	edit := cli.BuildEdit(to, id.ID, &waE2E.Message{Conversation: proto.String(text)})
	resp, err := cli.SendMessage(ctx, to, edit)
	if err != nil {
		return nil, fmt.Errorf("send edit: %w", err)
	}
	// message.edited, as when the edit comes from another device or a contact.
	ev := e.stored(own(cli, to, resp.ID, edit, resp.Timestamp), canonical(ctx, cli, to), cli.Store.ID.ToNonAD(), me(cli), engines.AckServer, "api").Message
	ev.Body = text
	if err := e.recordEdit(ctx, chat.String(), id.ID, ev); err != nil {
		return nil, err
	}
	if e.chats != nil {
		if m, err := e.chats.GetMessage(ctx, e.name, chat.String(), id.ID); err == nil {
			return &m.Message, nil
		}
	}
	// Not in the store: answer with what we know.
	return &engines.Message{
		ID: messageID(true, to, id.ID, cli.Store.ID.ToNonAD()), Timestamp: time.Now().Unix(), FromMe: true,
		Source: "api", From: me(cli), To: chat.String(), Body: text, Edited: true,
		Ack: engines.AckServer, AckName: engines.AckServer.Name(),
	}, nil
}

func (e *Engine) DeleteMessage(ctx context.Context, chat engines.ChatID, id engines.MessageID) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	to := toJID(chat)
	s := types.EmptyJID // our own message
	if !id.FromMe && !id.Bare {
		s = sender(cli, id, to) // a group admin revoking someone else's
	}
	revoke := cli.BuildRevoke(to, s, id.ID)
	resp, err := cli.SendMessage(ctx, to, revoke)
	if err != nil {
		return fmt.Errorf("send revoke: %w", err)
	}
	// message.revoked, as when the revoke comes from another device or a contact.
	after := e.stored(own(cli, to, resp.ID, revoke, resp.Timestamp), canonical(ctx, cli, to), cli.Store.ID.ToNonAD(), me(cli), engines.AckServer, "api").Message
	return e.recordRevoke(ctx, chat.String(), id.ID, after)
}

func (e *Engine) pin(ctx context.Context, chat engines.ChatID, id engines.MessageID, typ waE2E.PinInChatMessage_Type, d time.Duration) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	to := toJID(chat)
	msg := &waE2E.Message{
		PinInChatMessage: &waE2E.PinInChatMessage{
			Key:  cli.BuildMessageKey(to, sender(cli, id, to), id.ID),
			Type: typ.Enum(), SenderTimestampMS: proto.Int64(time.Now().UnixMilli()),
		},
	}
	if d > 0 {
		msg.MessageContextInfo = &waE2E.MessageContextInfo{MessageAddOnDurationInSecs: proto.Uint32(uint32(d / time.Second))}
	}
	if _, err := cli.SendMessage(ctx, to, msg); err != nil {
		return fmt.Errorf("send pin: %w", err)
	}
	return nil
}

func (e *Engine) PinMessage(ctx context.Context, chat engines.ChatID, id engines.MessageID, d time.Duration) error {
	return e.pin(ctx, chat, id, waE2E.PinInChatMessage_PIN_FOR_ALL, d)
}

func (e *Engine) UnpinMessage(ctx context.Context, chat engines.ChatID, id engines.MessageID) error {
	return e.pin(ctx, chat, id, waE2E.PinInChatMessage_UNPIN_FOR_ALL, 0)
}

// send stores an outgoing message as PENDING with its message.any, then sends it
// and moves its ack on: a receipt from the contact can arrive before SendMessage
// returns (on a fast network, in the same millisecond as the server's ack), and
// finds the message stored, so no ack is lost. A send that fails leaves the
// message at ERROR, with its message.ack.
// id is a pre-generated message id, "" to make one; one already used is refused.
func (e *Engine) send(ctx context.Context, cli *whatsmeow.Client, to types.JID, msg *waE2E.Message, id types.MessageID) (*engines.Message, error) {
	return e.sendWith(ctx, cli, to, id, msg, "", whatsmeow.SendRequestExtra{})
}

// sendStored is send of a message whose id is chosen, with the media file it
// was sent from (kept already under that name, "" for none) recorded with it.
func (e *Engine) sendStored(ctx context.Context, cli *whatsmeow.Client, to types.JID, id types.MessageID, msg *waE2E.Message, mediaFile string) (*engines.Message, error) {
	return e.sendWith(ctx, cli, to, id, msg, mediaFile, whatsmeow.SendRequestExtra{})
}

// sendWith is sendStored with whatsmeow's extra parameters (their ID is id's).
func (e *Engine) sendWith(ctx context.Context, cli *whatsmeow.Client, to types.JID, id types.MessageID, msg *waE2E.Message, mediaFile string, extra whatsmeow.SendRequestExtra) (*engines.Message, error) {
	if to.Server == types.BroadcastServer && to != types.StatusBroadcastJID {
		// Refused before anything is stored: whatsmeow cannot send to a broadcast
		// list, and a message recorded as sent there would be one that never was.
		return nil, fmt.Errorf("chatId %s: %w: WhatsApp's multi-device protocol cannot send to broadcast lists (status@broadcast is the status)", wahaID(to), engines.ErrInvalid)
	}
	if id == "" {
		id = cli.GenerateMessageID()
	}
	m := e.stored(own(cli, to, id, msg, time.Now()), canonical(ctx, cli, to), cli.Store.ID.ToNonAD(), me(cli), engines.AckPending, "api")
	m.MediaFile = mediaFile
	payload := e.sentMedia(m)
	err := e.host.Record(ctx, func(tx chatstore.Store) ([]sessions.Emission, error) {
		if e.chats != nil {
			n, err := tx.SaveMessages(ctx, e.name, []chatstore.Message{m}, true)
			if err != nil {
				return nil, err
			}
			if n == 0 {
				return nil, fmt.Errorf("message id %s is already used: %w", id, engines.ErrNotAllowed)
			}
		}
		return []sessions.Emission{{Event: "message.any", Payload: payload}}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("store message before sending: %w", err)
	}
	extra.ID = id
	_, sendErr := cli.SendMessage(ctx, to, msg, extra)
	ack := engines.AckServer
	if sendErr != nil {
		ack = engines.AckError
	}
	if err := e.recordAck(context.WithoutCancel(ctx), cli, m, ack); err != nil {
		e.log.Error("store the ack of a sent message", "id", id, "ack", ack.Name(), "err", err)
	}
	if sendErr != nil {
		return nil, fmt.Errorf("send message: %w", sendError(to, sendErr))
	}
	out := payload
	out.Ack, out.AckName = ack, ack.Name()
	return &out, nil
}

// sendError maps what whatsmeow's SendMessage answers for a chat it cannot
// send to onto the contract's errors, so a group that does not exist, or one
// the account is not in, is a 404 rather than an internal error.
func sendError(to types.JID, err error) error {
	switch {
	case errors.Is(err, whatsmeow.ErrGroupNotFound):
		return fmt.Errorf("%w: %w: WhatsApp has no group %s", err, engines.ErrNotFound, wahaID(to))
	case errors.Is(err, whatsmeow.ErrNotInGroup):
		return fmt.Errorf("%w: %w: the account is not a member of the group %s", err, engines.ErrNotFound, wahaID(to))
	case errors.Is(err, whatsmeow.ErrBroadcastListUnsupported), errors.Is(err, whatsmeow.ErrUnknownServer), errors.Is(err, whatsmeow.ErrRecipientADJID):
		return fmt.Errorf("%w: %w", err, engines.ErrInvalid)
	}
	return err
}

// recordAck raises the ack of one of the account's messages and records its
// message.ack, when it rose (a receipt may have raised it further already).
func (e *Engine) recordAck(ctx context.Context, cli *whatsmeow.Client, m chatstore.Message, ack engines.Ack) error {
	payload := AckPayload{
		ID: m.Message.ID, From: m.Chat, To: me(cli), FromMe: true, Ack: ack, AckName: ack.Name(),
	}
	return e.host.Record(ctx, func(tx chatstore.Store) ([]sessions.Emission, error) {
		if e.chats != nil {
			changed, err := tx.SetAck(ctx, e.name, m.Chat, []string{m.ID}, ack)
			if err != nil || len(changed) == 0 {
				return nil, err
			}
		}
		return []sessions.Emission{{Event: "message.ack", Payload: payload}}, nil
	})
}

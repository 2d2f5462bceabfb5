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
func (e *Engine) store(operation string) (engines.ChatStore, error) {
	if e.chats == nil {
		return nil, &engines.StoreDisabledError{Operation: operation}
	}
	return e.chats, nil
}

func (e *Engine) ListMessages(ctx context.Context, q engines.MessageQuery) ([]engines.Message, error) {
	st, err := e.store("listing messages")
	if err != nil {
		return nil, err
	}
	sq := engines.StoredMessageQuery{
		Limit: q.Limit, Offset: q.Offset, TimestampGTE: q.TimestampGTE, TimestampLTE: q.TimestampLTE,
		FromMe: q.FromMe, Ack: q.Ack, Order: q.Order,
	}
	if !q.Chat.IsZero() {
		sq.Chat = q.Chat.String()
	}
	rows, err := st.ListMessages(ctx, e.name, sq)
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

func (e *Engine) EditMessage(ctx context.Context, chat engines.ChatID, id engines.MessageID, text string) (*engines.Message, error) {
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	if !id.Bare && !id.FromMe {
		return nil, &engines.IDError{Kind: "message id", Value: id.String(), Reason: "only messages the account sent can be edited"}
	}
	to := toJID(chat)
	if _, err := cli.SendMessage(ctx, to, cli.BuildEdit(to, id.ID, &waE2E.Message{Conversation: proto.String(text)})); err != nil {
		return nil, fmt.Errorf("send edit: %w", err)
	}
	if e.chats != nil {
		m, err := e.chats.EditMessage(ctx, e.name, chat.String(), id.ID, text)
		if err == nil {
			return &m.Message, nil
		}
		if !errors.Is(err, engines.ErrNotFound) {
			return nil, err
		}
	}
	// Not in the store: answer with what we know.
	return &engines.Message{
		ID: messageID(true, to, id.ID, cli.Store.ID.ToNonAD()), Timestamp: time.Now().Unix(), FromMe: true,
		Source: "api", From: me(cli), To: strPtr(chat.String()), Body: &text, Edited: true,
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
	if _, err := cli.SendMessage(ctx, to, cli.BuildRevoke(to, s, id.ID)); err != nil {
		return fmt.Errorf("send revoke: %w", err)
	}
	if e.chats != nil {
		return e.chats.DeleteMessage(ctx, e.name, chat.String(), id.ID)
	}
	return nil
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

func (e *Engine) SendText(ctx context.Context, req engines.SendText) (*engines.Message, error) {
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	to := toJID(req.Chat)
	msg := &waE2E.Message{Conversation: proto.String(req.Text)}
	if r := req.ReplyTo; r != nil {
		ci := &waE2E.ContextInfo{StanzaID: proto.String(r.ID)}
		if s := sender(cli, *r, to); !r.Bare {
			ci.Participant = proto.String(s.String())
		}
		if e.chats != nil {
			if q, err := e.chats.GetMessage(ctx, e.name, req.Chat.String(), r.ID); err == nil && q.Message.Body != nil {
				ci.QuotedMessage = &waE2E.Message{Conversation: q.Message.Body}
			}
		}
		msg = &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String(req.Text), ContextInfo: ci}}
	}
	resp, err := cli.SendMessage(ctx, to, msg)
	if err != nil {
		return nil, fmt.Errorf("send message: %w", err)
	}
	own := *cli.Store.ID
	info := types.MessageInfo{
		MessageSource: types.MessageSource{Chat: to, Sender: own, IsFromMe: true, IsGroup: to.Server == types.GroupServer},
		ID:            resp.ID, Timestamp: resp.Timestamp, PushName: cli.Store.PushName,
	}
	chat := canonical(ctx, cli, to)
	m := e.stored(&events.Message{Info: info, Message: msg}, chat, own.ToNonAD(), me(cli), engines.AckServer, "api")
	// The message and its event in one transaction (none when the message is stored
	// already: its event went with it).
	if err := engines.EmitStored(ctx, e.chats, e.host, e.name, []engines.StoredMessage{m}, true,
		engines.Emission{Event: "message.any", Payload: m.Message}); err != nil {
		// Sent all the same: the caller gets the message, the log the failure, and
		// the event goes out without it.
		e.log.Error("store sent message", "id", resp.ID, "err", err)
		e.host.Emit(ctx, "message.any", m.Message)
	}
	return &m.Message, nil
}

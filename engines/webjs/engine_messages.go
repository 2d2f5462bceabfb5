package webjs

import (
	"context"
	"errors"
	"time"

	"github.com/wagate/wagate/engines"
)

// ListMessages lists a chat's messages (every loaded message with a zero
// Chat), newest first unless asc, downloading media when asked.
func (e *Engine) ListMessages(ctx context.Context, q engines.MessageQuery) ([]engines.Message, error) {
	pg, err := e.running()
	if err != nil {
		return nil, err
	}
	var ms []Message
	if q.Chat.IsZero() {
		ms, err = pg.ListAllMessages(ctx, messageQuery(q))
	} else {
		ms, err = pg.ListMessages(ctx, q.Chat.String(), messageQuery(q))
	}
	if err != nil {
		return nil, e.mapErr("list messages", err)
	}
	out := make([]engines.Message, len(ms))
	for i, m := range ms {
		out[i] = toMessage(m)
		if q.DownloadMedia && m.HasMedia {
			e.attachMedia(ctx, pg, &out[i], m)
		}
	}
	return out, nil
}

// GetMessage finds one message of chat.
func (e *Engine) GetMessage(ctx context.Context, chat engines.ChatID, id engines.MessageID, downloadMedia bool) (*engines.Message, error) {
	pg, err := e.running()
	if err != nil {
		return nil, err
	}
	m, err := e.find(ctx, pg, chat, id)
	if err != nil {
		return nil, err
	}
	out := toMessage(m)
	if downloadMedia && m.HasMedia {
		e.attachMedia(ctx, pg, &out, m)
	}
	return &out, nil
}

// find looks a message up by its serialized id, trying both directions
// for a bare id.
func (e *Engine) find(ctx context.Context, pg browserPage, chat engines.ChatID, id engines.MessageID) (Message, error) {
	ids, err := messageIDFor(chat, id)
	if err != nil {
		return Message{}, err
	}
	for i, sid := range ids {
		m, err := pg.GetMessage(ctx, sid)
		if err == nil {
			return m, nil
		}
		if !errors.Is(err, ErrNotFound) || i == len(ids)-1 {
			return Message{}, e.mapErr("get message "+sid, err)
		}
	}
	return Message{}, engines.ErrNotFound // unreachable: ids is never empty
}

// EditMessage edits the text of one of our messages.
func (e *Engine) EditMessage(ctx context.Context, chat engines.ChatID, id engines.MessageID, text string) (*engines.Message, error) {
	pg, err := e.running()
	if err != nil {
		return nil, err
	}
	m, err := e.find(ctx, pg, chat, id)
	if err != nil {
		return nil, err
	}
	edited, err := pg.EditMessage(ctx, m.ID, text)
	if err != nil {
		return nil, e.mapErr("edit message "+m.ID, err)
	}
	out := toMessage(edited)
	return &out, nil
}

// DeleteMessage deletes a message for everyone.
func (e *Engine) DeleteMessage(ctx context.Context, chat engines.ChatID, id engines.MessageID) error {
	pg, err := e.running()
	if err != nil {
		return err
	}
	m, err := e.find(ctx, pg, chat, id)
	if err != nil {
		return err
	}
	_, err = pg.RevokeMessage(ctx, m.ID)
	return e.mapErr("delete message "+m.ID, err)
}

// PinMessage pins a message in its chat for duration.
func (e *Engine) PinMessage(ctx context.Context, chat engines.ChatID, id engines.MessageID, duration time.Duration) error {
	pg, err := e.running()
	if err != nil {
		return err
	}
	m, err := e.find(ctx, pg, chat, id)
	if err != nil {
		return err
	}
	return e.mapErr("pin message "+m.ID, pg.PinMessage(ctx, m.ID, duration))
}

// UnpinMessage unpins a message.
func (e *Engine) UnpinMessage(ctx context.Context, chat engines.ChatID, id engines.MessageID) error {
	pg, err := e.running()
	if err != nil {
		return err
	}
	m, err := e.find(ctx, pg, chat, id)
	if err != nil {
		return err
	}
	return e.mapErr("unpin message "+m.ID, pg.UnpinMessage(ctx, m.ID))
}

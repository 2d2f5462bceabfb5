package webjs

import (
	"context"

	"github.com/wagate/wagate/engines"
)

// ListChats lists chats as the page has them (GET /chats).
func (e *Engine) ListChats(ctx context.Context, q engines.ChatQuery) ([]engines.Chat, error) {
	pg, err := e.running()
	if err != nil {
		return nil, err
	}
	cs, err := pg.ListChats(ctx, chatQuery(q))
	if err != nil {
		return nil, e.mapErr("list chats", err)
	}
	return toChats(cs), nil
}

// ChatsOverview lists chats with their last message, newest first.
func (e *Engine) ChatsOverview(ctx context.Context, q engines.OverviewQuery) ([]engines.ChatSummary, error) {
	pg, err := e.running()
	if err != nil {
		return nil, err
	}
	ss, err := pg.ChatsOverview(ctx, overviewQuery(q))
	if err != nil {
		return nil, e.mapErr("chats overview", err)
	}
	out := make([]engines.ChatSummary, len(ss))
	for i, s := range ss {
		out[i] = toSummary(s)
	}
	return out, nil
}

// ChatPicture asks WhatsApp for the chat's picture every time: the page
// caches nothing we could serve stale, so refresh changes nothing.
func (e *Engine) ChatPicture(ctx context.Context, chat engines.ChatID, _ bool) (*string, error) {
	pg, err := e.running()
	if err != nil {
		return nil, err
	}
	url, err := pg.ChatPicture(ctx, chat.String())
	if err != nil {
		return nil, e.mapErr("chat picture", err)
	}
	if url == "" {
		return nil, nil
	}
	return &url, nil
}

// ArchiveChat archives or unarchives a chat.
func (e *Engine) ArchiveChat(ctx context.Context, chat engines.ChatID, archive bool) error {
	pg, err := e.running()
	if err != nil {
		return err
	}
	if archive {
		_, err = pg.ArchiveChat(ctx, chat.String())
		return e.mapErr("archive chat", err)
	}
	_, err = pg.UnarchiveChat(ctx, chat.String())
	return e.mapErr("unarchive chat", err)
}

// MarkChatUnread marks a chat unread.
func (e *Engine) MarkChatUnread(ctx context.Context, chat engines.ChatID) error {
	pg, err := e.running()
	if err != nil {
		return err
	}
	_, err = pg.MarkChatUnread(ctx, chat.String())
	return e.mapErr("mark chat unread", err)
}

// DeleteChat deletes a chat.
func (e *Engine) DeleteChat(ctx context.Context, chat engines.ChatID) error {
	pg, err := e.running()
	if err != nil {
		return err
	}
	return e.mapErr("delete chat", pg.DeleteChat(ctx, chat.String()))
}

// ClearMessages deletes a chat's messages, keeping the chat.
func (e *Engine) ClearMessages(ctx context.Context, chat engines.ChatID) error {
	pg, err := e.running()
	if err != nil {
		return err
	}
	return e.mapErr("clear chat", pg.ClearMessages(ctx, chat.String()))
}

// ReadMessages sends read receipts and returns the ids it covered.
func (e *Engine) ReadMessages(ctx context.Context, chat engines.ChatID, q engines.ReadQuery) ([]string, error) {
	pg, err := e.running()
	if err != nil {
		return nil, err
	}
	ids, err := pg.ReadMessages(ctx, chat.String(), ReadOptions{Messages: q.Messages, Days: q.Days})
	if err != nil {
		return nil, e.mapErr("read messages", err)
	}
	return ids, nil
}

package webjs

import (
	"context"
	"fmt"
)

// ListChats lists chats (WAHA GET /chats).
func (d *Driver) ListChats(ctx context.Context, opts ListChatsOptions) ([]Chat, error) {
	switch opts.SortBy {
	case SortByDefault, SortByTimestamp, SortByID, SortByName:
	case "messageTimestamp": // WAHA's docs still use the old name
		opts.SortBy = SortByTimestamp
	default:
		return nil, fmt.Errorf("%w: sortBy %q", ErrInvalid, opts.SortBy)
	}
	if opts.SortOrder != "" && opts.SortOrder != "asc" && opts.SortOrder != "desc" {
		return nil, fmt.Errorf("%w: sortOrder %q", ErrInvalid, opts.SortOrder)
	}
	if opts.Limit < 0 || opts.Offset < 0 {
		return nil, fmt.Errorf("%w: negative limit or offset", ErrInvalid)
	}
	var chats []Chat
	err := d.call(ctx, "listChats", opts, &chats)
	return chats, err
}

// ChatsOverview returns chat summaries, newest activity first (WAHA
// GET/POST /chats/overview).
func (d *Driver) ChatsOverview(ctx context.Context, opts OverviewOptions) ([]ChatSummary, error) {
	for i, id := range opts.IDs {
		n, err := NormalizeChatID(id)
		if err != nil {
			return nil, err
		}
		opts.IDs[i] = n
	}
	if opts.Limit < 0 || opts.Offset < 0 {
		return nil, fmt.Errorf("%w: negative limit or offset", ErrInvalid)
	}
	var out []ChatSummary
	err := d.call(ctx, "overview", opts, &out)
	return out, err
}

// chatOp runs an operation that takes only a chat id.
func (d *Driver) chatOp(ctx context.Context, op, chatID string, out any) error {
	id, err := NormalizeChatID(chatID)
	if err != nil {
		return err
	}
	return d.call(ctx, op, map[string]string{"chatId": id}, out)
}

// ChatPicture returns the chat's profile picture URL, or "" when there is
// none or it is hidden by privacy settings.
func (d *Driver) ChatPicture(ctx context.Context, chatID string) (string, error) {
	var url *string
	if err := d.chatOp(ctx, "picture", chatID, &url); err != nil {
		return "", err
	}
	if url == nil {
		return "", nil
	}
	return *url, nil
}

// ArchiveChat archives a chat and returns it.
func (d *Driver) ArchiveChat(ctx context.Context, chatID string) (Chat, error) {
	var c Chat
	err := d.chatOp(ctx, "archive", chatID, &c)
	return c, err
}

// UnarchiveChat unarchives a chat and returns it.
func (d *Driver) UnarchiveChat(ctx context.Context, chatID string) (Chat, error) {
	var c Chat
	err := d.chatOp(ctx, "unarchive", chatID, &c)
	return c, err
}

// MarkChatUnread marks a chat unread and returns it.
func (d *Driver) MarkChatUnread(ctx context.Context, chatID string) (Chat, error) {
	var c Chat
	err := d.chatOp(ctx, "markUnread", chatID, &c)
	return c, err
}

// DeleteChat deletes a chat.
func (d *Driver) DeleteChat(ctx context.Context, chatID string) error {
	return d.chatOp(ctx, "deleteChat", chatID, nil)
}

// ClearMessages deletes all messages of a chat, keeping the chat.
func (d *Driver) ClearMessages(ctx context.Context, chatID string) error {
	return d.chatOp(ctx, "clearMessages", chatID, nil)
}

// ReadMessages sends read receipts for a chat and returns the ids of the
// unread incoming messages it covered.
func (d *Driver) ReadMessages(ctx context.Context, chatID string, opts ReadOptions) ([]string, error) {
	id, err := NormalizeChatID(chatID)
	if err != nil {
		return nil, err
	}
	ids := []string{}
	err = d.call(ctx, "readMessages", map[string]any{"chatId": id, "messages": opts.Messages, "days": opts.Days}, &ids)
	return ids, err
}

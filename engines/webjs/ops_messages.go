package webjs

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"
)

// ListMessages lists a chat's messages, newest first unless SortOrder is
// asc, loading older pages from WhatsApp as needed.
func (d *Driver) ListMessages(ctx context.Context, chatID string, opts ListMessagesOptions) ([]Message, error) {
	id, err := NormalizeChatID(chatID)
	if err != nil {
		return nil, err
	}
	if opts.Limit < 0 || opts.Offset < 0 {
		return nil, fmt.Errorf("%w: negative limit or offset", ErrInvalid)
	}
	if opts.Limit == 0 {
		opts.Limit = 10
	}
	if opts.SortOrder != "" && opts.SortOrder != "asc" && opts.SortOrder != "desc" {
		return nil, fmt.Errorf("%w: sortOrder %q", ErrInvalid, opts.SortOrder)
	}
	args := struct {
		ChatID string `json:"chatId"`
		ListMessagesOptions
	}{id, opts}
	msgs := []Message{}
	err = d.call(ctx, "listMessages", args, &msgs)
	return msgs, err
}

// ListAllMessages lists the messages WhatsApp Web has loaded, across all
// chats (WAHA's chatId=all), newest first unless SortOrder is asc. Unlike
// ListMessages it does not page older history in from the phone.
func (d *Driver) ListAllMessages(ctx context.Context, opts ListMessagesOptions) ([]Message, error) {
	if opts.Limit < 0 || opts.Offset < 0 {
		return nil, fmt.Errorf("%w: negative limit or offset", ErrInvalid)
	}
	if opts.Limit == 0 {
		opts.Limit = 10
	}
	if opts.SortOrder != "" && opts.SortOrder != "asc" && opts.SortOrder != "desc" {
		return nil, fmt.Errorf("%w: sortOrder %q", ErrInvalid, opts.SortOrder)
	}
	args := struct {
		ChatID string `json:"chatId"`
		ListMessagesOptions
	}{"all", opts}
	msgs := []Message{}
	err := d.call(ctx, "listMessages", args, &msgs)
	return msgs, err
}

// msgOp validates a message id and runs op with it plus extra arguments.
func (d *Driver) msgOp(ctx context.Context, op, msgID string, extra map[string]any, out any) error {
	if _, err := ParseMessageID(msgID); err != nil {
		return err
	}
	args := map[string]any{"id": msgID}
	for k, v := range extra {
		args[k] = v
	}
	return d.call(ctx, op, args, out)
}

// GetMessage returns one message by its serialized id.
func (d *Driver) GetMessage(ctx context.Context, msgID string) (Message, error) {
	var m Message
	err := d.msgOp(ctx, "getMessage", msgID, nil, &m)
	return m, err
}

// EditMessage edits the text (or caption) of one of our messages.
func (d *Driver) EditMessage(ctx context.Context, msgID, text string) (Message, error) {
	if text == "" {
		return Message{}, fmt.Errorf("%w: empty text", ErrInvalid)
	}
	var m Message
	err := d.msgOp(ctx, "editMessage", msgID, map[string]any{"text": text}, &m)
	return m, err
}

// RevokeMessage deletes a message for everyone and returns it (now of type
// revoked). ErrNotAllowed if WhatsApp does not allow it.
func (d *Driver) RevokeMessage(ctx context.Context, msgID string) (Message, error) {
	var m Message
	err := d.msgOp(ctx, "revokeMessage", msgID, nil, &m)
	return m, err
}

// PinMessage pins a message for duration (WhatsApp offers 24h, 7d, 30d).
func (d *Driver) PinMessage(ctx context.Context, msgID string, duration time.Duration) error {
	secs := int64(duration / time.Second)
	if secs <= 0 {
		return fmt.Errorf("%w: pin duration %s", ErrInvalid, duration)
	}
	return d.msgOp(ctx, "pinMessage", msgID, map[string]any{"duration": secs}, nil)
}

// UnpinMessage unpins a message.
func (d *Driver) UnpinMessage(ctx context.Context, msgID string) error {
	return d.msgOp(ctx, "unpinMessage", msgID, nil, nil)
}

// SendText sends a text message, optionally as a reply, and returns it as
// added to the chat (ack PENDING or SERVER).
func (d *Driver) SendText(ctx context.Context, req SendTextRequest) (Message, error) {
	id, err := NormalizeChatID(req.ChatID)
	if err != nil {
		return Message{}, err
	}
	req.ChatID = id
	if req.Text == "" {
		return Message{}, fmt.Errorf("%w: empty text", ErrInvalid)
	}
	if req.ReplyTo != "" {
		if _, err := ParseMessageID(req.ReplyTo); err != nil {
			return Message{}, err
		}
	}
	for i, m := range req.Mentions {
		n, err := NormalizeChatID(m)
		if err != nil {
			return Message{}, err
		}
		req.Mentions[i] = n
	}
	var m Message
	err = d.call(ctx, "sendText", req, &m)
	return m, err
}

// DownloadMedia downloads and decrypts a message's media through the page.
func (d *Driver) DownloadMedia(ctx context.Context, msgID string) (Media, error) {
	var r struct {
		Data     string `json:"data"`
		Mimetype string `json:"mimetype"`
		Filename string `json:"filename"`
		Size     int64  `json:"size"`
	}
	if err := d.msgOp(ctx, "downloadMedia", msgID, nil, &r); err != nil {
		return Media{}, err
	}
	data, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		return Media{}, fmt.Errorf("webjs: downloadMedia: decoding base64: %w", err)
	}
	return Media{Data: data, Mimetype: r.Mimetype, Filename: r.Filename, Size: r.Size}, nil
}

package noweb

import (
	"context"
	"time"

	"github.com/wagate/wagate/engines"
)

// The Chats API needs the message store, which NOWEB does not have yet; the
// capability matrix marks these operations unsupported, and so do they.

func (e *Engine) ListChats(context.Context, engines.ChatQuery) ([]engines.Chat, error) {
	return nil, engines.ErrNotSupported
}

func (e *Engine) ChatsOverview(context.Context, engines.OverviewQuery) ([]engines.ChatSummary, error) {
	return nil, engines.ErrNotSupported
}

func (e *Engine) ChatPicture(context.Context, engines.ChatID, bool) (*string, error) {
	return nil, engines.ErrNotSupported
}

func (e *Engine) ArchiveChat(context.Context, engines.ChatID, bool) error {
	return engines.ErrNotSupported
}

func (e *Engine) MarkChatUnread(context.Context, engines.ChatID) error {
	return engines.ErrNotSupported
}

func (e *Engine) DeleteChat(context.Context, engines.ChatID) error {
	return engines.ErrNotSupported
}

func (e *Engine) ClearMessages(context.Context, engines.ChatID) error {
	return engines.ErrNotSupported
}

func (e *Engine) ReadMessages(context.Context, engines.ChatID, engines.ReadQuery) ([]string, error) {
	return nil, engines.ErrNotSupported
}

func (e *Engine) ListMessages(context.Context, engines.MessageQuery) ([]engines.Message, error) {
	return nil, engines.ErrNotSupported
}

func (e *Engine) GetMessage(context.Context, engines.ChatID, engines.MessageID, bool) (*engines.Message, error) {
	return nil, engines.ErrNotSupported
}

func (e *Engine) EditMessage(context.Context, engines.ChatID, engines.MessageID, string) (*engines.Message, error) {
	return nil, engines.ErrNotSupported
}

func (e *Engine) DeleteMessage(context.Context, engines.ChatID, engines.MessageID) error {
	return engines.ErrNotSupported
}

func (e *Engine) PinMessage(context.Context, engines.ChatID, engines.MessageID, time.Duration) error {
	return engines.ErrNotSupported
}

func (e *Engine) UnpinMessage(context.Context, engines.ChatID, engines.MessageID) error {
	return engines.ErrNotSupported
}

func (e *Engine) SendText(context.Context, engines.SendText) (*engines.Message, error) {
	return nil, engines.ErrNotSupported
}

package simnet

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"
)

// chatJID resolves what a caller names a chat by: a phone number, a JID
// string (PN or LID), "c.us" accepted for the PN server.
func (p *Phone) chatJID(chat string) (types.JID, error) {
	if j, err := types.ParseJID(chat); err == nil && j.User != "" {
		switch j.Server {
		case types.LegacyUserServer:
			j.Server = types.DefaultUserServer
			return j.ToNonAD(), nil
		case types.DefaultUserServer, types.HiddenUserServer, types.GroupServer:
			return j.ToNonAD(), nil
		}
	}
	user := normalizePhone(chat)
	if user == "" {
		return types.JID{}, fmt.Errorf("simnet: bad chat %q", chat)
	}
	return types.NewJID(user, types.DefaultUserServer), nil
}

func (p *Phone) send(ctx context.Context, chat string, msg *waE2E.Message) (types.MessageID, error) {
	to, err := p.chatJID(chat)
	if err != nil {
		return "", err
	}
	resp, err := p.client.SendMessage(ctx, to, msg)
	if err != nil {
		return "", fmt.Errorf("simnet: phone %s send to %s: %w", p.pn.User, to, err)
	}
	return resp.ID, nil
}

// SendText sends a text message to chat (phone number or JID) and returns
// its id once the server acked it.
func (p *Phone) SendText(ctx context.Context, chat, text string) (types.MessageID, error) {
	return p.sendRemembered(ctx, chat, &waE2E.Message{Conversation: proto.String(text)})
}

// sendRemembered sends msg and keeps it for the history sync of companions that
// pair later, as a phone's own chat history would have it.
func (p *Phone) sendRemembered(ctx context.Context, chat string, msg *waE2E.Message) (types.MessageID, error) {
	id, err := p.send(ctx, chat, msg)
	if err == nil {
		to, _ := p.chatJID(chat)
		p.remember(types.MessageInfo{
			MessageSource: types.MessageSource{Chat: to, Sender: p.pn, IsFromMe: true},
			ID:            id, Timestamp: time.Now(), PushName: p.client.Store.PushName,
		}, msg)
	}
	return id, err
}

// Edit replaces the text of a message this phone sent, as the protocol
// message WhatsApp uses (edit="1").
func (p *Phone) Edit(ctx context.Context, chat string, id types.MessageID, text string) error {
	to, err := p.chatJID(chat)
	if err != nil {
		return err
	}
	_, err = p.send(ctx, chat, p.client.BuildEdit(to, id, &waE2E.Message{Conversation: proto.String(text)}))
	return err
}

// Revoke deletes a message this phone sent, for everyone (edit="7").
func (p *Phone) Revoke(ctx context.Context, chat string, id types.MessageID) error {
	to, err := p.chatJID(chat)
	if err != nil {
		return err
	}
	_, err = p.send(ctx, chat, p.client.BuildRevoke(to, types.EmptyJID, id))
	return err
}

// MarkRead sends read receipts for messages sender sent in chat.
func (p *Phone) MarkRead(ctx context.Context, chat, sender string, ids ...types.MessageID) error {
	c, err := p.chatJID(chat)
	if err != nil {
		return err
	}
	s := c
	if sender != "" {
		if s, err = p.chatJID(sender); err != nil {
			return err
		}
	}
	if err := p.client.MarkRead(ctx, ids, time.Now(), c, s); err != nil {
		return fmt.Errorf("simnet: phone %s mark read: %w", p.pn.User, err)
	}
	return nil
}

func (p *Phone) appState(ctx context.Context, what string, patch appstate.PatchInfo) error {
	// Catch up first: a companion's patch the phone has not fetched yet makes
	// the server answer 409, and the phone then trips over its own stale hash.
	if err := p.client.FetchAppState(ctx, patch.Type, false, false); err != nil {
		p.log.Warn("simnet: phone app state catch-up", "collection", patch.Type, "err", err)
	}
	err := p.client.SendAppState(ctx, patch)
	if err != nil {
		// Still behind (a patch landed in between): resync from scratch, once.
		if ferr := p.client.FetchAppState(ctx, patch.Type, true, false); ferr == nil {
			err = p.client.SendAppState(ctx, patch)
		}
	}
	if err != nil {
		return fmt.Errorf("simnet: phone %s %s: %w", p.pn.User, what, err)
	}
	return nil
}

// Archive archives (or unarchives) a chat on the phone; companions see it.
func (p *Phone) Archive(ctx context.Context, chat string, archived bool) error {
	c, err := p.chatJID(chat)
	if err != nil {
		return err
	}
	return p.appState(ctx, "archive", appstate.BuildArchive(c, archived, time.Time{}, nil))
}

// Pin pins (or unpins) a chat.
func (p *Phone) Pin(ctx context.Context, chat string, pinned bool) error {
	c, err := p.chatJID(chat)
	if err != nil {
		return err
	}
	return p.appState(ctx, "pin", appstate.BuildPin(c, pinned))
}

// MarkUnread marks a chat unread (or read again).
func (p *Phone) MarkUnread(ctx context.Context, chat string, unread bool) error {
	c, err := p.chatJID(chat)
	if err != nil {
		return err
	}
	return p.appState(ctx, "mark unread", appstate.BuildMarkChatAsRead(c, !unread, time.Time{}, nil))
}

// DeleteChat deletes a chat (collection "regular" at the pinned whatsmeow).
func (p *Phone) DeleteChat(ctx context.Context, chat string) error {
	c, err := p.chatJID(chat)
	if err != nil {
		return err
	}
	return p.appState(ctx, "delete chat", appstate.BuildDeleteChat(c, time.Time{}, nil))
}

// ClearChat clears a chat's messages (starred ones too, media kept).
// whatsmeow has no builder for it; the index is
// ["clearChat", jid, deleteStarred, deleteMedia].
func (p *Phone) ClearChat(ctx context.Context, chat string) error {
	c, err := p.chatJID(chat)
	if err != nil {
		return err
	}
	return p.appState(ctx, "clear chat", appstate.PatchInfo{
		Type: appstate.WAPatchRegularHigh,
		Mutations: []appstate.MutationInfo{{
			Index:   []string{appstate.IndexClearChat, c.String(), "1", "0"},
			Version: 6,
			Value: &waSyncAction.SyncActionValue{ClearChatAction: &waSyncAction.ClearChatAction{
				MessageRange: &waSyncAction.SyncActionMessageRange{LastMessageTimestamp: proto.Int64(time.Now().Unix())},
			}},
		}},
	})
}

// sendToSelf sends a protocol message to the account's own devices.
func (p *Phone) sendToSelf(ctx context.Context, msg *waE2E.Message) error {
	_, err := p.client.SendMessage(ctx, p.pn, msg, whatsmeow.SendRequestExtra{})
	return err
}

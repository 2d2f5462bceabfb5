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

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/sessions"
)

// ingestTimeout bounds the store writes of one whatsmeow event. whatsmeow acks the
// event to WhatsApp only after the handler returns (SynchronousAck), so a failed
// write means WhatsApp delivers it again.
const ingestTimeout = 30 * time.Second

// ingest stores what a whatsmeow event changes and emits the WAHA events for it.
// An error makes whatsmeow withhold its ack.
func (e *Engine) ingest(cli *whatsmeow.Client, evt any) error {
	ctx, cancel := context.WithTimeout(context.Background(), ingestTimeout)
	defer cancel()
	switch v := evt.(type) {
	case *events.Message:
		return e.onMessage(ctx, cli, v)
	case *events.Receipt:
		return e.onReceipt(ctx, cli, v)
	case *events.UndecryptableMessage:
		return e.onWaiting(ctx, cli, v)
	case *events.PushName:
		if e.chats == nil || v.JID.Server != types.DefaultUserServer && v.JID.Server != types.HiddenUserServer {
			return nil
		}
		return e.chats.UpdateChat(ctx, e.name, wahaID(canonical(ctx, cli, v.JID)),
			chatstore.ChatChange{Name: &v.NewPushName, NameIfEmpty: true})
	case *events.GroupInfo:
		return e.onGroupInfo(ctx, cli, v)
	case *events.JoinedGroup:
		return e.onJoinedGroup(ctx, cli, v)
	case *events.Picture:
		if v.JID.Server == types.GroupServer {
			return e.onGroupPicture(ctx, cli, v)
		}
	case *events.HistorySync:
		return e.onHistorySync(ctx, cli, v)
	case *events.Archive, *events.Pin, *events.Mute, *events.MarkChatAsRead, *events.DeleteChat, *events.ClearChat:
		return e.onAppState(ctx, cli, v)
	case *events.Presence, *events.ChatPresence:
		return e.onPresence(ctx, cli, v)
	case *events.CallOffer, *events.CallAccept, *events.CallReject:
		return e.onCall(ctx, cli, v)
	case *events.Blocklist:
		e.onBlocklist(ctx, cli, v)
	}
	return nil
}

// me is our own id as WAHA writes it.
func me(cli *whatsmeow.Client) string {
	if id := cli.Store.ID; id != nil {
		return wahaID(*id)
	}
	return ""
}

// place is where a message belongs: its canonical chat and group sender. It also
// folds a chat kept under the person's LID into their phone-number chat.
func (e *Engine) place(ctx context.Context, cli *whatsmeow.Client, info types.MessageInfo) (chat, participant types.JID, err error) {
	chat = canonical(ctx, cli, info.Chat)
	if info.IsGroup {
		return chat, canonical(ctx, cli, info.Sender), nil
	}
	// The other party's alternate address: a LID-addressed message carries the
	// phone number and the other way round.
	other := info.SenderAlt.ToNonAD()
	if info.IsFromMe {
		other = info.RecipientAlt.ToNonAD()
	}
	if chat.Server == types.HiddenUserServer && other.Server == types.DefaultUserServer {
		chat = other
	}
	if e.chats != nil && chat.Server == types.DefaultUserServer {
		for _, alt := range []types.JID{info.Chat.ToNonAD(), other} {
			if alt.Server != types.HiddenUserServer {
				continue
			}
			if err := e.chats.MergeChat(ctx, e.name, wahaID(alt), wahaID(chat)); err != nil {
				return chat, participant, err
			}
		}
	}
	return chat, info.Sender, nil
}

func (e *Engine) onMessage(ctx context.Context, cli *whatsmeow.Client, evt *events.Message) error {
	chat, participant, err := e.place(ctx, cli, evt.Info)
	if err != nil {
		return err
	}
	if handled, err := e.onChattingMessage(ctx, cli, evt, chat, participant); handled {
		return err
	}
	if pm := evt.Message.GetProtocolMessage(); pm != nil {
		switch pm.GetType() {
		case waE2E.ProtocolMessage_MESSAGE_EDIT:
			return e.onEdit(ctx, cli, evt, chat, participant, pm)
		case waE2E.ProtocolMessage_REVOKE:
			return e.onRevoke(ctx, cli, evt, chat, participant, pm)
		}
		return nil
	}
	if !isContent(evt.Message) {
		return nil
	}
	ack, source := engines.AckDevice, "app"
	if evt.Info.IsFromMe {
		ack = engines.AckServer
		if id := cli.Store.ID; id != nil && evt.Info.Sender.Device == id.Device {
			source = "api"
		}
	}
	m := e.stored(evt, chat, participant, me(cli), ack, source)
	// Its media is downloaded before its events go out, so they link to it.
	payload := m.Message
	payload.Media, payload.MediaURL = e.incomingMedia(ctx, &m)
	var evs []sessions.Emission
	if !m.FromMe {
		evs = append(evs, sessions.Emission{Event: "message", Payload: payload})
	}
	evs = append(evs, sessions.Emission{Event: "message.any", Payload: payload})
	// The message and its events in one transaction: a failure keeps neither and
	// withholds the ack, so WhatsApp delivers the message again; a message stored
	// already (delivered again) had its events recorded with it.
	return e.host.Record(ctx, func(tx chatstore.Store) ([]sessions.Emission, error) {
		if e.chats == nil {
			return evs, nil
		}
		n, err := tx.SaveMessages(ctx, e.name, []chatstore.Message{m}, true)
		if err != nil || n == 0 {
			return nil, err
		}
		return evs, nil
	})
}

// EditedPayload is WAHA's message.edited: the edit as a message, with the new body
// and the id of the message it changed.
type EditedPayload struct {
	engines.Message
	EditedMessageID string `json:"editedMessageId"`
}

// RevokedPayload is WAHA's message.revoked.
type RevokedPayload struct {
	After            engines.Message  `json:"after"`
	Before           *engines.Message `json:"before,omitempty"`
	RevokedMessageID string           `json:"revokedMessageId"`
}

func (e *Engine) onEdit(ctx context.Context, cli *whatsmeow.Client, evt *events.Message, chat, participant types.JID, pm *waE2E.ProtocolMessage) error {
	target := pm.GetKey().GetID()
	body := contentOf(pm.GetEditedMessage()).body
	if body == nil {
		return nil
	}
	m := e.stored(evt, chat, participant, me(cli), engines.AckDevice, "app").Message
	m.Body = *body
	return e.recordEdit(ctx, wahaID(chat), target, m)
}

// recordEdit changes a message's body in the store and records message.edited;
// edit is the edit itself as a message (its own id, the new body).
func (e *Engine) recordEdit(ctx context.Context, chat, target string, edit engines.Message) error {
	return e.host.Record(ctx, func(tx chatstore.Store) ([]sessions.Emission, error) {
		if e.chats != nil {
			if _, err := tx.EditMessage(ctx, e.name, chat, target, edit.Body); err != nil && !errors.Is(err, engines.ErrNotFound) {
				return nil, err
			}
		}
		return []sessions.Emission{{Event: "message.edited", Payload: EditedPayload{Message: edit, EditedMessageID: target}}}, nil
	})
}

func (e *Engine) onRevoke(ctx context.Context, cli *whatsmeow.Client, evt *events.Message, chat, participant types.JID, pm *waE2E.ProtocolMessage) error {
	target := pm.GetKey().GetID()
	after := e.stored(evt, chat, participant, me(cli), engines.AckDevice, "app").Message
	return e.recordRevoke(ctx, wahaID(chat), target, after)
}

// recordRevoke removes a message from the store and records message.revoked with
// the message as it was; after is the revoke itself as a message.
func (e *Engine) recordRevoke(ctx context.Context, chat, target string, after engines.Message) error {
	return e.host.Record(ctx, func(tx chatstore.Store) ([]sessions.Emission, error) {
		var before *engines.Message
		if e.chats != nil {
			old, err := tx.GetMessage(ctx, e.name, chat, target)
			switch {
			case err == nil:
				before = &old.Message
			case !errors.Is(err, engines.ErrNotFound):
				return nil, err
			}
			if err := tx.DeleteMessage(ctx, e.name, chat, target); err != nil {
				return nil, err
			}
		}
		return []sessions.Emission{{Event: "message.revoked", Payload: RevokedPayload{After: after, Before: before, RevokedMessageID: target}}}, nil
	})
}

// AckPayload is WAHA's message.ack (and message.ack.group).
type AckPayload struct {
	ID          string          `json:"id"`
	From        string          `json:"from"`
	To          string          `json:"to"`
	Participant *string         `json:"participant,omitempty"` // groups: who read it
	FromMe      bool            `json:"fromMe"`
	Ack         engines.Ack     `json:"ack"`
	AckName     string          `json:"ackName"`
	Data        *events.Receipt `json:"_data,omitempty"`
}

// receiptAck maps a receipt type to an ack as WAHA's GOWS does; false for types
// that say nothing about delivery.
func receiptAck(t types.ReceiptType) (engines.Ack, bool) {
	switch t {
	case types.ReceiptTypeDelivered, types.ReceiptTypeInactive, "active":
		return engines.AckDevice, true
	case types.ReceiptTypeRead:
		return engines.AckRead, true
	case types.ReceiptTypePlayed:
		return engines.AckPlayed, true
	case types.ReceiptTypeServerError:
		return engines.AckError, true
	}
	return 0, false
}

func (e *Engine) onReceipt(ctx context.Context, cli *whatsmeow.Client, r *events.Receipt) error {
	chat := canonical(ctx, cli, r.Chat)
	chatID := wahaID(chat)
	if r.Type == types.ReceiptTypeReadSelf || r.Type == types.ReceiptTypePlayedSelf {
		// Read on another of the account's devices.
		if e.chats == nil {
			return nil
		}
		return e.host.Record(ctx, func(tx chatstore.Store) ([]sessions.Emission, error) {
			if _, err := tx.SetAck(ctx, e.name, chatID, r.MessageIDs, engines.AckRead); err != nil {
				return nil, err
			}
			return nil, tx.UpdateChat(ctx, e.name, chatID, chatstore.ChatChange{Read: true})
		})
	}
	ack, ok := receiptAck(r.Type)
	if !ok || r.IsFromMe {
		return nil
	}
	event := "message.ack"
	var reader *string
	own := types.EmptyJID
	if cli.Store.ID != nil {
		own = *cli.Store.ID
	}
	if r.IsGroup {
		event = "message.ack.group"
		reader = strPtr(wahaID(canonical(ctx, cli, r.Sender)))
	}
	to := me(cli)
	// The raised acks and their events in one transaction; only the messages whose
	// ack rose have one.
	return e.host.Record(ctx, func(tx chatstore.Store) ([]sessions.Emission, error) {
		ids := r.MessageIDs
		if e.chats != nil && r.IsGroup {
			// Each member's receipt is its own event; the message's ack moves on
			// once every other member has reached it.
			ids = ids[:0:0]
			for _, id := range r.MessageIDs {
				rose, all, err := tx.SetGroupAck(ctx, e.name, chatID, id, *reader, ack)
				if err != nil {
					return nil, err
				}
				if rose {
					ids = append(ids, id)
				}
				if all > 0 {
					if _, err := tx.SetAck(ctx, e.name, chatID, []string{id}, all); err != nil {
						return nil, err
					}
				}
			}
		} else if e.chats != nil {
			changed, err := tx.SetAck(ctx, e.name, chatID, r.MessageIDs, ack)
			if err != nil {
				return nil, err
			}
			ids = ids[:0:0]
			for _, m := range changed {
				ids = append(ids, m.ID)
			}
		}
		evs := make([]sessions.Emission, 0, len(ids))
		for _, id := range ids {
			evs = append(evs, sessions.Emission{Event: event, Payload: AckPayload{
				ID: messageID(true, chat, id, own), From: chatID, To: to, Participant: reader,
				FromMe: true, Ack: ack, AckName: ack.Name(), Data: r,
			}})
		}
		return evs, nil
	})
}

// ArchivePayload is WAHA's chat.archive.
type ArchivePayload struct {
	ID        string `json:"id"`
	Archived  bool   `json:"archived"`
	Timestamp int64  `json:"timestamp"`
}

func (e *Engine) onAppState(ctx context.Context, cli *whatsmeow.Client, evt any) error {
	var (
		jid    types.JID
		change chatstore.ChatChange
		apply  func(st chatstore.Store, chat string) error
		evs    func(chat string) []sessions.Emission
	)
	switch v := evt.(type) {
	case *events.Archive:
		jid = v.JID
		archived := v.Action.GetArchived()
		change.Archived = &archived
		evs = func(chat string) []sessions.Emission {
			return []sessions.Emission{{Event: "chat.archive", Payload: ArchivePayload{ID: chat, Archived: archived, Timestamp: v.Timestamp.Unix()}}}
		}
	case *events.Pin:
		jid = v.JID
		pinned := v.Action.GetPinned()
		change.Pinned = &pinned
	case *events.Mute:
		jid = v.JID
		until := int64(0)
		if v.Action.GetMuted() {
			until = v.Action.GetMuteEndTimestamp()
			if until > 1e12 { // milliseconds
				until /= 1000
			}
		}
		change.MuteUntil = &until
	case *events.MarkChatAsRead:
		jid = v.JID
		if v.Action.GetRead() {
			change.Read = true
		} else {
			unread := true
			change.MarkedUnread = &unread
		}
	case *events.DeleteChat:
		jid = v.JID
		apply = func(st chatstore.Store, chat string) error { return st.DeleteChat(ctx, e.name, chat) }
	case *events.ClearChat:
		jid = v.JID
		before := v.Action.GetMessageRange().GetLastMessageTimestamp()
		if before == 0 {
			before = v.Timestamp.Unix()
		}
		apply = func(st chatstore.Store, chat string) error { return st.ClearChat(ctx, e.name, chat, before) }
	default:
		return fmt.Errorf("unexpected app state event %T", evt)
	}
	if e.chats == nil && evs == nil {
		return nil
	}
	chat := wahaID(canonical(ctx, cli, jid))
	if apply == nil {
		apply = func(st chatstore.Store, chat string) error { return st.UpdateChat(ctx, e.name, chat, change) }
	}
	// The change and its event in one transaction.
	return e.host.Record(ctx, func(tx chatstore.Store) ([]sessions.Emission, error) {
		if e.chats != nil {
			if err := apply(tx, chat); err != nil {
				return nil, err
			}
		}
		if evs == nil {
			return nil, nil
		}
		return evs(chat), nil
	})
}

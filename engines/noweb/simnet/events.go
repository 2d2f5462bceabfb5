package simnet

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"
)

// Event is something a phone saw, in a JSON-friendly shape. Type is one
// of: connected, disconnected, message, edit, revoke, protocol, receipt,
// archive, pin, mark_read, delete_chat, clear_chat, mute, history_sync,
// call_offer (Value: video), call_accept, call_reject, call_terminate,
// presence (Value: online), chat_state (Text: composing, composingaudio,
// paused), push_name, contact (Text: the full name saved),
// reaction, poll_vote, star (events_chatting.go), group_join (Group),
// group_change (Change, Text the new subject), group_picture (ID the new
// picture, Value false when removed) (phone_groups.go).
type Event struct {
	Seq    int       `json:"seq"`
	Type   string    `json:"type"`
	Time   time.Time `json:"time"`
	Chat   string    `json:"chat,omitempty"`
	Sender string    `json:"sender,omitempty"`
	FromMe bool      `json:"fromMe,omitempty"`
	// ID is the message id; for edits and revokes the id of the message
	// they change.
	ID          string   `json:"id,omitempty"`
	IDs         []string `json:"ids,omitempty"`
	Text        string   `json:"text,omitempty"`
	ReceiptType string   `json:"receiptType,omitempty"`
	// Value is the new state for archive, pin, mark_read, mute and star,
	// whether a call is a video call, and whether a presence is online.
	Value bool `json:"value,omitempty"`
	// Media is the file of a media message, downloaded and decrypted as the
	// phone received it.
	Media *ReceivedMedia `json:"media,omitempty"`
	Chatting
	// Group is the group of a group_join; Change what a group_change changed.
	Group  *Group       `json:"group,omitempty"`
	Change *GroupChange `json:"change,omitempty"`
	// Raw is the whatsmeow event, for Go tests.
	Raw any `json:"-"`
}

// Events returns a copy of everything the phone has seen so far.
func (p *Phone) Events() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Event(nil), p.events...)
}

// WaitFor returns the first event (already seen or future) that match
// accepts, or ctx's error. Tests use it instead of sleeping.
func (p *Phone) WaitFor(ctx context.Context, match func(Event) bool) (Event, error) {
	seen := 0
	for {
		p.mu.Lock()
		for ; seen < len(p.events); seen++ {
			if match(p.events[seen]) {
				e := p.events[seen]
				p.mu.Unlock()
				return e, nil
			}
		}
		changed := p.changed
		p.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return Event{}, fmt.Errorf("simnet: phone %s: waiting for event: %w", p.pn.User, ctx.Err())
		}
	}
}

func (p *Phone) record(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e.Seq = len(p.events) + 1
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	p.events = append(p.events, e)
	close(p.changed)
	p.changed = make(chan struct{})
}

// onEvent is the phone's whatsmeow event handler.
func (p *Phone) onEvent(evt any) {
	switch v := evt.(type) {
	case *events.Connected:
		p.record(Event{Type: "connected", Raw: v})
	case *events.Disconnected:
		p.record(Event{Type: "disconnected", Raw: v})
	case *events.Message:
		p.onMessage(v)
	case *events.Receipt:
		ids := make([]string, len(v.MessageIDs))
		copy(ids, v.MessageIDs)
		p.record(Event{Type: "receipt", Time: v.Timestamp, Chat: v.Chat.String(), Sender: v.Sender.String(),
			IDs: ids, ReceiptType: string(v.Type), FromMe: v.IsFromMe, Raw: v})
	case *events.Archive:
		p.record(Event{Type: "archive", Chat: v.JID.String(), Value: v.Action.GetArchived(), Raw: v})
	case *events.Pin:
		p.record(Event{Type: "pin", Chat: v.JID.String(), Value: v.Action.GetPinned(), Raw: v})
	case *events.MarkChatAsRead:
		p.record(Event{Type: "mark_read", Chat: v.JID.String(), Value: v.Action.GetRead(), Raw: v})
	case *events.DeleteChat:
		p.record(Event{Type: "delete_chat", Chat: v.JID.String(), Raw: v})
	case *events.ClearChat:
		p.record(Event{Type: "clear_chat", Chat: v.JID.String(), Raw: v})
	case *events.Mute:
		p.record(Event{Type: "mute", Chat: v.JID.String(), Value: v.Action.GetMuted(), Raw: v})
	default:
		if e, ok := chattingEvent(evt); ok {
			p.record(e)
			return
		}
		if e, ok := groupEvent(evt); ok {
			p.record(e)
			return
		}
		p.onCall(evt)
	}
}

func (p *Phone) onMessage(v *events.Message) {
	if onlySenderKey(v.Message) {
		// The sender key distribution of a group message, decrypted on its own
		// (whatsmeow hands it up as a message); the message itself follows.
		return
	}
	e := Event{Type: "message", Time: v.Info.Timestamp, Chat: v.Info.Chat.String(), Sender: v.Info.Sender.String(),
		FromMe: v.Info.IsFromMe, ID: v.Info.ID, Text: messageText(v.Message), Raw: v}
	if pm := v.Message.GetProtocolMessage(); pm != nil {
		switch pm.GetType() {
		case waE2E.ProtocolMessage_MESSAGE_EDIT:
			e.Type, e.ID, e.Text = "edit", pm.GetKey().GetID(), messageText(pm.GetEditedMessage())
		case waE2E.ProtocolMessage_REVOKE:
			e.Type, e.ID = "revoke", pm.GetKey().GetID()
		default:
			e.Type = "protocol"
		}
	} else {
		p.describeChatting(v, &e)
	}
	if e.Type == "message" {
		e.Media = p.receiveMedia(v)
	}
	p.record(e)
	if e.Type == "message" {
		p.remember(v.Info, v.Message)
	}
	p.mu.Lock()
	echo := p.echo
	p.mu.Unlock()
	if echo && e.Type == "message" && !v.Info.IsFromMe && e.Text != "" {
		go func() {
			ctx, cancel := context.WithTimeout(p.srv.ctx, p.srv.opts.RequestTimeout)
			defer cancel()
			if _, err := p.SendText(ctx, v.Info.Chat.String(), e.Text); err != nil {
				p.log.Warn("simnet: echo failed", "err", err)
			}
		}()
	}
}

// remember keeps a message for the history sync of future companions.
func (p *Phone) remember(info types.MessageInfo, msg *waE2E.Message) {
	chat := info.Chat.ToNonAD()
	web := &waWeb.WebMessageInfo{
		Key: &waCommon.MessageKey{
			RemoteJID: proto.String(chat.String()),
			FromMe:    proto.Bool(info.IsFromMe),
			ID:        proto.String(info.ID),
		},
		Message:          msg,
		MessageTimestamp: proto.Uint64(uint64(info.Timestamp.Unix())),
		PushName:         proto.String(info.PushName),
	}
	p.mu.Lock()
	p.history[chat] = append(p.history[chat], web)
	p.mu.Unlock()
}

func messageText(m *waE2E.Message) string {
	if m == nil {
		return ""
	}
	if t := m.GetConversation(); t != "" {
		return t
	}
	return m.GetExtendedTextMessage().GetText()
}

package noweb

import (
	"encoding/json"
	"strings"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
)

// content is what the API shows of a message's content.
type content struct {
	body     *string
	media    *mediaRef
	reply    *engines.ReplyTo
	location *engines.Location
	vcards   []string
}

func strPtr(s string) *string { return &s }

// deref is what s points to, or "".
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// contentOf reads text, caption, media and quoted message from a message.
func contentOf(m *waE2E.Message) content {
	var c content
	if m == nil {
		return c
	}
	var ctx *waE2E.ContextInfo
	switch {
	case m.Conversation != nil:
		c.body = strPtr(m.GetConversation())
	case m.ExtendedTextMessage != nil:
		c.body = strPtr(m.GetExtendedTextMessage().GetText())
		ctx = m.GetExtendedTextMessage().GetContextInfo()
	default:
		if ref, caption, ci := mediaOf(m); ref != nil {
			c.media, ctx = ref, ci
			if caption != "" {
				c.body = strPtr(caption)
			}
		} else {
			ctx = chattingContent(m, &c)
		}
	}
	if id := ctx.GetStanzaID(); id != "" {
		quoted := contentOf(ctx.GetQuotedMessage())
		c.reply = &engines.ReplyTo{ID: id, Body: quoted.body, HasMedia: quoted.media != nil}
		if p := ctx.GetParticipant(); p != "" {
			if j, err := types.ParseJID(p); err == nil {
				c.reply.Participant = wahaID(j)
			}
		}
	}
	return c
}

// isContent reports whether a message is something people see (text or media),
// not a protocol message, reaction or key share: what WAHA emits as message and
// message.any.
func isContent(m *waE2E.Message) bool {
	c := contentOf(m)
	return c.body != nil || c.media != nil || c.location != nil || c.vcards != nil
}

// ackOfStatus maps a history message's WebMessageInfo status to an ack.
func ackOfStatus(s waWeb.WebMessageInfo_Status) engines.Ack {
	switch s {
	case waWeb.WebMessageInfo_ERROR:
		return engines.AckError
	case waWeb.WebMessageInfo_PENDING:
		return engines.AckPending
	case waWeb.WebMessageInfo_SERVER_ACK:
		return engines.AckServer
	case waWeb.WebMessageInfo_DELIVERY_ACK:
		return engines.AckDevice
	case waWeb.WebMessageInfo_READ:
		return engines.AckRead
	case waWeb.WebMessageInfo_PLAYED:
		return engines.AckPlayed
	}
	return engines.AckDevice
}

// rawData is the _data of a message: whatsmeow's events.Message as GOWS shows it.
func rawData(info types.MessageInfo, msg *waE2E.Message) json.RawMessage {
	m := json.RawMessage("null")
	if msg != nil {
		if b, err := protojson.Marshal(msg); err == nil {
			m = b
		}
	}
	b, err := json.Marshal(struct {
		Info    types.MessageInfo
		Message json.RawMessage
	}{info, m})
	if err != nil {
		return nil
	}
	return b
}

// stored turns a message event (live or from history) into a store row. chat is
// the canonical chat, me our own id, participant the canonical group sender.
func (e *Engine) stored(evt *events.Message, chat, participant types.JID, me string, ack engines.Ack, source string) chatstore.Message {
	info := evt.Info
	c := contentOf(evt.Message)
	chatID := wahaID(chat)
	m := engines.Message{
		ID:        messageID(info.IsFromMe, chat, info.ID, participant),
		Timestamp: info.Timestamp.Unix(), FromMe: info.IsFromMe, Source: source,
		Body: deref(c.body), HasMedia: c.media != nil, Ack: ack, AckName: ack.Name(), ReplyTo: c.reply,
		Location: c.location, VCards: c.vcards,
		Data: rawData(info, evt.Message),
	}
	switch {
	case info.IsFromMe:
		m.From, m.To = me, chatID
	default:
		m.From, m.To = chatID, me
	}
	if info.IsGroup {
		m.From = chatID
		p := wahaID(participant)
		m.Participant = &p
	}
	s := chatstore.Message{
		Chat: chatID, ID: info.ID, FromMe: info.IsFromMe, Timestamp: m.Timestamp, Ack: ack, Message: m,
	}
	if c.media != nil {
		if b, err := json.Marshal(c.media); err == nil {
			s.Media = string(b)
		}
	}
	if !info.IsFromMe && !info.IsGroup && strings.TrimSpace(info.PushName) != "" {
		s.ChatName = info.PushName
	}
	return s
}

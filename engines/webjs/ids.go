package webjs

import (
	"fmt"
	"strings"

	"github.com/wagate/wagate/engines"
)

// NormalizeChatID accepts a chat id as WAHA does (engines.ParseChatID: 123@c.us,
// 123@g.us, 123@lid, status@broadcast, 123@newsletter, a bare phone number), and
// also a JID with a device part (123:3@s.whatsapp.net), which the page reports.
func NormalizeChatID(id string) (string, error) {
	id = strings.TrimSpace(id)
	if u, ok := strings.CutSuffix(id, "@s.whatsapp.net"); ok {
		id = strings.SplitN(u, ":", 2)[0] + "@c.us"
	}
	c, err := engines.ParseChatID(id)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return c.String(), nil
}

// MessageID is a parsed serialized message id.
type MessageID struct {
	FromMe      bool
	ChatID      string
	ID          string // the key id, e.g. 3EB0…
	Participant string // group sender, if any
}

// String serializes the id as WAHA and WhatsApp Web write it.
func (m MessageID) String() string {
	s := fmt.Sprintf("%t_%s_%s", m.FromMe, m.ChatID, m.ID)
	if m.Participant != "" {
		s += "_" + m.Participant
	}
	return s
}

// ParseMessageID parses {fromMe}_{chatId}_{id}[_{participant}] with
// engines.ParseMessageID; the page needs the chat, so a bare id is refused.
func ParseMessageID(s string) (MessageID, error) {
	m, err := engines.ParseMessageID(s)
	if err != nil {
		return MessageID{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if m.Bare {
		return MessageID{}, fmt.Errorf("%w: message id %q: want {fromMe}_{chatId}_{id}[_{participant}]", ErrInvalid, s)
	}
	return MessageID{FromMe: m.FromMe, ChatID: m.Chat.String(), ID: m.ID, Participant: m.Participant.String()}, nil
}

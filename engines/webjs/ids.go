package webjs

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	chatIDRe   = regexp.MustCompile(`^[0-9A-Za-z.-]+@(c\.us|g\.us|lid|broadcast|newsletter)$`)
	digitsRe   = regexp.MustCompile(`^\+?[0-9]{5,20}$`)
	msgKeyIDRe = regexp.MustCompile(`^[0-9A-Za-z]+$`)
)

// NormalizeChatID accepts a chat id as WAHA does: a full id (123@c.us,
// 123@g.us, 123@lid, status@broadcast, 123@newsletter), a
// 123@s.whatsapp.net JID, or a bare phone number (@c.us is appended).
func NormalizeChatID(id string) (string, error) {
	id = strings.TrimSpace(id)
	if digitsRe.MatchString(id) {
		return strings.TrimPrefix(id, "+") + "@c.us", nil
	}
	if u, ok := strings.CutSuffix(id, "@s.whatsapp.net"); ok {
		id = strings.SplitN(u, ":", 2)[0] + "@c.us"
	}
	if !chatIDRe.MatchString(id) {
		return "", fmt.Errorf("%w: chat id %q", ErrInvalid, id)
	}
	return id, nil
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

// ParseMessageID parses {fromMe}_{chatId}_{id}[_{participant}].
func ParseMessageID(s string) (MessageID, error) {
	parts := strings.Split(s, "_")
	bad := func(why string) (MessageID, error) {
		return MessageID{}, fmt.Errorf("%w: message id %q: %s", ErrInvalid, s, why)
	}
	if len(parts) != 3 && len(parts) != 4 {
		return bad("want {fromMe}_{chatId}_{id}[_{participant}]")
	}
	var m MessageID
	switch parts[0] {
	case "true":
		m.FromMe = true
	case "false":
	default:
		return bad("fromMe must be true or false")
	}
	if !chatIDRe.MatchString(parts[1]) {
		return bad("bad chat id")
	}
	if !msgKeyIDRe.MatchString(parts[2]) {
		return bad("bad key id")
	}
	m.ChatID, m.ID = parts[1], parts[2]
	if len(parts) == 4 {
		if !chatIDRe.MatchString(parts[3]) {
			return bad("bad participant")
		}
		m.Participant = parts[3]
	}
	return m, nil
}

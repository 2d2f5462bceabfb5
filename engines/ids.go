package engines

import (
	"fmt"
	"strings"
)

// Servers of the chat ids a client may send, as WAHA writes them.
const (
	ServerUser       = "c.us"
	ServerGroup      = "g.us"
	ServerLID        = "lid"
	ServerNewsletter = "newsletter"
	ServerBroadcast  = "broadcast"
	// serverWhatsApp is whatsmeow's name for c.us; accepted on input, never written.
	serverWhatsApp = "s.whatsapp.net"
)

// maxIDLen bounds every id we parse, so a hostile path cannot make us allocate much.
const maxIDLen = 256

// ChatID is a chat (person, group, lid, newsletter or broadcast list).
type ChatID struct {
	User   string
	Server string
}

// String formats the id as WAHA does: "123@c.us".
func (c ChatID) String() string {
	if c.User == "" && c.Server == "" {
		return ""
	}
	return c.User + "@" + c.Server
}

// IsZero reports whether the id is unset.
func (c ChatID) IsZero() bool { return c.User == "" && c.Server == "" }

// IsGroup reports whether the id names a group chat.
func (c ChatID) IsGroup() bool { return c.Server == ServerGroup }

// IDError says which id was malformed and why; the API answers it with 400.
type IDError struct {
	Kind   string // "chat id" or "message id"
	Value  string
	Reason string
}

func (e *IDError) Error() string {
	return fmt.Sprintf("invalid %s %q: %s", e.Kind, truncate(e.Value, 80), e.Reason)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ParseChatID accepts "123@c.us", "123@s.whatsapp.net", "123@g.us", "123-456@g.us",
// "123@lid", "123@newsletter", "status@broadcast", "123@broadcast" and a bare phone
// number ("+1 (213) 555-0100" or "12135550100"), which becomes a c.us id.
func ParseChatID(s string) (ChatID, error) {
	bad := func(reason string) (ChatID, error) {
		return ChatID{}, &IDError{Kind: "chat id", Value: s, Reason: reason}
	}
	if s == "" {
		return bad("empty")
	}
	if len(s) > maxIDLen {
		return bad("too long")
	}
	user, server, found := strings.Cut(s, "@")
	if !found {
		phone := normalizePhone(s)
		if phone == "" {
			return bad("expected a phone number or an id such as 123@c.us")
		}
		if trimmed := strings.TrimLeft(phone, "0"); trimmed != phone {
			// A trunk or international-call prefix (0…, 00…): a number in
			// international format starts with its country code, never 0, and
			// WhatsApp would take 0049… for another account than 49….
			return bad(fmt.Sprintf("a phone number starts with its country code, not 0 (try %s)", trimmed))
		}
		return ChatID{User: phone, Server: ServerUser}, nil
	}
	if user == "" {
		return bad("missing the part before @")
	}
	switch server {
	case ServerUser, serverWhatsApp:
		if !isDigits(user) {
			return bad("a person's id is digits only")
		}
		return ChatID{User: user, Server: ServerUser}, nil
	case ServerGroup:
		// Old groups are "creator-timestamp@g.us".
		a, b, dash := strings.Cut(user, "-")
		if !isDigits(a) || (dash && !isDigits(b)) {
			return bad("a group id is digits, or digits-digits")
		}
		return ChatID{User: user, Server: ServerGroup}, nil
	case ServerLID, ServerNewsletter:
		if !isDigits(user) {
			return bad("the part before @ must be digits")
		}
		return ChatID{User: user, Server: server}, nil
	case ServerBroadcast:
		if user != "status" && !isDigits(user) {
			return bad(`a broadcast id is "status" or digits`)
		}
		return ChatID{User: user, Server: ServerBroadcast}, nil
	default:
		return bad("unknown server " + fmt.Sprintf("%q", server) + " (want c.us, g.us, lid, newsletter or broadcast)")
	}
}

// normalizePhone strips the punctuation people type in phone numbers and returns the
// digits, or "" if anything else is in the string.
func normalizePhone(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')', r == '.':
		default:
			return ""
		}
	}
	if n := b.Len(); n < 5 || n > 20 {
		return ""
	}
	return b.String()
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MessageID is a message as WAHA serializes it: "{fromMe}_{chat}_{id}[_{participant}]".
// A bare id ("3EB0ABCD") parses with Bare set and no chat.
type MessageID struct {
	FromMe      bool
	Chat        ChatID
	ID          string
	Participant ChatID // set in groups and status broadcasts
	Bare        bool
}

// String formats the full serialized id; a bare id formats as itself.
func (m MessageID) String() string {
	if m.Bare {
		return m.ID
	}
	s := fmt.Sprintf("%t_%s_%s", m.FromMe, m.Chat, m.ID)
	if !m.Participant.IsZero() {
		s += "_" + m.Participant.String()
	}
	return s
}

// ParseMessageID accepts the 3- and 4-part serialized forms and a bare id.
func ParseMessageID(s string) (MessageID, error) {
	bad := func(reason string) (MessageID, error) {
		return MessageID{}, &IDError{Kind: "message id", Value: s, Reason: reason}
	}
	if s == "" {
		return bad("empty")
	}
	if len(s) > maxIDLen {
		return bad("too long")
	}
	parts := strings.Split(s, "_")
	if len(parts) == 1 {
		if !isRawMessageID(s) {
			return bad("a bare id is letters and digits")
		}
		return MessageID{ID: s, Bare: true}, nil
	}
	if len(parts) != 3 && len(parts) != 4 {
		return bad("expected {fromMe}_{chatId}_{id}[_{participant}]")
	}
	var m MessageID
	switch parts[0] {
	case "true":
		m.FromMe = true
	case "false":
	default:
		return bad(`it must start with "true_" or "false_"`)
	}
	chat, err := ParseChatID(parts[1])
	if err != nil || !strings.Contains(parts[1], "@") {
		return bad("the chat part must be a chat id such as 123@c.us")
	}
	m.Chat = chat
	if !isRawMessageID(parts[2]) {
		return bad("the id part must be letters and digits")
	}
	m.ID = parts[2]
	if len(parts) == 4 {
		p, err := ParseChatID(parts[3])
		if err != nil || !strings.Contains(parts[3], "@") {
			return bad("the participant part must be an id such as 123@c.us")
		}
		m.Participant = p
	}
	return m, nil
}

func isRawMessageID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

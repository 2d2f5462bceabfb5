package engines

import (
	"strings"
	"testing"
)

func TestParseChatID(t *testing.T) {
	good := map[string]string{
		"123@c.us":             "123@c.us",
		"123@s.whatsapp.net":   "123@c.us",
		"120363@g.us":          "120363@g.us",
		"1234-1600000000@g.us": "1234-1600000000@g.us",
		"98765@lid":            "98765@lid",
		"111@newsletter":       "111@newsletter",
		"status@broadcast":     "status@broadcast",
		"12345@broadcast":      "12345@broadcast",
		"12132132130":          "12132132130@c.us",
		"+1 (213) 213-2130":    "12132132130@c.us",
	}
	for in, want := range good {
		id, err := ParseChatID(in)
		if err != nil {
			t.Errorf("ParseChatID(%q): %v", in, err)
			continue
		}
		if id.String() != want {
			t.Errorf("ParseChatID(%q) = %s, want %s", in, id, want)
		}
	}
	bad := []string{"", "@c.us", "abc@c.us", "123@x.us", "12a", "1234", "123@g.us@c.us", "status@c.us",
		"12-ab@g.us", "abc", strings.Repeat("1", 300) + "@c.us", "123:4@c.us", "123@"}
	for _, in := range bad {
		if id, err := ParseChatID(in); err == nil {
			t.Errorf("ParseChatID(%q) = %s, want an error", in, id)
		} else if !strings.Contains(err.Error(), "chat id") {
			t.Errorf("ParseChatID(%q) error %q does not say what was wrong", in, err)
		}
	}
}

func TestParseMessageID(t *testing.T) {
	cases := []struct {
		in     string
		fromMe bool
		chat   string
		id     string
		part   string
		bare   bool
	}{
		{in: "true_123@c.us_3EB0ABCD", fromMe: true, chat: "123@c.us", id: "3EB0ABCD"},
		{in: "false_11111111111@c.us_AAAAAAAAAAAAAAAAAAAA", chat: "11111111111@c.us", id: "AAAAAAAAAAAAAAAAAAAA"},
		{in: "true_120363402931855007@g.us_3EB091474C1CE5341E8F3F_551137774071@c.us", fromMe: true,
			chat: "120363402931855007@g.us", id: "3EB091474C1CE5341E8F3F", part: "551137774071@c.us"},
		{in: "false_status@broadcast_ABC_123@lid", chat: "status@broadcast", id: "ABC", part: "123@lid"},
		{in: "3EB0965B123D06E0B70741", id: "3EB0965B123D06E0B70741", bare: true},
	}
	for _, c := range cases {
		m, err := ParseMessageID(c.in)
		if err != nil {
			t.Errorf("ParseMessageID(%q): %v", c.in, err)
			continue
		}
		if m.FromMe != c.fromMe || m.Chat.String() != c.chat || m.ID != c.id || m.Participant.String() != c.part || m.Bare != c.bare {
			t.Errorf("ParseMessageID(%q) = %+v", c.in, m)
		}
		if m.String() != c.in {
			t.Errorf("ParseMessageID(%q).String() = %s", c.in, m)
		}
	}
	bad := []string{"", "maybe_123@c.us_ABC", "true_123_ABC", "true_123@c.us_", "true_123@c.us_AB C",
		"true_123@c.us_ABC_notanid", "a_b_c_d_e", "true__ABC", "true_123@c.us_ABC_123", "AB$C"}
	for _, in := range bad {
		if m, err := ParseMessageID(in); err == nil {
			t.Errorf("ParseMessageID(%q) = %+v, want an error", in, m)
		}
	}
}

func TestAck(t *testing.T) {
	for _, in := range []string{"READ", "read", "3"} {
		if a, err := ParseAck(in); err != nil || a != AckRead {
			t.Errorf("ParseAck(%q) = %v, %v", in, a, err)
		}
	}
	if a, err := ParseAck("-1"); err != nil || a.Name() != "ERROR" {
		t.Errorf("ParseAck(-1) = %v, %v", a, err)
	}
	if _, err := ParseAck("SEEN"); err == nil {
		t.Error("ParseAck(SEEN) succeeded")
	}
	if Ack(9).Name() != "UNKNOWN" {
		t.Error("unknown ack not named UNKNOWN")
	}
}

// FuzzChatID: parsing never panics, and whatever parses formats to a string that
// parses back to the same id.
func FuzzChatID(f *testing.F) {
	for _, s := range []string{"123@c.us", "1-2@g.us", "status@broadcast", "+1 213", "@", "1@lid", "9@s.whatsapp.net"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseChatID(s)
		if err != nil {
			return
		}
		again, err := ParseChatID(id.String())
		if err != nil || again != id {
			t.Fatalf("%q parsed to %v, which reparses to %v, %v", s, id, again, err)
		}
	})
}

// FuzzMessageID: parsing never panics and round-trips.
func FuzzMessageID(f *testing.F) {
	for _, s := range []string{"true_123@c.us_ABC", "false_1@g.us_X_2@c.us", "ABC", "_", "true_@_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMessageID(s)
		if err != nil {
			return
		}
		again, err := ParseMessageID(m.String())
		if err != nil || again != m {
			t.Fatalf("%q parsed to %+v, which reparses to %+v, %v", s, m, again, err)
		}
	})
}

// TestParseChatIDLeadingZero: a bare number with a trunk or international-call
// prefix (00491511234567, 0151…) is not in international format; it would be
// sent to an account that does not exist, so it is refused with the number to
// try. 0@c.us, WhatsApp's own account, stays an id.
func TestParseChatIDLeadingZero(t *testing.T) {
	for in, try := range map[string]string{
		"0015550100002":   "try 15550100002",
		"+00 49 151 1234": "try 491511234",
		"015112345678":    "try 15112345678",
	} {
		_, err := ParseChatID(in)
		if err == nil || !strings.Contains(err.Error(), try) {
			t.Errorf("ParseChatID(%q): %v, want an error saying %q", in, err, try)
		}
	}
	if id, err := ParseChatID("0@c.us"); err != nil || id.String() != "0@c.us" {
		t.Errorf("ParseChatID(0@c.us) = %v, %v", id, err)
	}
}

package webjs

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeChatID(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{in: "123456789@c.us", want: "123456789@c.us"},
		{in: "+12025550108", want: "12025550108@c.us"},
		{in: "12025550108", want: "12025550108@c.us"},
		{in: "12025550108@s.whatsapp.net", want: "12025550108@c.us"},
		{in: "12025550108:3@s.whatsapp.net", want: "12025550108@c.us"},
		{in: "120363402931855007@g.us", want: "120363402931855007@g.us"},
		{in: "1359999@lid", want: "1359999@lid"},
		{in: "status@broadcast", want: "status@broadcast"},
		{in: "", bad: true},
		{in: "abc", bad: true},
		{in: "123@example.com", bad: true},
		{in: "12_3@c.us", bad: true},
	} {
		got, err := NormalizeChatID(tc.in)
		if tc.bad {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("NormalizeChatID(%q) = %q, %v; want ErrInvalid", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeChatID(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseMessageID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want MessageID
		bad  bool
	}{
		{in: "true_123@c.us_3EB0ABCD", want: MessageID{FromMe: true, ChatID: "123@c.us", ID: "3EB0ABCD"}},
		{in: "false_120363@g.us_3A12_5511@c.us", want: MessageID{ChatID: "120363@g.us", ID: "3A12", Participant: "5511@c.us"}},
		{in: "false_status@broadcast_AB_5511@lid", want: MessageID{ChatID: "status@broadcast", ID: "AB", Participant: "5511@lid"}},
		{in: "3EB0ABCD", bad: true},
		{in: "yes_123@c.us_3EB0", bad: true},
		{in: "true_123_3EB0", bad: true},
		{in: "true_123@c.us_3E-B0", bad: true},
		{in: "true_123@c.us_3EB0_x_y", bad: true},
	} {
		got, err := ParseMessageID(tc.in)
		if tc.bad {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseMessageID(%q) = %+v, %v; want ErrInvalid", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseMessageID(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		if s := got.String(); s != tc.in {
			t.Errorf("round trip of %q gave %q", tc.in, s)
		}
	}
}

func TestFormatPairingCode(t *testing.T) {
	if got := FormatPairingCode("ABCDEFGH"); got != "ABCD-EFGH" {
		t.Fatalf("got %q", got)
	}
	if got := FormatPairingCode("ABC"); got != "ABC" {
		t.Fatalf("got %q", got)
	}
}

func TestInjectedScriptOrder(t *testing.T) {
	s, err := injectedScript(scriptConfig{LoadTimeoutMs: 1234})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s, `const __wagateConfig = {"loadTimeoutMs":1234};`) {
		t.Fatal("config not injected")
	}
	// The bridge must define WAGATE before anything uses it, main must run last.
	order := []string{"00_bridge.js", "10_wait.js", "20_store.js", "30_serialize.js", "40_auth.js", "50_chats.js", "60_messages.js", "70_events.js", "90_main.js"}
	last := -1
	for _, name := range order {
		i := strings.Index(s, "// --- js/"+name+" ---")
		if i < 0 || i < last {
			t.Fatalf("%s missing or out of order", name)
		}
		last = i
	}
}

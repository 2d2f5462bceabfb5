package simnet

import (
	"context"
	"log/slog"
	"regexp"
	"sync"
	"testing"

	"go.mau.fi/whatsmeow/types/events"
)

// TestHistorySync: messages the phone had before the session paired reach
// the session in the history sync blob, downloaded from simnet's media host.
func TestHistorySync(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	alice, err := srv.CreateAccount(ctx, "491510000031", "Alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := srv.CreateAccount(ctx, "491510000032", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	id, err := bob.SendText(ctx, alice.JID().String(), "before you paired")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.WaitFor(ctx, func(e Event) bool { return e.Type == "message" && e.ID == id }); err != nil {
		t.Fatal(err)
	}

	c := newCompanion(t, srv, "alice-session")
	pairByQR(t, srv, "491510000031", c)
	hs := waitEvent[*events.HistorySync](t, ctx, c.rec, nil)
	var found bool
	for _, conv := range hs.Data.GetConversations() {
		if conv.GetID() != bob.JID().String() {
			continue
		}
		for _, m := range conv.GetMessages() {
			parsed, err := c.cli.ParseWebMessage(bob.JID(), m.GetMessage())
			if err != nil {
				t.Fatalf("ParseWebMessage: %v", err)
			}
			if parsed.Info.ID == id && parsed.Message.GetConversation() == "before you paired" && !parsed.Info.IsFromMe {
				found = true
			}
		}
	}
	if !found {
		t.Fatalf("history sync has no message %s from bob: %v", id, hs.Data.GetConversations())
	}
	if len(hs.Data.GetPhoneNumberToLidMappings()) < 2 {
		t.Errorf("history sync carries %d PN→LID mappings, want the account and its contact", len(hs.Data.GetPhoneNumberToLidMappings()))
	}
}

// sentNodes records the nodes simnet writes to devices (Options.TraceNodes
// logs each one), by device.
type sentNodes struct {
	mu    sync.Mutex
	nodes map[string][]string // device JID → XML of each node sent to it
}

func (s *sentNodes) Enabled(context.Context, slog.Level) bool { return true }
func (s *sentNodes) WithGroup(string) slog.Handler            { return s }
func (s *sentNodes) WithAttrs(attrs []slog.Attr) slog.Handler {
	for _, a := range attrs {
		if a.Key == "device" {
			return &sentNodesFor{s: s, device: a.Value.String()}
		}
	}
	return s
}
func (s *sentNodes) Handle(context.Context, slog.Record) error { return nil }

type sentNodesFor struct {
	s      *sentNodes
	device string
}

func (h *sentNodesFor) Enabled(context.Context, slog.Level) bool { return true }
func (h *sentNodesFor) WithGroup(string) slog.Handler            { return h }
func (h *sentNodesFor) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *sentNodesFor) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "simnet send" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "node" {
			h.s.mu.Lock()
			h.s.nodes[h.device] = append(h.s.nodes[h.device], a.Value.String())
			h.s.mu.Unlock()
		}
		return true
	})
	return nil
}

var xmlID = regexp.MustCompile(`^<message [^>]*\bid="([^"]+)"`)

// TestHistorySyncSentOnce: the history sync notification reaches a new
// companion once. whatsmeow's phone sends a message to its own account to
// the devices of [own PN, own PN] (sendDM lists the recipient and the
// sender's own user), so its participants name each own device twice; the
// server delivers a message once per device, as the real one does.
func TestHistorySyncSentOnce(t *testing.T) {
	sent := &sentNodes{nodes: map[string][]string{}}
	srv := newTestServerWith(t, func(o *Options) {
		o.TraceNodes = true
		o.Logger = slog.New(sent)
	})
	ctx := testCtx(t)
	if _, err := srv.CreateAccount(ctx, "491510000033", "Alice"); err != nil {
		t.Fatal(err)
	}
	c := newCompanion(t, srv, "alice-session")
	pairByQR(t, srv, "491510000033", c)
	waitEvent[*events.HistorySync](t, ctx, c.rec, nil)
	// The key share and the notification went before the history sync
	// arrived; anything later is not what this test is about.
	sent.mu.Lock()
	defer sent.mu.Unlock()
	dev := c.cli.Store.GetJID().String()
	seen := map[string]int{}
	for _, n := range sent.nodes[dev] {
		if m := xmlID.FindStringSubmatch(n); m != nil {
			seen[m[1]]++
		}
	}
	if len(seen) < 2 {
		t.Fatalf("%s got %d messages, want the key share and the history sync notification at least: %v", dev, len(seen), sent.nodes[dev])
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("message %s sent %d times to %s, want once", id, n, dev)
		}
	}
}

package simnet

import (
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
		t.Errorf("history sync carries %d PN→LID mappings, want every account", len(hs.Data.GetPhoneNumberToLidMappings()))
	}
}

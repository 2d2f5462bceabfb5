package simnet

import (
	"testing"
	"time"

	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/types/events"
)

// pairedWithKeys pairs a companion and waits until its phone's greeting
// has been processed: the history sync, and the full sync of every
// app-state collection that whatsmeow runs (in the background) once the
// shared key arrives.
func pairedWithKeys(t *testing.T, srv *Server, phone, name string) *companion {
	t.Helper()
	c := newCompanion(t, srv, name)
	pairByQR(t, srv, phone, c)
	waitGreeted(t, c)
	return c
}

func waitGreeted(t *testing.T, c *companion) {
	t.Helper()
	ctx := testCtx(t)
	waitEvent[*events.HistorySync](t, ctx, c.rec, nil)
	for _, name := range appstate.AllPatchNames {
		waitEvent(t, ctx, c.rec, func(e *events.AppStateSyncComplete) bool { return e.Name == name })
	}
}

func TestAppStateBothWays(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	alice, err := srv.CreateAccount(ctx, "491510000021", "Alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := srv.CreateAccount(ctx, "491510000022", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	c := pairedWithKeys(t, srv, "491510000021", "alice-session")
	bobChat := bob.JID().String()

	// Session → phone.
	if err := c.cli.SendAppState(ctx, appstate.BuildArchive(bob.JID(), true, time.Time{}, nil)); err != nil {
		t.Fatalf("session archive: %v", err)
	}
	if _, err := alice.WaitFor(ctx, func(e Event) bool { return e.Type == "archive" && e.Chat == bobChat && e.Value }); err != nil {
		t.Fatalf("phone did not see the archive: %v", err)
	}
	if err := c.cli.SendAppState(ctx, appstate.BuildDeleteChat(bob.JID(), time.Time{}, nil)); err != nil {
		t.Fatalf("session delete chat: %v", err)
	}
	if _, err := alice.WaitFor(ctx, func(e Event) bool { return e.Type == "delete_chat" && e.Chat == bobChat }); err != nil {
		t.Fatalf("phone did not see the delete: %v", err)
	}

	// Phone → session.
	if err := alice.Archive(ctx, bobChat, false); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, ctx, c.rec, func(e *events.Archive) bool { return e.JID == bob.JID() && !e.Action.GetArchived() && !e.FromFullSync })
	if err := alice.Pin(ctx, bobChat, true); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, ctx, c.rec, func(e *events.Pin) bool { return e.JID == bob.JID() && e.Action.GetPinned() })
	if err := alice.MarkUnread(ctx, bobChat, true); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, ctx, c.rec, func(e *events.MarkChatAsRead) bool { return e.JID == bob.JID() && !e.Action.GetRead() })
	if err := alice.ClearChat(ctx, bobChat); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, ctx, c.rec, func(e *events.ClearChat) bool { return e.JID == bob.JID() })
	if err := alice.DeleteChat(ctx, bobChat); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, ctx, c.rec, func(e *events.DeleteChat) bool { return e.JID == bob.JID() && !e.FromFullSync })
}

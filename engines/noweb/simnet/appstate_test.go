package simnet

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/internal/wait"
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

// TestAppStateEventsInPatchOrder: the events of two patches synced right after
// each other reach the handlers in the patches' order, even while a handler of
// the first is still busy. The phone's archive patch also unpins the chat and
// its pin patch comes next; the companion syncs each on its own server_sync
// notification. Had the second sync's pin been handled before the first's unpin,
// a store following the events would keep the chat unpinned.
func TestAppStateEventsInPatchOrder(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	alice, err := srv.CreateAccount(ctx, "491510000025", "Alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := srv.CreateAccount(ctx, "491510000026", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	c := pairedWithKeys(t, srv, "491510000025", "alice-order")
	bobChat := bob.JID().String()

	// The handler of the archive returns only once the companion has applied the
	// pin patch after it, so that sync's events are ready to go meanwhile.
	archived := make(chan uint64, 1)
	var (
		mu   sync.Mutex
		pins []bool
	)
	c.cli.AddEventHandler(func(evt any) {
		switch v := evt.(type) {
		case *events.Archive:
			if v.JID != bob.JID() || !v.Action.GetArchived() || v.FromFullSync {
				return
			}
			version, _, err := c.cli.Store.AppState.GetAppStateVersion(ctx, string(appstate.WAPatchRegularLow))
			if err != nil {
				t.Errorf("app state version: %v", err)
				return
			}
			archived <- version
			if err := wait.PollContext(ctx, func() error {
				now, _, err := c.cli.Store.AppState.GetAppStateVersion(ctx, string(appstate.WAPatchRegularLow))
				if err == nil && now <= version {
					err = fmt.Errorf("regular_low still at version %d", now)
				}
				return err
			}); err != nil {
				t.Errorf("the pin patch was never applied: %v", err)
			}
		case *events.Pin:
			if v.JID == bob.JID() && !v.FromFullSync {
				mu.Lock()
				pins = append(pins, v.Action.GetPinned())
				mu.Unlock()
			}
		}
	})
	if err := alice.Archive(ctx, bobChat, true); err != nil {
		t.Fatal(err)
	}
	select {
	case <-archived:
	case <-ctx.Done():
		t.Fatal("the companion never handled the archive")
	}
	if err := alice.Pin(ctx, bobChat, true); err != nil {
		t.Fatal(err)
	}
	wait.Context(t, ctx, func() error {
		mu.Lock()
		defer mu.Unlock()
		if len(pins) < 2 {
			return fmt.Errorf("pins handled so far: %v", pins)
		}
		return nil
	})
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(pins, []bool{false, true}) {
		t.Fatalf("pins handled in the order %v, want the archive's unpin, then the pin", pins)
	}
}

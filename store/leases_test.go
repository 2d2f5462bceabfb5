package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/sessions"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestLeases: a lease goes to one owner at a time, its token grows with every new
// owner (not with renewals), an expired one is taken, a released one is free at
// once, and a pinned one goes to its replica only.
func TestLeases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s, _ := storetest.Open(t, d)
		a := sessions.Replica{ID: "a", Address: "http://a:3000"}
		b := sessions.Replica{ID: "b", Address: "http://b:3000", Max: 5}
		ttl := 15 * time.Second
		t0 := time.UnixMilli(1_700_000_000_000)

		la, err := s.AcquireLease(ctx, "one", a, t0, ttl, false)
		if err != nil || la.Token != 1 || la.Owner != "a" || la.Address != a.Address {
			t.Fatalf("a acquires: %+v, %v; want token 1 owned by a", la, err)
		}
		if l, err := s.AcquireLease(ctx, "one", b, t0.Add(time.Second), ttl, false); !errors.Is(err, sessions.ErrLeaseHeld) || l.Owner != "a" {
			t.Fatalf("b acquires a held lease: %+v, %v; want ErrLeaseHeld naming a", l, err)
		}
		if l, err := s.AcquireLease(ctx, "one", a, t0.Add(time.Second), ttl, false); err != nil || l.Token != 1 {
			t.Fatalf("a acquires again: %+v, %v; want the same token", l, err)
		}
		held, err := s.RenewLeases(ctx, a, t0.Add(10*time.Second), ttl)
		if err != nil || len(held) != 1 || held[0].Token != 1 || !held[0].ExpiresAt.Equal(t0.Add(25*time.Second)) {
			t.Fatalf("renew: %+v, %v", held, err)
		}
		if _, err := s.AcquireLease(ctx, "one", b, t0.Add(24*time.Second), ttl, false); !errors.Is(err, sessions.ErrLeaseHeld) {
			t.Fatalf("b acquires before the renewed expiry: %v", err)
		}
		lb, err := s.AcquireLease(ctx, "one", b, t0.Add(25*time.Second), ttl, false)
		if err != nil || lb.Token != 2 || lb.Owner != "b" {
			t.Fatalf("b takes the expired lease: %+v, %v; want token 2", lb, err)
		}
		if held, _ := s.RenewLeases(ctx, a, t0.Add(26*time.Second), ttl); len(held) != 0 {
			t.Fatalf("a still renews %+v after b took it", held)
		}
		// Replicas: both alive, b holds one lease.
		s.RenewLeases(ctx, b, t0.Add(27*time.Second), ttl)
		reps, err := s.ListReplicas(ctx, t0.Add(27*time.Second))
		if err != nil || len(reps) != 2 || reps[1].ID != "b" || reps[1].Sessions != 1 || reps[1].Max != 5 || reps[0].Sessions != 0 {
			t.Fatalf("replicas: %+v, %v", reps, err)
		}
		if reps, _ := s.ListReplicas(ctx, t0.Add(41*time.Second+500*time.Millisecond)); len(reps) != 1 || reps[0].ID != "b" {
			t.Fatalf("a's heartbeat expired at 41 s, b's lasts to 42 s: got %+v", reps)
		}
		// A release frees it at once; the next owner gets the next token.
		if err := s.ReleaseLeases(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.AssignLease(ctx, "one", 1, "", a, t0.Add(27*time.Second), ttl); ok || err != nil {
			t.Fatalf("assign with a stale token: %v, %v; want refused", ok, err)
		}
		if ok, err := s.AssignLease(ctx, "one", 2, "", a, t0.Add(27*time.Second), ttl); !ok || err != nil {
			t.Fatalf("assign the released lease: %v, %v", ok, err)
		}
		if l, _ := s.GetLease(ctx, "one"); l.Owner != "a" || l.Token != 3 {
			t.Fatalf("after assign: %+v, want a with token 3", l)
		}
		// A held lease is not assigned, except by its owner (a move).
		if ok, _ := s.AssignLease(ctx, "one", 3, "", b, t0.Add(28*time.Second), ttl); ok {
			t.Fatal("a held lease was assigned")
		}
		if ok, _ := s.AssignLease(ctx, "one", 3, "a", b, t0.Add(28*time.Second), ttl); !ok {
			t.Fatal("the owner could not hand its lease over")
		}
		// Pinned: it goes back to its replica only.
		if l, err := s.AcquireLease(ctx, "web", a, t0, ttl, true); err != nil || l.Pinned != "a" {
			t.Fatalf("pinned acquire: %+v, %v", l, err)
		}
		if _, err := s.AcquireLease(ctx, "web", b, t0.Add(time.Minute), ttl, true); !errors.Is(err, sessions.ErrLeaseHeld) {
			t.Fatalf("b took a lease pinned to a: %v", err)
		}
		if ok, _ := s.AssignLease(ctx, "web", 1, "", b, t0.Add(time.Minute), ttl); ok {
			t.Fatal("a lease pinned to a was assigned to b")
		}
		if l, err := s.AcquireLease(ctx, "web", a, t0.Add(time.Minute), ttl, true); err != nil || l.Token != 1 {
			t.Fatalf("a takes its pinned lease back: %+v, %v", l, err)
		}
		if err := s.UnpinLease(ctx, "web"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.AssignLease(ctx, "web", 1, "a", b, t0.Add(time.Minute), ttl); !ok {
			t.Fatal("an unpinned lease could not move")
		}
	})
}

// TestNewOwnerMarksStarting: the transaction that gives a running session's lease
// to a new owner marks it STARTING, so the session list never shows the status
// the last owner saved (WORKING, SCAN_QR_CODE) as the new owner's before that
// one has started it; renewals, and stopped or failed sessions, keep theirs.
func TestNewOwnerMarksStarting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s, _ := storetest.Open(t, d)
		now := time.UnixMilli(time.Now().UnixMilli())
		a, b := sessions.Replica{ID: "a"}, sessions.Replica{ID: "b"}
		status := func(name string) engines.Status {
			t.Helper()
			rec, err := s.GetSession(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			return rec.Status
		}
		for name, st := range map[string]engines.Status{"working": engines.StatusWorking, "qr": engines.StatusScanQRCode, "stopped": engines.StatusStopped, "failed": engines.StatusFailed} {
			rec := sessions.Record{Name: name, Engine: engines.NOWEB, Status: st, Running: true, CreatedAt: now, UpdatedAt: now}
			if err := s.CreateSession(ctx, rec); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AcquireLease(ctx, name, a, now, time.Minute, false); err != nil {
				t.Fatal(err)
			}
		}
		for name, want := range map[string]engines.Status{"working": engines.StatusStarting, "qr": engines.StatusStarting, "stopped": engines.StatusStopped, "failed": engines.StatusFailed} {
			if got := status(name); got != want {
				t.Errorf("%s after its first lease: %s, want %s", name, got, want)
			}
		}
		rec, _ := s.GetSession(ctx, "working")
		rec.Status = engines.StatusWorking
		la, _ := s.GetLease(ctx, "working")
		if err := s.SaveSessionFenced(ctx, rec, la.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AcquireLease(ctx, "working", a, now.Add(time.Second), time.Minute, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RenewLeases(ctx, a, now.Add(2*time.Second), time.Minute); err != nil {
			t.Fatal(err)
		}
		if got := status("working"); got != engines.StatusWorking {
			t.Fatalf("after its owner acquired again and renewed: %s, want WORKING", got)
		}
		if ok, err := s.AssignLease(ctx, "working", la.Token, "a", b, now.Add(3*time.Second), time.Minute); err != nil || !ok {
			t.Fatalf("move to b: %v %v", ok, err)
		}
		if got := status("working"); got != engines.StatusStarting {
			t.Fatalf("moved to b: %s, want STARTING", got)
		}
	})
}

// TestFencing: a write carrying a token the lease no longer has changes nothing,
// neither the session row nor the store change nor its outbox rows.
func TestFencing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s, _ := storetest.Open(t, d)
		now := time.UnixMilli(time.Now().UnixMilli())
		rec := sessions.Record{Name: "one", Engine: engines.NOWEB, Status: engines.StatusStopped, CreatedAt: now, UpdatedAt: now}
		if err := s.CreateSession(ctx, rec); err != nil {
			t.Fatal(err)
		}
		a, b := sessions.Replica{ID: "a"}, sessions.Replica{ID: "b"}
		la, _ := s.AcquireLease(ctx, "one", a, now, time.Second, false)
		rec.Status = engines.StatusWorking
		if err := s.SaveSessionFenced(ctx, rec, la.Token); err != nil {
			t.Fatalf("owner's save: %v", err)
		}
		lb, err := s.AcquireLease(ctx, "one", b, now.Add(time.Second), time.Minute, false)
		if err != nil {
			t.Fatal(err)
		}
		rec.Status = engines.StatusFailed
		if err := s.SaveSessionFenced(ctx, rec, la.Token); !errors.Is(err, sessions.ErrFenced) {
			t.Fatalf("stale save: %v, want ErrFenced", err)
		}
		if got, _ := s.GetSession(ctx, "one"); got.Status != engines.StatusStarting {
			t.Fatalf("status = %s after a stale save, want STARTING (as b's lease made it)", got.Status)
		}
		write := func(token int64, id string) error {
			return s.RecordFenced(ctx, "one", token, func(tx chatstore.Store) ([]store.Delivery, error) {
				if err := tx.SaveChats(ctx, "one", []chatstore.Chat{{ID: id}}); err != nil {
					return nil, err
				}
				return []store.Delivery{{ID: "dlv_" + id, EventID: "evt_" + id, Session: "one", URL: "http://127.0.0.1:1/", Event: "message",
					Body: []byte(`{}`), Status: store.DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}}, nil
			})
		}
		if err := write(la.Token, "stale@c.us"); !errors.Is(err, sessions.ErrFenced) {
			t.Fatalf("stale record: %v, want ErrFenced", err)
		}
		if err := write(lb.Token, "fresh@c.us"); err != nil {
			t.Fatalf("owner's record: %v", err)
		}
		ds, err := s.ListDeliveries(ctx, store.DeliveryFilter{Session: "one"})
		if err != nil || len(ds) != 1 || ds[0].ID != "dlv_fresh@c.us" {
			t.Fatalf("deliveries: %+v, %v; want only the owner's", ds, err)
		}
		chats, err := s.ChatStore().ListChats(ctx, "one", engines.ChatQuery{})
		if err != nil || len(chats) != 1 || chats[0].ID != "fresh@c.us" {
			t.Fatalf("chats: %+v, %v; want only the owner's", chats, err)
		}
	})
}

// TestAssignLeases: the batch hand-out assigns, with the next token and the
// session marked STARTING, exactly the leases AssignLease would, row by row:
// never leased, released or expired, seen with their current token, not pinned
// to another replica; a held, a stale or a foreign-pinned one stays as it is.
// More sessions than one statement names are all handed out.
func TestAssignLeases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s, _ := storetest.Open(t, d)
		a, b := sessions.Replica{ID: "a", Address: "http://a"}, sessions.Replica{ID: "b", Address: "http://b"}
		ttl := 15 * time.Second
		t0 := time.UnixMilli(1_700_000_000_000)
		mustAcquire := func(name string, r sessions.Replica, at time.Time, pin bool) {
			t.Helper()
			if _, err := s.AcquireLease(ctx, name, r, at, ttl, pin); err != nil {
				t.Fatal(err)
			}
		}
		rec := sessions.Record{Name: "released", Engine: engines.NOWEB, Status: engines.StatusWorking, Running: true, CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateSession(ctx, rec); err != nil {
			t.Fatal(err)
		}
		mustAcquire("released", b, t0, false) // token 1
		rec.Status = engines.StatusWorking
		if err := s.SaveSessionFenced(ctx, rec, 1); err != nil {
			t.Fatal(err)
		}
		if err := s.ReleaseLeases(ctx, "b", "released"); err != nil {
			t.Fatal(err)
		}
		mustAcquire("expired", b, t0, false) // token 1, expires t0+15s
		mustAcquire("stale", b, t0, false)   // token 1, seen as 0 below
		mustAcquire("held", b, t0.Add(20*time.Second), false)
		mustAcquire("pinned", b, t0, true) // expired but pinned to b
		now := t0.Add(20 * time.Second)
		seen := map[string]int64{"new": 0, "released": 1, "expired": 1, "stale": 0, "held": 1, "pinned": 1}
		got, err := s.AssignLeases(ctx, seen, a, now, ttl)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{"new": 1, "released": 2, "expired": 2}
		if len(got) != len(want) {
			t.Fatalf("assigned %v, want %v", got, want)
		}
		for name, tok := range want {
			if got[name] != tok {
				t.Fatalf("assigned %v, want %v", got, want)
			}
			l, _ := s.GetLease(ctx, name)
			if l.Owner != "a" || l.Address != a.Address || l.Token != tok || !l.ExpiresAt.Equal(now.Add(ttl)) {
				t.Fatalf("lease of %s: %+v", name, l)
			}
		}
		for _, name := range []string{"stale", "held", "pinned"} {
			if l, _ := s.GetLease(ctx, name); l.Owner != "b" || l.Token != 1 {
				t.Fatalf("lease of %s changed: %+v", name, l)
			}
		}
		if r, _ := s.GetSession(ctx, "released"); r.Status != engines.StatusStarting {
			t.Fatalf("released session after the hand-out: %s, want STARTING", r.Status)
		}
		// Again with the tokens now stale: nothing moves.
		if got, err := s.AssignLeases(ctx, map[string]int64{"new": 0, "released": 1}, b, now.Add(time.Hour), ttl); err != nil || len(got) != 0 {
			t.Fatalf("stale tokens assigned: %v, %v", got, err)
		}
		many := map[string]int64{}
		for i := range 1200 {
			many[fmt.Sprintf("m%04d", i)] = 0
		}
		got, err = s.AssignLeases(ctx, many, b, now, ttl)
		if err != nil || len(got) != len(many) {
			t.Fatalf("%d of %d assigned: %v", len(got), len(many), err)
		}
		if held, err := s.RenewLeases(ctx, b, now.Add(time.Second), ttl); err != nil || len(held) != 1200+3 {
			t.Fatalf("b renews %d leases (%v), want 1203 (stale, held, pinned and the batch)", len(held), err)
		}
	})
}

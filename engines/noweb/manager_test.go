package noweb

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"github.com/wagate/wagate/engines/noweb/simnet"
	"github.com/wagate/wagate/internal/wait"
	"github.com/wagate/wagate/sessions"

	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/store"
)

// TestThroughManager drives the engine the way the gateway does: the Manager
// starts it, waits for SCAN_QR_CODE and WORKING, restarts it, stops it and logs
// the stopped session out with an engine it makes only for that.
func TestThroughManager(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		ctx := testCtx(t)
		const phone = "491510000004"
		if _, err := e.srv.CreateAccount(ctx, phone, "Erin"); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		m := newManager(t, e)
		pairThroughManager(t, ctx, e, m, "mgr", phone)
		info, err := m.Get(ctx, "mgr")
		if err != nil || info.Me == nil || info.Me.ID != phone+"@c.us" {
			t.Fatalf("session info = %+v, %v; want me %s@c.us", info, err, phone)
		}

		if _, err := m.Restart(ctx, "mgr"); err != nil {
			t.Fatalf("Restart: %v", err)
		}
		if _, err := m.Working(ctx, "mgr"); err != nil {
			t.Fatalf("await WORKING after restart: %v", err)
		}

		if _, err := m.Stop(ctx, "mgr"); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		if _, err := m.Logout(ctx, "mgr"); err != nil {
			t.Fatalf("Logout: %v", err)
		}
		if info, _ := m.Get(ctx, "mgr"); info.Me != nil || info.Status != engines.StatusStopped {
			t.Fatalf("after logout: status %s, me %+v; want STOPPED, no me", info.Status, info.Me)
		}
		if n := deviceRows(t, e, "mgr"); n != 0 {
			t.Errorf("device rows after logout = %d, want 0", n)
		}
		if n := whatsmeowDevices(t, e.factory); n != 0 {
			t.Errorf("whatsmeow devices after logout = %d, want 0", n)
		}
	})
}

// TestDeletedSessionsLeaveNothing: creating, pairing and deleting a session over
// and over leaves no goroutine behind (whatsmeow's history-sync loop waited on a
// channel that is never closed, one per deleted session, holding its client; each
// client's own HTTP transport kept idle connections). The heap is logged: simnet
// shares the process, so its figure is not ours alone.
func TestDeletedSessionsLeaveNothing(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	const phone, friend = "491510000005", "491510000006"
	fred, err := e.srv.CreateAccount(ctx, phone, "Fred")
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	gina, err := e.srv.CreateAccount(ctx, friend, "Gina")
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	// Something for every pairing's history sync to carry.
	if _, err := gina.SendText(ctx, phone, "hello Fred"); err != nil {
		t.Fatal(err)
	}
	if _, err := fred.WaitFor(ctx, func(ev simnet.Event) bool { return ev.Text == "hello Fred" }); err != nil {
		t.Fatal(err)
	}
	m := newManager(t, e)
	cycle := func(i int) {
		t.Helper()
		name := fmt.Sprintf("leak%d", i)
		eng := pairThroughManager(t, ctx, e, m, name, phone)
		// The history sync is what left the goroutine: wait until it is stored.
		waitMessages(t, ctx, eng.(*Engine), friend+"@c.us", hasBody("hello Fred"))
		if err := m.Delete(ctx, name); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	settled := func() (int, uint64) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return runtime.NumGoroutine(), ms.HeapAlloc
	}
	cycle(0) // the first pays for what stays: connections, caches, simnet's side
	baseG, baseHeap := settled()
	const cycles = 20
	for i := 1; i <= cycles; i++ {
		cycle(i)
	}
	// Goroutines of the last client end a moment after Delete returns.
	var g int
	var heap uint64
	_ = wait.Poll(10*time.Second, func() error { // judged below, with the stacks
		if g, heap = settled(); g > baseG+2 {
			return errors.New("goroutines left")
		}
		return nil
	})
	if g > baseG+2 {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines after %d more create/pair/delete cycles, %d after the first:\n%s", g, cycles, baseG, buf[:runtime.Stack(buf, true)])
	}
	t.Logf("goroutines %d → %d, heap %d → %d bytes", baseG, g, baseHeap, heap)
}

// newManager runs the env's NOWEB factory under a Manager that records through
// the env's store.
func newManager(t *testing.T, e *env) *sessions.Manager {
	m := sessions.NewManager(e.db, map[engines.Name]sessions.Factory{engines.NOWEB: e.factory}, storeRecorder{st: e.db}, e.log,
		sessions.ManagerOptions{WorkingWait: 20 * time.Second})
	t.Cleanup(func() { m.Shutdown(context.Background()) })
	return m
}

// pairThroughManager creates and starts session name and lets phone's account
// scan its QR code; it returns once the session is WORKING.
func pairThroughManager(t *testing.T, ctx context.Context, e *env, m *sessions.Manager, name, phone string) engines.Engine {
	t.Helper()
	if _, err := m.Create(ctx, name, engines.NOWEB, engines.SessionConfig{}, true); err != nil {
		t.Fatalf("Create: %v", err)
	}
	eng, _, err := m.Await(ctx, name, engines.StatusScanQRCode)
	if err != nil {
		t.Fatalf("await SCAN_QR_CODE: %v", err)
	}
	qr, err := eng.QR(ctx)
	if err != nil {
		t.Fatalf("QR: %v", err)
	}
	if _, err := e.srv.ScanQR(ctx, phone, qr.Value); err != nil {
		t.Fatalf("ScanQR: %v", err)
	}
	if _, err := m.Working(ctx, name); err != nil {
		t.Fatalf("await WORKING: %v", err)
	}
	return eng
}

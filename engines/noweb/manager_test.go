package noweb

import (
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
		m := sessions.NewManager(e.db, map[engines.Name]sessions.Factory{engines.NOWEB: e.factory}, storeRecorder{st: e.db}, e.log,
			sessions.ManagerOptions{WorkingWait: 20 * time.Second})
		t.Cleanup(func() { m.Shutdown(t.Context()) })

		if _, err := m.Create(ctx, "mgr", engines.NOWEB, engines.SessionConfig{}, true); err != nil {
			t.Fatalf("Create: %v", err)
		}
		eng, _, err := m.Await(ctx, "mgr", engines.StatusScanQRCode)
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
		if _, err := m.Working(ctx, "mgr"); err != nil {
			t.Fatalf("await WORKING: %v", err)
		}
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

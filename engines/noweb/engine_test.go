package noweb

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/engines/noweb/simnet"
	"github.com/wagate/wagate/sessions"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"go.mau.fi/whatsmeow"
)

// testRootKey is the simnet root of every test: whatsmeow trusts one root per process.
var testRootKey = [32]byte{7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31}

var trustOnce sync.Once

// fakeHost records what an engine reports.
type fakeHost struct {
	mu       sync.Mutex
	statuses []engines.Status
	reasons  []string
	me       *engines.MeInfo
	meSet    int
	failures []string
	emitted  []emitted
	changed  chan struct{}
	// store is what a change gets as its transaction: the engine's own store,
	// written directly (Record's atomicity is the store's and the recorder's to
	// prove, in their tests).
	store chatstore.Store
}

// emitted is one event an engine emitted.
type emitted struct {
	name    string
	payload any
}

// storeRecorder records changes in the store's transactions, as the webhooks
// service does, and hands the committed events to fn.
type storeRecorder struct {
	st *store.Store
	fn func([]engines.Event)
}

func (r storeRecorder) Record(ctx context.Context, change func(chatstore.Store) ([]engines.Event, error)) error {
	var evs []engines.Event
	err := r.st.Record(ctx, func(tx chatstore.Store) ([]store.Delivery, error) {
		var err error
		evs, err = change(tx)
		return nil, err
	})
	if err == nil && r.fn != nil {
		r.fn(evs)
	}
	return err
}

func newFakeHost(st chatstore.Store) *fakeHost {
	return &fakeHost{changed: make(chan struct{}), store: st}
}

func (h *fakeHost) bump() {
	close(h.changed)
	h.changed = make(chan struct{})
}

func (h *fakeHost) SetStatus(st engines.Status, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.statuses = append(h.statuses, st)
	h.reasons = append(h.reasons, reason)
	h.bump()
}

func (h *fakeHost) NewQR() { h.SetStatus(engines.StatusScanQRCode, "") }

func (h *fakeHost) SetMe(me *engines.MeInfo) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.me = me
	h.meSet++
	h.bump()
}

func (h *fakeHost) Record(_ context.Context, change sessions.Change) error {
	ems, err := change(h.store)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range ems {
		h.emitted = append(h.emitted, emitted{e.Event, e.Payload})
	}
	h.bump()
	return nil
}

// events are the payloads of the events named name emitted so far, in order.
func (h *fakeHost) events(name string) []any {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []any
	for _, e := range h.emitted {
		if e.name == name {
			out = append(out, e.payload)
		}
	}
	return out
}

// waitEmitted waits for an event named name whose payload ok accepts.
func (h *fakeHost) waitEmitted(t *testing.T, ctx context.Context, name string, ok func(any) bool) any {
	t.Helper()
	for {
		h.mu.Lock()
		for _, e := range h.emitted {
			if e.name == name && ok(e.payload) {
				h.mu.Unlock()
				return e.payload
			}
		}
		changed := h.changed
		h.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("no %s event as expected: %v", name, ctx.Err())
		}
	}
}

func (h *fakeHost) Failed(err error, retry bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failures = append(h.failures, fmt.Sprintf("%v (retry=%t)", err, retry))
	h.statuses = append(h.statuses, engines.StatusFailed)
	h.reasons = append(h.reasons, err.Error())
	h.bump()
}

func (h *fakeHost) seen(st engines.Status) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.statuses {
		if s == st {
			return true
		}
	}
	return false
}

// waitStatus waits until the host has recorded st (at any point so far).
func (h *fakeHost) waitStatus(t *testing.T, ctx context.Context, st engines.Status) {
	t.Helper()
	for {
		h.mu.Lock()
		ch := h.changed
		var found bool
		for _, s := range h.statuses {
			found = found || s == st
		}
		all := append([]engines.Status(nil), h.statuses...)
		fails := append([]string(nil), h.failures...)
		h.mu.Unlock()
		if found {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s; statuses %v, failures %v", st, all, fails)
		}
	}
}

func (h *fakeHost) noFailures(t *testing.T) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.failures) > 0 {
		t.Fatalf("engine failed: %v", h.failures)
	}
}

func (h *fakeHost) getMe() *engines.MeInfo {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.me
}

// env is one simnet and one wagate database.
type env struct {
	srv     *simnet.Server
	db      *store.Store
	factory *Factory
	log     *slog.Logger
}

// simnetClient points clients at the simnet at addr, through one HTTP client, as
// cmd/wagate does.
func simnetClient(addr string) func(*whatsmeow.Client) {
	h := simnet.HTTPClient(addr)
	return func(cli *whatsmeow.Client) {
		cli.SetWebsocketHTTPClient(h)
		cli.SetPreLoginHTTPClient(h)
		cli.SetMediaHTTPClient(h)
	}
}

func testLogger() *slog.Logger {
	if os.Getenv("NOWEB_VERBOSE") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newEnv(t *testing.T, d store.Dialect) *env {
	t.Helper()
	log := testLogger()
	key := testRootKey
	srv, err := simnet.New(simnet.Options{Logger: log, RootPrivateKey: &key, DataDir: t.TempDir(), RequestTimeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("simnet.New: %v", err)
	}
	trustOnce.Do(func() { simnet.TrustRootKeyForProcess(srv.RootPublicKey(), nil) })
	if err := srv.Start(t.Context(), "127.0.0.1:0"); err != nil {
		t.Fatalf("simnet Start: %v", err)
	}
	st, _ := storetest.Open(t, d)
	e := &env{srv: srv, db: st, log: log}
	e.factory = e.newFactory(t)
	// Cleanups run last-in first-out: engines (registered later) stop first, then
	// the simnet closes.
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("simnet Close: %v", err)
		}
	})
	return e
}

// newFactory opens a factory on the env's database, as a restarted gateway would.
func (e *env) newFactory(t *testing.T) *Factory {
	t.Helper()
	f, err := NewFactory(t.Context(), Options{
		DB: e.db.SQL(), Devices: e.db.NOWEBDevices(), Dialect: string(e.db.Dialect()), Log: e.log,
		StoreEnabled: true, Chats: e.db.ChatStore(), ConfigureClient: simnetClient(e.srv.Addr()),
	})
	if err != nil {
		t.Fatalf("NewFactory: %v", err)
	}
	return f.(*Factory)
}

func newEngine(t *testing.T, f *Factory, session string) (*Engine, *fakeHost) {
	t.Helper()
	h := newFakeHost(f.opts.Chats)
	eng, err := f.New(t.Context(), sessions.Spec{Name: session, Engine: engines.NOWEB}, h)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e := eng.(*Engine)
	t.Cleanup(func() { _ = e.Stop(context.Background()) })
	return e, h
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func forEachDialect(t *testing.T, fn func(t *testing.T, d store.Dialect)) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, d)
		})
	}
}

// pairByQR starts eng and lets the account's phone scan the QR code it serves.
func pairByQR(t *testing.T, ctx context.Context, e *env, eng *Engine, h *fakeHost, phone string) {
	t.Helper()
	if err := eng.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	h.waitStatus(t, ctx, engines.StatusScanQRCode)
	qr, err := eng.QR(ctx)
	if err != nil || qr.Value == "" {
		t.Fatalf("QR() = %+v, %v while SCAN_QR_CODE", qr, err)
	}
	if _, err := e.srv.ScanQR(ctx, phone, qr.Value); err != nil {
		t.Fatalf("ScanQR: %v", err)
	}
	h.waitStatus(t, ctx, engines.StatusWorking)
	h.noFailures(t)
}

func deviceRows(t *testing.T, e *env, session string) int {
	t.Helper()
	var n int
	if err := e.db.SQL().QueryRow(`SELECT COUNT(*) FROM wagate_noweb_devices WHERE session = $1`, session).Scan(&n); err != nil {
		t.Fatalf("count device rows: %v", err)
	}
	return n
}

func whatsmeowDevices(t *testing.T, f *Factory) int {
	t.Helper()
	devs, err := f.container.GetAllDevices(t.Context())
	if err != nil {
		t.Fatalf("GetAllDevices: %v", err)
	}
	return len(devs)
}

// TestQRPairingRestartAndLogout: pair by QR → WORKING with Me; stop and start on a
// fresh factory (a restarted gateway) → WORKING without pairing; logout → the
// device is gone from the account and from the database.
func TestQRPairingRestartAndLogout(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		ctx := testCtx(t)
		const phone = "491510000001"
		alice, err := e.srv.CreateAccount(ctx, phone, "Alice")
		if err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		eng, h := newEngine(t, e.factory, "default")
		if me, err := eng.Me(ctx); err != nil || me != nil {
			t.Fatalf("Me before pairing = %+v, %v; want nil", me, err)
		}
		if _, err := eng.QR(ctx); err != engines.ErrNoQR {
			t.Fatalf("QR before start: err = %v, want ErrNoQR", err)
		}
		pairByQR(t, ctx, e, eng, h, phone)

		me := h.getMe()
		if me == nil {
			t.Fatal("SetMe was not called")
		}
		if me.ID != phone+"@c.us" {
			t.Errorf("Me.ID = %q, want %s@c.us", me.ID, phone)
		}
		if want := alice.LID().User + "@lid"; me.LID != want {
			t.Errorf("Me.LID = %q, want %q", me.LID, want)
		}
		if !strings.HasPrefix(me.JID, phone+":") || !strings.HasSuffix(me.JID, "@s.whatsapp.net") {
			t.Errorf("Me.JID = %q, want %s:<device>@s.whatsapp.net", me.JID, phone)
		}
		if got, _ := eng.Me(ctx); got == nil || got.ID != me.ID {
			t.Errorf("Me() = %+v, want %+v", got, me)
		}
		if _, err := eng.QR(ctx); err != engines.ErrNoQR {
			t.Errorf("QR after pairing: err = %v, want ErrNoQR", err)
		}
		if n := deviceRows(t, e, "default"); n != 1 {
			t.Fatalf("device rows = %d, want 1", n)
		}
		if _, err := eng.ListChats(ctx, engines.ChatQuery{}); err != nil {
			t.Errorf("ListChats: %v", err)
		}

		// Restart: a new factory on the same database finds the device again.
		if err := eng.Stop(ctx); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		f2 := e.newFactory(t)
		eng2, h2 := newEngine(t, f2, "default")
		if got, err := eng2.Me(ctx); err != nil || got == nil || got.JID != me.JID {
			t.Fatalf("Me() of a stopped, paired session = %+v, %v; want %+v", got, err, me)
		}
		if err := eng2.Start(ctx); err != nil {
			t.Fatalf("Start again: %v", err)
		}
		h2.waitStatus(t, ctx, engines.StatusWorking)
		h2.noFailures(t)
		if h2.seen(engines.StatusScanQRCode) {
			t.Fatal("restarted session asked for a QR code again")
		}
		if got := h2.getMe(); got == nil || got.JID != me.JID || got.LID != me.LID {
			t.Fatalf("Me after restart = %+v, want %+v", got, me)
		}

		// Logout unlinks the device from the account and deletes its keys.
		if err := eng2.Logout(ctx); err != nil {
			t.Fatalf("Logout: %v", err)
		}
		acc, err := e.srv.Account(phone)
		if err != nil {
			t.Fatal(err)
		}
		if len(acc.Devices) != 1 {
			t.Errorf("account devices after logout = %v, want only the phone", acc.Devices)
		}
		if n := deviceRows(t, e, "default"); n != 0 {
			t.Errorf("device rows after logout = %d, want 0", n)
		}
		if n := whatsmeowDevices(t, f2); n != 0 {
			t.Errorf("whatsmeow devices after logout = %d, want 0", n)
		}
		if got, _ := eng2.Me(ctx); got != nil {
			t.Errorf("Me after logout = %+v, want nil", got)
		}
	})
}

// TestPairingCode pairs by phone code: RequestCode → the phone enters it → WORKING.
func TestPairingCode(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		ctx := testCtx(t)
		const phone = "491510000002"
		if _, err := e.srv.CreateAccount(ctx, phone, "Carol"); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		eng, h := newEngine(t, e.factory, "code")
		if _, err := eng.RequestCode(ctx, phone); err == nil {
			t.Fatal("RequestCode before Start succeeded")
		}
		if err := eng.Start(ctx); err != nil {
			t.Fatalf("Start: %v", err)
		}
		// No waiting for SCAN_QR_CODE first: RequestCode waits for the connection itself.
		code, err := eng.RequestCode(ctx, "+49 151 0000002")
		if err != nil {
			t.Fatalf("RequestCode: %v", err)
		}
		if !regexp.MustCompile(`^[0-9A-Z]{4}-[0-9A-Z]{4}$`).MatchString(code) {
			t.Fatalf("code = %q, want ABCD-EFGH form", code)
		}
		dev, err := e.srv.EnterPairingCode(ctx, phone, code)
		if err != nil {
			t.Fatalf("EnterPairingCode: %v", err)
		}
		h.waitStatus(t, ctx, engines.StatusWorking)
		h.noFailures(t)
		if me := h.getMe(); me == nil || me.JID != dev.String() || me.ID != phone+"@c.us" {
			t.Fatalf("Me = %+v, want jid %s", me, dev)
		}
		if n := deviceRows(t, e, "code"); n != 1 {
			t.Fatalf("device rows = %d, want 1", n)
		}
		if _, err := eng.RequestCode(ctx, phone); err == nil {
			t.Fatal("RequestCode on a paired session succeeded")
		}
	})
}

// TestLogoutNeverStarted: the Manager logs out a stopped session with an engine it
// never starts; that deletes the local device keys.
func TestLogoutNeverStarted(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		ctx := testCtx(t)
		const phone = "491510000003"
		if _, err := e.srv.CreateAccount(ctx, phone, "Dave"); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		eng, h := newEngine(t, e.factory, "idle")
		pairByQR(t, ctx, e, eng, h, phone)
		if err := eng.Stop(ctx); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		// A second session on the same database must survive the logout.
		other, oh := newEngine(t, e.factory, "other")
		if err := other.Logout(ctx); err != nil {
			t.Fatalf("Logout of an unpaired session: %v", err)
		}
		_ = oh

		fresh, _ := newEngine(t, e.factory, "idle")
		if err := fresh.Logout(ctx); err != nil {
			t.Fatalf("Logout: %v", err)
		}
		if n := deviceRows(t, e, "idle"); n != 0 {
			t.Errorf("device rows after logout = %d, want 0", n)
		}
		if n := whatsmeowDevices(t, e.factory); n != 0 {
			t.Errorf("whatsmeow devices after logout = %d, want 0", n)
		}
		if me, _ := fresh.Me(ctx); me != nil {
			t.Errorf("Me after logout = %+v, want nil", me)
		}
	})
}

// TestStopWhileWaitingForQR: stopping an unpaired session ends its QR channel
// quietly (no FAILED), and starting the session again shows a new QR code.
func TestStopWhileWaitingForQR(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		ctx := testCtx(t)
		eng, h := newEngine(t, e.factory, "waiting")
		if err := eng.Start(ctx); err != nil {
			t.Fatalf("Start: %v", err)
		}
		h.waitStatus(t, ctx, engines.StatusScanQRCode)
		first, err := eng.QR(ctx)
		if err != nil {
			t.Fatalf("QR: %v", err)
		}
		if err := eng.Stop(ctx); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		if _, err := eng.QR(ctx); err != engines.ErrNoQR {
			t.Fatalf("QR after Stop: err = %v, want ErrNoQR", err)
		}
		eng2, h2 := newEngine(t, e.factory, "waiting")
		if err := eng2.Start(ctx); err != nil {
			t.Fatalf("Start again: %v", err)
		}
		h2.waitStatus(t, ctx, engines.StatusScanQRCode)
		second, err := eng2.QR(ctx)
		if err != nil || second.Value == first.Value {
			t.Fatalf("second QR = %q (%v), want a new code", second.Value, err)
		}
		h.noFailures(t)
		h2.noFailures(t)
		if n := deviceRows(t, e, "waiting"); n != 0 {
			t.Fatalf("device rows = %d for an unpaired session", n)
		}
	})
}

// TestDeviceRemovedFromPhone: the phone logs the companion out → the session
// fails with the reason, and its device record is gone (it must pair again).
func TestDeviceRemovedFromPhone(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx := testCtx(t)
	const phone = "491510000051"
	if _, err := e.srv.CreateAccount(ctx, phone, "Alice"); err != nil {
		t.Fatal(err)
	}
	eng, h := newEngine(t, e.factory, "default")
	pairByQR(t, ctx, e, eng, h, phone)
	cli, err := eng.client()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.RemoveLinkedDevice(phone, cli.Store.ID.Device); err != nil {
		t.Fatal(err)
	}
	h.waitStatus(t, ctx, engines.StatusFailed)
	h.mu.Lock()
	reason := h.reasons[len(h.reasons)-1]
	h.mu.Unlock()
	if !strings.Contains(reason, "logged out from the phone") {
		t.Fatalf("failure reason %q", reason)
	}
	if h.getMe() != nil {
		t.Fatalf("me after removal: %+v", h.getMe())
	}
	if n := deviceRows(t, e, "default"); n != 0 {
		t.Fatalf("device rows = %d, want 0", n)
	}
}

// TestSiblingSchemas: two gateways keeping their tables in two schemas of one
// PostgreSQL database each get a whatsmeow store of their own.
func TestSiblingSchemas(t *testing.T) {
	for range 2 {
		st, _ := storetest.Open(t, store.Postgres)
		if _, err := NewFactory(t.Context(), Options{DB: st.SQL(), Devices: st.NOWEBDevices(), Dialect: string(st.Dialect()), Log: testLogger(),
			Chats: st.ChatStore()}); err != nil {
			t.Fatalf("NewFactory: %v", err)
		}
	}
}

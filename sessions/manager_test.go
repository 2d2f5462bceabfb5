package sessions

import (
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"

	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// memStore is an in-memory Store.
type memStore struct {
	mu    sync.Mutex
	recs  map[string]Record
	saves int
}

func newMemStore() *memStore { return &memStore{recs: map[string]Record{}} }

func (s *memStore) ListSessions(context.Context) ([]Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Record
	for _, r := range s.recs {
		out = append(out, r)
	}
	return out, nil
}

func (s *memStore) CreateSession(_ context.Context, r Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.recs[r.Name]; ok {
		return ErrExists
	}
	s.recs[r.Name] = r
	return nil
}

func (s *memStore) SaveSession(_ context.Context, r Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.recs[r.Name]; !ok {
		return ErrNotFound
	}
	s.recs[r.Name] = r
	s.saves++
	return nil
}

func (s *memStore) saveCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saves
}

func (s *memStore) DeleteSession(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.recs, name)
	return nil
}

func (s *memStore) get(name string) Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recs[name]
}

// recorderFunc is a Recorder without a store: it hands the events of each change
// to a function.
type recorderFunc func([]engines.Event)

func (f recorderFunc) Record(_ context.Context, change func(chatstore.Store) ([]engines.Event, error)) error {
	evs, err := change(nil)
	if err == nil {
		f(evs)
	}
	return err
}

// stubEngine is driven by the test through its host.
type stubEngine struct {
	engines.Engine // the Chats methods are not called by these tests
	host           Host
	spec           Spec
	mu             sync.Mutex
	calls          []string
	paired         bool
}

func (e *stubEngine) record(c string) {
	e.mu.Lock()
	e.calls = append(e.calls, c)
	e.mu.Unlock()
}

func (e *stubEngine) Start(context.Context) error {
	e.record("start")
	if e.spec.Config.Metadata["fail"] == "start" {
		return errors.New("boom")
	}
	if e.spec.Config.Metadata["stay"] == "starting" {
		return nil // on its way, until the test says
	}
	if e.paired {
		e.host.SetMe(&engines.MeInfo{ID: "1@c.us", PushName: "me"})
		e.host.SetStatus(engines.StatusWorking, "")
	} else {
		e.host.SetStatus(engines.StatusScanQRCode, "")
	}
	return nil
}
func (e *stubEngine) Stop(context.Context) error                          { e.record("stop"); return nil }
func (e *stubEngine) Logout(context.Context) error                        { e.record("logout"); return nil }
func (e *stubEngine) Me(context.Context) (*engines.MeInfo, error)         { return nil, nil }
func (e *stubEngine) QR(context.Context) (engines.QR, error)              { return engines.QR{Value: "qr"}, nil }
func (e *stubEngine) Info(context.Context) map[string]any                 { return map[string]any{"memoryBytes": 42} }
func (e *stubEngine) RequestCode(context.Context, string) (string, error) { return "", nil }

type harness struct {
	m       *Manager
	store   *memStore
	mu      sync.Mutex
	engines []*stubEngine
	events  []engines.Event
	paired  bool
}

func newHarness(t *testing.T) *harness {
	h := &harness{store: newMemStore()}
	f := FactoryFunc(func(_ context.Context, spec Spec, host Host) (engines.Engine, error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		e := &stubEngine{host: host, spec: spec, paired: h.paired}
		h.engines = append(h.engines, e)
		return e, nil
	})
	pub := recorderFunc(func(evs []engines.Event) {
		h.mu.Lock()
		h.events = append(h.events, evs...)
		h.mu.Unlock()
	})
	h.m = NewManager(h.store, map[engines.Name]Factory{engines.WEBJS: f, engines.NOWEB: f}, pub, slog.New(slog.NewTextHandler(io.Discard, nil)),
		ManagerOptions{WorkingWait: workingWait, RestartMin: restartMin, RestartMax: restartMax})
	t.Cleanup(func() { h.m.Shutdown(context.Background()) })
	return h
}

func (h *harness) last() *stubEngine {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engines[len(h.engines)-1]
}

func (h *harness) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.engines)
}

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	info, err := h.m.Create(ctx, "s1", engines.NOWEB, engines.SessionConfig{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if info.Status != engines.StatusScanQRCode || info.EngineInfo["memoryBytes"] != 42 {
		t.Fatalf("after create: %+v", info)
	}
	if _, err := h.m.Create(ctx, "s1", engines.NOWEB, engines.SessionConfig{}, true); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate create: %v", err)
	}
	if got := h.store.get("s1"); !got.Running || got.Status != engines.StatusScanQRCode {
		t.Fatalf("stored: %+v", got)
	}
	// A WORKING session: the engine pairs.
	h.last().host.SetMe(&engines.MeInfo{ID: "1@c.us", PushName: "me"})
	h.last().host.SetStatus(engines.StatusWorking, "")
	if _, err := h.m.Working(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	// Changing the engine of a paired session is refused.
	if _, err := h.m.Update(ctx, "s1", engines.WEBJS, engines.SessionConfig{}); !errors.Is(err, ErrPaired) {
		t.Fatalf("engine change of paired session: %v", err)
	}
	info, err = h.m.Stop(ctx, "s1")
	if err != nil || info.Status != engines.StatusStopped {
		t.Fatalf("stop: %+v %v", info, err)
	}
	var nw *engines.NotWorkingError
	if _, err := h.m.Working(ctx, "s1"); !errors.As(err, &nw) || nw.Status != engines.StatusStopped {
		t.Fatalf("working on stopped: %v", err)
	}
	if got := h.store.get("s1"); got.Running || got.Me == nil {
		t.Fatalf("stored after stop: %+v", got)
	}
	// Logout of a stopped, paired session makes an engine just to unlink it.
	n := h.count()
	if _, err := h.m.Logout(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if h.count() != n+1 || h.last().calls[0] != "logout" {
		t.Fatalf("logout of stopped session: engines %d, calls %v", h.count(), h.last().calls)
	}
	if got := h.store.get("s1"); got.Me != nil {
		t.Fatalf("me kept after logout: %+v", got.Me)
	}
	// Now the engine may change.
	if info, err := h.m.Update(ctx, "s1", engines.WEBJS, engines.SessionConfig{Metadata: map[string]string{"a": "b"}}); err != nil || info.Engine != engines.WEBJS {
		t.Fatalf("update: %+v %v", info, err)
	}
	if err := h.m.Delete(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.m.Get(ctx, "s1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
	if len(h.store.recs) != 0 {
		t.Fatalf("store keeps %v", h.store.recs)
	}
}

func TestStatusEventsAndHistory(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	h.m.Create(ctx, "s", engines.WEBJS, engines.SessionConfig{Metadata: map[string]string{"k": "v"}}, true)
	h.last().host.SetStatus(engines.StatusWorking, "")
	h.last().host.SetStatus(engines.StatusWorking, "") // a repeat is not an event
	h.m.Stop(ctx, "s")
	h.mu.Lock()
	defer h.mu.Unlock()
	var got []engines.Status
	for _, ev := range h.events {
		if ev.Event != "session.status" || ev.Session != "s" || ev.Metadata["k"] != "v" || len(ev.ID) != 30 {
			t.Fatalf("event %+v", ev)
		}
		got = append(got, ev.Payload.(StatusPayload).Status)
	}
	want := []engines.Status{engines.StatusStarting, engines.StatusScanQRCode, engines.StatusWorking, engines.StatusStopped}
	if len(got) != len(want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("statuses %v, want %v", got, want)
		}
	}
	last := h.events[len(h.events)-1].Payload.(StatusPayload)
	if len(last.Statuses) != 3 || last.Statuses[2].Status != engines.StatusStopped {
		t.Fatalf("history %+v", last.Statuses)
	}
}

// The Manager options of these tests.
const (
	restartMin  = 10 * time.Millisecond
	restartMax  = 40 * time.Millisecond
	workingWait = 200 * time.Millisecond
)

// settle lets every goroutine of the bubble run until it blocks, then advances
// the bubble's clock by d and lets them run again: what is due by then has run.
func settle(d time.Duration) {
	synctest.Wait()
	time.Sleep(d)
	synctest.Wait()
}

// TestFailedEngineRestartsWithBackoff: a failed engine is restarted after
// RestartMin, doubling up to RestartMax while it keeps failing, and back to
// RestartMin once it worked; never after a final failure or a stop.
func TestFailedEngineRestartsWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		h := newHarness(t)
		h.m.Create(ctx, "s", engines.NOWEB, engines.SessionConfig{}, true)
		first := h.last()
		first.host.Failed(errors.New("browser died"), true)
		info, _ := h.m.Get(ctx, "s")
		if info.Status != engines.StatusFailed || info.Failure != "browser died" {
			t.Fatalf("after failure: %+v", info)
		}
		// Each failure waits its delay, to the nanosecond: 10, 20, 40, 40 ms.
		for i, delay := range []time.Duration{restartMin, 2 * restartMin, restartMax, restartMax} {
			n := h.count()
			settle(delay - time.Nanosecond)
			if h.count() != n {
				t.Fatalf("failure %d: restarted before %s", i+1, delay)
			}
			settle(time.Nanosecond)
			if h.count() != n+1 {
				t.Fatalf("failure %d: not restarted after %s", i+1, delay)
			}
			if info, _ := h.m.Get(ctx, "s"); info.Status != engines.StatusScanQRCode {
				t.Fatalf("failure %d: restarted engine left the session %s", i+1, info.Status)
			}
			if i < 3 {
				h.last().host.Failed(errors.New("still broken"), true)
			}
		}
		// The old engine's late callbacks change nothing.
		first.host.SetStatus(engines.StatusWorking, "")
		if info, _ := h.m.Get(ctx, "s"); info.Status != engines.StatusScanQRCode {
			t.Fatalf("stale engine moved the session to %s", info.Status)
		}
		// Once WORKING, the next failure waits RestartMin again.
		h.last().host.SetStatus(engines.StatusWorking, "")
		h.last().host.Failed(errors.New("once more"), true)
		n := h.count()
		settle(restartMin)
		if h.count() != n+1 {
			t.Fatalf("after WORKING the backoff did not start over at %s", restartMin)
		}
		// A failure that must not be retried (logged out on the phone) stays FAILED.
		h.last().host.Failed(errors.New("logged out"), false)
		n = h.count()
		settle(10 * restartMax)
		if h.count() != n {
			t.Fatalf("engine restarted after a final failure")
		}
		if info, _ := h.m.Get(ctx, "s"); info.Status != engines.StatusFailed {
			t.Fatalf("after a final failure: %s", info.Status)
		}
		// A stop cancels a pending restart.
		h.m.Start(ctx, "s")
		h.last().host.Failed(errors.New("again"), true)
		h.m.Stop(ctx, "s")
		n = h.count()
		settle(10 * restartMax)
		if h.count() != n {
			t.Fatalf("engine restarted after stop")
		}
	})
}

// TestStartFailureIsRetried: an engine whose Start fails is made again, with the
// same backoff.
func TestStartFailureIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		h := newHarness(t)
		h.m.Create(ctx, "s", engines.NOWEB, engines.SessionConfig{Metadata: map[string]string{"fail": "start"}}, true)
		if info, _ := h.m.Get(ctx, "s"); info.Status != engines.StatusFailed || h.count() != 1 {
			t.Fatalf("after a failed start: %s, %d engines", info.Status, h.count())
		}
		settle(restartMin + 2*restartMin)
		if h.count() != 3 {
			t.Fatalf("%d start attempts after %s, want 3", h.count(), 3*restartMin)
		}
		if info, _ := h.m.Get(ctx, "s"); info.Status != engines.StatusFailed || info.Failure != "start NOWEB engine: boom" {
			t.Fatalf("after failed starts: %+v", info)
		}
	})
}

// TestWorkingWaitsForStarting: Working waits up to WorkingWait for a STARTING
// session, and reports it not working after that.
func TestWorkingWaitsForStarting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		h := newHarness(t)
		h.m.Create(ctx, "s", engines.NOWEB, engines.SessionConfig{}, true)
		h.last().host.SetStatus(engines.StatusStarting, "")
		go func() {
			time.Sleep(workingWait - time.Millisecond)
			h.last().host.SetStatus(engines.StatusWorking, "")
		}()
		if _, err := h.m.Working(ctx, "s"); err != nil {
			t.Fatalf("Working did not wait for STARTING: %v", err)
		}
		// Still STARTING after the wait: 422 material, answered after WorkingWait.
		h.m.Restart(ctx, "s")
		h.last().host.SetStatus(engines.StatusStarting, "")
		start := time.Now()
		var nw *engines.NotWorkingError
		if _, err := h.m.Working(ctx, "s"); !errors.As(err, &nw) || nw.Status != engines.StatusStarting {
			t.Fatalf("Working on a stuck session: %v", err)
		}
		if d := time.Since(start); d != workingWait {
			t.Fatalf("Working gave up after %s, want %s", d, workingWait)
		}
	})
}

func TestBootRestartsRunningSessions(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	h.paired = true
	h.m.Create(ctx, "on", engines.NOWEB, engines.SessionConfig{}, true)
	h.m.Create(ctx, "off", engines.NOWEB, engines.SessionConfig{}, false)
	h.m.Shutdown(ctx)
	if got := h.store.get("on"); !got.Running {
		t.Fatal("shutdown cleared the desired state")
	}

	for _, restartAll := range []bool{false, true} {
		h2 := newHarness(t)
		h2.store = h.store
		h2.m.store = h.store
		h2.paired = true
		if err := h2.m.Boot(ctx, restartAll); err != nil {
			t.Fatal(err)
		}
		<-h2.m.BootDone()
		on, _ := h2.m.Get(ctx, "on")
		off, _ := h2.m.Get(ctx, "off")
		if on.Status != engines.StatusWorking || on.Me == nil {
			t.Fatalf("restartAll=%v: running session came back as %+v", restartAll, on)
		}
		if wantOff := map[bool]engines.Status{false: engines.StatusStopped, true: engines.StatusWorking}[restartAll]; off.Status != wantOff {
			t.Fatalf("restartAll=%v: stopped session is %s", restartAll, off.Status)
		}
		h2.m.Shutdown(ctx)
		h.store.recs["off"] = func() Record { r := h.store.recs["off"]; r.Running = false; return r }()
	}
}

func TestMissingEngineFailsClearly(t *testing.T) {
	ctx := context.Background()
	m := NewManager(newMemStore(), map[engines.Name]Factory{}, recorderFunc(func([]engines.Event) {}), slog.New(slog.NewTextHandler(io.Discard, nil)), ManagerOptions{})
	info, err := m.Create(ctx, "s", engines.WEBJS, engines.SessionConfig{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if info.Status != engines.StatusFailed || info.Failure != "engine WEBJS is not available in this build" {
		t.Fatalf("%+v", info)
	}
}

// TestNewQRIsEmittedEachTime: clients fetch the QR on each SCAN_QR_CODE event, so
// every new code is one, though the status does not change.
func TestNewQRIsEmittedEachTime(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	h.m.Create(ctx, "s", engines.NOWEB, engines.SessionConfig{}, true)
	h.last().host.NewQR()
	h.last().host.NewQR()
	h.last().host.SetStatus(engines.StatusScanQRCode, "") // not a new code: no event
	h.mu.Lock()
	defer h.mu.Unlock()
	var got []engines.Status
	for _, ev := range h.events {
		got = append(got, ev.Payload.(StatusPayload).Status)
	}
	want := []engines.Status{engines.StatusStarting, engines.StatusScanQRCode, engines.StatusScanQRCode, engines.StatusScanQRCode}
	if !slices.Equal(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
}

// TestBootIsBackgroundAndBounded: Boot returns with every session loaded before
// any has started (the API serves during a restart), and has at most
// BootConcurrency sessions on their way at once: the next starts when one is
// WORKING, or when one has taken BootSettle.
func TestBootIsBackgroundAndBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		h := newHarness(t)
		h.m.opts.BootConcurrency, h.m.opts.BootSettle = 2, 30*time.Second
		for _, name := range []string{"a", "b", "c", "d", "e"} {
			h.store.recs[name] = Record{Name: name, Engine: engines.NOWEB, Running: true,
				Config: engines.SessionConfig{Metadata: map[string]string{"stay": "starting"}}}
		}
		if err := h.m.Boot(ctx, false); err != nil {
			t.Fatal(err)
		}
		if got := len(h.m.Snapshot()); got != 5 {
			t.Fatalf("Boot returned with %d sessions loaded, want 5", got)
		}
		synctest.Wait()
		if got := h.count(); got != 2 {
			t.Fatalf("%d engines started at once, want BootConcurrency (2)", got)
		}
		h.engines[0].host.SetStatus(engines.StatusWorking, "")
		synctest.Wait()
		if got := h.count(); got != 3 {
			t.Fatalf("%d engines started after one became WORKING, want 3", got)
		}
		// The others never leave STARTING: each slot frees after BootSettle.
		select {
		case <-h.m.BootDone():
		case <-time.After(2 * time.Minute):
			t.Fatal("boot never done")
		}
		if got := h.count(); got != 5 {
			t.Fatalf("%d engines started in all, want 5", got)
		}
	})
}

// TestSetMeSavesOnlyChanges: an engine saying at login who it is writes the
// session only when that changed.
func TestSetMeSavesOnlyChanges(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	if _, err := h.m.Create(ctx, "s1", engines.NOWEB, engines.SessionConfig{}, true); err != nil {
		t.Fatal(err)
	}
	host := h.last().host
	host.SetMe(&engines.MeInfo{ID: "1@c.us", PushName: "me"})
	n := h.store.saveCount()
	host.SetMe(&engines.MeInfo{ID: "1@c.us", PushName: "me"})
	if got := h.store.saveCount(); got != n {
		t.Fatalf("the same me again saved the session %d times", got-n)
	}
	host.SetMe(&engines.MeInfo{ID: "1@c.us", PushName: "new name"})
	if got := h.store.saveCount(); got != n+1 {
		t.Fatalf("a new push name saved the session %d times, want once", got-n)
	}
	if got := h.store.get("s1").Me; got == nil || got.PushName != "new name" {
		t.Fatalf("stored me: %+v", got)
	}
	host.SetMe(nil)
	if got := h.store.get("s1").Me; got != nil {
		t.Fatalf("stored me after SetMe(nil): %+v", got)
	}
}

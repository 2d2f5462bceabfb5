package webjs

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/wagate/wagate/engines/webjs/fakeweb"
)

// browserPath finds Chromium for the tests. Without it the tests skip,
// except on CI (CI set), where a missing browser is a failure.
func browserPath(tb testing.TB) string {
	tb.Helper()
	p := os.Getenv("WAGATE_CHROMIUM")
	if p == "" {
		p = DefaultBrowserPath
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("chromium not found at %s (set WAGATE_CHROMIUM)", p)
		}
		tb.Skipf("chromium not found at %s (set WAGATE_CHROMIUM)", p)
	}
	return p
}

// eventLog collects a driver's events so tests can wait for them.
type eventLog struct {
	mu     sync.Mutex
	events []Event
	wake   chan struct{}
}

func collect(d *Driver) *eventLog {
	l := &eventLog{wake: make(chan struct{})}
	go func() {
		for ev := range d.Events() {
			l.mu.Lock()
			l.events = append(l.events, ev)
			close(l.wake)
			l.wake = make(chan struct{})
			l.mu.Unlock()
		}
	}()
	return l
}

// mark is a cursor: wait(from=mark) sees only later events.
func (l *eventLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.events)
}

// wait returns the first event at or after index from matching pred.
func (l *eventLog) wait(tb testing.TB, from int, timeout time.Duration, what string, pred func(Event) bool) Event {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		l.mu.Lock()
		for _, ev := range l.events[from:] {
			if pred(ev) {
				l.mu.Unlock()
				return ev
			}
		}
		from = len(l.events)
		wake := l.wake
		l.mu.Unlock()
		select {
		case <-wake:
		case <-deadline:
			tb.Fatalf("no %s event within %s", what, timeout)
			return Event{}
		}
	}
}

// since returns the events at or after index from.
func (l *eventLog) since(from int) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.events[from:]...)
}

type harness struct {
	fw      *fakeweb.Server
	d       *Driver
	ev      *eventLog
	profile string
}

func fastFake(o fakeweb.Options) fakeweb.Options {
	if o.VersionDelay == 0 {
		o.VersionDelay = 150 * time.Millisecond
	}
	if o.Opening == 0 {
		o.Opening = 50 * time.Millisecond
	}
	if o.SyncDelay == 0 {
		o.SyncDelay = 100 * time.Millisecond
	}
	if o.ReloadAfterPair == 0 {
		o.ReloadAfterPair = 100 * time.Millisecond
	}
	return o
}

func testLogger() *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("WAGATE_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// startFake starts a fakeweb server with the account, closed at cleanup.
func startFake(tb testing.TB, o fakeweb.Options, acc fakeweb.Account) *fakeweb.Server {
	tb.Helper()
	fw := fakeweb.New(fastFake(o))
	fw.SetAccount(acc)
	if err := fw.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = fw.Close() })
	return fw
}

// launch starts a driver on fw with the profile dir, closed at cleanup.
func launch(tb testing.TB, fw *fakeweb.Server, profile string, cfg Config) *harness {
	tb.Helper()
	cfg.ProfileDir = profile
	cfg.BrowserPath = browserPath(tb)
	cfg.URL = fw.URL()
	if cfg.Logger == nil {
		cfg.Logger = testLogger()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := Launch(ctx, cfg)
	if err != nil {
		tb.Fatalf("launching: %v", err)
	}
	tb.Cleanup(func() { _ = d.Close() })
	return &harness{fw: fw, d: d, ev: collect(d), profile: profile}
}

// pairByQR scans the QR the driver reports and waits for WORKING.
func (h *harness) pairByQR(tb testing.TB) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := h.d.WaitStatus(ctx, StatusScanQR)
	if err != nil {
		tb.Fatal(err)
	}
	if err := h.fw.ScanQR(ctx, st.QR); err != nil {
		tb.Fatalf("scanning QR %q: %v", st.QR, err)
	}
	if _, err := h.d.WaitStatus(ctx, StatusWorking); err != nil {
		tb.Fatal(err)
	}
}

func ctxT(tb testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	tb.Cleanup(cancel)
	return ctx
}

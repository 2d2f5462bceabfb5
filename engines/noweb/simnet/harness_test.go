package simnet

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store/sqlstore"

	"github.com/wagate/wagate/store"
	waLog "go.mau.fi/whatsmeow/util/log"
)

// testRootKey is shared by every test: whatsmeow's root key is
// process-wide, so all servers in this test binary use the same root.
var testRootKey = [32]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}

// recLogger is a waLog.Logger that fails the test on any error whatsmeow
// logs (protocol mismatches show up there) and keeps warnings for review.
type recLogger struct {
	t       *testing.T
	sink    *testSink
	name    string
	mu      *sync.Mutex
	errors  *[]string
	allowed *[]string
	stopped *atomic.Bool
}

func newRecLogger(t *testing.T, name string) *recLogger {
	return &recLogger{t: t, sink: newTestSink(t), name: name, mu: &sync.Mutex{}, errors: &[]string{}, allowed: &[]string{}, stopped: new(atomic.Bool)}
}

// allow lets errors containing text pass the check: what whatsmeow logs on
// purpose when a test breaks a connection.
func (l *recLogger) allow(text string) {
	l.mu.Lock()
	*l.allowed = append(*l.allowed, text)
	l.mu.Unlock()
}

// stop ends the error check: from a logout on, whatsmeow goroutines still handling
// earlier messages may fail to write to the device store being deleted.
func (l *recLogger) stop() { l.stopped.Store(true) }

func (l *recLogger) line(level, msg string, args []any) string {
	return fmt.Sprintf("%s [%s] %s", level, l.name, fmt.Sprintf(msg, args...))
}
func (l *recLogger) Errorf(msg string, args ...any) {
	s := l.line("ERROR", msg, args)
	if !l.stopped.Load() {
		l.mu.Lock()
		if !slices.ContainsFunc(*l.allowed, func(a string) bool { return strings.Contains(s, a) }) {
			*l.errors = append(*l.errors, s)
		}
		l.mu.Unlock()
	}
	l.sink.log(s)
}
func (l *recLogger) Warnf(msg string, args ...any) {
	l.sink.log(l.line("WARN", msg, args))
}
func (l *recLogger) Infof(msg string, args ...any) {
	if os.Getenv("SIMNET_VERBOSE") != "" {
		l.sink.log(l.line("INFO", msg, args))
	}
}
func (l *recLogger) Debugf(msg string, args ...any) {
	if os.Getenv("SIMNET_VERBOSE") != "" {
		l.sink.log(l.line("DEBUG", msg, args))
	}
}
func (l *recLogger) Sub(module string) waLog.Logger {
	c := *l
	c.name = l.name + "/" + module
	return &c
}

func (l *recLogger) check() {
	l.t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(*l.errors) > 0 {
		l.t.Errorf("whatsmeow logged %d errors:\n%s", len(*l.errors), strings.Join(*l.errors, "\n"))
	}
}

// testSink forwards log lines to t.Log until the test ends; whatsmeow's
// background goroutines may still log after that, which would panic.
type testSink struct {
	t    *testing.T
	mu   sync.Mutex
	done bool
}

func newTestSink(t *testing.T) *testSink {
	s := &testSink{t: t}
	t.Cleanup(func() {
		s.mu.Lock()
		s.done = true
		s.mu.Unlock()
	})
	return s
}

func (s *testSink) log(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done {
		s.t.Log(line)
	}
}

// testLogWriter sends slog output to the sink.
type testLogWriter struct{ sink *testSink }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.sink.log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func newTestServer(t *testing.T) *Server {
	t.Helper()
	return newTestServerWith(t, nil)
}

// newTestServerWith is newTestServer with its options changed by mod first.
func newTestServerWith(t *testing.T, mod func(*Options)) *Server {
	t.Helper()
	level := slog.LevelWarn
	if os.Getenv("SIMNET_VERBOSE") != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(testLogWriter{newTestSink(t)}, &slog.HandlerOptions{Level: level}))
	key := testRootKey
	opts := Options{Logger: log, RootPrivateKey: &key, DataDir: t.TempDir(), RequestTimeout: 10 * time.Second,
		TraceNodes: os.Getenv("SIMNET_TRACE") != ""}
	if mod != nil {
		mod(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	TrustRootKeyForProcess(srv.RootPublicKey(), nil)
	// Not t.Context(): it ends before the cleanups run, and the server would close
	// under clients still connected (their read errors would fail the test); the
	// cleanup below closes it after theirs.
	if err := srv.Start(context.WithoutCancel(t.Context()), "127.0.0.1:0"); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// companion is a gateway-side whatsmeow client on its own SQLite store.
type companion struct {
	cli *whatsmeow.Client
	log *recLogger
	rec *recorder
}

func newCompanion(t *testing.T, srv *Server, name string) *companion {
	t.Helper()
	log := newRecLogger(t, name)
	db := store.OpenSQLite(filepath.Join(t.TempDir(), name+".db"))
	t.Cleanup(func() { _ = db.Close() })
	container := sqlstore.NewWithDB(db, "sqlite3", log.Sub("store"))
	if err := container.Upgrade(t.Context()); err != nil {
		t.Fatalf("upgrade store: %v", err)
	}
	cli := whatsmeow.NewClient(container.NewDevice(), log)
	ConfigureClient(cli, srv.Addr())
	rec := newRecorder()
	cli.AddEventHandler(rec.add)
	t.Cleanup(func() {
		// What whatsmeow logs once the test disconnects it (a fetch in flight
		// failing on the closed socket) is the teardown's doing, not a fault.
		log.stop()
		cli.Disconnect()
		log.check()
	})
	return &companion{cli: cli, log: log, rec: rec}
}

// recorder keeps whatsmeow events for waitFor.
type recorder struct {
	mu      sync.Mutex
	evts    []any
	changed chan struct{}
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) add(evt any) {
	r.mu.Lock()
	r.evts = append(r.evts, evt)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// waitEvent waits for the first event of type T that match accepts.
func waitEvent[T any](t *testing.T, ctx context.Context, r *recorder, match func(T) bool) T {
	t.Helper()
	seen := 0
	for {
		r.mu.Lock()
		for ; seen < len(r.evts); seen++ {
			if v, ok := r.evts[seen].(T); ok && (match == nil || match(v)) {
				r.mu.Unlock()
				return v
			}
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			var zero T
			t.Fatalf("timed out waiting for %T", zero)
			return zero
		}
	}
}

package noweb

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/enginetest"
	"github.com/wagate/wagate/engines/noweb/simnet"
	"github.com/wagate/wagate/sessions"
)

// simnetHarness runs the conformance suite with real whatsmeow clients on a simnet.
type simnetHarness struct {
	srv  *simnet.Server
	errs *errorRecorder
}

func (h *simnetHarness) Engine() engines.Name { return engines.NOWEB }

func (h *simnetHarness) Factory(t *testing.T, env enginetest.Env) sessions.Factory {
	st := env.Store
	// This cleanup runs after the gateway has shut down and before its database
	// closes: what whatsmeow goroutines still in flight log after that is teardown,
	// not protocol.
	log := &errorView{r: h.errs, closed: new(atomic.Bool)}
	t.Cleanup(func() { log.closed.Store(true) })
	f, err := NewFactory(t.Context(), Options{
		DB: st.SQL(), Devices: st.NOWEBDevices(), Dialect: string(st.Dialect()), Log: slog.New(log),
		StoreEnabled: true, Chats: st.ChatStore(), Media: env.Media, ConfigureClient: simnetClient(h.srv.Addr()),
	})
	if err != nil {
		t.Fatalf("NewFactory: %v", err)
	}
	return f
}

func (h *simnetHarness) Account(t *testing.T, phone, name string) enginetest.Phone {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := h.srv.CreateAccount(ctx, phone, name)
	if err != nil {
		t.Fatalf("create account %s: %v", phone, err)
	}
	return simnetPhone{srv: h.srv, p: p, number: phone}
}

// simnetPhone is an account's phone on the simnet, as the suite drives it.
type simnetPhone struct {
	srv    *simnet.Server
	p      *simnet.Phone
	number string
}

func (s simnetPhone) ScanQR(ctx context.Context, qr string) error {
	_, err := s.srv.ScanQR(ctx, s.number, qr)
	return err
}

func (s simnetPhone) EnterCode(ctx context.Context, code string) error {
	_, err := s.srv.EnterPairingCode(ctx, s.number, code)
	return err
}

func (s simnetPhone) SendText(ctx context.Context, to, text string) (string, error) {
	id, err := s.p.SendText(ctx, to, text)
	return string(id), err
}

func (s simnetPhone) Edit(ctx context.Context, to, id, text string) error {
	return s.p.Edit(ctx, to, id, text)
}

func (s simnetPhone) Revoke(ctx context.Context, to, id string) error {
	return s.p.Revoke(ctx, to, id)
}

func (s simnetPhone) Archive(ctx context.Context, chat string, archived bool) error {
	return s.p.Archive(ctx, chat, archived)
}

func (s simnetPhone) WaitText(ctx context.Context, from, text string) (string, error) {
	ev, err := s.p.WaitFor(ctx, func(e simnet.Event) bool {
		return (e.Type == "message" || e.Type == "edit") && !e.FromMe && e.Text == text &&
			(strings.HasPrefix(e.Sender, from+"@") || strings.HasPrefix(e.Chat, from+"@"))
	})
	return string(ev.ID), err
}

// TestConformance runs the engine conformance suite on NOWEB: real whatsmeow clients
// through the HTTP API against a simnet.
func TestConformance(t *testing.T) {
	key := testRootKey
	srv, err := simnet.New(simnet.Options{Logger: testLogger(), RootPrivateKey: &key, DataDir: t.TempDir(), RequestTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	trustOnce.Do(func() { simnet.TrustRootKeyForProcess(srv.RootPublicKey(), nil) })
	if err := srv.Start(t.Context(), "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	errs := &errorRecorder{next: testLogger().Handler()}
	enginetest.Run(t, &simnetHarness{srv: srv, errs: errs})
	// The suite must run clean: any error the sessions' whatsmeow clients (or the
	// engine) logged is a protocol problem somewhere.
	for _, e := range errs.errors() {
		t.Errorf("logged during the suite: %s", e)
	}
}

// errorRecorder is a slog handler that keeps every record at error level.
type errorRecorder struct {
	next slog.Handler
	mu   sync.Mutex
	errs []string
}

func (r *errorRecorder) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError || r.next.Enabled(ctx, l)
}

func (r *errorRecorder) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Level >= slog.LevelError {
		var b strings.Builder
		b.WriteString(rec.Message)
		rec.Attrs(func(a slog.Attr) bool {
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
			return true
		})
		r.mu.Lock()
		r.errs = append(r.errs, b.String())
		r.mu.Unlock()
	}
	if r.next.Enabled(ctx, rec.Level) {
		return r.next.Handle(ctx, rec)
	}
	return nil
}

func (r *errorRecorder) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &errorView{r: r, attrs: attrs, closed: new(atomic.Bool)}
}

func (r *errorRecorder) WithGroup(string) slog.Handler { return r }

func (r *errorRecorder) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

// errorView is the recorder for one gateway, with attributes added (slog's With);
// once closed it records nothing.
type errorView struct {
	r      *errorRecorder
	attrs  []slog.Attr
	closed *atomic.Bool
}

func (v *errorView) Enabled(ctx context.Context, l slog.Level) bool { return v.r.Enabled(ctx, l) }

func (v *errorView) Handle(ctx context.Context, rec slog.Record) error {
	if v.closed.Load() {
		return nil
	}
	rec.AddAttrs(v.attrs...)
	return v.r.Handle(ctx, rec)
}

func (v *errorView) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &errorView{r: v.r, attrs: append(append([]slog.Attr(nil), v.attrs...), attrs...), closed: v.closed}
}

func (v *errorView) WithGroup(string) slog.Handler { return v }

func (s simnetPhone) SendMedia(ctx context.Context, to string, m enginetest.Media) (string, error) {
	id, err := s.p.SendMedia(ctx, to, simnet.Media{Data: m.Data, Mimetype: m.Mimetype, Filename: m.Filename, Caption: m.Caption, Type: m.Type})
	return string(id), err
}

// WaitMedia waits for the media message and reads the file the phone
// downloaded and decrypted from simnet's media host.
func (s simnetPhone) WaitMedia(ctx context.Context, from, id string) (enginetest.Media, error) {
	ev, err := s.p.WaitFor(ctx, func(e simnet.Event) bool {
		return e.Type == "message" && e.ID == id && !e.FromMe && e.Media != nil &&
			(strings.HasPrefix(e.Sender, from+"@") || strings.HasPrefix(e.Chat, from+"@"))
	})
	if err != nil {
		return enginetest.Media{}, err
	}
	r := ev.Media
	if r.Error != "" {
		return enginetest.Media{}, fmt.Errorf("the phone could not download it: %s", r.Error)
	}
	f, err := s.p.ReceivedFile(id)
	if err != nil {
		return enginetest.Media{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return enginetest.Media{}, err
	}
	typ := r.Type
	if typ == "ptv" {
		typ = "video"
	}
	return enginetest.Media{Type: typ, Mimetype: r.Mimetype, Filename: r.Filename, Caption: r.Caption, Data: data,
		Seconds: r.Seconds, Waveform: r.Waveform, Thumbnail: len(r.Thumbnail) > 0}, nil
}

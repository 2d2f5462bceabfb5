package engines

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"
)

// txPub is a TxPublisher that records what it prepares and what is committed.
type txPub struct {
	PublisherFunc
	prepared  []Event
	committed int
}

type txOut struct {
	p   *txPub
	evs []Event
}

func (o *txOut) Committed() { o.p.committed += len(o.evs) }

func (p *txPub) PrepareOutbound(evs []Event) (Outbound, error) {
	p.prepared = append(p.prepared, evs...)
	return &txOut{p, evs}, nil
}

// TestHostPrepareEmit: with a publisher that keeps an outbox, the Manager's host
// builds the session's events for a store to record with the message; a stale run
// cannot, and without such a publisher the engine falls back to Emit.
func TestHostPrepareEmit(t *testing.T) {
	ctx := context.Background()
	pub := &txPub{PublisherFunc: func(context.Context, Event) error { return nil }}
	var hosts []Host
	f := FactoryFunc(func(_ context.Context, spec SessionSpec, host Host) (Engine, error) {
		hosts = append(hosts, host)
		return &stubEngine{host: host, spec: spec, paired: true}, nil
	})
	m := NewManager(newMemStore(), map[Name]Factory{NOWEB: f}, pub, slog.New(slog.NewTextHandler(io.Discard, nil)),
		ManagerOptions{WorkingWait: 200 * time.Millisecond, RestartMin: 10 * time.Millisecond, RestartMax: 40 * time.Millisecond})
	defer m.Shutdown(ctx)
	if _, err := m.Create(ctx, "s1", NOWEB, SessionConfig{Metadata: map[string]string{"k": "v"}}, true); err != nil {
		t.Fatal(err)
	}
	h := hosts[0].(TxEmitter)
	out, ok := h.PrepareEmit(ctx, Emission{"message", "p1"}, Emission{"message.any", "p1"})
	if !ok || len(pub.prepared) != 2 {
		t.Fatalf("prepare: ok %t, %d events", ok, len(pub.prepared))
	}
	for i, ev := range pub.prepared {
		if ev.Session != "s1" || ev.Engine != NOWEB || ev.Payload != "p1" || ev.Metadata["k"] != "v" || len(ev.ID) != 30 {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
	if pub.prepared[0].Event != "message" || pub.prepared[1].Event != "message.any" || pub.prepared[0].ID == pub.prepared[1].ID {
		t.Fatalf("events %+v", pub.prepared)
	}
	out.Committed()
	if pub.committed != 2 {
		t.Fatalf("committed %d", pub.committed)
	}
	// A restarted session's old host is stale.
	if _, err := m.Restart(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.PrepareEmit(ctx, Emission{"message", "p2"}); ok {
		t.Fatal("a stale host prepared events")
	}
	// Without an outbox: no transactional emit.
	m2 := NewManager(newMemStore(), map[Name]Factory{NOWEB: f}, PublisherFunc(func(context.Context, Event) error { return nil }),
		slog.New(slog.NewTextHandler(io.Discard, nil)), ManagerOptions{WorkingWait: 200 * time.Millisecond})
	defer m2.Shutdown(ctx)
	if _, err := m2.Create(ctx, "s2", NOWEB, SessionConfig{}, true); err != nil {
		t.Fatal(err)
	}
	if _, ok := hosts[len(hosts)-1].(TxEmitter).PrepareEmit(ctx, Emission{"message", "p3"}); ok {
		t.Fatal("prepared without an outbox")
	}
}

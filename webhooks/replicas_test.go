package webhooks_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/internal/wait"
	"github.com/wagate/wagate/sessions"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/webhooks"
)

// replicaHit is one request, with the replica that sent it (its User-Agent names
// the Version each test replica is given: its id).
type replicaHit struct {
	replica, session, eventID string
	ok                        bool
}

// replicaReceiver answers 200, or 500 to the replicas refuse names.
type replicaReceiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	hits    []replicaHit
	refuse  func(replica string) bool
	changed chan struct{}
}

func newReplicaReceiver(t *testing.T) *replicaReceiver {
	r := &replicaReceiver{changed: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var env struct{ ID, Session string }
		json.Unmarshal(body, &env)
		h := replicaHit{replica: strings.TrimPrefix(req.UserAgent(), "wagate/"), session: env.Session, eventID: env.ID}
		r.mu.Lock()
		h.ok = r.refuse == nil || !r.refuse(h.replica)
		r.hits = append(r.hits, h)
		close(r.changed)
		r.changed = make(chan struct{})
		r.mu.Unlock()
		if !h.ok {
			http.Error(w, "not now", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *replicaReceiver) setRefuse(f func(string) bool) {
	r.mu.Lock()
	r.refuse = f
	r.mu.Unlock()
}

func (r *replicaReceiver) snapshot() []replicaHit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]replicaHit(nil), r.hits...)
}

func (r *replicaReceiver) waitFor(t *testing.T, what string, cond func([]replicaHit) bool) {
	t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		hits, changed := append([]replicaHit(nil), r.hits...), r.changed
		r.mu.Unlock()
		if cond(hits) {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("waited for %s; receiver got %d requests", what, len(hits))
		}
	}
}

// accepted returns, per session, the event ids in the order first accepted, and
// how many times each id was accepted.
func accepted(hits []replicaHit) (map[string][]string, map[string]int) {
	order, times := map[string][]string{}, map[string]int{}
	for _, h := range hits {
		if !h.ok {
			continue
		}
		if times[h.eventID] == 0 {
			order[h.session] = append(order[h.session], h.eventID)
		}
		times[h.eventID]++
	}
	return order, times
}

// TestEachReplicaSendsItsOwnSessions: two replicas on one PostgreSQL, each
// holding the lease of one session, each send only their own session's
// webhooks, in order, whichever replica enqueued them; when a lease moves, the
// new owner sends the session's pending rows, in order, none lost, and the old
// owner stops; rows of a session no replica owns are sent by the replica
// holding the dispatch lock.
func TestEachReplicaSendsItsOwnSessions(t *testing.T) {
	dsn := storetest.DSN(t, store.Postgres)
	ctx := context.Background()
	rcv := newReplicaReceiver(t)
	hook := engines.WebhookConfig{URL: rcv.srv.URL + "/hook", Events: []string{"*"},
		Retries: &engines.RetriesConfig{Policy: webhooks.PolicyConstant, DelaySeconds: 1, Attempts: 100_000}}
	type replica struct {
		st  *store.Store
		s   *webhooks.Service
		reg *prometheus.Registry
		me  sessions.Replica
	}
	start := func(id string) *replica {
		st, err := store.Open(ctx, dsn, "", testLog())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		r := &replica{st: st, reg: prometheus.NewRegistry(), me: sessions.Replica{ID: id, Address: "http://" + id}}
		r.s, err = webhooks.New(webhooks.Options{Store: st, Version: id, Log: testLog(), Registry: r.reg, Replica: id,
			RetryUnit: 10 * time.Millisecond, SweepInterval: 200 * time.Millisecond, OwnersInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.s.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.s.Stop(context.Background()) })
		return r
	}
	a, b := start("ra"), start("rb")
	if _, err := a.st.AcquireLease(ctx, "sa", a.me, time.Now(), time.Hour, false); err != nil {
		t.Fatal(err)
	}
	if _, err := b.st.AcquireLease(ctx, "sb", b.me, time.Now(), time.Hour, false); err != nil {
		t.Fatal(err)
	}
	enqueue := func(via *replica, session string, n int) {
		for i := range n {
			if err := publish(via.s, ctx, event(session, "message", i, hook)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A lane's order is its rows' ids (each replica's ids grow; two replicas'
	// ids of one millisecond compare as they happen to): the events by row id.
	want := map[string][]string{}
	outbox := func() {
		for _, s := range []string{"sa", "sb"} {
			ds, err := a.st.ListDeliveries(ctx, store.DeliveryFilter{Session: s})
			if err != nil {
				t.Fatal(err)
			}
			want[s] = nil
			for i := len(ds) - 1; i >= 0; i-- {
				want[s] = append(want[s], ds[i].EventID)
			}
		}
	}
	// Each enqueues rows of the other's session too (an event recorded where the
	// session does not run): its owner sends them.
	enqueue(a, "sa", 10)
	enqueue(b, "sa", 10)
	enqueue(b, "sb", 10)
	enqueue(a, "sb", 10)
	rcv.waitFor(t, "40 deliveries", func(h []replicaHit) bool { o, _ := accepted(h); return len(o["sa"])+len(o["sb"]) >= 40 })
	for _, h := range rcv.snapshot() {
		if owner := map[string]string{"sa": "ra", "sb": "rb"}[h.session]; h.replica != owner {
			t.Fatalf("replica %s sent a row of session %s, whose lease %s holds", h.replica, h.session, owner)
		}
	}
	outbox()
	order, times := accepted(rcv.snapshot())
	for s := range want {
		if !equal(order[s], want[s]) {
			t.Fatalf("session %s: order broken: got %v, want %v", s, order[s], want[s])
		}
	}
	for id, n := range times {
		if n != 1 {
			t.Fatalf("event %s accepted %d times", id, n)
		}
	}
	// Counted just after the answer.
	wait.Until(t, 10*time.Second, "each replica to count 20 sent", func() bool {
		return counter(t, a.reg, "wagate_webhook_sent_total") == 20 && counter(t, b.reg, "wagate_webhook_sent_total") == 20
	})

	// The lease of sa moves to rb while ra is retrying sa's rows (the receiver
	// refuses ra from now on): rb sends them all, in order, and ra stops.
	rcv.setRefuse(func(r string) bool { return r == "ra" })
	before := len(rcv.snapshot())
	enqueue(a, "sa", 10)
	rcv.waitFor(t, "ra's attempts at sa", func(h []replicaHit) bool { return len(h) > before })
	l, err := a.st.GetLease(ctx, "sa")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := a.st.AssignLease(ctx, "sa", l.Token, "ra", b.me, time.Now(), time.Hour); err != nil || !ok {
		t.Fatalf("move the lease of sa: %v %v", ok, err)
	}
	rcv.waitFor(t, "sa's 20 rows from rb", func(h []replicaHit) bool { o, _ := accepted(h); return len(o["sa"]) >= 30 })
	wait.Until(t, 10*time.Second, "ra to let go of sa's lanes", func() bool { return a.s.Lanes() == 0 })
	outbox()
	order, times = accepted(rcv.snapshot())
	if !equal(order["sa"], want["sa"]) {
		t.Fatalf("session sa after the move: order broken: got %v, want %v", order["sa"], want["sa"])
	}
	for id, n := range times {
		if n != 1 {
			t.Fatalf("event %s accepted %d times", id, n)
		}
	}
	settled := len(rcv.snapshot())

	// ra holds the dispatch lock (it started first): the rows of a session whose
	// lease is released go out from it.
	if err := b.st.ReleaseLeases(ctx, "rb", "sb"); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, 10*time.Second, "both replicas to read the release", func() bool { return a.s.Sends("sb") && !b.s.Sends("sb") })
	rcv.setRefuse(nil)
	enqueue(b, "sb", 5)
	rcv.waitFor(t, "sb's 5 rows after its lease was released", func(h []replicaHit) bool { o, _ := accepted(h); return len(o["sb"]) >= 25 })
	for _, h := range rcv.snapshot()[settled:] {
		if h.session == "sa" && h.replica != "rb" {
			t.Fatalf("replica %s sent a row of sa after the move", h.replica)
		}
		if h.session == "sb" && h.replica != "ra" {
			t.Fatalf("replica %s sent a row of sb, which no replica owns; the dispatch lock holder ra should", h.replica)
		}
	}
	outbox()
	order, _ = accepted(rcv.snapshot())
	if !equal(order["sb"], want["sb"]) {
		t.Fatalf("session sb: order broken: got %v, want %v", order["sb"], want["sb"])
	}
}

// TestDeadReplicasDeliveriesTakenOver: a replica dies (its dispatcher stops, its
// lease is never renewed) with rows of its session pending; the replica that
// takes the expired lease sends them, in order, none lost.
func TestDeadReplicasDeliveriesTakenOver(t *testing.T) {
	dsn := storetest.DSN(t, store.Postgres)
	ctx := context.Background()
	rcv := newReplicaReceiver(t)
	rcv.setRefuse(func(r string) bool { return r == "rdead" })
	hook := engines.WebhookConfig{URL: rcv.srv.URL + "/hook", Events: []string{"*"},
		Retries: &engines.RetriesConfig{Policy: webhooks.PolicyConstant, DelaySeconds: 1, Attempts: 100_000}}
	open := func() *store.Store {
		st, err := store.Open(ctx, dsn, "", testLog())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	start := func(st *store.Store, id string) *webhooks.Service {
		s, err := webhooks.New(webhooks.Options{Store: st, Version: id, Log: testLog(), Replica: id,
			RetryUnit: 10 * time.Millisecond, SweepInterval: 200 * time.Millisecond, OwnersInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Stop(context.Background()) })
		return s
	}
	dst, lst := open(), open()
	dead := sessions.Replica{ID: "rdead", Address: "http://rdead"}
	live := sessions.Replica{ID: "rlive", Address: "http://rlive"}
	// The lease runs out soon after: nobody renews it.
	if _, err := dst.AcquireLease(ctx, "sd", dead, time.Now(), 2*time.Second, false); err != nil {
		t.Fatal(err)
	}
	d := start(dst, "rdead")
	l := start(lst, "rlive")
	for i := range 10 {
		if err := publish(d, ctx, event("sd", "message", i, hook)); err != nil {
			t.Fatal(err)
		}
	}
	rcv.waitFor(t, "the doomed replica's attempts", func(h []replicaHit) bool { return len(h) > 0 })
	d.Stop(ctx) // killed: its lease stays until it expires
	wait.Until(t, 10*time.Second, "the live replica to take the expired lease", func() bool {
		_, err := lst.AcquireLease(ctx, "sd", live, time.Now(), time.Hour, false)
		return err == nil
	})
	rcv.waitFor(t, "sd's 10 rows", func(h []replicaHit) bool { o, _ := accepted(h); return len(o["sd"]) >= 10 })
	ds, err := lst.ListDeliveries(ctx, store.DeliveryFilter{Session: "sd"})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := len(ds) - 1; i >= 0; i-- {
		want = append(want, ds[i].EventID)
	}
	order, times := accepted(rcv.snapshot())
	if !equal(order["sd"], want) {
		t.Fatalf("order broken: got %v, want %v", order["sd"], want)
	}
	for id, n := range times {
		if n != 1 {
			t.Fatalf("event %s accepted %d times", id, n)
		}
	}
	if !l.Sends("sd") {
		t.Fatal("the new owner does not say it sends sd")
	}
}

package webhooks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/internal/wait"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/webhooks"
)

// hit is one request a receiver got.
type hit struct {
	at        time.Time
	eventID   string
	event     string
	session   string
	body      []byte
	requestID string
	ok        bool // answered 2xx
	hmacOK    bool
}

// receiver is a real HTTP webhook receiver whose behaviour the test steers.
type receiver struct {
	t   testing.TB
	srv *httptest.Server
	key string // HMAC key the deliveries are signed with; "" for none

	mu      sync.Mutex
	hits    []hit
	fail    func(n int) string // "" answers 200; else "reset", "500" or "slow" (no answer before the attempt times out)
	changed chan struct{}      // closed and replaced on every hit
}

func newReceiver(t testing.TB, key string) *receiver {
	r := &receiver{t: t, key: key, changed: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) url() string { return r.srv.URL + "/hook" }

// setFail steers the answers: f gets the number of the request (from 1).
func (r *receiver) setFail(f func(n int) string) {
	r.mu.Lock()
	r.fail = f
	r.mu.Unlock()
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var env struct {
		ID, Event, Session string
	}
	json.Unmarshal(body, &env)
	h := hit{at: time.Now(), eventID: env.ID, event: env.Event, session: env.Session, body: body, requestID: req.Header.Get("X-Webhook-Request-Id")}
	if r.key == "" {
		h.hmacOK = req.Header.Get("X-Webhook-Hmac") == ""
	} else {
		h.hmacOK = req.Header.Get("X-Webhook-Hmac") == webhooks.Sign(r.key, body) &&
			req.Header.Get("X-Webhook-Hmac-Algorithm") == "sha512"
	}
	if req.Header.Get("Content-Type") != "application/json" || req.Header.Get("X-Webhook-Timestamp") == "" ||
		req.Header.Get("User-Agent") != "wagate/test" || req.Method != http.MethodPost {
		h.hmacOK = false
	}
	if _, err := strconv.ParseInt(req.Header.Get("X-Webhook-Timestamp"), 10, 64); err != nil {
		h.hmacOK = false
	}
	r.mu.Lock()
	n := len(r.hits) + 1
	mode := ""
	if r.fail != nil {
		mode = r.fail(n)
	}
	h.ok = mode == ""
	r.hits = append(r.hits, h)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	switch mode {
	case "reset":
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	case "500":
		http.Error(w, "receiver is down", http.StatusInternalServerError)
	case "slow":
		<-req.Context().Done() // the attempt timed out
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// snapshot returns the hits so far.
func (r *receiver) snapshot() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hit(nil), r.hits...)
}

// delivered returns the event ids in the order they were first accepted.
func (r *receiver) delivered() []string {
	var out []string
	seen := map[string]bool{}
	for _, h := range r.snapshot() {
		if h.ok && !seen[h.eventID] {
			seen[h.eventID] = true
			out = append(out, h.eventID)
		}
	}
	return out
}

// waitFor waits until cond holds over the hits, failing the test after timeout.
func (r *receiver) waitFor(what string, timeout time.Duration, cond func([]hit) bool) {
	r.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		hits, changed := append([]hit(nil), r.hits...), r.changed
		r.mu.Unlock()
		if cond(hits) {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			r.t.Fatalf("waited %s for %s; receiver got %d requests", timeout, what, len(hits))
		}
	}
}

func (r *receiver) waitDelivered(n int, timeout time.Duration) {
	r.t.Helper()
	r.waitFor(fmt.Sprintf("%d deliveries", n), timeout, func([]hit) bool { return len(r.delivered()) >= n })
}

func testLog() *slog.Logger {
	if os.Getenv("WAGATE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// newService builds a started Service on st with short delays: one retry
// "second" is 10 ms.
func newService(t testing.TB, st *store.Store, reg *prometheus.Registry, tune func(*webhooks.Options)) *webhooks.Service {
	t.Helper()
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	o := webhooks.Options{
		Store: st, Environment: webhooks.NewEnvironment(configs.Default(), "test", false), Version: "test",
		Registry: reg, Log: testLog(), RetryUnit: 10 * time.Millisecond, AttemptTimeout: 150 * time.Millisecond,
		SweepInterval: 200 * time.Millisecond,
	}
	if tune != nil {
		tune(&o)
	}
	s, err := webhooks.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(context.Background()) })
	return s
}

// publish records ev with no change, as the Manager does with session.status.
func publish(s *webhooks.Service, ctx context.Context, ev engines.Event) error {
	return s.Record(ctx, func(chatstore.Store) ([]engines.Event, error) { return []engines.Event{ev}, nil })
}

func event(session, name string, i int, hooks ...engines.WebhookConfig) engines.Event {
	now := time.Now()
	return engines.Event{
		ID: engines.NewEventID(now), Time: now, Session: session, Engine: engines.NOWEB, Event: name,
		Payload: map[string]any{"n": i}, Config: engines.SessionConfig{Webhooks: hooks},
		Me: &engines.MeInfo{ID: "123@c.us", PushName: "Ann"}, Metadata: map[string]string{"k": "v"},
	}
}

func counter(t testing.TB, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += metricValue(m)
		}
	}
	return sum
}

func metricValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	return 0
}

// TestDeliveryThroughOutages: a receiver that drops connections, answers 500s and
// times out, then recovers, gets every event, signed, in order, with the same id
// across retries; meanwhile a healthy webhook of the same session is not held up.
func TestDeliveryThroughOutages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		st, _ := storetest.Open(t, d)
		reg := prometheus.NewRegistry()
		flaky := newReceiver(t, "flaky-secret")
		healthy := newReceiver(t, "")
		global := newReceiver(t, "global-secret")
		recovered := make(chan struct{})
		flaky.setFail(func(n int) string {
			select {
			case <-recovered:
				return ""
			default:
			}
			return [...]string{"reset", "500", "slow", "500"}[n%4]
		})
		s := newService(t, st, reg, func(o *webhooks.Options) {
			o.Global = configs.Webhook{URL: global.url(), Events: []string{"message"}, HMACKey: "global-secret"}
		})
		hooks := []engines.WebhookConfig{
			{URL: flaky.url(), Events: []string{"*"}, HMAC: &engines.HMACConfig{Key: "flaky-secret"},
				Retries:       &engines.RetriesConfig{Policy: webhooks.PolicyConstant, DelaySeconds: 1, Attempts: 10_000},
				CustomHeaders: []engines.WebhookHeader{{Name: "X-Tenant", Value: "t1"}}},
			{URL: healthy.url(), Events: []string{"message", "message.any"}},
		}
		const n = 40
		var want, wantMessages []string
		for i := range n {
			name := []string{"message", "message.any", "session.status"}[i%3]
			ev := event("s1", name, i, hooks...)
			if err := publish(s, context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			want = append(want, ev.ID)
			if name == "message" {
				wantMessages = append(wantMessages, ev.ID)
			}
		}
		// The healthy webhook gets its events while the flaky one is still failing.
		healthy.waitDelivered(n*2/3, 10*time.Second)
		if got := flaky.delivered(); len(got) != 0 {
			t.Fatalf("flaky receiver accepted %d events before recovering", len(got))
		}
		flaky.waitFor("failed attempts of every kind", 10*time.Second, func(h []hit) bool { return len(h) >= 8 })
		close(recovered)
		flaky.waitDelivered(n, 20*time.Second)
		global.waitDelivered(len(wantMessages), 10*time.Second)

		if got := flaky.delivered(); !equal(got, want) {
			t.Fatalf("flaky receiver order:\n got %v\nwant %v", got, want)
		}
		if got := global.delivered(); !equal(got, wantMessages) {
			t.Fatalf("global webhook got %v, want the message events %v", got, wantMessages)
		}
		// Same envelope (and so id) on every attempt; unique request ids; valid HMAC.
		bodies := map[string]string{}
		reqIDs := map[string]bool{}
		for _, h := range append(flaky.snapshot(), global.snapshot()...) {
			if !h.hmacOK {
				t.Fatalf("bad signature or headers on %s", h.eventID)
			}
			if reqIDs[h.requestID] || h.requestID == "" {
				t.Fatalf("request id %q reused or missing", h.requestID)
			}
			reqIDs[h.requestID] = true
			if b, ok := bodies[h.eventID]; ok && b != string(h.body) {
				t.Fatalf("event %s changed between attempts", h.eventID)
			}
			bodies[h.eventID] = string(h.body)
		}
		first := flaky.snapshot()[0]
		var env map[string]any
		if err := json.Unmarshal(first.body, &env); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"id", "timestamp", "session", "metadata", "engine", "event", "payload", "me", "environment"} {
			if _, ok := env[k]; !ok {
				t.Errorf("envelope has no %q: %s", k, first.body)
			}
		}
		if env["id"] != want[0] || env["session"] != "s1" || env["engine"] != "NOWEB" {
			t.Errorf("envelope = %s", first.body)
		}

		waitPending(t, s, 0)
		if v := counter(t, reg, "wagate_webhook_sent_total"); v < float64(n+len(wantMessages)) {
			t.Errorf("sent = %v", v)
		}
		if v := counter(t, reg, "wagate_webhook_retried_total"); v < 8 {
			t.Errorf("retried = %v", v)
		}
		wait.For(t, 5*time.Second, func() error {
			if v := counter(t, reg, "wagate_webhook_pending"); v != 0 {
				return fmt.Errorf("pending gauge = %v, want 0", v)
			}
			return nil
		})
	})
}

// waitPending waits until the outbox has n pending rows.
func waitPending(t testing.TB, s *webhooks.Service, n int) {
	t.Helper()
	wait.For(t, 10*time.Second, func() error {
		ds, err := s.Deliveries(context.Background(), store.DeliveryFilter{Status: store.DeliveryPending, Limit: 10_000})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != n {
			return fmt.Errorf("%d deliveries pending, want %d", len(ds), n)
		}
		return nil
	})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRestartLosesNothing: the gateway stops while a receiver is down and its
// deliveries are being retried; the next run, on the same database, sends every
// one of them, in order, with the same ids.
func TestRestartLosesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		dsn := storetest.DSN(t, d)
		if d == store.SQLite {
			dsn = "sqlite://" + dsn
		}
		open := func() *store.Store {
			st, err := store.Open(context.Background(), dsn, "", testLog())
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		rcv := newReceiver(t, "k")
		rcv.setFail(func(int) string { return "500" })
		hook := engines.WebhookConfig{URL: rcv.url(), Events: []string{"*"}, HMAC: &engines.HMACConfig{Key: "k"},
			Retries: &engines.RetriesConfig{Policy: webhooks.PolicyLinear, DelaySeconds: 1, Attempts: 1000}}

		st1 := open()
		s1, err := webhooks.New(webhooks.Options{Store: st1, Version: "test", Log: testLog(), RetryUnit: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := s1.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := range 20 {
			ev := event("s1", "message", i, hook)
			if err := publish(s1, context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			want = append(want, ev.ID)
		}
		rcv.waitFor("retries", 10*time.Second, func(h []hit) bool { return len(h) >= 4 })
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s1.Stop(ctx)
		cancel()
		st1.Close()
		before := rcv.snapshot()
		if before[0].eventID != want[0] {
			t.Fatalf("first attempt was for %s, want %s", before[0].eventID, want[0])
		}
		for _, h := range before {
			if h.eventID != want[0] {
				t.Fatalf("event %s was attempted while the first was failing", h.eventID)
			}
		}

		rcv.setFail(nil)
		st2 := open()
		defer st2.Close()
		s2, err := webhooks.New(webhooks.Options{Store: st2, Version: "test", Log: testLog(), RetryUnit: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := s2.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer s2.Stop(context.Background())
		rcv.waitDelivered(len(want), 10*time.Second)
		if got := rcv.delivered(); !equal(got, want) {
			t.Fatalf("after restart:\n got %v\nwant %v", got, want)
		}
		for _, h := range rcv.snapshot() {
			if !h.hmacOK {
				t.Fatalf("bad signature on %s", h.eventID)
			}
		}
		waitPending(t, s2, 0)
		ds, err := s2.Deliveries(context.Background(), store.DeliveryFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 20 || ds[19].Attempts < 2 || ds[19].Status != store.DeliveryDelivered || ds[19].LastError == "" {
			t.Fatalf("first delivery after restart = %+v", ds[19])
		}
	})
}

// TestFinalFailureAndRetry: a delivery that fails every attempt is kept as failed,
// with its body, and the retry sends it again with the same id.
func TestFinalFailureAndRetry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		st, _ := storetest.Open(t, d)
		reg := prometheus.NewRegistry()
		rcv := newReceiver(t, "")
		rcv.setFail(func(int) string { return "500" })
		s := newService(t, st, reg, nil)
		hook := engines.WebhookConfig{URL: rcv.url(), Events: []string{"message"},
			Retries: &engines.RetriesConfig{Policy: webhooks.PolicyExponential, DelaySeconds: 1, Attempts: 3}}
		ev := event("s1", "message", 0, hook)
		if err := publish(s, context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		var failed []store.Delivery
		wait.Until(t, 10*time.Second, "the delivery to fail", func() bool {
			var err error
			if failed, err = s.Deliveries(context.Background(), store.DeliveryFilter{Status: store.DeliveryFailed}); err != nil {
				t.Fatal(err)
			}
			return len(failed) > 0
		})
		if f := failed[0]; f.Attempts != 3 || f.LastCode != 500 || f.LastError == "" || f.EventID != ev.ID {
			t.Fatalf("failed row = %+v", f)
		}
		if len(rcv.snapshot()) != 3 {
			t.Fatalf("receiver got %d attempts, want 3", len(rcv.snapshot()))
		}
		if v := counter(t, reg, "wagate_webhook_failed_total"); v != 1 {
			t.Fatalf("failed metric = %v", v)
		}
		rcv.setFail(nil)
		if _, err := s.Retry(context.Background(), failed[0].ID); err != nil {
			t.Fatal(err)
		}
		rcv.waitDelivered(1, 10*time.Second)
		hits := rcv.snapshot()
		if hits[3].eventID != ev.ID || string(hits[3].body) != string(hits[0].body) {
			t.Fatal("the retried delivery is not the original envelope")
		}
		waitPending(t, s, 0)
	})
}

// TestRefusedIsCounted: over the body and pending bounds, deliveries are refused,
// counted and not written; nothing else is affected.
func TestRefusedIsCounted(t *testing.T) {
	st, _ := storetest.Open(t, store.SQLite)
	reg := prometheus.NewRegistry()
	rcv := newReceiver(t, "")
	rcv.setFail(func(int) string { return "500" })
	s := newService(t, st, reg, func(o *webhooks.Options) {
		o.MaxPending = 3
		o.MaxBodyBytes = 2000
	})
	hook := engines.WebhookConfig{URL: rcv.url(), Events: []string{"*"},
		Retries: &engines.RetriesConfig{Policy: webhooks.PolicyConstant, DelaySeconds: 100, Attempts: 5}}
	for i := range 5 {
		if err := publish(s, context.Background(), event("s1", "message", i, hook)); err != nil {
			t.Fatal(err)
		}
	}
	big := event("s2", "message", 0, hook)
	big.Payload = map[string]string{"body": string(make([]byte, 3000))}
	if err := publish(s, context.Background(), big); err != nil {
		t.Fatal(err)
	}
	if v := counter(t, reg, "wagate_webhook_refused_total"); v != 3 {
		t.Fatalf("refused = %v, want 3 (2 over the pending bound, 1 too large)", v)
	}
	ds, err := s.Deliveries(context.Background(), store.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 3 {
		t.Fatalf("%d rows in the outbox, want 3", len(ds))
	}
}

// TestRetryPendingNow: retrying a delivery that waits for a long backoff sends it
// now, with a fresh budget.
func TestRetryPendingNow(t *testing.T) {
	st, _ := storetest.Open(t, store.SQLite)
	rcv := newReceiver(t, "")
	rcv.setFail(func(n int) string {
		if n == 1 {
			return "500"
		}
		return ""
	})
	s := newService(t, st, nil, nil)
	hook := engines.WebhookConfig{URL: rcv.url(), Events: []string{"*"},
		Retries: &engines.RetriesConfig{Policy: webhooks.PolicyConstant, DelaySeconds: 60_000, Attempts: 3}} // 10 min
	if err := publish(s, context.Background(), event("s1", "message", 0, hook)); err != nil {
		t.Fatal(err)
	}
	rcv.waitFor("the first attempt", 5*time.Second, func(h []hit) bool { return len(h) == 1 })
	var ds []store.Delivery
	wait.Until(t, 5*time.Second, "the failed attempt to be recorded", func() bool {
		var err error
		if ds, err = s.Deliveries(context.Background(), store.DeliveryFilter{}); err != nil {
			t.Fatal(err)
		}
		return len(ds) == 1 && ds[0].Attempts == 1
	})
	if _, err := s.Retry(context.Background(), ds[0].ID); err != nil {
		t.Fatal(err)
	}
	rcv.waitDelivered(1, 5*time.Second)
	waitPending(t, s, 0)
}

// TestReplicasShareOneDispatcher: two gateway processes on one PostgreSQL both
// enqueue, one sends; when it stops, the other takes over. Nothing is sent twice
// while both run, and nothing is lost.
func TestReplicasShareOneDispatcher(t *testing.T) {
	dsn := storetest.DSN(t, store.Postgres)
	open := func() *store.Store {
		st, err := store.Open(context.Background(), dsn, "", testLog())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	rcv := newReceiver(t, "")
	hook := engines.WebhookConfig{URL: rcv.url(), Events: []string{"*"}}
	start := func(st *store.Store) *webhooks.Service {
		s, err := webhooks.New(webhooks.Options{Store: st, Version: "test", Log: testLog(),
			RetryUnit: 10 * time.Millisecond, SweepInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := start(open())
	b := start(open())
	var want []string
	publish := func(s *webhooks.Service, session string, n int) {
		for i := range n {
			ev := event(session, "message", i, hook)
			if err := publish(s, context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			want = append(want, ev.ID)
		}
	}
	publish(a, "sa", 10)
	publish(b, "sb", 10)
	rcv.waitDelivered(20, 10*time.Second)
	a.Stop(context.Background())
	publish(b, "sb", 10)
	rcv.waitDelivered(30, 10*time.Second)
	b.Stop(context.Background())

	got := rcv.snapshot()
	if len(got) != 30 {
		t.Fatalf("receiver got %d requests for 30 events: some were sent twice", len(got))
	}
	bySession := map[string][]string{}
	for _, h := range got {
		bySession[h.session] = append(bySession[h.session], h.eventID)
	}
	if !equal(bySession["sa"], want[:10]) || !equal(bySession["sb"], want[10:]) {
		t.Fatalf("order per session broken: %v", bySession)
	}
}

// TestLateNotifyIsNotSentTwice: the dispatcher is told of a row after its commit
// (Committed), so a sweep may read and send it first; being told then must not
// send it again, nor hold up the rows after it: neither while the lane that sent
// it still runs, nor once that lane has let go (and with it what it had taken).
func TestLateNotifyIsNotSentTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		for _, idle := range []bool{false, true} {
			t.Run(map[bool]string{false: "lane running", true: "lane gone"}[idle], func(t *testing.T) {
				st, _ := storetest.Open(t, d)
				rcv := newReceiver(t, "")
				hook := engines.WebhookConfig{URL: rcv.url(), Events: []string{"*"}}
				if !idle {
					// The lane keeps the first row in hand, waiting to retry it,
					// when it is told of it.
					hook.Retries = &engines.RetriesConfig{Policy: webhooks.PolicyConstant, DelaySeconds: 20, Attempts: 3}
					rcv.setFail(func(n int) string { return map[bool]string{true: "500"}[n == 1] })
				}
				s := newService(t, st, nil, func(o *webhooks.Options) { o.SweepInterval = 20 * time.Millisecond })
				first := event("default", "message", 0, hook)
				p, err := s.Prepare(first)
				if err != nil {
					t.Fatal(err)
				}
				if err := st.EnqueueDeliveries(context.Background(), p.Deliveries); err != nil {
					t.Fatal(err)
				}
				if idle {
					rcv.waitDelivered(1, 10*time.Second) // found by a sweep
					wait.Until(t, 10*time.Second, "the lane to let go", func() bool { return s.Lanes() == 0 })
				} else {
					rcv.waitFor("the sweep's attempt", 10*time.Second, func(h []hit) bool { return len(h) == 1 })
				}
				s.Committed(p)
				second := event("default", "message", 1, hook)
				if err := publish(s, context.Background(), second); err != nil {
					t.Fatal(err)
				}
				// A second send of the first would come before the second: one lane
				// sends in order, and it was told of the first before the second.
				rcv.waitDelivered(2, 10*time.Second)
				var ids []string
				for _, h := range rcv.snapshot() {
					if h.ok {
						ids = append(ids, h.eventID)
					}
				}
				if !equal(ids, []string{first.ID, second.ID}) {
					t.Fatalf("receiver got %v, want %v once each, in order", ids, []string{first.ID, second.ID})
				}
			})
		}
	})
}

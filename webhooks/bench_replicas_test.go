package webhooks_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/sessions"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/webhooks"
)

// BenchmarkWebhookReplicas: 1, 2 and 3 replicas on one PostgreSQL, 12 sessions
// whose leases are spread over them, each session's events published by its
// owner as fast as it goes; deliveries per second end to end (publish to the
// receiver's first receipt of every event), each replica sending its own
// sessions'. All replicas share this machine's cores, so the figure shows the
// work spreading, not what separate hosts would add.
//
//	go test ./webhooks -run '^$' -bench WebhookReplicas -benchtime 6000x
func BenchmarkWebhookReplicas(b *testing.B) {
	for _, n := range []int{1, 2, 3} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) { benchReplicas(b, n, b.N, true) })
	}
	// Before leases were used for delivery: one replica, holding the dispatch
	// lock, sends every session's rows.
	b.Run("one-sender,replicas=3", func(b *testing.B) { benchReplicas(b, 3, b.N, false) })
}

func benchReplicas(b *testing.B, replicas, n int, leased bool) {
	const sessionsN = 12
	ctx := context.Background()
	dsn := storetest.DSN(b, store.Postgres)
	rcv := &benchReceiver{key: "bench-secret", seen: map[string]bool{}, done: make(chan struct{}), want: int64(n)}
	srv := httptest.NewServer(rcv)
	b.Cleanup(srv.Close)
	svcs := make([]*webhooks.Service, replicas)
	for i := range replicas {
		st, err := store.Open(ctx, dsn, "", testLog())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		id := fmt.Sprintf("r%d", i)
		for s := i; s < sessionsN; s += replicas {
			if _, err := st.AcquireLease(ctx, fmt.Sprintf("bench%d", s), sessions.Replica{ID: id, Address: "http://" + id}, time.Now(), time.Hour, false); err != nil {
				b.Fatal(err)
			}
		}
		replica := id
		if !leased {
			replica = ""
		}
		svcs[i], err = webhooks.New(webhooks.Options{Store: st, Version: "test", Log: testLog(), Registry: prometheus.NewRegistry(), Replica: replica})
		if err != nil {
			b.Fatal(err)
		}
		if err := svcs[i].Start(ctx); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { svcs[i].Stop(context.Background()) })
	}
	hook := engines.WebhookConfig{URL: srv.URL, Events: []string{"*"}, HMAC: &engines.HMACConfig{Key: rcv.key}}
	payload := map[string]any{"id": "false_11111111111@c.us_3EB0ABCDEF123456", "body": "hello there, how are you?", "fromMe": false}

	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for sIdx := range sessionsN {
		session := fmt.Sprintf("bench%d", sIdx)
		owner := svcs[sIdx%replicas]
		count := n / sessionsN
		if sIdx < n%sessionsN {
			count++
		}
		wg.Go(func() {
			for range count {
				now := time.Now()
				ev := engines.Event{ID: engines.NewEventID(now), Time: now, Session: session, Engine: engines.NOWEB,
					Event: "message", Payload: payload, Config: engines.SessionConfig{Webhooks: []engines.WebhookConfig{hook}}}
				rcv.published.Store(ev.ID, now)
				if err := publish(owner, ctx, ev); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	select {
	case <-rcv.done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("receiver got %d of %d", rcv.got.Load(), n)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if rcv.bad.Load() > 0 {
		b.Fatalf("%d deliveries with a bad signature", rcv.bad.Load())
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(rcv.p(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(rcv.p(0.99).Microseconds())/1000, "p99-ms")
}

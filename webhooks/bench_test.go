package webhooks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/webhooks"
)

// benchReceiver checks each delivery's signature and records, for the first receipt
// of each event, how long it took from Publish.
type benchReceiver struct {
	key       string
	published sync.Map // event id → time.Time
	mu        sync.Mutex
	latencies []time.Duration
	seen      map[string]bool
	got       atomic.Int64
	bad       atomic.Int64
	done      chan struct{}
	want      int64
}

func (r *benchReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if req.Header.Get("X-Webhook-Hmac") != webhooks.Sign(r.key, body) {
		r.bad.Add(1)
	}
	var env struct{ ID string }
	json.Unmarshal(body, &env)
	now := time.Now()
	w.WriteHeader(http.StatusOK)
	r.mu.Lock()
	if !r.seen[env.ID] {
		r.seen[env.ID] = true
		if t, ok := r.published.Load(env.ID); ok {
			r.latencies = append(r.latencies, now.Sub(t.(time.Time)))
		}
		if r.got.Add(1) == r.want {
			close(r.done)
		}
	}
	r.mu.Unlock()
}

func (r *benchReceiver) p(q float64) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.latencies) == 0 {
		return 0
	}
	l := slices.Clone(r.latencies)
	slices.Sort(l)
	return l[min(len(l)-1, int(float64(len(l))*q))]
}

const benchSessions = 10

// benchDeliver publishes n events spread over 10 sessions, each with one signed
// webhook to a local receiver; every (1/rate) one event when rate > 0, else as fast
// as 10 publishers go. It returns once the receiver has all of them.
func benchDeliver(b *testing.B, d store.Dialect, n int, rate float64) *benchReceiver {
	st, _ := storetest.Open(b, d)
	rcv := &benchReceiver{key: "bench-secret", seen: map[string]bool{}, done: make(chan struct{}), want: int64(n)}
	srv := httptest.NewServer(rcv)
	b.Cleanup(srv.Close)
	s := newService(b, st, nil, nil)
	hook := engines.WebhookConfig{URL: srv.URL, Events: []string{"*"}, HMAC: &engines.HMACConfig{Key: rcv.key}}
	payload := map[string]any{"id": "false_11111111111@c.us_3EB0ABCDEF123456", "body": "hello there, how are you?", "fromMe": false}

	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for sIdx := range benchSessions {
		session := fmt.Sprintf("bench%d", sIdx)
		count := n / benchSessions
		if sIdx < n%benchSessions {
			count++
		}
		wg.Go(func() {
			var tick *time.Ticker
			if rate > 0 {
				tick = time.NewTicker(time.Duration(float64(time.Second) * benchSessions / rate))
				defer tick.Stop()
			}
			for range count {
				if tick != nil {
					<-tick.C
				}
				now := time.Now()
				ev := engines.Event{ID: engines.NewEventID(now), Time: now, Session: session, Engine: engines.NOWEB,
					Event: "message", Payload: payload, Config: engines.SessionConfig{Webhooks: []engines.WebhookConfig{hook}}}
				rcv.published.Store(ev.ID, now)
				if err := publish(s, context.Background(), ev); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	enqueued := time.Since(start)
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
	b.ReportMetric(float64(n)/enqueued.Seconds(), "enqueued/s")
	b.ReportMetric(float64(rcv.p(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(rcv.p(0.99).Microseconds())/1000, "p99-ms")
	return rcv
}

// BenchmarkWebhookThroughput: 10 sessions publish as fast as they can; deliveries
// per second with HMAC, end to end through the store, and the latency from Publish
// to receipt under that load.
//
//	go test ./server/webhooks -run '^$' -bench WebhookThroughput -benchtime 20000x
func BenchmarkWebhookThroughput(b *testing.B) {
	for _, d := range storetest.Dialects {
		b.Run(string(d), func(b *testing.B) { benchDeliver(b, d, b.N, 0) })
	}
}

// BenchmarkWebhookLatency: 10 sessions at 1,000 events per second in all, a healthy
// receiver; the p99 from Publish to receipt.
//
//	go test ./server/webhooks -run '^$' -bench WebhookLatency -benchtime 5000x
func BenchmarkWebhookLatency(b *testing.B) {
	for _, d := range storetest.Dialects {
		b.Run(string(d), func(b *testing.B) { benchDeliver(b, d, b.N, 1000) })
	}
}

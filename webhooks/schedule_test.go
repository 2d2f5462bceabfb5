package webhooks_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/webhooks"
)

// memReceiver answers attempts in memory, so a test can run on synctest's clock:
// no socket is involved, and every goroutine of the Service blocks on a channel
// or a timer between attempts.
type memReceiver struct {
	mu   sync.Mutex
	at   []time.Time // of every attempt
	fail int         // attempts answered 503 before the first 200
}

func (m *memReceiver) RoundTrip(req *http.Request) (*http.Response, error) {
	io.Copy(io.Discard, req.Body)
	req.Body.Close()
	m.mu.Lock()
	m.at = append(m.at, time.Now())
	code := http.StatusOK
	if len(m.at) <= m.fail {
		code = http.StatusServiceUnavailable
	}
	m.mu.Unlock()
	return &http.Response{StatusCode: code, Body: io.NopCloser(strings.NewReader("")), Header: http.Header{}, Request: req}, nil
}

// gaps returns the time between consecutive attempts.
func (m *memReceiver) gaps() []time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []time.Duration
	for i := 1; i < len(m.at); i++ {
		out = append(out, m.at[i].Sub(m.at[i-1]))
	}
	return out
}

// TestRetrySchedule: a failing receiver is tried again after exactly the wait
// WAHA's policies name, with a second as the unit as in production: constant
// delay, linear delay×n, exponential delay×2^(n-1) within ±20 %, capped at
// MaxDelay; after the last attempt the delivery fails and nothing more is sent.
func TestRetrySchedule(t *testing.T) {
	cases := []struct {
		name     string
		policy   string
		delay    int
		maxDelay time.Duration
		want     []time.Duration // the gaps; exponential ones ±20 %
	}{
		{"constant", webhooks.PolicyConstant, 2, 0, []time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second}},
		{"linear", webhooks.PolicyLinear, 2, 0, []time.Duration{2 * time.Second, 4 * time.Second, 6 * time.Second, 8 * time.Second}},
		{"exponential", webhooks.PolicyExponential, 3, 0, []time.Duration{3 * time.Second, 6 * time.Second, 12 * time.Second, 24 * time.Second}},
		{"linear capped", webhooks.PolicyLinear, 10, 25 * time.Second, []time.Duration{10 * time.Second, 20 * time.Second, 25 * time.Second, 25 * time.Second}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st, _ := storetest.Open(t, store.SQLite)
				rcv := &memReceiver{fail: 1000}
				s := newService(t, st, nil, func(o *webhooks.Options) {
					o.RetryUnit = time.Second
					o.AttemptTimeout = 15 * time.Second
					o.SweepInterval = 5 * time.Second
					o.MaxDelay = c.maxDelay
					o.Client = &http.Client{Transport: rcv}
				})
				hook := engines.WebhookConfig{URL: "http://receiver.test/hook", Events: []string{"*"},
					Retries: &engines.RetriesConfig{Policy: c.policy, DelaySeconds: c.delay, Attempts: len(c.want) + 1}}
				if err := publish(s, context.Background(), event("s1", "message", 0, hook)); err != nil {
					t.Fatal(err)
				}
				var total time.Duration
				for _, w := range c.want {
					total += w * 6 / 5
				}
				time.Sleep(total + time.Hour) // on the bubble's clock: every attempt is due long before
				synctest.Wait()
				gaps := rcv.gaps()
				if len(gaps) != len(c.want) {
					t.Fatalf("%d attempts, want %d", len(gaps)+1, len(c.want)+1)
				}
				for i, w := range c.want {
					lo, hi := w, w
					if c.policy == webhooks.PolicyExponential {
						lo, hi = w*4/5, w*6/5
					}
					if gaps[i] < lo || gaps[i] > hi {
						t.Fatalf("gaps %v, want %v", gaps, c.want)
					}
				}
				ds, err := s.Deliveries(context.Background(), store.DeliveryFilter{Status: store.DeliveryFailed})
				if err != nil {
					t.Fatal(err)
				}
				if len(ds) != 1 || ds[0].Attempts != len(c.want)+1 || ds[0].LastCode != http.StatusServiceUnavailable {
					t.Fatalf("failed deliveries %+v, want one after %d attempts", ds, len(c.want)+1)
				}
			})
		})
	}
}

// TestRecoveredReceiverGetsTheRowOnTheNextAttempt: the attempt after the receiver
// is back is the one that delivers, on time, and the row is delivered, not retried.
func TestRecoveredReceiverGetsTheRowOnTheNextAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st, _ := storetest.Open(t, store.SQLite)
		rcv := &memReceiver{fail: 2}
		s := newService(t, st, nil, func(o *webhooks.Options) {
			o.RetryUnit = time.Second
			o.Client = &http.Client{Transport: rcv}
		})
		hook := engines.WebhookConfig{URL: "http://receiver.test/hook", Events: []string{"*"},
			Retries: &engines.RetriesConfig{Policy: webhooks.PolicyConstant, DelaySeconds: 5, Attempts: 10}}
		if err := publish(s, context.Background(), event("s1", "message", 0, hook)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10*time.Second - time.Nanosecond)
		synctest.Wait()
		if n := len(rcv.gaps()) + 1; n != 2 {
			t.Fatalf("%d attempts before the third is due, want 2", n)
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		if g := rcv.gaps(); len(g) != 2 || g[1] != 5*time.Second {
			t.Fatalf("gaps %v, want 5s, 5s and no more", g)
		}
		ds, err := s.Deliveries(context.Background(), store.DeliveryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 || ds[0].Status != store.DeliveryDelivered || ds[0].Attempts != 3 {
			t.Fatalf("deliveries %+v, want one delivered after 3 attempts", ds)
		}
	})
}

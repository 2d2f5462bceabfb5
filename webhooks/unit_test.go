package webhooks

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wagate/wagate/engines"
)

// TestSignDocsVector: the test vector of WAHA's webhook docs.
func TestSignDocsVector(t *testing.T) {
	body := []byte(`{"event":"message","session":"default","engine":"WEBJS"}`)
	const want = "208f8a55dde9e05519e898b10b89bf0d0b3b0fdf11fdbf09b6b90476301b98d8097c462b2b17a6ce93b6b47a136cf2e78a33a63f6752c2c1631777076153fa89"
	if got := Sign("my-secret-key", body); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestBackoff(t *testing.T) {
	half := func() float64 { return 0.5 } // no jitter
	low := func() float64 { return 0 }    // -20 %
	high := func() float64 { return 1 }   // +20 %
	max := time.Hour
	cases := []struct {
		policy string
		n      int
		rnd    func() float64
		want   time.Duration
	}{
		{PolicyConstant, 1, half, 2 * time.Second},
		{PolicyConstant, 7, half, 2 * time.Second},
		{PolicyLinear, 1, half, 2 * time.Second},
		{PolicyLinear, 4, half, 8 * time.Second},
		{PolicyExponential, 1, half, 2 * time.Second},
		{PolicyExponential, 2, half, 4 * time.Second},
		{PolicyExponential, 4, half, 16 * time.Second},
		{PolicyExponential, 4, low, 12800 * time.Millisecond},
		{PolicyExponential, 4, high, 19200 * time.Millisecond},
		{PolicyExponential, 40, half, max},
		{PolicyLinear, 1 << 20, half, max},
	}
	for _, c := range cases {
		r := engines.RetriesConfig{Policy: c.policy, DelaySeconds: 2, Attempts: 15}
		if got := backoff(r, c.n, time.Second, max, c.rnd); got != c.want {
			t.Errorf("%s after attempt %d = %s, want %s", c.policy, c.n, got, c.want)
		}
	}
}

func TestParseFilter(t *testing.T) {
	f, err := ParseFilter([]string{"a,b"}, []string{"message", "session.status"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		session, event string
		want           bool
	}{
		{"a", "message", true}, {"b", "session.status", true}, {"c", "message", false}, {"a", "message.any", false},
	} {
		if got := f.match(c.session, c.event); got != c.want {
			t.Errorf("match(%s, %s) = %v, want %v", c.session, c.event, got, c.want)
		}
	}
	all, err := ParseFilter(nil, []string{"*"})
	if err != nil {
		t.Fatal(err)
	}
	if !all.match("x", "message") || all.match("x", "engine.event") {
		t.Error(`"*" must match every event but engine.event`)
	}
	if _, err := ParseFilter(nil, []string{"message,nope"}); err == nil || err.Error()[:7] != "events:" {
		t.Errorf("unknown event: err = %v, want one naming events", err)
	}
	if _, err := ParseFilter([]string{"bad name"}, nil); err == nil || err.Error()[:8] != "session:" {
		t.Errorf("bad session: err = %v, want one naming session", err)
	}
}

// TestHubDropsSlowClient: a client that does not keep up is dropped; publishing
// never waits for it, and other clients go on.
func TestHubDropsSlowClient(t *testing.T) {
	h := newHub()
	m, err := newMetrics(prometheus.NewRegistry(), &dispatcher{lanes: map[laneKey]*lane{}}, h)
	if err != nil {
		t.Fatal(err)
	}
	h.m = m
	slow := h.subscribe(Filter{}, 2)
	fast := h.subscribe(Filter{}, 16)
	for i := range 5 {
		h.publish("s", "message", []byte{byte(i)})
	}
	select {
	case <-slow.slow:
	default:
		t.Fatal("slow client not dropped")
	}
	select {
	case <-fast.slow:
		t.Fatal("fast client dropped")
	default:
	}
	if len(fast.ch) != 5 {
		t.Fatalf("fast client got %d envelopes, want 5", len(fast.ch))
	}
}

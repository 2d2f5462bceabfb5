package webhooks_test

import (
	"fmt"
	"github.com/wagate/wagate/sessions"

	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/internal/wait"
	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/server/apidocs"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/webhooks"
)

const apiKey = "webhooks-test-key-0123456789"

// gateway is the real server with the webhooks service, over HTTP.
type gateway struct {
	t      *testing.T
	url    string
	events *webhooks.Service
	reg    *prometheus.Registry
	spec   *apidocs.Validator
}

func newGateway(t *testing.T, d store.Dialect, tune func(*webhooks.Options)) *gateway {
	t.Helper()
	st, _ := storetest.Open(t, d)
	reg := prometheus.NewRegistry()
	events := newService(t, st, reg, tune)
	cfg := configs.Default()
	cfg.Data.Dir = t.TempDir()
	m := sessions.NewManager(st, nil, events, testLog(), sessions.ManagerOptions{})
	if err := m.Boot(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	matrix, err := capabilities.Load(cfg.Capabilities.FeatureRequestURL)
	if err != nil {
		t.Fatal(err)
	}
	key, err := server.NewAPIKey(apiKey)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Deps{
		Config: cfg, Manager: m, Matrix: matrix, Store: st, Key: key, Log: testLog(),
		Registry: reg, Version: "test", Events: events,
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	spec, err := apidocs.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	return &gateway{t: t, url: hs.URL, events: events, reg: reg, spec: spec}
}

// do sends a request with the key and checks the answer against the OpenAPI spec.
func (g *gateway) do(method, path string, want int) []byte {
	g.t.Helper()
	req, err := http.NewRequest(method, g.url+path, nil)
	if err != nil {
		g.t.Fatal(err)
	}
	req.Header.Set("X-Api-Key", apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if err := g.spec.Validate(req, resp.StatusCode, resp.Header, body); err != nil {
		g.t.Errorf("%s %s: %v\nbody: %.500s", method, path, err, body)
	}
	if resp.StatusCode != want {
		g.t.Fatalf("%s %s → %d, want %d: %s", method, path, resp.StatusCode, want, body)
	}
	return body
}

type deliveryJSON struct {
	ID             string  `json:"id"`
	EventID        string  `json:"eventId"`
	Session        string  `json:"session"`
	Status         string  `json:"status"`
	Attempts       int     `json:"attempts"`
	MaxAttempts    int     `json:"maxAttempts"`
	LastError      *string `json:"lastError"`
	LastStatusCode *int    `json:"lastStatusCode"`
	NextAttemptAt  *int64  `json:"nextAttemptAt"`
}

// TestDeliveriesAPI: listing with filters, retry, and the 400s and 404 of both
// endpoints, through HTTP and checked against the spec.
func TestDeliveriesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		g := newGateway(t, d, nil)
		rcv := newReceiver(t, "")
		rcv.setFail(func(int) string { return "500" })
		bad := engines.WebhookConfig{URL: rcv.url(), Events: []string{"*"},
			Retries: &engines.RetriesConfig{Policy: webhooks.PolicyConstant, DelaySeconds: 1, Attempts: 2}}
		ok := newReceiver(t, "")
		good := engines.WebhookConfig{URL: ok.url(), Events: []string{"*"}}
		for i := range 3 {
			if err := publish(g.events, context.Background(), event("alpha", "message", i, bad)); err != nil {
				t.Fatal(err)
			}
		}
		if err := publish(g.events, context.Background(), event("beta", "message.any", 0, good)); err != nil {
			t.Fatal(err)
		}
		ok.waitDelivered(1, 10*time.Second)

		var failed []deliveryJSON
		wait.For(t, 10*time.Second, func() error {
			json.Unmarshal(g.do("GET", "/api/webhooks/deliveries?session=alpha&status=failed", 200), &failed)
			if len(failed) < 3 {
				return fmt.Errorf("failed deliveries: %+v, want 3", failed)
			}
			return nil
		})
		f := failed[0]
		if f.Session != "alpha" || f.Attempts != 2 || f.MaxAttempts != 2 || f.LastError == nil ||
			!strings.HasPrefix(*f.LastError, "HTTP 500") || f.LastStatusCode == nil || *f.LastStatusCode != 500 || f.NextAttemptAt != nil {
			t.Fatalf("failed delivery = %+v", f)
		}
		var page []deliveryJSON
		json.Unmarshal(g.do("GET", "/api/webhooks/deliveries?limit=2&offset=1", 200), &page)
		if len(page) != 2 || page[0].ID != failed[0].ID {
			t.Fatalf("page = %+v, want the 2nd and 3rd newest", page)
		}
		var all []deliveryJSON
		json.Unmarshal(g.do("GET", "/api/webhooks/deliveries?session=beta", 200), &all)
		if len(all) != 1 || all[0].Session != "beta" {
			t.Fatalf("beta deliveries = %+v", all)
		}

		rcv.setFail(nil)
		var re deliveryJSON
		json.Unmarshal(g.do("POST", "/api/webhooks/deliveries/"+f.ID+"/retry", 201), &re)
		if re.ID != f.ID || re.Status != "pending" || re.Attempts != 0 || re.NextAttemptAt == nil {
			t.Fatalf("retried = %+v", re)
		}
		rcv.waitDelivered(1, 10*time.Second)
		if got := rcv.delivered(); got[0] != f.EventID {
			t.Fatalf("retry delivered %v, want %s", got, f.EventID)
		}

		for path, field := range map[string]string{
			"/api/webhooks/deliveries?status=lost":      "status",
			"/api/webhooks/deliveries?limit=0":          "limit",
			"/api/webhooks/deliveries?limit=x":          "limit",
			"/api/webhooks/deliveries?offset=-1":        "offset",
			"/api/webhooks/deliveries?session=a%20b":    "session",
			"/ws?events=message,nope":                   "events",
			"/ws?session=*&events=message&events=bogus": "events",
		} {
			var e struct{ Message string }
			json.Unmarshal(g.do("GET", path, 400), &e)
			if !strings.HasPrefix(e.Message, field+":") {
				t.Errorf("GET %s: message %q does not name %s", path, e.Message, field)
			}
		}
		g.do("POST", "/api/webhooks/deliveries/dlv_nope/retry", 404)
		metrics := string(g.do("GET", "/metrics", 200))
		for _, name := range []string{"wagate_webhook_sent_total", "wagate_webhook_retried_total", "wagate_webhook_failed_total", "wagate_webhook_pending", "wagate_webhook_refused_total"} {
			if !strings.Contains(metrics, "\n"+name) {
				t.Errorf("/metrics has no %s", name)
			}
		}
	})
}

func dial(t *testing.T, g *gateway, query string, header http.Header) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(g.url, "http")+"/ws"+query, &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial /ws%s: %v (HTTP %d)", query, err, status)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// read reads n envelopes, failing after a timeout.
func read(t *testing.T, c *websocket.Conn, n int) []map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var out []map[string]any
	for range n {
		_, data, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read after %d envelopes: %v", len(out), err)
		}
		var env map[string]any
		if err := json.Unmarshal(data, &env); err != nil {
			t.Fatal(err)
		}
		out = append(out, env)
	}
	return out
}

// TestWebsocketStream: clients get the same envelopes as webhooks, filtered by
// session and event; the key is required.
func TestWebsocketStream(t *testing.T) {
	g := newGateway(t, store.SQLite, nil)
	hdr := http.Header{"X-Api-Key": {apiKey}}
	all := dial(t, g, "", hdr)
	star := dial(t, g, "?session=*&events=*", hdr)
	filtered := dial(t, g, "?session=s1&events=message&x-api-key="+apiKey, nil)
	multi := dial(t, g, "?events=message.any,session.status&events=engine.event", hdr)

	// Unauthorized clients never get a stream.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(g.url, "http")+"/ws", nil); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("dial without key: err = %v, resp = %v", err, resp)
	}
	waitClients(t, g, 4)

	rcv := newReceiver(t, "")
	hook := engines.WebhookConfig{URL: rcv.url(), Events: []string{"*"}}
	var evs []engines.Event
	for i, spec := range []struct{ session, name string }{
		{"s1", "message"}, {"s2", "message"}, {"s1", "message.any"}, {"s1", "session.status"}, {"s1", "engine.event"}, {"s1", "message"},
	} {
		ev := event(spec.session, spec.name, i, hook)
		evs = append(evs, ev)
		if err := publish(g.events, context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(envs []map[string]any) []string {
		var out []string
		for _, e := range envs {
			out = append(out, e["id"].(string))
		}
		return out
	}
	want := func(idx ...int) []string {
		var out []string
		for _, i := range idx {
			out = append(out, evs[i].ID)
		}
		return out
	}
	if got := ids(read(t, all, 5)); !equal(got, want(0, 1, 2, 3, 5)) {
		t.Errorf("default client got %v", got)
	}
	if got := ids(read(t, star, 5)); !equal(got, want(0, 1, 2, 3, 5)) {
		t.Errorf("* client got %v", got)
	}
	if got := ids(read(t, filtered, 2)); !equal(got, want(0, 5)) {
		t.Errorf("filtered client got %v", got)
	}
	if got := ids(read(t, multi, 3)); !equal(got, want(2, 3, 4)) {
		t.Errorf("multi-event client got %v", got)
	}
	// A frame is byte for byte what the webhook got.
	rcv.waitDelivered(len(evs), 10*time.Second)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	c := dial(t, g, "?session=s9", hdr)
	waitClients(t, g, 5)
	ev := event("s9", "message", 0, hook)
	if err := publish(g.events, context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	_, frame, err := c.Read(ctx2)
	if err != nil {
		t.Fatal(err)
	}
	rcv.waitDelivered(len(evs)+1, 10*time.Second)
	hits := rcv.snapshot()
	if got := hits[len(hits)-1].body; string(got) != string(frame) {
		t.Fatalf("websocket frame %s differs from the webhook body %s", frame, got)
	}
}

func waitClients(t *testing.T, g *gateway, n int) {
	t.Helper()
	wait.For(t, 5*time.Second, func() error {
		if got := counter(t, g.reg, "wagate_ws_clients"); got != float64(n) {
			return fmt.Errorf("ws clients = %v, want %d", got, n)
		}
		return nil
	})
}

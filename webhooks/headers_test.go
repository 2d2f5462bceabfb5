package webhooks_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/webhooks"
)

// TestGlobalWebhookCustomHeaders: webhook.customHeaders (WHATSAPP_HOOK_CUSTOM_HEADERS)
// go with every request to the global webhook, and into no log line.
func TestGlobalWebhookCustomHeaders(t *testing.T) {
	got := make(chan http.Header, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r.Header.Clone():
		default:
		}
		w.WriteHeader(http.StatusInternalServerError) // retried: the attempt is logged
	}))
	defer srv.Close()
	st, _ := storetest.Open(t, store.SQLite)
	var logs bytes.Buffer
	global := configs.Default().Webhook
	global.URL, global.Events, global.CustomHeaders = srv.URL+"/in", []string{"*"}, "X-Token:s3cret-token;X-Tenant: acme"
	s := newService(t, st, prometheus.NewRegistry(), func(o *webhooks.Options) {
		o.Global = global
		o.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	if err := publish(s, context.Background(), event("s1", "message", 1)); err != nil {
		t.Fatal(err)
	}
	select {
	case h := <-got:
		if h.Get("X-Token") != "s3cret-token" || h.Get("X-Tenant") != "acme" {
			t.Fatalf("request headers %v, want X-Token and X-Tenant", h)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the global webhook got nothing")
	}
	time.Sleep(100 * time.Millisecond) // let the failed attempt be logged
	s.Stop(context.Background())
	if strings.Contains(logs.String(), "s3cret") {
		t.Fatalf("a custom header's value was logged:\n%s", logs.String())
	}

	bad := global
	bad.CustomHeaders = "X-Token s3cret-token"
	if _, err := webhooks.New(webhooks.Options{Store: st, Global: bad}); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("bad custom headers: error %v, want one without the value", err)
	}
}

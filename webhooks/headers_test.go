package webhooks_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/internal/wait"
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
	var logs lockedBuffer
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
	// Once the failed attempt is logged and the Service stopped, every line about
	// the delivery has been written.
	wait.Until(t, 5*time.Second, "the failed attempt to be logged", func() bool {
		return strings.Contains(logs.String(), "webhook attempt failed")
	})
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

// lockedBuffer is a log sink the test reads while the Service writes it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

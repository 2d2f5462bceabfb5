package webhooks_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/internal/wait"
	"github.com/wagate/wagate/netguard"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/webhooks"
)

// TestGuardRefusesReceiverWhenDialled: a webhook whose receiver the guard refuses
// (here: it is the gateway's own address) is never connected to, whatever got it
// configured; its delivery fails with the reason, and another webhook of the same
// event is delivered.
func TestGuardRefusesReceiverWhenDialled(t *testing.T) {
	st, _ := storetest.Open(t, store.SQLite)
	own := newReceiver(t, "")
	other := newReceiver(t, "")
	guard, err := netguard.New(netguard.Options{Self: []string{own.srv.Listener.Addr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	s := newService(t, st, nil, func(o *webhooks.Options) { o.Guard = guard })
	retries := &engines.RetriesConfig{Policy: webhooks.PolicyConstant, DelaySeconds: 1, Attempts: 2}
	ev := event("s", "message", 1,
		engines.WebhookConfig{URL: own.url(), Events: []string{"*"}, Retries: retries},
		engines.WebhookConfig{URL: other.url(), Events: []string{"*"}, Retries: retries})
	if err := publish(s, context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	other.waitDelivered(1, 5*time.Second)
	var ds []store.Delivery
	wait.For(t, 5*time.Second, func() error {
		var err error
		if ds, err = s.Deliveries(context.Background(), store.DeliveryFilter{Session: "s", Status: store.DeliveryFailed, Limit: 10}); err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 {
			return fmt.Errorf("the refused delivery did not fail: %d failed rows", len(ds))
		}
		return nil
	})
	if ds[0].URL != own.url() || !strings.Contains(ds[0].LastError, "own API") {
		t.Fatalf("failed delivery %s: %q, want the refused receiver and why", ds[0].URL, ds[0].LastError)
	}
	if n := len(own.snapshot()); n != 0 {
		t.Fatalf("the refused receiver got %d requests", n)
	}
}

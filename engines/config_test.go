package engines_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wagate/wagate/engines"
)

// TestNOWEBStoreConfigWritesFullSync: WAHA's NowebStoreConfig requires fullSync,
// so a session's config.noweb.store is written with it even when false (the
// value WAHA's own example sends), and read back the same.
func TestNOWEBStoreConfigWritesFullSync(t *testing.T) {
	on := true
	for _, c := range []struct {
		in   engines.NOWEBStoreConfig
		want string
	}{
		{engines.NOWEBStoreConfig{Enabled: &on}, `{"enabled":true,"fullSync":false}`},
		{engines.NOWEBStoreConfig{Enabled: &on, FullSync: true}, `{"enabled":true,"fullSync":true}`},
	} {
		raw, err := json.Marshal(c.in)
		if err != nil || string(raw) != c.want {
			t.Fatalf("Marshal(%+v) = %s, %v; want %s", c.in, raw, err, c.want)
		}
		var back engines.NOWEBStoreConfig
		if err := json.Unmarshal(raw, &back); err != nil || back.FullSync != c.in.FullSync || *back.Enabled != *c.in.Enabled {
			t.Fatalf("round trip of %s: %+v, %v", raw, back, err)
		}
	}
}

// TestWebhookHeaderErrorsNameTheField: a custom header's bad name or value is an
// error naming which of the two is wrong (a value with CR LF used to be reported
// as an invalid header name).
func TestWebhookHeaderErrorsNameTheField(t *testing.T) {
	for _, c := range []struct {
		h    engines.WebhookHeader
		want string
	}{
		{engines.WebhookHeader{Name: "", Value: "v"}, "config.webhooks[0].customHeaders[0].name: required"},
		{engines.WebhookHeader{Name: "Bad Name", Value: "v"}, `config.webhooks[0].customHeaders[0].name: "Bad Name" is not a header name`},
		{engines.WebhookHeader{Name: "X-A", Value: "a\r\nInjected: 1"}, "config.webhooks[0].customHeaders[0].value: the value of X-A has a control character"},
		{engines.WebhookHeader{Name: "X-A", Value: "a\x00b"}, "config.webhooks[0].customHeaders[0].value:"},
	} {
		cfg := engines.SessionConfig{Webhooks: []engines.WebhookConfig{{URL: "https://hooks.example.com/h", Events: []string{"*"}, CustomHeaders: []engines.WebhookHeader{c.h}}}}
		err := cfg.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.h, err, c.want)
		}
	}
	ok := engines.SessionConfig{Webhooks: []engines.WebhookConfig{{URL: "https://hooks.example.com/h", Events: []string{"*"}, CustomHeaders: []engines.WebhookHeader{{Name: "X-Api-Key", Value: "s3cr3t value"}}}}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("a good header: %v", err)
	}
}

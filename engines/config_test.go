package engines_test

import (
	"encoding/json"
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

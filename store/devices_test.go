package store_test

import (
	"context"
	"testing"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestSaveDeviceJIDUnchangedWritesNothing: recording the device a session
// already has (every NOWEB login does) leaves its row as it is; a new device
// replaces it. On PostgreSQL the row's xmin, the transaction that last wrote it,
// tells.
func TestSaveDeviceJIDUnchangedWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s, _ := storetest.Open(t, d)
		devs := s.NOWEBDevices()
		xmin := func() string {
			t.Helper()
			if d != store.Postgres {
				return ""
			}
			var x string
			if err := s.SQL().QueryRowContext(ctx, `SELECT xmin::text FROM wagate_noweb_devices WHERE session = 's1'`).Scan(&x); err != nil {
				t.Fatal(err)
			}
			return x
		}
		if err := devs.SaveDeviceJID(ctx, "s1", "1:1@s.whatsapp.net"); err != nil {
			t.Fatal(err)
		}
		before := xmin()
		if err := devs.SaveDeviceJID(ctx, "s1", "1:1@s.whatsapp.net"); err != nil {
			t.Fatal(err)
		}
		if after := xmin(); after != before {
			t.Fatalf("the same device again rewrote the row (xmin %s, then %s)", before, after)
		}
		if err := devs.SaveDeviceJID(ctx, "s1", "1:2@s.whatsapp.net"); err != nil {
			t.Fatal(err)
		}
		if jid, ok, err := devs.DeviceJID(ctx, "s1"); err != nil || !ok || jid != "1:2@s.whatsapp.net" {
			t.Fatalf("after a new device: %q %v %v", jid, ok, err)
		}
		if d == store.Postgres && xmin() == before {
			t.Fatal("a new device left the row's xmin as it was")
		}
	})
}

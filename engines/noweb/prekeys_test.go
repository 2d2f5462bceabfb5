package noweb

import (
	"testing"
	"time"

	"github.com/wagate/wagate/store"
)

// TestNewDeviceUploadsItsPrekeys: a new device's first login stores and uploads
// whatsmeow's 812 one-time prekeys (in one transaction with the prekey-batch
// patch), on both databases.
func TestNewDeviceUploadsItsPrekeys(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		ctx := testCtx(t)
		const me = "491510000051"
		if _, err := e.srv.CreateAccount(ctx, me, "Me"); err != nil {
			t.Fatal(err)
		}
		eng, h := newEngine(t, e.factory, "default")
		pairByQR(t, ctx, e, eng, h, me)
		cli, err := eng.client()
		if err != nil {
			t.Fatal(err)
		}
		jid := cli.Store.ID.String()
		for {
			var uploaded, total int
			err := e.db.SQL().QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN uploaded THEN 1 ELSE 0 END), 0) FROM whatsmeow_pre_keys WHERE jid = $1`, jid).Scan(&total, &uploaded)
			if err != nil {
				t.Fatal(err)
			}
			if total == 812 && uploaded == 812 {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("device %s has %d prekeys, %d uploaded; want 812", jid, total, uploaded)
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
}

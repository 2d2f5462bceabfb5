package noweb

import (
	"path/filepath"
	"runtime"
	"testing"

	"go.mau.fi/whatsmeow"
	waStore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	waLog "go.mau.fi/whatsmeow/util/log"

	"github.com/wagate/wagate/store"
)

// TestIdleClientFootprint: a whatsmeow client that has sent nothing holds little
// (lean-client.patch): whatsmeow sized its recent-messages map and list for 256
// sends up front, 52 KB of its ~70 KB in every client, sending or not. What is
// left is its 2048-node handler queue (16 KB) and the Client itself.
func TestIdleClientFootprint(t *testing.T) {
	db := store.OpenSQLite(filepath.Join(t.TempDir(), "wa.db"))
	t.Cleanup(func() { _ = db.Close() })
	container := sqlstore.NewWithDB(db, "sqlite3", waLog.Noop)
	if err := container.Upgrade(t.Context()); err != nil {
		t.Fatal(err)
	}
	const n = 200
	devices := make([]*waStore.Device, n)
	for i := range devices {
		devices[i] = container.NewDevice()
	}
	clients := make([]*whatsmeow.Client, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		clients[i] = whatsmeow.NewClient(devices[i], waLog.Noop)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
	runtime.KeepAlive(clients)
	t.Logf("%d bytes per idle client", per)
	if per > 40<<10 {
		t.Errorf("an idle whatsmeow client holds %d KB, want under 40 KB", per>>10)
	}
}

package noweb

import (
	"testing"

	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/types"

	"github.com/wagate/wagate/store"
)

// TestDeletedDeviceIsNotSavedAgain: once a device is deleted (logout), a late
// save of it (whatsmeow's background work of a stopped client still holding the
// same device) is refused instead of writing the row and its keys back.
func TestDeletedDeviceIsNotSavedAgain(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx := testCtx(t)
	f := e.factory
	jid := types.NewADJID("491510000071", 0, 3)
	dev := f.container.NewDevice()
	dev.ID = &jid
	dev.Account = &waAdv.ADVSignedDeviceIdentity{Details: []byte{1}, AccountSignature: make([]byte, 64), AccountSignatureKey: make([]byte, 32), DeviceSignature: make([]byte, 64)}
	if err := dev.Save(ctx); err != nil { // the pairing's save: whatsmeow sets the container
		t.Fatal(err)
	}
	f.guardDevice(dev)
	stale, err := f.container.GetDevice(ctx, jid) // the stopped client's copy
	if err != nil || stale == nil {
		t.Fatalf("GetDevice: %v, %v", stale, err)
	}
	f.guardDevice(stale)
	if err := dev.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if err := stale.Save(ctx); err == nil {
		t.Error("a deleted device was saved again")
	}
	if n := whatsmeowDevices(t, f); n != 0 {
		t.Errorf("whatsmeow devices after delete and a late save = %d, want 0", n)
	}
}

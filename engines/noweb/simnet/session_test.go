package simnet

import (
	"testing"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
)

// TestOfflineQueueLookupsAndLogout covers what a gateway session does
// around messaging: messages sent while it is offline arrive on reconnect;
// number lookups answer from the account registry; logout removes the
// device from the account.
func TestOfflineQueueLookupsAndLogout(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	alice, err := srv.CreateAccount(ctx, "491510000051", "Alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := srv.CreateAccount(ctx, "491510000052", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	c := pairedWithKeys(t, srv, "491510000051", "alice-session")

	c.cli.Disconnect()
	id, err := bob.SendText(ctx, alice.JID().String(), "while you were away")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cli.Connect(); err != nil {
		t.Fatalf("reconnect: %v", err)
	}
	waitEvent(t, ctx, c.rec, func(m *events.Message) bool {
		return m.Info.ID == id && m.Message.GetConversation() == "while you were away"
	})

	on, err := c.cli.IsOnWhatsApp(ctx, []string{"+491510000052", "+491519999999"})
	if err != nil {
		t.Fatalf("IsOnWhatsApp: %v", err)
	}
	if len(on) != 2 || !on[0].IsIn || on[0].JID != bob.JID() || on[1].IsIn {
		t.Fatalf("IsOnWhatsApp = %+v", on)
	}
	info, err := c.cli.GetUserInfo(ctx, []types.JID{bob.JID()})
	if err != nil {
		t.Fatalf("GetUserInfo: %v", err)
	}
	if info[bob.JID()].LID != bob.LID() || len(info[bob.JID()].Devices) != 1 {
		t.Fatalf("GetUserInfo = %+v", info[bob.JID()])
	}

	c.log.stop()
	if err := c.cli.Logout(ctx); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	acc, err := srv.Account("491510000051")
	if err != nil {
		t.Fatal(err)
	}
	if len(acc.Devices) != 1 {
		t.Fatalf("devices after logout = %v, want only the phone", acc.Devices)
	}
}

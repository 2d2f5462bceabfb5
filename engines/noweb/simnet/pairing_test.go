package simnet

import (
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types/events"
)

// pairByQR connects c, lets phone scan its first QR code and waits until
// the companion is logged in.
func pairByQR(t *testing.T, srv *Server, phone string, c *companion) {
	t.Helper()
	ctx := testCtx(t)
	qrs, err := c.cli.GetQRChannel(ctx)
	if err != nil {
		t.Fatalf("GetQRChannel: %v", err)
	}
	if err := c.cli.Connect(); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	var code string
	for item := range qrs {
		if item.Event == whatsmeow.QRChannelEventCode {
			code = item.Code
			break
		}
		t.Fatalf("unexpected QR channel event %q (%v)", item.Event, item.Error)
	}
	if _, err := srv.ScanQR(ctx, phone, code); err != nil {
		t.Fatalf("ScanQR: %v", err)
	}
	waitEvent[*events.PairSuccess](t, ctx, c.rec, nil)
	waitEvent[*events.Connected](t, ctx, c.rec, nil)
}

func TestQRPairingReachesConnected(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	alice, err := srv.CreateAccount(ctx, "491510000001", "Alice")
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	c := newCompanion(t, srv, "alice-session")
	pairByQR(t, srv, "491510000001", c)

	if got := c.cli.Store.ID; got == nil || got.User != alice.JID().User || got.Device != 1 {
		t.Fatalf("companion ID = %v, want %s:1", got, alice.JID().User)
	}
	if got := c.cli.Store.LID; got.User != alice.LID().User || got.Device != 1 {
		t.Fatalf("companion LID = %v, want %s:1", got, alice.LID().User)
	}
	if !c.cli.IsLoggedIn() {
		t.Fatal("companion not logged in")
	}
	info, err := srv.Account("491510000001")
	if err != nil || len(info.Devices) != 2 {
		t.Fatalf("account devices = %v (%v), want phone + companion", info.Devices, err)
	}
}

func TestPairingCode(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	if _, err := srv.CreateAccount(ctx, "491510000002", "Carol"); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	c := newCompanion(t, srv, "carol-session")
	qrs, err := c.cli.GetQRChannel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cli.Connect(); err != nil {
		t.Fatal(err)
	}
	// PairPhone needs the registration connection, which the first QR
	// code proves is up.
	if item := <-qrs; item.Event != whatsmeow.QRChannelEventCode {
		t.Fatalf("first QR channel event = %q", item.Event)
	}
	code, err := c.cli.PairPhone(ctx, "+49 151 0000002", true, whatsmeow.PairClientChrome, "Chrome (Linux)")
	if err != nil {
		t.Fatalf("PairPhone: %v", err)
	}
	dev, err := srv.EnterPairingCode(ctx, "491510000002", code)
	if err != nil {
		t.Fatalf("EnterPairingCode: %v", err)
	}
	waitEvent[*events.PairSuccess](t, ctx, c.rec, nil)
	waitEvent[*events.Connected](t, ctx, c.rec, nil)
	if got := c.cli.Store.ID; got == nil || *got != dev {
		t.Fatalf("companion ID = %v, want %v", got, dev)
	}
}

// TestFirstResponseDelay: a connection's first node (here the pair-device
// request that carries the QR refs) goes no sooner than
// Options.FirstResponseDelay after the handshake, as from a server a round
// trip away.
func TestFirstResponseDelay(t *testing.T) {
	const delay = 400 * time.Millisecond
	srv := newTestServerWith(t, func(o *Options) { o.FirstResponseDelay = delay })
	c := newCompanion(t, srv, "delayed")
	ctx := testCtx(t)
	qrs, err := c.cli.GetQRChannel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := c.cli.Connect(); err != nil {
		t.Fatal(err)
	}
	item := <-qrs
	if item.Event != whatsmeow.QRChannelEventCode {
		t.Fatalf("QR channel event %q (%v), want a code", item.Event, item.Error)
	}
	if took := time.Since(start); took < delay {
		t.Fatalf("the QR came %v after Connect, before the first-response delay of %v", took, delay)
	}
}

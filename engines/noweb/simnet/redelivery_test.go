package simnet

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/wagate/wagate/internal/wait"
)

// count is how many events of type T match accepts so far.
func count[T any](r *recorder, match func(T) bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.evts {
		if v, ok := e.(T); ok && match(v) {
			n++
		}
	}
	return n
}

// waitKept waits until what the server keeps for a device satisfies ok.
func waitKept(t *testing.T, ctx context.Context, srv *Server, phone string, dev uint16, ok func([]KeptNode) bool) []KeptNode {
	t.Helper()
	var kept []KeptNode
	wait.Context(t, ctx, func() error {
		var err error
		if kept, err = srv.Kept(phone, dev); err != nil {
			t.Fatal(err)
		}
		if !ok(kept) {
			return fmt.Errorf("kept for %s.%d never as expected: %+v", phone, dev, kept)
		}
		return nil
	})
	return kept
}

func keeps(tag string, id types.MessageID) func([]KeptNode) bool {
	return func(kept []KeptNode) bool {
		return slices.ContainsFunc(kept, func(k KeptNode) bool { return k.Tag == tag && k.ID == string(id) })
	}
}

func keepsNo(tag string, id types.MessageID) func([]KeptNode) bool {
	return func(kept []KeptNode) bool { return !keeps(tag, id)(kept) }
}

// waitCount waits until n events of type T match.
func waitCount[T any](t *testing.T, ctx context.Context, r *recorder, n int, match func(T) bool) {
	t.Helper()
	for {
		r.mu.Lock()
		ch := r.changed
		r.mu.Unlock()
		if count(r, match) >= n {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			var zero T
			t.Fatalf("never %d %T events as expected (have %d)", n, zero, count(r, match))
		}
	}
}

func every[T any](T) bool { return true }

// TestUnackedIsDeliveredAgain: the server keeps a message, and a receipt, until
// the device acks it. A companion whose handler fails one (so whatsmeow, with
// SynchronousAck, withholds its receipt or ack) gets it again at its next login,
// whether the server dropped the connection or the client reconnected; one it
// acked does not come back.
func TestUnackedIsDeliveredAgain(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	const me = "491510000071"
	if _, err := srv.CreateAccount(ctx, me, "Alice"); err != nil {
		t.Fatal(err)
	}
	bob, err := srv.CreateAccount(ctx, "491510000072", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	c := newCompanion(t, srv, "alice-session")
	c.cli.SynchronousAck = true
	c.cli.EnableDecryptedEventBuffer = true
	var refuse atomic.Value // a message id, or "receipt:" and a receipt type, to fail once
	refuse.Store("")
	c.cli.AddEventHandlerWithSuccessStatus(func(evt any) bool {
		switch v := evt.(type) {
		case *events.Message:
			return !refuse.CompareAndSwap(v.Info.ID, "")
		case *events.Receipt:
			return !refuse.CompareAndSwap("receipt:"+string(v.Type), "")
		}
		return true
	})
	pairByQR(t, srv, me, c)
	waitGreeted(t, c)
	dev := c.cli.Store.ID.Device
	isMsg := func(id types.MessageID) func(*events.Message) bool {
		return func(m *events.Message) bool { return m.Info.ID == id }
	}

	// Acked: settled, not delivered again.
	first, err := bob.SendText(ctx, me, "first")
	if err != nil {
		t.Fatal(err)
	}
	waitCount(t, ctx, c.rec, 1, isMsg(first))
	waitKept(t, ctx, srv, me, dev, keepsNo("message", first))

	// Refused: kept, and delivered again after the server drops the connection.
	second := bob.Client().GenerateMessageID()
	refuse.Store(second)
	if _, err = bob.Client().SendMessage(ctx, types.NewJID(me, types.DefaultUserServer),
		&waE2E.Message{Conversation: proto.String("second")}, whatsmeow.SendRequestExtra{ID: second}); err != nil {
		t.Fatal(err)
	}
	waitCount(t, ctx, c.rec, 1, isMsg(second))
	waitKept(t, ctx, srv, me, dev, keeps("message", second))
	connected := count(c.rec, every[*events.Connected])
	c.log.allow(`reason = "dropped by simnet"`)
	if err := srv.DropConnection(me, dev); err != nil {
		t.Fatal(err)
	}
	waitCount(t, ctx, c.rec, connected+1, every[*events.Connected])
	waitCount(t, ctx, c.rec, 2, isMsg(second))
	waitKept(t, ctx, srv, me, dev, keepsNo("message", second))
	if n := count(c.rec, isMsg(first)); n != 1 {
		t.Fatalf("acked message delivered %d times", n)
	}
	if msgs := count(c.rec, func(m *events.Message) bool { return m.Info.ID == second && m.Message.GetConversation() == "second" }); msgs != 2 {
		t.Fatalf("the message delivered again arrived as %d decrypted copies, want 2", msgs)
	}

	// A read receipt the handler refuses is kept and comes back too.
	resp, err := c.cli.SendMessage(ctx, bob.JID(), &waE2E.Message{Conversation: proto.String("read me")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.WaitFor(ctx, func(e Event) bool { return e.Type == "message" && e.ID == resp.ID }); err != nil {
		t.Fatal(err)
	}
	refuse.Store("receipt:" + string(types.ReceiptTypeRead))
	if err := bob.MarkRead(ctx, me, "", resp.ID); err != nil {
		t.Fatal(err)
	}
	isRead := func(r *events.Receipt) bool {
		return r.Type == types.ReceiptTypeRead && slices.Contains(r.MessageIDs, resp.ID)
	}
	waitCount(t, ctx, c.rec, 1, isRead)
	waitKept(t, ctx, srv, me, dev, keeps("receipt", resp.ID))
	c.cli.Disconnect()
	if err := c.cli.Connect(); err != nil {
		t.Fatal(err)
	}
	waitCount(t, ctx, c.rec, 2, isRead)
	waitKept(t, ctx, srv, me, dev, func(kept []KeptNode) bool { return len(kept) == 0 })
}

// TestReceiptBeforeAck: with the knob on, each of concurrent sends of a
// companion returns only after it has handled the contact's delivery receipt.
func TestReceiptBeforeAck(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	const me = "491510000081"
	if _, err := srv.CreateAccount(ctx, me, "Alice"); err != nil {
		t.Fatal(err)
	}
	bob, err := srv.CreateAccount(ctx, "491510000082", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	c := newCompanion(t, srv, "alice-session")
	// It acks a receipt once its handler has run, as the NOWEB engine does.
	c.cli.SynchronousAck = true
	pairByQR(t, srv, me, c)
	waitGreeted(t, c)
	if err := srv.SetReceiptBeforeAck(me, true); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			resp, err := c.cli.SendMessage(ctx, bob.JID(), &waE2E.Message{Conversation: proto.String(fmt.Sprint("quick ", i))})
			if err != nil {
				t.Error(err)
				return
			}
			if count(c.rec, func(r *events.Receipt) bool {
				return (r.Sender.User == bob.JID().User || r.Sender.User == bob.LID().User) && r.Type != types.ReceiptTypeRead && slices.Contains(r.MessageIDs, resp.ID)
			}) == 0 {
				t.Errorf("send %s returned before the contact's delivery receipt", resp.ID)
			}
		})
	}
	wg.Wait()
}

// TestOfflineQueueEnd: after what was kept for a device, its login gets the
// end of the offline queue (<ib><offline count/></ib>), as from the real
// server; Baileys holds its events back until it comes.
func TestOfflineQueueEnd(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	const me = "491510000075"
	if _, err := srv.CreateAccount(ctx, me, "Alice"); err != nil {
		t.Fatal(err)
	}
	bob, err := srv.CreateAccount(ctx, "491510000076", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	c := newCompanion(t, srv, "alice-session")
	pairByQR(t, srv, me, c)
	waitEvent[*events.OfflineSyncCompleted](t, ctx, c.rec, nil)
	waitGreeted(t, c)
	c.cli.Disconnect()
	id, err := bob.SendText(ctx, me, "while you were away")
	if err != nil {
		t.Fatal(err)
	}
	c.rec.mu.Lock()
	c.rec.evts = nil
	c.rec.mu.Unlock()
	if err := c.cli.Connect(); err != nil {
		t.Fatal(err)
	}
	done := waitEvent[*events.OfflineSyncCompleted](t, ctx, c.rec, nil)
	if done.Count < 1 {
		t.Errorf("offline queue end counts %d nodes, want the kept message at least", done.Count)
	}
	// The kept message came before the end of the queue.
	c.rec.mu.Lock()
	defer c.rec.mu.Unlock()
	for _, e := range c.rec.evts {
		if m, ok := e.(*events.Message); ok && m.Info.ID == id {
			return
		}
		if _, ok := e.(*events.OfflineSyncCompleted); ok {
			break
		}
	}
	t.Errorf("message %s did not come before the end of the offline queue", id)
}

package simnet

import (
	waBinary "go.mau.fi/whatsmeow/binary"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"
)

// TestMessageRelay: a contact's phone writes to the session's account; the
// session sees the message, the edit and the revoke; the contact sees the
// delivery and read receipts; and the session's reply reaches the contact.
func TestMessageRelay(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	alice, err := srv.CreateAccount(ctx, "491510000011", "Alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := srv.CreateAccount(ctx, "491510000012", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	c := newCompanion(t, srv, "alice-session")
	pairByQR(t, srv, "491510000011", c)

	id, err := bob.SendText(ctx, alice.JID().String(), "hello from bob")
	if err != nil {
		t.Fatalf("bob SendText: %v", err)
	}
	msg := waitEvent(t, ctx, c.rec, func(m *events.Message) bool { return m.Info.ID == id })
	if got := msg.Message.GetConversation(); got != "hello from bob" {
		t.Fatalf("session got text %q", got)
	}
	if msg.Info.Chat.User != bob.JID().User || msg.Info.IsFromMe {
		t.Fatalf("session got chat %v fromMe=%v", msg.Info.Chat, msg.Info.IsFromMe)
	}
	// Alice's phone got it too (it is one of her devices).
	if _, err := alice.WaitFor(ctx, func(e Event) bool { return e.Type == "message" && e.ID == id }); err != nil {
		t.Fatal(err)
	}
	// Delivery receipt from the session (whatsmeow sends it by itself).
	if _, err := bob.WaitFor(ctx, func(e Event) bool {
		return e.Type == "receipt" && len(e.IDs) > 0 && e.IDs[0] == id && e.ReceiptType != string(types.ReceiptTypeRead)
	}); err != nil {
		t.Fatalf("delivery receipt: %v", err)
	}
	// Read receipt.
	if err := c.cli.MarkRead(ctx, []types.MessageID{id}, time.Now(), msg.Info.Chat, msg.Info.Sender); err != nil {
		t.Fatalf("MarkRead: %v", err)
	}
	if _, err := bob.WaitFor(ctx, func(e Event) bool {
		return e.Type == "receipt" && len(e.IDs) > 0 && e.IDs[0] == id && e.ReceiptType == string(types.ReceiptTypeRead)
	}); err != nil {
		t.Fatalf("read receipt: %v", err)
	}

	// Edit, then revoke.
	if err := bob.Edit(ctx, alice.JID().String(), id, "hello (edited)"); err != nil {
		t.Fatalf("Edit: %v", err)
	}
	edit := waitEvent(t, ctx, c.rec, func(m *events.Message) bool {
		pm := m.Message.GetProtocolMessage()
		return pm != nil && pm.GetType() == waE2E.ProtocolMessage_MESSAGE_EDIT
	})
	if edit.Info.Edit != types.EditAttributeMessageEdit || edit.Message.GetProtocolMessage().GetKey().GetID() != id ||
		edit.Message.GetProtocolMessage().GetEditedMessage().GetConversation() != "hello (edited)" {
		t.Fatalf("edit arrived as %+v / %v", edit.Info, edit.Message)
	}
	if err := bob.Revoke(ctx, alice.JID().String(), id); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	rev := waitEvent(t, ctx, c.rec, func(m *events.Message) bool {
		pm := m.Message.GetProtocolMessage()
		return pm != nil && pm.GetType() == waE2E.ProtocolMessage_REVOKE
	})
	if rev.Info.Edit != types.EditAttributeSenderRevoke || rev.Message.GetProtocolMessage().GetKey().GetID() != id {
		t.Fatalf("revoke arrived as %+v", rev.Info)
	}

	// The session answers; Bob's phone receives it, Alice's phone sees its
	// own companion's message.
	resp, err := c.cli.SendMessage(ctx, bob.JID(), &waE2E.Message{Conversation: proto.String("hi bob")})
	if err != nil {
		t.Fatalf("session SendMessage: %v", err)
	}
	got, err := bob.WaitFor(ctx, func(e Event) bool { return e.Type == "message" && e.ID == resp.ID })
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "hi bob" {
		t.Fatalf("bob got %q", got.Text)
	}
	if _, err := alice.WaitFor(ctx, func(e Event) bool { return e.Type == "message" && e.ID == resp.ID && e.FromMe }); err != nil {
		t.Fatal(err)
	}
}

// TestMessageNotEchoedToSender: a message whose participants name the sending
// device itself (a client's bug, or a fuzzed send) never goes back to its
// sender, as on the real server.
func TestMessageNotEchoedToSender(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	alice, err := srv.CreateAccount(ctx, "491510000021", "Alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := srv.CreateAccount(ctx, "491510000022", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	c := newCompanion(t, srv, "alice-session")
	pairByQR(t, srv, "491510000021", c)
	const id = "3EB0ECHOTEST0001"
	err = c.cli.DangerousInternals().SendNode(ctx, waBinary.Node{Tag: "message",
		Attrs: waBinary.Attrs{"id": id, "to": bob.JID(), "type": "text"},
		Content: []waBinary.Node{{Tag: "participants", Content: []waBinary.Node{{Tag: "to", Attrs: waBinary.Attrs{"jid": *c.cli.Store.ID},
			Content: []waBinary.Node{{Tag: "enc", Attrs: waBinary.Attrs{"v": "2", "type": "msg"}, Content: []byte("ciphertext")}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	// simnet handles a connection's nodes in order: once this query is
	// answered, the message has been routed ...
	if _, err := c.cli.GetUserDevices(ctx, []types.JID{bob.JID()}); err != nil {
		t.Fatal(err)
	}
	// ... and what is routed to a device reaches it in order: a copy would
	// come before bob's next message.
	next, err := bob.SendText(ctx, alice.JID().String(), "after")
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, ctx, c.rec, func(m *events.Message) bool { return m.Info.ID == next })
	c.rec.mu.Lock()
	defer c.rec.mu.Unlock()
	for _, evt := range c.rec.evts {
		switch v := evt.(type) {
		case *events.Message:
			if v.Info.ID == id {
				t.Fatalf("the sender got its own message back: %+v", v.Info)
			}
		case *events.UndecryptableMessage:
			if v.Info.ID == id {
				t.Fatalf("the sender got its own message back (undecryptable): %+v", v.Info)
			}
		}
	}
}

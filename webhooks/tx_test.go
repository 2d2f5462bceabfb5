package webhooks_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/webhooks"
)

// txHost is an engine's Host whose events a store records in the message's
// transaction (engines.TxEmitter), as the Manager's is; break makes the next
// outbox write fail, as a database error or a crash between the two writes would.
type txHost struct {
	s       *webhooks.Service
	session string
	hook    engines.WebhookConfig
	brk     string // a delivery id that already exists: the next write collides with it
}

func (h *txHost) SetStatus(engines.Status, string) {}
func (h *txHost) NewQR()                           {}
func (h *txHost) SetMe(*engines.MeInfo)            {}
func (h *txHost) Failed(error, bool)               {}
func (h *txHost) Emit(context.Context, string, any) {
	panic("events of a stored message must go through the outbox transaction")
}

func (h *txHost) PrepareEmit(_ context.Context, ems ...engines.Emission) (engines.Outbound, bool) {
	var evs []engines.Event
	for i, e := range ems {
		ev := event(h.session, e.Event, i, h.hook)
		ev.Payload = e.Payload
		evs = append(evs, ev)
	}
	out, err := h.s.PrepareOutbound(evs)
	if err != nil {
		return nil, false
	}
	if h.brk != "" {
		out = brokenOutbound{out, h.brk}
		h.brk = ""
	}
	return out, true
}

// brokenOutbound writes rows whose first id collides with an existing row.
type brokenOutbound struct {
	engines.Outbound
	dup string
}

func (b brokenOutbound) OutboxDeliveries() []store.Delivery {
	ds := b.Outbound.(store.OutboxRows).OutboxDeliveries()
	ds[len(ds)-1].ID = b.dup
	return ds
}

// TestMessageAndEventsInOneTransaction: a NOWEB message and its events are stored
// together (engines.EmitStored, what the engine's ingest calls) or not at all: when
// the outbox write fails neither is kept, and WhatsApp's redelivery (the ack was
// withheld) stores both; a redelivered message already stored does not add its
// events twice.
func TestMessageAndEventsInOneTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		st, _ := storetest.Open(t, d)
		cs := st.ChatStore()
		rcv := newReceiver(t, "k")
		s := newService(t, st, nil, nil)
		h := &txHost{s: s, session: "s1", hook: engines.WebhookConfig{URL: rcv.url(), Events: []string{"*"}, HMAC: &engines.HMACConfig{Key: "k"}}}
		ctx := context.Background()
		msg := func(id string) engines.StoredMessage {
			body := "hello " + id
			return engines.StoredMessage{Chat: "111@c.us", ID: id, Timestamp: time.Now().Unix(), Ack: engines.AckDevice,
				Message: engines.Message{ID: "false_111@c.us_" + id, Body: &body}}
		}
		ingest := func(id string) error {
			m := msg(id)
			return engines.EmitStored(ctx, cs, h, "s1", []engines.StoredMessage{m}, true,
				engines.Emission{Event: "message", Payload: m.Message}, engines.Emission{Event: "message.any", Payload: m.Message})
		}
		rows := func() []store.Delivery {
			t.Helper()
			ds, err := s.Deliveries(ctx, store.DeliveryFilter{Session: "s1"})
			if err != nil {
				t.Fatal(err)
			}
			return ds
		}

		// The normal path: the message and both events.
		if err := ingest("A"); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.GetMessage(ctx, "s1", "111@c.us", "A"); err != nil {
			t.Fatalf("message A: %v", err)
		}
		if n := len(rows()); n != 2 {
			t.Fatalf("%d outbox rows after message A, want 2", n)
		}
		rcv.waitDelivered(2, 5*time.Second)

		// The outbox write fails: the message is not kept either, and the error
		// reaches the engine, which withholds the ack.
		h.brk = rows()[0].ID
		if err := ingest("B"); err == nil {
			t.Fatal("ingest of B succeeded although its outbox write failed")
		}
		if _, err := cs.GetMessage(ctx, "s1", "111@c.us", "B"); !errors.Is(err, engines.ErrNotFound) {
			t.Fatalf("message B kept without its events: %v", err)
		}
		if n := len(rows()); n != 2 {
			t.Fatalf("%d outbox rows after the failed write, want 2", n)
		}
		chat, err := cs.GetChat(ctx, "s1", "111@c.us")
		if err != nil || chat.LastMessageID != "A" {
			t.Fatalf("chat after the failed write: %+v, %v; want last message A", chat, err)
		}

		// WhatsApp delivers B again: both are stored and sent.
		if err := ingest("B"); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.GetMessage(ctx, "s1", "111@c.us", "B"); err != nil {
			t.Fatalf("message B after redelivery: %v", err)
		}
		if n := len(rows()); n != 4 {
			t.Fatalf("%d outbox rows after B's redelivery, want 4", n)
		}
		rcv.waitDelivered(4, 5*time.Second)

		// A redelivered message that is stored already: its events were committed
		// with it, so none are added.
		if err := ingest("A"); err != nil {
			t.Fatal(err)
		}
		if n := len(rows()); n != 4 {
			t.Fatalf("%d outbox rows after A's redelivery, want 4 (no duplicates)", n)
		}
		var events []string
		for _, h := range rcv.snapshot() {
			if !h.hmacOK {
				t.Errorf("delivery %s without a valid signature", h.eventID)
			}
			events = append(events, h.event)
		}
		if want := []string{"message", "message.any", "message", "message.any"}; !equal(events, want) {
			t.Fatalf("receiver got %v, want %v", events, want)
		}
	})
}

// TestChangeAndEventsInOneTransaction: an edit and an ack of a stored message are
// written with their events (engines.EmitWith, what the engine's ingest calls) or
// not at all: when the outbox write fails the change is rolled back too; an ack
// that raises nothing adds no events.
func TestChangeAndEventsInOneTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		st, _ := storetest.Open(t, d)
		cs := st.ChatStore()
		rcv := newReceiver(t, "k")
		s := newService(t, st, nil, nil)
		h := &txHost{s: s, session: "s1", hook: engines.WebhookConfig{URL: rcv.url(), Events: []string{"*"}, HMAC: &engines.HMACConfig{Key: "k"}}}
		ctx := context.Background()
		body := "hello"
		if err := cs.SaveMessages(ctx, "s1", []engines.StoredMessage{{Chat: "111@c.us", ID: "A", FromMe: true,
			Timestamp: time.Now().Unix(), Ack: engines.AckServer, Message: engines.Message{ID: "true_111@c.us_A", FromMe: true, Body: &body}}}, true); err != nil {
			t.Fatal(err)
		}
		edit := func(body string) error {
			return engines.EmitWith(ctx, cs, h, func(tx engines.ChatStore) ([]engines.Emission, error) {
				m, err := tx.EditMessage(ctx, "s1", "111@c.us", "A", body)
				if err != nil {
					return nil, err
				}
				return []engines.Emission{{Event: "message.edited", Payload: m.Message}}, nil
			})
		}
		ack := func(a engines.Ack) error {
			return engines.EmitWith(ctx, cs, h, func(tx engines.ChatStore) ([]engines.Emission, error) {
				changed, err := tx.SetAck(ctx, "s1", "111@c.us", []string{"A"}, a)
				if err != nil {
					return nil, err
				}
				var evs []engines.Emission
				for _, m := range changed {
					evs = append(evs, engines.Emission{Event: "message.ack", Payload: m.Message})
				}
				return evs, nil
			})
		}
		rows := func() []store.Delivery {
			t.Helper()
			ds, err := s.Deliveries(ctx, store.DeliveryFilter{Session: "s1"})
			if err != nil {
				t.Fatal(err)
			}
			return ds
		}
		stored := func() engines.StoredMessage {
			t.Helper()
			m, err := cs.GetMessage(ctx, "s1", "111@c.us", "A")
			if err != nil {
				t.Fatal(err)
			}
			return *m
		}

		// The normal path: the change and its event.
		if err := edit("edited"); err != nil {
			t.Fatal(err)
		}
		if m := stored(); m.Message.Body == nil || *m.Message.Body != "edited" {
			t.Fatalf("body after the edit: %v", m.Message.Body)
		}
		if err := ack(engines.AckRead); err != nil {
			t.Fatal(err)
		}
		if m := stored(); m.Ack != engines.AckRead {
			t.Fatalf("ack after the receipt: %v, want read", m.Ack)
		}
		if n := len(rows()); n != 2 {
			t.Fatalf("%d outbox rows after the edit and the ack, want 2", n)
		}
		rcv.waitDelivered(2, 5*time.Second)

		// The outbox write fails: the change is not kept either.
		h.brk = rows()[0].ID
		if err := edit("lost"); err == nil {
			t.Fatal("edit succeeded although its outbox write failed")
		}
		if m := stored(); m.Message.Body == nil || *m.Message.Body != "edited" {
			t.Fatalf("edit kept without its event: body %v", m.Message.Body)
		}
		h.brk = rows()[0].ID
		if err := ack(engines.AckPlayed); err == nil {
			t.Fatal("ack succeeded although its outbox write failed")
		}
		if m := stored(); m.Ack != engines.AckRead {
			t.Fatalf("ack kept without its event: %v, want read", m.Ack)
		}
		if n := len(rows()); n != 2 {
			t.Fatalf("%d outbox rows after the failed writes, want 2", n)
		}

		// An ack that raises nothing has no event; the one that does, once.
		if err := ack(engines.AckRead); err != nil {
			t.Fatal(err)
		}
		if err := ack(engines.AckPlayed); err != nil {
			t.Fatal(err)
		}
		if n := len(rows()); n != 3 {
			t.Fatalf("%d outbox rows after the played receipt, want 3", n)
		}
		rcv.waitDelivered(3, 5*time.Second)
		var events []string
		for _, h := range rcv.snapshot() {
			if !h.hmacOK {
				t.Errorf("delivery %s without a valid signature", h.eventID)
			}
			events = append(events, h.event)
		}
		if want := []string{"message.edited", "message.ack", "message.ack"}; !equal(events, want) {
			t.Fatalf("receiver got %v, want %v", events, want)
		}
	})
}

package webhooks_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/webhooks"
)

// recorder records changes of session s1 through a Service, as the Manager's host
// does: evs turns what the change found into events.
type recorder struct {
	s    *webhooks.Service
	hook engines.WebhookConfig
	// unmarshalable makes the next change's last event impossible to write, as a
	// database error or a crash between the two writes would.
	unmarshalable bool
}

func (r *recorder) record(ctx context.Context, change func(tx chatstore.Store) ([]string, []any, error)) error {
	return r.s.Record(ctx, func(tx chatstore.Store) ([]engines.Event, error) {
		names, payloads, err := change(tx)
		if err != nil {
			return nil, err
		}
		evs := make([]engines.Event, len(names))
		for i := range names {
			evs[i] = event("s1", names[i], i, r.hook)
			evs[i].Payload = payloads[i]
		}
		if r.unmarshalable && len(evs) > 0 {
			evs[len(evs)-1].Payload = make(chan int)
			r.unmarshalable = false
		}
		return evs, nil
	})
}

// newRecorder records for session s1 on a fresh store of d, delivering every
// event, signed, to a receiver.
func newRecorder(t *testing.T, d store.Dialect) (*recorder, chatstore.Store, *receiver) {
	st, _ := storetest.Open(t, d)
	rcv := newReceiver(t, "k")
	r := &recorder{s: newService(t, st, nil, nil), hook: engines.WebhookConfig{URL: rcv.url(), Events: []string{"*"}, HMAC: &engines.HMACConfig{Key: "k"}}}
	return r, st.ChatStore(), rcv
}

// rows are the outbox rows of session s1.
func (r *recorder) rows(t *testing.T) []store.Delivery {
	t.Helper()
	ds, err := r.s.Deliveries(context.Background(), store.DeliveryFilter{Session: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// signedEvents are the names of the events rcv got, each checked for its signature.
func signedEvents(t *testing.T, rcv *receiver) []string {
	t.Helper()
	var events []string
	for _, h := range rcv.snapshot() {
		if !h.hmacOK {
			t.Errorf("delivery %s without a valid signature", h.eventID)
		}
		events = append(events, h.event)
	}
	return events
}

// TestMessageAndEventsInOneTransaction: a message and its events are stored
// together or not at all: when the outbox write fails neither is kept, and
// WhatsApp's redelivery (the ack was withheld) stores both; a redelivered message
// already stored does not add its events twice.
func TestMessageAndEventsInOneTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		r, cs, rcv := newRecorder(t, d)
		ctx := context.Background()
		ingest := func(id string) error {
			body := "hello " + id
			m := chatstore.Message{Chat: "111@c.us", ID: id, Timestamp: time.Now().Unix(), Ack: engines.AckDevice,
				Message: engines.Message{ID: "false_111@c.us_" + id, Body: body}}
			return r.record(ctx, func(tx chatstore.Store) ([]string, []any, error) {
				n, err := tx.SaveMessages(ctx, "s1", []chatstore.Message{m}, true)
				if err != nil || n == 0 {
					return nil, nil, err
				}
				return []string{"message", "message.any"}, []any{m.Message, m.Message}, nil
			})
		}
		rows := func() []store.Delivery { return r.rows(t) }

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
		r.unmarshalable = true
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
		events := signedEvents(t, rcv)
		if want := []string{"message", "message.any", "message", "message.any"}; !equal(events, want) {
			t.Fatalf("receiver got %v, want %v", events, want)
		}
	})
}

// TestChangeAndEventsInOneTransaction: an edit and an ack of a stored message are
// written with their events or not at all: when the outbox write fails the change
// is rolled back too; an ack that raises nothing adds no events.
func TestChangeAndEventsInOneTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		r, cs, rcv := newRecorder(t, d)
		ctx := context.Background()
		body := "hello"
		if _, err := cs.SaveMessages(ctx, "s1", []chatstore.Message{{Chat: "111@c.us", ID: "A", FromMe: true,
			Timestamp: time.Now().Unix(), Ack: engines.AckServer, Message: engines.Message{ID: "true_111@c.us_A", FromMe: true, Body: body}}}, true); err != nil {
			t.Fatal(err)
		}
		edit := func(body string) error {
			return r.record(ctx, func(tx chatstore.Store) ([]string, []any, error) {
				m, err := tx.EditMessage(ctx, "s1", "111@c.us", "A", body)
				if err != nil {
					return nil, nil, err
				}
				return []string{"message.edited"}, []any{m.Message}, nil
			})
		}
		ack := func(a engines.Ack) error {
			return r.record(ctx, func(tx chatstore.Store) ([]string, []any, error) {
				changed, err := tx.SetAck(ctx, "s1", "111@c.us", []string{"A"}, a)
				if err != nil {
					return nil, nil, err
				}
				var names []string
				var payloads []any
				for _, m := range changed {
					names, payloads = append(names, "message.ack"), append(payloads, m.Message)
				}
				return names, payloads, nil
			})
		}
		rows := func() []store.Delivery { return r.rows(t) }
		stored := func() chatstore.Message {
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
		if m := stored(); m.Message.Body != "edited" {
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
		r.unmarshalable = true
		if err := edit("lost"); err == nil {
			t.Fatal("edit succeeded although its outbox write failed")
		}
		if m := stored(); m.Message.Body != "edited" {
			t.Fatalf("edit kept without its event: body %v", m.Message.Body)
		}
		r.unmarshalable = true
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
		events := signedEvents(t, rcv)
		if want := []string{"message.edited", "message.ack", "message.ack"}; !equal(events, want) {
			t.Fatalf("receiver got %v, want %v", events, want)
		}
	})
}

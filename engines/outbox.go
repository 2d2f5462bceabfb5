package engines

import "context"

// Events recorded with the store write they describe. A Publisher that keeps an
// outbox (the webhooks service) prepares the rows of some events without writing
// them; a ChatStore writes them in the transaction of the message, so the message
// and its events are stored together or not at all, and then hands them on.

// Outbound is events prepared for an outbox: their rows are opaque here (the store
// and the publisher agree on them). After the transaction that wrote them commits,
// Committed hands the events on (dispatcher, websocket clients).
type Outbound interface {
	Committed()
}

// TxPublisher is a Publisher whose outbox rows a store can write in its own
// transaction.
type TxPublisher interface {
	Publisher
	// PrepareOutbound builds the envelopes and outbox rows of evs, writing nothing.
	PrepareOutbound(evs []Event) (Outbound, error)
}

// Emission is an event an engine is about to emit: its name (from EventNames) and
// payload.
type Emission struct {
	Event   string
	Payload any
}

// TxEmitter is implemented by a Host whose events can be recorded in a store's
// transaction. PrepareEmit builds the session's events; ok is false when they cannot
// be prepared that way (no outbox, a stale run), and the engine then stores and
// calls Emit as usual.
type TxEmitter interface {
	PrepareEmit(ctx context.Context, events ...Emission) (out Outbound, ok bool)
}

// OutboxChatStore is a ChatStore that writes messages and the events about them in
// one transaction.
type OutboxChatStore interface {
	// SaveMessagesWithEvents is SaveMessages that also writes out's rows in the same
	// transaction, when at least one of msgs is new: when every one is stored
	// already, its events were committed with it the first time and are not written
	// again. recorded reports whether they were; the caller then calls
	// out.Committed().
	SaveMessagesWithEvents(ctx context.Context, session string, msgs []StoredMessage, live bool, out Outbound) (recorded bool, err error)
}

// EmitStored stores msgs and emits evs about them: in one transaction when the
// store and the host can, otherwise store first, then emit.
func EmitStored(ctx context.Context, st ChatStore, h Host, session string, msgs []StoredMessage, live bool, evs ...Emission) error {
	if st == nil {
		for _, ev := range evs {
			h.Emit(ctx, ev.Event, ev.Payload)
		}
		return nil
	}
	ost, okStore := st.(OutboxChatStore)
	txh, okHost := h.(TxEmitter)
	if okStore && okHost {
		if out, ok := txh.PrepareEmit(ctx, evs...); ok {
			recorded, err := ost.SaveMessagesWithEvents(ctx, session, msgs, live, out)
			if err != nil {
				return err
			}
			if recorded {
				out.Committed()
			}
			return nil
		}
	}
	if err := st.SaveMessages(ctx, session, msgs, live); err != nil {
		return err
	}
	for _, ev := range evs {
		h.Emit(ctx, ev.Event, ev.Payload)
	}
	return nil
}

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
	// InTxWithEvents runs fn in one transaction, giving it a ChatStore bound to that
	// transaction (its own transactions become savepoints), then writes the rows of
	// the Outbound fn returns in it (nil: none). An error from fn or from the outbox
	// write keeps neither; fn's error is returned as it is. recorded reports whether
	// rows were written; the caller then calls out.Committed(). fn must use only the
	// store it is given: on SQLite's single connection any other database call waits
	// for the transaction forever.
	InTxWithEvents(ctx context.Context, fn func(tx ChatStore) (Outbound, error)) (recorded bool, err error)
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

// EmitWith makes a store change and emits the events about it that fn returns: fn
// gets the store to change (bound to a transaction, or nil when st is nil) and must
// use no other. The events are written to the outbox in the change's transaction
// when the store and the host can, otherwise fn runs on st and the events are
// emitted after it. fn returns the events because what they say can depend on the
// change (the acks that were raised, the message a revoke removed). An error from fn
// is returned and nothing is emitted.
func EmitWith(ctx context.Context, st ChatStore, h Host, fn func(st ChatStore) ([]Emission, error)) error {
	if st != nil {
		ost, okStore := st.(OutboxChatStore)
		txh, okHost := h.(TxEmitter)
		if okStore && okHost {
			var (
				evs []Emission
				out Outbound
			)
			recorded, err := ost.InTxWithEvents(ctx, func(tx ChatStore) (Outbound, error) {
				var err error
				evs, out = nil, nil
				if evs, err = fn(tx); err != nil || len(evs) == 0 {
					return nil, err
				}
				// Prepared in the transaction: PrepareEmit writes nothing.
				if o, ok := txh.PrepareEmit(ctx, evs...); ok {
					out = o
				}
				return out, nil
			})
			if err != nil {
				return err
			}
			if recorded {
				out.Committed()
				return nil
			}
			if out == nil {
				for _, ev := range evs {
					h.Emit(ctx, ev.Event, ev.Payload)
				}
			}
			return nil
		}
	}
	evs, err := fn(st)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		h.Emit(ctx, ev.Event, ev.Payload)
	}
	return nil
}

package webhooks

import (
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/store"
)

// outbound is events prepared for a store to write in the transaction of what they
// describe: engines.Outbound to the engine, store.OutboxRows to the store.
type outbound struct {
	s     *Service
	items []Prepared
}

var (
	_ engines.TxPublisher = (*Service)(nil)
	_ engines.Outbound    = (*outbound)(nil)
	_ store.OutboxRows    = (*outbound)(nil)
)

// PrepareOutbound prepares evs (Prepare) for a store that writes their rows with its
// own (store.OutboxRows), then calls Committed.
func (s *Service) PrepareOutbound(evs []engines.Event) (engines.Outbound, error) {
	o := &outbound{s: s, items: make([]Prepared, 0, len(evs))}
	for _, ev := range evs {
		p, err := s.Prepare(ev)
		if err != nil {
			return nil, err
		}
		o.items = append(o.items, p)
	}
	return o, nil
}

// OutboxDeliveries are the rows to write, in order.
func (o *outbound) OutboxDeliveries() []store.Delivery {
	var ds []store.Delivery
	for _, p := range o.items {
		ds = append(ds, p.Deliveries...)
	}
	return ds
}

// Committed hands the written rows to the dispatcher and the envelopes to
// websocket clients.
func (o *outbound) Committed() {
	for _, p := range o.items {
		o.s.Committed(p)
	}
}

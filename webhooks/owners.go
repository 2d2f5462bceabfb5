package webhooks

import (
	"context"
	"fmt"
	"time"
)

// With session leases on PostgreSQL, every replica sends the rows of the sessions
// whose lease it holds, instead of one replica sending all of them: delivery
// grows with replicas, and a session's rows go out from where the session runs.
// One replica sends a session's rows at a time, in order per lane, so order per
// session and webhook holds as with one sender. When a lease moves (a move, a
// shutdown handing leases back, a dead replica's taken over), the new owner
// reads the session's pending rows within OwnersInterval, and the old one stops
// taking rows of it within as long: a row in flight at the handover may be sent
// by both, which at-least-once allows (the envelope id tells them apart). Rows
// are read FOR UPDATE SKIP LOCKED (store.ClaimPendingDeliveries), so two
// replicas that both believe they own a session at that moment never read the
// same rows at once.
//
// Rows of sessions no replica holds a lease on (stopped, deleted, or their
// replica dead and the lease not yet taken) are sent by the replica holding the
// dispatch lock, as every row was before leases.

// ownsLocked reports whether this replica sends session's rows. Called with d.mu
// held.
func (d *dispatcher) ownsLocked(session string) bool {
	if !d.leased {
		return true
	}
	return d.mine[session] || (d.orphans && !d.others[session])
}

// orphanLocked reports whether this replica sends session's rows only because
// no replica held its lease when the leases were last read. Called with d.mu held.
func (d *dispatcher) orphanLocked(session string) bool {
	return d.leased && !d.mine[session]
}

// startLeased reads who owns what, takes the dispatch lock if it is free (for the
// rows of sessions nobody owns), and sends the pending rows of what it owns.
func (d *dispatcher) startLeased(ctx context.Context) error {
	if err := d.readOwners(ctx); err != nil {
		return err
	}
	lock, err := d.st.TryDispatchLock(ctx)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.lock, d.orphans = lock, lock != nil
	d.started = true
	d.mu.Unlock()
	if err := d.sweep(ctx); err != nil {
		d.lock.Release()
		return fmt.Errorf("recover pending webhook deliveries: %w", err)
	}
	d.bg.Go(func() { d.ack.run(d.ctx) })
	d.bg.Go(d.sweeper)
	return nil
}

// readOwners reads the live leases.
func (d *dispatcher) readOwners(ctx context.Context) error {
	_, err := d.updateOwners(ctx)
	return err
}

// updateOwners reads the live leases; it reports whether this replica now sends
// rows of a session it did not before.
func (d *dispatcher) updateOwners(ctx context.Context) (bool, error) {
	owners, err := d.st.LiveLeaseOwners(ctx, time.Now())
	if err != nil {
		return false, err
	}
	mine, others := map[string]bool{}, map[string]bool{}
	for s, o := range owners {
		if o == d.o.Replica {
			mine[s] = true
		} else {
			others[s] = true
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	gained := false
	for s := range mine {
		if !d.mine[s] {
			gained = true
		}
	}
	if d.orphans {
		// A session another replica held and holds no longer.
		for s := range d.others {
			if !others[s] && !mine[s] {
				gained = true
			}
		}
	}
	d.mine, d.others = mine, others
	return gained, nil
}

// followOwners re-reads the leases and, when this replica gained a session,
// sweeps at once so its pending rows go out now, not at the next sweep. Lanes of
// a session it lost stop before their next attempt (deliver asks sends).
func (d *dispatcher) followOwners() {
	gained, err := d.updateOwners(d.ctx)
	if err != nil {
		if d.ctx.Err() == nil {
			d.log.Error("read session leases for webhook delivery", "err", err)
		}
		return
	}
	if !gained {
		return
	}
	if err := d.sweep(d.ctx); err != nil && d.ctx.Err() == nil {
		d.log.Error("sweep webhook outbox", "err", err)
	}
}

// keepOrphans keeps or campaigns for the dispatch lock, which with leases only
// says who sends the rows of sessions no replica owns.
func (d *dispatcher) keepOrphans() {
	if d.lock != nil {
		err := d.lock.Check(d.ctx)
		if err == nil || d.ctx.Err() != nil {
			return
		}
		d.log.Error("lost the webhook dispatch lock; no longer sending the deliveries of sessions no replica owns", "err", err)
		d.lock.Release()
		d.mu.Lock()
		d.lock, d.orphans = nil, false
		d.mu.Unlock()
	}
	lock, err := d.st.TryDispatchLock(d.ctx)
	if err != nil {
		if d.ctx.Err() == nil {
			d.log.Error("take the webhook dispatch lock", "err", err)
		}
		return
	}
	if lock == nil {
		return
	}
	d.mu.Lock()
	d.lock, d.orphans = lock, true
	d.mu.Unlock()
	d.log.Info("this replica now delivers the webhooks of sessions no replica owns")
}

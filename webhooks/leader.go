package webhooks

import (
	"context"
	"fmt"
	"time"

	"github.com/wagate/wagate/store"
)

// lead starts sending, holding lock: every lane with pending rows in the store
// gets a goroutine, reading its rows afresh (another process may have sent some).
func (d *dispatcher) lead(ctx context.Context, lock *store.DispatchLock) error {
	d.mu.Lock()
	for _, l := range d.lanes {
		l.buf, l.overflow = nil, true
	}
	d.mu.Unlock()
	if err := d.sweep(ctx); err != nil {
		return fmt.Errorf("recover pending webhook deliveries: %w", err)
	}
	d.lock = lock
	d.mu.Lock()
	d.started = true
	for _, l := range d.lanes {
		d.runLocked(l)
	}
	d.mu.Unlock()
	return nil
}

// sweeper looks at the store now and then for pending rows no lane knows of (a
// retry made by another replica, or rows of a lane whose read failed), and prunes
// old delivered rows.
func (d *dispatcher) sweeper() {
	t := time.NewTicker(d.o.SweepInterval)
	defer t.Stop()
	// With leases, who owns which session is read more often than the sweep:
	// in one goroutine with it, so two sweeps never run at once.
	var owners <-chan time.Time
	if d.leased {
		ot := time.NewTicker(d.o.OwnersInterval)
		defer ot.Stop()
		owners = ot.C
	}
	for {
		select {
		case <-d.ctx.Done():
			return
		case <-owners:
			d.followOwners()
			continue
		case <-t.C:
		}
		if d.leased {
			d.keepOrphans()
		} else if !d.keepLead() {
			continue
		}
		if err := d.sweep(d.ctx); err != nil && d.ctx.Err() == nil {
			d.log.Error("sweep webhook outbox", "err", err)
		}
		n, err := d.st.PruneDeliveries(d.ctx, store.DeliveryDelivered, idBefore(time.Now().Add(-d.o.Retention)))
		if err != nil && d.ctx.Err() == nil {
			d.log.Error("prune delivered webhooks", "err", err)
		} else if n > 0 {
			d.log.Debug("pruned delivered webhooks", "rows", n)
		}
	}
}

// keepLead makes sure this process still holds the dispatch lock, or takes it if
// it is free; it reports whether this process sends.
func (d *dispatcher) keepLead() bool {
	if d.lock != nil {
		err := d.lock.Check(d.ctx)
		if err == nil {
			return true
		}
		if d.ctx.Err() != nil {
			return false
		}
		// The lock's connection broke: another process may have taken over. Stop
		// taking rows (lanes finish the one in hand) and campaign again.
		d.log.Error("lost the webhook dispatch lock; pausing delivery", "err", err)
		d.lock.Release()
		d.lock = nil
		d.mu.Lock()
		d.started = false
		d.mu.Unlock()
	}
	lock, err := d.st.TryDispatchLock(d.ctx)
	if err != nil {
		if d.ctx.Err() == nil {
			d.log.Error("take the webhook dispatch lock", "err", err)
		}
		return false
	}
	if lock == nil {
		return false
	}
	if err := d.lead(d.ctx, lock); err != nil {
		d.log.Error("take over webhook delivery", "err", err)
		lock.Release()
		return false
	}
	d.log.Info("this process now delivers webhooks from this database")
	return true
}

// sweep gives every lane with pending rows in the store a goroutine, and sets the
// pending counts from the store.
func (d *dispatcher) sweep(ctx context.Context) error {
	// Rows sent but not yet recorded would be counted as pending.
	if err := d.ack.flush(ctx); err != nil {
		return err
	}
	// Rows told of after the read began may be missing from it.
	d.mu.Lock()
	before := make(map[laneKey]uint64, len(d.lanes))
	for key, l := range d.lanes {
		before[key] = l.notified
	}
	d.mu.Unlock()
	lanes, err := d.st.PendingLanes(ctx)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	seen := map[laneKey]bool{}
	for _, sl := range lanes {
		if !d.ownsLocked(sl.Session) {
			continue // another replica sends them
		}
		key := laneKey{sl.Session, sl.URL}
		seen[key] = true
		l := d.laneLocked(key)
		switch {
		case !l.running:
			// An idle lane with rows: ours left from a failed read, or written
			// by another process.
			l.pending = sl.Pending + int(l.notified-before[key])
			l.overflow = true
		case sl.Pending > l.pending:
			// A working lane counts its own rows exactly; more in the store were
			// written by another process: read them in.
			l.pending = sl.Pending
			l.overflow = true
		}
		d.runLocked(l)
	}
	for key, l := range d.lanes {
		if seen[key] || l.running {
			continue
		}
		if n := l.notified - before[key]; n > 0 {
			// Its rows came after the read: they are in the store, and
			// nothing else would send them before the next sweep.
			l.pending, l.overflow = int(n), true
			d.runLocked(l)
			continue
		}
		delete(d.lanes, key)
	}
	return nil
}

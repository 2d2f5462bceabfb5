package webhooks

import (
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/wagate/wagate/store"
)

// laneKey is what deliveries are ordered by: one session's events to one URL.
type laneKey struct{ session, url string }

// lane is the queue of one laneKey. One goroutine at a time works it, one row at a
// time, so a later event never overtakes an earlier one still being retried, while
// other lanes go on.
type lane struct {
	key laneKey
	// buf holds pending rows known in memory, by id. While overflow is set the store
	// may hold pending rows of this lane that buf does not: they are read back once
	// buf is empty.
	buf      []store.Delivery
	overflow bool
	pending  int  // pending rows of this lane in the store, as far as we know
	running  bool // a goroutine works this lane
	current  string
	// taken is the id of the last row the lane took: a row is told of (notify)
	// after its commit, so a read of the store may have brought it in first.
	taken string
	// notified counts rows told of, so a sweep knows which came after its read.
	notified uint64
	reset    chan store.Delivery // a requeue of the row in hand: start its budget over
}

// notify takes rows just committed to the store.
func (d *dispatcher) notify(rows []store.Delivery) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range rows {
		key := laneKey{r.Session, r.URL}
		_, known := d.lanes[key]
		l := d.laneLocked(key)
		l.pending++
		l.notified++
		if !known || r.ID <= l.taken || !d.started || !d.ownsLocked(r.Session) || d.orphanLocked(r.Session) || l.overflow || len(l.buf) >= d.o.LaneBuffer {
			// It stays in the store until buf drains. A row at or before the
			// last one taken was most likely read and sent already: the read
			// back finds it only if not. So may a row of a lane just made: a
			// sweep may have read, sent it and let its lane go before we were
			// told, taking with it what the lane had taken. A row of a session
			// nobody owned when the leases were last read is read back too:
			// the read checks the lease in the same statement, and a replica
			// may have just taken it.
			l.overflow = true
		} else {
			l.buf = insertByID(l.buf, r)
		}
		d.runLocked(l)
	}
}

// requeued takes a row the retry API made pending again.
func (d *dispatcher) requeued(r store.Delivery, wasPending bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	l := d.laneLocked(laneKey{r.Session, r.URL})
	if l.current == r.ID {
		// The lane has it in hand: start its budget over there. If the lane is
		// just done with it, the read-back below finds it pending again.
		select {
		case l.reset <- r:
		default:
		}
	}
	if !wasPending {
		l.pending++
	}
	// Read it back from the store in its place by id.
	l.overflow = true
	d.runLocked(l)
}

// insertByID inserts r into buf, kept sorted by id; a row already there is not
// added twice.
func insertByID(buf []store.Delivery, r store.Delivery) []store.Delivery {
	i, found := slices.BinarySearchFunc(buf, r.ID, func(x store.Delivery, id string) int { return strings.Compare(x.ID, id) })
	if found {
		return buf
	}
	return slices.Insert(buf, i, r)
}

// work delivers a lane's rows one at a time until it has none.
func (d *dispatcher) work(l *lane) {
	for {
		row, ok := d.next(l)
		if !ok {
			return
		}
		done := d.deliver(l, row)
		d.mu.Lock()
		l.current = ""
		if done {
			l.pending--
		}
		d.mu.Unlock()
		if !done {
			d.mu.Lock()
			l.running = false
			if d.leased {
				// The session may have moved: what the lane holds is read back
				// from the store if this replica owns it again, since its new
				// owner may have sent some of it meanwhile.
				l.buf, l.overflow = nil, true
			}
			d.mu.Unlock()
			return
		}
	}
}

// next takes the lane's next row, reading back from the store what did not fit in
// memory. It reports false when the lane is empty or the dispatcher stops.
func (d *dispatcher) next(l *lane) (store.Delivery, bool) {
	for {
		d.mu.Lock()
		if d.ctx.Err() != nil || !d.started || !d.ownsLocked(l.key.session) {
			l.running = false
			if d.leased {
				l.buf, l.overflow = nil, true
			}
			d.mu.Unlock()
			return store.Delivery{}, false
		}
		if len(l.buf) > 0 {
			row := l.buf[0]
			l.buf = l.buf[1:]
			l.current, l.taken = row.ID, row.ID
			select { // a requeue of the row before this one is stale now
			case <-l.reset:
			default:
			}
			d.mu.Unlock()
			return row, true
		}
		if !l.overflow {
			l.running = false
			if l.pending <= 0 {
				delete(d.lanes, l.key)
			}
			d.mu.Unlock()
			return store.Delivery{}, false
		}
		l.overflow = false
		d.mu.Unlock()
		if err := d.reload(l); err != nil {
			lvl := slog.LevelError
			if errors.Is(err, store.ErrLaneBusy) {
				lvl = slog.LevelInfo // a lease changing hands: whoever owns it next reads them
			}
			d.log.Log(d.ctx, lvl, "read pending webhook deliveries", "session", l.key.session, "webhook", redact(l.key.url), "err", err)
			d.mu.Lock()
			l.overflow = true
			d.mu.Unlock()
			if !sleep(d.ctx, time.Second) {
				d.mu.Lock()
				l.running = false
				d.mu.Unlock()
				return store.Delivery{}, false
			}
		}
	}
}

// reload reads the lane's pending rows back from the store into buf.
func (d *dispatcher) reload(l *lane) error {
	// Rows sent but not yet recorded as delivered are still pending in the store:
	// record them first, or they would be read back and sent twice.
	if err := d.ack.flush(d.ctx); err != nil {
		return err
	}
	var (
		rows []store.Delivery
		err  error
	)
	if d.leased {
		d.mu.Lock()
		orphans := d.orphans
		d.mu.Unlock()
		rows, err = d.st.ClaimPendingDeliveries(d.ctx, d.o.Replica, orphans, l.key.session, l.key.url, time.Now(), d.o.LaneBuffer)
	} else {
		rows, err = d.st.PendingDeliveries(d.ctx, l.key.session, l.key.url, d.o.LaneBuffer)
	}
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range rows {
		l.buf = insertByID(l.buf, r)
	}
	if len(rows) == d.o.LaneBuffer {
		// The store has more. Rows notified meanwhile may sort after rows still
		// only in the store: drop them from memory and read them back in order.
		last := rows[len(rows)-1].ID
		i, _ := slices.BinarySearchFunc(l.buf, last, func(x store.Delivery, id string) int { return strings.Compare(x.ID, id) })
		l.buf = l.buf[:i+1]
		l.overflow = true
	}
	return nil
}

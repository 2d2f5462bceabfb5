package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

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

type dispatcher struct {
	o   *Options
	st  *store.Store
	log *slog.Logger
	m   *metrics
	sem chan struct{} // bounds attempts in flight
	ack *acker

	mu      sync.Mutex
	lanes   map[laneKey]*lane
	started bool // this process holds the dispatch lock and sends

	lock *store.DispatchLock // owned by start and the sweeper goroutine

	ctx    context.Context // ends at stop: lanes stop taking work
	cancel context.CancelFunc
	hard   context.Context // ends when stop gives up waiting: attempts in flight are cut
	kill   context.CancelFunc
	wg     sync.WaitGroup // lanes
	bg     sync.WaitGroup // sweeper and acker
}

func newDispatcher(o *Options, st *store.Store, log *slog.Logger) *dispatcher {
	d := &dispatcher{o: o, st: st, log: log, sem: make(chan struct{}, o.Workers), lanes: map[laneKey]*lane{}}
	d.ack = &acker{st: st, log: log, kick: make(chan struct{}, 1)}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.hard, d.kill = context.WithCancel(context.Background())
	return d
}

func (d *dispatcher) start(ctx context.Context) error {
	lock, err := d.st.TryDispatchLock(ctx)
	if err != nil {
		return err
	}
	if lock == nil {
		d.log.Info("another gateway process delivers webhooks from this database; this one enqueues and takes over if it stops")
	} else if err := d.lead(ctx, lock); err != nil {
		lock.Release()
		return err
	}
	d.bg.Go(func() { d.ack.run(d.ctx) })
	d.bg.Go(d.sweeper)
	return nil
}

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

func (d *dispatcher) stop(ctx context.Context) {
	// Under mu, so no lane goroutine is being added while we wait for them.
	d.mu.Lock()
	d.cancel()
	d.mu.Unlock()
	done := make(chan struct{})
	go func() { d.wg.Wait(); d.bg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		d.kill()
		<-done
	}
	d.kill()
	// What was delivered is recorded now, so the next start does not send it again.
	fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.ack.flush(fctx); err != nil {
		d.log.Error("record delivered webhooks at stop", "err", err)
	}
	d.lock.Release()
}

// laneLocked returns the lane of key, making it. Called with d.mu held.
func (d *dispatcher) laneLocked(key laneKey) *lane {
	l, ok := d.lanes[key]
	if !ok {
		l = &lane{key: key, reset: make(chan store.Delivery, 1)}
		d.lanes[key] = l
	}
	return l
}

// runLocked starts a goroutine on l unless one works it. Called with d.mu held.
func (d *dispatcher) runLocked(l *lane) {
	if l.running || !d.started || d.ctx.Err() != nil {
		return
	}
	l.running = true
	d.wg.Go(func() { d.work(l) })
}

func (d *dispatcher) sending() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.started
}

func (d *dispatcher) pendingOf(key laneKey) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if l, ok := d.lanes[key]; ok {
		return l.pending
	}
	return 0
}

func (d *dispatcher) pendingTotal() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, l := range d.lanes {
		n += l.pending
	}
	return n
}

// notify takes rows just committed to the store.
func (d *dispatcher) notify(rows []store.Delivery) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range rows {
		l := d.laneLocked(laneKey{r.Session, r.URL})
		l.pending++
		l.notified++
		if r.ID <= l.taken || !d.started || l.overflow || len(l.buf) >= d.o.LaneBuffer {
			// It stays in the store until buf drains. A row at or before the
			// last one taken was most likely read and sent already: the read
			// back finds it only if not.
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
		if d.ctx.Err() != nil || !d.started {
			l.running = false
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
			d.log.Error("read pending webhook deliveries", "session", l.key.session, "webhook", redact(l.key.url), "err", err)
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
	rows, err := d.st.PendingDeliveries(d.ctx, l.key.session, l.key.url, d.o.LaneBuffer)
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

// deliver makes attempts at row until it is delivered or fails for good, waiting
// between them as its retry policy says. It reports false if the dispatcher stopped
// first; the row then stays pending in the store.
func (d *dispatcher) deliver(l *lane, row store.Delivery) bool {
	for {
		if !d.sending() {
			return false // another process sends now
		}
		if wait := time.Until(row.NextAttemptAt); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case r := <-l.reset:
				t.Stop()
				row.Attempts, row.NextAttemptAt = r.Attempts, r.NextAttemptAt
				continue
			case <-d.ctx.Done():
				t.Stop()
				return false
			}
		}
		select {
		case d.sem <- struct{}{}:
		case <-d.ctx.Done():
			return false
		}
		start := time.Now()
		code, err := d.attempt(row)
		<-d.sem
		d.m.attempt.Observe(time.Since(start).Seconds())
		if err != nil && d.hard.Err() != nil {
			return false // cut by shutdown: not the receiver's fault, try again next start
		}
		row.Attempts++
		now := time.Now()
		if err == nil {
			d.ack.add(row.ID)
			d.m.sent.Inc()
			return true
		}
		msg := err.Error()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		select {
		case r := <-l.reset:
			// Requeued while in flight: the budget starts over, due now.
			row.Attempts, row.NextAttemptAt = r.Attempts, r.NextAttemptAt
			if err := d.st.AttemptFailed(ctx, row.ID, row.Attempts, row.NextAttemptAt, msg, code, now); err != nil {
				d.log.Error("record failed webhook attempt", "id", row.ID, "err", err)
			}
			cancel()
			continue
		default:
		}
		if row.Attempts >= max(row.Retries.Attempts, 1) {
			d.m.failed.Inc()
			if err := d.st.AttemptFailed(ctx, row.ID, row.Attempts, time.Time{}, msg, code, now); err != nil {
				d.log.Error("record failed webhook delivery", "id", row.ID, "err", err)
			}
			cancel()
			d.log.Warn("webhook delivery failed for good", "id", row.ID, "event_id", row.EventID, "session", row.Session,
				"event", row.Event, "webhook", redact(row.URL), "attempts", row.Attempts, "err", msg)
			return true
		}
		row.NextAttemptAt = now.Add(backoff(row.Retries, row.Attempts, d.o.RetryUnit, d.o.MaxDelay, jitter))
		d.m.retried.Inc()
		if err := d.st.AttemptFailed(ctx, row.ID, row.Attempts, row.NextAttemptAt, msg, code, now); err != nil {
			d.log.Error("record failed webhook attempt", "id", row.ID, "err", err)
		}
		cancel()
		d.log.Debug("webhook attempt failed, will retry", "id", row.ID, "session", row.Session, "webhook", redact(row.URL),
			"attempt", row.Attempts, "next", row.NextAttemptAt, "err", msg)
	}
}

// attempt POSTs row's body once and reports the HTTP status (0 without an answer)
// and, unless it was 2xx, why it failed.
func (d *dispatcher) attempt(row store.Delivery) (int, error) {
	ctx, cancel := context.WithTimeout(d.hard, d.o.AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, row.URL, bytes.NewReader(row.Body))
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	// Custom headers first, so they cannot forge the signature headers.
	for _, h := range row.Headers {
		req.Header.Set(h.Name, h.Value)
	}
	now := time.Now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "wagate/"+d.o.Version)
	req.Header.Set("X-Webhook-Request-Id", strings.ToLower(ulid.Make().String()))
	req.Header.Set("X-Webhook-Timestamp", strconv.FormatInt(now.UnixMilli(), 10))
	if row.HMACKey != "" {
		req.Header.Set("X-Webhook-Hmac", Sign(row.HMACKey, row.Body))
		req.Header.Set("X-Webhook-Hmac-Algorithm", "sha512")
	}
	resp, err := d.o.Client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // its text repeats the URL, which may carry credentials
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, fmt.Errorf("no answer within %s", d.o.AttemptTimeout)
		}
		return 0, err
	}
	defer resp.Body.Close()
	// Read some of the answer so the connection can be reused, and keep the start
	// of an error answer for the delivery's last error.
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, nil
	}
	msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode >= 300 && resp.StatusCode < 400 {
		msg += " (redirects are not followed)"
	}
	if t := strings.TrimSpace(string(head[:min(len(head), 200)])); t != "" {
		msg += ": " + strings.ToValidUTF8(t, "?")
	}
	return resp.StatusCode, errors.New(msg)
}

// sweeper looks at the store now and then for pending rows no lane knows of (a
// retry made by another replica, or rows of a lane whose read failed), and prunes
// old delivered rows.
func (d *dispatcher) sweeper() {
	t := time.NewTicker(d.o.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-d.ctx.Done():
			return
		case <-t.C:
		}
		if !d.keepLead() {
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

// acker records deliveries as delivered in batches: one UPDATE for many rows keeps
// the store from being the bottleneck. A crash before a batch is written sends its
// rows again at the next start, which at-least-once delivery allows.
type acker struct {
	st   *store.Store
	log  *slog.Logger
	kick chan struct{}

	mu  sync.Mutex
	ids []string

	flushMu sync.Mutex
}

func (a *acker) add(id string) {
	a.mu.Lock()
	a.ids = append(a.ids, id)
	a.mu.Unlock()
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

func (a *acker) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.kick:
		}
		// Let a batch gather.
		if !sleep(ctx, 5*time.Millisecond) {
			return
		}
		if err := a.flush(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("record delivered webhooks", "err", err)
			if !sleep(ctx, time.Second) {
				return
			}
			a.retry()
		}
	}
}

// retry kicks the loop without adding anything, to try a failed batch again.
func (a *acker) retry() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

func (a *acker) flush(ctx context.Context) error {
	a.flushMu.Lock()
	defer a.flushMu.Unlock()
	a.mu.Lock()
	ids := a.ids
	a.ids = nil
	a.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	if err := a.st.MarkDelivered(ctx, ids, time.Now()); err != nil {
		a.mu.Lock()
		a.ids = append(ids, a.ids...)
		a.mu.Unlock()
		return err
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

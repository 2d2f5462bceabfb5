package webhooks

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/wagate/wagate/store"
)

// dispatcher sends the outbox's rows, in order per webhook, at least once. Its
// jobs, one file each:
//   - lanes.go: the per-webhook queues in memory (lane), fed by rows just
//     committed and read back from the store, one goroutine a lane;
//   - deliver.go: a row's attempts and the waits of its retry policy;
//   - send.go: one attempt, the signed POST (sender);
//   - leader.go: which replica sends (the dispatch lock), the sweep for rows no
//     lane holds, and pruning delivered rows;
//   - owners.go: with session leases on PostgreSQL, which sessions' rows this
//     replica sends (those it owns);
//   - acker.go: recording delivered rows in batches (acker).
//
// This file holds its state, start and stop.
type dispatcher struct {
	o    *Options
	st   *store.Store
	log  *slog.Logger
	m    *metrics
	sem  chan struct{} // bounds attempts in flight
	ack  *acker
	send sender

	mu      sync.Mutex
	lanes   map[laneKey]*lane
	started bool // this process holds the dispatch lock and sends; with leases, always once started

	// With leases (o.Replica set, PostgreSQL), which sessions' rows this replica
	// sends: those whose lease it holds (mine), and while it holds the dispatch lock
	// (orphans) also those whose lease no replica holds (others lacks them).
	leased  bool
	orphans bool
	mine    map[string]bool
	others  map[string]bool

	lock *store.DispatchLock // owned by start and the sweeper goroutine

	ctx    context.Context // ends at stop: lanes stop taking work
	cancel context.CancelFunc
	hard   context.Context // ends when stop gives up waiting: attempts in flight are cut
	kill   context.CancelFunc
	wg     sync.WaitGroup // lanes
	bg     sync.WaitGroup // sweeper and acker
}

func newDispatcher(o *Options, st *store.Store, log *slog.Logger) *dispatcher {
	d := &dispatcher{o: o, st: st, log: log, sem: make(chan struct{}, o.Workers), lanes: map[laneKey]*lane{},
		leased: o.Replica != "" && st.Dialect() == store.Postgres}
	d.ack = &acker{st: st, log: log, kick: make(chan struct{}, 1)}
	d.send = sender{client: o.Client, version: o.Version, timeout: o.AttemptTimeout}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.hard, d.kill = context.WithCancel(context.Background())
	return d
}

// start sends at once if this process takes the dispatch lock, and otherwise
// waits for it (the sweeper campaigns).
func (d *dispatcher) start(ctx context.Context) error {
	if d.leased {
		return d.startLeased(ctx)
	}
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

// stop lets lanes finish the attempt in hand until ctx ends, then cuts them, and
// records what was delivered.
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
	if l.running || !d.started || d.ctx.Err() != nil || !d.ownsLocked(l.key.session) {
		return
	}
	l.running = true
	d.wg.Go(func() { d.work(l) })
}

// sends reports whether this process sends session's rows now.
func (d *dispatcher) sends(session string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.started && d.ownsLocked(session)
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

package sessions_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/sessions"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// These tests run several replicas in one process on one PostgreSQL schema, on a
// clock the test moves: leases expire without waiting for them.

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// devices counts the connections of each session's device, as WhatsApp would see
// them: a device connected twice at once is what leases exist to prevent.
type devices struct {
	mu   sync.Mutex
	conn map[string]int
	max  map[string]int
}

func (d *devices) connect(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.conn[name]++
	d.max[name] = max(d.max[name], d.conn[name])
}

func (d *devices) disconnect(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.conn[name]--
}

func (d *devices) connected(name string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.conn[name]
}

// deviceEngine connects its session's device while it runs and can write
// through its host.
type deviceEngine struct {
	engines.Engine
	name string
	host sessions.Host
	d    *devices
	up   atomic.Bool
}

func (e *deviceEngine) Start(context.Context) error {
	e.d.connect(e.name)
	e.up.Store(true)
	e.host.SetStatus(engines.StatusWorking, "")
	return nil
}

func (e *deviceEngine) Stop(context.Context) error {
	if e.up.Swap(false) {
		e.d.disconnect(e.name)
	}
	return nil
}
func (e *deviceEngine) Logout(context.Context) error { return nil }

// crash ends the engine the way a killed process does: the connection drops,
// nothing else happens.
func (e *deviceEngine) crash() { e.Stop(context.Background()) }

// write stores a chat through the host, as an engine stores what arrives.
func (e *deviceEngine) write(ctx context.Context, chat string) error {
	return e.host.Record(ctx, func(tx chatstore.Store) ([]sessions.Emission, error) {
		return nil, tx.SaveChats(ctx, e.name, []chatstore.Chat{{ID: chat}})
	})
}

// fencedRecorder records in the store's fenced transactions, with no webhooks.
type fencedRecorder struct{ st *store.Store }

func (r fencedRecorder) Record(ctx context.Context, change func(chatstore.Store) ([]engines.Event, error)) error {
	return r.RecordFenced(ctx, "", 0, change)
}

func (r fencedRecorder) RecordFenced(ctx context.Context, session string, token int64, change func(chatstore.Store) ([]engines.Event, error)) error {
	return r.st.RecordFenced(ctx, session, token, func(tx chatstore.Store) ([]store.Delivery, error) {
		_, err := change(tx)
		return nil, err
	})
}

// flakyLeases is a replica's lease table that can become unreachable.
type flakyLeases struct {
	*store.Store
	down atomic.Bool
}

var errDown = errors.New("database unreachable")

func (f *flakyLeases) RenewLeases(ctx context.Context, me sessions.Replica, now time.Time, ttl time.Duration) ([]sessions.Lease, error) {
	if f.down.Load() {
		return nil, errDown
	}
	return f.Store.RenewLeases(ctx, me, now, ttl)
}

type replica struct {
	id     string
	m      *sessions.Manager
	st     *store.Store
	leases *flakyLeases
	mu     sync.Mutex
	eng    map[string][]*deviceEngine
}

func (r *replica) engines(name string) []*deviceEngine {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*deviceEngine(nil), r.eng[name]...)
}

// running reports whether this replica runs session name now.
func (r *replica) running(name string) bool {
	es := r.engines(name)
	return len(es) > 0 && es[len(es)-1].up.Load()
}

type cluster struct {
	t     *testing.T
	dsn   string
	clock *clock
	dev   *devices
}

func newCluster(t *testing.T) *cluster {
	return &cluster{t: t, dsn: storetest.DSN(t, store.Postgres), clock: &clock{now: time.UnixMilli(1_800_000_000_000)},
		dev: &devices{conn: map[string]int{}, max: map[string]int{}}}
}

func (c *cluster) replica(id string, maxSessions int) *replica {
	t := c.t
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(context.Background(), c.dsn, "", log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &replica{id: id, st: st, leases: &flakyLeases{Store: st}, eng: map[string][]*deviceEngine{}}
	f := sessions.FactoryFunc(func(_ context.Context, spec sessions.Spec, h sessions.Host) (engines.Engine, error) {
		e := &deviceEngine{name: spec.Name, host: h, d: c.dev}
		r.mu.Lock()
		r.eng[spec.Name] = append(r.eng[spec.Name], e)
		r.mu.Unlock()
		return e, nil
	})
	r.m = sessions.NewManager(st, map[engines.Name]sessions.Factory{engines.NOWEB: f}, fencedRecorder{st}, log, sessions.ManagerOptions{
		Cluster: &sessions.ClusterOptions{
			Leases: r.leases, Replica: sessions.Replica{ID: id, Address: "http://" + id, Max: maxSessions},
			TTL: 15 * time.Second, RenewEvery: 3 * time.Second, Margin: 5 * time.Second, Now: c.clock.Now,
		},
	})
	if err := r.m.Boot(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	return r
}

// round runs one lease round on every replica given, then waits for the sessions
// they were handed to start.
func (c *cluster) round(rs ...*replica) {
	for _, r := range rs {
		if err := r.m.Tick(context.Background()); err != nil {
			c.t.Fatalf("replica %s: %v", r.id, err)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// owner is the one replica running name; it fails on two.
func owner(t *testing.T, name string, rs ...*replica) *replica {
	t.Helper()
	var out *replica
	for _, r := range rs {
		if r.running(name) {
			if out != nil {
				t.Fatalf("session %s runs on %s and %s", name, out.id, r.id)
			}
			out = r
		}
	}
	return out
}

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("s%02d", i)
	}
	return out
}

// TestFailover: the sessions of a replica that dies (its connections drop, its
// leases stay) are running on the others, spread by room, once its leases
// expired plus one round, well within 30 s; no device is ever connected twice.
func TestFailover(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t)
	a, b, cc := c.replica("a", 0), c.replica("b", 0), c.replica("c", 0)
	c.round(a, b, cc)
	all := names(6)
	for _, n := range all {
		if _, err := a.m.Create(ctx, n, engines.NOWEB, engines.SessionConfig{}, true); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range all {
		if owner(t, n, a, b, cc) != a {
			t.Fatalf("session %s does not run on a", n)
		}
	}
	c.round(a, b, cc)
	// a is killed: its devices drop, it renews nothing more.
	killed := c.clock.Now()
	for _, n := range all {
		for _, e := range a.engines(n) {
			e.crash()
		}
	}
	// Before the lease expires nobody takes over.
	c.clock.Add(12 * time.Second)
	c.round(b, cc)
	for _, n := range all {
		if o := owner(t, n, a, b, cc); o != nil {
			t.Fatalf("session %s taken by %s before its lease expired", n, o.id)
		}
	}
	// Renewed at killed, the leases expire at killed+15s; the next round of b
	// and c (every 3 s) hands them out and the next starts them.
	c.clock.Add(4 * time.Second)
	c.round(b, cc)
	c.clock.Add(3 * time.Second)
	c.round(b, cc)
	took := c.clock.Now().Sub(killed)
	if took > 30*time.Second {
		t.Fatalf("took over after %s", took)
	}
	perReplica := map[string]int{}
	for _, n := range all {
		waitFor(t, "session "+n+" on b or c", func() bool { return b.running(n) || cc.running(n) })
		perReplica[owner(t, n, a, b, cc).id]++
		if info, err := b.m.Get(ctx, n); err != nil || (owner(t, n, a, b, cc) == b && info.Status != engines.StatusWorking) {
			t.Fatalf("session %s on b: %+v, %v", n, info, err)
		}
	}
	if perReplica["b"] != 3 || perReplica["c"] != 3 {
		t.Fatalf("sessions per replica after failover: %v, want 3 and 3", perReplica)
	}
	for _, n := range all {
		if c.dev.max[n] != 1 {
			t.Fatalf("device of %s was connected %d times at once", n, c.dev.max[n])
		}
	}
	t.Logf("failover: sessions running elsewhere %s (fake clock) after the kill", took)
}

// TestStaleWriterFenced: a replica that cannot renew stops its sessions before
// its leases expire; a write its engine makes after another replica took over is
// refused, and leaves nothing in the store.
func TestStaleWriterFenced(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t)
	a, b := c.replica("a", 0), c.replica("b", 0)
	c.round(a, b)
	if _, err := a.m.Create(ctx, "one", engines.NOWEB, engines.SessionConfig{}, true); err != nil {
		t.Fatal(err)
	}
	stale := a.engines("one")[0]
	if err := stale.write(ctx, "before@c.us"); err != nil {
		t.Fatalf("owner's write: %v", err)
	}
	// a's database goes away: its renewals fail.
	a.leases.down.Store(true)
	c.clock.Add(9 * time.Second)
	if err := a.m.Tick(ctx); !errors.Is(err, errDown) {
		t.Fatalf("tick with the database down: %v", err)
	}
	if !a.running("one") {
		t.Fatal("stopped before its deadline")
	}
	c.clock.Add(time.Second) // TTL - Margin since the last renewal
	a.m.CheckDeadline(ctx)
	if a.running("one") || c.dev.connected("one") != 0 {
		t.Fatal("a replica that could not renew still runs its session at its deadline")
	}
	if st := a.m.LeaseState(); st.Healthy || st.Owned != 0 || st.Lost != 1 {
		t.Fatalf("lease state of a: %+v", st)
	}
	c.clock.Add(5 * time.Second) // the lease expires
	c.round(b)
	waitFor(t, "b runs the session", func() bool { return b.running("one") })
	if c.dev.max["one"] != 1 {
		t.Fatalf("device connected %d times at once", c.dev.max["one"])
	}
	// The old run's engine writes now (a paused process waking up): refused.
	if err := stale.write(ctx, "stale@c.us"); !errors.Is(err, sessions.ErrStale) && !errors.Is(err, sessions.ErrFenced) {
		t.Fatalf("stale write: %v, want refused", err)
	}
	// Even a run that still believes it holds the lease is refused by the store:
	// write with a's old token straight through the fenced transaction.
	lb, _ := b.st.GetLease(ctx, "one")
	err := fencedRecorder{a.st}.RecordFenced(ctx, "one", lb.Token-1, func(tx chatstore.Store) ([]engines.Event, error) {
		return nil, tx.SaveChats(ctx, "one", []chatstore.Chat{{ID: "stale2@c.us"}})
	})
	if !errors.Is(err, sessions.ErrFenced) {
		t.Fatalf("write with the old token: %v, want ErrFenced", err)
	}
	fresh := b.engines("one")[0]
	if err := fresh.write(ctx, "after@c.us"); err != nil {
		t.Fatalf("new owner's write: %v", err)
	}
	chats, err := b.st.ChatStore().ListChats(ctx, "one", engines.ChatQuery{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, ch := range chats {
		got[ch.ID] = true
	}
	if len(got) != 2 || !got["before@c.us"] || !got["after@c.us"] {
		t.Fatalf("chats %v: want the owners' writes only", got)
	}
	// a's database is back: it learns the lease is b's and does not start it again.
	a.leases.down.Store(false)
	c.round(a)
	if a.running("one") {
		t.Fatal("a started a session b owns")
	}
}

// TestRollingRestart: a replica shutting down hands its leases back at once, so
// the others run its sessions after one round, with no expiry to wait for; the
// restarted replica gets new sessions (it has the most room) and a session can be
// moved to it by a call.
func TestRollingRestart(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t)
	a, b := c.replica("a", 0), c.replica("b", 0)
	c.round(a, b)
	all := names(4)
	for _, n := range all {
		if _, err := a.m.Create(ctx, n, engines.NOWEB, engines.SessionConfig{}, true); err != nil {
			t.Fatal(err)
		}
	}
	a.m.Shutdown(ctx)
	for _, n := range all {
		if c.dev.connected(n) != 0 {
			t.Fatalf("session %s still connected after shutdown", n)
		}
	}
	c.clock.Add(time.Second)
	c.round(b)
	for _, n := range all {
		waitFor(t, "b runs "+n, func() bool { return b.running(n) })
	}
	// a comes back, empty: it is the replica with the most room.
	a2 := c.replica("a", 0)
	c.round(a2, b)
	to, self, err := b.m.Place(ctx)
	if err != nil || self || to.ID != "a" {
		t.Fatalf("placement from b: %+v self=%v err=%v; want a", to, self, err)
	}
	// Move s00 back to a: b stops it, a starts it on its round.
	if _, err := b.m.Move(ctx, "s00", "a"); err != nil {
		t.Fatal(err)
	}
	if b.running("s00") {
		t.Fatal("b still runs a moved session")
	}
	c.round(a2)
	waitFor(t, "a runs s00", func() bool { return a2.running("s00") })
	if _, err := b.m.Move(ctx, "s01", "nobody"); !errors.Is(err, sessions.ErrNoReplica) {
		t.Fatalf("move to an unknown replica: %v", err)
	}
	// A stop anywhere releases the lease; the session is not started again.
	if _, err := a2.m.Stop(ctx, "s00"); err != nil {
		t.Fatal(err)
	}
	c.round(a2, b)
	if owner(t, "s00", a2, b) != nil {
		t.Fatal("a stopped session was started again")
	}
	for _, n := range all {
		if c.dev.max[n] != 1 {
			t.Fatalf("device of %s was connected %d times at once", n, c.dev.max[n])
		}
	}
	reps, err := b.m.Replicas(ctx)
	if err != nil || len(reps) != 2 || reps[1].Sessions != 3 {
		t.Fatalf("replicas: %+v, %v", reps, err)
	}
	// A replica shutting down stops only what it runs: the sessions b runs stay
	// WORKING in the store.
	a2.m.Shutdown(ctx)
	for _, n := range all[1:] {
		if rec, err := b.st.GetSession(ctx, n); err != nil || rec.Status != engines.StatusWorking {
			t.Fatalf("session %s after a's shutdown: %s, %v; want WORKING", n, rec.Status, err)
		}
	}
}

// TestSessionsMax: a replica at sessions.max is handed nothing more.
func TestSessionsMax(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t)
	a, b := c.replica("a", 1), c.replica("b", 0)
	c.round(a, b)
	for _, n := range names(3) {
		if _, err := b.m.Create(ctx, n, engines.NOWEB, engines.SessionConfig{}, true); err != nil {
			t.Fatal(err)
		}
	}
	b.m.Shutdown(ctx)
	c.round(a)
	waitFor(t, "a runs one session", func() bool { return a.running("s00") || a.running("s01") || a.running("s02") })
	c.round(a)
	n := 0
	for _, s := range names(3) {
		if a.running(s) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("a runs %d sessions, its sessions.max is 1", n)
	}
	if _, _, err := a.m.Place(ctx); !errors.Is(err, sessions.ErrNoRoom) {
		t.Fatalf("placement with every replica full: %v", err)
	}
}

// countingLeases counts a replica's lease hand-outs; with failBatch its batch
// ones fail, as on a row locked by a stuck transaction.
type countingLeases struct {
	*store.Store
	one, batch atomic.Int32
	failBatch  bool
}

func (l *countingLeases) AssignLease(ctx context.Context, session string, token int64, from string, to sessions.Replica, now time.Time, ttl time.Duration) (bool, error) {
	l.one.Add(1)
	return l.Store.AssignLease(ctx, session, token, from, to, now, ttl)
}

func (l *countingLeases) AssignLeases(ctx context.Context, seen map[string]int64, to sessions.Replica, now time.Time, ttl time.Duration) (map[string]int64, error) {
	l.batch.Add(1)
	if l.failBatch {
		return nil, errDown
	}
	return l.Store.AssignLeases(ctx, seen, to, now, ttl)
}

// gatedEngine connects at Start and says WORKING once its gate opens.
type gatedEngine struct {
	engines.Engine
	name      string
	host      sessions.Host
	d         *devices
	gate      <-chan struct{}
	inFlight  *atomic.Int32
	maxFlight *atomic.Int32
	stop      chan struct{}
}

func (e *gatedEngine) Start(context.Context) error {
	e.d.connect(e.name)
	n := e.inFlight.Add(1)
	for m := e.maxFlight.Load(); n > m && !e.maxFlight.CompareAndSwap(m, n); m = e.maxFlight.Load() {
	}
	go func() {
		select {
		case <-e.gate:
		case <-e.stop:
			return
		}
		e.inFlight.Add(-1)
		e.host.SetStatus(engines.StatusWorking, "")
	}()
	return nil
}

func (e *gatedEngine) Stop(context.Context) error {
	close(e.stop)
	e.d.disconnect(e.name)
	return nil
}

// ranAndShutDown has replica a run n sessions and shut down (handing their
// leases back), and opens the store again for the replica that boots on them.
func ranAndShutDown(t *testing.T, n int) (*cluster, []string, *store.Store, *slog.Logger) {
	t.Helper()
	ctx := context.Background()
	c := newCluster(t)
	a := c.replica("a", 0)
	c.round(a)
	all := names(n)
	for _, n := range all {
		if _, err := a.m.Create(ctx, n, engines.NOWEB, engines.SessionConfig{}, true); err != nil {
			t.Fatal(err)
		}
	}
	a.m.Shutdown(ctx)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(ctx, c.dsn, "", log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return c, all, st, log
}

// TestBootManyLeases: a replica restarting on the sessions it ran hands their
// leases out in one batch, not a transaction each (ten thousand took longer
// than the renewal deadline, and the replica then stopped every session it had
// just started), and starts at most BootConcurrency of them at a time.
func TestBootManyLeases(t *testing.T) {
	ctx := context.Background()
	c, all, st, log := ranAndShutDown(t, 40)
	leases := &countingLeases{Store: st}
	gate := make(chan struct{})
	var inFlight, maxFlight, started atomic.Int32
	f := sessions.FactoryFunc(func(_ context.Context, spec sessions.Spec, h sessions.Host) (engines.Engine, error) {
		started.Add(1)
		return &gatedEngine{name: spec.Name, host: h, d: c.dev, gate: gate, inFlight: &inFlight, maxFlight: &maxFlight, stop: make(chan struct{})}, nil
	})
	const conc = 4
	m := sessions.NewManager(st, map[engines.Name]sessions.Factory{engines.NOWEB: f}, fencedRecorder{st}, log, sessions.ManagerOptions{
		BootConcurrency: conc,
		Cluster: &sessions.ClusterOptions{
			Leases: leases, Replica: sessions.Replica{ID: "a", Address: "http://a"},
			TTL: 15 * time.Second, RenewEvery: 3 * time.Second, Margin: 5 * time.Second, Now: c.clock.Now,
		},
	})
	t.Cleanup(func() { m.Shutdown(context.Background()) })
	c.clock.Add(time.Second)
	if err := m.Boot(ctx, false); err != nil {
		t.Fatal(err)
	}
	if one, batch := leases.one.Load(), leases.batch.Load(); one != 0 || batch != 1 {
		t.Fatalf("boot handed out leases in %d single and %d batch calls, want 0 and 1", one, batch)
	}
	waitFor(t, "the first sessions started", func() bool { return inFlight.Load() == conc })
	// A round while they wait starts none twice and none beyond the bound.
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	close(gate)
	for _, n := range all {
		waitFor(t, n+" WORKING", func() bool {
			info, err := m.Get(ctx, n)
			return err == nil && info.Status == engines.StatusWorking
		})
	}
	if got := maxFlight.Load(); got > conc {
		t.Fatalf("%d sessions were on their way to WORKING at once, BootConcurrency is %d", got, conc)
	}
	if got := started.Load(); got != int32(len(all)) {
		t.Fatalf("%d engines made for %d sessions", got, len(all))
	}
	for _, n := range all {
		if c.dev.max[n] != 1 {
			t.Fatalf("device of %s was connected %d times at once", n, c.dev.max[n])
		}
		if l, err := st.GetLease(ctx, n); err != nil || l.Owner != "a" || l.Token != 2 {
			t.Fatalf("lease of %s: %+v, %v; want a's with token 2", n, l, err)
		}
	}
}

// TestHandOutWhenBatchFails: a batch hand-out that fails (one of its rows locked)
// still hands the leases out, one by one, in the same round.
func TestHandOutWhenBatchFails(t *testing.T) {
	ctx := context.Background()
	c, all, st, log := ranAndShutDown(t, 3)
	leases := &countingLeases{Store: st, failBatch: true}
	f := sessions.FactoryFunc(func(_ context.Context, spec sessions.Spec, h sessions.Host) (engines.Engine, error) {
		return &deviceEngine{name: spec.Name, host: h, d: c.dev}, nil
	})
	m := sessions.NewManager(st, map[engines.Name]sessions.Factory{engines.NOWEB: f}, fencedRecorder{st}, log, sessions.ManagerOptions{
		Cluster: &sessions.ClusterOptions{
			Leases: leases, Replica: sessions.Replica{ID: "b", Address: "http://b"},
			TTL: 15 * time.Second, RenewEvery: 3 * time.Second, Margin: 5 * time.Second, Now: c.clock.Now,
		},
	})
	t.Cleanup(func() { m.Shutdown(context.Background()) })
	if err := m.Boot(ctx, false); err != nil {
		t.Fatal(err)
	}
	if one, batch := leases.one.Load(), leases.batch.Load(); batch != 1 || one != int32(len(all)) {
		t.Fatalf("%d batch and %d single hand-outs, want 1 and %d", batch, one, len(all))
	}
	for _, n := range all {
		waitFor(t, n+" WORKING on b", func() bool {
			info, err := m.Get(ctx, n)
			return err == nil && info.Status == engines.StatusWorking
		})
		if l, err := st.GetLease(ctx, n); err != nil || l.Owner != "b" || l.Token != 2 {
			t.Fatalf("lease of %s: %+v, %v; want b's with token 2", n, l, err)
		}
	}
}

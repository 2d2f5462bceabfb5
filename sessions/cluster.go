package sessions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
)

// Replicas sharing one PostgreSQL run each session on at most one of them: the one
// holding the session's lease, a row with its owner, the owner's API address, an
// expiry and a fencing token that grows with every new owner. The owner renews its
// leases every RenewEvery; one that cannot stops its sessions Margin before they
// expire, so two replicas never run one device, and every write a run makes carries
// its token, which the store checks in the write's transaction (a run whose lease
// went elsewhere writes nothing). An expired or released lease of a session that
// should run is handed, by whichever replica sees it first, to the live replica
// with the most room, which starts the session on its next round.

// Errors of leases.
var (
	// ErrLeaseHeld: another live replica holds the session's lease.
	ErrLeaseHeld = errors.New("the session's lease is held by another replica")
	// ErrFenced: a write carried a fencing token the session's lease no longer has.
	ErrFenced = errors.New("stale fencing token: another replica owns the session now")
	// ErrNoRoom: every live replica runs sessions.max sessions.
	ErrNoRoom = errors.New("every replica is full (sessions.max)")
	// ErrPinned: the session cannot leave its replica.
	ErrPinned = errors.New("the session is pinned to its replica")
)

// Lease is one session's lease.
type Lease struct {
	Session   string
	Owner     string // replica id; "" when free
	Address   string // the owner's API base URL
	Token     int64
	ExpiresAt time.Time
	Pinned    string // the replica the session cannot leave; "" when none
}

// HeldAt reports whether the lease has a live owner at now.
func (l Lease) HeldAt(now time.Time) bool { return l.Owner != "" && now.Before(l.ExpiresAt) }

// Replica is one gateway process sharing the database.
type Replica struct {
	ID        string
	Address   string // its API base URL, where other replicas proxy requests
	Max       int    // sessions it runs at most; 0, no limit
	Sessions  int    // leases it holds
	StartedAt time.Time
	ExpiresAt time.Time
}

// Leases is the lease table (store.Store on PostgreSQL).
type Leases interface {
	AcquireLease(ctx context.Context, session string, me Replica, now time.Time, ttl time.Duration, pin bool) (Lease, error)
	AssignLease(ctx context.Context, session string, token int64, from string, to Replica, now time.Time, ttl time.Duration) (bool, error)
	// AssignLeases is AssignLease (no move) of each session in seen, with the
	// token seen, to replica to in a few statements; it returns those assigned
	// with their new tokens.
	AssignLeases(ctx context.Context, seen map[string]int64, to Replica, now time.Time, ttl time.Duration) (map[string]int64, error)
	RenewLeases(ctx context.Context, me Replica, now time.Time, ttl time.Duration) ([]Lease, error)
	ReleaseLeases(ctx context.Context, owner string, names ...string) error
	UnpinLease(ctx context.Context, session string) error
	RemoveReplica(ctx context.Context, id string) error
	ListLeases(ctx context.Context) ([]Lease, error)
	GetLease(ctx context.Context, session string) (Lease, error)
	ListReplicas(ctx context.Context, now time.Time) ([]Replica, error)
	// SaveSessionFenced is Store.SaveSession refused with ErrFenced when token is
	// no longer the lease's (0: unfenced).
	SaveSessionFenced(ctx context.Context, rec Record, token int64) error
	GetSession(ctx context.Context, name string) (Record, error)
}

// FencedRecorder is a Recorder whose transaction first checks the session's lease
// still has token, refusing the whole change with ErrFenced otherwise.
type FencedRecorder interface {
	RecordFenced(ctx context.Context, session string, token int64, change func(tx chatstore.Store) ([]engines.Event, error)) error
}

// ClusterOptions turn leases on: replicas sharing the database.
type ClusterOptions struct {
	Leases  Leases
	Replica Replica // this one: ID, Address, Max
	// TTL is how long a lease lasts unrenewed (15 s); RenewEvery how often the
	// owner renews (3 s); Margin how long before expiry a replica that could not
	// renew stops its sessions (5 s), which is also the clock skew tolerated.
	TTL, RenewEvery, Margin time.Duration
	// Now is the clock (time.Now); tests drive it.
	Now func() time.Time
	// Pin says whether an engine keeps state on this replica's disk that another
	// cannot restore, and why: its sessions are pinned to the replica that first
	// ran them.
	Pin func(engines.Name) (reason string, pinned bool)
}

// cluster is the Manager's lease state.
type cluster struct {
	ClusterOptions
	started time.Time

	// starts bounds the leased sessions on their way to WORKING at once
	// (BootConcurrency): a replica handed thousands of leases, at boot or when
	// another dies, must not start them all at once, or their store writes queue
	// up before the lease renewals, which then miss their deadline.
	starts chan struct{}

	mu        sync.Mutex
	lastRenew time.Time        // start of the last renewal that succeeded
	owned     map[string]int64 // the leases it returned, by session: their tokens
	renewErr  error
	lost      int // sessions stopped because their lease was lost
}

func newCluster(o ClusterOptions) *cluster {
	if o.TTL <= 0 {
		o.TTL = 15 * time.Second
	}
	if o.RenewEvery <= 0 {
		o.RenewEvery = 3 * time.Second
	}
	if o.Margin <= 0 {
		o.Margin = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Pin == nil {
		o.Pin = func(engines.Name) (string, bool) { return "", false }
	}
	return &cluster{ClusterOptions: o, started: o.Now()}
}

// renewedInTime refuses to start an engine on a replica past its renewal
// deadline: a process waking from a pause must not reconnect a device (a restart
// timer firing first) that another replica may run by now.
func (c *cluster) renewedInTime() error {
	c.mu.Lock()
	last := c.lastRenew
	c.mu.Unlock()
	if !last.IsZero() && !c.Now().Before(last.Add(c.TTL-c.Margin)) {
		return fmt.Errorf("this replica has not renewed its leases since %s: %w", last.Format(time.RFC3339), ErrLeaseHeld)
	}
	return nil
}

// LeaseState is this replica's lease state, for /health and /metrics.
type LeaseState struct {
	Replica   string
	Address   string
	Owned     int       // sessions whose lease this replica holds
	LastRenew time.Time // zero before the first
	Deadline  time.Time // when this replica stops its sessions unless it renews
	Healthy   bool      // the last renewal succeeded and the deadline is ahead
	Error     string    // why the last renewal failed
	Lost      int       // sessions stopped because their lease was lost
}

// Clustered reports whether sessions are leased (replicas share the database).
func (m *Manager) Clustered() bool { return m.cl != nil }

// ReplicaID is this replica's id ("" when not clustered).
func (m *Manager) ReplicaID() string {
	if m.cl == nil {
		return ""
	}
	return m.cl.Replica.ID
}

// LeaseState reports this replica's leases.
func (m *Manager) LeaseState() LeaseState {
	if m.cl == nil {
		return LeaseState{}
	}
	c := m.cl
	c.mu.Lock()
	st := LeaseState{Replica: c.Replica.ID, Address: c.Replica.Address, LastRenew: c.lastRenew, Lost: c.lost}
	if c.renewErr != nil {
		st.Error = c.renewErr.Error()
	}
	c.mu.Unlock()
	if !st.LastRenew.IsZero() {
		st.Deadline = st.LastRenew.Add(c.TTL - c.Margin)
		st.Healthy = st.Error == "" && c.Now().Before(st.Deadline)
	}
	m.mu.Lock()
	for _, s := range m.sessions {
		if s.token != 0 {
			st.Owned++
		}
	}
	m.mu.Unlock()
	return st
}

// RunCluster renews this replica's leases and takes over free ones until ctx ends.
func (m *Manager) RunCluster(ctx context.Context) {
	c := m.cl
	t := time.NewTicker(c.RenewEvery)
	defer t.Stop()
	// The deadline is watched apart from the renewals: a renewal stuck on an
	// unreachable database must not keep sessions running past it.
	watch := time.NewTicker(time.Second)
	defer watch.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-watch.C:
			m.CheckDeadline(ctx)
		case <-t.C:
			if err := m.Tick(ctx); err != nil && ctx.Err() == nil {
				m.log.Error("lease round", "err", err)
			}
		}
	}
}

// CheckDeadline stops every session this replica runs when its leases were not
// renewed for TTL-Margin: they may be about to expire, and another replica to take
// them over.
func (m *Manager) CheckDeadline(ctx context.Context) {
	c := m.cl
	c.mu.Lock()
	last := c.lastRenew
	c.mu.Unlock()
	if last.IsZero() || c.Now().Before(last.Add(c.TTL-c.Margin)) {
		return
	}
	var held []*session
	m.mu.Lock()
	for _, s := range m.sessions {
		if s.token != 0 {
			held = append(held, s)
		}
	}
	m.mu.Unlock()
	if len(held) == 0 {
		return
	}
	m.log.Error("leases not renewed in time: stopping this replica's sessions before their leases expire",
		"replica", c.Replica.ID, "last_renewal", last, "sessions", len(held))
	var wg sync.WaitGroup
	for _, s := range held {
		wg.Go(func() { m.dropLease(ctx, s, 0) })
	}
	wg.Wait()
}

// Tick is one round: renew this replica's leases, stop the sessions whose lease
// went elsewhere, start those handed to it, hand out free leases of sessions that
// should run.
func (m *Manager) Tick(ctx context.Context) error {
	m.CheckDeadline(ctx)
	c := m.cl
	start := c.Now()
	c.mu.Lock()
	deadline := c.lastRenew.Add(c.TTL - c.Margin)
	c.mu.Unlock()
	rctx, cancel := context.WithTimeout(ctx, max(min(deadline.Sub(start), c.TTL/3), c.RenewEvery))
	leases, err := c.Leases.RenewLeases(rctx, c.Replica, start, c.TTL)
	cancel()
	owned := map[string]int64{}
	for _, l := range leases {
		owned[l.Session] = l.Token
	}
	c.mu.Lock()
	c.renewErr = err
	if err == nil {
		c.lastRenew, c.owned = start, owned
	}
	c.mu.Unlock()
	if err != nil {
		return err
	}
	recs, err := m.store.ListSessions(ctx)
	if err != nil {
		return fmt.Errorf("load sessions: %w", err)
	}
	m.syncRecords(ctx, recs)
	byName := map[string]Record{}
	for _, r := range recs {
		byName[r.Name] = r
	}
	// Stop what is no longer ours; start what was handed to us.
	var drop, take []*session
	var release []string
	m.mu.Lock()
	for name, s := range m.sessions {
		if s.token != 0 && owned[name] != s.token && s.leasedAt.Before(start) {
			drop = append(drop, s)
		}
	}
	for name := range owned {
		s, ok := m.sessions[name]
		switch {
		case !ok || !byName[name].Running:
			if !ok || s.token == 0 {
				release = append(release, name)
			}
		case s.token == 0:
			take = append(take, s)
		}
	}
	m.mu.Unlock()
	for _, s := range drop {
		m.log.Warn("the lease went to another replica: stopping the session here", "session", s.rec.Name)
		go m.dropLease(context.WithoutCancel(ctx), s, 0)
	}
	if len(release) > 0 {
		if err := c.Leases.ReleaseLeases(ctx, c.Replica.ID, release...); err != nil {
			m.log.Error("release leases of sessions not running", "sessions", release, "err", err)
		}
	}
	for _, s := range take {
		go m.startLeased(context.WithoutCancel(ctx), s, owned[s.rec.Name], start)
	}
	return m.handOut(ctx, recs)
}

// handOut hands every free or expired lease of a session that should run to the
// live replica with the most room, in one batch per replica: a replica booting on
// thousands of sessions must not take a transaction for each before it serves.
func (m *Manager) handOut(ctx context.Context, recs []Record) error {
	c := m.cl
	leases, err := c.Leases.ListLeases(ctx)
	if err != nil {
		return err
	}
	now := c.Now()
	byName := map[string]Lease{}
	for _, l := range leases {
		byName[l.Session] = l
	}
	var reps []Replica
	plan := map[string]map[string]int64{} // replica id → session → token seen
	for _, r := range recs {
		l := byName[r.Name]
		if !r.Running || l.HeldAt(now) {
			continue
		}
		if reps == nil {
			if reps, err = c.Leases.ListReplicas(ctx, now); err != nil {
				return err
			}
		}
		to, ok := best(reps, l.Pinned, c.Replica.ID)
		if !ok {
			continue
		}
		if plan[to.ID] == nil {
			plan[to.ID] = map[string]int64{}
		}
		plan[to.ID][r.Name] = l.Token
		// Counted as taken for the next pick; one not assigned after all (another
		// replica was first) is handed out again next round.
		for i := range reps {
			if reps[i].ID == to.ID {
				reps[i].Sessions++
			}
		}
	}
	for _, to := range reps {
		seen := plan[to.ID]
		if len(seen) == 0 {
			continue
		}
		got, err := c.Leases.AssignLeases(ctx, seen, to, now, c.TTL)
		if err != nil {
			// One row locked by a stuck transaction (or a deadlock with another
			// replica's batch) fails its whole batch: the others go one by one, and
			// the locked one waits for the next round.
			m.log.Warn("hand out leases in a batch", "sessions", len(seen), "to", to.ID, "assigned", len(got), "err", err)
			if got == nil {
				got = map[string]int64{}
			}
			for name, token := range seen {
				if _, ok := got[name]; ok {
					continue
				}
				ok, err := c.Leases.AssignLease(ctx, name, token, "", to, now, c.TTL)
				if err != nil {
					m.log.Warn("hand out a lease", "session", name, "to", to.ID, "err", err)
					continue
				}
				if ok {
					got[name] = token + 1
				}
			}
		}
		if len(got) == 0 {
			continue
		}
		m.log.Info("leases handed out", "to", to.ID, "sessions", len(got))
		names := make([]string, 0, len(got))
		for name, token := range got {
			m.log.Debug("lease handed out", "session", name, "to", to.ID, "was", byName[name].Owner, "token", token)
			names = append(names, name)
		}
		if to.ID != c.Replica.ID {
			continue
		}
		slices.Sort(names)
		for _, name := range names {
			if s, err := m.lookup(name); err == nil {
				go m.startLeased(context.WithoutCancel(ctx), s, got[name], now)
			}
		}
	}
	return nil
}

// best is the live replica with the most room, preferring self on a tie; a
// session pinned to a replica goes to that one only.
func best(reps []Replica, pinned, self string) (Replica, bool) {
	var out Replica
	found := false
	for _, r := range reps {
		if pinned != "" && r.ID != pinned {
			continue
		}
		if r.Max > 0 && r.Sessions >= r.Max {
			continue
		}
		if !found || r.Sessions < out.Sessions || (r.Sessions == out.Sessions && r.ID == self) {
			out, found = r, true
		}
	}
	return out, found
}

// Place picks the replica a new session should start on: the live one with the
// most room (self on a tie, and self when no replica has said it is alive yet).
func (m *Manager) Place(ctx context.Context) (Replica, bool, error) {
	if m.cl == nil {
		return Replica{}, true, nil
	}
	c := m.cl
	reps, err := c.Leases.ListReplicas(ctx, c.Now())
	if err != nil {
		return Replica{}, false, err
	}
	if len(reps) == 0 {
		return c.Replica, true, nil
	}
	r, ok := best(reps, "", c.Replica.ID)
	if !ok {
		return Replica{}, false, ErrNoRoom
	}
	return r, r.ID == c.Replica.ID, nil
}

// Replicas lists the live replicas.
func (m *Manager) Replicas(ctx context.Context) ([]Replica, error) {
	if m.cl == nil {
		return nil, nil
	}
	return m.cl.Leases.ListReplicas(ctx, m.cl.Now())
}

// Owner returns the lease of a session another live replica runs; ok is false
// when this replica runs it, or no replica does.
func (m *Manager) Owner(ctx context.Context, name string) (Lease, bool, error) {
	if m.cl == nil {
		return Lease{}, false, nil
	}
	m.mu.Lock()
	s, known := m.sessions[name]
	local := known && s.token != 0
	m.mu.Unlock()
	if local {
		return Lease{}, false, nil
	}
	l, err := m.cl.Leases.GetLease(ctx, name)
	if err != nil {
		return Lease{}, false, err
	}
	if !l.HeldAt(m.cl.Now()) || l.Owner == m.cl.Replica.ID {
		return l, false, nil
	}
	return l, true, nil
}

// Move hands a session this replica runs (or no replica does) to replica to,
// which starts it on its next round. The session stops here first, so the device
// is never connected twice.
func (m *Manager) Move(ctx context.Context, name, to string) (Info, error) {
	if m.cl == nil {
		return Info{}, errors.New("sessions move between replicas only on PostgreSQL")
	}
	c := m.cl
	s, err := m.lookup(name)
	if err != nil {
		return Info{}, err
	}
	reps, err := c.Leases.ListReplicas(ctx, c.Now())
	if err != nil {
		return Info{}, err
	}
	i := slices.IndexFunc(reps, func(r Replica) bool { return r.ID == to })
	if i < 0 {
		return Info{}, fmt.Errorf("move session %q: replica %q: %w", name, to, ErrNoReplica)
	}
	target := reps[i]
	if to == c.Replica.ID {
		return m.Get(ctx, name)
	}
	s.action.Lock()
	defer s.action.Unlock()
	l, err := c.Leases.GetLease(ctx, name)
	if err != nil {
		return Info{}, err
	}
	if l.Pinned != "" && l.Pinned != to {
		m.mu.Lock()
		reason, _ := c.Pin(s.rec.Engine)
		m.mu.Unlock()
		return Info{}, fmt.Errorf("move session %q: pinned to replica %s (%s): %w", name, l.Pinned, reason, ErrPinned)
	}
	m.mu.Lock()
	token := s.token
	m.mu.Unlock()
	if token == 0 && l.HeldAt(c.Now()) {
		return Info{}, fmt.Errorf("move session %q: %w", name, ErrLeaseHeld)
	}
	if token != 0 {
		m.stopEngine(ctx, s, false)
	}
	ok, err := c.Leases.AssignLease(ctx, name, l.Token, c.Replica.ID, target, c.Now(), c.TTL)
	m.mu.Lock()
	s.token = 0
	m.mu.Unlock()
	if err != nil {
		return Info{}, fmt.Errorf("move session %q: %w", name, err)
	}
	if !ok {
		return Info{}, fmt.Errorf("move session %q: the lease changed meanwhile: %w", name, ErrLeaseHeld)
	}
	m.log.Info("session moved", "session", name, "to", to)
	return m.Get(ctx, name)
}

// ErrNoReplica: no live replica has that id.
var ErrNoReplica = errors.New("no live replica has that id")

// startLeased starts a session whose lease (token) was handed to this replica,
// known held at at, once fewer than BootConcurrency leased sessions are on their
// way to WORKING.
func (m *Manager) startLeased(ctx context.Context, s *session, token int64, at time.Time) {
	c := m.cl
	m.mu.Lock()
	skip := s.queued || s.token != 0 || s.deleted || m.closed
	if !skip {
		s.queued = true
	}
	m.mu.Unlock()
	if skip {
		return
	}
	defer func() {
		m.mu.Lock()
		s.queued = false
		m.mu.Unlock()
	}()
	select {
	case c.starts <- struct{}{}:
	case <-ctx.Done():
		return
	}
	defer func() { <-c.starts }()
	// A renewal since the hand-out that no longer returned the lease means it
	// went elsewhere while this start waited its turn (this replica missed its
	// renewals meanwhile): the device may be connected there now.
	c.mu.Lock()
	cur, held := c.owned[s.rec.Name]
	stale := c.lastRenew.After(at) && (!held || cur != token)
	c.mu.Unlock()
	if stale {
		m.log.Warn("the lease went to another replica before the session could start here", "session", s.rec.Name)
		return
	}
	if !m.startLeasedNow(ctx, s, token) {
		return
	}
	m.settle(ctx, s, m.opts.BootSettle)
}

// startLeasedNow starts s under token unless it started meanwhile; it reports
// whether it did.
func (m *Manager) startLeasedNow(ctx context.Context, s *session, token int64) bool {
	s.action.Lock()
	defer s.action.Unlock()
	m.mu.Lock()
	skip := s.token != 0 || s.deleted || m.closed
	if !skip {
		s.token, s.leasedAt = token, m.cl.Now()
	}
	m.mu.Unlock()
	if skip {
		return false
	}
	if err := m.startEngine(ctx, s); err != nil {
		m.log.Error("start a session handed to this replica", "session", s.rec.Name, "err", err)
		return false
	}
	return true
}

// dropLease stops a session whose lease this replica lost or is about to; its last
// writes still carry the old token, so they land only if no one took over.
func (m *Manager) dropLease(ctx context.Context, s *session, _ int64) {
	s.action.Lock()
	defer s.action.Unlock()
	m.mu.Lock()
	held := s.token != 0
	m.mu.Unlock()
	if !held {
		return
	}
	m.stopEngine(ctx, s, false)
	m.mu.Lock()
	s.token = 0
	m.cl.mu.Lock()
	m.cl.lost++
	m.cl.mu.Unlock()
	m.mu.Unlock()
}

// acquire takes the lease of s for this replica before it starts here. Called with
// s.action held.
func (m *Manager) acquire(ctx context.Context, s *session) error {
	c := m.cl
	m.mu.Lock()
	held, eng := s.token != 0, s.rec.Engine
	m.mu.Unlock()
	if held {
		return nil
	}
	_, pin := c.Pin(eng)
	l, err := c.Leases.AcquireLease(ctx, s.rec.Name, c.Replica, c.Now(), c.TTL, pin)
	if err != nil {
		return err
	}
	m.mu.Lock()
	s.token, s.leasedAt = l.Token, c.Now()
	m.mu.Unlock()
	return nil
}

// release gives up the lease of s after a user stop or delete. Called with
// s.action held.
func (m *Manager) release(ctx context.Context, s *session, unpin bool) {
	c := m.cl
	m.mu.Lock()
	held := s.token != 0
	s.token = 0
	name := s.rec.Name
	m.mu.Unlock()
	if held {
		if err := c.Leases.ReleaseLeases(context.WithoutCancel(ctx), c.Replica.ID, name); err != nil {
			m.log.Error("release lease", "session", name, "err", err)
		}
	}
	if unpin {
		if err := c.Leases.UnpinLease(context.WithoutCancel(ctx), name); err != nil {
			m.log.Error("unpin lease", "session", name, "err", err)
		}
	}
}

// syncRecords brings the sessions this replica does not run up to date with the
// store: created, changed or deleted by other replicas.
func (m *Manager) syncRecords(ctx context.Context, recs []Record) {
	seen := map[string]bool{}
	var gone []*session
	m.mu.Lock()
	for _, rec := range recs {
		seen[rec.Name] = true
		s, ok := m.sessions[rec.Name]
		if !ok {
			m.sessions[rec.Name] = &session{rec: rec, changed: make(chan struct{})}
			continue
		}
		if s.token != 0 || s.engine != nil || s.deleted || !s.action.TryLock() {
			continue
		}
		if s.rec.Status != rec.Status {
			s.statuses = append(s.statuses, StatusChange{Status: rec.Status, Timestamp: rec.UpdatedAt.UnixMilli()})
			if len(s.statuses) > 3 {
				s.statuses = s.statuses[len(s.statuses)-3:]
			}
			close(s.changed)
			s.changed = make(chan struct{})
		}
		s.rec = rec
		s.action.Unlock()
	}
	for name, s := range m.sessions {
		if !seen[name] && s.token == 0 && s.engine == nil {
			gone = append(gone, s)
		}
	}
	m.mu.Unlock()
	// A session created here after the list was read is not in it: only one the
	// store no longer has is gone.
	for _, s := range gone {
		if !s.action.TryLock() {
			continue
		}
		if _, err := m.cl.Leases.GetSession(ctx, s.rec.Name); errors.Is(err, ErrNotFound) {
			m.mu.Lock()
			if s.token == 0 && s.engine == nil {
				s.deleted = true
				delete(m.sessions, s.rec.Name)
			}
			m.mu.Unlock()
		}
		s.action.Unlock()
	}
}

// Refresh reads the sessions other replicas run from the store, so a list or a
// lookup answers what the owners last wrote.
func (m *Manager) Refresh(ctx context.Context) error {
	if m.cl == nil {
		return nil
	}
	recs, err := m.store.ListSessions(ctx)
	if err != nil {
		return fmt.Errorf("load sessions: %w", err)
	}
	m.syncRecords(ctx, recs)
	return nil
}

// leaveCluster hands every lease back at shutdown, so other replicas take the
// sessions over at once instead of after TTL.
func (m *Manager) leaveCluster(ctx context.Context) {
	c := m.cl
	ctx = context.WithoutCancel(ctx)
	if err := c.Leases.ReleaseLeases(ctx, c.Replica.ID); err != nil {
		m.log.Error("hand leases back at shutdown", "err", err)
	}
	if err := c.Leases.RemoveReplica(ctx, c.Replica.ID); err != nil {
		m.log.Error("leave the replicas table", "err", err)
	}
	m.log.Info("leases handed back", "replica", c.Replica.ID)
}

// annotate adds to infos the replica running each session and the one it is
// pinned to, from the lease table.
func (m *Manager) annotate(ctx context.Context, infos []Info) {
	if m.cl == nil || len(infos) == 0 {
		return
	}
	c := m.cl
	var leases []Lease
	var err error
	if len(infos) == 1 {
		var l Lease
		l, err = c.Leases.GetLease(ctx, infos[0].Name)
		leases = []Lease{l}
	} else {
		leases, err = c.Leases.ListLeases(ctx)
	}
	if err != nil {
		m.log.Error("read session leases", "err", err)
		return
	}
	byName := map[string]Lease{}
	for _, l := range leases {
		byName[l.Session] = l
	}
	now := c.Now()
	for i := range infos {
		l := byName[infos[i].Name]
		if l.HeldAt(now) {
			infos[i].Replica = l.Owner
		}
		if l.Pinned != "" {
			infos[i].PinnedTo = l.Pinned
			infos[i].PinReason, _ = c.Pin(infos[i].Engine)
		}
	}
}

package sessions

import (
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"

	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
)

// ManagerOptions tune a Manager.
type ManagerOptions struct {
	// WorkingWait is how long a call waits for a STARTING session to become WORKING
	// before it is refused (WAHA waits 5 s).
	WorkingWait time.Duration
	// RestartMin and RestartMax bound the backoff between restarts of a failed engine.
	RestartMin, RestartMax time.Duration
	// BootConcurrency is how many sessions Boot has on their way to WORKING at once
	// (default 64); BootSettle how long one may take before the next is started in
	// its place (default 30 s).
	BootConcurrency int
	BootSettle      time.Duration
	// Cluster turns session leases on, for replicas sharing one PostgreSQL; nil, this
	// process runs every session (SQLite).
	Cluster *ClusterOptions
}

// Manager runs one engine per session: it creates, starts, stops and restarts them,
// keeps their status, persists it and publishes their events.
type Manager struct {
	store     Store
	factories map[engines.Name]Factory
	recorder  Recorder
	log       *slog.Logger
	opts      ManagerOptions
	cl        *cluster // nil unless replicas share the database

	mu       sync.Mutex // guards sessions and every session's state fields
	sessions map[string]*session
	closed   bool
	booted   chan struct{} // closed when Boot's starts have settled
}

// session is the Manager's view of one session.
type session struct {
	action  sync.Mutex // serializes start/stop/logout/update/delete of this session
	persist sync.Mutex // orders writes of this session to the store

	// Guarded by Manager.mu.
	rec      Record
	engine   engines.Engine
	run      int // generation of the current engine; callbacks of older ones are ignored
	statuses []StatusChange
	changed  chan struct{} // closed on every status change
	activity *time.Time
	attempts int // restarts since the last WORKING
	timer    *time.Timer
	deleted  bool
	token    int64     // fencing token of the lease this replica holds; 0 when none
	leasedAt time.Time // when token was set
	queued   bool      // its lease was handed to this replica, its start waits its turn
}

// NewManager makes a Manager; call Boot to bring back the sessions of the store.
func NewManager(store Store, factories map[engines.Name]Factory, rec Recorder, log *slog.Logger, opts ManagerOptions) *Manager {
	if opts.WorkingWait == 0 {
		opts.WorkingWait = 5 * time.Second
	}
	if opts.RestartMin == 0 {
		opts.RestartMin = time.Second
	}
	if opts.RestartMax == 0 {
		opts.RestartMax = time.Minute
	}
	if opts.BootConcurrency <= 0 {
		opts.BootConcurrency = 64
	}
	if opts.BootSettle <= 0 {
		opts.BootSettle = 30 * time.Second
	}
	m := &Manager{
		store: store, factories: factories, recorder: rec, log: log, opts: opts,
		sessions: map[string]*session{}, booted: make(chan struct{}),
	}
	if opts.Cluster != nil {
		m.cl = newCluster(*opts.Cluster)
		m.cl.starts = make(chan struct{}, opts.BootConcurrency)
	}
	return m
}

// Supports reports whether this build can run an engine.
func (m *Manager) Supports(n engines.Name) bool {
	_, ok := m.factories[n]
	return ok
}

// Boot loads every session and starts again, in the background, those that were
// running (all of them with restartAll, as WHATSAPP_RESTART_ALL_SESSIONS asks).
// It returns once the sessions are loaded, so the API can serve during the
// restart (a session not started yet is STOPPED, then STARTING); BootDone is
// closed when every start has settled. At most BootConcurrency sessions are on
// their way at once (started, not yet WORKING, waiting for a QR scan or FAILED):
// ten thousand sessions do not log in all at the same moment. With leases the
// same bound holds for the sessions the lease rounds hand to this replica.
func (m *Manager) Boot(ctx context.Context, restartAll bool) error {
	recs, err := m.store.ListSessions(ctx)
	if err != nil {
		return fmt.Errorf("load sessions: %w", err)
	}
	var toStart []*session
	m.mu.Lock()
	for _, rec := range recs {
		wasRunning := rec.Running
		rec.Status = engines.StatusStopped
		s := &session{rec: rec, changed: make(chan struct{})}
		m.sessions[rec.Name] = s
		if wasRunning || restartAll {
			toStart = append(toStart, s)
		}
	}
	m.mu.Unlock()
	if m.cl != nil {
		if _, ok := m.recorder.(FencedRecorder); !ok {
			return errors.New("leased sessions need a recorder that checks fencing tokens")
		}
		// The sessions that should run are handed out by lease, to this replica or
		// to another with more room; the first round takes what is free.
		if restartAll {
			for _, s := range toStart {
				m.mu.Lock()
				s.rec.Running = true
				m.mu.Unlock()
				if err := m.save(ctx, s); err != nil {
					return err
				}
			}
		}
		if err := m.Tick(ctx); err != nil {
			m.log.Error("first lease round", "err", err)
		}
		m.log.Info("sessions loaded", "total", len(recs), "replica", m.cl.Replica.ID)
		close(m.booted)
		return nil
	}
	m.log.Info("sessions loaded", "total", len(recs), "starting", len(toStart))
	go func() {
		defer close(m.booted)
		start := time.Now()
		sem := make(chan struct{}, m.opts.BootConcurrency)
		var wg sync.WaitGroup
		for _, s := range toStart {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
			}
			m.mu.Lock()
			closed := m.closed
			m.mu.Unlock()
			if closed || ctx.Err() != nil {
				break // shutting down: the rest stay as they are, running at the next boot
			}
			wg.Go(func() {
				defer func() { <-sem }()
				if _, err := m.Start(ctx, s.rec.Name); err != nil {
					m.log.Error("restart session at boot", "session", s.rec.Name, "err", err)
					return
				}
				m.settle(ctx, s, m.opts.BootSettle)
			})
		}
		wg.Wait()
		m.log.Info("sessions started at boot", "started", len(toStart), "took", time.Since(start).Round(time.Millisecond).String())
	}()
	return nil
}

// BootDone is closed when Boot has started every session it brings back and each
// has settled (or BootSettle passed).
func (m *Manager) BootDone() <-chan struct{} { return m.booted }

// settle waits up to d for a session to leave STARTING.
func (m *Manager) settle(ctx context.Context, s *session, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		m.mu.Lock()
		st, changed := s.rec.Status, s.changed
		m.mu.Unlock()
		if st != engines.StatusStarting {
			return
		}
		select {
		case <-changed:
		case <-timer.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// Shutdown stops every engine, keeping each session's desired state for the next boot.
func (m *Manager) Shutdown(ctx context.Context) {
	m.mu.Lock()
	m.closed = true
	var all []*session
	for _, s := range m.sessions {
		// With leases, the sessions other replicas run are theirs to stop: their
		// status here is only what the store said.
		if m.cl != nil && s.engine == nil && s.token == 0 {
			continue
		}
		all = append(all, s)
	}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range all {
		wg.Go(func() {
			s.action.Lock()
			defer s.action.Unlock()
			m.stopEngine(ctx, s, false)
		})
	}
	wg.Wait()
	if m.cl != nil {
		m.leaveCluster(ctx)
	}
}

func (m *Manager) lookup(name string) (*session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[name]
	if !ok || s.deleted {
		return nil, fmt.Errorf("session %q: %w", name, ErrNotFound)
	}
	return s, nil
}

// List returns the sessions by name; without all, only those not STOPPED.
func (m *Manager) List(ctx context.Context, all bool) []Info {
	if m.cl != nil {
		// What the other replicas' sessions are doing is in the store.
		if err := m.Refresh(ctx); err != nil {
			m.log.Error("list sessions: read the store", "err", err)
		}
	}
	m.mu.Lock()
	var out []Info
	running := map[string]engines.Engine{}
	for _, s := range m.sessions {
		if s.deleted || (!all && s.rec.Status == engines.StatusStopped) {
			continue
		}
		out = append(out, s.infoLocked())
		running[s.rec.Name] = s.engine
	}
	m.mu.Unlock()
	for i := range out {
		out[i].EngineInfo = engineInfo(ctx, running[out[i].Name])
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	m.annotate(ctx, out)
	return out
}

// Snapshot is every session's state without asking engines anything: cheap enough
// for metrics and health checks.
func (m *Manager) Snapshot() []Info {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Info, 0, len(m.sessions))
	for _, s := range m.sessions {
		info := s.infoLocked()
		info.Local = m.cl == nil || s.token != 0
		out = append(out, info)
	}
	return out
}

// Get returns one session.
func (m *Manager) Get(ctx context.Context, name string) (Info, error) {
	s, err := m.lookup(name)
	if err != nil {
		return Info{}, err
	}
	m.mu.Lock()
	info, e := s.infoLocked(), s.engine
	m.mu.Unlock()
	info.EngineInfo = engineInfo(ctx, e)
	infos := []Info{info}
	m.annotate(ctx, infos)
	return infos[0], nil
}

func engineInfo(ctx context.Context, e engines.Engine) map[string]any {
	if inf, ok := e.(engines.Informer); ok {
		ctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		return inf.Info(ctx)
	}
	return nil
}

func (s *session) infoLocked() Info {
	return Info{
		Name: s.rec.Name, Engine: s.rec.Engine, Config: s.rec.Config, Status: s.rec.Status,
		Me: s.rec.Me, Failure: s.rec.Failure, Activity: s.activity,
		Statuses: append([]StatusChange(nil), s.statuses...),
	}
}

// EngineName is the engine a session runs on.
func (m *Manager) EngineName(name string) (engines.Name, error) {
	s, err := m.lookup(name)
	if err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return s.rec.Engine, nil
}

// Create adds a session and, with start, starts it.
func (m *Manager) Create(ctx context.Context, name string, engine engines.Name, cfg engines.SessionConfig, start bool) (Info, error) {
	if err := engines.ValidateSessionName(name); err != nil {
		return Info{}, err
	}
	now := time.Now()
	rec := Record{Name: name, Engine: engine, Config: cfg, Status: engines.StatusStopped, CreatedAt: now, UpdatedAt: now}
	m.mu.Lock()
	if s, ok := m.sessions[name]; ok && !s.deleted {
		m.mu.Unlock()
		return Info{}, fmt.Errorf("create session %q: %w", name, ErrExists)
	}
	m.mu.Unlock()
	if err := m.store.CreateSession(ctx, rec); err != nil {
		return Info{}, fmt.Errorf("create session %q: %w", name, err)
	}
	m.mu.Lock()
	m.sessions[name] = &session{rec: rec, changed: make(chan struct{})}
	m.mu.Unlock()
	if start {
		return m.Start(ctx, name)
	}
	return m.Get(ctx, name)
}

// Update replaces a session's config and, when engine is set, its engine. A running
// session is restarted with the new settings. Changing the engine of a paired session
// fails with ErrPaired: the pairing belongs to the old engine.
func (m *Manager) Update(ctx context.Context, name string, engine engines.Name, cfg engines.SessionConfig) (Info, error) {
	s, err := m.lookup(name)
	if err != nil {
		return Info{}, err
	}
	s.action.Lock()
	m.mu.Lock()
	if engine != "" && engine != s.rec.Engine && s.rec.Me != nil {
		m.mu.Unlock()
		s.action.Unlock()
		return Info{}, fmt.Errorf("change engine of session %q from %s to %s: %w", name, s.rec.Engine, engine, ErrPaired)
	}
	running := s.engine != nil
	m.mu.Unlock()
	if running {
		m.stopEngine(ctx, s, false)
	}
	m.mu.Lock()
	if engine != "" {
		s.rec.Engine = engine
	}
	s.rec.Config = cfg
	m.mu.Unlock()
	err = m.save(ctx, s)
	if err == nil && running {
		err = m.startEngine(ctx, s)
	}
	s.action.Unlock()
	if err != nil {
		return Info{}, fmt.Errorf("update session %q: %w", name, err)
	}
	return m.Get(ctx, name)
}

// Start starts a session; starting a running session changes nothing.
func (m *Manager) Start(ctx context.Context, name string) (Info, error) {
	s, err := m.lookup(name)
	if err != nil {
		return Info{}, err
	}
	s.action.Lock()
	err = m.startEngine(ctx, s)
	s.action.Unlock()
	if err != nil {
		return Info{}, fmt.Errorf("start session %q: %w", name, err)
	}
	return m.Get(ctx, name)
}

// Stop stops a session without logging it out.
func (m *Manager) Stop(ctx context.Context, name string) (Info, error) {
	s, err := m.lookup(name)
	if err != nil {
		return Info{}, err
	}
	s.action.Lock()
	m.stopEngine(ctx, s, true)
	err = m.save(ctx, s)
	if m.cl != nil {
		m.release(ctx, s, false)
	}
	s.action.Unlock()
	if err != nil {
		return Info{}, fmt.Errorf("stop session %q: %w", name, err)
	}
	return m.Get(ctx, name)
}

// Restart stops and starts a session.
func (m *Manager) Restart(ctx context.Context, name string) (Info, error) {
	s, err := m.lookup(name)
	if err != nil {
		return Info{}, err
	}
	s.action.Lock()
	m.stopEngine(ctx, s, false)
	err = m.startEngine(ctx, s)
	s.action.Unlock()
	if err != nil {
		return Info{}, fmt.Errorf("restart session %q: %w", name, err)
	}
	return m.Get(ctx, name)
}

// Logout unlinks the device and forgets its keys; a running session starts again,
// ready to pair.
func (m *Manager) Logout(ctx context.Context, name string) (Info, error) {
	s, err := m.lookup(name)
	if err != nil {
		return Info{}, err
	}
	s.action.Lock()
	m.mu.Lock()
	wasRunning := s.rec.Running
	m.mu.Unlock()
	err = m.logoutEngine(ctx, s)
	if err == nil && wasRunning {
		err = m.startEngine(ctx, s)
	} else if m.cl != nil {
		m.release(ctx, s, false)
	}
	s.action.Unlock()
	if err != nil {
		return Info{}, fmt.Errorf("logout session %q: %w", name, err)
	}
	return m.Get(ctx, name)
}

// Delete stops, logs out and removes a session.
func (m *Manager) Delete(ctx context.Context, name string) error {
	s, err := m.lookup(name)
	if err != nil {
		return err
	}
	s.action.Lock()
	defer s.action.Unlock()
	if err := m.logoutEngine(ctx, s); err != nil {
		return fmt.Errorf("delete session %q: %w", name, err)
	}
	if err := m.store.DeleteSession(ctx, name); err != nil {
		return fmt.Errorf("delete session %q: %w", name, err)
	}
	if m.cl != nil {
		m.release(ctx, s, true)
	}
	m.mu.Lock()
	s.deleted = true
	delete(m.sessions, name)
	m.mu.Unlock()
	return nil
}

// logoutEngine stops the engine and has it unlink the device and delete its keys.
// A stopped session gets an engine made just for that. Called with s.action held.
func (m *Manager) logoutEngine(ctx context.Context, s *session) error {
	m.mu.Lock()
	e, rec := s.engine, s.rec
	paired := rec.Me != nil
	m.mu.Unlock()
	if e == nil && paired {
		f, ok := m.factories[rec.Engine]
		if !ok {
			return fmt.Errorf("engine %s is not available in this build", rec.Engine)
		}
		var err error
		if e, err = f.New(ctx, Spec{Name: rec.Name, Engine: rec.Engine, Config: rec.Config}, discardHost{}); err != nil {
			return fmt.Errorf("make %s engine to log out: %w", rec.Engine, err)
		}
	}
	if e != nil {
		if err := e.Logout(ctx); err != nil {
			m.log.Warn("engine logout", "session", rec.Name, "err", err)
		}
	}
	m.stopEngine(ctx, s, true)
	m.mu.Lock()
	s.rec.Me = nil
	m.mu.Unlock()
	return m.save(ctx, s)
}

// startEngine makes and starts the session's engine. Called with s.action held.
func (m *Manager) startEngine(ctx context.Context, s *session) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return errors.New("gateway is shutting down")
	}
	if s.engine != nil && s.rec.Status != engines.StatusFailed {
		m.mu.Unlock()
		return nil
	}
	failed := s.engine != nil
	m.mu.Unlock()
	if failed {
		m.stopEngine(ctx, s, false)
	}
	if m.cl != nil {
		if err := m.cl.renewedInTime(); err != nil {
			return err
		}
		if err := m.acquire(ctx, s); err != nil {
			return err
		}
	}
	m.mu.Lock()
	s.rec.Running = true
	s.rec.Failure = ""
	s.run++
	run, token := s.run, s.token
	spec := Spec{Name: s.rec.Name, Engine: s.rec.Engine, Config: s.rec.Config}
	m.mu.Unlock()

	m.setStatus(s, run, engines.StatusStarting, "", false)
	h := &host{m: m, s: s, run: run, token: token}
	f, ok := m.factories[spec.Engine]
	if !ok {
		h.Failed(fmt.Errorf("engine %s is not available in this build", spec.Engine), false)
		return m.save(ctx, s)
	}
	e, err := f.New(ctx, spec, h)
	if err != nil {
		h.Failed(fmt.Errorf("make %s engine: %w", spec.Engine, err), true)
		return m.save(ctx, s)
	}
	m.mu.Lock()
	s.engine = e
	m.mu.Unlock()
	// The engine may report status from inside Start, so no lock is held here.
	if err := e.Start(context.WithoutCancel(ctx)); err != nil {
		h.Failed(fmt.Errorf("start %s engine: %w", spec.Engine, err), true)
	}
	return m.save(ctx, s)
}

// stopEngine stops the running engine, if any, and marks the session STOPPED.
// userStop also clears the desired running state. Called with s.action held.
func (m *Manager) stopEngine(ctx context.Context, s *session, userStop bool) {
	m.mu.Lock()
	e := s.engine
	s.engine = nil
	s.run++ // callbacks of the old engine are ignored from here on
	run := s.run
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if userStop {
		s.rec.Running = false
	}
	m.mu.Unlock()
	if e != nil {
		if err := e.Stop(ctx); err != nil {
			m.log.Warn("stop engine", "session", s.rec.Name, "err", err)
		}
	}
	m.setStatus(s, run, engines.StatusStopped, "", false)
}

// setStatus records a status of run run and tells everyone; stale runs are ignored.
func (m *Manager) setStatus(s *session, run int, st engines.Status, reason string, again bool) {
	m.mu.Lock()
	if run != s.run || s.deleted {
		m.mu.Unlock()
		return
	}
	if s.rec.Status == st && reason == s.rec.Failure && !again {
		m.mu.Unlock()
		return
	}
	now := time.Now()
	s.rec.Status = st
	if st == engines.StatusFailed {
		s.rec.Failure = reason
	}
	if st == engines.StatusWorking {
		s.attempts = 0
	}
	s.statuses = append(s.statuses, StatusChange{Status: st, Timestamp: now.UnixMilli()})
	if len(s.statuses) > 3 {
		s.statuses = s.statuses[len(s.statuses)-3:]
	}
	close(s.changed)
	s.changed = make(chan struct{})
	payload := StatusPayload{Name: s.rec.Name, Status: st, Statuses: append([]StatusChange(nil), s.statuses...)}
	m.mu.Unlock()
	m.log.Info("session status", "session", s.rec.Name, "status", st, "reason", reason)
	ctx := context.Background()
	if err := m.save(ctx, s); err != nil {
		m.log.Error("persist session status", "session", s.rec.Name, "err", err)
	}
	m.publish(ctx, s, "session.status", payload)
}

func (m *Manager) publish(ctx context.Context, s *session, event string, payload any) {
	m.mu.Lock()
	ev := m.event(s, event, payload)
	token := s.token
	m.mu.Unlock()
	err := m.record(ctx, ev.Session, token, func(chatstore.Store) ([]engines.Event, error) { return []engines.Event{ev}, nil })
	if errors.Is(err, ErrFenced) {
		m.log.Warn("event of a session another replica owns now not recorded", "session", ev.Session, "event", event)
	} else if err != nil {
		m.log.Error("record event", "session", ev.Session, "event", event, "err", err)
	}
}

// record runs change through the recorder, fenced by token when the session's
// lease is held.
func (m *Manager) record(ctx context.Context, session string, token int64, change func(chatstore.Store) ([]engines.Event, error)) error {
	if fr, ok := m.recorder.(FencedRecorder); ok && token != 0 {
		return fr.RecordFenced(ctx, session, token, change)
	}
	return m.recorder.Record(ctx, change)
}

// event builds an event of s; m.mu is held.
func (m *Manager) event(s *session, event string, payload any) engines.Event {
	now := time.Now()
	s.activity = &now
	return engines.Event{
		ID: engines.NewEventID(now), Time: now, Session: s.rec.Name, Engine: s.rec.Engine,
		Event: event, Payload: payload, Me: s.rec.Me, Metadata: s.rec.Config.Metadata, Config: s.rec.Config,
	}
}

// save writes the session's current state to the store.
func (m *Manager) save(ctx context.Context, s *session) error {
	s.persist.Lock()
	defer s.persist.Unlock()
	m.mu.Lock()
	if s.deleted {
		m.mu.Unlock()
		return nil
	}
	s.rec.UpdatedAt = time.Now()
	rec, token := s.rec, s.token
	m.mu.Unlock()
	var err error
	if m.cl != nil && token != 0 {
		err = m.cl.Leases.SaveSessionFenced(context.WithoutCancel(ctx), rec, token)
	} else {
		err = m.store.SaveSession(context.WithoutCancel(ctx), rec)
	}
	if err != nil {
		return fmt.Errorf("save session %q: %w", rec.Name, err)
	}
	return nil
}

// Working returns the engine of a WORKING session, waiting up to WorkingWait while it
// is on its way there.
func (m *Manager) Working(ctx context.Context, name string) (engines.Engine, error) {
	e, _, err := m.Await(ctx, name, engines.StatusWorking)
	return e, err
}

// Await waits up to WorkingWait for a session to reach one of the expected statuses
// and returns its engine.
func (m *Manager) Await(ctx context.Context, name string, expected ...engines.Status) (engines.Engine, engines.Status, error) {
	s, err := m.lookup(name)
	if err != nil {
		return nil, "", err
	}
	timer := time.NewTimer(m.opts.WorkingWait)
	defer timer.Stop()
	for {
		m.mu.Lock()
		st, e, changed := s.rec.Status, s.engine, s.changed
		m.mu.Unlock()
		for _, want := range expected {
			if st == want && e != nil {
				return e, st, nil
			}
		}
		// Only a session on its way somewhere is worth waiting for.
		if st != engines.StatusStarting && !(st == engines.StatusScanQRCode && !contains(expected, engines.StatusScanQRCode)) {
			return nil, st, &engines.NotWorkingError{Session: name, Status: st, Expected: expected}
		}
		select {
		case <-changed:
		case <-timer.C:
			return nil, st, &engines.NotWorkingError{Session: name, Status: st, Expected: expected}
		case <-ctx.Done():
			return nil, st, ctx.Err()
		}
	}
}

func contains(ss []engines.Status, s engines.Status) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// restartFailed restarts a failed engine after its backoff, unless the user acted since.
func (m *Manager) restartFailed(s *session, run int) {
	s.action.Lock()
	defer s.action.Unlock()
	m.mu.Lock()
	stale := run != s.run || !s.rec.Running || s.deleted || m.closed
	m.mu.Unlock()
	if stale {
		return
	}
	ctx := context.Background()
	m.stopEngine(ctx, s, false)
	if err := m.startEngine(ctx, s); err != nil {
		m.log.Error("restart failed session", "session", s.rec.Name, "err", err)
	}
}

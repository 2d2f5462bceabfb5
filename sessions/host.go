package sessions

import (
	"context"
	"errors"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
)

// Host is what a running engine reports to; the Manager gives each run of each
// session's engine its own.
type Host interface {
	// SetStatus moves the session; reason explains FAILED.
	SetStatus(status engines.Status, reason string)
	// NewQR says a new QR code is up: SCAN_QR_CODE, emitted again for every code
	// (as WAHA does), since clients fetch the QR when they get that event.
	NewQR()
	// SetMe records the paired account (nil after logout).
	SetMe(me *engines.MeInfo)
	// Record makes a change and records the events it returns in one transaction,
	// then hands the events on (webhooks, websocket clients): the change and its
	// events are committed together or not at all. change gets the store bound to
	// that transaction and must use no other database handle (on SQLite's single
	// connection, any other call waits for the transaction for ever); an engine
	// without a store of its own ignores tx and only returns events. An error from
	// change is returned as it is and nothing is recorded. A run that has ended
	// records nothing and gets ErrStale.
	Record(ctx context.Context, change Change) error
	// Failed reports a broken engine; the Manager restarts it with backoff when retry is set.
	Failed(err error, retry bool)
}

// ConnectGuard is what a Host may also be: engines that reconnect by themselves
// ask it before every attempt.
type ConnectGuard interface {
	MayConnect() error
}

// Change is a store change and the events about it, which can depend on what the
// change found (the acks that rose, the message a revoke removed).
type Change func(tx chatstore.Store) ([]Emission, error)

// Events is a Change that changes nothing and returns evs.
func Events(evs ...Emission) Change {
	return func(chatstore.Store) ([]Emission, error) { return evs, nil }
}

// Emission is an event an engine emits: its name (from engines.EventNames) and
// payload. The host wraps it in the session's envelope.
type Emission struct {
	Event   string
	Payload any
}

// ErrStale: the engine's run has ended (stopped, restarted, deleted); what it
// reports now is dropped.
var ErrStale = errors.New("the session's engine was stopped")

// Recorder runs a change and writes the events it returns in one transaction,
// then hands them on; the webhooks service implements it over the store.
type Recorder interface {
	Record(ctx context.Context, change func(tx chatstore.Store) ([]engines.Event, error)) error
}

// Factory makes the engine of one session.
type Factory interface {
	New(ctx context.Context, session Spec, host Host) (engines.Engine, error)
}

// FactoryFunc adapts a function to Factory.
type FactoryFunc func(ctx context.Context, session Spec, host Host) (engines.Engine, error)

// New calls f.
func (f FactoryFunc) New(ctx context.Context, s Spec, h Host) (engines.Engine, error) {
	return f(ctx, s, h)
}

// Spec is what an engine needs to know about its session.
type Spec struct {
	Name   string
	Engine engines.Name
	Config engines.SessionConfig
}

// host is the Host of one run of one session's engine.
type host struct {
	m     *Manager
	s     *session
	run   int
	token int64 // the run's fencing token; 0 without leases
}

func (h *host) SetStatus(st engines.Status, reason string) {
	h.m.setStatus(h.s, h.run, st, reason, false)
}

func (h *host) NewQR() { h.m.setStatus(h.s, h.run, engines.StatusScanQRCode, "", true) }

func (h *host) SetMe(me *engines.MeInfo) {
	h.m.mu.Lock()
	stale := h.run != h.s.run
	// An engine says who it is at every login; the same account again needs
	// no store write (one of the few each of ten thousand restarting sessions makes).
	old := h.s.rec.Me
	same := (old == nil && me == nil) || (old != nil && me != nil && *old == *me)
	if !stale && !same {
		h.s.rec.Me = me
	}
	h.m.mu.Unlock()
	if !stale && !same {
		if err := h.m.save(context.Background(), h.s); err != nil {
			h.m.log.Error("persist session me", "session", h.s.rec.Name, "err", err)
		}
	}
}

// Record runs change in the recorder's transaction and records its events in the
// session's envelope; a stale run records nothing.
func (h *host) Record(ctx context.Context, change Change) error {
	return h.m.record(ctx, h.s.rec.Name, h.token, func(tx chatstore.Store) ([]engines.Event, error) {
		if !h.current() {
			return nil, ErrStale
		}
		ems, err := change(tx)
		if err != nil || len(ems) == 0 {
			return nil, err
		}
		h.m.mu.Lock()
		defer h.m.mu.Unlock()
		if h.run != h.s.run {
			return nil, ErrStale
		}
		evs := make([]engines.Event, len(ems))
		for i, e := range ems {
			evs[i] = h.m.event(h.s, e.Event, e.Payload)
		}
		return evs, nil
	})
}

// MayConnect reports whether the engine may connect its device now (ConnectGuard):
// not when its run has ended, nor on a replica that did not renew its leases in
// time, whose session another replica may run by now.
func (h *host) MayConnect() error {
	if !h.current() {
		return ErrStale
	}
	if h.m.cl != nil && h.token != 0 {
		return h.m.cl.renewedInTime()
	}
	return nil
}

func (h *host) current() bool {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	return h.run == h.s.run && !h.s.deleted
}

func (h *host) Failed(err error, retry bool) {
	m, s := h.m, h.s
	m.log.Error("engine failed", "session", s.rec.Name, "retry", retry, "err", err)
	m.setStatus(s, h.run, engines.StatusFailed, err.Error(), false)
	if !retry {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if h.run != s.run || !s.rec.Running || m.closed {
		return
	}
	delay := m.opts.RestartMin << min(s.attempts, 16)
	if delay > m.opts.RestartMax || delay <= 0 {
		delay = m.opts.RestartMax
	}
	s.attempts++
	if s.timer != nil {
		s.timer.Stop()
	}
	run := h.run
	s.timer = time.AfterFunc(delay, func() { m.restartFailed(s, run) })
	m.log.Info("engine restart scheduled", "session", s.rec.Name, "in", delay, "attempt", s.attempts)
}

// discardHost serves an engine made only to log out a stopped session.
type discardHost struct{}

func (discardHost) SetStatus(engines.Status, string)     {}
func (discardHost) NewQR()                               {}
func (discardHost) SetMe(*engines.MeInfo)                {}
func (discardHost) Record(context.Context, Change) error { return ErrStale }
func (discardHost) Failed(error, bool)                   {}

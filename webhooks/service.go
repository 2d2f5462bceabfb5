package webhooks

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/netguard"
	"github.com/wagate/wagate/store"
)

// Options configure a Service. Zero tuning fields take the defaults named beside them.
type Options struct {
	Store       *store.Store
	Global      configs.Webhook // the gateway-wide webhook; no URL, none
	Environment Environment
	Version     string                // for the User-Agent
	Registry    prometheus.Registerer // metrics are registered here; nil, nowhere
	Log         *slog.Logger

	Workers        int           // attempts in flight at once over every webhook (64)
	AttemptTimeout time.Duration // one attempt, connect to answer (15 s)
	RetryUnit      time.Duration // what one retries.delaySeconds is worth (1 s; tests shorten it)
	MaxDelay       time.Duration // longest wait between two attempts (1 h)
	MaxBodyBytes   int           // larger envelopes are refused for webhooks (4 MiB)
	MaxPending     int           // pending deliveries per webhook (session and url) beyond which new ones are refused (10,000)
	LaneBuffer     int           // pending rows of one webhook held in memory; more wait in the store (1,000)
	SweepInterval  time.Duration // how often the outbox is scanned for rows no lane holds, and a waiting replica tries to take over (5 s)
	Retention      time.Duration // delivered rows are deleted after this (72 h)
	Client         *http.Client  // the client attempts use (one that does not follow redirects and dials through Guard)
	// Guard refuses receivers the gateway must not reach (cloud metadata, its own
	// API), when dialled; nil is netguard's default policy.
	Guard *netguard.Guard
	// Replica is this gateway's id among replicas sharing a PostgreSQL with session
	// leases (sessions.ClusterOptions.Replica.ID): it then sends the deliveries of
	// the sessions whose lease it holds, every replica its own, and the one holding
	// the dispatch lock also those of sessions no replica holds. Empty: the one
	// process holding the dispatch lock sends everything (SQLite, no leases).
	Replica string
	// OwnersInterval is how often a replica re-reads which sessions it owns (1 s,
	// at most SweepInterval): a session whose lease moved is sent by its new owner,
	// and no longer by the old one, within about that long.
	OwnersInterval time.Duration
	WSBuffer       int           // envelopes a websocket client may lag behind before it is dropped (256)
	WSPing         time.Duration // websocket ping interval (30 s)
}

func (o *Options) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Workers, 64)
	def(&o.MaxBodyBytes, 4<<20)
	def(&o.MaxPending, 10_000)
	def(&o.LaneBuffer, 1_000)
	def(&o.WSBuffer, 256)
	defDur(&o.AttemptTimeout, 15*time.Second)
	defDur(&o.RetryUnit, time.Second)
	defDur(&o.MaxDelay, time.Hour)
	defDur(&o.SweepInterval, 5*time.Second)
	defDur(&o.Retention, 72*time.Hour)
	defDur(&o.WSPing, 30*time.Second)
	defDur(&o.OwnersInterval, min(time.Second, o.SweepInterval))
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Guard == nil {
		o.Guard, _ = netguard.New(netguard.Options{}) // the zero options cannot fail
	}
	if o.Client == nil {
		// The guard's transport: every attempt is dialled through its check, after
		// DNS, so a receiver that resolves to a refused address later gets nothing.
		t := o.Guard.Transport()
		t.MaxIdleConns, t.MaxIdleConnsPerHost = o.Workers*2, o.Workers
		o.Client = &http.Client{
			Transport: t,
			// A redirected POST becomes a GET without the body: that would look
			// delivered while the receiver got nothing, so a redirect is a failure.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
}

// Service is the events' way out: the sessions.Recorder of the Manager, the
// webhook dispatcher and the websocket hub.
type Service struct {
	o       Options
	st      *store.Store
	log     *slog.Logger
	m       *metrics
	d       *dispatcher
	hub     *hub
	ids     idSource
	defRetr engines.RetriesConfig
	headers []engines.WebhookHeader // the global webhook's custom headers
}

// New builds a Service; Start starts delivering.
func New(o Options) (*Service, error) {
	if o.Store == nil {
		return nil, errors.New("webhooks: no store")
	}
	o.defaults()
	s := &Service{o: o, st: o.Store, log: o.Log, hub: newHub()}
	s.ids.entropy = ulid.Monotonic(rand.Reader, 0)
	s.defRetr = engines.RetriesConfig{Policy: o.Global.RetriesPolicy, DelaySeconds: o.Global.RetriesDelaySeconds, Attempts: o.Global.RetriesAttempts}
	if s.defRetr.Policy == "" {
		s.defRetr.Policy = PolicyExponential
	}
	if s.defRetr.DelaySeconds <= 0 {
		s.defRetr.DelaySeconds = 2
	}
	if s.defRetr.Attempts <= 0 {
		s.defRetr.Attempts = 15
	}
	headers, err := o.Global.Headers()
	if err != nil {
		return nil, fmt.Errorf("webhooks: webhook.customHeaders: %w", err)
	}
	s.headers = headers
	s.d = newDispatcher(&s.o, s.st, s.log)
	m, err := newMetrics(o.Registry, s.d, s.hub)
	if err != nil {
		return nil, fmt.Errorf("register webhook metrics: %w", err)
	}
	s.m, s.d.m, s.hub.m = m, m, m
	return s, nil
}

// Start recovers the deliveries a previous run left pending and starts sending.
func (s *Service) Start(ctx context.Context) error { return s.d.start(ctx) }

// Stop stops sending, waiting for attempts in flight until ctx ends, and closes
// websocket streams. Pending rows stay in the outbox for the next start.
func (s *Service) Stop(ctx context.Context) {
	s.hub.close()
	s.d.stop(ctx)
}

// prepared is an event ready to be enqueued: its envelope and its outbox rows.
type prepared struct {
	Event      engines.Event
	Body       []byte
	Deliveries []store.Delivery
}

// Record runs change in one store transaction and writes the deliveries of the
// events it returns in the same one (sessions.Recorder), so a change and its
// events are committed together or not at all; then the dispatcher and the
// websocket clients get them. An error from change is returned as it is.
func (s *Service) Record(ctx context.Context, change func(tx chatstore.Store) ([]engines.Event, error)) error {
	return s.RecordFenced(ctx, "", 0, change)
}

// RecordFenced is Record for a session run holding its lease under token
// (sessions.FencedRecorder): the store refuses the transaction with
// sessions.ErrFenced when the lease has another token now, so a replica that lost
// a session writes neither the change nor its events.
func (s *Service) RecordFenced(ctx context.Context, session string, token int64, change func(tx chatstore.Store) ([]engines.Event, error)) error {
	var (
		ready     []prepared
		changeErr error
	)
	err := s.st.RecordFenced(ctx, session, token, func(tx chatstore.Store) ([]store.Delivery, error) {
		evs, err := change(tx)
		if err != nil {
			changeErr = err
			return nil, err
		}
		ready = make([]prepared, 0, len(evs))
		var ds []store.Delivery
		for _, ev := range evs {
			p, err := s.prepare(ev)
			if err != nil {
				return nil, err
			}
			ready = append(ready, p)
			ds = append(ds, p.Deliveries...)
		}
		return ds, nil
	})
	if err != nil {
		if changeErr == nil {
			for _, p := range ready {
				s.m.refused.WithLabelValues("store").Add(float64(len(p.Deliveries)))
			}
		}
		return err
	}
	for _, p := range ready {
		s.committed(p)
	}
	return nil
}

// prepare builds the envelope of ev and its outbox rows, one per matching webhook,
// without writing anything. Rows over the body or pending bounds are refused
// here, counted and logged.
func (s *Service) prepare(ev engines.Event) (prepared, error) {
	body, err := Envelope(ev, s.o.Environment)
	if err != nil {
		return prepared{}, err
	}
	p := prepared{Event: ev, Body: body}
	var hooks []engines.WebhookConfig
	if g := s.o.Global; g.URL != "" && (len(g.Events) == 0 || wants(g.Events, ev.Event)) {
		hooks = append(hooks, engines.WebhookConfig{URL: g.URL, Events: g.Events, HMAC: hmacOf(g.HMACKey), CustomHeaders: s.headers})
	}
	for _, w := range ev.Config.Webhooks {
		if wants(w.Events, ev.Event) {
			hooks = append(hooks, w)
		}
	}
	if len(hooks) == 0 {
		return p, nil
	}
	now := time.Now()
	perLane := map[laneKey]int{}
	for _, w := range hooks {
		key := laneKey{ev.Session, w.URL}
		if len(body) > s.o.MaxBodyBytes {
			s.refuse("body_too_large", ev, w.URL, fmt.Sprintf("the envelope is %d bytes, more than the limit of %d", len(body), s.o.MaxBodyBytes))
			continue
		}
		if n := s.d.pendingOf(key) + perLane[key]; n >= s.o.MaxPending {
			s.refuse("too_many_pending", ev, w.URL, fmt.Sprintf("%d deliveries to this webhook are pending, the limit is %d", n, s.o.MaxPending))
			continue
		}
		perLane[key]++
		d := store.Delivery{
			ID: s.ids.next(), EventID: ev.ID, Session: ev.Session, URL: w.URL, Event: ev.Event,
			Retries: s.retries(w.Retries), Headers: w.CustomHeaders, Body: body,
			Status: store.DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now,
		}
		if w.HMAC != nil {
			d.HMACKey = w.HMAC.Key
		}
		p.Deliveries = append(p.Deliveries, d)
	}
	return p, nil
}

// committed hands a prepared event whose rows are in the store to the dispatcher,
// and its envelope to websocket clients.
func (s *Service) committed(p prepared) {
	if len(p.Deliveries) > 0 {
		s.d.notify(p.Deliveries)
	}
	s.hub.publish(p.Event.Session, p.Event.Event, p.Body)
}

func (s *Service) refuse(reason string, ev engines.Event, webhook, why string) {
	s.m.refused.WithLabelValues(reason).Inc()
	s.log.Warn("webhook delivery refused", "reason", reason, "session", ev.Session, "event", ev.Event,
		"event_id", ev.ID, "webhook", redact(webhook), "detail", why)
}

// retries resolves a webhook's retry settings against the gateway's defaults, so
// the row keeps what will actually happen.
func (s *Service) retries(r *engines.RetriesConfig) engines.RetriesConfig {
	out := s.defRetr
	if r != nil {
		if r.Policy != "" {
			out.Policy = r.Policy
		}
		if r.DelaySeconds > 0 {
			out.DelaySeconds = r.DelaySeconds
		}
		if r.Attempts > 0 {
			out.Attempts = r.Attempts
		}
	}
	return out
}

// Deliveries lists outbox rows, newest first.
func (s *Service) Deliveries(ctx context.Context, f store.DeliveryFilter) ([]store.Delivery, error) {
	return s.st.ListDeliveries(ctx, f)
}

// Retry sends a delivery again, whatever its status: it becomes pending, due now,
// with a fresh attempt budget, behind what its webhook already has queued.
func (s *Service) Retry(ctx context.Context, id string) (store.Delivery, error) {
	d, wasPending, err := s.st.RequeueDelivery(ctx, id, time.Now())
	if err != nil {
		return store.Delivery{}, err
	}
	s.d.requeued(d, wasPending)
	d.Body = nil
	return d, nil
}

func wants(events []string, name string) bool {
	for _, e := range events {
		if e == "*" || e == name {
			return true
		}
	}
	return false
}

func hmacOf(key string) *engines.HMACConfig {
	if key == "" {
		return nil
	}
	return &engines.HMACConfig{Key: key}
}

// redact drops a URL's query and user info, which may carry credentials, for logs.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable url)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// idSource makes delivery ids that sort in the order they were made, which is the
// order a webhook receives its deliveries in.
type idSource struct {
	mu      sync.Mutex
	entropy *ulid.MonotonicEntropy
}

func (g *idSource) next() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	id := ulid.MustNew(ulid.Timestamp(time.Now()), g.entropy)
	return "dlv_" + strings.ToLower(id.String())
}

// idBefore is the smallest id of a delivery made at t: every id made earlier sorts
// below it.
func idBefore(t time.Time) string {
	var id ulid.ULID
	if err := id.SetTime(ulid.Timestamp(t)); err != nil {
		return "dlv_"
	}
	return "dlv_" + strings.ToLower(id.String())
}

// Package enginetest is the engine conformance suite: one set of scenarios, run
// through the HTTP API, against every engine. An engine provides a Harness (how to
// make its sessions and how to act as the phone and the contacts on the other side);
// Run drives a real gateway with it. Where the capability matrix marks an operation
// unsupported for the engine, the suite checks the API answers 501 instead: the
// matrix is what the suite proves.
package enginetest

import (
	"fmt"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/internal/wait"
	"github.com/wagate/wagate/sessions"
	"github.com/wagate/wagate/webhooks"

	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/dashboard"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/media"
	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/server/apidocs"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// APIKey is the key every test gateway accepts.
const APIKey = "enginetest-key-0123456789"

// GatewayOptions shape a test gateway; the zero value is a SQLite gateway with the
// embedded capability matrix and no engines.
type GatewayOptions struct {
	Dialect     store.Dialect
	Store       *store.Store // reuse a database (a restart); nil opens a fresh one
	Factories   map[engines.Name]sessions.Factory
	Matrix      *capabilities.Matrix
	APIKey      string // as configured: plain or sha512:<hex>
	BodyLimitMB int
	WorkingWait time.Duration
	Limits      server.Limits // the HTTP server's, for tests that serve on a real listener
	// Media is the gateway's media directory, shared with its engines (so the
	// files they save are the ones /api/files serves); nil: a new one
	// (NewMediaFiles). MediaClient fetches file URLs; nil: a plain client,
	// which reaches the tests' loopback servers.
	Media       *media.Files
	MediaClient *http.Client
	// Dashboard, when set, serves the web dashboard with these options (its
	// Secret is derived from the API key, as the binary does).
	Dashboard *dashboard.Options
	// Cluster, when set, makes the gateway a replica sharing Store (PostgreSQL)
	// with others; the test runs their lease rounds as it needs.
	Cluster *sessions.ClusterOptions
}

// MediaBaseURL is the public URL of test gateways: media.url starts with it.
const MediaBaseURL = "http://gateway.test"

// NewMediaFiles is a media directory for a test gateway and its engines, files
// up to MediaMaxBytes.
func NewMediaFiles(t testing.TB) *media.Files {
	t.Helper()
	f, err := media.NewFiles(media.Options{Dir: t.TempDir(), BaseURL: MediaBaseURL, Download: true, MaxBytes: MediaMaxBytes})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Gateway is a gateway under test: the real server, manager and store.
type Gateway struct {
	t       testing.TB
	events  *eventLog
	Handler http.Handler
	Server  *server.Server
	Manager *sessions.Manager
	Matrix  *capabilities.Matrix
	Store   *store.Store
	DataDir string // the gateway's data directory
	Media   *media.Files
	spec    *apidocs.Validator
	key     string
}

// NewGateway starts a gateway; it shuts down when the test ends.
func NewGateway(t testing.TB, o GatewayOptions) *Gateway {
	t.Helper()
	if o.Dialect == "" {
		o.Dialect = store.SQLite
	}
	st := o.Store
	if st == nil {
		st, _ = storetest.Open(t, o.Dialect)
	}
	cfg := configs.Default()
	cfg.Data.Dir = t.TempDir()
	cfg.Sessions.WorkingWait = 2 * time.Second
	if o.WorkingWait > 0 {
		cfg.Sessions.WorkingWait = o.WorkingWait
	}
	if o.BodyLimitMB > 0 {
		cfg.Server.BodyLimitMB = o.BodyLimitMB
	}
	if o.Media == nil {
		o.Media = NewMediaFiles(t)
	}
	if o.APIKey == "" {
		o.APIKey = APIKey
	}
	key, err := server.NewAPIKey(o.APIKey)
	if err != nil {
		t.Fatal(err)
	}
	if o.Matrix == nil {
		if o.Matrix, err = capabilities.Load(cfg.Capabilities.FeatureRequestURL); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("WAGATE_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	// The real outbox: every event is recorded as in production, then logged for
	// the test once committed.
	outbox, err := webhooks.New(webhooks.Options{Store: st, Version: "test", Log: log, Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	if err := outbox.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { outbox.Stop(context.Background()) })
	spec, err := apidocs.NewValidator()
	if err != nil {
		t.Fatalf("load spec: %v", err)
	}
	events := &eventLog{t: t, spec: spec, env: webhooks.NewEnvironment(cfg, "test", true), changed: make(chan struct{})}
	m := sessions.NewManager(st, o.Factories, loggingRecorder{outbox, events}, log, sessions.ManagerOptions{WorkingWait: cfg.Sessions.WorkingWait, Cluster: o.Cluster})
	if err := m.Boot(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown(context.Background()) })
	var dash *dashboard.Dashboard
	if o.Dashboard != nil {
		do := *o.Dashboard
		do.Secret, do.Matrix, do.Log = key.Derive(dashboard.SecretLabel), o.Matrix, log
		if dash, err = dashboard.New(do); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := server.New(server.Deps{
		Config: cfg, Manager: m, Matrix: o.Matrix, Store: st, Key: key, Log: log,
		Registry: prometheus.NewRegistry(), Version: "test", Events: outbox, Limits: o.Limits,
		Media: o.Media, MediaClient: o.MediaClient, Dashboard: dash,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &Gateway{t: t, events: events, Handler: srv.Handler(), Server: srv, Manager: m, Matrix: o.Matrix, Store: st, DataDir: cfg.Data.Dir, Media: o.Media, spec: spec, key: APIKey}
}

// loggingRecorder records through the outbox and logs what was committed.
type loggingRecorder struct {
	sessions.Recorder
	log *eventLog
}

func (r loggingRecorder) Record(ctx context.Context, change func(tx chatstore.Store) ([]engines.Event, error)) error {
	return r.logged(change, func(c func(chatstore.Store) ([]engines.Event, error)) error { return r.Recorder.Record(ctx, c) })
}

// RecordFenced is Record checked against the session's lease, for gateways that
// are replicas (GatewayOptions.Cluster).
func (r loggingRecorder) RecordFenced(ctx context.Context, session string, token int64, change func(tx chatstore.Store) ([]engines.Event, error)) error {
	return r.logged(change, func(c func(chatstore.Store) ([]engines.Event, error)) error {
		return r.Recorder.(sessions.FencedRecorder).RecordFenced(ctx, session, token, c)
	})
}

// logged runs change through record and logs its events once committed.
func (r loggingRecorder) logged(change func(chatstore.Store) ([]engines.Event, error), record func(func(chatstore.Store) ([]engines.Event, error)) error) error {
	var evs []engines.Event
	err := record(func(tx chatstore.Store) ([]engines.Event, error) {
		var err error
		evs, err = change(tx)
		return evs, err
	})
	if err == nil {
		for _, ev := range evs {
			r.log.add(ev)
		}
	}
	return err
}

// eventLog records every event the gateway's engines publish, payloads as JSON
// objects, so tests can assert them whatever Go type an engine emits. Every
// event's envelope, as webhooks and websocket clients get it, is checked against
// WAHA's schema for the event.
type eventLog struct {
	t       testing.TB
	spec    *apidocs.Validator
	env     webhooks.Environment
	mu      sync.Mutex
	events  []Event
	changed chan struct{}
}

// Event is a published event with its payload decoded from JSON.
type Event struct {
	Session, Name string
	Payload       map[string]any
}

func (l *eventLog) add(ev engines.Event) {
	if body, err := webhooks.Envelope(ev, l.env); err != nil {
		l.t.Errorf("%s event of session %s: %v", ev.Event, ev.Session, err)
	} else if err := l.spec.ValidateEvent(body); err != nil {
		l.t.Errorf("%s event of session %s does not match WAHA's schema: %v\nenvelope: %.1500s", ev.Event, ev.Session, err, body)
	}
	raw, _ := json.Marshal(ev.Payload)
	var payload map[string]any
	json.Unmarshal(raw, &payload)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, Event{Session: ev.Session, Name: ev.Event, Payload: payload})
	close(l.changed)
	l.changed = make(chan struct{})
}

// WaitEvent waits for an event of the session with the name whose payload
// satisfies match (nil matches any).
func (g *Gateway) WaitEvent(session, name string, match func(map[string]any) bool, within time.Duration) Event {
	g.t.Helper()
	timeout := time.After(within)
	for {
		g.events.mu.Lock()
		changed := g.events.changed
		for _, ev := range g.events.events {
			if ev.Session == session && ev.Name == name && (match == nil || match(ev.Payload)) {
				g.events.mu.Unlock()
				return ev
			}
		}
		var seen []string
		for _, ev := range g.events.events {
			if ev.Session == session {
				seen = append(seen, ev.Name)
			}
		}
		g.events.mu.Unlock()
		select {
		case <-changed:
		case <-timeout:
			g.t.Fatalf("no %s event of session %s came (it had: %v)", name, session, seen)
		}
	}
}

// CheckSchema fails the test unless v matches the spec's schema name (an event
// payload: WAMessage for message and message.any).
func (g *Gateway) CheckSchema(name string, v any) {
	g.t.Helper()
	if err := g.spec.ValidateSchema(name, v); err != nil {
		g.t.Errorf("does not match the OpenAPI spec: %v\nvalue: %.800v", err, v)
	}
}

// T is the test the gateway belongs to.
func (g *Gateway) T() testing.TB { return g.t }

// Response is what the gateway answered.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Err decodes and checks the error envelope.
func (r Response) Err(t testing.TB) map[string]any {
	t.Helper()
	var e map[string]any
	r.JSON(t, &e)
	code, _ := e["statusCode"].(float64)
	if int(code) != r.Status || e["error"] == "" || e["message"] == nil {
		t.Fatalf("not an error envelope for %d: %s", r.Status, r.Body)
	}
	return e
}

// Do sends a request with the API key and checks the response against the OpenAPI
// spec. body is JSON-encoded unless it is a string or []byte; headers are name,
// value pairs, and an empty value removes the header.
func (g *Gateway) Do(method, path string, body any, headers ...string) Response {
	g.t.Helper()
	req, res := g.send(method, path, body, headers)
	if err := g.spec.Validate(req, res.Status, res.Header, res.Body); err != nil {
		g.t.Errorf("%s %s → %d does not match the OpenAPI spec: %v\nbody: %.500s", method, path, res.Status, err, res.Body)
	}
	return res
}

// Raw is Do without the spec check, for paths the spec does not have.
func (g *Gateway) Raw(method, path string, body any, headers ...string) Response {
	_, res := g.send(method, path, body, headers)
	return res
}

func (g *Gateway) send(method, path string, body any, headers []string) (*http.Request, Response) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Api-Key", g.key)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	rec := httptest.NewRecorder()
	g.Handler.ServeHTTP(rec, req)
	return req, Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// Expect fails the test unless the response has the status.
func (g *Gateway) Expect(r Response, status int) Response {
	g.t.Helper()
	if r.Status != status {
		g.t.Fatalf("status %d, want %d: %.1000s", r.Status, status, r.Body)
	}
	return r
}

// Session is the part of SessionInfo tests look at.
type Session struct {
	Name          string                `json:"name"`
	Status        engines.Status        `json:"status"`
	Config        engines.SessionConfig `json:"config"`
	Me            *engines.MeInfo       `json:"me"`
	Engine        map[string]any        `json:"engine"`
	FailureReason *string               `json:"failureReason"`
}

// Session decodes a SessionInfo.
func (g *Gateway) Session(r Response) Session {
	g.t.Helper()
	var s Session
	r.JSON(g.t, &s)
	return s
}

// WaitStatus polls the session until it has the status.
func (g *Gateway) WaitStatus(name string, want engines.Status, within time.Duration) Session {
	g.t.Helper()
	var s Session
	wait.For(g.t, within, func() error {
		if s = g.Session(g.Expect(g.Do("GET", "/api/sessions/"+name, nil), 200)); s.Status != want {
			return fmt.Errorf("session %s is %s (failure %v), want %s", name, s.Status, s.FailureReason, want)
		}
		return nil
	})
	return s
}

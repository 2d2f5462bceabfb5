package server_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/server/apidocs"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

const testKey = "test-key-0123456789"

// api is a gateway under test: the real server, manager and store, with fake engines.
type api struct {
	t       *testing.T
	handler http.Handler
	srv     *server.Server
	key     string
	world   *fakeWorld
	manager *engines.Manager
	matrix  *capabilities.Matrix
	store   *store.Store
	spec    *apidocs.Validator
}

type apiOptions struct {
	configuredKey string
	store         *store.Store
	world         *fakeWorld
	bodyLimitMB   int
}

// allSupported is the embedded matrix with every engine supporting everything, so
// the fake engine is reachable on every route.
func allSupported(t *testing.T) *capabilities.Matrix {
	m, err := capabilities.Load("https://example.com/issues/new?labels=feature-request")
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range m.Operations() {
		for _, n := range engines.Names {
			m.Set(op.ID, n, capabilities.Supported)
		}
	}
	return m
}

var validator = func() func(t *testing.T) *apidocs.Validator {
	return func(t *testing.T) *apidocs.Validator {
		v, err := apidocs.NewValidator()
		if err != nil {
			t.Fatalf("load spec: %v", err)
		}
		return v
	}
}()

func newAPI(t *testing.T, d store.Dialect, o apiOptions) *api {
	t.Helper()
	st := o.store
	if st == nil {
		st, _ = storetest.Open(t, d)
	}
	if o.world == nil {
		o.world = &fakeWorld{}
	}
	cfg := configs.Default()
	cfg.Data.Dir = t.TempDir()
	cfg.Sessions.WorkingWait = 500 * time.Millisecond
	if o.bodyLimitMB > 0 {
		cfg.Server.BodyLimitMB = o.bodyLimitMB
	}
	if o.configuredKey == "" {
		o.configuredKey = testKey
	}
	key, err := server.NewAPIKey(o.configuredKey)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f := o.world.factory()
	m := engines.NewManager(st, map[engines.Name]engines.Factory{engines.WEBJS: f, engines.NOWEB: f}, nil, log,
		engines.ManagerOptions{WorkingWait: cfg.Sessions.WorkingWait})
	if err := m.Boot(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown(context.Background()) })
	matrix := allSupported(t)
	srv, err := server.New(server.Deps{
		Config: cfg, Manager: m, Matrix: matrix, Store: st, Key: key, Log: log,
		Registry: prometheus.NewRegistry(), Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	return &api{t: t, handler: srv.Handler(), srv: srv, key: testKey, world: o.world, manager: m, matrix: matrix, store: st, spec: validator(t)}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errorBody is the error envelope.
func (r response) err(t *testing.T) map[string]any {
	t.Helper()
	var e map[string]any
	r.json(t, &e)
	if int(e["statusCode"].(float64)) != r.status || e["error"] == "" || e["message"] == nil {
		t.Fatalf("not an error envelope for %d: %s", r.status, r.body)
	}
	return e
}

// do sends a request with the API key and checks the response against the OpenAPI spec.
func (a *api) do(method, path string, body any, headers ...string) response {
	a.t.Helper()
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
	req.Header.Set("X-Api-Key", a.key)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	// Unknown routes are not in the spec, so only their envelope is checked (by callers).
	if strings.HasPrefix(path, "/api/nothing/") {
		return res
	}
	if err := a.spec.Validate(req, res.status, res.header, res.body); err != nil {
		a.t.Errorf("%s %s → %d does not match the OpenAPI spec: %v\nbody: %.500s", method, path, res.status, err, res.body)
	}
	return res
}

func (a *api) expect(r response, status int) response {
	a.t.Helper()
	if r.status != status {
		a.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r
}

type sessionJSON struct {
	Name          string                `json:"name"`
	Status        engines.Status        `json:"status"`
	Config        engines.SessionConfig `json:"config"`
	Me            *engines.MeInfo       `json:"me"`
	Engine        map[string]any        `json:"engine"`
	FailureReason *string               `json:"failureReason"`
}

func (a *api) session(r response) sessionJSON {
	var s sessionJSON
	r.json(a.t, &s)
	return s
}

func (a *api) waitStatus(name string, want engines.Status) sessionJSON {
	a.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := a.session(a.expect(a.do("GET", "/api/sessions/"+name, nil), 200))
		if s.Status == want {
			return s
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("session %s is %s, want %s", name, s.Status, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func hashKey(k string) string {
	h := sha512.Sum512([]byte(k))
	return "sha512:" + hex.EncodeToString(h[:])
}

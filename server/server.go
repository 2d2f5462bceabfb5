// Package server is wagate's HTTP API: routes per resource, each bound to its
// operation id in the capability matrix, behind API-key auth, the capability gate,
// request ids, access logs, panic recovery and a body limit.
package server

import (
	"github.com/wagate/wagate/sessions"

	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/dashboard"
	"github.com/wagate/wagate/media"
	"github.com/wagate/wagate/netguard"
	"github.com/wagate/wagate/webhooks"
)

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps is what the server is built from.
type Deps struct {
	Config   configs.Config
	Manager  *sessions.Manager
	Matrix   *capabilities.Matrix
	Store    Pinger
	Key      *APIKey
	Log      *slog.Logger
	Registry *prometheus.Registry // metrics are registered here and served on /metrics
	Version  string
	Events   *webhooks.Service // webhook deliveries and the websocket stream; nil, those routes answer 503
	Guard    *netguard.Guard   // which webhook receivers sessions may name; nil, the config's (Config.Guard)
	Limits   Limits            // timeouts and connections per client; zero fields are DefaultLimits'
	// Media keeps the files sessions download and clients send (media.*); nil: a
	// directory under Config.Data.Dir with the configured limits.
	Media *media.Files
	// MediaClient fetches the files clients send by url. It is the one place where
	// the addresses a client may not make the gateway reach are refused (the wiring
	// in cmd/wagate builds it); nil: http.DefaultClient.
	MediaClient *http.Client
	// Dashboard is the web dashboard, served under /dashboard; its login also
	// opens the API to the browser (with its CSRF token). nil: no dashboard, and
	// / leads to the Swagger UI.
	Dashboard *dashboard.Dashboard
}

// Server is the HTTP API.
type Server struct {
	echo    *echo.Echo
	cfg     configs.Config
	manager *sessions.Manager
	matrix  *capabilities.Matrix
	store   Pinger
	key     *APIKey
	log     *slog.Logger
	metrics *metrics
	version string
	events  *webhooks.Service
	guard   *netguard.Guard
	limits  Limits
	media   *media.Files
	fetch   *http.Client
	started time.Time
	ops     map[string]string // "METHOD /route/:path" → operation id, written only by New
	dash    *dashboard.Dashboard
}

const (
	ctxOperation = "wagate.operation"
	ctxSession   = "wagate.session"
)

// New builds the server and its routes.
func New(d Deps) (*Server, error) {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	if d.Limits.ConnsPerClient == 0 {
		d.Limits.ConnsPerClient = d.Config.Server.ConnsPerClient
	}
	s := &Server{
		echo: e, cfg: d.Config, manager: d.Manager, matrix: d.Matrix, store: d.Store,
		key: d.Key, log: d.Log, version: d.Version, events: d.Events, started: time.Now(),
		ops: map[string]string{}, limits: d.Limits.withDefaults(), media: d.Media, fetch: d.MediaClient,
		dash: d.Dashboard,
	}
	if s.guard = d.Guard; s.guard == nil {
		g, err := d.Config.Guard()
		if err != nil {
			return nil, fmt.Errorf("webhook.allowedHosts: %w", err)
		}
		s.guard = g
	}
	if s.media == nil {
		files, err := media.NewFiles(media.Options{Dir: d.Config.MediaDir(), BaseURL: d.Config.PublicURL(),
			MaxBytes: int64(d.Config.Media.MaxBytes), Download: d.Config.Media.Download, Mimetypes: d.Config.Media.Mimetypes})
		if err != nil {
			return nil, err
		}
		s.media = files
	}
	if s.fetch == nil {
		s.fetch = MediaClient(s.guard)
	}
	m, err := newMetrics(d.Registry, d.Manager)
	if err != nil {
		return nil, fmt.Errorf("register metrics: %w", err)
	}
	s.metrics = m
	e.HTTPErrorHandler = s.errorHandler
	e.Use(
		s.operation,
		s.nameReplica,
		middleware.RequestID(),
		s.accessLog,
		middleware.RecoverWithConfig(middleware.RecoverConfig{
			LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
				s.log.Error("panic", "request_id", requestID(c), "err", err, "stack", string(stack))
				return err
			},
		}),
		// Authentication first: a client without the key gets its 401 before any
		// of its body is read, and a 413 tells it nothing.
		s.authenticate,
		s.checkQuery,
		// A file sent as base64 may be larger than other bodies: media.maxBytes.
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: fmt.Sprintf("%dM", d.Config.Server.BodyLimitMB), Skipper: carriesFile}),
		s.fileBodyLimit,
	)
	if err := s.routes(); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler is the server as an http.Handler, for tests and embedding.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// serveHTTP answers HEAD on every GET route as the GET, without the body (RFC
// 9110 9.3.2): same status and headers, which are what the spec declares for the
// GET. The router sees a GET; net/http keeps the HEAD.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		get := r.Clone(context.WithValue(r.Context(), headKey{}, true))
		get.Method = http.MethodGet
		s.echo.ServeHTTP(headWriter{w}, get)
		return
	}
	s.echo.ServeHTTP(w, r)
}

// headKey marks, in a request's context, a HEAD served as GET.
type headKey struct{}

// headWriter drops the body of an answer to HEAD.
type headWriter struct{ http.ResponseWriter }

func (w headWriter) Write(p []byte) (int, error) { return len(p), nil }

func (w headWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// method is the request's method as the client sent it.
func method(c echo.Context) string {
	if head, _ := c.Request().Context().Value(headKey{}).(bool); head {
		return http.MethodHead
	}
	return c.Request().Method
}

// Serve serves h (nil: the server's Handler; a caller may wrap it) on ln until
// ctx ends, then shuts down gracefully. Every phase of a request has a timeout,
// idle keep-alive connections are closed, and one client address holds at most
// Limits.ConnsPerClient connections.
func (s *Server) Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	if h == nil {
		h = s.Handler()
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.limits.ReadHeaderTimeout,
		ReadTimeout:       s.limits.ReadTimeout,
		WriteTimeout:      s.limits.WriteTimeout,
		IdleTimeout:       s.limits.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	ln = limitPerClient(ln, s.limits.ConnsPerClient, s.metrics.connRefused.Inc)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), s.cfg.Server.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shut down http server: %w", err)
	}
	return nil
}

// route binds a handler to the method and path of op; a session operation also
// gets the capability gate. Routes exist only through here, so every route has an
// operation id.
func (s *Server) route(op capabilities.Operation, h echo.HandlerFunc) {
	path := op.Path
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(path[i:], '}')
		path = path[:i] + ":" + path[i+1:i+j] + path[i+j+1:]
	}
	s.ops[op.Method+" "+path] = op.ID
	var mws []echo.MiddlewareFunc
	if op.Session {
		mws = append(mws, s.gate)
	}
	switch {
	case op.ID == "sessions.create" || strings.HasSuffix(op.ID, "Deprecated") && strings.HasPrefix(op.ID, "sessions."):
		mws = append(mws, s.placeNew)
	case !op.Session && strings.Contains(op.Path, "{session}"):
		// The gateway's own session operations (get, start, stop, me, files…)
		// are served by the replica that runs the session too.
		mws = append(mws, s.sessionRoute)
	}
	s.echo.Add(op.Method, path, h, mws...)
}

// operation names the request's operation (its route's id in the matrix) before
// any other middleware runs, so a refused request (401, 413) is logged and counted
// under it too.
func (s *Server) operation(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if id, ok := s.ops[c.Request().Method+" "+c.Path()]; ok {
			c.Set(ctxOperation, id)
		}
		return next(c)
	}
}

// Routes lists the method and path of every registered route, for tests.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.echo.Routes() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/dashboard"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/sessions"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/webhooks"
)

func serve(ctx context.Context, configPath string, stdout, stderr io.Writer) error {
	cfg, err := configs.Load(configPath, os.LookupEnv)
	if err != nil {
		return err
	}
	return runGateway(ctx, cfg, stdout, stderr, gatewayHooks{})
}

// gatewayHooks let the sandbox change the gateway it runs; all are optional.
type gatewayHooks struct {
	// engines adjusts the engines the gateway runs.
	engines func(map[engines.Name]sessions.Factory)
	// handler wraps the HTTP API; key is the gateway's API key.
	handler func(h http.Handler, key *server.APIKey) http.Handler
	// banner prints more after the gateway's banner.
	banner func(io.Writer)
	// started runs once the gateway serves (the sandbox pairs sessions from it).
	started func(context.Context, *sessions.Manager)
}

// runGateway runs the gateway until ctx ends.
func runGateway(ctx context.Context, cfg configs.Config, stdout, stderr io.Writer, hooks gatewayHooks) error {
	log := newLogger(cfg.Log.Level, cfg.Log.Format, stderr)
	defaultMemoryLimit(log)
	if addr := os.Getenv("WAGATE_DEBUG_PPROF"); addr != "" {
		if err := servePprof(ctx, addr, log); err != nil {
			return err
		}
	}

	if err := checkDataDir(cfg.Data.Dir); err != nil {
		return err
	}
	// The port first: a busy one stops start-up before anything else is touched.
	ln, err := listen(cfg)
	if err != nil {
		return err
	}
	defer ln.Close()

	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()

	matrix, err := capabilities.Load(cfg.Capabilities.FeatureRequestURL)
	if err != nil {
		return err
	}
	key, plainKey, generated, err := server.LoadOrGenerateKey(cfg.Server.APIKey, cfg.Data.Dir)
	if err != nil {
		return err
	}

	files, err := mediaFiles(cfg, log)
	if err != nil {
		return err
	}
	go files.Run(ctx)
	factories, err := engineFactories(ctx, cfg, st, files, log)
	if err != nil {
		return err
	}
	if hooks.engines != nil {
		hooks.engines(factories)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	// Events go to the webhook outbox and the websocket stream. The dispatcher starts
	// before the sessions, so what a previous run left pending goes out first.
	_, webjs := factories[engines.WEBJS]
	guard, err := cfg.Guard()
	if err != nil {
		return err
	}
	clusterOpts, err := clusterOptions(ctx, cfg, st, ln.Addr().(*net.TCPAddr).Port, log.With("component", "cluster"))
	if err != nil {
		return err
	}
	// With leases each replica sends its own sessions' webhooks.
	replica := ""
	if clusterOpts != nil {
		replica = clusterOpts.Replica.ID
	}
	events, err := webhooks.New(webhooks.Options{
		Store: st, Global: cfg.Webhook, Environment: webhooks.NewEnvironment(cfg, version(), webjs),
		Version: version(), Registry: reg, Log: log.With("component", "webhooks"), Guard: guard,
		Replica: replica,
	})
	if err != nil {
		return fmt.Errorf("build webhooks: %w", err)
	}
	if err := events.Start(ctx); err != nil {
		return err
	}
	manager := sessions.NewManager(st, factories, events, log, sessions.ManagerOptions{WorkingWait: cfg.Sessions.WorkingWait, Cluster: clusterOpts})

	dash, login, err := buildDashboard(cfg, key, matrix, factories, log)
	if err != nil {
		return err
	}
	srv, err := server.New(server.Deps{
		Config: cfg, Manager: manager, Matrix: matrix, Store: st, Key: key, Log: log,
		Registry: reg, Version: version(), Events: events, Guard: guard,
		Media: files, MediaClient: server.MediaClient(guard), Dashboard: dash,
	})
	if err != nil {
		return fmt.Errorf("build server: %w", err)
	}
	if err := manager.Boot(ctx, cfg.Sessions.RestartAll); err != nil {
		return err
	}
	checkFDLimit(log, len(manager.Snapshot()))
	leasesDone := make(chan struct{})
	if manager.Clustered() {
		go func() { defer close(leasesDone); manager.RunCluster(ctx) }()
	} else {
		close(leasesDone)
	}
	defer func() {
		shutCtx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout)
		defer cancel()
		// No lease round may take a session while they are handed back.
		<-leasesDone
		// Sessions first: their last status events still reach the outbox, and
		// whatever is not sent by the deadline stays there for the next start.
		manager.Shutdown(shutCtx)
		events.Stop(shutCtx)
		log.Info("stopped")
	}()

	var h http.Handler = srv.Handler()
	if hooks.handler != nil {
		h = hooks.handler(h, key)
	}
	if hooks.started != nil {
		go hooks.started(ctx, manager)
	}
	// The listener is bound, so "is up" is true from here: connections wait in its
	// backlog for the server below.
	// As configured: Go shows a listener on 0.0.0.0 as [::].
	bound := net.JoinHostPort(cfg.Server.Host, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	printBanner(stdout, cfg, bound, st.Dialect(), plainKey, generated, login)
	if hooks.banner != nil {
		hooks.banner(stdout)
	}
	log.Info("listening", "addr", bound)
	return srv.Serve(ctx, ln, h)
}

// listen binds the API's port; a busy one is one line that says what to do.
func listen(cfg configs.Config) (net.Listener, error) {
	addr := net.JoinHostPort(cfg.Server.Host, strconv.Itoa(cfg.Server.Port))
	ln, err := net.Listen("tcp", addr)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("port %d on %s is already in use (another wagate?): stop that program or choose another port with server.port (WAGATE_SERVER_PORT or WHATSAPP_API_PORT)", cfg.Server.Port, cfg.Server.Host)
	case errors.Is(err, syscall.EACCES):
		return nil, fmt.Errorf("port %d on %s: permission denied (ports below 1024 need privileges): choose another with server.port (WAGATE_SERVER_PORT or WHATSAPP_API_PORT)", cfg.Server.Port, cfg.Server.Host)
	case err != nil:
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// checkDataDir makes sure the data dir exists and this process can write in it,
// and says whose it is when not (a bind mount owned by root, say).
func checkDataDir(dir string) error {
	abs, _ := filepath.Abs(dir)
	who := fmt.Sprintf("uid %d (gid %d)", os.Getuid(), os.Getgid())
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data dir %s cannot be created by %s: %v; create it, or set data.dir (WAGATE_DATA_DIR)", abs, who, errors.Unwrap(err))
	}
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		whose := ""
		if fi, serr := os.Stat(dir); serr == nil {
			whose = ": it is " + fi.Mode().String()
			if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
				whose += fmt.Sprintf(", owned by %d:%d", sys.Uid, sys.Gid)
			}
		}
		return fmt.Errorf("data dir %s is not writable by %s%s; chown it to %d:%d, or mount a volume there", abs, who, whose, os.Getuid(), os.Getgid())
	}
	f.Close()
	return os.Remove(f.Name())
}

// openStore opens the database. A PostgreSQL that does not answer yet (a
// container starting beside ours) is tried again, counting down in the log,
// until store.connectTimeout.
func openStore(ctx context.Context, cfg configs.Config, log *slog.Logger) (*store.Store, error) {
	retry := cfg.Store.DSN != "" && !strings.HasPrefix(cfg.Store.DSN, "sqlite://")
	host := dsnHost(cfg.Store.DSN)
	deadline := time.Now().Add(cfg.Store.ConnectTimeout)
	for {
		st, err := store.Open(ctx, cfg.Store.DSN, cfg.Data.Dir, log)
		if err == nil {
			return st, nil
		}
		if !retry {
			return nil, fmt.Errorf("open store: %w", err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, fmt.Errorf("database at %s did not answer within %s (store.connectTimeout): %v", host, cfg.Store.ConnectTimeout, err)
		}
		wait := min(2*time.Second, left)
		log.Warn(fmt.Sprintf("database at %s not answering yet; trying again, giving up in %ds", host, int(left.Round(time.Second).Seconds())), "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// dsnHost is the host:port a DSN names, never its credentials.
func dsnHost(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Host != "" {
		return u.Host
	}
	host, port := "", ""
	for _, kv := range strings.Fields(dsn) {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "host":
			host = v
		case "port":
			port = v
		}
	}
	if host == "" {
		return "(no host in the DSN)"
	}
	if port != "" {
		return net.JoinHostPort(host, port)
	}
	return host
}

// printBanner tells a new user where everything is. A generated key is shown this
// once; after that it stays in the data dir.
func printBanner(w io.Writer, cfg configs.Config, bound string, dialect store.Dialect, plainKey string, generated bool, login dashboardLogin) {
	base := cfg.PublicURL()
	data, _ := filepath.Abs(cfg.Data.Dir)
	keyFile := filepath.Join(data, server.KeyFile)
	fmt.Fprintf(w, "\nwagate %s is up, listening on %s\n", version(), bound)
	if cfg.Dashboard.Enabled {
		fmt.Fprintf(w, "  Dashboard:   %s/dashboard\n", base)
		switch {
		case login.generated:
			fmt.Fprintf(w, "               user %s, password %s\n               (generated now and kept in %s)\n",
				cfg.Dashboard.Username, login.password, filepath.Join(data, dashboard.PasswordFile))
		case cfg.Dashboard.Password == "":
			fmt.Fprintf(w, "               user %s, password kept in %s\n", cfg.Dashboard.Username, filepath.Join(data, dashboard.PasswordFile))
		default:
			fmt.Fprintf(w, "               user %s, the password configured (dashboard.password / WAHA_DASHBOARD_PASSWORD)\n", cfg.Dashboard.Username)
		}
	}
	fmt.Fprintf(w, "  API:         %s/api\n", base)
	switch {
	case generated:
		fmt.Fprintf(w, "  Swagger UI:  %s/swagger?x-api-key=%s\n", base, url.QueryEscape(plainKey))
	default:
		fmt.Fprintf(w, "  Swagger UI:  %s/swagger?x-api-key=YOUR_KEY\n", base)
	}
	fmt.Fprintf(w, "  OpenAPI:     %s/api/openapi.json\n", base)
	if dialect == store.SQLite && cfg.Store.DSN == "" {
		fmt.Fprintf(w, "  Data:        %s (SQLite %s)\n", data, filepath.Join(data, "wagate.db"))
	} else {
		fmt.Fprintf(w, "  Data:        %s, database: %s\n", data, dialect)
	}
	switch {
	case generated:
		fmt.Fprintf(w, "  API key:     %s\n               generated now and kept in %s; send it as X-Api-Key\n", plainKey, keyFile)
	case plainKey != "":
		fmt.Fprintf(w, "  API key:     kept in %s; send it as X-Api-Key\n", keyFile)
	default:
		fmt.Fprintf(w, "  API key:     the one configured (server.apiKey / WAHA_API_KEY); send it as X-Api-Key\n")
	}
	fmt.Fprintf(w, "  Engine:      %s by default\n", cfg.Engines.Default)
	if sn := cfg.Engines.NOWEB.Simnet.Addr; sn != "" {
		fmt.Fprintf(w, "  !! NOWEB is on the SIMULATED network at %s, not on WhatsApp\n", sn)
	}
	fmt.Fprintln(w)
}

func printCapabilities(configPath string, w io.Writer) error {
	cfg, err := configs.Load(configPath, os.LookupEnv)
	if err != nil {
		return err
	}
	m, err := capabilities.Load(cfg.Capabilities.FeatureRequestURL)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, m.Markdown())
	return err
}

// healthcheck is `wagate healthcheck`: GET /health of the gateway the same
// configuration describes, on loopback when it listens on every address.
func healthcheck(ctx context.Context, cfg configs.Config, timeout time.Duration, stdout io.Writer) error {
	host := cfg.Server.Host
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	u := "http://" + net.JoinHostPort(host, strconv.Itoa(cfg.Server.Port)) + "/health"
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck %s: %w", u, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck %s: %s %s", u, res.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprintf(stdout, "%s\n", strings.TrimSpace(string(body)))
	return nil
}

// dashboardLogin is the dashboard's password as the banner shows it: only when
// it was generated at this start.
type dashboardLogin struct {
	password  string
	generated bool
}

// buildDashboard makes the dashboard, unless dashboard.enabled is false, with
// the engines this gateway runs; a password not configured is generated once
// and kept in the data dir.
func buildDashboard(cfg configs.Config, key *server.APIKey, matrix *capabilities.Matrix, factories map[engines.Name]sessions.Factory, log *slog.Logger) (*dashboard.Dashboard, dashboardLogin, error) {
	if !cfg.Dashboard.Enabled {
		return nil, dashboardLogin{}, nil
	}
	password, generated, err := dashboard.LoadOrGeneratePassword(cfg.Dashboard.Password, cfg.Data.Dir)
	if err != nil {
		return nil, dashboardLogin{}, err
	}
	var names []engines.Name
	for _, n := range engines.Names {
		if _, ok := factories[n]; ok {
			names = append(names, n)
		}
	}
	def := cfg.Engines.Default
	if _, ok := factories[def]; !ok && len(names) > 0 {
		def = names[0]
	}
	d, err := dashboard.New(dashboard.Options{
		Username: cfg.Dashboard.Username, Password: password, Secret: key.Derive(dashboard.SecretLabel),
		TTL: cfg.Dashboard.SessionTTL, Version: version(), Matrix: matrix, Engines: names, Default: def,
		Log: log.With("component", "dashboard"), PublicURL: cfg.PublicURL(),
	})
	if err != nil {
		return nil, dashboardLogin{}, err
	}
	login := dashboardLogin{generated: generated}
	if generated {
		login.password = password
	}
	return d, login, nil
}

package main

import (
	"github.com/wagate/wagate/sessions"

	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/webhooks"
)

func serve(ctx context.Context, configPath string, stdout, stderr io.Writer) error {
	cfg, err := configs.Load(configPath, os.LookupEnv)
	if err != nil {
		return err
	}
	return runGateway(ctx, cfg, stdout, stderr, nil)
}

// runGateway runs the gateway until ctx ends. started, when set, is called once the
// sessions are loaded (the sandbox pairs sessions through it).
func runGateway(ctx context.Context, cfg configs.Config, stdout, stderr io.Writer, started func(context.Context, *sessions.Manager)) error {
	log := newLogger(cfg.Log.Level, cfg.Log.Format, stderr)

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

	factories, err := engineFactories(ctx, cfg, st, log)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	// Events go to the webhook outbox and the websocket stream. The dispatcher starts
	// before the sessions, so what a previous run left pending goes out first.
	_, webjs := factories[engines.WEBJS]
	events, err := webhooks.New(webhooks.Options{
		Store: st, Global: cfg.Webhook, Environment: webhooks.NewEnvironment(cfg, version(), webjs),
		Version: version(), Registry: reg, Log: log.With("component", "webhooks"),
	})
	if err != nil {
		return fmt.Errorf("build webhooks: %w", err)
	}
	if err := events.Start(ctx); err != nil {
		return err
	}
	manager := sessions.NewManager(st, factories, events, log, sessions.ManagerOptions{WorkingWait: cfg.Sessions.WorkingWait})

	srv, err := server.New(server.Deps{
		Config: cfg, Manager: manager, Matrix: matrix, Store: st, Key: key, Log: log,
		Registry: reg, Version: version(), Events: events,
	})
	if err != nil {
		return fmt.Errorf("build server: %w", err)
	}
	if err := manager.Boot(ctx, cfg.Sessions.RestartAll); err != nil {
		return err
	}
	defer func() {
		shutCtx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout)
		defer cancel()
		// Sessions first: their last status events still reach the outbox, and
		// whatever is not sent by the deadline stays there for the next start.
		manager.Shutdown(shutCtx)
		events.Stop(shutCtx)
		log.Info("stopped")
	}()

	if started != nil {
		go started(ctx, manager)
	}
	printBanner(stdout, cfg, st.Dialect(), plainKey, generated)
	addr := fmt.Sprintf("%s:%d", cfg.Server.Host, cfg.Server.Port)
	log.Info("listening", "addr", addr)
	return srv.Serve(ctx, addr)
}

// openStore opens the database, waiting up to a minute for one that is still
// starting (a PostgreSQL container next to ours).
func openStore(ctx context.Context, cfg configs.Config, log *slog.Logger) (*store.Store, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		st, err := store.Open(ctx, cfg.Store.DSN, cfg.Data.Dir, log)
		if err == nil {
			return st, nil
		}
		if time.Now().After(deadline) || cfg.Store.DSN == "" {
			return nil, fmt.Errorf("open store: %w", err)
		}
		log.Warn("database not ready, retrying", "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// printBanner tells a new user where everything is. A generated key is shown this
// once; after that it stays in the data dir.
func printBanner(w io.Writer, cfg configs.Config, dialect store.Dialect, plainKey string, generated bool) {
	base := cfg.PublicURL()
	data, _ := filepath.Abs(cfg.Data.Dir)
	fmt.Fprintf(w, "\nwagate %s is up\n", version())
	fmt.Fprintf(w, "  API:         %s/api\n", base)
	fmt.Fprintf(w, "  Swagger UI:  %s/swagger  (add ?x-api-key=YOUR_KEY)\n", base)
	fmt.Fprintf(w, "  OpenAPI:     %s/api/openapi.json\n", base)
	if dialect == store.SQLite && cfg.Store.DSN == "" {
		fmt.Fprintf(w, "  Data:        %s (SQLite %s)\n", data, filepath.Join(data, "wagate.db"))
	} else {
		fmt.Fprintf(w, "  Data:        %s, database: %s\n", data, dialect)
	}
	switch {
	case generated:
		fmt.Fprintf(w, "  API key:     %s\n               generated now and kept in %s; send it as X-Api-Key\n", plainKey, filepath.Join(data, server.KeyFile))
	case plainKey != "":
		fmt.Fprintf(w, "  API key:     kept in %s; send it as X-Api-Key\n", filepath.Join(data, server.KeyFile))
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

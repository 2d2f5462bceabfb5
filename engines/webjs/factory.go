package webjs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/media"
	"github.com/wagate/wagate/sessions"
)

// Options configure the WEBJS engine factory.
type Options struct {
	BrowserPath string // Chromium [DefaultBrowserPath]
	URL         string // WhatsApp Web, or a fakeweb server in tests [DefaultURL]
	// DataDir is the gateway's data dir: each session's Chromium profile is
	// DataDir/webjs/<session> (WhatsApp Web keeps its keys there, so a
	// paired session survives a restart).
	DataDir string
	// Media keeps the files sessions download (media.url points there) and
	// send; nil: media is neither downloaded nor kept.
	Media *media.Files
	// CallTimeout bounds each page operation [DefaultCallTimeout].
	CallTimeout time.Duration
	// SingleProcess trades crash isolation for less memory (see Config).
	SingleProcess bool
	// NoSandbox runs Chromium without its sandbox, where the system forbids it
	// (a non-root user under Docker's default seccomp profile).
	NoSandbox bool
	// ExtraFlags are added to Chromium's command line, or override ours (see
	// Config.ExtraFlags).
	ExtraFlags map[string]any
	Log        *slog.Logger
}

// Factory makes WEBJS engines: one Chromium per session.
type Factory struct {
	opts   Options
	log    *slog.Logger
	launch launcher // Launch, or a fake page in unit tests
}

// launcher starts one session's page.
type launcher func(ctx context.Context, cfg Config) (browserPage, error)

func launchDriver(ctx context.Context, cfg Config) (browserPage, error) {
	d, err := Launch(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return d, nil
}

var _ sessions.Factory = (*Factory)(nil)

// NewFactory checks the options; nothing starts until a session does.
func NewFactory(_ context.Context, opts Options) (*Factory, error) {
	if opts.DataDir == "" {
		return nil, errors.New("webjs: Options.DataDir is empty")
	}
	if opts.BrowserPath == "" {
		opts.BrowserPath = DefaultBrowserPath
	}
	if opts.URL == "" {
		opts.URL = DefaultURL
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Factory{opts: opts, log: log.With("engine", engines.WEBJS), launch: launchDriver}, nil
}

// New makes the engine of one session; the browser starts with Start.
func (f *Factory) New(_ context.Context, spec sessions.Spec, host sessions.Host) (engines.Engine, error) {
	if err := engines.ValidateSessionName(spec.Name); err != nil {
		// The name becomes a directory: never let it climb out of DataDir.
		return nil, fmt.Errorf("webjs: %w", err)
	}
	return &Engine{
		f:       f,
		name:    spec.Name,
		host:    host,
		log:     f.log.With("session", spec.Name),
		profile: filepath.Join(f.opts.DataDir, "webjs", spec.Name),
	}, nil
}

// config is the driver config of a session.
func (f *Factory) config(e *Engine) Config {
	flags := maps.Clone(f.opts.ExtraFlags)
	if f.opts.NoSandbox {
		if flags == nil {
			flags = map[string]any{}
		}
		flags["no-sandbox"] = true
	}
	return Config{
		ProfileDir:    e.profile,
		BrowserPath:   f.opts.BrowserPath,
		URL:           f.opts.URL,
		CallTimeout:   f.opts.CallTimeout,
		SingleProcess: f.opts.SingleProcess,
		ExtraFlags:    flags,
		Logger:        e.log,
	}
}

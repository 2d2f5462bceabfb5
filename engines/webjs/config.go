package webjs

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// Defaults of Config.
const (
	DefaultBrowserPath  = "/usr/bin/chromium"
	DefaultURL          = "https://web.whatsapp.com/"
	DefaultCallTimeout  = 30 * time.Second
	DefaultStartTimeout = 60 * time.Second
	// DefaultUserAgent is a desktop Chrome: WhatsApp Web refuses headless
	// user agents.
	DefaultUserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
)

// Config configures one session's browser.
type Config struct {
	// ProfileDir is Chromium's user data dir for this session; WhatsApp
	// Web keeps its keys there, so reusing it keeps the session paired.
	ProfileDir  string
	BrowserPath string // [DefaultBrowserPath]
	URL         string // WhatsApp Web, or a fakeweb server in tests [DefaultURL]
	UserAgent   string // [DefaultUserAgent]
	// CallTimeout bounds each operation, so a stuck page errors instead of
	// hanging the request. A shorter caller deadline wins. [30s]
	CallTimeout time.Duration
	// StartTimeout bounds launching Chromium and loading the page. [60s]
	StartTimeout time.Duration
	// LoadTimeout bounds how long the page may take to show WhatsApp Web's
	// module loader (window.Debug.VERSION); past it the script reports
	// EventFailed and the status goes FAILED. [60s]
	LoadTimeout time.Duration
	// PairingCodeInterval is how often a requested pairing code is renewed
	// while unpaired; each new one is an EventCode. [180s, as WA expires them]
	PairingCodeInterval time.Duration
	// EventBuffer is the capacity of the Events channel. [1024]
	EventBuffer int
	// SingleProcess runs Chromium as one process (single-process,
	// no-zygote): about 20% less memory per session, but a renderer crash
	// takes the whole browser down (reported as ErrBrowserExited).
	SingleProcess bool
	// ExtraFlags are added to (or override) Chromium's command-line flags;
	// values are strings, or bools for switches without a value.
	ExtraFlags map[string]any
	Logger     *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.ProfileDir == "" {
		return c, errors.New("webjs: config: ProfileDir is required")
	}
	if c.BrowserPath == "" {
		c.BrowserPath = DefaultBrowserPath
	}
	if _, err := os.Stat(c.BrowserPath); err != nil {
		return c, &LaunchError{Reason: "browser not found at " + c.BrowserPath +
			": set engines.webjs.browserPath (WAGATE_ENGINES_WEBJS_BROWSER_PATH) to Chromium, or install it (Debian: apt-get install chromium); the NOWEB-only image has none"}
	}
	for k, v := range c.ExtraFlags {
		switch v.(type) {
		case string, bool:
		default:
			return c, fmt.Errorf("webjs: config: flag %q: value must be a string or a bool, not %T", k, v)
		}
	}
	if c.URL == "" {
		c.URL = DefaultURL
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.CallTimeout <= 0 {
		c.CallTimeout = DefaultCallTimeout
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = DefaultStartTimeout
	}
	if c.LoadTimeout <= 0 {
		c.LoadTimeout = 60 * time.Second
	}
	if c.PairingCodeInterval <= 0 {
		c.PairingCodeInterval = 180 * time.Second
	}
	if c.EventBuffer <= 0 {
		c.EventBuffer = 1024
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// flag is one Chromium command-line switch.
type flag struct {
	name  string
	value any
}

// serverFlags are Chromium's flags for a long-running headless server
// session, on top of chromedp's defaults (headless, no first run, no
// background networking, no sync, disable-dev-shm-usage, …). A slice keeps
// the command line stable from run to run.
func serverFlags() []flag {
	return []flag{
		{"disable-gpu", true},
		{"disable-software-rasterizer", true},
		{"disable-component-update", true},
		{"disable-domain-reliability", true},
		{"disable-features", "Translate,BlinkGenPropertyTrees,MediaRouter,OptimizationHints"},
		{"disable-blink-features", "AutomationControlled"},
		{"mute-audio", true},
		{"no-pings", true},
		{"disk-cache-size", "8388608"},
		{"media-cache-size", "1048576"},
		{"js-flags", "--max-old-space-size=512"},
		{"window-size", "1280,800"},
		{"hide-scrollbars", true},
	}
}

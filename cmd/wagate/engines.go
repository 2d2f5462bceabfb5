package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"

	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/noweb"
	"github.com/wagate/wagate/engines/noweb/simnet"
	"github.com/wagate/wagate/engines/webjs"
	"github.com/wagate/wagate/media"
	"github.com/wagate/wagate/sessions"
	"github.com/wagate/wagate/store"
	"go.mau.fi/whatsmeow"
)

// engineFactories are the engines this build runs. An engine missing here leaves its
// sessions FAILED with a reason that says so.
func engineFactories(ctx context.Context, cfg configs.Config, st *store.Store, files *media.Files, log *slog.Logger) (map[engines.Name]sessions.Factory, error) {
	guard, err := cfg.Guard()
	if err != nil {
		return nil, err
	}
	opts := noweb.Options{
		DB: st.SQL(), Devices: st.NOWEBDevices(), Dialect: string(st.Dialect()), Log: log, Guard: guard,
		PrintQR: cfg.Engines.NOWEB.PrintQR, PrintQRSessions: cfg.Engines.NOWEB.PrintQRSessions, StoreEnabled: cfg.Engines.NOWEB.StoreEnabled, FullSync: cfg.Engines.NOWEB.FullSync,
		Chats: st.ChatStore(),
		Media: files,
	}
	if sn := cfg.Engines.NOWEB.Simnet; sn.Addr != "" {
		// Validated by configs: 32 bytes of hex.
		raw, _ := hex.DecodeString(sn.RootPublicKey)
		var root [32]byte
		copy(root[:], raw)
		log.Warn("DEVELOPMENT MODE: NOWEB sessions connect to the simulated WhatsApp network at "+sn.Addr+
			", not to WhatsApp; this process trusts the simnet's root key and cannot reach the real WhatsApp",
			"simnet", sn.Addr)
		simnet.TrustRootKeyForProcess(root, log)
		// One HTTP client for every session: connections are shared, and none is
		// left behind by a deleted session.
		h := simnet.HTTPClient(sn.Addr)
		opts.ConfigureClient = func(cli *whatsmeow.Client) {
			cli.SetWebsocketHTTPClient(h)
			cli.SetPreLoginHTTPClient(h)
			cli.SetMediaHTTPClient(h)
		}
	}
	nw, err := noweb.NewFactory(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("start NOWEB engine: %w", err)
	}
	// WEBJS starts nothing here: each session launches its own Chromium.
	wj, err := webjs.NewFactory(ctx, webjs.Options{
		BrowserPath: cfg.Engines.WEBJS.BrowserPath, URL: cfg.Engines.WEBJS.URL,
		DataDir: cfg.Data.Dir, Media: files, Log: log,
		NoSandbox: !cfg.Engines.WEBJS.Sandbox, ExtraFlags: cfg.Engines.WEBJS.ChromiumFlags.Map(),
	})
	if err != nil {
		return nil, fmt.Errorf("start WEBJS engine: %w", err)
	}
	return map[engines.Name]sessions.Factory{engines.WEBJS: wj, engines.NOWEB: nw}, nil
}

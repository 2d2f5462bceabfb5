package main

import (
	"github.com/wagate/wagate/sessions"

	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/noweb/simnet"
)

// runSandbox is `wagate sandbox`: the gateway with NOWEB sessions on an embedded
// simulated network. Every session that shows a QR code is paired by a simulated
// phone of its own, so the whole API can be tried without a phone. Nothing is kept
// between runs.
func runSandbox(ctx context.Context, cfg configs.Config, stdout, stderr io.Writer) error {
	log := newLogger(cfg.Log.Level, cfg.Log.Format, stderr)
	dir, err := os.MkdirTemp("", "wagate-sandbox-")
	if err != nil {
		return fmt.Errorf("create sandbox dir: %w", err)
	}
	defer os.RemoveAll(dir)
	srv, err := startSimnet(ctx, "127.0.0.1:0", dir, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	pub := srv.RootPublicKey()
	cfg.Data.Dir = dir
	cfg.Store.DSN = ""
	cfg.Engines.Default = engines.NOWEB
	cfg.Engines.NOWEB.Simnet = configs.Simnet{Addr: srv.Addr(), RootPublicKey: hex.EncodeToString(pub[:])}

	fmt.Fprintf(stdout, "\nwagate sandbox: a simulated WhatsApp network, nothing reaches WhatsApp and nothing is kept.\n")
	fmt.Fprintf(stdout, "  Create a session; a simulated phone scans its QR code within a second.\n")
	fmt.Fprintf(stdout, "  Contacts to write to: ")
	for i, c := range sandboxContacts {
		if i > 0 {
			fmt.Fprint(stdout, ", ")
		}
		fmt.Fprintf(stdout, "%s %s@c.us", c.name, c.phone)
	}
	fmt.Fprintf(stdout, " (Echo Bot answers)\n  Simnet control API: http://%s/simnet/api/accounts\n", srv.Addr())
	return runGateway(ctx, cfg, stdout, stderr, func(ctx context.Context, m *sessions.Manager) {
		pairSandboxSessions(ctx, m, srv, log)
	})
}

// pairSandboxSessions scans the QR code of every session waiting for one, each with
// a simulated phone whose number is derived from the session's name.
func pairSandboxSessions(ctx context.Context, m *sessions.Manager, srv *simnet.Server, log *slog.Logger) {
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, s := range m.Snapshot() {
			if s.Status != engines.StatusScanQRCode || s.Engine != engines.NOWEB {
				continue
			}
			if err := pairSandboxSession(ctx, m, srv, s.Name); err != nil {
				log.Warn("sandbox: pair session", "session", s.Name, "err", err)
				continue
			}
			log.Info("sandbox: a simulated phone scanned the QR code", "session", s.Name, "phone", sandboxPhone(s.Name))
		}
	}
}

func pairSandboxSession(ctx context.Context, m *sessions.Manager, srv *simnet.Server, session string) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	e, _, err := m.Await(ctx, session, engines.StatusScanQRCode)
	if err != nil {
		return err
	}
	qr, err := e.QR(ctx)
	if err != nil {
		return fmt.Errorf("read QR: %w", err)
	}
	phone := sandboxPhone(session)
	if _, err := srv.CreateAccount(ctx, phone, "Sandbox "+session); err != nil && !errors.Is(err, simnet.ErrAccountExists) {
		return fmt.Errorf("create phone %s: %w", phone, err)
	}
	if _, err := srv.ScanQR(ctx, phone, qr.Value); err != nil {
		return fmt.Errorf("scan QR with %s: %w", phone, err)
	}
	return nil
}

// sandboxPhone is the simulated number of a session's account: stable per name.
func sandboxPhone(session string) string {
	h := sha256.Sum256([]byte(session))
	n := uint64(h[0])<<16 | uint64(h[1])<<8 | uint64(h[2])
	return fmt.Sprintf("1555%07d", n%10_000_000)
}

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/dashboard"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/noweb/simnet"
	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/sessions"
)

// sandboxFlags are `wagate sandbox`'s flags.
type sandboxFlags struct {
	listen        string // the gateway's host:port; empty: the configuration's
	simnetListen  string // the simulated network's host:port
	manualPairing bool   // leave pairing to the user, through the control API
}

// runSandbox is `wagate sandbox`: the gateway with NOWEB sessions on an embedded
// simulated network. Unless told otherwise, every session that shows a QR code is
// paired by a simulated phone of its own, so the whole API can be tried without a
// phone. Nothing is kept between runs.
func runSandbox(ctx context.Context, cfg configs.Config, fl sandboxFlags, stdout, stderr io.Writer) error {
	if fl.listen != "" {
		host, port, err := net.SplitHostPort(fl.listen)
		n, perr := strconv.Atoi(port)
		if err != nil || perr != nil || n < 1 || n > 65535 {
			return fmt.Errorf("sandbox: --listen %q: want host:port, such as 127.0.0.1:3000", fl.listen)
		}
		cfg.Server.Host, cfg.Server.Port = host, n
	}
	log := newLogger(cfg.Log.Level, cfg.Log.Format, stderr)
	dir, err := os.MkdirTemp("", "wagate-sandbox-")
	if err != nil {
		return fmt.Errorf("create sandbox dir: %w", err)
	}
	defer os.RemoveAll(dir)
	srv, err := startSimnet(ctx, fl.simnetListen, dir, 0, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	pub := srv.RootPublicKey()
	cfg.Data.Dir = dir
	cfg.Store.DSN = ""
	cfg.Engines.Default = engines.NOWEB
	cfg.Engines.NOWEB.Simnet = configs.Simnet{Addr: srv.Addr(), RootPublicKey: hex.EncodeToString(pub[:])}

	return runGateway(ctx, cfg, stdout, stderr, gatewayHooks{
		// The sandbox simulates WhatsApp's server, not WhatsApp Web.
		engines: func(f map[engines.Name]sessions.Factory) { delete(f, engines.WEBJS) },
		handler: refuseWEBJS,
		banner:  func(w io.Writer) { printSandboxBanner(w, srv.Addr(), fl.manualPairing) },
		started: func(ctx context.Context, m *sessions.Manager) {
			(&sandboxWatch{m: m, srv: srv, pair: !fl.manualPairing, out: stdout, log: log}).run(ctx)
		},
	})
}

func printSandboxBanner(w io.Writer, simnetAddr string, manual bool) {
	fmt.Fprintf(w, "wagate sandbox: NOWEB sessions on a simulated WhatsApp network; nothing reaches WhatsApp and nothing is kept.\n")
	if manual {
		fmt.Fprintf(w, "  Pairing:     by hand (--manual-pairing): scan a session's QR code or enter its pairing code\n")
		fmt.Fprintf(w, "               as a simulated phone, through the control API (see the README's sandbox section)\n")
	} else {
		fmt.Fprintf(w, "  Pairing:     create a session; a simulated phone scans its QR code within a second\n")
	}
	fmt.Fprintf(w, "  Contacts:    ")
	for i, c := range sandboxContacts {
		if i > 0 {
			fmt.Fprint(w, ", ")
		}
		fmt.Fprintf(w, "%s %s@c.us", c.name, c.phone)
	}
	fmt.Fprintf(w, " (Echo Bot answers)\n")
	fmt.Fprintf(w, "  Control API: http://%s/simnet/api/accounts\n", simnetAddr)
	fmt.Fprintf(w, "  Try it:      open the dashboard (its address and login are above), create a session, and chat with Echo Bot\n\n")
}

// refuseWEBJS answers 400 to a request that creates or switches a session to
// WEBJS, which the sandbox cannot run, once the request has the API key.
func refuseWEBJS(next http.Handler, key *server.APIKey) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		sessionWrite := r.Method == http.MethodPost && (p == "/api/sessions" || p == "/api/sessions/start") ||
			r.Method == http.MethodPut && strings.HasPrefix(p, "/api/sessions/") && !strings.Contains(p[len("/api/sessions/"):], "/")
		k := r.Header.Get("X-Api-Key")
		if k == "" {
			k = r.URL.Query().Get("x-api-key")
		}
		// The dashboard's login stands for the key (the server checks it; a
		// request with a cookie that is no login gets this 400 instead of a 401,
		// which tells it nothing the banner does not).
		_, cookieErr := r.Cookie(dashboard.CookieName)
		if !sessionWrite || r.Body == nil || !key.Matches(k) && cookieErr != nil {
			next.ServeHTTP(w, r)
			return
		}
		raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body.Close()
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		var req struct {
			Engine *string `json:"engine"`
		}
		if json.Unmarshal(raw, &req) == nil && req.Engine != nil {
			if n, err := engines.ParseName(*req.Engine); err == nil && n == engines.WEBJS {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_ = json.NewEncoder(w).Encode(map[string]any{
					"statusCode": http.StatusBadRequest, "error": "Bad Request",
					"message": `engine: the sandbox simulates NOWEB only (WhatsApp's server, not WhatsApp Web); leave "engine" out or set it to NOWEB`,
				})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// sandboxWatch pairs sessions that wait for a QR scan (unless pairing is left to
// the user) and prints each session's simulated phone number when it pairs.
type sandboxWatch struct {
	m    *sessions.Manager
	srv  *simnet.Server
	pair bool
	out  io.Writer
	log  *slog.Logger

	scanned   map[string]string // session → the QR value scanned last
	announced map[string]string // session → the account announced last
}

func (w *sandboxWatch) run(ctx context.Context) {
	w.scanned, w.announced = map[string]string{}, map[string]string{}
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, s := range w.m.Snapshot() {
			w.step(ctx, s)
		}
	}
}

func (w *sandboxWatch) step(ctx context.Context, s sessions.Info) {
	switch {
	case s.Status == engines.StatusWorking && s.Me != nil && w.announced[s.Name] != s.Me.ID:
		w.announced[s.Name] = s.Me.ID
		phone, _, _ := strings.Cut(s.Me.ID, "@")
		fmt.Fprintf(w.out, "sandbox: session %q is paired with the simulated phone %s (%s)\n", s.Name, phone, s.Me.ID)
	case s.Status != engines.StatusWorking:
		delete(w.announced, s.Name)
	}
	if !w.pair || s.Status != engines.StatusScanQRCode || s.Engine != engines.NOWEB {
		return
	}
	err := w.pairSession(ctx, s.Name)
	switch {
	case err == nil:
		w.log.Info("sandbox: a simulated phone scanned the QR code", "session", s.Name, "phone", sandboxPhone(s.Name))
	case errors.Is(err, errAlreadyScanned), errors.Is(err, engines.ErrNoQR), errors.Is(err, simnet.ErrNoPendingPair):
		// Being paired already, or the code just changed: the next tick has the new one.
	case ctx.Err() == nil:
		w.log.Warn("sandbox: pair session", "session", s.Name, "err", err)
	}
}

var errAlreadyScanned = errors.New("this QR code was scanned already")

func (w *sandboxWatch) pairSession(ctx context.Context, session string) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	e, _, err := w.m.Await(ctx, session, engines.StatusScanQRCode)
	if err != nil {
		return err
	}
	qr, err := e.QR(ctx)
	if err != nil {
		return fmt.Errorf("read QR: %w", err)
	}
	if w.scanned[session] == qr.Value {
		return errAlreadyScanned
	}
	phone := sandboxPhone(session)
	if _, err := w.srv.CreateAccount(ctx, phone, "Sandbox "+session); err != nil && !errors.Is(err, simnet.ErrAccountExists) {
		return fmt.Errorf("create phone %s: %w", phone, err)
	}
	// The sandbox's people are in every simulated phone's address book, so the
	// session's history sync brings their names and numbers.
	book := make([]string, 0, len(sandboxContacts))
	for _, c := range sandboxContacts {
		book = append(book, c.phone)
	}
	if err := w.srv.AddContacts(phone, book...); err != nil {
		return fmt.Errorf("address book of %s: %w", phone, err)
	}
	if _, err := w.srv.ScanQR(ctx, phone, qr.Value); err != nil {
		return fmt.Errorf("scan QR with %s: %w", phone, err)
	}
	w.scanned[session] = qr.Value
	return nil
}

// sandboxPhone is the simulated number of a session's account: stable per name.
func sandboxPhone(session string) string {
	h := sha256.Sum256([]byte(session))
	n := uint64(h[0])<<16 | uint64(h[1])<<8 | uint64(h[2])
	return fmt.Sprintf("1555%07d", n%10_000_000)
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wagate/wagate/engines/noweb/simnet"
)

// sandboxContacts are the simulated people every sandbox and demo network has.
var sandboxContacts = []struct {
	phone, name string
	echo        bool
}{
	{"15550100001", "Echo Bot", true},
	{"15550100002", "Alice", false},
	{"15550100003", "Bob", false},
}

// startSimnet starts a simulated WhatsApp network with the sandbox's contacts. Its
// root key is kept in dataDir, so gateways configured with it keep working across
// restarts of the network.
// firstResponseDelay is simnet.Options.FirstResponseDelay (0: its default).
func startSimnet(ctx context.Context, listen, dataDir string, firstResponseDelay time.Duration, log *slog.Logger) (*simnet.Server, error) {
	root, err := loadOrCreateRootKey(filepath.Join(dataDir, "simnet-root.key"))
	if err != nil {
		return nil, err
	}
	srv, err := simnet.New(simnet.Options{Logger: log, RootPrivateKey: &root, DataDir: filepath.Join(dataDir, "phones"),
		FirstResponseDelay: firstResponseDelay})
	if err != nil {
		return nil, fmt.Errorf("create simnet: %w", err)
	}
	// The contacts' phones are whatsmeow clients in this process: they must trust
	// the network's root. This is why simnet only ever runs in its own process or
	// the sandbox, never beside real sessions.
	simnet.TrustRootKeyForProcess(srv.RootPublicKey(), log)
	if err := srv.Start(ctx, listen); err != nil {
		srv.Close()
		return nil, fmt.Errorf("start simnet on %s: %w", listen, err)
	}
	for _, c := range sandboxContacts {
		p, err := srv.CreateAccount(ctx, c.phone, c.name)
		if err != nil {
			srv.Close()
			return nil, fmt.Errorf("create simulated contact %s: %w", c.name, err)
		}
		p.SetEcho(c.echo)
	}
	return srv, nil
}

func loadOrCreateRootKey(path string) ([32]byte, error) {
	var key [32]byte
	raw, err := os.ReadFile(path)
	if err == nil {
		b, err := hex.DecodeString(strings.TrimSpace(string(raw)))
		if err != nil || len(b) != 32 {
			return key, fmt.Errorf("simnet root key %s: want 64 hex digits", path)
		}
		copy(key[:], b)
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return key, fmt.Errorf("read simnet root key: %w", err)
	}
	if _, err := rand.Read(key[:]); err != nil {
		return key, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return key, fmt.Errorf("create simnet data dir: %w", err)
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(key[:])+"\n"), 0o600); err != nil {
		return key, fmt.Errorf("keep simnet root key: %w", err)
	}
	return key, nil
}

// runSimnet is `wagate simnet`: the network alone, for gateways in other processes.
func runSimnet(ctx context.Context, listen, dataDir string, firstResponseDelay time.Duration, stdout, stderr io.Writer) error {
	log := newLogger("info", "text", stderr)
	srv, err := startSimnet(ctx, listen, dataDir, firstResponseDelay, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	pub := srv.RootPublicKey()
	fmt.Fprintf(stdout, "\nsimnet, a simulated WhatsApp network, is up on %s\n", srv.Addr())
	fmt.Fprintf(stdout, "  Control API:   http://%s/simnet/api/accounts\n", srv.Addr())
	fmt.Fprintf(stdout, "  Root key:      %s\n", hex.EncodeToString(pub[:]))
	fmt.Fprintf(stdout, "  Contacts:      ")
	for i, c := range sandboxContacts {
		if i > 0 {
			fmt.Fprint(stdout, ", ")
		}
		fmt.Fprintf(stdout, "%s %s", c.name, c.phone)
	}
	fmt.Fprintf(stdout, "\n  Point a gateway at it (development only):\n")
	fmt.Fprintf(stdout, "    WAGATE_ENGINES_NOWEB_SIMNET_ADDR=%s WAGATE_ENGINES_NOWEB_SIMNET_ROOT_PUBLIC_KEY=%s wagate serve\n\n", srv.Addr(), hex.EncodeToString(pub[:]))
	<-ctx.Done()
	return nil
}

package noweb

import (
	"github.com/wagate/wagate/sessions"

	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/noweb/simnet"
	"github.com/wagate/wagate/internal/wait"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// BenchmarkSimnetLoad is the load test of the simulated network: N NOWEB sessions
// (WAGATE_LOAD_SESSIONS, default 200) paired on one simnet through the Manager, each
// sending WAGATE_LOAD_MESSAGES (default 5) texts to the next session's account. It
// reports the process's RSS per session (simnet's phones, one per account, live in
// the same process and are counted too) and messages per second from the first
// send to the last "message" event. Run with:
//
//	go test ./engines/noweb -run '^$' -bench SimnetLoad -benchtime 1x -timeout 30m
func BenchmarkSimnetLoad(b *testing.B) {
	sessions := envInt("WAGATE_LOAD_SESSIONS", 200)
	perSession := envInt("WAGATE_LOAD_MESSAGES", 5)
	dialect := store.Dialect(envStr("WAGATE_LOAD_DIALECT", string(store.SQLite)))
	for range b.N {
		loadOnce(b, sessions, perSession, dialect)
	}
}

func loadOnce(b *testing.B, n, perSession int, dialect store.Dialect) {
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	key := testRootKey
	srv, err := simnet.New(simnet.Options{Logger: testLogger(), RootPrivateKey: &key, DataDir: b.TempDir(), RequestTimeout: 60 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	trustOnce.Do(func() { simnet.TrustRootKeyForProcess(srv.RootPublicKey(), nil) })
	if err := srv.Start(ctx, "127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	m, received := loadManager(b, ctx, dialect, srv.Addr())
	defer m.Shutdown(context.Background())

	rssBefore := rssBytes()
	phone := func(i int) string { return fmt.Sprintf("4915300%05d", i) }
	pairStart := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i := range n {
		g.Go(func() error {
			if _, err := srv.CreateAccount(gctx, phone(i), fmt.Sprintf("Load %d", i)); err != nil {
				return fmt.Errorf("account %d: %w", i, err)
			}
			name := fmt.Sprintf("load%d", i)
			if _, err := m.Create(gctx, name, engines.NOWEB, engines.SessionConfig{}, true); err != nil {
				return err
			}
			e, _, err := m.Await(gctx, name, engines.StatusScanQRCode)
			if err != nil {
				return fmt.Errorf("session %s: %w", name, err)
			}
			qr, err := e.QR(gctx)
			if err != nil {
				return err
			}
			if _, err := srv.ScanQR(gctx, phone(i), qr.Value); err != nil {
				return fmt.Errorf("scan %s: %w", name, err)
			}
			_, err = m.Working(gctx, name)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	paired := time.Since(pairStart)
	runtime.GC()
	rssAfter := rssBytes()

	total := int64(n * perSession)
	sendStart := time.Now()
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(32)
	for i := range n {
		g.Go(func() error {
			e, err := m.Working(gctx, fmt.Sprintf("load%d", i))
			if err != nil {
				return err
			}
			to, _ := engines.ParseChatID(phone((i + 1) % n))
			for j := range perSession {
				if _, err := e.(engines.TextSender).SendText(gctx, engines.SendText{Chat: to, Text: fmt.Sprintf("load %d/%d", i, j)}); err != nil {
					return fmt.Errorf("send from load%d: %w", i, err)
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	wait.Context(b, ctx, func() error {
		if n := received.Load(); n < total {
			return fmt.Errorf("only %d of %d messages arrived", n, total)
		}
		return nil
	})
	elapsed := time.Since(sendStart)
	b.ReportMetric(float64(rssAfter-rssBefore)/float64(n)/(1<<20), "MB-RSS/session")
	b.ReportMetric(float64(total)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(paired.Seconds(), "s-to-pair-all")
	b.Logf("%d sessions on %s paired in %s; RSS %d MB → %d MB; %d messages in %s",
		n, dialect, paired.Round(time.Millisecond), rssBefore>>20, rssAfter>>20, total, elapsed.Round(time.Millisecond))
}

// loadManager is a Manager of NOWEB sessions on a fresh store of dialect
// (messages, chats and the outbox kept, as wagate serves them), on the simnet
// at addr; received counts the "message" events its sessions record. The
// caller shuts it down.
func loadManager(b testing.TB, ctx context.Context, dialect store.Dialect, addr string) (*sessions.Manager, *atomic.Int64) {
	st, _ := storetest.Open(b, dialect)
	f, err := NewFactory(ctx, Options{
		DB: st.SQL(), Devices: st.NOWEBDevices(), Dialect: string(st.Dialect()), Log: testLogger(), StoreEnabled: true,
		Chats: st.ChatStore(), Media: testFiles(b, "http://gw.example"), ConfigureClient: simnetClient(addr),
	})
	if err != nil {
		b.Fatal(err)
	}
	received := new(atomic.Int64)
	pub := storeRecorder{st: st, fn: func(evs []engines.Event) {
		for _, ev := range evs {
			if ev.Event == "message" {
				received.Add(1)
			}
		}
	}}
	m := sessions.NewManager(st, map[engines.Name]sessions.Factory{engines.NOWEB: f}, pub, testLogger(), sessions.ManagerOptions{WorkingWait: time.Minute})
	return m, received
}

// rssBytes is this process's resident set size.
func rssBytes() int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func envStr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

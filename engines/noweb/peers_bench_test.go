package noweb

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/noweb/simnet"
	"github.com/wagate/wagate/engines/noweb/simnet/baileys"
	"github.com/wagate/wagate/internal/wait"
	"github.com/wagate/wagate/store"
	"go.mau.fi/whatsmeow/util/keys"
)

// peersSteps are the session counts the NOWEB side-by-side benchmark measures
// idle memory at (WAGATE_PEERS_STEPS, comma-separated, to try fewer); it
// measures messages per second at those of peersRateAt.
var peersRateAt = map[int]bool{10: true, 50: true}

func peersSteps() []int {
	steps := []int{1, 10, 50, 200}
	if v := os.Getenv("WAGATE_PEERS_STEPS"); v != "" {
		steps = nil
		for _, f := range strings.Split(v, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
				steps = append(steps, n)
			}
		}
	}
	return steps
}

// peersPerSession is how many texts each session sends in a throughput run.
const peersPerSession = 5

// BenchmarkPeersNOWEB is NOWEB side by side with stock Baileys (the current
// 6.x) on one simnet, which runs in its own process (`wagate simnet`) so that
// neither side's figures count it. For each N in peersSteps, N accounts are
// paired by QR, one session each: NOWEB sessions through the Manager on a
// SQLite store (messages, chats and the webhook outbox kept, as wagate
// serves them), Baileys sockets in one Node process (no store: Baileys keeps
// none of its own). Reported: resident memory per paired idle session, the
// process's RSS after a GC less its RSS before the first session, over N;
// and, at N = 10 and 50, messages per second with every session sending
// peersPerSession texts to the next one's account, from the first send to
// the last arrival (a stored "message" event; a Baileys messages.upsert).
//
//	make bench-peers   (go test ./engines/noweb -run '^$' -bench PeersNOWEB -benchtime 1x -timeout 60m)
func BenchmarkPeersNOWEB(b *testing.B) {
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 55*time.Minute)
		sn := startSimnetProcess(b, ctx)
		ours := benchNOWEBOurs(b, ctx, sn)
		peer := benchNOWEBBaileys(b, ctx, sn)
		cancel()
		fmt.Println("| measure | wagate | peer | wagate/peer |")
		fmt.Println("|---|---|---|---|")
		fmt.Println("| **NOWEB vs Baileys 6.17.16** (simnet in its own process) | | | |")
		for _, n := range peersSteps() {
			o, p := ours.rss[n], peer.rss[n]
			fmt.Printf("| RSS per paired idle session, N = %d | %.2f MB | %.2f MB | %.2f |\n", n, mb(o), mb(p), o/p)
			b.ReportMetric(mb(o), fmt.Sprintf("wagate-MB/session@%d", n))
			b.ReportMetric(mb(p), fmt.Sprintf("baileys-MB/session@%d", n))
		}
		for _, n := range peersSteps() {
			if !peersRateAt[n] {
				continue
			}
			o, p := ours.rate[n], peer.rate[n]
			fmt.Printf("| messages per second, N = %d | %.0f | %.0f | %.2f |\n", n, o, p, o/p)
			b.ReportMetric(o, fmt.Sprintf("wagate-msgs/s@%d", n))
			b.ReportMetric(p, fmt.Sprintf("baileys-msgs/s@%d", n))
		}
	}
}

func mb(bytes float64) float64 { return bytes / 1e6 }

type peersFigures struct {
	rss  map[int]float64 // bytes per session, by N
	rate map[int]float64 // messages per second, by N
}

// simnetProcess is a `wagate simnet` of the benchmark's own.
type simnetProcess struct {
	addr string
	api  string
}

// startSimnetProcess builds the wagate binary and runs `wagate simnet` on a
// free port, with the tests' root key (which this process trusts).
func startSimnetProcess(b *testing.B, ctx context.Context) *simnetProcess {
	b.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	dir := b.TempDir()
	bin := filepath.Join(dir, "wagate")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/wagate")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("building wagate: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "simnet")
	if err := os.MkdirAll(data, 0o700); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "simnet-root.key"), []byte(hex.EncodeToString(testRootKey[:])+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "simnet", "--listen", "127.0.0.1:0", "--data", data)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "simnet, a simulated WhatsApp network, is up on "); ok {
			go func() {
				for sc.Scan() { // keep the pipe drained
				}
			}()
			trustOnce.Do(func() { simnet.TrustRootKeyForProcess(*keys.NewKeyPairFromPrivateKey(testRootKey).Pub, nil) })
			return &simnetProcess{addr: addr, api: "http://" + addr + "/simnet/api/accounts"}
		}
	}
	b.Fatalf("wagate simnet ended before saying where it listens: %v", sc.Err())
	return nil
}

func (s *simnetProcess) post(ctx context.Context, path string, body any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.api+path, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("simnet %s: %w", path, err)
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		var msg bytes.Buffer
		_, _ = msg.ReadFrom(res.Body)
		return fmt.Errorf("simnet %s: %s: %s", path, res.Status, msg.String())
	}
	return nil
}

func (s *simnetProcess) account(ctx context.Context, phone string) error {
	return s.post(ctx, "", map[string]any{"phone": phone, "name": "Peer " + phone})
}

func (s *simnetProcess) scan(ctx context.Context, phone, qr string) error {
	return s.post(ctx, "/"+phone+"/scan", map[string]any{"qr": qr})
}

// rssOf is the resident set size of process pid ("self" for this one).
func rssOf(pid string) float64 {
	raw, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb * 1024
		}
	}
	return 0
}

func benchNOWEBOurs(b *testing.B, ctx context.Context, sn *simnetProcess) peersFigures {
	m, received := loadManager(b, ctx, store.SQLite, sn.addr)
	defer m.Shutdown(context.Background())
	phone := func(i int) string { return fmt.Sprintf("4915400%05d", i) }
	name := func(i int) string { return fmt.Sprintf("peer%d", i) }

	runtime.GC()
	base := rssOf("self")
	figs := peersFigures{rss: map[int]float64{}, rate: map[int]float64{}}
	paired := 0
	for _, n := range peersSteps() {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(8)
		for i := paired; i < n; i++ {
			g.Go(func() error {
				if err := sn.account(gctx, phone(i)); err != nil {
					return err
				}
				if _, err := m.Create(gctx, name(i), engines.NOWEB, engines.SessionConfig{}, true); err != nil {
					return err
				}
				e, _, err := m.Await(gctx, name(i), engines.StatusScanQRCode)
				if err != nil {
					return fmt.Errorf("session %s: %w", name(i), err)
				}
				qr, err := e.QR(gctx)
				if err != nil {
					return err
				}
				if err := sn.scan(gctx, phone(i), qr.Value); err != nil {
					return err
				}
				_, err = m.Working(gctx, name(i))
				return err
			})
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
		paired = n
		runtime.GC()
		figs.rss[n] = (rssOf("self") - base) / float64(n)
		if !peersRateAt[n] {
			continue
		}
		before := received.Load()
		total := int64(n * peersPerSession)
		start := time.Now()
		g, gctx = errgroup.WithContext(ctx)
		for i := range n {
			g.Go(func() error {
				e, err := m.Working(gctx, name(i))
				if err != nil {
					return err
				}
				to, _ := engines.ParseChatID(phone((i + 1) % n))
				for j := range peersPerSession {
					if _, err := e.(engines.TextSender).SendText(gctx, engines.SendText{Chat: to, Text: fmt.Sprintf("peer %d/%d", i, j)}); err != nil {
						return fmt.Errorf("send from %s: %w", name(i), err)
					}
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
		wait.Context(b, ctx, func() error {
			if got := received.Load() - before; got < total {
				return fmt.Errorf("wagate: %d of %d messages arrived", got, total)
			}
			return nil
		})
		figs.rate[n] = float64(total) / time.Since(start).Seconds()
	}
	return figs
}

func benchNOWEBBaileys(b *testing.B, ctx context.Context, sn *simnetProcess) peersFigures {
	p, err := baileys.Start(ctx, baileys.Options{Package: baileys.Current, SimnetAddr: sn.addr, LogLevel: "warn"})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	phone := func(i int) string { return fmt.Sprintf("4915500%05d", i) }
	name := func(i int) string { return fmt.Sprintf("b%d", i) }
	dir := b.TempDir()
	pid := strconv.Itoa(p.PID())
	rss := func() float64 {
		if err := p.Call(ctx, "memory", nil, nil); err != nil { // a full GC first
			b.Fatal(err)
		}
		return rssOf(pid)
	}
	base := rss()
	figs := peersFigures{rss: map[int]float64{}, rate: map[int]float64{}}
	paired := 0
	for _, n := range peersSteps() {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(8)
		for i := paired; i < n; i++ {
			g.Go(func() error {
				if err := sn.account(gctx, phone(i)); err != nil {
					return err
				}
				s := name(i)
				if err := p.Call(gctx, "start", map[string]any{"sock": s, "authDir": filepath.Join(dir, s), "events": false}, nil); err != nil {
					return err
				}
				var qr string
				if _, err := p.WaitEvent(gctx, s, "connection.update", func(e baileys.Event) bool {
					var u struct {
						QR string `json:"qr"`
					}
					_ = json.Unmarshal(e.Data, &u)
					qr = u.QR
					return qr != ""
				}); err != nil {
					return err
				}
				if err := sn.scan(gctx, phone(i), qr); err != nil {
					return err
				}
				_, err := p.WaitEvent(gctx, s, "connection.update", func(e baileys.Event) bool {
					return strings.Contains(string(e.Data), `"connection":"open"`)
				})
				return err
			})
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
		paired = n
		figs.rss[n] = (rss() - base) / float64(n)
		if !peersRateAt[n] {
			continue
		}
		count := func() int64 {
			var got int64
			for i := range n {
				for _, e := range p.Events(name(i), "messages.upsert") {
					var u struct {
						Type string   `json:"type"`
						IDs  []string `json:"ids"`
					}
					_ = json.Unmarshal(e.Data, &u)
					if u.Type == "notify" {
						got += int64(len(u.IDs))
					}
				}
			}
			return got
		}
		before := count()
		total := int64(n * peersPerSession)
		start := time.Now()
		g, gctx = errgroup.WithContext(ctx)
		for i := range n {
			g.Go(func() error {
				to := phone((i+1)%n) + "@s.whatsapp.net"
				for j := range peersPerSession {
					if err := p.Call(gctx, "sendText", map[string]any{"sock": name(i), "jid": to, "text": fmt.Sprintf("peer %d/%d", i, j)}, nil); err != nil {
						return err
					}
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
		wait.Context(b, ctx, func() error {
			if got := count() - before; got < total {
				return fmt.Errorf("baileys: %d of %d messages arrived", got, total)
			}
			return nil
		})
		figs.rate[n] = float64(total) / time.Since(start).Seconds()
	}
	if probs := p.Problems(); len(probs) > 0 {
		b.Logf("Baileys logged %d errors or warnings during the benchmark; the first: %s", len(probs), probs[0])
	}
	return figs
}

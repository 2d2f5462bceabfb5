package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wagate/wagate/internal/wait"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// Kill test parameters: how many messages the contact sends, how many times the
// gateway is killed meanwhile.
const (
	killMessages = 300
	killTimes    = 10
)

// TestKilledGatewayLosesNothing runs the real wagate binary on a persistent data
// dir against an external `wagate simnet` process. A session paired on simnet has
// a webhook for every event; a contact sends 300 messages while the test kills
// the gateway with SIGKILL ten times, at random points of its work (after a random
// number of messages is stored), and starts it again on the same data dir each
// time. The webhook receiver is down at first, then answers 500, then is back.
// At the end every message is stored exactly once, and its message event was
// delivered at least once, under one envelope id, in the order the messages came.
// WAGATE_KILL_SEED repeats a run's kill points.
func TestKilledGatewayLosesNothing(t *testing.T) {
	bin := buildWagate(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("WAGATE_KILL_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("WAGATE_KILL_SEED: %v", err)
		}
	}
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) { killedGateway(t, bin, d, seed) })
	}
}

// buildWagate builds this command into a temporary directory.
func buildWagate(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wagate")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func killedGateway(t *testing.T, bin string, d store.Dialect, seed uint64) {
	// A run takes seconds; a lost message shows as a count that never grows.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(seed, uint64(len(d))))
	points := rng.Perm(killMessages - 1)[:killTimes]
	for i := range points {
		points[i]++ // kill once at least this many messages are stored
	}
	slices.Sort(points)
	t.Logf("seed %d: kill the gateway once %v messages are stored", seed, points)

	sn := startSimnetProcess(t, ctx, bin, filepath.Join(dir, "simnet"))
	const me, contact = "15550200001", "15550200002"
	for _, phone := range []string{me, contact} {
		if code := post(t, ctx, sn.api+"/accounts", "", map[string]any{"phone": phone, "name": "Kill " + phone}, nil); code != http.StatusCreated {
			t.Fatalf("create simnet account %s: %d", phone, code)
		}
	}

	rcv := newFlakyReceiver(t)
	gw := &gatewayProc{t: t, bin: bin, dir: dir, port: freePort(t), key: "kill-key", env: []string{
		"WAGATE_DATA_DIR=" + filepath.Join(dir, "gw"),
		"WAGATE_SERVER_HOST=127.0.0.1",
		"WAGATE_SERVER_API_KEY=kill-key",
		"WAGATE_LOG_LEVEL=warn",
		"WAGATE_ENGINES_NOWEB_PRINT_QR=false",
		"WAGATE_ENGINES_NOWEB_SIMNET_ADDR=" + sn.addr,
		"WAGATE_ENGINES_NOWEB_SIMNET_ROOT_PUBLIC_KEY=" + sn.root,
	}}
	if d == store.Postgres {
		gw.env = append(gw.env, "WAGATE_STORE_DSN="+storetest.DSN(t, d))
	}
	gw.env = append(gw.env, fmt.Sprintf("WAGATE_SERVER_PORT=%d", gw.port))
	gw.start(ctx)
	t.Cleanup(gw.stop)

	session := map[string]any{"name": "default", "engine": "NOWEB", "config": map[string]any{
		"webhooks": []map[string]any{{
			"url": rcv.url, "events": []string{"*"},
			"retries": map[string]any{"policy": "constant", "delaySeconds": 1, "attempts": 10000},
		}},
	}}
	if code := post(t, ctx, gw.base()+"/api/sessions", gw.key, session, nil); code != http.StatusCreated {
		t.Fatalf("create session: %d", code)
	}
	var qr struct{ Value string }
	if err := wait.PollContext(ctx, func() error {
		if get(t, ctx, gw.base()+"/api/default/auth/qr?format=raw", gw.key, &qr) != http.StatusOK || qr.Value == "" {
			return errors.New("no QR code")
		}
		return nil
	}); err != nil {
		t.Fatalf("%v:\n%s", err, gw.tail())
	}
	if code := post(t, ctx, sn.api+"/accounts/"+me+"/scan", "", map[string]string{"qr": qr.Value}, nil); code != http.StatusOK {
		t.Fatalf("scan: %d", code)
	}
	gw.waitWorking(ctx)

	// The contact writes; the gateway is killed and started again meanwhile.
	text := func(i int) string { return fmt.Sprintf("kill test %03d", i) }
	sent := make(chan error, 1)
	var nsent atomic.Int32
	go func() {
		for i := range killMessages {
			var res struct{ ID string }
			if code := post(t, ctx, sn.api+"/accounts/"+contact+"/messages", "", map[string]string{"to": me, "text": text(i)}, &res); code != http.StatusOK || res.ID == "" {
				sent <- fmt.Errorf("contact's message %d: HTTP %d", i, code)
				return
			}
			nsent.Add(1)
		}
		sent <- nil
	}()
	chat := contact + "@c.us"
	for i, n := range points {
		switch i {
		case 3:
			rcv.fail() // listening again, answering 500
		case 6:
			rcv.recover()
		}
		gw.waitStored(ctx, chat, n)
		gw.kill()
		t.Logf("killed with %d or more messages stored, %d of %d sent (receiver %s)", n, nsent.Load(), killMessages, rcv.state())
		gw.start(ctx)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}

	// Stored exactly once each.
	gw.waitStored(ctx, chat, killMessages)
	var msgs []struct {
		ID   string `json:"id"`
		Body string `json:"body"`
	}
	if code := get(t, ctx, gw.base()+"/api/default/chats/"+chat+"/messages?limit=1000", gw.key, &msgs); code != http.StatusOK {
		t.Fatalf("list messages: %d", code)
	}
	stored := map[string]int{}
	for _, m := range msgs {
		stored[m.Body]++
	}
	for i := range killMessages {
		if stored[text(i)] != 1 {
			t.Errorf("%q stored %d times", text(i), stored[text(i)])
		}
	}
	if len(msgs) != killMessages {
		t.Errorf("%d messages stored, want %d", len(msgs), killMessages)
	}

	// Delivered at least once each, under one envelope id, in order.
	deliveries := rcv.waitMessages(ctx, killMessages)
	envelopes := map[string]map[string]bool{} // body → envelope ids
	var firstSeen []string                    // bodies in the order their envelope first arrived
	seen := map[string]bool{}
	for _, dl := range deliveries {
		if envelopes[dl.body] == nil {
			envelopes[dl.body] = map[string]bool{}
		}
		envelopes[dl.body][dl.id] = true
		if !seen[dl.id] {
			seen[dl.id] = true
			firstSeen = append(firstSeen, dl.body)
		}
	}
	for i := range killMessages {
		if n := len(envelopes[text(i)]); n != 1 {
			t.Errorf("%q was delivered under %d envelope ids, want 1", text(i), n)
		}
	}
	if !slices.IsSorted(firstSeen) {
		t.Errorf("message events out of order: %v", firstSeen)
	}
	t.Logf("%d deliveries of %d message events (%d again after a kill or a failure)",
		len(deliveries), len(seen), len(deliveries)-len(seen))
}

// simnetProc is a `wagate simnet` child process.
type simnetProc struct {
	addr, root, api string
}

func startSimnetProcess(t testing.TB, ctx context.Context, bin, dataDir string) simnetProc {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, "simnet", "--listen", "127.0.0.1:0", "--data", dataDir)
	logs, err := os.Create(filepath.Join(filepath.Dir(dataDir), "simnet.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start simnet: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logs.Close()
	})
	var p simnetProc
	lines := bufio.NewScanner(stdout)
	for (p.addr == "" || p.root == "") && lines.Scan() {
		line := strings.TrimSpace(lines.Text())
		if _, a, ok := strings.Cut(line, "is up on "); ok {
			p.addr = strings.TrimSpace(a)
		}
		if k, ok := strings.CutPrefix(line, "Root key:"); ok {
			p.root = strings.TrimSpace(k)
		}
	}
	if p.addr == "" || p.root == "" {
		t.Fatalf("simnet printed no address or root key (%v)", lines.Err())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	p.api = "http://" + p.addr + "/simnet/api"
	return p
}

// gatewayProc is the gateway child process, started again after each kill on the
// same data dir, port and database.
type gatewayProc struct {
	t        testing.TB
	bin, dir string
	port     int
	key      string
	env      []string
	cmd      *exec.Cmd
	runs     int
	exited   chan struct{}
	logPaths []string
	peers    []*gatewayProc // the replicas it runs with, for failure messages
}

func (g *gatewayProc) base() string { return fmt.Sprintf("http://127.0.0.1:%d", g.port) }

// start runs the gateway and waits until it answers.
func (g *gatewayProc) start(ctx context.Context) {
	g.t.Helper()
	g.runs++
	path := filepath.Join(g.dir, fmt.Sprintf("gateway-%02d.log", g.runs))
	logs, err := os.Create(path)
	if err != nil {
		g.t.Fatal(err)
	}
	g.logPaths = append(g.logPaths, path)
	g.cmd = exec.Command(g.bin, "serve")
	g.cmd.Env = append(os.Environ(), g.env...)
	g.cmd.Stdout, g.cmd.Stderr = logs, logs
	if err := g.cmd.Start(); err != nil {
		g.t.Fatalf("start gateway: %v", err)
	}
	exited := make(chan struct{})
	cmd := g.cmd
	go func() {
		_ = cmd.Wait()
		logs.Close()
		close(exited)
	}()
	g.exited = exited
	if err := wait.PollContext(ctx, func() error {
		if code := get(g.t, ctx, g.base()+"/ping", "", nil); code == http.StatusOK {
			return nil
		}
		select {
		case <-exited:
			g.t.Fatalf("gateway exited at start:\n%s", g.tail())
		default:
		}
		return errors.New("gateway never answered")
	}); err != nil {
		g.t.Fatalf("%v:\n%s", err, g.tail())
	}
}

// kill ends the gateway with SIGKILL and waits until it is gone.
func (g *gatewayProc) kill() {
	if err := g.cmd.Process.Kill(); err != nil {
		g.t.Fatalf("kill gateway: %v", err)
	}
	<-g.exited
}

func (g *gatewayProc) stop() {
	if g.cmd != nil {
		_ = g.cmd.Process.Kill()
		<-g.exited
	}
	if g.t.Failed() {
		g.t.Logf("gateway log (last run):\n%s", g.tail())
	}
}

func (g *gatewayProc) tail() string {
	if len(g.logPaths) == 0 {
		return ""
	}
	b, _ := os.ReadFile(g.logPaths[len(g.logPaths)-1])
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	return string(b)
}

// storedSummary says how many messages of chat are stored and which of the
// test's are missing, for a failure message.
func (g *gatewayProc) storedSummary(chat string) string {
	var msgs []struct{ Body string }
	if code := get(g.t, context.Background(), g.base()+"/api/default/chats/"+chat+"/messages?limit=1000", g.key, &msgs); code != http.StatusOK {
		return fmt.Sprintf("listing them: HTTP %d", code)
	}
	have := map[string]bool{}
	for _, m := range msgs {
		have[m.Body] = true
	}
	var missing []string
	for i := range killMessages {
		if b := fmt.Sprintf("kill test %03d", i); !have[b] {
			missing = append(missing, b)
		}
	}
	if len(missing) > 10 {
		missing = append(missing[:10], "…")
	}
	return fmt.Sprintf("%d stored, missing %v", len(msgs), missing)
}

func (g *gatewayProc) waitWorking(ctx context.Context) {
	g.t.Helper()
	if err := wait.PollContext(ctx, func() error {
		var s struct{ Status string }
		get(g.t, ctx, g.base()+"/api/sessions/default", g.key, &s)
		if s.Status != "WORKING" {
			return fmt.Errorf("session never WORKING (last %q)", s.Status)
		}
		return nil
	}); err != nil {
		g.t.Fatalf("%v:\n%s", err, g.tail())
	}
}

// waitStored waits until at least n messages of chat are stored, as the API
// lists them.
func (g *gatewayProc) waitStored(ctx context.Context, chat string, n int) {
	g.t.Helper()
	if err := wait.PollContext(ctx, func() error {
		var page []json.RawMessage
		q := url.Values{"limit": {"1"}, "offset": {strconv.Itoa(n - 1)}}
		if get(g.t, ctx, g.base()+"/api/default/chats/"+chat+"/messages?"+q.Encode(), g.key, &page) == http.StatusOK && len(page) == 1 {
			return nil
		}
		select {
		case <-g.exited:
			g.t.Fatalf("gateway exited:\n%s", g.tail())
		default:
		}
		return fmt.Errorf("never %d messages stored", n)
	}); err != nil {
		g.t.Fatalf("%v (%s):\n%s", err, g.storedSummary(chat), g.tail())
	}
}

// flakyReceiver is the webhook receiver: down (nothing listens), then failing
// (500 to everything), then back (200, and every delivery recorded).
type flakyReceiver struct {
	t    testing.TB
	addr string
	url  string
	up   atomic.Bool

	mu         sync.Mutex
	ln         net.Listener
	deliveries []delivery
	changed    chan struct{}
}

// delivery is one message event the receiver accepted.
type delivery struct{ id, body string }

func newFlakyReceiver(t testing.TB) *flakyReceiver {
	r := &flakyReceiver{t: t, addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), changed: make(chan struct{})}
	r.url = "http://" + r.addr + "/hook"
	t.Cleanup(func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.ln != nil {
			r.ln.Close()
		}
	})
	return r
}

func (r *flakyReceiver) state() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.ln == nil:
		return "down"
	case !r.up.Load():
		return "failing"
	}
	return "up"
}

// fail starts listening, answering 500.
func (r *flakyReceiver) fail() {
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		r.t.Fatalf("receiver listen on %s: %v", r.addr, err)
	}
	r.mu.Lock()
	r.ln = ln
	r.mu.Unlock()
	go func() { _ = http.Serve(ln, http.HandlerFunc(r.serve)) }()
}

// recover answers 200 from now on.
func (r *flakyReceiver) recover() { r.up.Store(true) }

func (r *flakyReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil || !r.up.Load() {
		http.Error(w, "receiver failing", http.StatusInternalServerError)
		return
	}
	var env struct {
		ID      string `json:"id"`
		Event   string `json:"event"`
		Payload struct {
			Body string `json:"body"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.ID == "" {
		r.t.Errorf("bad webhook body: %v: %s", err, body)
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	if env.Event == "message" {
		r.mu.Lock()
		r.deliveries = append(r.deliveries, delivery{env.ID, env.Payload.Body})
		close(r.changed)
		r.changed = make(chan struct{})
		r.mu.Unlock()
	}
	w.WriteHeader(http.StatusOK)
}

// waitMessages waits until n different message events arrived and returns
// every delivery so far.
func (r *flakyReceiver) waitMessages(ctx context.Context, n int) []delivery {
	for {
		r.mu.Lock()
		ids := map[string]bool{}
		for _, d := range r.deliveries {
			ids[d.body] = true
		}
		out, ch := slices.Clone(r.deliveries), r.changed
		r.mu.Unlock()
		if len(ids) >= n {
			return out
		}
		select {
		case <-ch:
		case <-ctx.Done():
			r.t.Fatalf("%d of %d message events delivered", len(ids), n)
		}
	}
}

// post and get call a JSON API; an unreachable server is status 0.
func post(t testing.TB, ctx context.Context, u, key string, body, out any) int {
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return do(ctx, http.MethodPost, u, key, raw, out)
}

func get(t testing.TB, ctx context.Context, u, key string, out any) int {
	return do(ctx, http.MethodGet, u, key, nil, out)
}

func do(ctx context.Context, method, u, key string, body []byte, out any) int {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("X-Api-Key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	if out != nil && res.StatusCode < 300 {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil && !errors.Is(err, io.EOF) {
			return 0
		}
	}
	return res.StatusCode
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
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
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx": a schema per run

	"golang.org/x/sync/errgroup"
)

// benchSessionsConfig is what `wagate bench sessions` runs.
type benchSessionsConfig struct {
	sizes       []int
	dsn         string // "" SQLite in the run's dir; postgres://… a fresh schema per run
	concurrency int
	idle        time.Duration
	messages    int
	contacts    int
	keep        bool
}

// runBenchSessions is `wagate bench sessions --n 100,1000 …`: for each N a fresh
// simulated network (`wagate simnet`, its own process) and a fresh gateway (`wagate
// serve`, its own process, measured alone) on an empty store. It pairs N NOWEB
// sessions, concurrency at a time (create, QR, the simulated phone scans, WORKING),
// waits idle, measures the gateway, sends messages from contacts to sessions end to
// end (simulated phone → gateway → store → webhook), restarts the gateway and times
// all N back to WORKING. One row per N.
func runBenchSessions(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wagate bench sessions", flag.ContinueOnError)
	fs.SetOutput(stdout)
	sizes := fs.String("n", "100,500,1000", "comma-separated session counts, one run each")
	dsn := fs.String("dsn", "", "postgres://… to run on PostgreSQL (each run in a new schema, dropped after); default SQLite in a temp dir")
	conc := fs.Int("concurrency", 8, "sessions paired at once")
	idle := fs.Duration("idle", 60*time.Second, "idle time before the sample (idle CPU is measured over it)")
	msgs := fs.Int("messages", 1000, "messages sent end to end after the idle sample (0: none)")
	contacts := fs.Int("contacts", 50, "contacts sending them, each to its own session")
	keep := fs.Bool("keep", false, "keep each run's directory (logs, databases, the gateway's heap and goroutine profiles)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	cfg := benchSessionsConfig{dsn: *dsn, concurrency: *conc, idle: *idle, messages: *msgs, contacts: *contacts, keep: *keep}
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(strings.ReplaceAll(f, "_", "")))
		if err != nil || n < 1 {
			return fmt.Errorf("--n: %q is not a session count", f)
		}
		cfg.sizes = append(cfg.sizes, n)
	}
	if cfg.concurrency < 1 || cfg.contacts < 1 || cfg.messages < 0 {
		return errors.New("--concurrency and --contacts must be at least 1, --messages at least 0")
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the wagate binary: %w", err)
	}
	// simnet holds three sockets an account (phone, its server side, the
	// companion's server side): ten thousand need more than a usual 20,000.
	limit := raiseFDLimit(1 << 20)
	db := "SQLite"
	if cfg.dsn != "" {
		db = "PostgreSQL"
	}
	fmt.Fprintf(stdout, "wagate bench sessions: %s, %d CPUs (load average %s), pairing %d at a time, %s idle, %d messages from %d contacts\n",
		db, runtime.NumCPU(), loadAverage(), cfg.concurrency, cfg.idle, cfg.messages, cfg.contacts)
	fmt.Fprintf(stdout, "RSS, goroutines and CPU are the gateway process's alone (simnet runs in its own process); open-file limit %d\n", limit)
	var rows []benchRow
	for _, n := range cfg.sizes {
		r, err := benchSessionsOnce(ctx, exe, cfg, n, stderr)
		if err != nil {
			return fmt.Errorf("N=%d: %w", n, err)
		}
		rows = append(rows, r)
		printBenchRows(stdout, rows[len(rows)-1:], len(rows) == 1)
	}
	fmt.Fprintln(stdout)
	printBenchRows(stdout, rows, true)
	return nil
}

type benchRow struct {
	n, working                    int
	rss, rssRestart               int64
	goroutines                    int
	idleCPU                       float64 // % of one core
	pairRate, pairFirst, pairLast float64
	restartHealth, restartAll     time.Duration
	restartWorking                int
	msgRate                       float64
	load                          string
}

func printBenchRows(w io.Writer, rows []benchRow, header bool) {
	if header {
		fmt.Fprintln(w, "| N | RSS | per session | goroutines | per session | idle CPU | pairing/s (first / last quarter) | WORKING | restart: API up / all WORKING | RSS after restart | messages/s | load avg |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|")
	}
	for _, r := range rows {
		msg := "–"
		if r.msgRate > 0 {
			msg = fmt.Sprintf("%.0f", r.msgRate)
		}
		fmt.Fprintf(w, "| %d | %d MB | %.2f MB | %d | %.1f | %.1f%% | %.1f (%.1f / %.1f) | %d | %.2f s / %.1f s (%d) | %d MB | %s | %s |\n",
			r.n, r.rss>>20, float64(r.rss)/float64(1<<20)/float64(r.n), r.goroutines, float64(r.goroutines)/float64(r.n),
			r.idleCPU, r.pairRate, r.pairFirst, r.pairLast, r.working, r.restartHealth.Seconds(), r.restartAll.Seconds(),
			r.restartWorking, r.rssRestart>>20, msg, r.load)
	}
}

// benchRun is one N: its processes and clients.
type benchRun struct {
	exe, dir string
	cfg      benchSessionsConfig
	logs     io.Writer

	simURL, simAddr, simKey string
	sim                     *exec.Cmd
	gw                      *exec.Cmd
	gwExited                chan error
	gwEnv                   []string
	gwURL, key              string
	pprof                   string // the gateway's /debug/pprof
	http                    *http.Client

	hookMu   sync.Mutex
	hookSeen map[string]bool // message ids the webhook got
	hookN    atomic.Int64
	hookDone chan struct{}
	hookWant int64
}

func benchSessionsOnce(ctx context.Context, exe string, cfg benchSessionsConfig, n int, logs io.Writer) (benchRow, error) {
	row := benchRow{n: n}
	dir, err := os.MkdirTemp("", fmt.Sprintf("wagate-bench-%d-", n))
	if err != nil {
		return row, err
	}
	if cfg.keep {
		fmt.Fprintf(logs, "bench N=%d: logs and data in %s\n", n, dir)
	} else {
		defer os.RemoveAll(dir)
	}
	r := &benchRun{exe: exe, dir: dir, cfg: cfg, logs: logs, hookSeen: map[string]bool{},
		http: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	defer r.stop()
	if err := r.startSimnet(ctx); err != nil {
		return row, err
	}
	dsn, drop, err := benchDSN(ctx, cfg.dsn, n)
	if err != nil {
		return row, err
	}
	// The gateway stops before its schema goes, or it logs every write it still
	// makes failing on a missing table.
	defer func() { _ = r.stopGateway(); drop() }()
	hook, err := r.startHookReceiver()
	if err != nil {
		return row, err
	}
	defer hook.Close()
	if err := r.startGateway(ctx, dsn, hook.Addr().String()); err != nil {
		return row, err
	}
	if _, err := r.waitHealth(ctx); err != nil {
		return row, err
	}

	phone := func(i int) string { return fmt.Sprintf("3160%07d", i) }
	name := func(i int) string { return fmt.Sprintf("bench%05d", i) }
	// The accounts first, untimed: their phones live in simnet's process.
	start := time.Now()
	if err := parallel(ctx, 8, n, func(ctx context.Context, i int) error {
		return r.simPost(ctx, "/simnet/api/accounts", map[string]any{"phone": phone(i), "name": fmt.Sprintf("Bench %d", i)}, nil)
	}); err != nil {
		return row, fmt.Errorf("create accounts: %w", err)
	}
	fmt.Fprintf(logs, "bench N=%d: %d simulated accounts in %.1f s\n", n, n, time.Since(start).Seconds())

	done := make([]time.Duration, n)
	start = time.Now()
	var paired atomic.Int64
	if err := parallel(ctx, cfg.concurrency, n, func(ctx context.Context, i int) error {
		if err := r.pair(ctx, name(i), phone(i)); err != nil {
			return err
		}
		done[i] = time.Since(start)
		if k := paired.Add(1); k%max(1, int64(n/10)) == 0 {
			fmt.Fprintf(logs, "bench N=%d: %d paired, %.1f/s\n", n, k, float64(k)/time.Since(start).Seconds())
		}
		return nil
	}); err != nil {
		return row, fmt.Errorf("pair: %w", err)
	}
	total := time.Since(start)
	slices.Sort(done)
	row.pairRate = float64(n) / total.Seconds()
	// Flat means the last quarter pairs as fast as the first.
	q := max(1, n/4)
	row.pairFirst = float64(q) / done[q-1].Seconds()
	row.pairLast = row.pairFirst
	if q < n {
		row.pairLast = float64(q) / (done[n-1] - done[n-q-1]).Seconds()
	}

	// Idle: nothing asked of the gateway while its CPU time is counted.
	fmt.Fprintf(logs, "bench N=%d: all paired in %.1f s; idle %s\n", n, total.Seconds(), cfg.idle)
	cpu0, t0 := procCPU(r.gw.Process.Pid), time.Now()
	select {
	case <-ctx.Done():
		return row, ctx.Err()
	case <-time.After(cfg.idle):
	}
	row.idleCPU = 100 * (procCPU(r.gw.Process.Pid) - cpu0).Seconds() / time.Since(t0).Seconds()
	row.rss = procRSS(r.gw.Process.Pid)
	row.load = loadAverage()
	m, err := r.metrics(ctx)
	if err != nil {
		return row, err
	}
	row.goroutines = int(m["go_goroutines"])
	fmt.Fprintf(logs, "bench N=%d: after idle, RSS %d MB: Go heap in use %d MB, goroutine stacks %d MB, Go runtime total %d MB (the rest is C: SQLite's page cache)\n",
		n, row.rss>>20, int64(m["go_memstats_heap_inuse_bytes"])>>20, int64(m["go_memstats_stack_inuse_bytes"])>>20, int64(m["go_memstats_sys_bytes"])>>20)
	statuses, err := r.statuses(ctx)
	if err != nil {
		return row, err
	}
	row.working = statuses["WORKING"]
	if cfg.keep {
		r.saveProfile(ctx, "heap", fmt.Sprintf("heap-idle-%d.pb.gz", n))
		r.saveProfile(ctx, "goroutine", fmt.Sprintf("goroutine-idle-%d.pb.gz", n))
	}
	if row.working != n {
		fmt.Fprintf(logs, "bench N=%d: after idle, statuses %v\n", n, statuses)
	}

	if cfg.messages > 0 {
		if row.msgRate, err = r.messages(ctx, n, phone); err != nil {
			return row, fmt.Errorf("messages: %w", err)
		}
	}

	// Restart: SIGTERM, then the same gateway again on the same data.
	if err := r.stopGateway(); err != nil {
		return row, err
	}
	restart := time.Now()
	if err := r.execGateway(); err != nil {
		return row, err
	}
	if _, err := r.waitHealth(ctx); err != nil {
		return row, err
	}
	row.restartHealth = time.Since(restart)
	deadline := time.Now().Add(10*time.Minute + time.Duration(n)*20*time.Millisecond)
	for {
		st, err := r.statuses(ctx)
		if err == nil && st["WORKING"] == n {
			row.restartAll, row.restartWorking = time.Since(restart), n
			break
		}
		if time.Now().After(deadline) {
			row.restartAll, row.restartWorking = time.Since(restart), st["WORKING"]
			fmt.Fprintf(logs, "bench N=%d: after restart, statuses %v\n", n, st)
			break
		}
		select {
		case <-ctx.Done():
			return row, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	runtime.GC() // ours, not the gateway's: nothing to settle there but time
	select {
	case <-ctx.Done():
	case <-time.After(min(cfg.idle, 20*time.Second)):
	}
	row.rssRestart = procRSS(r.gw.Process.Pid)
	if m, err := r.metrics(ctx); err == nil {
		fmt.Fprintf(logs, "bench N=%d: after restart, RSS %d MB: Go heap in use %d MB, goroutine stacks %d MB, Go runtime total %d MB\n",
			n, row.rssRestart>>20, int64(m["go_memstats_heap_inuse_bytes"])>>20, int64(m["go_memstats_stack_inuse_bytes"])>>20, int64(m["go_memstats_sys_bytes"])>>20)
	}
	if cfg.keep {
		r.saveProfile(ctx, "heap", fmt.Sprintf("heap-restarted-%d.pb.gz", n))
	}
	return row, nil
}

// pair creates a session, waits for its QR code, scans it with the account's
// simulated phone and waits for WORKING.
func (r *benchRun) pair(ctx context.Context, name, phone string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := r.api(ctx, "POST", "/api/sessions", map[string]any{"name": name, "start": true}, nil); err != nil {
		return fmt.Errorf("create session %s: %w", name, err)
	}
	var qr struct {
		Value string `json:"value"`
	}
	for {
		err := r.api(ctx, "GET", "/api/"+name+"/auth/qr?format=raw", nil, &qr)
		if err == nil && qr.Value != "" {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("QR code of %s: %w", name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := r.simPost(ctx, "/simnet/api/accounts/"+phone+"/scan", map[string]any{"qr": qr.Value}, nil); err != nil {
		return fmt.Errorf("scan the QR code of %s: %w", name, err)
	}
	for {
		var s struct {
			Status string `json:"status"`
		}
		err := r.api(ctx, "GET", "/api/sessions/"+name, nil, &s)
		if err == nil && s.Status == "WORKING" {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s never WORKING (last %q, %v)", name, s.Status, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// messages sends cfg.messages texts, contact i to session i's account (contacts
// are new accounts), and returns messages/s from the first send to the webhook
// delivery of the last.
func (r *benchRun) messages(ctx context.Context, n int, phone func(int) string) (float64, error) {
	c := r.cfg.contacts
	contact := func(i int) string { return fmt.Sprintf("3170%07d", i) }
	if err := parallel(ctx, 8, c, func(ctx context.Context, i int) error {
		return r.simPost(ctx, "/simnet/api/accounts", map[string]any{"phone": contact(i), "name": fmt.Sprintf("Contact %d", i)}, nil)
	}); err != nil {
		return 0, fmt.Errorf("create contacts: %w", err)
	}
	r.hookMu.Lock()
	r.hookN.Store(0)
	r.hookWant = int64(r.cfg.messages)
	r.hookDone = make(chan struct{})
	done := r.hookDone
	r.hookMu.Unlock()
	start := time.Now()
	per := (r.cfg.messages + c - 1) / c
	if err := parallel(ctx, c, c, func(ctx context.Context, i int) error {
		to := phone(i%n) + "@c.us"
		for j := 0; j < per && i*per+j < r.cfg.messages; j++ {
			if err := r.simPost(ctx, "/simnet/api/accounts/"+contact(i)+"/messages", map[string]any{"to": to, "text": fmt.Sprintf("bench %d/%d", i, j)}, nil); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return 0, err
	}
	sent := time.Since(start)
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		return 0, fmt.Errorf("%d of %d messages reached the webhook in 5 min", r.hookN.Load(), r.cfg.messages)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	took := time.Since(start)
	fmt.Fprintf(r.logs, "bench N=%d: %d messages sent in %.1f s, all at the webhook after %.1f s\n", n, r.cfg.messages, sent.Seconds(), took.Seconds())
	return float64(r.cfg.messages) / took.Seconds(), nil
}

func (r *benchRun) startHookReceiver() (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var ev struct {
			Event   string `json:"event"`
			Payload struct {
				ID     string `json:"id"`
				FromMe bool   `json:"fromMe"`
			} `json:"payload"`
		}
		if err := json.NewDecoder(req.Body).Decode(&ev); err != nil || ev.Event != "message" || ev.Payload.FromMe {
			w.WriteHeader(http.StatusOK)
			return
		}
		r.hookMu.Lock()
		if !r.hookSeen[ev.Payload.ID] {
			r.hookSeen[ev.Payload.ID] = true
			if r.hookN.Add(1) == r.hookWant && r.hookDone != nil {
				close(r.hookDone)
			}
		}
		r.hookMu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	return ln, nil
}

func (r *benchRun) startSimnet(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, r.exe, "simnet", "--listen", "127.0.0.1:0", "--data", filepath.Join(r.dir, "simnet"))
	logf, err := os.Create(filepath.Join(r.dir, "simnet.log"))
	if err != nil {
		return err
	}
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlives the bench
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start simnet: %w", err)
	}
	r.sim = cmd
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if _, addr, ok := strings.Cut(line, "is up on "); ok {
			r.simAddr = strings.TrimSpace(addr)
		}
		if _, key, ok := strings.Cut(line, "Root key:"); ok {
			r.simKey = strings.TrimSpace(key)
		}
		if r.simAddr != "" && r.simKey != "" {
			break
		}
	}
	go io.Copy(logf, out)
	if r.simAddr == "" || r.simKey == "" {
		return errors.New("simnet did not print its address and root key (see simnet.log)")
	}
	r.simURL = "http://" + r.simAddr
	return nil
}

func (r *benchRun) startGateway(ctx context.Context, dsn, hookAddr string) error {
	port, err := benchFreePort()
	if err != nil {
		return err
	}
	pport, err := benchFreePort()
	if err != nil {
		return err
	}
	r.pprof = fmt.Sprintf("http://127.0.0.1:%d/debug/pprof", pport)
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	r.key = hex.EncodeToString(b)
	r.gwURL = fmt.Sprintf("http://127.0.0.1:%d", port)
	r.gwEnv = append(os.Environ(),
		"WAGATE_DATA_DIR="+filepath.Join(r.dir, "gateway"),
		"WAGATE_SERVER_HOST=127.0.0.1", "WAGATE_SERVER_PORT="+strconv.Itoa(port),
		"WAHA_API_KEY="+r.key, "WHATSAPP_DEFAULT_ENGINE=NOWEB", "WAHA_LOG_LEVEL=warn",
		"WAGATE_STORE_DSN="+dsn,
		"WAGATE_ENGINES_NOWEB_SIMNET_ADDR="+r.simAddr, "WAGATE_ENGINES_NOWEB_SIMNET_ROOT_PUBLIC_KEY="+r.simKey,
		"WHATSAPP_HOOK_URL=http://"+hookAddr+"/hook", "WHATSAPP_HOOK_EVENTS=message",
		fmt.Sprintf("WAGATE_DEBUG_PPROF=127.0.0.1:%d", pport),
	)
	return r.execGateway()
}

func (r *benchRun) execGateway() error {
	logf, err := os.OpenFile(filepath.Join(r.dir, "gateway.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(r.exe, "serve")
	cmd.Env = r.gwEnv
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start gateway: %w", err)
	}
	r.gw = cmd
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); logf.Close() }()
	r.gwExited = exited
	return nil
}

func (r *benchRun) stopGateway() error {
	if r.gw == nil {
		return nil
	}
	_ = r.gw.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.gwExited:
	case <-time.After(3 * time.Minute):
		_ = r.gw.Process.Kill()
		<-r.gwExited
		return errors.New("gateway did not stop within 3 min of SIGTERM")
	}
	r.gw = nil
	return nil
}

func (r *benchRun) stop() {
	_ = r.stopGateway()
	if r.sim != nil {
		_ = r.sim.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = r.sim.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(time.Minute):
			_ = r.sim.Process.Kill()
		}
	}
}

func (r *benchRun) waitHealth(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", r.gwURL+"/health", nil)
		res, err := r.http.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		select {
		case err := <-r.gwExited:
			return 0, fmt.Errorf("gateway exited at start (%v); see %s", err, filepath.Join(r.dir, "gateway.log"))
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Since(start) > 5*time.Minute {
			return 0, errors.New("gateway not healthy after 5 min")
		}
	}
}

func (r *benchRun) statuses(ctx context.Context) (map[string]int, error) {
	var list []struct {
		Status string `json:"status"`
	}
	if err := r.api(ctx, "GET", "/api/sessions?all=true", nil, &list); err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, s := range list {
		out[s.Status]++
	}
	return out, nil
}

// metrics reads the gateway's /metrics samples without labels.
func (r *benchRun) metrics(ctx context.Context) (map[string]float64, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", r.gwURL+"/metrics", nil)
	req.Header.Set("X-Api-Key", r.key)
	res, err := r.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") || strings.Contains(name, "{") {
			continue
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			out[name] = f
		}
	}
	if _, ok := out["go_goroutines"]; !ok {
		return nil, errors.New("no go_goroutines in /metrics")
	}
	return out, nil
}

func (r *benchRun) api(ctx context.Context, method, path string, body, out any) error {
	return r.do(ctx, method, r.gwURL+path, body, out, true)
}

func (r *benchRun) simPost(ctx context.Context, path string, body, out any) error {
	return r.do(ctx, "POST", r.simURL+path, body, out, false)
}

func (r *benchRun) do(ctx context.Context, method, u string, body, out any, key bool) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if key {
		req.Header.Set("X-Api-Key", r.key)
	}
	res, err := r.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s %s", method, u, res.Status, bytes.TrimSpace(raw))
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// benchDSN is the run's store: "" (SQLite in the gateway's data dir) or a new
// schema in the PostgreSQL database base names, dropped by the returned func.
func benchDSN(ctx context.Context, base string, n int) (string, func(), error) {
	if base == "" {
		return "", func() {}, nil
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	schema := fmt.Sprintf("bench_%d_%s", n, hex.EncodeToString(b))
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	u, err := url.Parse(base)
	if err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("--dsn: want a postgres:// URL: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	}, nil
}

// parallel runs fn(0..n-1), limit at a time; the first error stops the rest.
func parallel(ctx context.Context, limit, n int, fn func(context.Context, int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for i := range n {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return fn(gctx, i) })
	}
	return g.Wait()
}

func benchFreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// procRSS is a process's resident set (VmRSS), in bytes.
func procRSS(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
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

// procCPU is a process's user+system CPU time so far.
func procCPU(pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces; the fields after it are fixed.
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / ticks
}

func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// saveProfile keeps one of the gateway's pprof profiles in the run's dir.
func (r *benchRun) saveProfile(ctx context.Context, name, file string) {
	req, _ := http.NewRequestWithContext(ctx, "GET", r.pprof+"/"+name, nil)
	res, err := r.http.Do(req)
	if err != nil {
		fmt.Fprintf(r.logs, "bench: %s profile: %v\n", name, err)
		return
	}
	defer res.Body.Close()
	f, err := os.Create(filepath.Join(r.dir, file))
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = io.Copy(f, res.Body)
}

// raiseFDLimit raises this process's open-file limit (its children inherit it)
// to want where it may (root may raise the hard limit too) and returns it.
func raiseFDLimit(want uint64) uint64 {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0
	}
	if r.Max < want {
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: want, Max: want}); err == nil {
			return want
		}
	}
	r.Cur = r.Max
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r)
	return r.Cur
}

// Package baileys runs stock Baileys (the npm package behind WAHA's NOWEB
// engine: an independent implementation of the WhatsApp multi-device
// protocol) against simnet: the fidelity check of the simulated server, and
// the peer side of the NOWEB benchmark.
//
// Two versions are installed side by side under npm aliases, pinned by
// package-lock.json in this directory: the current 6.x (6.17.16, which
// still speaks the binary dictionary version 2) and 6.7.x (6.7.24,
// version 3). package.json's overrides replace two dependencies Baileys
// names by GitHub URL, which cannot be fetched here, with their releases on
// the npm registry: libsignal (6.0.0, the same code) and
// @whiskeysockets/eslint-config (a lint preset 6.17.16 lists by mistake).
//
// run.js starts and drives Baileys sockets on commands from the Go side and
// reports Baileys' events; Baileys' own log (pino, JSON lines on stderr) is
// read for errors and warnings.
package baileys

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wagate/wagate/engines/internal/npmci"
)

// The installed versions, by their npm alias (Options.Package).
const (
	Current = "baileys-6.17" // @whiskeysockets/baileys 6.17.16
	Legacy  = "baileys-6.7"  // @whiskeysockets/baileys 6.7.24
)

// Dir is this package's directory: package.json, package-lock.json,
// run.js, and node_modules once installed.
func Dir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("baileys: cannot locate the harness directory")
	}
	return filepath.Dir(file), nil
}

// Options start a Peer.
type Options struct {
	Package    string // Current or Legacy
	SimnetAddr string // host:port of simnet (Server.Addr)
	LogLevel   string // pino level of Baileys' logger [info]
	// Log, when set, gets every line of Baileys' log and of libsignal's
	// console output, as it comes.
	Log func(line string)
}

// Event is one Baileys event of one socket.
type Event struct {
	Sock string          `json:"sock"`
	Name string          `json:"name"`
	Data json.RawMessage `json:"data"`
}

type line struct {
	Type   string          `json:"type"`
	ID     int64           `json:"id"`
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
	Event
}

// Peer is one run.js process with its sockets.
type Peer struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan struct{}
	ready chan line

	mu       sync.Mutex
	nextID   int64
	waiting  map[int64]chan line
	events   []Event
	changed  chan struct{} // closed and replaced on every event
	problems []string
	stopped  map[string]bool // sockets ended on purpose: what they log after is not counted
	err      error

	writeMu sync.Mutex
}

// Start installs the harness if needed and starts run.js.
func Start(ctx context.Context, o Options) (*Peer, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	if err := npmci.Install(ctx, dir); err != nil {
		return nil, fmt.Errorf("baileys: %w", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("baileys: node not found in PATH: install Node.js (Debian: apt-get install nodejs)")
	}
	if o.LogLevel == "" {
		o.LogLevel = "info"
	}
	events, eventsW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("baileys: %w", err)
	}
	// node has its own copy of the write end once started; ours would keep
	// the pipe open after node ended.
	defer eventsW.Close()
	cmd := exec.Command(node, "--expose-gc", filepath.Join(dir, "run.js"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SIMNET_ADDR="+o.SimnetAddr, "BAILEYS_PKG="+o.Package, "LOG_LEVEL="+o.LogLevel)
	cmd.ExtraFiles = []*os.File{eventsW} // fd 3
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("baileys: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("baileys: %w", err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("baileys: %w", err)
	}
	if err := cmd.Start(); err != nil {
		events.Close()
		return nil, fmt.Errorf("baileys: starting run.js: %w", err)
	}
	p := &Peer{cmd: cmd, stdin: stdin, done: make(chan struct{}), ready: make(chan line, 1),
		waiting: map[int64]chan line{}, changed: make(chan struct{}), stopped: map[string]bool{}}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.readLog(stdout, false, o.Log) }()
	go func() { defer wg.Done(); p.readLog(stderr, true, o.Log) }()
	go func() {
		defer events.Close()
		p.read(events)
		wg.Wait()
		close(p.done)
	}()
	select {
	case l, ok := <-p.ready:
		if !ok {
			return nil, fmt.Errorf("baileys: run.js ended before it was ready: %s", strings.Join(p.Problems(), "; "))
		}
		var r struct {
			Version string `json:"version"`
		}
		_ = json.Unmarshal(l.Result, &r)
		if r.Version == "" {
			p.Close()
			return nil, fmt.Errorf("baileys: run.js did not say which Baileys it loaded")
		}
		return p, nil
	case <-ctx.Done():
		p.Close()
		return nil, fmt.Errorf("baileys: waiting for run.js: %w", ctx.Err())
	}
}

// read takes run.js's answers and events.
func (p *Peer) read(r io.Reader) {
	defer close(p.ready)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	readySent := false
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			p.problem(fmt.Sprintf("run.js wrote a non-JSON line: %.200q", sc.Text()))
			continue
		}
		switch l.Type {
		case "ready":
			if !readySent {
				p.ready <- l
				readySent = true
			}
		case "result":
			p.mu.Lock()
			ch := p.waiting[l.ID]
			delete(p.waiting, l.ID)
			p.mu.Unlock()
			if ch != nil {
				ch <- l
			} else {
				p.problem(fmt.Sprintf("run.js answered command %d, which nobody asked: %s", l.ID, l.Error))
			}
		case "event":
			p.mu.Lock()
			p.events = append(p.events, l.Event)
			close(p.changed)
			p.changed = make(chan struct{})
			p.mu.Unlock()
		case "nodeerror":
			p.problem("node: " + l.Error)
		}
	}
	if err := sc.Err(); err != nil {
		p.setErr(fmt.Errorf("baileys: reading run.js: %w", err))
	}
	p.mu.Lock()
	for id, ch := range p.waiting {
		close(ch)
		delete(p.waiting, id)
	}
	p.mu.Unlock()
}

// logEntry is the part of a pino line the checks look at.
type logEntry struct {
	Level int    `json:"level"`
	Msg   string `json:"msg"`
	Sock  string `json:"sock"`
	Node  *struct {
		Tag   string            `json:"tag"`
		Attrs map[string]string `json:"attrs"`
	} `json:"node"`
}

// readLog reads Baileys' log (stderr: pino's JSON lines, and libsignal's
// console.warn/error) or libsignal's console.info chatter (stdout). A
// warning or error is a problem, but for the stream error 515 (the server's
// "restart required" after pairing, which Baileys logs as an error and
// answers with a new connection, as it should) and what a socket logs after
// the test ended it.
func (p *Peer) readLog(r io.Reader, isStderr bool, tee func(string)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		text := sc.Text()
		if tee != nil {
			tee(text)
		}
		if !isStderr {
			continue
		}
		var e logEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Level == 0 {
			// Not pino: libsignal's console.warn / console.error (its
			// console.info goes to stdout), or node itself.
			if strings.TrimSpace(text) != "" {
				p.problem("stderr: " + truncate(text, 2000))
			}
			continue
		}
		if e.Level < 40 { // pino: 40 warn, 50 error, 60 fatal
			continue
		}
		if e.Node != nil && e.Node.Tag == "stream:error" && e.Node.Attrs["code"] == "515" {
			continue
		}
		p.mu.Lock()
		stopped := p.stopped[e.Sock]
		p.mu.Unlock()
		if stopped {
			continue
		}
		p.problem("log: " + truncate(text, 4000))
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func (p *Peer) problem(s string) {
	p.mu.Lock()
	p.problems = append(p.problems, s)
	p.mu.Unlock()
}

func (p *Peer) setErr(err error) {
	p.mu.Lock()
	if p.err == nil {
		p.err = err
	}
	p.mu.Unlock()
}

// Problems lists Baileys' errors and warnings (but the expected ones),
// node's uncaught exceptions, and anything run.js said it should not have.
func (p *Peer) Problems() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := append([]string(nil), p.problems...)
	if p.err != nil {
		out = append(out, p.err.Error())
	}
	return out
}

// Call runs op in run.js with args (args.sock names the socket) and decodes
// its result into out, which may be nil.
func (p *Peer) Call(ctx context.Context, op string, args map[string]any, out any) error {
	ch := make(chan line, 1)
	p.mu.Lock()
	p.nextID++
	id := p.nextID
	p.waiting[id] = ch
	if op == "end" {
		if s, ok := args["sock"].(string); ok {
			p.stopped[s] = true
		}
	}
	p.mu.Unlock()
	b, err := json.Marshal(map[string]any{"id": id, "op": op, "args": args})
	if err != nil {
		return fmt.Errorf("baileys: encoding %s: %w", op, err)
	}
	p.writeMu.Lock()
	_, err = p.stdin.Write(append(b, '\n'))
	p.writeMu.Unlock()
	if err != nil {
		return fmt.Errorf("baileys: writing %s to run.js: %w", op, err)
	}
	select {
	case l, ok := <-ch:
		if !ok {
			return fmt.Errorf("baileys: run.js ended before answering %s (%s)", op, strings.Join(p.Problems(), "; "))
		}
		if !l.OK {
			return fmt.Errorf("baileys: %s: %s", op, l.Error)
		}
		if out != nil {
			if err := json.Unmarshal(l.Result, out); err != nil {
				return fmt.Errorf("baileys: decoding the result of %s: %w", op, err)
			}
		}
		return nil
	case <-ctx.Done():
		p.mu.Lock()
		delete(p.waiting, id)
		p.mu.Unlock()
		return fmt.Errorf("baileys: waiting for %s: %w", op, ctx.Err())
	}
}

// WaitEvent waits for an event of socket sock called name (any name when
// empty) for which match (which may be nil) holds, looking at every event since the process
// started, and returns the first such one.
func (p *Peer) WaitEvent(ctx context.Context, sock, name string, match func(Event) bool) (Event, error) {
	seen := 0
	for {
		p.mu.Lock()
		evs := p.events[seen:]
		seen = len(p.events)
		changed := p.changed
		p.mu.Unlock()
		for _, e := range evs {
			if e.Sock == sock && (name == "" || e.Name == name) && (match == nil || match(e)) {
				return e, nil
			}
		}
		select {
		case <-changed:
		case <-p.done:
			return Event{}, fmt.Errorf("baileys: run.js ended while waiting for %s of %s (%s)", name, sock, strings.Join(p.Problems(), "; "))
		case <-ctx.Done():
			return Event{}, fmt.Errorf("baileys: waiting for %s of %s: %w", name, sock, ctx.Err())
		}
	}
}

// Events lists the events of socket sock called name so far.
func (p *Peer) Events(sock, name string) []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Event
	for _, e := range p.events {
		if e.Sock == sock && e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// AllEvents lists every event so far.
func (p *Peer) AllEvents() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Event(nil), p.events...)
}

// PID is run.js's process id.
func (p *Peer) PID() int { return p.cmd.Process.Pid }

// Close ends run.js: stdin closes, its sockets end, it exits; if it does
// not, it is killed.
func (p *Peer) Close() error {
	_ = p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
	_ = p.cmd.Wait()
	return nil
}

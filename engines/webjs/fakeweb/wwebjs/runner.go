// Package wwebjs runs stock whatsapp-web.js (the npm package behind WAHA's
// WEBJS engine, pinned by package-lock.json in this directory) against
// fakeweb: the fidelity check of the fake WhatsApp Web, and the peer side
// of the WEBJS benchmark.
//
// run.js drives whatsapp-web.js through a scenario, one step at a time; a
// Run reads its steps and events and lets it go on when the Go side has
// checked the step against fakeweb's account state.
package wwebjs

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

	"github.com/wagate/wagate/engines/internal/npmci"
)

// Dir is this package's directory: package.json, package-lock.json,
// run.js, and node_modules once installed.
func Dir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("wwebjs: cannot locate the harness directory")
	}
	return filepath.Dir(file), nil
}

// Install runs `npm ci` in dir when node_modules is missing or was
// installed from another package-lock.json.
func Install(ctx context.Context, dir string) error {
	if err := npmci.Install(ctx, dir, "PUPPETEER_SKIP_DOWNLOAD=true"); err != nil {
		return fmt.Errorf("wwebjs: %w", err)
	}
	return nil
}

// Options start a Run.
type Options struct {
	Scenario    string // fidelity | bench
	FakewebAddr string // host:port of fakeweb's TLS listener (Server.TLSAddr)
	Chromium    string // browser executable [/usr/bin/chromium]
	DataDir     string // LocalAuth directory (the Chromium profile lives under it)
	// OnEvent is called, from the reading goroutine, for every event line
	// (a whatsapp-web.js event, an error line, "initialized"). It must not block.
	OnEvent func(Line)
	Stderr  io.Writer // run.js's stderr [discarded]
}

// Line is one line run.js printed.
type Line struct {
	Type       string            `json:"type"` // event, step, pageerror, consoleerror, nodeerror, initialized, done
	Name       string            `json:"name"`
	Args       []json.RawMessage `json:"args"`
	OK         bool              `json:"ok"`
	Ms         float64           `json:"ms"`
	Result     json.RawMessage   `json:"result"`
	Error      string            `json:"error"`
	Message    string            `json:"message"`
	PageErrors []string          `json:"pageErrors"`
	PID        int               `json:"pid"`
	Raw        string            `json:"-"`
}

// Run is one run.js process.
type Run struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	steps chan Line
	done  chan struct{}

	mu         sync.Mutex
	browserPID int
	errs       []string // page errors, unhandled rejections, console errors
	final      *Line
	events     []Line
	err        error
}

// Start installs the harness if needed and starts run.js.
func Start(ctx context.Context, o Options) (*Run, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	if err := Install(ctx, dir); err != nil {
		return nil, err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("wwebjs: node not found in PATH: install Node.js (Debian: apt-get install nodejs)")
	}
	if o.Chromium == "" {
		o.Chromium = "/usr/bin/chromium"
	}
	cmd := exec.Command(node, filepath.Join(dir, "run.js"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"FAKEWEB_ADDR="+o.FakewebAddr, "CHROMIUM="+o.Chromium, "DATA_DIR="+o.DataDir, "SCENARIO="+o.Scenario)
	cmd.Stderr = o.Stderr
	// Its own process group, so Close ends Chromium too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("wwebjs: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("wwebjs: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("wwebjs: starting run.js: %w", err)
	}
	r := &Run{cmd: cmd, stdin: stdin, steps: make(chan Line, 1), done: make(chan struct{})}
	go r.read(stdout, o.OnEvent)
	return r, nil
}

func (r *Run) read(stdout io.Reader, onEvent func(Line)) {
	defer close(r.done)
	defer close(r.steps)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var l Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			r.setErr(fmt.Errorf("wwebjs: run.js printed a non-JSON line: %q", sc.Text()))
			continue
		}
		l.Raw = sc.Text()
		switch l.Type {
		case "step":
			r.steps <- l
			continue
		case "done":
			r.mu.Lock()
			r.final = &l
			r.mu.Unlock()
		case "pageerror", "consoleerror", "nodeerror":
			r.mu.Lock()
			r.errs = append(r.errs, l.Type+": "+l.Message)
			r.mu.Unlock()
		case "browser":
			r.mu.Lock()
			r.browserPID = l.PID
			r.mu.Unlock()
		case "event":
			r.mu.Lock()
			r.events = append(r.events, l)
			r.mu.Unlock()
		}
		if onEvent != nil {
			onEvent(l)
		}
	}
	if err := sc.Err(); err != nil {
		r.setErr(fmt.Errorf("wwebjs: reading run.js: %w", err))
	}
}

func (r *Run) setErr(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = err
	}
}

// Next waits for run.js's next step.
func (r *Run) Next(ctx context.Context) (Line, error) {
	select {
	case l, ok := <-r.steps:
		if !ok {
			return Line{}, fmt.Errorf("wwebjs: run.js ended before its next step (errors: %s)", strings.Join(r.Errors(), "; "))
		}
		return l, nil
	case <-ctx.Done():
		return Line{}, fmt.Errorf("wwebjs: waiting for run.js's next step: %w", ctx.Err())
	}
}

// Step waits for the step called name, fails if it is another or did not
// succeed, and decodes its result into out (which may be nil).
func (r *Run) Step(ctx context.Context, name string, out any) (Line, error) {
	l, err := r.Next(ctx)
	if err != nil {
		return l, err
	}
	if l.Name != name {
		return l, fmt.Errorf("wwebjs: step %q, want %q", l.Name, name)
	}
	if !l.OK {
		return l, fmt.Errorf("wwebjs: step %s failed: %s", name, l.Error)
	}
	if out != nil {
		if err := json.Unmarshal(l.Result, out); err != nil {
			return l, fmt.Errorf("wwebjs: decoding the result of %s: %w", name, err)
		}
	}
	return l, nil
}

// Continue lets run.js take its next step, with data as its input.
func (r *Run) Continue(data any) error {
	b, err := json.Marshal(map[string]any{"data": data})
	if err != nil {
		return fmt.Errorf("wwebjs: encoding step data: %w", err)
	}
	if _, err := r.stdin.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("wwebjs: writing to run.js: %w", err)
	}
	return nil
}

// Errors lists the page errors, unhandled rejections and console errors
// seen so far.
func (r *Run) Errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

// Events lists the whatsapp-web.js events seen so far.
func (r *Run) Events() []Line {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Line(nil), r.events...)
}

// Wait waits for run.js to finish (after its last step has been
// continued) and returns its final line.
func (r *Run) Wait(ctx context.Context) (Line, error) {
	select {
	case <-r.done:
	case <-ctx.Done():
		return Line{}, fmt.Errorf("wwebjs: waiting for run.js to finish: %w", ctx.Err())
	}
	werr := r.cmd.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return Line{}, r.err
	}
	if r.final == nil {
		return Line{}, fmt.Errorf("wwebjs: run.js ended without its final line: %v", werr)
	}
	if werr != nil {
		return *r.final, fmt.Errorf("wwebjs: run.js: %w", werr)
	}
	return *r.final, nil
}

// BrowserPID is the pid of the Chromium run.js launched (0 until known).
func (r *Run) BrowserPID() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.browserPID
}

// Close stops run.js and its browser if they are still running.
func (r *Run) Close() error {
	_ = r.stdin.Close()
	if r.cmd.ProcessState == nil {
		_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL) // node's group
		<-r.done
		_ = r.cmd.Wait()
	}
	// Puppeteer starts Chromium detached, in a group of its own; after a
	// clean run it is gone already.
	if pid := r.BrowserPID(); pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
	return nil
}

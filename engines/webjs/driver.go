// Package webjs drives WhatsApp Web in a headless Chromium through
// chromedp: one browser per session, our injected JavaScript (js/*.js)
// on top of WA's own modules, typed operations evaluated in the page, and
// page events pushed back through an exposed function.
//
// The Driver knows nothing of the gateway core; an engine adapter maps its
// types onto the core's.
package webjs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Status is where the session stands, from the page's point of view.
type Status string

// Statuses, named as the gateway's session statuses.
const (
	StatusStarting Status = "STARTING"
	StatusScanQR   Status = "SCAN_QR_CODE"
	StatusWorking  Status = "WORKING"
	StatusFailed   Status = "FAILED"
)

// Driver is one Chromium running one WhatsApp Web tab.
type Driver struct {
	cfg Config
	log *slog.Logger

	allocCancel context.CancelFunc
	tabCtx      context.Context
	tabCancel   context.CancelFunc

	events    chan Event
	closed    chan struct{}
	closeOnce sync.Once
	died      chan struct{}
	diedOnce  sync.Once

	emitters sync.WaitGroup // onEmit calls in flight; Close waits for them before closing events

	mu         sync.Mutex
	closing    bool
	browser    *chromedp.Browser // set once started
	diedErr    error
	status     Status
	qr         string
	me         *Me
	pageReady  bool // this document reported ready
	reason     string
	statusWake chan struct{} // closed and replaced on every status change
}

// Launch starts Chromium with cfg.ProfileDir, injects our script and opens
// cfg.URL. ctx bounds only the start; the browser lives until Close.
func Launch(ctx context.Context, cfg Config) (*Driver, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.ProfileDir, 0o700); err != nil {
		return nil, fmt.Errorf("webjs: creating profile dir: %w", err)
	}
	script, err := injectedScript(scriptConfig{LoadTimeoutMs: cfg.LoadTimeout.Milliseconds()})
	if err != nil {
		return nil, fmt.Errorf("webjs: %w", err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(cfg.BrowserPath),
		chromedp.UserDataDir(cfg.ProfileDir),
		chromedp.UserAgent(cfg.UserAgent),
	)
	for _, f := range serverFlags() {
		opts = append(opts, chromedp.Flag(f.name, f.value))
	}
	if cfg.SingleProcess {
		opts = append(opts, chromedp.Flag("single-process", true), chromedp.Flag("no-zygote", true))
	}
	for _, k := range slices.Sorted(maps.Keys(cfg.ExtraFlags)) {
		opts = append(opts, chromedp.Flag(k, cfg.ExtraFlags[k]))
	}
	if _, set := cfg.ExtraFlags["no-sandbox"]; !set && os.Geteuid() == 0 {
		// Chromium refuses to run its sandbox as root.
		opts = append(opts, chromedp.NoSandbox)
	}
	// The browser's lifetime is the driver's, not the caller's ctx.
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	log := cfg.Logger.With("component", "webjs", "profile", cfg.ProfileDir)
	tabCtx, tabCancel := chromedp.NewContext(allocCtx,
		chromedp.WithErrorf(func(f string, a ...any) { log.Debug("chromedp: " + fmt.Sprintf(f, a...)) }),
	)
	d := &Driver{
		cfg: cfg, log: log,
		allocCancel: allocCancel, tabCtx: tabCtx, tabCancel: tabCancel,
		events:     make(chan Event, cfg.EventBuffer),
		closed:     make(chan struct{}),
		died:       make(chan struct{}),
		status:     StatusStarting,
		statusWake: make(chan struct{}),
	}

	startCtx, cancel := context.WithTimeout(ctx, cfg.StartTimeout)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- d.start(script) }()
	select {
	case err = <-errc:
	case <-startCtx.Done():
		err = fmt.Errorf("webjs: starting the browser: %w", startCtx.Err())
	}
	if err != nil {
		if le := launchError(err); le != nil {
			d.log.Debug("webjs: chromium's output", "output", le.Output)
			err = le
		}
		d.log.Warn("webjs: launch failed", "err", err)
		_ = d.Close()
		return nil, err
	}
	return d, nil
}

// LaunchError is Chromium exiting before it could be driven: a sandbox the
// system forbids, a missing library, a bad flag, no browser at the path.
// Starting it again fails the same way, so a session reports it once and
// waits for the operator.
type LaunchError struct {
	Reason string // one line: what Chromium said, and what to do about it
	Output string // all Chromium printed
}

func (e *LaunchError) Error() string { return "webjs: chromium could not start: " + e.Reason }

// chromiumLogPrefix is the "[pid:tid:MMDD/HHMMSS.micro:LEVEL:file.cc(line)] " of
// Chromium's log lines.
var chromiumLogPrefix = regexp.MustCompile(`^\[[^\]]*:(FATAL|ERROR|WARNING|INFO|VERBOSE\d*):[^\]]*\] ?`)

// launchError recognizes chromedp's report of a browser that exited at start
// and says why in one line, or returns nil for any other error.
func launchError(err error) *LaunchError {
	const marker = "chrome failed to start:"
	msg := err.Error()
	i := strings.Index(msg, marker)
	if i < 0 {
		return nil
	}
	out := strings.TrimSpace(msg[i+len(marker):])
	var fatal, errLine, last string
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		m := chromiumLogPrefix.FindStringSubmatch(line)
		text := chromiumLogPrefix.ReplaceAllString(line, "")
		switch {
		case m != nil && m[1] == "FATAL" && fatal == "":
			fatal = text
		case m != nil && m[1] == "ERROR" && errLine == "":
			errLine = text
		case m == nil:
			last = text
		}
	}
	said := cmp.Or(fatal, errLine, last, "it printed nothing and exited")
	if len(said) > 240 {
		said = said[:240] + "…"
	}
	reason := said
	switch {
	case strings.Contains(out, "No usable sandbox") || strings.Contains(out, "Failed to move to new namespace"):
		reason = `its sandbox is not allowed here (Chromium: "No usable sandbox!"). Under Docker's default seccomp profile a non-root Chromium cannot make its sandbox: ` +
			"set engines.webjs.sandbox to false (WAGATE_ENGINES_WEBJS_SANDBOX=false, as the wagate image does), " +
			"or give the container a seccomp profile that allows user namespaces"
	case strings.Contains(out, "Running as root without --no-sandbox"):
		reason = said + " Set engines.webjs.sandbox to false, or run wagate as another user"
	case strings.Contains(out, "error while loading shared libraries"):
		reason = said + " Install Chromium with its dependencies (Debian: apt-get install chromium)"
	}
	return &LaunchError{Reason: reason, Output: out}
}

func (d *Driver) start(script string) error {
	if err := chromedp.Do(d.tabCtx); err != nil {
		return fmt.Errorf("webjs: starting chromium: %w", err)
	}
	browser := chromedp.FromContext(d.tabCtx).Browser
	d.mu.Lock()
	d.browser = browser
	d.mu.Unlock()
	// Subscribe before navigating so no crash goes unseen.
	crashes := chromedp.Events(d.tabCtx, inspector.TargetCrashed)
	go d.watch(browser, crashes)

	addScript := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script})
		return err
	})
	if err := chromedp.Do(d.tabCtx,
		chromedp.ExposeFunc("wagateEmit", d.onEmit),
		addScript,
		chromedp.Navigate(d.cfg.URL),
	); err != nil {
		return fmt.Errorf("webjs: opening %s: %w", d.cfg.URL, err)
	}
	return nil
}

// watch turns a lost browser, a crashed renderer or a closed tab into Died.
func (d *Driver) watch(browser *chromedp.Browser, crashes iter.Seq2[inspector.EventTargetCrashed, error]) {
	go func() {
		for _, err := range crashes {
			if err != nil {
				return
			}
			d.markDied(ErrPageCrashed)
			return
		}
	}()
	detached, err := chromedp.Detached(d.tabCtx)
	if err != nil {
		detached = nil // never fires
	}
	select {
	case <-browser.LostConnection:
		err := ErrBrowserExited
		if p := browser.Process(); p != nil {
			err = fmt.Errorf("%w (pid %d)", ErrBrowserExited, p.Pid)
		}
		d.markDied(err)
	case <-detached:
		d.markDied(fmt.Errorf("%w: the tab went away", ErrPageCrashed))
	case <-d.closed:
	}
}

func (d *Driver) markDied(err error) {
	select {
	case <-d.closed:
		return // an orderly Close, not a death
	default:
	}
	d.diedOnce.Do(func() {
		d.mu.Lock()
		d.diedErr = err
		d.mu.Unlock()
		d.setStatus(StatusFailed, err.Error())
		d.log.Warn("webjs: browser or page died", "err", err)
		close(d.died)
	})
}

// Died is closed when Chromium exits or the page crashes unexpectedly;
// Err then says why. The session should go FAILED and be restarted.
func (d *Driver) Died() <-chan struct{} { return d.died }

// Err is why the driver died (ErrBrowserExited, ErrPageCrashed), or nil.
func (d *Driver) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.diedErr
}

// Events delivers page events in order. Drain it: when it is full the page
// holds further events back (it never drops them while the tab lives).
// Close closes it.
func (d *Driver) Events() <-chan Event { return d.events }

// Close shuts Chromium down (gracefully, then by force) and stops events.
// It never blocks for more than about ten seconds.
func (d *Driver) Close() error {
	d.closeOnce.Do(func() {
		d.mu.Lock()
		d.closing = true
		d.mu.Unlock()
		close(d.closed)
		browser := d.browserOf()
		done := make(chan struct{})
		go func() {
			defer close(done)
			if browser != nil {
				// Graceful: Browser.close, then wait for the process.
				_ = chromedp.Cancel(d.tabCtx)
			} else {
				// Never started: tear the allocator down first, or the
				// tab's cancel waits for a browser that will not come.
				d.allocCancel()
			}
			d.tabCancel()
			d.allocCancel()
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			d.log.Warn("webjs: browser did not close in time; killing it")
			if browser != nil && browser.Process() != nil {
				_ = browser.Process().Kill()
			}
		}
		// No onEmit can start now, and running ones return on d.closed.
		d.emitters.Wait()
		close(d.events)
	})
	return nil
}

// onEmit receives a batch of events from window.wagateEmit.
func (d *Driver) onEmit(ctx context.Context, b emitBatch) (chromedp.Void, error) {
	d.mu.Lock()
	if d.closing {
		d.mu.Unlock()
		return chromedp.Void{}, ErrClosed
	}
	d.emitters.Add(1)
	d.mu.Unlock()
	defer d.emitters.Done()
	for _, ev := range b.Events {
		d.apply(ev)
		select {
		case d.events <- ev:
		case <-d.closed:
			return chromedp.Void{}, ErrClosed
		case <-ctx.Done():
			return chromedp.Void{}, ctx.Err()
		}
	}
	return chromedp.Void{}, nil
}

// apply tracks the session status from the page's events.
func (d *Driver) apply(ev Event) {
	switch ev.Type {
	case EventLoaded:
		d.mu.Lock()
		d.pageReady = false
		d.mu.Unlock()
		d.setStatus(StatusStarting, "")
	case EventQR:
		d.mu.Lock()
		d.qr = ev.QR
		d.mu.Unlock()
		d.setStatus(StatusScanQR, "")
	case EventState:
		d.mu.Lock()
		ready := d.pageReady
		d.mu.Unlock()
		switch {
		case ev.State == "OPENING" || ev.State == "PAIRING":
			d.setStatus(StatusStarting, "")
		case ev.State == "CONNECTED" && ready:
			// Back from a conflict or a reconnect: the listeners are still attached.
			d.setStatus(StatusWorking, "")
		}
	case EventReady:
		d.mu.Lock()
		d.me, d.qr, d.pageReady = ev.Me, "", true
		d.mu.Unlock()
		d.setStatus(StatusWorking, "")
	case EventLoggedOut:
		d.mu.Lock()
		d.me, d.qr, d.pageReady = nil, "", false
		d.mu.Unlock()
		d.setStatus(StatusStarting, "logged out")
	case EventDisconnected, EventFailed:
		d.setStatus(StatusFailed, ev.Reason)
	}
}

func (d *Driver) setStatus(s Status, reason string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.diedErr != nil && s != StatusFailed {
		return // dead stays dead
	}
	d.status, d.reason = s, reason
	close(d.statusWake)
	d.statusWake = make(chan struct{})
}

// StatusInfo is a snapshot of the session's status.
type StatusInfo struct {
	Status Status
	Reason string // for FAILED, or why it went back to STARTING
	QR     string // the last QR while SCAN_QR_CODE
	Me     *Me    // while WORKING
}

// Status returns the current status.
func (d *Driver) Status() StatusInfo {
	d.mu.Lock()
	defer d.mu.Unlock()
	return StatusInfo{Status: d.status, Reason: d.reason, QR: d.qr, Me: d.me}
}

// WaitStatus blocks until the status is one of want. It gives up with an
// error when the driver died (Died), since nothing changes after that; a
// FAILED page (e.g. CONFLICT) may still recover, so it keeps waiting then.
func (d *Driver) WaitStatus(ctx context.Context, want ...Status) (StatusInfo, error) {
	for {
		d.mu.Lock()
		st := StatusInfo{Status: d.status, Reason: d.reason, QR: d.qr, Me: d.me}
		wake := d.statusWake
		d.mu.Unlock()
		for _, w := range want {
			if st.Status == w {
				return st, nil
			}
		}
		select {
		case <-d.died:
			return st, fmt.Errorf("webjs: waiting for status %v: %w", want, d.Err())
		case <-wake:
		case <-ctx.Done():
			return st, fmt.Errorf("webjs: waiting for status %v (now %s): %w", want, st.Status, ctx.Err())
		}
	}
}

// Screenshot returns a PNG of the page.
func (d *Driver) Screenshot(ctx context.Context) ([]byte, error) {
	cctx, cancel := d.callContext(ctx)
	defer cancel()
	png, err := chromedp.Run(cctx, chromedp.CaptureScreenshot())
	if err != nil {
		return nil, d.wrapErr(ctx, cctx, "screenshot", err)
	}
	return png, nil
}

// browserOf returns the browser once started, or nil.
func (d *Driver) browserOf() *chromedp.Browser {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.browser
}

// BrowserPID is the process id of Chromium's main process, or 0.
func (d *Driver) BrowserPID() int {
	b := d.browserOf()
	if b == nil || b.Process() == nil {
		return 0
	}
	return b.Process().Pid
}

// Memory sums the memory of Chromium's process tree.
func (d *Driver) Memory() (MemoryUsage, error) {
	pid := d.BrowserPID()
	if pid == 0 {
		return MemoryUsage{}, errors.New("webjs: no browser process")
	}
	return processTreeMemory(pid)
}

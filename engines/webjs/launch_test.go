package webjs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/webjs/fakeweb"
	"github.com/wagate/wagate/sessions"
)

// noSandboxOutput is what Chromium 156 prints, and how it exits, as a non-root
// user under Docker's default seccomp profile.
const noSandboxOutput = `[1201/101522.318410:ERROR:content/browser/zygote_host/zygote_host_impl_linux.cc:101] Failed to move to new namespace: PID namespaces supported, Network namespace supported, but failed: errno = Operation not permitted
[1201/101522.318466:FATAL:content/browser/zygote_host/zygote_host_impl_linux.cc:128] No usable sandbox! If you are running on Ubuntu 23.10+ or another Linux distro that has disabled unprivileged user namespaces with AppArmor, see https://chromium.googlesource.com/chromium/src/+/main/docs/security/apparmor-userns-restrictions.md. Otherwise see https://chromium.googlesource.com/chromium/src/+/main/docs/linux/suid_sandbox_development.md for more information on developing with the (older) SUID sandbox. If you want to live dangerously and need an immediate workaround, you can try using --no-sandbox.
`

// fakeChromium is an executable that prints out on stderr and exits 1, as a
// Chromium that cannot start does.
func fakeChromium(t *testing.T, out string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "out.txt"), []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "chromium")
	script := "#!/bin/sh\ncat '" + filepath.Join(dir, "out.txt") + "' >&2\nexit 1\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLaunchErrorSaysWhy(t *testing.T) {
	ctx := ctxT(t, 20*time.Second)
	_, err := Launch(ctx, Config{ProfileDir: t.TempDir(), BrowserPath: fakeChromium(t, noSandboxOutput), Logger: testLogger()})
	var le *LaunchError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v (%T), want a *LaunchError", err, err)
	}
	msg := err.Error()
	for _, want := range []string{"No usable sandbox!", "engines.webjs.sandbox", "WAGATE_ENGINES_WEBJS_SANDBOX=false"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") || strings.Contains(msg, "zygote_host_impl_linux.cc") || len(msg) > 600 {
		t.Errorf("error is not one short line: %q", msg)
	}
	if !strings.Contains(le.Output, "Failed to move to new namespace") {
		t.Errorf("output not kept: %q", le.Output)
	}

	if _, err := Launch(ctx, Config{ProfileDir: t.TempDir(), BrowserPath: fakeChromium(t, "")}); !errors.As(err, &le) || !strings.Contains(err.Error(), "printed nothing") {
		t.Errorf("silent exit: %v", err)
	}
	if _, err := Launch(ctx, Config{ProfileDir: t.TempDir(), BrowserPath: "/nonexistent/chromium"}); !errors.As(err, &le) || !strings.Contains(err.Error(), "engines.webjs.browserPath") {
		t.Errorf("missing browser: %v", err)
	}
}

// TestLaunchErrorRealChromium: the real Chromium, kept from its no-sandbox
// default as root, exits at start, and the reason is what it printed.
func TestLaunchErrorRealChromium(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("Chromium refuses to start only as root without --no-sandbox; this runs as another user")
	}
	ctx := ctxT(t, 30*time.Second)
	_, err := Launch(ctx, Config{ProfileDir: t.TempDir(), BrowserPath: browserPath(t), ExtraFlags: map[string]any{"no-sandbox": false}, Logger: testLogger()})
	var le *LaunchError
	if !errors.As(err, &le) || !strings.Contains(le.Reason, "Running as root without --no-sandbox") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want a one-line LaunchError quoting Chromium", err)
	}
}

// TestChromiumThatCannotStartFailsOnce: the session goes FAILED with the reason,
// and is not retried.
func TestChromiumThatCannotStartFailsOnce(t *testing.T) {
	f, err := NewFactory(context.Background(), Options{DataDir: t.TempDir(), BrowserPath: fakeChromium(t, noSandboxOutput), Log: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	h := &recHost{}
	e, err := f.New(context.Background(), sessions.Spec{Name: "s1", Engine: engines.WEBJS}, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctxT(t, 20*time.Second)); err != nil {
		t.Fatalf("start: %v; a launch that cannot work is a FAILED status, not an error to retry", err)
	}
	s := h.snapshot()
	if len(s.failed) != 1 || !strings.Contains(s.failed[0], "No usable sandbox!") || !strings.HasSuffix(s.failed[0], "retry=false") {
		t.Fatalf("failed = %q", s.failed)
	}
}

// TestFactoryFlagsReachChromium: Options.NoSandbox and ExtraFlags are on the
// command line of the session's Chromium.
func TestFactoryFlagsReachChromium(t *testing.T) {
	fw := startFake(t, fakeweb.Options{}, fakeweb.Account{})
	f, err := NewFactory(context.Background(), Options{
		DataDir: t.TempDir(), BrowserPath: browserPath(t), URL: fw.URL(), Log: testLogger(),
		NoSandbox: true, ExtraFlags: map[string]any{"lang": "de", "disable-features": "Translate"},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := &recHost{}
	e, err := f.New(context.Background(), sessions.Spec{Name: "flags", Engine: engines.WEBJS}, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctxT(t, 30*time.Second)); err != nil {
		t.Fatal(err)
	}
	defer e.Stop(context.Background())
	we := e.(*Engine)
	we.mu.Lock()
	pid := we.pg.BrowserPID()
	we.mu.Unlock()
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Split(string(raw), "\x00")
	for _, want := range []string{"--no-sandbox", "--lang=de", "--disable-features=Translate"} {
		found := false
		for _, a := range args {
			found = found || a == want
		}
		if !found {
			t.Errorf("chromium's command line lacks %s: %q", want, args)
		}
	}
}

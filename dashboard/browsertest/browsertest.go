// Package browsertest drives a real Chromium for the dashboard's tests: start it,
// run steps with a deadline, wait for the page, and keep a screenshot of a failure.
package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Start starts Debian's Chromium (WAGATE_CHROMIUM elsewhere), headless, with a
// window of the given size. Without it the test skips, except on CI (CI set),
// where it fails. On failure the test keeps a screenshot and the page's markup in
// its artifact dir (go test -artifacts).
func Start(t *testing.T, width, height int) context.Context {
	t.Helper()
	chromium := os.Getenv("WAGATE_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no Chromium at %s (set WAGATE_CHROMIUM): %v", chromium, err)
		}
		t.Skipf("no Chromium at %s (Debian: apt-get install chromium; or set WAGATE_CHROMIUM): %v", chromium, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(width, height),
		chromedp.Flag("disable-dev-shm-usage", true))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium's sandbox refuses root
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancelAlloc)
	t.Cleanup(cancel)
	// The first Run starts the browser and bounds its life, so it has no timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		sctx, c := context.WithTimeout(ctx, 10*time.Second)
		defer c()
		png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Logf("screenshot on failure: %v", err)
			return
		}
		path := filepath.Join(t.ArtifactDir(), "failure.png")
		if err := os.WriteFile(path, png, 0o644); err == nil {
			t.Logf("the page at the failure: %s", path)
		}
		if html, err := chromedp.Run(sctx, chromedp.OuterHTML(chromedp.CSS("html"))); err == nil {
			_ = os.WriteFile(filepath.Join(t.ArtifactDir(), "failure.html"), []byte(html), 0o644)
		}
	})
	return ctx
}

// Step runs browser steps with a deadline, failing the test with what was being done.
func Step(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Until waits until the page's expression is true.
func Until(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 40*time.Second)
	defer cancel()
	if _, err := chromedp.Run(sctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

// Eval is the value of a page expression.
func Eval[T any](t *testing.T, ctx context.Context, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// Snap saves a screenshot as dir/name when dir is not empty (make screenshots).
func Snap(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	if dir == "" {
		return
	}
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Login logs in at base's dashboard with the password, landing on the sessions page.
func Login(t *testing.T, ctx context.Context, base, user, password string) {
	t.Helper()
	Step(t, ctx, "log in", chromedp.Navigate(base+"/dashboard/login"), chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), user), chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#create")))
}

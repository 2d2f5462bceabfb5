// Package npmci installs the Node harnesses that run peer libraries
// (whatsapp-web.js, Baileys) against our fakes: `npm ci` from the
// package-lock.json committed next to each, once per lock file.
package npmci

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// stampFile records the hash of the package-lock.json node_modules was
// installed from.
const stampFile = ".wagate-lock-sha256"

// Install runs `npm ci --ignore-scripts` in dir when node_modules is
// missing or was installed from another package-lock.json; env is added to
// npm's environment. Concurrent callers (test binaries of several packages)
// take turns on a lock file.
func Install(ctx context.Context, dir string, env ...string) error {
	npm, err := exec.LookPath("npm")
	if err != nil {
		return errors.New("npm not found in PATH: install Node.js and npm (Debian: apt-get install nodejs npm)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		return errors.New("node not found in PATH: install Node.js (Debian: apt-get install nodejs)")
	}
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return fmt.Errorf("reading package-lock.json: %w", err)
	}
	sum := sha256.Sum256(lock)
	want := hex.EncodeToString(sum[:])

	lf, err := os.OpenFile(filepath.Join(dir, ".npm-install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("opening the install lock: %w", err)
	}
	defer lf.Close()
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("taking the install lock: %w", err)
	}
	defer func() { _ = syscall.Flock(int(lf.Fd()), syscall.LOCK_UN) }()

	stamp := filepath.Join(dir, "node_modules", stampFile)
	if got, err := os.ReadFile(stamp); err == nil && strings.TrimSpace(string(got)) == want {
		return nil
	}
	// No install scripts: the harnesses need none (puppeteer's would
	// download a browser; the system's Chromium runs instead).
	cmd := exec.CommandContext(ctx, npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var outBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outBuf, &outBuf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm ci in %s: %w\n%s", dir, err, outBuf.Bytes())
	}
	if err := os.WriteFile(stamp, []byte(want+"\n"), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", stamp, err)
	}
	return nil
}

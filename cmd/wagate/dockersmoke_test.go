//go:build dockersmoke

// The Docker smoke test: `make docker-smoke`. It needs a Docker engine and the
// base images (make docker-base-images), so it is not part of make test.

package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/engines/noweb/simnet"
	"github.com/wagate/wagate/engines/webjs/fakeweb"
	"github.com/wagate/wagate/internal/wait"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

const smokeKey = "smoke-key"

func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// container runs image detached on the host's network, removed at the end; its
// log is shown when the test fails.
func container(t *testing.T, name, image string, env map[string]string, mounts ...string) {
	t.Helper()
	exec.Command("docker", "rm", "-f", name).Run()
	args := []string{"run", "-d", "--name", name, "--network", "host"}
	for k, v := range env {
		args = append(args, "-e", k+"="+v)
	}
	for _, m := range mounts {
		args = append(args, "-v", m)
	}
	docker(t, append(args, image)...)
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := exec.Command("docker", "logs", "--tail", "60", name).CombinedOutput()
			t.Logf("logs of %s:\n%s", name, out)
		}
		exec.Command("docker", "rm", "-f", name).Run()
	})
}

// waitHealthy waits for Docker's HEALTHCHECK of the container to pass.
func waitHealthy(t *testing.T, name string) {
	t.Helper()
	wait.For(t, 3*time.Minute, func() error {
		st := docker(t, "inspect", "-f", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}", name)
		if !strings.HasPrefix(st, "running") {
			t.Fatalf("container %s is %q, not healthy", name, st)
		}
		if st != "running healthy" {
			return fmt.Errorf("container %s is %q, not healthy", name, st)
		}
		return nil
	})
}

// zombies counts the container's processes that exited without being reaped.
func zombies(t *testing.T, name string) int {
	t.Helper()
	out := docker(t, "exec", name, "sh", "-c", "cat /proc/[0-9]*/stat 2>/dev/null")
	n := 0
	for _, line := range strings.Split(out, "\n") {
		if i := strings.LastIndex(line, ") "); i >= 0 && strings.HasPrefix(line[i+2:], "Z") {
			n++
		}
	}
	return n
}

func waitStatus(t *testing.T, base, session string, want ...string) map[string]any {
	t.Helper()
	var s map[string]any
	waitFor(t, session+" "+strings.Join(want, "|"), func() bool {
		s = nil
		call(t, "GET", base+"/api/sessions/"+session, smokeKey, nil, &s)
		for _, w := range want {
			if s["status"] == w {
				return true
			}
		}
		return false
	})
	return s
}

func TestDockerSmoke(t *testing.T) {
	version := os.Getenv("WAGATE_SMOKE_VERSION")
	if version == "" {
		version = "smoke"
	}
	image := os.Getenv("WAGATE_SMOKE_IMAGE")
	if image == "" {
		image = "wagate"
	}
	full, noweb := image+":smoke", image+":smoke-noweb"
	start := time.Now()
	docker(t, "build", "--network", "host", "--build-arg", "VERSION="+version, "-t", full, "../..")
	docker(t, "build", "--network", "host", "--build-arg", "VERSION="+version, "--target", "noweb", "-t", noweb, "../..")
	t.Logf("built %s and %s in %s", full, noweb, time.Since(start).Round(time.Second))
	for _, img := range []string{full, noweb} {
		var size int64
		json.Unmarshal([]byte(docker(t, "image", "inspect", "-f", "{{.Size}}", img)), &size)
		t.Logf("image %s: %d MB", img, size/1_000_000)
	}

	t.Run("NOWEB", func(t *testing.T) { smokeNOWEB(t, noweb, version) })
	t.Run("WEBJS", func(t *testing.T) { smokeWEBJS(t, full) })
	t.Run("SandboxReason", func(t *testing.T) { smokeSandboxReason(t, full) })
	t.Run("DataDir", func(t *testing.T) { smokeDataDir(t, noweb) })
	t.Run("DatabaseUnreachable", func(t *testing.T) { smokeDatabaseUnreachable(t, noweb) })
}

// smokeNOWEB: the NOWEB image on PostgreSQL pairs a session on an external
// simnet, sends a message the contact's phone receives, and survives docker
// restart without pairing again. The port is not 3000, so the healthcheck
// passing shows it follows the configuration.
func smokeNOWEB(t *testing.T, image, version string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := startSimnet(ctx, "127.0.0.1:0", t.TempDir(), 0, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	pub := srv.RootPublicKey()
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	name := "wagate-smoke-noweb"
	vol := name + "-data"
	exec.Command("docker", "volume", "rm", "-f", vol).Run()
	t.Cleanup(func() { exec.Command("docker", "volume", "rm", "-f", vol).Run() })
	container(t, name, image, map[string]string{
		"WAGATE_SERVER_HOST": "127.0.0.1", "WHATSAPP_API_PORT": fmt.Sprint(port), "WAHA_API_KEY": smokeKey,
		"WAGATE_STORE_DSN":                 storetest.DSN(t, store.Postgres),
		"WAGATE_ENGINES_NOWEB_SIMNET_ADDR": srv.Addr(), "WAGATE_ENGINES_NOWEB_SIMNET_ROOT_PUBLIC_KEY": hex.EncodeToString(pub[:]),
		"WAGATE_ENGINES_NOWEB_PRINT_QR": "false",
	}, vol+":/app/data")
	waitHealthy(t, name)
	t.Logf("%s healthy on port %d (WHATSAPP_API_PORT)", name, port)

	var v map[string]any
	if call(t, "GET", base+"/api/server/version", smokeKey, nil, &v); v["version"] != version {
		t.Fatalf("/api/server/version: %v, want %s", v, version)
	}
	if got := docker(t, "exec", name, "wagate", "version"); !strings.HasPrefix(got, "wagate "+version+" ") {
		t.Fatalf("wagate version: %q", got)
	}
	t.Logf("version %s in /api/server/version and wagate version", version)

	if code := call(t, "POST", base+"/api/sessions", smokeKey, map[string]any{"name": "smoke", "engine": "NOWEB"}, nil); code != 201 {
		t.Fatalf("create: %d", code)
	}
	var qr map[string]string
	waitFor(t, "a QR code", func() bool {
		return call(t, "GET", base+"/api/smoke/auth/qr?format=raw", smokeKey, nil, &qr) == 200 && qr["value"] != ""
	})
	if _, err := srv.CreateAccount(ctx, "15550142001", "Smoke"); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.ScanQR(ctx, "15550142001", qr["value"]); err != nil {
		t.Fatal(err)
	}
	s := waitWorking(t, base, smokeKey, "smoke")
	t.Logf("session paired on the external simnet as %v", s["me"])

	var sent map[string]any
	if code := call(t, "POST", base+"/api/sendText", smokeKey, map[string]any{"session": "smoke", "chatId": "15550100001@c.us", "text": "ping from docker"}, &sent); code != 201 {
		t.Fatalf("sendText: %d %v", code, sent)
	}
	echo, err := srv.Phone("15550100001")
	if err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if _, err := echo.WaitFor(wctx, func(e simnet.Event) bool { return e.Type == "message" && e.Text == "ping from docker" }); err != nil {
		t.Fatalf("the contact's phone never got the message: %v", err)
	}
	t.Log("sendText arrived on the contact's simulated phone")

	docker(t, "restart", name)
	waitHealthy(t, name)
	s2 := waitWorking(t, base, smokeKey, "smoke")
	if fmt.Sprint(s2["me"]) != fmt.Sprint(s["me"]) {
		t.Fatalf("after restart paired as %v, was %v", s2["me"], s["me"])
	}
	t.Log("after docker restart: WORKING again, same account, no new pairing")
}

// smokeWEBJS: the default image's Chromium starts as its non-root user under
// Docker's default seccomp profile and reaches SCAN_QR_CODE on a fakeweb;
// start and stop leave no zombies; configured Chromium flags reach it.
func smokeWEBJS(t *testing.T, image string) {
	fw := fakeweb.New(fakeweb.Options{})
	if err := fw.Start(); err != nil {
		t.Fatal(err)
	}
	defer fw.Close()
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	name := "wagate-smoke-webjs"
	container(t, name, image, map[string]string{
		"WAGATE_SERVER_HOST": "127.0.0.1", "WHATSAPP_API_PORT": fmt.Sprint(port), "WAHA_API_KEY": smokeKey,
		"WAGATE_ENGINES_WEBJS_URL": fw.URL(), "WAGATE_ENGINES_WEBJS_CHROMIUM_FLAGS": "--lang=de",
	})
	waitHealthy(t, name)
	if comm := docker(t, "exec", name, "cat", "/proc/1/comm"); comm != "tini" {
		t.Fatalf("PID 1 is %q, want tini", comm)
	}
	if code := call(t, "POST", base+"/api/sessions", smokeKey, map[string]any{"name": "web"}, nil); code != 201 {
		t.Fatalf("create: %d", code)
	}
	s := waitStatus(t, base, "web", "SCAN_QR_CODE", "FAILED")
	if s["status"] != "SCAN_QR_CODE" {
		t.Fatalf("WEBJS session: %v", s)
	}
	var qr map[string]string
	if code := call(t, "GET", base+"/api/web/auth/qr?format=raw", smokeKey, nil, &qr); code != 200 || qr["value"] == "" {
		t.Fatalf("QR: %d %v", code, qr)
	}
	cmdlines := docker(t, "exec", name, "sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '")
	for _, want := range []string{"--no-sandbox", "--lang=de"} {
		if !strings.Contains(cmdlines, want) {
			t.Fatalf("Chromium runs without %s", want)
		}
	}
	t.Log("WEBJS session reached SCAN_QR_CODE as uid 10001 under the default seccomp profile; --lang=de from WAGATE_ENGINES_WEBJS_CHROMIUM_FLAGS on Chromium's command line")

	for i := range 3 {
		if code := call(t, "POST", base+"/api/sessions/web/stop", smokeKey, nil, nil); code != 201 && code != 200 {
			t.Fatalf("stop %d: %d", i, code)
		}
		waitStatus(t, base, "web", "STOPPED")
		if code := call(t, "POST", base+"/api/sessions/web/start", smokeKey, nil, nil); code != 201 && code != 200 {
			t.Fatalf("start %d: %d", i, code)
		}
		waitStatus(t, base, "web", "SCAN_QR_CODE")
	}
	call(t, "POST", base+"/api/sessions/web/stop", smokeKey, nil, nil)
	waitStatus(t, base, "web", "STOPPED")
	if n := zombies(t, name); n != 0 {
		t.Fatalf("%d zombies after 4 WEBJS starts and stops", n)
	}
	t.Log("4 WEBJS starts and stops: 0 zombies (tini reaps Chromium's orphans)")
}

// smokeSandboxReason: with the sandbox switched back on, Chromium cannot start
// in the container; the session says why, once, and is not retried.
func smokeSandboxReason(t *testing.T, image string) {
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	name := "wagate-smoke-sandbox"
	container(t, name, image, map[string]string{
		"WAGATE_SERVER_HOST": "127.0.0.1", "WHATSAPP_API_PORT": fmt.Sprint(port), "WAHA_API_KEY": smokeKey,
		"WAGATE_ENGINES_WEBJS_SANDBOX": "true", "WAGATE_ENGINES_WEBJS_URL": "http://127.0.0.1:9/",
	})
	waitHealthy(t, name)
	call(t, "POST", base+"/api/sessions", smokeKey, map[string]any{"name": "web"}, nil)
	s := waitStatus(t, base, "web", "FAILED", "SCAN_QR_CODE")
	reason, _ := s["failureReason"].(string)
	if s["status"] != "FAILED" || !strings.Contains(reason, "No usable sandbox!") || !strings.Contains(reason, "WAGATE_ENGINES_WEBJS_SANDBOX=false") {
		t.Fatalf("session %v", s)
	}
	logs := docker(t, "logs", name)
	if strings.Contains(logs, "engine restart scheduled") || !strings.Contains(logs, "retry=false") {
		t.Fatalf("a launch that cannot work is retried:\n%s", logs)
	}
	t.Logf("with engines.webjs.sandbox=true: FAILED, not retried, failureReason: %s", reason)
}

// smokeDataDir: a root-owned bind mount is one line saying so; chowned to the
// image's user as the README says, the gateway starts on it.
func smokeDataDir(t *testing.T, image string) {
	dir, err := os.MkdirTemp("", "wagate-smoke-data-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("docker", "run", "--rm", "--network", "host", "-e", fmt.Sprintf("WHATSAPP_API_PORT=%d", freePort(t)),
		"-v", dir+":/app/data", image).CombinedOutput()
	want := "wagate: data dir /app/data is not writable by uid 10001 (gid 10001): it is drwxr-xr-x, owned by 0:0; chown it to 10001:10001, or mount a volume there"
	if err == nil || strings.TrimSpace(string(out)) != want {
		t.Fatalf("root-owned bind mount: %v\n%s", err, out)
	}
	t.Logf("root-owned bind mount: %s", want)
	if err := os.Chown(dir, 10001, 10001); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	name := "wagate-smoke-bind"
	container(t, name, image, map[string]string{"WAGATE_SERVER_HOST": "127.0.0.1", "WHATSAPP_API_PORT": fmt.Sprint(port)}, dir+":/app/data")
	waitHealthy(t, name)
	if _, err := os.Stat(filepath.Join(dir, "api-key")); err != nil {
		t.Fatalf("no api-key in the bind mount: %v", err)
	}
	t.Log("chowned to 10001:10001, the bind mount works: the key and database are on the host")
	docker(t, "rm", "-f", name)
}

// smokeDatabaseUnreachable: a PostgreSQL that never answers is counted down in
// the log and given up on with one line naming its host.
func smokeDatabaseUnreachable(t *testing.T, image string) {
	dead := freePort(t)
	start := time.Now()
	cmd := exec.Command("docker", "run", "--rm", "--network", "host", "-e", fmt.Sprintf("WHATSAPP_API_PORT=%d", freePort(t)),
		"-e", fmt.Sprintf("WAGATE_STORE_DSN=postgres://wagate:secret@127.0.0.1:%d/wagate?sslmode=disable", dead),
		"-e", "WAGATE_STORE_CONNECT_TIMEOUT=6s", image)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	host := fmt.Sprintf("127.0.0.1:%d", dead)
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	last := lines[len(lines)-1]
	if err == nil || !strings.HasPrefix(last, "wagate: database at "+host+" did not answer within 6s (store.connectTimeout): ") {
		t.Fatalf("unreachable database: %v\n%s", err, stderr.String())
	}
	if n := strings.Count(stderr.String(), "not answering yet; trying again, giving up in"); n < 3 || strings.Contains(stderr.String(), "secret") {
		t.Fatalf("%d countdown lines (or the password shown):\n%s", n, stderr.String())
	}
	t.Logf("unreachable database: gave up after %s with: %s", time.Since(start).Round(time.Second), last)
}

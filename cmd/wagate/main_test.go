package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/internal/wait"
)

// TestReadmeTableMatchesMatrix: the README's feature table is `wagate capabilities`.
func TestReadmeTableMatchesMatrix(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- capabilities:begin -->\n", "<!-- capabilities:end -->"
	s := string(raw)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q block", begin, end)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"capabilities"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	m, _ := capabilities.Load(configs.Default().Capabilities.FeatureRequestURL)
	if out.String() != m.Markdown() {
		t.Fatal("wagate capabilities does not print the matrix")
	}
	if got := s[i+len(begin) : j]; got != out.String() {
		t.Fatalf("README.md's feature table is out of date: paste the output of `go run ./cmd/wagate capabilities` between the markers")
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeFreshStart is the quick start: on an empty data dir the gateway starts on
// SQLite, generates and prints a key once, answers, and shuts down on cancel.
func TestServeFreshStart(t *testing.T) {
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	t.Setenv("WAGATE_DATA_DIR", filepath.Join(dir, "data"))
	t.Setenv("WAGATE_SERVER_HOST", "127.0.0.1")
	t.Setenv("WAGATE_SERVER_PORT", fmt.Sprint(port))
	t.Setenv("WAGATE_SERVER_API_KEY", "")

	start := func() (string, context.CancelFunc, chan error) {
		ctx, cancel := context.WithCancel(context.Background())
		var out, logs syncBuffer
		done := make(chan error, 1)
		go func() { done <- serve(ctx, "", &out, &logs) }()
		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		wait.For(t, 10*time.Second, func() error {
			res, err := http.Get(base + "/ping")
			if err != nil {
				return fmt.Errorf("gateway did not answer: %w\n%s", err, logs.String())
			}
			res.Body.Close()
			return nil
		})
		return out.String(), cancel, done
	}

	banner, cancel, done := start()
	key, _ := os.ReadFile(filepath.Join(dir, "data", "api-key"))
	k := strings.TrimSpace(string(key))
	if len(k) < 32 || !strings.Contains(banner, k) || !strings.Contains(banner, "Swagger UI:  http://localhost:"+fmt.Sprint(port)+"/swagger?x-api-key="+k+"\n") || !strings.Contains(banner, "wagate.db") {
		t.Fatalf("banner does not show the key, Swagger UI and data:\n%s", banner)
	}
	// The dashboard's password too, generated and kept in the data dir.
	pw, _ := os.ReadFile(filepath.Join(dir, "data", "dashboard-password"))
	p := strings.TrimSpace(string(pw))
	if len(p) < 16 || !strings.Contains(banner, "Dashboard:   http://localhost:"+fmt.Sprint(port)+"/dashboard\n") || !strings.Contains(banner, "user admin, password "+p+"\n") {
		t.Fatalf("banner does not show the dashboard and its generated password:\n%s", banner)
	}
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d/api/sessions", port), nil)
	req.Header.Set("X-Api-Key", k)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET /api/sessions with the generated key: %v %v", err, res)
	}
	res.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}

	// Second start: the key is not printed again.
	banner, cancel, done = start()
	if strings.Contains(banner, k) || strings.Contains(banner, p) || !strings.Contains(banner, "password kept in") {
		t.Fatalf("key or dashboard password printed twice:\n%s", banner)
	}
	cancel()
	<-done
}

func TestBadConfigStopsStartup(t *testing.T) {
	t.Setenv("WHATSAPP_DEFAULT_ENGINE", "GOWS")
	err := run(context.Background(), []string{"serve"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "WHATSAPP_DEFAULT_ENGINE") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v", err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Fatal("unknown command accepted")
	}
}

// TestHelp: help, -h and --help list every command with one line each and
// succeed; a command's -h shows its flags.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"help", "help"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, &out); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		for _, c := range []string{"serve", "sandbox", "simnet", "bench", "capabilities", "healthcheck", "version", "help"} {
			if !regexp.MustCompile(`(?m)^  ` + c + ` +\S.*$`).MatchString(out.String()) {
				t.Errorf("%v: no line for %s:\n%s", args, c, out.String())
			}
		}
	}
	for args, want := range map[string]string{
		"serve -h":        "--config",
		"help sandbox":    "--manual-pairing",
		"sandbox --help":  "--simnet-listen",
		"simnet -h":       "--listen",
		"healthcheck -h":  "--timeout",
		"bench -h":        "wagate bench store",
		"help version":    "Print the version",
		"capabilities -h": "--config",
	} {
		var out bytes.Buffer
		if err := run(context.Background(), strings.Fields(args), &out, &out); err != nil || !strings.Contains(out.String(), want) {
			t.Errorf("%s: %v\n%s", args, err, out.String())
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &out, &out); err != nil || !strings.HasPrefix(out.String(), "wagate dev (go1.") {
		t.Errorf("version: %v %q", err, out.String())
	}
	for _, args := range [][]string{{"frobnicate"}, {"serve", "--nope"}, {"serve", "extra"}, {"help", "frobnicate"}} {
		err := run(context.Background(), args, &out, &out)
		if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "wagate help") {
			t.Errorf("%v: err = %v, want one line pointing to wagate help", args, err)
		}
	}
}

// gatewayEnv points a gateway started in this test at a fresh data dir and port.
func gatewayEnv(t *testing.T) (port int, dir string) {
	t.Helper()
	dir = t.TempDir()
	port = freePort(t)
	t.Setenv("WAGATE_DATA_DIR", filepath.Join(dir, "data"))
	t.Setenv("WAGATE_SERVER_HOST", "127.0.0.1")
	t.Setenv("WAGATE_SERVER_PORT", fmt.Sprint(port))
	t.Setenv("WAGATE_SERVER_API_KEY", "k")
	return port, dir
}

// TestBusyPort: a port in use is one line naming it, and nothing says "is up".
func TestBusyPort(t *testing.T) {
	_, _ = gatewayEnv(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	t.Setenv("WAGATE_SERVER_PORT", fmt.Sprint(port))
	var out, logs bytes.Buffer
	err = run(context.Background(), []string{"serve"}, &out, &logs)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), fmt.Sprintf("port %d on 127.0.0.1 is already in use", port)) || !strings.Contains(err.Error(), "WAGATE_SERVER_PORT") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(out.String(), "is up") {
		t.Fatalf("banner printed for a gateway that never listened:\n%s", out.String())
	}
}

// TestUnreachableDatabase: a PostgreSQL that never answers is tried with a
// countdown, then start-up gives up with one line naming its host.
func TestUnreachableDatabase(t *testing.T) {
	_, _ = gatewayEnv(t)
	dead := freePort(t)
	t.Setenv("WAGATE_STORE_DSN", fmt.Sprintf("postgres://wagate:s3cret@127.0.0.1:%d/wagate?sslmode=disable", dead))
	t.Setenv("WAGATE_STORE_CONNECT_TIMEOUT", "3s")
	var out, logs syncBuffer
	start := time.Now()
	err := run(context.Background(), []string{"serve"}, &out, &logs)
	took := time.Since(start)
	host := fmt.Sprintf("127.0.0.1:%d", dead)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "database at "+host+" did not answer within 3s") {
		t.Fatalf("err = %v", err)
	}
	if took > 20*time.Second {
		t.Fatalf("gave up after %s, want about 3s", took)
	}
	if n := strings.Count(logs.String(), "database at "+host+" not answering yet; trying again, giving up in"); n < 2 {
		t.Fatalf("%d countdown lines, want 2 or more:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String()+err.Error()+out.String(), "s3cret") {
		t.Fatal("the DSN's password is shown")
	}
}

// TestHealthcheckFollowsThePort: `wagate healthcheck` reads the same
// configuration as the gateway and asks it, wherever its port is.
func TestHealthcheckFollowsThePort(t *testing.T) {
	port, _ := gatewayEnv(t)
	t.Setenv("WAGATE_SERVER_HOST", "0.0.0.0")
	if err := run(context.Background(), []string{"healthcheck"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Fatal("healthy with no gateway running")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, "", &bytes.Buffer{}, &bytes.Buffer{}) }()
	defer func() { cancel(); <-done }()
	waitUp(t, fmt.Sprintf("http://127.0.0.1:%d", port))
	var out bytes.Buffer
	if err := run(context.Background(), []string{"healthcheck"}, &out, &out); err != nil || !strings.Contains(out.String(), "status") {
		t.Fatalf("healthcheck: %v %s", err, out.String())
	}
	t.Setenv("WHATSAPP_API_PORT", fmt.Sprint(freePort(t)))
	t.Setenv("WAGATE_SERVER_PORT", "")
	os.Unsetenv("WAGATE_SERVER_PORT")
	if err := run(context.Background(), []string{"healthcheck"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Fatal("healthy on a port nothing listens on")
	}
}

// TestDataDirNotWritable: a data dir this process cannot write in (a bind mount
// owned by root, with wagate running as another user) is one line saying so and
// whose it is. As root, the gateway runs as nobody in a child process.
func TestDataDirNotWritable(t *testing.T) {
	if dir := os.Getenv("WAGATE_TEST_UNWRITABLE_DIR"); dir != "" {
		err := checkDataDir(dir)
		fmt.Printf("ERR=%v\n", err)
		return
	}
	dir, err := os.MkdirTemp("", "wagate-ro-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	var msg string
	if os.Geteuid() != 0 {
		if err := os.Chmod(data, 0o555); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(data, 0o755)
		err := checkDataDir(data)
		if err == nil {
			t.Fatal("an unwritable data dir passed")
		}
		msg = err.Error()
	} else {
		// The test binary, where nobody can run it.
		bin := filepath.Join(dir, "wagate.test")
		raw, err := os.ReadFile(os.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, raw, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "-test.run=^TestDataDirNotWritable$")
		cmd.Env = append(os.Environ(), "WAGATE_TEST_UNWRITABLE_DIR="+data)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		_, after, ok := strings.Cut(string(out), "ERR=")
		if !ok {
			t.Fatalf("child printed no result:\n%s", out)
		}
		msg, _, _ = strings.Cut(after, "\n")
	}
	want := fmt.Sprintf("data dir %s is not writable by uid ", data)
	if !strings.HasPrefix(msg, want) || !strings.Contains(msg, "owned by") || !strings.Contains(msg, "chown it to") {
		t.Fatalf("error %q, want it to start %q and say whose the dir is", msg, want)
	}
	if os.Geteuid() == 0 && !strings.Contains(msg, "uid 65534 (gid 65534): it is drwxr-xr-x, owned by 0:0; chown it to 65534:65534") {
		t.Fatalf("error %q does not show the root-owned dir", msg)
	}
}

// TestBinary: the built command exits 0 for -h, prints the version stamped at
// build, and exits 1 with one line for a busy port.
func TestBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "wagate")
	build := exec.Command("go", "build", "-ldflags", "-X main.buildVersion=v9.9.9-test", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "-h").CombinedOutput(); err != nil || !strings.Contains(string(out), "sandbox") {
		t.Fatalf("wagate -h: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "version").Output(); err != nil || !strings.HasPrefix(string(out), "wagate v9.9.9-test (go") {
		t.Fatalf("wagate version: %v %q", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "WAGATE_DATA_DIR="+t.TempDir(), "WAGATE_SERVER_HOST=127.0.0.1",
		fmt.Sprintf("WHATSAPP_API_PORT=%d", l.Addr().(*net.TCPAddr).Port))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("busy port: %v, want exit status 1", err)
	}
	if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "already in use") || stdout.Len() != 0 {
		t.Fatalf("busy port printed:\nstdout %q\nstderr %q", stdout.String(), stderr.String())
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/internal/wait"
)

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// call sends a JSON request to the gateway with the API key.
func call(t *testing.T, method, url, key string, body any, out any) int {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("X-Api-Key", key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	if out != nil {
		json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}

func waitUp(t *testing.T, base string) {
	t.Helper()
	wait.For(t, 20*time.Second, func() error {
		res, err := http.Get(base + "/ping")
		if err != nil {
			return fmt.Errorf("%s did not come up: %w", base, err)
		}
		res.Body.Close()
		return nil
	})
}

func waitWorking(t *testing.T, base, key, session string) map[string]any {
	t.Helper()
	var s map[string]any
	wait.For(t, 30*time.Second, func() error {
		s = nil
		call(t, "GET", base+"/api/sessions/"+session, key, nil, &s)
		if s["status"] != "WORKING" {
			return fmt.Errorf("session %s never WORKING: %v", session, s)
		}
		return nil
	})
	return s
}

// waitFor polls cond until it holds, failing the test after 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	wait.Until(t, 30*time.Second, what, cond)
}

// startSandbox runs `wagate sandbox` with args and the API key "sandbox-key".
func startSandbox(t *testing.T, args ...string) (out, logs *syncBuffer) {
	t.Helper()
	t.Setenv("WAGATE_SERVER_API_KEY", "sandbox-key")
	t.Setenv("WAGATE_ENGINES_NOWEB_PRINT_QR", "false")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	out, logs = &syncBuffer{}, &syncBuffer{}
	go func() { done <- run(ctx, append([]string{"sandbox"}, args...), out, logs) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("sandbox: %v", err)
		}
	})
	return out, logs
}

// TestSandbox: with no phone, a session created through the API pairs with a
// simulated phone and works; the sandbox listens where it is told, prints the
// phone's number, and logs no noise.
func TestSandbox(t *testing.T) {
	port, snPort := freePort(t), freePort(t)
	out, logs := startSandbox(t, "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--simnet-listen", fmt.Sprintf("127.0.0.1:%d", snPort))
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitUp(t, base)
	if code := call(t, "POST", base+"/api/sessions", "sandbox-key", map[string]any{"name": "demo"}, nil); code != 201 {
		t.Fatalf("create: %d", code)
	}
	s := waitWorking(t, base, "sandbox-key", "demo")
	me, _ := s["me"].(map[string]any)
	phone := sandboxPhone("demo")
	if s["engine"].(map[string]any)["engine"] != "NOWEB" || me["id"] != phone+"@c.us" {
		t.Fatalf("sandbox session: %v", s)
	}
	paired := fmt.Sprintf("session \"demo\" is paired with the simulated phone %s (%s@c.us)", phone, phone)
	waitFor(t, "the paired line", func() bool { return strings.Contains(out.String(), paired) })
	banner := out.String()
	for _, want := range []string{"Echo Bot 15550100001@c.us", fmt.Sprintf("Control API: http://127.0.0.1:%d/simnet/api/accounts", snPort), "is up, listening on 127.0.0.1:"} {
		if !strings.Contains(banner, want) {
			t.Errorf("sandbox output lacks %q:\n%s", want, banner)
		}
	}
	// The session is paired once and the pairing loop leaves it alone after.
	if n := strings.Count(banner, "is paired with"); n != 1 {
		t.Errorf("paired announced %d times:\n%s", n, banner)
	}
	l := logs.String()
	if strings.Contains(l, "read QR") || strings.Contains(l, "engine=NOWEB engine=NOWEB") || strings.Contains(l, "sandbox: pair session") {
		t.Errorf("log noise:\n%s", l)
	}
}

// TestSandboxRefusesWEBJS: the sandbox simulates NOWEB; a WEBJS session is
// refused with a message that says so, after the key is checked.
func TestSandboxRefusesWEBJS(t *testing.T) {
	port := freePort(t)
	startSandbox(t, "--listen", fmt.Sprintf("127.0.0.1:%d", port))
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitUp(t, base)
	var e map[string]any
	if code := call(t, "POST", base+"/api/sessions", "sandbox-key", map[string]any{"name": "web", "engine": "webjs"}, &e); code != 400 || !strings.Contains(fmt.Sprint(e["message"]), "sandbox simulates NOWEB") || e["statusCode"] != 400.0 {
		t.Fatalf("create WEBJS: %d %v", code, e)
	}
	if code := call(t, "POST", base+"/api/sessions", "wrong-key", map[string]any{"name": "web", "engine": "WEBJS"}, nil); code != 401 {
		t.Fatalf("without the key: %d, want 401", code)
	}
	if code := call(t, "POST", base+"/api/sessions", "sandbox-key", map[string]any{"name": "nw", "engine": "NOWEB", "start": false}, nil); code != 201 {
		t.Fatalf("create NOWEB: %d", code)
	}
	if code := call(t, "PUT", base+"/api/sessions/nw", "sandbox-key", map[string]any{"engine": "WEBJS"}, &e); code != 400 || !strings.Contains(fmt.Sprint(e["message"]), "sandbox simulates NOWEB") {
		t.Fatalf("switch to WEBJS: %d %v", code, e)
	}
	if code := call(t, "POST", base+"/api/sessions/start", "sandbox-key", map[string]any{"name": "web2", "engine": "WEBJS"}, &e); code != 400 {
		t.Fatalf("upsert WEBJS: %d %v", code, e)
	}
}

// TestSandboxManualPairing: with --manual-pairing a session waits for the user,
// who pairs it through the control API by QR code or by pairing code, and can
// log it out and pair it again.
func TestSandboxManualPairing(t *testing.T) {
	port, snPort := freePort(t), freePort(t)
	out, _ := startSandbox(t, "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--simnet-listen", fmt.Sprintf("127.0.0.1:%d", snPort), "--manual-pairing")
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	sn := fmt.Sprintf("http://127.0.0.1:%d/simnet/api/accounts", snPort)
	waitUp(t, base)
	if !strings.Contains(out.String(), "--manual-pairing") {
		t.Fatalf("banner does not say pairing is by hand:\n%s", out.String())
	}
	if code := call(t, "POST", sn, "", map[string]any{"phone": "15550107777", "name": "Me"}, nil); code != 201 {
		t.Fatalf("create account: %d", code)
	}
	scan := func(session string) {
		var qr map[string]string
		waitFor(t, "a QR code", func() bool {
			return call(t, "GET", base+"/api/"+session+"/auth/qr?format=raw", "sandbox-key", nil, &qr) == 200 && qr["value"] != ""
		})
		if code := call(t, "POST", sn+"/15550107777/scan", "", map[string]string{"qr": qr["value"]}, nil); code != 200 {
			t.Fatalf("scan: %d", code)
		}
	}

	call(t, "POST", base+"/api/sessions", "sandbox-key", map[string]any{"name": "byqr"}, nil)
	var s map[string]any
	waitFor(t, "SCAN_QR_CODE", func() bool {
		call(t, "GET", base+"/api/sessions/byqr", "sandbox-key", nil, &s)
		return s["status"] == "SCAN_QR_CODE"
	})
	scan("byqr")
	waitWorking(t, base, "sandbox-key", "byqr")
	waitFor(t, "the paired line", func() bool {
		return strings.Contains(out.String(), `session "byqr" is paired with the simulated phone 15550107777 (15550107777@c.us)`)
	})

	// Logged out, it waits for a scan again instead of being paired by itself.
	if code := call(t, "POST", base+"/api/sessions/byqr/logout", "sandbox-key", nil, nil); code != 201 && code != 200 {
		t.Fatalf("logout: %d", code)
	}
	call(t, "POST", base+"/api/sessions/byqr/start", "sandbox-key", nil, nil)
	waitFor(t, "SCAN_QR_CODE after logout", func() bool {
		call(t, "GET", base+"/api/sessions/byqr", "sandbox-key", nil, &s)
		return s["status"] == "SCAN_QR_CODE"
	})
	scan("byqr")
	waitWorking(t, base, "sandbox-key", "byqr")

	// By pairing code, as a second phone.
	if code := call(t, "POST", sn, "", map[string]any{"phone": "15550108888", "name": "Other"}, nil); code != 201 {
		t.Fatalf("create account: %d", code)
	}
	call(t, "POST", base+"/api/sessions", "sandbox-key", map[string]any{"name": "bycode"}, nil)
	waitFor(t, "SCAN_QR_CODE", func() bool {
		call(t, "GET", base+"/api/sessions/bycode", "sandbox-key", nil, &s)
		return s["status"] == "SCAN_QR_CODE"
	})
	var code map[string]string
	if st := call(t, "POST", base+"/api/bycode/auth/request-code", "sandbox-key", map[string]string{"phoneNumber": "15550108888"}, &code); st != 200 && st != 201 {
		t.Fatalf("request code: %d %v", st, code)
	}
	if st := call(t, "POST", sn+"/15550108888/pair-code", "", map[string]string{"code": code["code"]}, nil); st != 200 {
		t.Fatalf("enter code %q: %d", code["code"], st)
	}
	s = waitWorking(t, base, "sandbox-key", "bycode")
	if me, _ := s["me"].(map[string]any); me["id"] != "15550108888@c.us" {
		t.Fatalf("paired as %v", s["me"])
	}
}

// TestSimnetCommandWithGateway: `wagate simnet` in one place and a gateway pointed
// at it by configuration share one simulated network.
func TestSimnetCommandWithGateway(t *testing.T) {
	snPort := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var snOut syncBuffer
	snDone := make(chan error, 1)
	dir := t.TempDir()
	go func() {
		snDone <- runSimnet(ctx, fmt.Sprintf("127.0.0.1:%d", snPort), filepath.Join(dir, "simnet"), 0, &snOut, &bytes.Buffer{})
	}()
	var root string
	wait.For(t, 20*time.Second, func() error {
		for _, line := range strings.Split(snOut.String(), "\n") {
			if k, ok := strings.CutPrefix(strings.TrimSpace(line), "Root key:"); ok {
				root = strings.TrimSpace(k)
			}
		}
		if root == "" {
			return fmt.Errorf("simnet printed no root key:\n%s", snOut.String())
		}
		return nil
	})

	gwPort := freePort(t)
	t.Setenv("WAGATE_DATA_DIR", filepath.Join(dir, "gw"))
	t.Setenv("WAGATE_SERVER_HOST", "127.0.0.1")
	t.Setenv("WAGATE_SERVER_PORT", fmt.Sprint(gwPort))
	t.Setenv("WAGATE_SERVER_API_KEY", "gw-key")
	t.Setenv("WAGATE_ENGINES_NOWEB_PRINT_QR", "false")
	t.Setenv("WAGATE_ENGINES_NOWEB_SIMNET_ADDR", fmt.Sprintf("127.0.0.1:%d", snPort))
	t.Setenv("WAGATE_ENGINES_NOWEB_SIMNET_ROOT_PUBLIC_KEY", root)
	var gwOut syncBuffer
	gwDone := make(chan error, 1)
	go func() { gwDone <- serve(ctx, "", &gwOut, &bytes.Buffer{}) }()
	defer func() { cancel(); <-gwDone; <-snDone }()
	base := fmt.Sprintf("http://127.0.0.1:%d", gwPort)
	waitUp(t, base)
	if !strings.Contains(gwOut.String(), "SIMULATED network") {
		t.Fatalf("banner does not say the gateway is on simnet:\n%s", gwOut.String())
	}
	call(t, "POST", base+"/api/sessions", "gw-key", map[string]any{"name": "ext", "engine": "NOWEB"}, nil)
	var qr map[string]string
	wait.Until(t, 20*time.Second, "a QR code", func() bool {
		call(t, "GET", base+"/api/ext/auth/qr?format=raw", "gw-key", nil, &qr)
		return qr["value"] != ""
	})
	// The phone is an account on the simnet, scanned through its control API.
	snBase := fmt.Sprintf("http://127.0.0.1:%d/simnet/api/accounts", snPort)
	if code := call(t, "POST", snBase, "", map[string]any{"phone": "15550199999", "name": "Ext"}, nil); code != 201 {
		t.Fatalf("create account: %d", code)
	}
	if code := call(t, "POST", snBase+"/15550199999/scan", "", map[string]string{"qr": qr["value"]}, nil); code != 200 {
		t.Fatalf("scan: %d", code)
	}
	waitWorking(t, base, "gw-key", "ext")
	if _, err := os.Stat(filepath.Join(dir, "simnet", "simnet-root.key")); err != nil {
		t.Fatal("root key not kept")
	}
}

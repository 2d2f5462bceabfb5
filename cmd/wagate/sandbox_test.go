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

	"github.com/wagate/wagate/configs"
)

func freePort(t *testing.T) int {
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
	deadline := time.Now().Add(20 * time.Second)
	for {
		if res, err := http.Get(base + "/ping"); err == nil {
			res.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not come up", base)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitWorking(t *testing.T, base, key, session string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var s map[string]any
		call(t, "GET", base+"/api/sessions/"+session, key, nil, &s)
		if s["status"] == "WORKING" {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("session %s never WORKING: %v", session, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSandbox: with no phone, a session created through the API pairs with a
// simulated phone and works.
func TestSandbox(t *testing.T) {
	cfg := configs.Default()
	port := freePort(t)
	cfg.Server.Host, cfg.Server.Port, cfg.Server.APIKey = "127.0.0.1", port, "sandbox-key"
	cfg.Engines.NOWEB.PrintQR = false
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out syncBuffer
	go func() { done <- runSandbox(ctx, cfg, &out, &bytes.Buffer{}) }()
	defer func() { cancel(); <-done }()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitUp(t, base)
	if code := call(t, "POST", base+"/api/sessions", "sandbox-key", map[string]any{"name": "demo"}, nil); code != 201 {
		t.Fatalf("create: %d", code)
	}
	s := waitWorking(t, base, "sandbox-key", "demo")
	me, _ := s["me"].(map[string]any)
	if s["engine"].(map[string]any)["engine"] != "NOWEB" || me["id"] != sandboxPhone("demo")+"@c.us" {
		t.Fatalf("sandbox session: %v", s)
	}
	if !strings.Contains(out.String(), "Echo Bot 15550100001@c.us") {
		t.Fatalf("sandbox banner lacks the contacts:\n%s", out.String())
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
		snDone <- runSimnet(ctx, fmt.Sprintf("127.0.0.1:%d", snPort), filepath.Join(dir, "simnet"), &snOut, &bytes.Buffer{})
	}()
	var root string
	deadline := time.Now().Add(20 * time.Second)
	for root == "" {
		for _, line := range strings.Split(snOut.String(), "\n") {
			if k, ok := strings.CutPrefix(strings.TrimSpace(line), "Root key:"); ok {
				root = strings.TrimSpace(k)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("simnet printed no root key:\n%s", snOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

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
	deadline = time.Now().Add(20 * time.Second)
	for qr["value"] == "" {
		call(t, "GET", base+"/api/ext/auth/qr?format=raw", "gw-key", nil, &qr)
		if time.Now().After(deadline) {
			t.Fatal("no QR")
		}
	}
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

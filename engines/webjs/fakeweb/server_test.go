package fakeweb

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func startServer(t *testing.T, o Options) *Server {
	t.Helper()
	s := New(o)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestIndexCarriesConfigAndScripts(t *testing.T) {
	s := startServer(t, Options{Version: "2.3000.42", QRRefs: 3, MinifiedMsgKey: true})
	resp, err := http.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`"version":"2.3000.42"`, `"qrRefs":3`, `"minifiedMsgKey":true`, `/static/loader.js`, `/static/boot.js`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("index lacks %s", want)
		}
	}
	for _, script := range []string{"loader.js", "core.js", "ids.js", "models.js", "modules.js", "account.js", "boot.js"} {
		r, err := http.Get(s.URL() + "static/" + script)
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", script, err, r.Status)
		}
		r.Body.Close()
	}
}

func TestAccountEndpoint(t *testing.T) {
	s := startServer(t, Options{})
	s.SetAccount(Account{Chats: 5000, MessagesPerChat: 2, Seed: 7})
	resp, err := http.Get(s.URL() + "__fakeweb/account")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a Account
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	if a.Chats != 5000 || a.MessagesPerChat != 2 || a.Seed != 7 || a.Now == 0 {
		t.Fatalf("account = %+v", a)
	}
}

func TestDoWaitsForAPage(t *testing.T) {
	s := startServer(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Do(ctx, "state", nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Do without a page: %v", err)
	}
}

// A Go client that plays the page's side of the control channel.
func TestControlRoundTrip(t *testing.T) {
	s := startServer(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"__fakeweb/control", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var cmd struct {
				ID   int64          `json:"id"`
				Op   string         `json:"op"`
				Args map[string]any `json:"args"`
			}
			if err := json.Unmarshal([]byte(line), &cmd); err != nil {
				return
			}
			reply := map[string]any{"id": cmd.ID}
			if cmd.Op == "receipt" {
				reply["error"] = "message not found: " + cmd.Args["id"].(string)
			} else {
				reply["result"] = map[string]any{"socketState": "CONNECTED", "chats": 3}
			}
			b, _ := json.Marshal(reply)
			r, err := http.Post(s.URL()+"__fakeweb/result", "application/json", bytes.NewReader(b))
			if err == nil {
				r.Body.Close()
			}
		}
	}()
	dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer dcancel()
	st, err := s.State(dctx)
	if err != nil || st.SocketState != "CONNECTED" || st.Chats != 3 {
		t.Fatalf("state = %+v, %v", st, err)
	}
	var he *HookError
	if err := s.Receipt(dctx, "true_1@c.us_X", 3); !errors.As(err, &he) || he.Op != "receipt" || !strings.Contains(he.Message, "true_1@c.us_X") {
		t.Fatalf("hook error = %v", err)
	}
	if !s.Connected() {
		t.Fatal("not connected")
	}
}

func TestMediaIsServed(t *testing.T) {
	s := startServer(t, Options{})
	s.mu.Lock()
	s.media["abc"] = media{mimetype: "image/png", data: []byte("PNGDATA")}
	s.mu.Unlock()
	resp, err := http.Get(s.URL() + "__fakeweb/mms/abc")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "PNGDATA" {
		t.Fatalf("media = %q", b)
	}
	r, err := http.Get(s.URL() + "__fakeweb/mms/missing")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusNotFound {
		t.Fatalf("missing media: %d", r.StatusCode)
	}
}

// The HTTPS listener serves the same page with its in-memory certificate,
// valid for web.whatsapp.com.
func TestTLSListener(t *testing.T) {
	s := startServer(t, Options{})
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.CertificatePEM()) {
		t.Fatal("no certificate")
	}
	for _, name := range []string{"web.whatsapp.com", "127.0.0.1"} {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: name}}}
		resp, err := c.Get(s.TLSURL())
		if err != nil {
			t.Fatalf("GET %s as %s: %v", s.TLSURL(), name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Contains(body, []byte("/static/boot.js")) {
			t.Fatalf("as %s: %d %.100s", name, resp.StatusCode, body)
		}
	}
	if !strings.HasPrefix(s.TLSURL(), "https://127.0.0.1:") || s.TLSAddr() == "" || s.TLSURL() == s.URL() {
		t.Fatalf("TLSURL %q, URL %q", s.TLSURL(), s.URL())
	}
}

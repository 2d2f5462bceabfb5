package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/configs"
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
		deadline := time.Now().Add(10 * time.Second)
		for {
			res, err := http.Get(base + "/ping")
			if err == nil {
				res.Body.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("gateway did not answer: %v\n%s", err, logs.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		return out.String(), cancel, done
	}

	banner, cancel, done := start()
	key, _ := os.ReadFile(filepath.Join(dir, "data", "api-key"))
	k := strings.TrimSpace(string(key))
	if len(k) < 32 || !strings.Contains(banner, k) || !strings.Contains(banner, "/swagger") || !strings.Contains(banner, "wagate.db") {
		t.Fatalf("banner does not show the key, Swagger UI and data:\n%s", banner)
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
	if strings.Contains(banner, k) {
		t.Fatalf("key printed twice:\n%s", banner)
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

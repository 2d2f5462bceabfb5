package server_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/internal/wait"
	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/store"
)

// serve runs the API on a real listener and returns its address.
func serve(t *testing.T, a *api) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Server.Serve(ctx, ln, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// dial opens a raw connection whose reads give up after within, so a server that
// holds on makes the test fail instead of hang.
func dial(t *testing.T, addr string, within time.Duration) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(within))
	return c
}

// readClosed reads one response and then expects the server to close the
// connection.
func readClosed(t *testing.T, c net.Conn, what string) *http.Response {
	t.Helper()
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("%s: no answer: %v", what, err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("%s: the connection stays open after the answer (%v)", what, err)
	}
	return res
}

// TestUnauthorizedBeforeBody: a client without the key that announces a body and
// trickles it gets its 401 at once, and the connection is closed instead of being
// held while net/http drains the body.
func TestUnauthorizedBeforeBody(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	addr := serve(t, a)
	c := dial(t, addr, 5*time.Second)
	if _, err := io.WriteString(c, "POST /api/sendText HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	if res := readClosed(t, c, "no key, trickled body"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", res.StatusCode)
	}
	// With a body over the limit too: still the 401, which tells nothing about limits.
	c = dial(t, addr, 5*time.Second)
	io.WriteString(c, "POST /api/sendText HTTP/1.1\r\nHost: gw\r\nContent-Length: 999999999\r\n\r\n")
	if res := readClosed(t, c, "no key, huge body"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", res.StatusCode)
	}
}

// TestTimeouts: a client with the key trickling a body, and a keep-alive
// connection left idle, are both let go.
func TestTimeouts(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{limits: server.Limits{ReadTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond}})
	addr := serve(t, a)

	c := dial(t, addr, 5*time.Second)
	io.WriteString(c, "POST /api/sessions HTTP/1.1\r\nHost: gw\r\nX-Api-Key: "+testKey+"\r\nContent-Length: 100000\r\n\r\n{")
	res := readClosed(t, c, "key, trickled body")
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", res.StatusCode)
	}

	c = dial(t, addr, 5*time.Second)
	io.WriteString(c, "GET /api/sessions HTTP/1.1\r\nHost: gw\r\nX-Api-Key: "+testKey+"\r\n\r\n")
	if res := readClosed(t, c, "idle keep-alive"); res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", res.StatusCode)
	}

	if d := server.DefaultLimits(); d.ReadHeaderTimeout <= 0 || d.ReadTimeout <= 0 || d.WriteTimeout <= 0 || d.IdleTimeout <= 0 || d.ConnsPerClient <= 0 {
		t.Fatalf("a default limit is off: %+v", d)
	}
}

// TestConnectionsPerClient: one address holds at most ConnsPerClient connections;
// one more gets a 503 and is closed, and a place freed is taken again.
func TestConnectionsPerClient(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{limits: server.Limits{ConnsPerClient: 3}})
	addr := serve(t, a)
	var held []net.Conn
	for range 3 {
		c := dial(t, addr, 10*time.Second)
		// A request answered proves the connection was accepted and counted.
		io.WriteString(c, "GET /ping HTTP/1.1\r\nHost: gw\r\n\r\n")
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("connection %d: %v %v", len(held)+1, res, err)
		}
		held = append(held, c)
	}
	res := readClosed(t, dial(t, addr, 5*time.Second), "fourth connection")
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("fourth connection: %d, want 503", res.StatusCode)
	}
	held[0].Close()
	// The server frees the place when it sees the close: try until it has.
	wait.For(t, 5*time.Second, func() error {
		c := dial(t, addr, 5*time.Second)
		io.WriteString(c, "GET /ping HTTP/1.1\r\nHost: gw\r\n\r\n")
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err == nil && res.StatusCode == 200 {
			held = append(held, c)
			return nil
		}
		c.Close()
		if err == nil {
			err = fmt.Errorf("HTTP %d", res.StatusCode)
		}
		return fmt.Errorf("a closed connection's place was not freed: %w", err)
	})
	// The fourth connection at least; a retry above may have been refused too.
	if m := scrape(t, a); !strings.Contains(m, "\nwagate_http_connections_refused_total ") || strings.Contains(m, "\nwagate_http_connections_refused_total 0\n") {
		t.Fatal("refused connections are not counted")
	}
}

func scrape(t *testing.T, a *api) string {
	t.Helper()
	return string(a.Expect(a.Do("GET", "/metrics", nil), 200).Body)
}

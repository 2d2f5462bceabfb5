package server_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/enginetest"
	"github.com/wagate/wagate/engines/enginetest/memnet"
	"github.com/wagate/wagate/sessions"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestProxyToOwner: a request for a session another replica runs goes to that
// replica with its headers, its body streamed as the client sends it, its answer
// streamed back as the owner writes it, and a websocket upgrade passed through.
func TestProxyToOwner(t *testing.T) {
	st, _ := storetest.Open(t, store.Postgres)
	ctx := t.Context()
	const session = "elsewhere"
	bodyPart := make(chan string)     // the owner read a part of the request body
	answerPart := make(chan string)   // the client read a part of the answer
	seen := make(chan http.Header, 4) // the headers the owner got
	owner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Clone()
		switch {
		case r.Header.Get("Upgrade") != "":
			conn, err := websocket.Accept(w, r, nil)
			if err != nil {
				t.Errorf("owner: accept websocket: %v", err)
				return
			}
			defer conn.CloseNow()
			typ, msg, err := conn.Read(ctx)
			if err != nil {
				return
			}
			conn.Write(ctx, typ, append([]byte("owner got "), msg...))
		case r.Method == http.MethodPut:
			br := bufio.NewReader(r.Body)
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					break
				}
				bodyPart <- strings.TrimSpace(line)
			}
			w.Header().Set("X-From-Owner", "yes")
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, "done\n")
		default:
			w.Header().Set("Content-Type", "text/plain")
			for _, part := range []string{"first", "second"} {
				io.WriteString(w, part+"\n")
				w.(http.Flusher).Flush()
				if got := <-answerPart; got != part {
					t.Errorf("owner: client read %q, want %q", got, part)
				}
			}
		}
	}))
	t.Cleanup(owner.Close)

	f := memnet.New().Factory(enginetest.NewMediaFiles(t))
	g := enginetest.NewGateway(t, enginetest.GatewayOptions{
		Dialect: store.Postgres, Store: st, Matrix: allSupported(t),
		Factories: map[engines.Name]sessions.Factory{engines.WEBJS: f, engines.NOWEB: f},
		Cluster:   &sessions.ClusterOptions{Leases: st, Replica: sessions.Replica{ID: "here", Address: "http://127.0.0.1:1"}},
	})
	if r := g.Do(http.MethodPost, "/api/sessions", map[string]any{"name": session, "engine": "NOWEB", "start": false}); r.Status != http.StatusCreated {
		t.Fatalf("create session: %d %s", r.Status, r.Body)
	}
	if _, err := st.AcquireLease(ctx, session, sessions.Replica{ID: "there", Address: owner.URL}, time.Now(), time.Hour, false); err != nil {
		t.Fatal(err)
	}
	gw := httptest.NewServer(g.Handler)
	t.Cleanup(gw.Close)
	checkHeaders := func(what string) {
		t.Helper()
		h := <-seen
		if h.Get("X-Api-Key") != testKey || h.Get("X-Custom") != "kept" || h.Get("X-Wagate-Forwarded-By") != "here" || h.Get("X-Forwarded-For") == "" {
			t.Errorf("%s: the owner got headers %v", what, h)
		}
	}

	// The body goes out as the client writes it: the second line is written
	// only after the owner read the first.
	pr, pw := io.Pipe()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, gw.URL+"/api/sessions/"+session, pr)
	req.Header.Set("X-Api-Key", testKey)
	req.Header.Set("X-Custom", "kept")
	req.Header.Set("Content-Type", "application/json")
	type result struct {
		res *http.Response
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		done <- result{res, err}
	}()
	for _, line := range []string{"one", "two"} {
		io.WriteString(pw, line+"\n")
		select {
		case got := <-bodyPart:
			if got != line {
				t.Fatalf("owner read %q, want %q", got, line)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("the owner did not get %q before the body ended: the proxy buffers request bodies", line)
		}
	}
	pw.Close()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	answer, _ := io.ReadAll(r.res.Body)
	r.res.Body.Close()
	if r.res.StatusCode != http.StatusOK || string(answer) != "done\n" || r.res.Header.Get("X-From-Owner") != "yes" || r.res.Header.Get("X-Wagate-Replica") != "there" {
		t.Fatalf("proxied PUT: %d %q %v", r.res.StatusCode, answer, r.res.Header)
	}
	checkHeaders("PUT")

	// The answer comes back as the owner writes it: it writes its second part
	// only after the client read the first.
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, gw.URL+"/api/sessions/"+session+"/me", nil)
	req.Header.Set("X-Api-Key", testKey)
	req.Header.Set("X-Custom", "kept")
	go func() {
		res, err := http.DefaultClient.Do(req)
		done <- result{res, err}
	}()
	var res *http.Response
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		res = r.res
	case <-time.After(10 * time.Second):
		t.Fatal("no answer headers before the owner's answer ended: the proxy buffers answers")
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	for _, part := range []string{"first", "second"} {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("read %q of the answer: %v", part, err)
		}
		answerPart <- strings.TrimSpace(line)
	}
	checkHeaders("GET")

	// A websocket upgrade reaches the owner, and the connection carries both ways.
	h := http.Header{"X-Api-Key": {testKey}, "X-Custom": {"kept"}}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(wctx, "ws"+strings.TrimPrefix(gw.URL, "http")+"/api/sessions/"+session+"/me", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatalf("websocket through the proxy: %v", err)
	}
	defer conn.CloseNow()
	if err := conn.Write(wctx, websocket.MessageText, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	_, msg, err := conn.Read(wctx)
	if err != nil || string(msg) != "owner got ping" {
		t.Fatalf("websocket through the proxy: %q %v", msg, err)
	}
	checkHeaders("websocket")
}

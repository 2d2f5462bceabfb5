package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// eventStream is a client of a gateway's /ws: it counts the message bodies of
// the envelopes it gets, per session.
type eventStream struct {
	mu      sync.Mutex
	bodies  map[string]map[string]int // session → body → times
	changed chan struct{}
	err     error
}

// openEvents connects to gw's /ws with query (the API key is added) and reads
// until the test ends.
func openEvents(t *testing.T, ctx context.Context, gw *gatewayProc, query string) *eventStream {
	t.Helper()
	h := http.Header{"X-Api-Key": {gw.key}}
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(gw.base(), "http")+"/ws?"+query, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatalf("open the event stream of %s: %v", gw.base(), err)
	}
	conn.SetReadLimit(-1)
	t.Cleanup(func() { conn.CloseNow() })
	s := &eventStream{bodies: map[string]map[string]int{}, changed: make(chan struct{})}
	go func() {
		for {
			_, data, err := conn.Read(ctx)
			var env struct {
				Session string `json:"session"`
				Payload struct {
					Body string `json:"body"`
				} `json:"payload"`
			}
			if err == nil {
				err = json.Unmarshal(data, &env)
			}
			s.mu.Lock()
			if err != nil {
				s.err = err
			} else {
				if s.bodies[env.Session] == nil {
					s.bodies[env.Session] = map[string]int{}
				}
				s.bodies[env.Session][env.Payload.Body]++
			}
			close(s.changed)
			s.changed = make(chan struct{})
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return s
}

// waitBodies waits until the stream got each text of sent, per session, exactly
// once.
func (s *eventStream) waitBodies(t *testing.T, ctx context.Context, sent map[string][]string) {
	t.Helper()
	for {
		s.mu.Lock()
		missing, twice := 0, ""
		for session, texts := range sent {
			for _, text := range texts {
				switch s.bodies[session][text] {
				case 0:
					missing++
				case 1:
				default:
					twice = session + ": " + text
				}
			}
		}
		err, changed := s.err, s.changed
		s.mu.Unlock()
		switch {
		case twice != "":
			t.Fatalf("the event stream carried %q more than once", twice)
		case missing == 0:
			return
		case err != nil:
			t.Fatalf("the event stream ended with %d messages missing: %v", missing, err)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("the event stream lacks %d messages", missing)
		case <-time.After(30 * time.Second):
			t.Fatalf("the event stream lacks %d messages after 30 s", missing)
		}
	}
}

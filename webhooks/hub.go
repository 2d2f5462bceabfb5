package webhooks

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/wagate/wagate/engines"
)

// Filter picks the events a websocket client gets.
type Filter struct {
	sessions map[string]bool // nil: every session
	events   map[string]bool // nil: every event but engine.event, as WAHA's "*"
}

// ParseFilter reads the session and events query values: each may be repeated or
// comma-separated; "*" or nothing means all. The error names the bad field.
func ParseFilter(sessions, events []string) (Filter, error) {
	var f Filter
	for _, s := range split(sessions) {
		if s == "*" {
			f.sessions = nil
			break
		}
		if err := engines.ValidateSessionName(s); err != nil {
			return Filter{}, fmt.Errorf("session: %w", err)
		}
		if f.sessions == nil {
			f.sessions = map[string]bool{}
		}
		f.sessions[s] = true
	}
	evs := split(events)
	if err := engines.ValidateEvents(evs); err != nil {
		return Filter{}, fmt.Errorf("events: %w", err)
	}
	for _, e := range evs {
		if e == "*" {
			f.events = nil
			break
		}
		if f.events == nil {
			f.events = map[string]bool{}
		}
		f.events[e] = true
	}
	return f, nil
}

func split(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func (f Filter) match(session, event string) bool {
	if f.sessions != nil && !f.sessions[session] {
		return false
	}
	if f.events == nil {
		return event != "engine.event"
	}
	return f.events[event]
}

// hub fans envelopes out to websocket clients. Publishing never waits for a client:
// one that falls behind by more than its buffer is dropped.
type hub struct {
	m      *metrics
	mu     sync.RWMutex
	subs   map[*subscriber]struct{}
	closed chan struct{}
	once   sync.Once
}

type subscriber struct {
	f    Filter
	ch   chan []byte
	slow chan struct{} // closed when the client fell behind
	once sync.Once
}

func newHub() *hub {
	return &hub{subs: map[*subscriber]struct{}{}, closed: make(chan struct{})}
}

func (h *hub) publish(session, event string, body []byte) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for sub := range h.subs {
		if sub.f.match(session, event) {
			h.offer(sub, body)
		}
	}
}

// offer hands body to sub without waiting: a client that lags its buffer is
// dropped.
func (h *hub) offer(sub *subscriber, body []byte) {
	select {
	case sub.ch <- body:
	default:
		sub.once.Do(func() {
			close(sub.slow)
			h.m.wsDropped.Inc()
		})
	}
}

func (h *hub) subscribe(f Filter, buffer int) *subscriber {
	sub := &subscriber{f: f, ch: make(chan []byte, buffer), slow: make(chan struct{})}
	h.mu.Lock()
	h.subs[sub] = struct{}{}
	h.mu.Unlock()
	return sub
}

func (h *hub) unsubscribe(sub *subscriber) {
	h.mu.Lock()
	delete(h.subs, sub)
	h.mu.Unlock()
}

func (h *hub) count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs)
}

func (h *hub) close() { h.once.Do(func() { close(h.closed) }) }

// A Relay brings into a stream the envelopes that other replicas publish (a
// replica's hub has only the events of the sessions it runs), already filtered.
// It calls ready once it has subscribed wherever it could, so the stream, accepted
// only then, has every replica's events from its first; it hands each envelope to
// deliver until ctx ends.
type Relay func(ctx context.Context, ready func(), deliver func(body []byte))

// Stream upgrades the request to a websocket and sends it every envelope f matches
// until the client leaves, falls behind, stops answering pings, or the service
// stops; relay, when not nil, adds the other replicas' envelopes. The caller has
// checked the API key and parsed f.
func (s *Service) Stream(w http.ResponseWriter, r *http.Request, f Filter, relay Relay) {
	sub := s.hub.subscribe(f, s.o.WSBuffer)
	defer s.hub.unsubscribe(sub)
	if relay != nil {
		rctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
		defer cancel()
		ready := make(chan struct{})
		var once sync.Once
		deliver := func(body []byte) {
			if rctx.Err() == nil { // not once the stream is over
				s.hub.offer(sub, body)
			}
		}
		go relay(rctx, func() { once.Do(func() { close(ready) }) }, deliver)
		select {
		case <-ready:
		case <-r.Context().Done():
			return
		}
	}
	// The API key, not the Origin, is what guards this stream; dashboards on other
	// origins must be able to open it.
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: []string{"*"}})
	if err != nil {
		s.log.Debug("websocket upgrade failed", "err", err)
		return
	}
	defer conn.CloseNow()
	// We read nothing from the client; CloseRead answers its pings and closes.
	ctx := conn.CloseRead(context.WithoutCancel(r.Context()))
	ping := time.NewTicker(s.o.WSPing)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.hub.closed:
			conn.Close(websocket.StatusGoingAway, "the gateway is shutting down")
			return
		case <-sub.slow:
			conn.Close(websocket.StatusTryAgainLater, "too slow: the client fell behind the event stream")
			return
		case body := <-sub.ch:
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := conn.Write(wctx, websocket.MessageText, body)
			cancel()
			if err != nil {
				return
			}
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, s.o.WSPing)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				conn.Close(websocket.StatusPolicyViolation, "no answer to ping")
				return
			}
		}
	}
}

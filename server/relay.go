package server

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/wagate/wagate/webhooks"
)

// Each replica publishes the events of the sessions it runs. A websocket client
// behind a load balancer reaches one replica, so that replica subscribes, with
// the client's own filter and credentials, to the stream of every other live
// replica and relays what they send: any replica's /ws carries every session's
// events, and a session that moves keeps its events on the client's stream.

// peerPoll is how often a relaying stream looks for replicas that joined or left.
const peerPoll = 3 * time.Second

// peerDialTimeout bounds how long a new stream waits for one replica to accept
// its subscription before the stream opens without it (it is dialled again at
// the next poll).
const peerDialTimeout = 5 * time.Second

// peerReadLimit is the largest envelope taken from another replica.
const peerReadLimit = 64 << 20

// peerEvents is the relay of a websocket request: nil unless replicas share the
// database and the request came from a client, not from another replica's relay.
func (s *Server) peerEvents(r *http.Request) webhooks.Relay {
	if !s.manager.Clustered() || r.Header.Get(forwardedHeader) != "" {
		return nil
	}
	self := s.manager.ReplicaID()
	h := http.Header{}
	for _, k := range []string{"X-Api-Key", "Cookie"} {
		if v := r.Header.Values(k); len(v) > 0 {
			h[k] = v
		}
	}
	h.Set(forwardedHeader, self)
	query := r.URL.RawQuery
	return func(ctx context.Context, ready func(), deliver func([]byte)) {
		defer ready()
		var (
			mu    sync.Mutex
			peers = map[string]context.CancelFunc{} // replica id → its relay
		)
		follow := func() {
			reps, err := s.manager.Replicas(ctx)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("list replicas for the event stream", "err", err)
				}
				return
			}
			live := map[string]bool{}
			var dialled sync.WaitGroup
			mu.Lock()
			for _, rep := range reps {
				if rep.ID == self {
					continue
				}
				live[rep.ID] = true
				if peers[rep.ID] != nil {
					continue
				}
				pctx, cancel := context.WithCancel(ctx)
				peers[rep.ID] = cancel
				dialled.Add(1)
				go func() {
					s.relayFrom(pctx, rep.ID, rep.Address, query, h, dialled.Done, deliver)
					// Dialled again at the next poll while it is live.
					mu.Lock()
					delete(peers, rep.ID)
					mu.Unlock()
					cancel()
				}()
			}
			for id, cancel := range peers {
				if !live[id] {
					cancel()
				}
			}
			mu.Unlock()
			dialled.Wait()
		}
		follow()
		ready()
		tick := time.NewTicker(peerPoll)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				follow()
			}
		}
	}
}

// relayFrom subscribes to replica id's own stream at base and hands its envelopes
// to deliver until ctx ends or the stream does; connected is called once the
// subscription is open or has failed.
func (s *Server) relayFrom(ctx context.Context, id, base, query string, h http.Header, connected func(), deliver func([]byte)) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		connected()
		s.log.Warn("relay events from replica: unusable address", "replica", id, "address", base)
		return
	}
	u = u.JoinPath("/ws")
	u.RawQuery = query
	dctx, cancel := context.WithTimeout(ctx, peerDialTimeout)
	conn, _, err := websocket.Dial(dctx, u.String(), &websocket.DialOptions{HTTPHeader: h})
	cancel()
	connected()
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("relay events from replica", "replica", id, "address", base, "err", err)
		}
		return
	}
	defer conn.CloseNow()
	conn.SetReadLimit(peerReadLimit)
	for {
		_, body, err := conn.Read(ctx)
		if err != nil {
			if ctx.Err() == nil && websocket.CloseStatus(err) != websocket.StatusGoingAway {
				s.log.Info("relay events from replica ended", "replica", id, "err", err)
			}
			return
		}
		deliver(body)
	}
}

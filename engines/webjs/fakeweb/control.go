package fakeweb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// page is one open tab's control stream.
type page struct {
	cmds chan command
	done chan struct{}
}

type command struct {
	ID   int64  `json:"id"`
	Op   string `json:"op"`
	Args any    `json:"args,omitempty"`
}

type result struct {
	ID     int64           `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
}

// ErrPageGone means the tab went away (reload, close) before it answered.
var ErrPageGone = errors.New("fakeweb: the page went away before answering")

// HookError is an error thrown by the page's test hook.
type HookError struct {
	Op      string
	Message string
}

func (e *HookError) Error() string { return "fakeweb: " + e.Op + ": " + e.Message }

func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	p := &page{cmds: make(chan command, 64), done: make(chan struct{})}
	s.mu.Lock()
	s.current = p
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.current == p {
			s.current = nil
			close(s.changed)
			s.changed = make(chan struct{})
		}
		s.mu.Unlock()
		close(p.done)
	}()

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = fmt.Fprint(w, ": connected\n\n")
	flusher.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case cmd := <-p.cmds:
			b, err := json.Marshal(cmd)
			if err != nil {
				s.deliver(result{ID: cmd.ID, Error: "encoding command: " + err.Error()})
				continue
			}
			if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
				return
			}
			flusher.Flush()
		}
	}
}

func (s *Server) serveResult(w http.ResponseWriter, r *http.Request) {
	var res result
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 32<<20)).Decode(&res); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.deliver(res)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) deliver(res result) {
	s.mu.Lock()
	ch, ok := s.pending[res.ID]
	delete(s.pending, res.ID)
	s.mu.Unlock()
	if ok {
		ch <- res
	}
}

// Connected reports whether a tab has its control stream open.
func (s *Server) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current != nil
}

// Do runs one test-hook operation on the open tab (waiting for a tab to
// connect if none is) and decodes its result into out (which may be nil).
// The typed methods in hooks.go are the documented surface; Do is exported
// for hooks that have no wrapper.
func (s *Server) Do(ctx context.Context, op string, args, out any) error {
	for {
		s.mu.Lock()
		p, changed := s.current, s.changed
		s.mu.Unlock()
		if p == nil {
			select {
			case <-ctx.Done():
				return fmt.Errorf("fakeweb: %s: waiting for the page to connect: %w", op, ctx.Err())
			case <-changed:
				continue
			}
		}
		s.mu.Lock()
		s.nextID++
		id := s.nextID
		reply := make(chan result, 1)
		s.pending[id] = reply
		s.mu.Unlock()
		forget := func() {
			s.mu.Lock()
			delete(s.pending, id)
			s.mu.Unlock()
		}

		select {
		case p.cmds <- command{ID: id, Op: op, Args: args}:
		case <-p.done:
			forget()
			continue // the tab went away before it saw the command: retry on the next one
		case <-ctx.Done():
			forget()
			return fmt.Errorf("fakeweb: %s: %w", op, ctx.Err())
		}
		select {
		case res := <-reply:
			if res.Error != "" {
				return &HookError{Op: op, Message: res.Error}
			}
			if out == nil {
				return nil
			}
			if err := json.Unmarshal(res.Result, out); err != nil {
				return fmt.Errorf("fakeweb: %s: decoding result: %w", op, err)
			}
			return nil
		case <-p.done:
			forget()
			return fmt.Errorf("fakeweb: %s: %w", op, ErrPageGone)
		case <-ctx.Done():
			forget()
			return fmt.Errorf("fakeweb: %s: %w", op, ctx.Err())
		}
	}
}

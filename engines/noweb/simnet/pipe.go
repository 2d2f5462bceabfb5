package simnet

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// pipeListener hands the server in-process connections (net.Pipe): simnet's
// own phones reach it through one, so an account costs the process no socket.
// Over loopback TCP each phone held two file descriptors (its end and the
// server's), which put ten thousand accounts past a usual 20,000-file limit.
type pipeListener struct {
	conns     chan net.Conn
	closeOnce sync.Once
	done      chan struct{}
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// dial makes a connection whose other end the listener accepts.
func (l *pipeListener) dial(ctx context.Context) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "simnet-phone" }

// phoneHTTPClient is HTTPClient over the pipe listener: websocket, pre-login
// and media requests of simnet's phones.
func (l *pipeListener) phoneHTTPClient() *http.Client {
	return &http.Client{
		Transport: &rewriteTransport{addr: "simnet.phone", base: &http.Transport{
			DialContext:         func(ctx context.Context, _, _ string) (net.Conn, error) { return l.dial(ctx) },
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     30 * time.Second,
		}},
	}
}

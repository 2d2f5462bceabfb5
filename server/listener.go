package server

import (
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// Limits bound what one client can hold of the HTTP server. Zero fields take
// DefaultLimits' values.
type Limits struct {
	ReadHeaderTimeout time.Duration // the request line and headers
	ReadTimeout       time.Duration // the whole request, body included
	WriteTimeout      time.Duration // from the end of the headers to the end of the answer
	IdleTimeout       time.Duration // a keep-alive connection between requests
	FileWriteTimeout  time.Duration // WriteTimeout of a media download, which may be large
	ConnsPerClient    int           // open connections from one client address
}

// DefaultLimits are the limits of a server built without any: generous enough for
// a 50 MB upload on a slow link and for the slowest engine call, short enough that
// a client trickling bytes lets go.
func DefaultLimits() Limits {
	return Limits{
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       60 * time.Second,
		FileWriteTimeout:  15 * time.Minute,
		// High enough for a reverse proxy or a busy bot behind one address.
		ConnsPerClient: 256,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	for _, f := range []struct{ v, def *time.Duration }{
		{&l.ReadHeaderTimeout, &d.ReadHeaderTimeout}, {&l.ReadTimeout, &d.ReadTimeout},
		{&l.WriteTimeout, &d.WriteTimeout}, {&l.IdleTimeout, &d.IdleTimeout},
		{&l.FileWriteTimeout, &d.FileWriteTimeout},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	if l.ConnsPerClient <= 0 {
		l.ConnsPerClient = d.ConnsPerClient
	}
	return l
}

// perClient is a listener that keeps at most max connections open per client
// address: one more is answered 503 and closed at once, without reading from it.
type perClient struct {
	net.Listener
	max     int
	refused func()
	mu      sync.Mutex
	open    map[netip.Addr]int
}

func limitPerClient(ln net.Listener, max int, refused func()) *perClient {
	return &perClient{Listener: ln, max: max, refused: refused, open: map[netip.Addr]int{}}
}

func (l *perClient) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := clientAddr(c.RemoteAddr())
		l.mu.Lock()
		if l.open[ip] >= l.max {
			l.mu.Unlock()
			l.refused()
			go refuseConn(c)
			continue
		}
		l.open[ip]++
		l.mu.Unlock()
		return &countedConn{Conn: c, release: sync.OnceFunc(func() { l.release(ip) })}, nil
	}
}

func (l *perClient) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

func clientAddr(a net.Addr) netip.Addr {
	if tcp, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(tcp.IP)
		return ip.Unmap()
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap.Addr().Unmap()
}

// refuseBody is the envelope of the 503 a connection over the limit gets.
const refuseBody = `{"statusCode":503,"error":"Service Unavailable","message":"Too many connections from your address; close some and try again"}`

func refuseConn(c net.Conn) {
	defer c.Close()
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.Write([]byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
		strconv.Itoa(len(refuseBody)) + "\r\n\r\n" + refuseBody))
}

// countedConn gives its place back when closed, however often it is closed.
type countedConn struct {
	net.Conn
	release func()
}

func (c *countedConn) Close() error {
	c.release()
	return c.Conn.Close()
}

package netguard_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wagate/wagate/netguard"
)

func guard(t *testing.T, allowed []string, self ...string) *netguard.Guard {
	t.Helper()
	p, err := netguard.ParsePolicy(allowed)
	if err != nil {
		t.Fatal(err)
	}
	g, err := netguard.New(netguard.Options{Policy: p, Self: self})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestCheckURL(t *testing.T) {
	const (
		ok      = ""
		refused = "refused"
		invalid = "invalid"
	)
	cases := []struct {
		policy []string
		url    string
		want   string
	}{
		// The default: loopback, private and public receivers, nothing link-local.
		{nil, "http://127.0.0.1:8080/hook", ok},
		{nil, "http://10.0.0.5/hook", ok},
		{nil, "http://[fd12:3456::1]:9000/", ok},
		{nil, "https://93.184.215.14/", ok},
		{nil, "http://169.254.169.254/latest/meta-data/", refused},
		{nil, "http://[fd00:ec2::254]/", refused},
		{nil, "http://[::ffff:169.254.169.254]/", refused},
		{nil, "http://[64:ff9b::a9fe:a9fe]/", refused},
		{nil, "http://[fe80::1%25eth0]/", refused},
		{nil, "http://100.100.100.200/", refused},
		{nil, "http://metadata.google.internal/computeMetadata/v1/", refused},
		{nil, "http://METADATA.GOOGLE.INTERNAL./", refused},
		{nil, "http://0.0.0.0:8080/", refused},
		{nil, "http://224.0.0.1/", refused},
		{nil, "http://0x7f000001:3000/", refused},
		{nil, "http://2130706433/", refused},
		{nil, "http://127.1:8080/", refused},
		{nil, "http://0177.0.0.1/", refused},
		{nil, "http://user:pass@hooks.example.com/", refused},
		{nil, "http://user@hooks.example.com/", refused},
		// The gateway's own API, listening on 0.0.0.0:3000 and published as wa.example.com.
		{nil, "http://127.0.0.1:3000/api/sessions", refused},
		{nil, "http://[::1]:3000/", refused},
		{nil, "http://localhost:3000/", refused},
		{nil, "https://wa.example.com/api/sendText", refused},
		{nil, "http://wa.example.com/", ok}, // another port of that name
		{[]string{"*"}, "http://127.0.0.1:3000/", refused},
		// Not URLs the gateway sends to.
		{nil, "ftp://hooks.example.com/", invalid},
		{nil, "hooks.example.com/path", invalid},
		{nil, "http:///path", invalid},
		{nil, "http://hooks.example.com:99999/", invalid},
		// external: public addresses only.
		{[]string{"external"}, "https://93.184.215.14/", ok},
		{[]string{"external"}, "http://10.0.0.5/", refused},
		{[]string{"external"}, "http://127.0.0.1:8080/", refused},
		{[]string{"external"}, "http://localhost:8080/", refused},
		{[]string{"external"}, "http://100.64.1.1/", refused},
		{[]string{"external"}, "http://169.254.169.254/", refused},
		// private: this host and the private networks only.
		{[]string{"private"}, "http://192.168.1.2/", ok},
		{[]string{"private"}, "http://127.0.0.1:8080/", ok},
		{[]string{"private"}, "https://93.184.215.14/", refused},
		{[]string{"private"}, "http://[fd00:ec2::254]/", refused},
		// A list widens as well as narrows.
		{[]string{"169.254.169.254/32"}, "http://169.254.169.254/", ok},
		{[]string{"169.254.169.254"}, "http://10.0.0.1/", refused},
		{[]string{"10.1.0.0/16", "loopback"}, "http://10.1.2.3/", ok},
		{[]string{"10.1.0.0/16", "loopback"}, "http://[::1]:8080/", ok},
		{[]string{"10.1.0.0/16", "loopback"}, "http://10.2.0.1/", refused},
		{[]string{"hooks.example.com"}, "https://hooks.example.com/x", ok},
		{[]string{"*.example.com"}, "https://a.b.example.com/x", ok},
		{[]string{"*.example.com"}, "http://localhost:8080/x", refused},
		{[]string{"*.example.com"}, "http://no-such-host.invalid/x", ok}, // checked again when dialled
		{[]string{"metadata.google.internal"}, "http://metadata.google.internal/", ok},
	}
	for _, c := range cases {
		g := guard(t, c.policy, "0.0.0.0:3000", "https://wa.example.com")
		err := g.CheckURL(context.Background(), c.url)
		var got string
		switch {
		case err == nil:
			got = ok
		case errors.Is(err, netguard.ErrRefused):
			got = refused
		default:
			got = invalid
		}
		if got != c.want {
			t.Errorf("policy %v, %s: got %q (%v), want %q", c.policy, c.url, got, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "pass") {
			t.Errorf("%s: the error shows the credentials: %v", c.url, err)
		}
	}
}

func TestParsePolicy(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "http://hooks.example.com", "bad host!", "0x7f000001", "ex ternal"} {
		if _, err := netguard.ParsePolicy([]string{bad}); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: got %v, want an error naming it", bad, err)
		}
	}
	p, err := netguard.ParsePolicy([]string{" External ", "", "10.0.0.0/8"})
	if err != nil || p.IsDefault() || p.String() != "external,10.0.0.0/8" {
		t.Fatalf("got %v %q", err, p)
	}
	if p, _ := netguard.ParsePolicy([]string{"", " "}); !p.IsDefault() || p.String() != "default" {
		t.Fatalf("blank entries: %q", p)
	}
}

// receiver counts the connections it accepts.
func receiver(t *testing.T, h http.Handler) (*httptest.Server, *atomic.Int32) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func TestDialRefusesAfterResolution(t *testing.T) {
	srv, conns := receiver(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	url := "http://localhost:" + strconv.Itoa(port) + "/"

	// Allowed by default.
	res, err := guard(t, nil).Client(0).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()

	// A name that resolves to a refused address is refused when dialled, even if
	// it was never checked as a URL, and no connection is made.
	before := conns.Load()
	_, err = guard(t, []string{"external"}).Client(0).Get(url)
	if !errors.Is(err, netguard.ErrRefused) {
		t.Fatalf("external policy, localhost: got %v, want a refusal", err)
	}
	// The gateway's own listen address, through its name.
	_, err = guard(t, nil, srv.Listener.Addr().String()).Client(0).Get(url)
	if !errors.Is(err, netguard.ErrRefused) {
		t.Fatalf("own address: got %v, want a refusal", err)
	}
	if n := conns.Load(); n != before {
		t.Fatalf("a refused dial connected: %d connections, want %d", n, before)
	}
}

func TestRedirectToRefusedAddress(t *testing.T) {
	inner, innerConns := receiver(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	outer, _ := receiver(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inner.URL+"/secret", http.StatusFound)
	}))
	g := guard(t, nil, inner.Listener.Addr().String())
	if err := g.CheckURL(context.Background(), outer.URL); err != nil {
		t.Fatalf("the outer server is allowed: %v", err)
	}
	_, err := g.Client(0).Get(outer.URL)
	if !errors.Is(err, netguard.ErrRefused) {
		t.Fatalf("redirect to the gateway's own address: got %v, want a refusal", err)
	}
	if innerConns.Load() != 0 {
		t.Fatal("the redirect reached the refused address")
	}
	// Transport alone (a client with its own redirect rule) dials through the guard too.
	c := &http.Client{Transport: g.Transport()}
	if _, err := c.Get(inner.URL); !errors.Is(err, netguard.ErrRefused) {
		t.Fatalf("Transport: got %v, want a refusal", err)
	}
}

func TestSelfIncludesLocalAddresses(t *testing.T) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skip("no interface addresses:", err)
	}
	g := guard(t, nil, ":3000")
	for _, a := range addrs {
		ip, _, _ := net.ParseCIDR(a.String())
		if ip == nil || ip.IsLinkLocalUnicast() {
			continue
		}
		u := "http://" + net.JoinHostPort(ip.String(), "3000") + "/"
		if err := g.CheckURL(context.Background(), u); !errors.Is(err, netguard.ErrRefused) {
			t.Errorf("%s is this machine's, listening on :3000: got %v, want a refusal", u, err)
		}
	}
}

func TestBadSelf(t *testing.T) {
	if _, err := netguard.New(netguard.Options{Self: []string{"no-port"}}); err == nil {
		t.Fatal("want an error for a listen address without a port")
	}
}

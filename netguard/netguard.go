// Package netguard decides which hosts the gateway may connect to on a user's
// behalf: webhook receivers, and the URLs of media it is asked to fetch. Anyone
// with the API key names those URLs, so without a guard the gateway is a blind
// request forger into its own network: the cloud's metadata service
// (169.254.169.254, fd00:ec2::254, metadata.google.internal) hands out
// credentials, and the gateway's own API accepts its own key.
//
// A Guard checks twice, as Gitea's webhook host matcher does: when a URL is
// configured (CheckURL: its scheme, no credentials in it, its host as written
// and as it resolves now) and again when a connection is dialled (DialContext,
// after DNS, on the address actually connected to), so a name that resolves to
// something else later (DNS rebinding) or a redirect gains nothing.
//
// What is allowed is a Policy, parsed from configuration (webhook.allowedHosts).
// By default loopback, private and public addresses are allowed (a receiver on
// the same host or Docker network is the common case), and refused are
// link-local addresses (where cloud metadata lives), the known metadata
// addresses and names, unspecified, multicast and broadcast addresses. A policy
// lists what is allowed instead: `external` (public addresses only), `private`
// (private and loopback only), `loopback`, `*` (anything), CIDRs, IPs and host
// names (`hooks.example.com`, `*.example.com`). Whatever the policy, the
// gateway's own API (its listen addresses and public URL, Options.Self) is
// refused.
//
// To make requests through the guard, use Client (an *http.Client whose
// redirects are dialled through the guard too) or Transport (an *http.Transport
// for a client of your own; set CheckRedirect as you need, the dial check applies
// to every hop):
//
//	resp, err := guard.Client(30 * time.Second).Get(url)
//
// and check a URL when it is configured, to answer a clear 400 at once:
//
//	if err := guard.CheckURL(ctx, url); err != nil { ... } // errors.Is(err, netguard.ErrRefused)
//
// The transport does not use an HTTP proxy from the environment: a proxy would
// connect on our behalf, past the dial check.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrRefused is what every refusal matches (errors.Is).
var ErrRefused = errors.New("address refused")

// RefusedError says which host or address was refused and why.
type RefusedError struct {
	Target string // the host, or host and address, as checked
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s is refused: %s", e.Target, e.Reason)
}

// Is makes a RefusedError match ErrRefused.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

func refused(target, format string, args ...any) error {
	return &RefusedError{Target: target, Reason: fmt.Sprintf(format, args...)}
}

// Policy is what may be connected to besides the default; the zero Policy is the
// default.
type Policy struct {
	entries  []string // as configured, for messages
	any      bool
	external bool
	private  bool
	loopback bool
	prefixes []netip.Prefix
	hosts    []string // exact names, or suffixes starting with "." for "*.example.com"
}

// ParsePolicy reads webhook.allowedHosts: empty for the default, else a list of
// `external`, `private`, `loopback`, `*`, CIDRs, IPs and host names (a leading
// `*.` matches every subdomain). The error names the entry it cannot read.
func ParsePolicy(entries []string) (Policy, error) {
	var p Policy
	for _, raw := range entries {
		e := strings.ToLower(strings.TrimSpace(raw))
		if e == "" {
			continue
		}
		p.entries = append(p.entries, e)
		switch e {
		case "*":
			p.any = true
			continue
		case "external":
			p.external = true
			continue
		case "private":
			p.private = true
			continue
		case "loopback":
			p.loopback = true
			continue
		}
		if pfx, err := netip.ParsePrefix(e); err == nil {
			p.prefixes = append(p.prefixes, pfx.Masked())
			continue
		}
		if ip, err := netip.ParseAddr(e); err == nil {
			p.prefixes = append(p.prefixes, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
			continue
		}
		name, wild := strings.CutPrefix(e, "*.")
		name = strings.TrimSuffix(name, ".")
		if !isHostName(name) || numericHost(name) {
			return Policy{}, fmt.Errorf("entry %q: want external, private, loopback, *, a CIDR such as 10.0.0.0/8, an IP, or a host name such as hooks.example.com or *.example.com", raw)
		}
		if wild {
			name = "." + name
		}
		p.hosts = append(p.hosts, name)
	}
	return p, nil
}

// IsDefault reports whether the policy is the default one.
func (p Policy) IsDefault() bool { return len(p.entries) == 0 }

// String is the policy as configured, or "default".
func (p Policy) String() string {
	if p.IsDefault() {
		return "default"
	}
	return strings.Join(p.entries, ",")
}

// allowsHost reports whether a host-name entry allows host.
func (p Policy) allowsHost(host string) bool {
	for _, h := range p.hosts {
		if h == host || strings.HasPrefix(h, ".") && strings.HasSuffix(host, h) {
			return true
		}
	}
	return false
}

// allowsAddr reports whether an address entry allows ip.
func (p Policy) allowsAddr(ip netip.Addr) bool {
	switch {
	case p.any:
		return true
	case p.loopback && ip.IsLoopback():
		return true
	case p.private && isPrivate(ip):
		return true
	case p.external && isExternal(ip):
		return true
	}
	for _, pfx := range p.prefixes {
		if pfx.Contains(ip) {
			return true
		}
	}
	return false
}

// Options configure a Guard.
type Options struct {
	Policy Policy
	// Self are the gateway's own API: listen addresses ("0.0.0.0:3000", ":3000")
	// and public URLs ("https://wa.example.com"). An unspecified listen host stands
	// for every address of this machine.
	Self []string
	// Resolver resolves names at CheckURL; nil is net.DefaultResolver.
	Resolver *net.Resolver
	// ResolveTimeout bounds CheckURL's lookup (2 s).
	ResolveTimeout time.Duration
	// DialTimeout bounds one connection attempt of DialContext (10 s).
	DialTimeout time.Duration
}

// Guard checks URLs and dials. It is safe for concurrent use.
type Guard struct {
	o         Options
	selfAddrs map[netip.AddrPort]bool
	selfPorts map[uint16]bool // ports the gateway listens on at every local address
	selfNames map[string]bool // "host:port" of the public URLs
	local     []netip.Addr    // this machine's addresses, for selfPorts
}

// New builds a Guard. Self entries it cannot read are errors.
func New(o Options) (*Guard, error) {
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.ResolveTimeout <= 0 {
		o.ResolveTimeout = 2 * time.Second
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 10 * time.Second
	}
	g := &Guard{o: o, selfAddrs: map[netip.AddrPort]bool{}, selfPorts: map[uint16]bool{}, selfNames: map[string]bool{}}
	for _, s := range o.Self {
		host, port, err := hostPort(s)
		if err != nil {
			return nil, fmt.Errorf("netguard: own address %q: %w", s, err)
		}
		ip, err := netip.ParseAddr(host)
		switch {
		case host == "" || err == nil && ip.IsUnspecified():
			g.selfPorts[port] = true
		case err == nil:
			g.selfAddrs[netip.AddrPortFrom(ip.Unmap().WithZone(""), port)] = true
		default:
			g.selfNames[net.JoinHostPort(canonicalHost(host), strconv.Itoa(int(port)))] = true
		}
	}
	if len(g.selfPorts) > 0 {
		addrs, _ := net.InterfaceAddrs()
		for _, a := range addrs {
			if pfx, err := netip.ParsePrefix(a.String()); err == nil {
				g.local = append(g.local, pfx.Addr().Unmap())
			}
		}
	}
	return g, nil
}

// Policy is the guard's policy.
func (g *Guard) Policy() Policy { return g.o.Policy }

// hostPort reads "host:port", ":port" or a URL, with the scheme's port by default.
func hostPort(s string) (string, uint16, error) {
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", 0, err
		}
		return u.Hostname(), portOf(u), nil
	}
	host, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil || n == 0 {
		return "", 0, fmt.Errorf("port %q", p)
	}
	return host, uint16(n), nil
}

func portOf(u *url.URL) uint16 {
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return 0
		}
		return uint16(n)
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}

// CheckURL checks a URL the gateway is asked to send to or fetch from, when it is
// configured: an http(s) URL with a host, no user:password in it, whose host as
// written and every address it resolves to now is allowed. A name that does not
// resolve now passes (its receiver may start later); the dial checks it again.
func (g *Guard) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an http(s) URL with a host, got %q", raw)
	}
	if u.User != nil {
		return refused(u.Scheme+"://…@"+u.Host, "credentials in the URL are not accepted; send them in a header (customHeaders)")
	}
	port := portOf(u)
	if port == 0 {
		return fmt.Errorf("want a port from 1 to 65535 in %q", u.Host)
	}
	host := canonicalHost(u.Hostname())
	if ip, err := netip.ParseAddr(host); err == nil {
		return g.check(host, netip.AddrPortFrom(ip, port))
	}
	if err := g.checkName(host, port); err != nil {
		return err
	}
	if g.o.Policy.allowsHost(host) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, g.o.ResolveTimeout)
	defer cancel()
	addrs, err := g.o.Resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, ip := range addrs {
		if err := g.check(host, netip.AddrPortFrom(ip, port)); err != nil {
			return err
		}
	}
	return nil
}

// checkName refuses a host name before any lookup: numbers in a form other than
// a.b.c.d (which resolvers read as addresses: 0x7f000001, 2130706433, 127.1),
// names of metadata services, and the gateway's public name.
func (g *Guard) checkName(host string, port uint16) error {
	if numericHost(host) {
		return refused(host, "an address written other than as a.b.c.d")
	}
	if !isHostName(host) {
		return refused(host, "not a host name")
	}
	if g.selfNames[net.JoinHostPort(host, strconv.Itoa(int(port)))] {
		return refused(net.JoinHostPort(host, strconv.Itoa(int(port))), "it is this gateway's own API")
	}
	if slices.Contains(metadataNames, host) && !g.o.Policy.allowsHost(host) {
		return refused(host, "a cloud metadata service")
	}
	return nil
}

// check is the rule for one address host resolved to.
func (g *Guard) check(host string, ap netip.AddrPort) error {
	ip := ap.Addr().Unmap().WithZone("")
	target := netip.AddrPortFrom(ip, ap.Port()).String()
	if host != "" && host != ip.String() {
		target = host + " (" + target + ")"
	}
	if g.isSelf(ip, ap.Port()) {
		return refused(target, "it is this gateway's own API")
	}
	p := g.o.Policy
	if !p.IsDefault() {
		if p.allowsAddr(ip) || p.allowsHost(host) {
			return nil
		}
		return refused(target, "not allowed by webhook.allowedHosts (%s)", p)
	}
	if why := defaultRefusal(ip); why != "" {
		return refused(target, "%s (allow it with webhook.allowedHosts)", why)
	}
	return nil
}

func (g *Guard) isSelf(ip netip.Addr, port uint16) bool {
	if g.selfAddrs[netip.AddrPortFrom(ip, port)] {
		return true
	}
	if !g.selfPorts[port] {
		return false
	}
	return ip.IsLoopback() || ip.IsUnspecified() || slices.Contains(g.local, ip)
}

// DialContext dials address as net.Dialer does, refusing, after resolution, every
// address the guard does not allow: use it as an http.Transport's DialContext.
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, p, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	host = canonicalHost(host)
	port, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("netguard: port %q: %w", p, err)
	}
	if _, err := netip.ParseAddr(host); err != nil {
		if err := g.checkName(host, uint16(port)); err != nil {
			return nil, err
		}
	}
	d := net.Dialer{
		Timeout:   g.o.DialTimeout,
		KeepAlive: 30 * time.Second,
		Control: func(_, addr string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(addr)
			if err != nil {
				return refused(addr, "not an IP address")
			}
			return g.check(host, ap)
		},
	}
	return d.DialContext(ctx, network, address)
}

// Transport is an http.Transport that dials through the guard (and uses no proxy).
func (g *Guard) Transport() *http.Transport {
	return &http.Transport{
		DialContext:           g.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// Client is an http.Client with the guard's Transport and the timeout (0: none).
// It follows up to 10 redirects to http(s) URLs without credentials, each dialled
// through the guard, so a redirect to a refused address fails.
func (g *Guard) Client(timeout time.Duration) *http.Client {
	return &http.Client{
		Transport: g.Transport(),
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			if u := req.URL; u.Scheme != "http" && u.Scheme != "https" || u.User != nil {
				return refused(u.Scheme+"://"+u.Host, "a redirect to a non-http(s) URL or one with credentials")
			}
			return nil
		},
	}
}

// metadataNames are the host names of cloud metadata services that do not need
// their address to be refused (they resolve to link-local addresses anyway, but
// only inside their cloud).
var metadataNames = []string{
	"metadata", "metadata.google.internal", "metadata.goog",
	"instance-data", "instance-data.ec2.internal",
}

// metadataAddrs are metadata services outside the link-local ranges.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("fd00:ec2::254"),   // AWS, IPv6
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
}

var (
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")     // 0.x connects to this host on Linux
	sharedCGNAT = netip.MustParsePrefix("100.64.0.0/10") // carrier-grade NAT, Tailscale
	nat64       = netip.MustParsePrefix("64:ff9b::/96")  // an IPv4 address in its last 32 bits
	broadcast   = netip.MustParseAddr("255.255.255.255")
	// Ranges that are neither private nor reachable on the internet.
	notExternal = []netip.Prefix{
		netip.MustParsePrefix("240.0.0.0/4"),   // reserved
		netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
		netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
		netip.MustParsePrefix("fec0::/10"),     // deprecated site-local
		netip.MustParsePrefix("2001:db8::/32"), // documentation
		netip.MustParsePrefix("100::/64"),      // discard
		netip.MustParsePrefix("2001::/32"),     // Teredo, tunnels an IPv4 address
		netip.MustParsePrefix("2002::/16"),     // 6to4, tunnels an IPv4 address
		nat64,
	}
)

// defaultRefusal says why the default policy refuses ip, or "".
func defaultRefusal(ip netip.Addr) string {
	switch {
	case ip.IsUnspecified() || thisNetwork.Contains(ip):
		return "an unspecified address"
	case ip.IsLinkLocalUnicast():
		return "a link-local address, where cloud metadata services live"
	case slices.Contains(metadataAddrs, ip):
		return "a cloud metadata service"
	case ip.IsMulticast() || ip == broadcast:
		return "a multicast or broadcast address"
	}
	if nat64.Contains(ip) {
		b := ip.As16()
		if why := defaultRefusal(netip.AddrFrom4([4]byte(b[12:]))); why != "" {
			return why + ", inside an IPv6 address"
		}
	}
	return ""
}

// isPrivate is the `private` keyword: private ranges, loopback and shared
// address space, less metadata services.
func isPrivate(ip netip.Addr) bool {
	if slices.Contains(metadataAddrs, ip) {
		return false
	}
	return ip.IsPrivate() || ip.IsLoopback() || sharedCGNAT.Contains(ip)
}

// isExternal is the `external` keyword: public unicast addresses only.
func isExternal(ip netip.Addr) bool {
	if !ip.IsGlobalUnicast() || isPrivate(ip) || defaultRefusal(ip) != "" || slices.Contains(metadataAddrs, ip) {
		return false
	}
	for _, pfx := range notExternal {
		if pfx.Contains(ip) {
			return false
		}
	}
	return true
}

// canonicalHost is a host lower-cased, without brackets or a final dot.
func canonicalHost(h string) string {
	h = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(h, "]"), "["), ".")
	return strings.ToLower(h)
}

// numericHost reports whether a name is an IPv4 address in one of the forms
// inet_aton reads (hex, octal, fewer than four parts), which resolvers may
// accept as an address.
func numericHost(h string) bool {
	parts := strings.Split(h, ".")
	if len(parts) > 4 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
		if _, err := strconv.ParseUint(p, 0, 32); err != nil {
			return false
		}
	}
	return true
}

// isHostName reports whether h is made of DNS labels.
func isHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

package dashboard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Cookie names. The login cookie is HttpOnly: no script, ours included, ever sees
// it; the page gets the CSRF token derived from it instead.
const (
	sessionCookie = CookieName
	loginCookie   = "wagate_dashboard_login" // the login form's CSRF token, before there is a login
	// CookieName is the login cookie's name.
	CookieName = "wagate_dashboard"
	// CSRFHeader carries the login's CSRF token on every state-changing API call.
	CSRFHeader = "X-CSRF-Token"
)

var (
	// ErrNoLogin is a request without a valid, unexpired dashboard login.
	ErrNoLogin = errors.New("no dashboard login")
	// ErrCSRF is a state-changing request (or a websocket) with a login but
	// without its CSRF token, or from another origin.
	ErrCSRF = errors.New("the request lacks the dashboard's CSRF token or comes from another origin")
)

// login is a valid cookie's content.
type login struct {
	nonce   string
	expires time.Time
}

// signer makes and checks the dashboard's cookies and CSRF tokens. They are
// stateless (an HMAC over the expiry and a nonce), so gateway replicas that share
// the API key and password accept each other's logins; a logout is remembered
// here until the cookie would have expired anyway.
type signer struct {
	secret []byte
	user   string
	ttl    time.Duration
	now    func() time.Time

	mu      sync.Mutex
	revoked map[string]time.Time // nonce → when its cookie expires
}

func (s *signer) mac(parts ...string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(strings.Join(parts, "|")))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// issue makes a new login's cookie value.
func (s *signer) issue() (string, login, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", login{}, fmt.Errorf("make a login nonce: %w", err)
	}
	l := login{nonce: base64.RawURLEncoding.EncodeToString(b), expires: s.now().Add(s.ttl).Truncate(time.Second)}
	exp := strconv.FormatInt(l.expires.Unix(), 10)
	return exp + "." + l.nonce + "." + s.mac("login", s.user, exp, l.nonce), l, nil
}

// check verifies a cookie value: its MAC, its expiry and that it was not logged out.
func (s *signer) check(v string) (login, bool) {
	exp, rest, ok1 := strings.Cut(v, ".")
	nonce, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 {
		return login{}, false
	}
	if !hmac.Equal([]byte(sig), []byte(s.mac("login", s.user, exp, nonce))) {
		return login{}, false
	}
	sec, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return login{}, false
	}
	l := login{nonce: nonce, expires: time.Unix(sec, 0)}
	if !s.now().Before(l.expires) {
		return login{}, false
	}
	s.mu.Lock()
	_, out := s.revoked[nonce]
	s.mu.Unlock()
	return l, !out
}

// csrf is the CSRF token of a login.
func (s *signer) csrf(l login) string { return s.mac("csrf", l.nonce) }

// revoke remembers a logged-out login until its expiry.
func (s *signer) revoke(l login) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for n, exp := range s.revoked {
		if !now.Before(exp) {
			delete(s.revoked, n)
		}
	}
	s.revoked[l.nonce] = l.expires
}

// loginOf is the request's valid login, if any.
func (d *Dashboard) loginOf(r *http.Request) (login, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return login{}, false
	}
	return d.sign.check(c.Value)
}

// Authorize reports whether r may use the API as the logged-in dashboard: it
// carries a valid login cookie and, when it changes state (any method but GET,
// HEAD and OPTIONS) or opens a websocket, it comes from the dashboard's own origin
// and a state change also carries the login's CSRF token in X-CSRF-Token. A
// websocket cannot carry a header, so for it the origin check is the guard (and
// the cookie is SameSite=Strict).
func (d *Dashboard) Authorize(r *http.Request) error {
	l, ok := d.loginOf(r)
	if !ok {
		return ErrNoLogin
	}
	upgrade := strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		if upgrade && !sameOrigin(r, true) {
			return ErrCSRF
		}
		return nil
	}
	if !sameOrigin(r, false) {
		return ErrCSRF
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(d.sign.csrf(l))) != 1 {
		return ErrCSRF
	}
	return nil
}

// sameOrigin reports whether the request's Origin (or, without one, its
// Sec-Fetch-Site) says it comes from this host. need: an Origin must be there
// (browsers always send it on a websocket).
func sameOrigin(r *http.Request, need bool) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		if need {
			return false
		}
		site := r.Header.Get("Sec-Fetch-Site")
		return site == "" || site == "same-origin" || site == "none"
	}
	u, err := url.Parse(o)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// throttle refuses logins from an address after too many wrong passwords.
type throttle struct {
	mu       sync.Mutex
	failures map[string][]time.Time
	now      func() time.Time
}

const (
	maxFailures   = 10
	failureWindow = 10 * time.Minute
)

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// recent is the address's failures within the window, pruning older ones.
func (t *throttle) recent(addr string) []time.Time {
	cut := t.now().Add(-failureWindow)
	fs := t.failures[addr]
	i := 0
	for i < len(fs) && fs[i].Before(cut) {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(t.failures, addr)
	} else {
		t.failures[addr] = fs
	}
	return fs
}

func (t *throttle) blocked(addr string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.recent(addr)) >= maxFailures
}

func (t *throttle) fail(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures[addr] = append(t.recent(addr), t.now())
}

// PasswordFile is where a generated dashboard password is kept in the data dir.
const PasswordFile = "dashboard-password"

// LoadOrGeneratePassword returns the configured password; without one, the one
// kept in dataDir, generating and keeping a new one on first start (generated
// reports that, so the caller shows it once).
func LoadOrGeneratePassword(configured, dataDir string) (password string, generated bool, err error) {
	if configured != "" {
		return configured, false, nil
	}
	path := filepath.Join(dataDir, PasswordFile)
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if p := strings.TrimSpace(string(raw)); p != "" {
			return p, false, nil
		}
	case !errors.Is(err, os.ErrNotExist):
		return "", false, fmt.Errorf("read dashboard password: %w", err)
	}
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", false, fmt.Errorf("generate dashboard password: %w", err)
	}
	password = hex.EncodeToString(b)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", false, fmt.Errorf("create data dir: %w", err)
	}
	if err := os.WriteFile(path, []byte(password+"\n"), 0o600); err != nil {
		return "", false, fmt.Errorf("keep dashboard password: %w", err)
	}
	return password, true, nil
}

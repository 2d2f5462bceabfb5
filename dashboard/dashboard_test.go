package dashboard_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/dashboard"
	"github.com/wagate/wagate/engines"
)

// clock is a settable time for the dashboard.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newDashboard(t *testing.T) (*dashboard.Dashboard, *clock) {
	t.Helper()
	m, err := capabilities.Load("https://example.com/issues/new")
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	d, err := dashboard.New(dashboard.Options{
		Username: "admin", Password: "s3cret-pw", Secret: []byte("0123456789abcdef0123456789abcdef"),
		TTL: time.Hour, Version: "test", Matrix: m, Engines: []engines.Name{engines.NOWEB}, Default: engines.NOWEB, Now: c.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return d, c
}

const host = "gw.test"

func serve(d http.Handler, r *http.Request) *http.Response {
	w := httptest.NewRecorder()
	d.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

func cookieOf(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// submitLogin gets the login form and posts it with the given password.
func submitLogin(t *testing.T, d http.Handler, user, password, next string) *http.Response {
	t.Helper()
	res := serve(d, httptest.NewRequest("GET", "http://"+host+"/dashboard/login", nil))
	m := csrfField.FindStringSubmatch(body(t, res))
	lc := cookieOf(res, "wagate_dashboard_login")
	if m == nil || lc == nil || !lc.HttpOnly {
		t.Fatalf("login form without its CSRF token: %v %v", m, lc)
	}
	form := url.Values{"username": {user}, "password": {password}, "csrf": {m[1]}, "next": {next}}
	req := httptest.NewRequest("POST", "http://"+host+"/dashboard/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+host)
	req.AddCookie(lc)
	return serve(d, req)
}

// login logs in and returns the login cookie and the page's CSRF token.
func login(t *testing.T, d http.Handler) (*http.Cookie, string) {
	t.Helper()
	res := submitLogin(t, d, "admin", "s3cret-pw", "/dashboard/sessions/demo")
	c := cookieOf(res, "wagate_dashboard")
	if res.StatusCode != http.StatusSeeOther || c == nil {
		t.Fatalf("login: %d, cookie %v", res.StatusCode, c)
	}
	if loc := res.Header.Get("Location"); loc != "/dashboard/sessions/demo" {
		t.Fatalf("login leads to %q", loc)
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
		t.Fatalf("login cookie %+v: want HttpOnly, SameSite=Strict, Path=/", c)
	}
	page := httptest.NewRequest("GET", "http://"+host+"/dashboard/", nil)
	page.AddCookie(c)
	res = serve(d, page)
	m := csrfMeta.FindStringSubmatch(body(t, res))
	if res.StatusCode != 200 || m == nil || m[1] == "" {
		t.Fatalf("sessions page: %d, csrf %v", res.StatusCode, m)
	}
	return c, m[1]
}

func TestLogin(t *testing.T) {
	d, _ := newDashboard(t)
	// Pages need a login and lead to the form, coming back after.
	res := serve(d, httptest.NewRequest("GET", "http://"+host+"/dashboard/server", nil))
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/dashboard/login?next=%2Fdashboard%2Fserver" {
		t.Fatalf("no login: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	for _, bad := range [][2]string{{"admin", "wrong"}, {"root", "s3cret-pw"}, {"admin", ""}} {
		res := submitLogin(t, d, bad[0], bad[1], "")
		if res.StatusCode != http.StatusUnauthorized || cookieOf(res, "wagate_dashboard") != nil || !strings.Contains(body(t, res), "Wrong username or password") {
			t.Fatalf("%v: %d, cookie %v", bad, res.StatusCode, cookieOf(res, "wagate_dashboard"))
		}
	}
	// A login form posted from another site (no token, or another origin) is refused.
	form := url.Values{"username": {"admin"}, "password": {"s3cret-pw"}}
	req := httptest.NewRequest("POST", "http://"+host+"/dashboard/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res := serve(d, req); res.StatusCode != http.StatusForbidden || cookieOf(res, "wagate_dashboard") != nil {
		t.Fatalf("login without its CSRF token: %d", res.StatusCode)
	}
	// next never leads away from the dashboard.
	res = submitLogin(t, d, "admin", "s3cret-pw", "//evil.example/x")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard/" {
		t.Fatalf("next //evil: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	login(t, d)
}

func TestAuthorize(t *testing.T) {
	d, _ := newDashboard(t)
	c, csrf := login(t, d)
	req := func(method string, headers ...string) *http.Request {
		r := httptest.NewRequest(method, "http://"+host+"/api/sessions", nil)
		r.AddCookie(c)
		for i := 0; i+1 < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
		return r
	}
	for _, tc := range []struct {
		name string
		r    *http.Request
		want error
	}{
		{"GET", req("GET"), nil},
		{"POST with the token", req("POST", "X-CSRF-Token", csrf, "Origin", "http://"+host), nil},
		{"POST with the token, no Origin", req("POST", "X-CSRF-Token", csrf), nil},
		{"POST without the token", req("POST", "Origin", "http://"+host), dashboard.ErrCSRF},
		{"DELETE with a wrong token", req("DELETE", "X-CSRF-Token", csrf+"x"), dashboard.ErrCSRF},
		{"POST from another origin", req("POST", "X-CSRF-Token", csrf, "Origin", "http://evil.example"), dashboard.ErrCSRF},
		{"POST from another site", req("POST", "X-CSRF-Token", csrf, "Sec-Fetch-Site", "cross-site"), dashboard.ErrCSRF},
		{"websocket from the dashboard", req("GET", "Upgrade", "websocket", "Origin", "http://"+host), nil},
		{"websocket from another origin", req("GET", "Upgrade", "websocket", "Origin", "http://evil.example"), dashboard.ErrCSRF},
		{"websocket without Origin", req("GET", "Upgrade", "websocket"), dashboard.ErrCSRF},
	} {
		if err := d.Authorize(tc.r); !errors.Is(err, tc.want) && err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := d.Authorize(httptest.NewRequest("GET", "http://"+host+"/api/sessions", nil)); !errors.Is(err, dashboard.ErrNoLogin) {
		t.Errorf("no cookie: %v", err)
	}
	forged := httptest.NewRequest("GET", "http://"+host+"/api/sessions", nil)
	forged.AddCookie(&http.Cookie{Name: c.Name, Value: strings.Replace(c.Value, c.Value[:3], "999", 1)})
	if err := d.Authorize(forged); !errors.Is(err, dashboard.ErrNoLogin) {
		t.Errorf("a changed expiry: %v", err)
	}
	// Another dashboard (another secret or password) does not take this cookie.
	other, err := dashboard.New(dashboard.Options{Username: "admin", Password: "other", Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Authorize(req("GET")); !errors.Is(err, dashboard.ErrNoLogin) {
		t.Errorf("another password's dashboard: %v", err)
	}
}

func TestExpiryAndLogout(t *testing.T) {
	d, clk := newDashboard(t)
	c, csrf := login(t, d)
	get := func() *http.Request {
		r := httptest.NewRequest("GET", "http://"+host+"/dashboard/server", nil)
		r.AddCookie(c)
		return r
	}
	clk.add(59 * time.Minute)
	if err := d.Authorize(get()); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	clk.add(time.Minute)
	if err := d.Authorize(get()); !errors.Is(err, dashboard.ErrNoLogin) {
		t.Fatalf("expired cookie: %v", err)
	}
	if res := serve(d, get()); res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "/dashboard/login") {
		t.Fatalf("expired cookie on a page: %d", res.StatusCode)
	}

	c, csrf = login(t, d)
	logout := func(tok string) *http.Response {
		r := httptest.NewRequest("POST", "http://"+host+"/dashboard/logout", strings.NewReader("csrf="+url.QueryEscape(tok)))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(c)
		return serve(d, r)
	}
	if res := logout("forged"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("logout without the token: %d", res.StatusCode)
	}
	if err := d.Authorize(get()); err != nil {
		t.Fatalf("still logged in after a forged logout: %v", err)
	}
	if res := logout(csrf); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if err := d.Authorize(get()); !errors.Is(err, dashboard.ErrNoLogin) {
		t.Fatalf("the cookie still works after logout: %v", err)
	}
}

func TestThrottle(t *testing.T) {
	d, clk := newDashboard(t)
	for range 10 {
		if res := submitLogin(t, d, "admin", "guess", ""); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", res.StatusCode)
		}
	}
	if res := submitLogin(t, d, "admin", "s3cret-pw", ""); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after 10 wrong passwords: %d", res.StatusCode)
	}
	clk.add(11 * time.Minute)
	login(t, d)
}

func TestPages(t *testing.T) {
	d, _ := newDashboard(t)
	c, _ := login(t, d)
	for path, want := range map[string]string{
		"/dashboard/":                    `id="create"`,
		"/dashboard/sessions/demo":       `data-session="demo"`,
		"/dashboard/sessions/demo/chats": `id="compose"`,
		"/dashboard/server":              `Send a text message`,
		"/dashboard/static/app.js":       `X-CSRF-Token`,
		"/dashboard/static/app.css":      `.badge`,
	} {
		r := httptest.NewRequest("GET", "http://"+host+path, nil)
		r.AddCookie(c)
		res := serve(d, r)
		b := body(t, res)
		if res.StatusCode != 200 || !strings.Contains(b, want) {
			t.Errorf("%s: %d, lacks %q", path, res.StatusCode, want)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
	}
	r := httptest.NewRequest("GET", "http://"+host+"/dashboard/sessions/bad%20name", nil)
	r.AddCookie(c)
	if res := serve(d, r); res.StatusCode != http.StatusBadRequest {
		t.Errorf("bad session name: %d", res.StatusCode)
	}
}

func TestLoadOrGeneratePassword(t *testing.T) {
	dir := t.TempDir()
	p, generated, err := dashboard.LoadOrGeneratePassword("", dir)
	if err != nil || !generated || len(p) < 16 {
		t.Fatalf("first start: %q %v %v", p, generated, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, dashboard.PasswordFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("kept as %v, %v", fi, err)
	}
	p2, generated2, err := dashboard.LoadOrGeneratePassword("", dir)
	if err != nil || generated2 || p2 != p {
		t.Fatalf("second start: %q %v %v", p2, generated2, err)
	}
	if p3, g, _ := dashboard.LoadOrGeneratePassword("configured", dir); p3 != "configured" || g {
		t.Fatalf("configured: %q %v", p3, g)
	}
}

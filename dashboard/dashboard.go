// Package dashboard is the gateway's web dashboard under /dashboard: sessions
// with their live status, pairing by QR or phone code, a chat browser, the event
// log and webhook deliveries, and the server's version, engines and capability
// matrix.
//
// Pages are rendered here with html/template; a little JavaScript, embedded with
// them (nothing comes from a CDN, nothing is built), fills them from the REST API
// and the /ws event stream. The browser holds no API key: it logs in with the
// dashboard's user and password and gets an HttpOnly, SameSite=Strict cookie,
// which the API accepts (see Authorize) together with the login's CSRF token on
// every state-changing call.
package dashboard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/engines"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Prefix is where the dashboard is served.
const Prefix = "/dashboard"

// SecretLabel is what the gateway derives Options.Secret from its API key with.
const SecretLabel = "wagate dashboard logins"

// Options is what the dashboard is built from.
type Options struct {
	Username string
	Password string
	// Secret signs the login cookies and CSRF tokens (the gateway derives it from
	// its API key, so replicas agree and a new key ends every login).
	Secret  []byte
	TTL     time.Duration // how long a login lasts
	Version string
	Matrix  *capabilities.Matrix
	Engines []engines.Name // the engines this gateway runs
	Default engines.Name   // the default engine
	Log     *slog.Logger
	Now     func() time.Time // nil: time.Now
}

// Dashboard serves the dashboard's pages and checks its logins.
type Dashboard struct {
	o        Options
	sign     *signer
	throttle *throttle
	pages    map[string]*template.Template
	static   http.Handler
	mux      *http.ServeMux
	now      func() time.Time
}

// New builds the dashboard.
func New(o Options) (*Dashboard, error) {
	if o.Username == "" || o.Password == "" {
		return nil, errors.New("dashboard: a username and a password are needed")
	}
	if len(o.Secret) < 16 {
		return nil, errors.New("dashboard: the signing secret is too short")
	}
	if o.TTL <= 0 {
		o.TTL = 12 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	// The user and password are part of the key: changing either ends every login.
	m := hmac.New(sha256.New, o.Secret)
	m.Write([]byte("wagate dashboard\x00" + o.Username + "\x00" + o.Password))
	d := &Dashboard{
		o:        o,
		now:      o.Now,
		sign:     &signer{secret: m.Sum(nil), user: o.Username, ttl: o.TTL, now: o.Now, revoked: map[string]time.Time{}},
		throttle: &throttle{failures: map[string][]time.Time{}, now: o.Now},
		pages:    map[string]*template.Template{},
	}
	funcs := template.FuncMap{"supported": func(op capabilities.Operation, e engines.Name) bool {
		return o.Matrix != nil && o.Matrix.Supports(op.ID, e)
	}, "why": func(op capabilities.Operation, e engines.Name) string {
		if o.Matrix == nil {
			return ""
		}
		return o.Matrix.Why(op.ID, e)
	}}
	for _, p := range []string{"login", "sessions", "session", "chats", "server"} {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("dashboard: parse template %s: %w", p, err)
		}
		d.pages[p] = t
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	d.static = http.StripPrefix(Prefix+"/static/", http.FileServerFS(sub))

	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Prefix, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"/", http.StatusFound)
	})
	mux.HandleFunc("GET "+Prefix+"/static/", d.serveStatic)
	mux.HandleFunc("GET "+Prefix+"/login", d.loginPage)
	mux.HandleFunc("POST "+Prefix+"/login", d.loginSubmit)
	mux.HandleFunc("POST "+Prefix+"/logout", d.logout)
	mux.HandleFunc("GET "+Prefix+"/{$}", d.page("sessions", "Sessions"))
	mux.HandleFunc("GET "+Prefix+"/sessions/{name}", d.page("session", "Session"))
	mux.HandleFunc("GET "+Prefix+"/sessions/{name}/chats", d.page("chats", "Chats"))
	mux.HandleFunc("GET "+Prefix+"/server", d.page("server", "Server"))
	d.mux = mux
	return d, nil
}

// ServeHTTP serves everything under Prefix.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Everything the pages load is ours: no inline script, no other origin.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "+
		"connect-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	d.mux.ServeHTTP(w, r)
}

func (d *Dashboard) serveStatic(w http.ResponseWriter, r *http.Request) {
	// The assets change only with the binary, whose version is in their links.
	w.Header().Set("Cache-Control", "public, max-age=3600")
	d.static.ServeHTTP(w, r)
}

// view is what every page's template gets.
type view struct {
	Title    string
	Page     string
	CSRF     string
	User     string
	Version  string
	Session  string // the session a page is about
	Engines  []engines.Name
	Default  engines.Name
	Error    string
	Next     string
	Tags     []tagView
	All      []engines.Name // every engine, for the capability matrix
	LoginTok string
}

type tagView struct {
	Name   string
	Ops    []capabilities.Operation
	Counts []string // "WEBJS 13/16", one per engine
}

func (d *Dashboard) render(w http.ResponseWriter, status int, name string, v view) {
	v.Page, v.Version, v.Engines, v.Default, v.All = name, d.o.Version, d.o.Engines, d.o.Default, engines.Names
	if v.User == "" && name != "login" {
		v.User = d.o.Username
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := d.pages[name].Execute(w, v); err != nil {
		d.o.Log.Error("dashboard: render page", "page", name, "err", err)
	}
}

// page serves a page that needs a login; without one it leads to the login form,
// coming back here after.
func (d *Dashboard) page(name, title string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l, ok := d.loginOf(r)
		if !ok {
			http.Redirect(w, r, Prefix+"/login?next="+url.QueryEscape(r.URL.Path), http.StatusFound)
			return
		}
		v := view{Title: title, CSRF: d.sign.csrf(l), Session: r.PathValue("name")}
		if v.Session != "" {
			if err := engines.ValidateSessionName(v.Session); err != nil {
				http.Error(w, "session: "+err.Error(), http.StatusBadRequest)
				return
			}
			v.Title = title + " · " + v.Session
		}
		if name == "server" && d.o.Matrix != nil {
			for _, tag := range d.o.Matrix.Tags() {
				tv := tagView{Name: tag}
				n := map[engines.Name]int{}
				for _, op := range d.o.Matrix.Operations() {
					if op.Tag != tag {
						continue
					}
					tv.Ops = append(tv.Ops, op)
					for _, e := range engines.Names {
						if d.o.Matrix.Supports(op.ID, e) {
							n[e]++
						}
					}
				}
				for _, e := range engines.Names {
					tv.Counts = append(tv.Counts, fmt.Sprintf("%s %d/%d", e, n[e], len(tv.Ops)))
				}
				v.Tags = append(v.Tags, tv)
			}
		}
		d.render(w, http.StatusOK, name, v)
	}
}

// safeNext is where to go after logging in: a dashboard page, never elsewhere.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, Prefix+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return Prefix + "/"
	}
	return next
}

func (d *Dashboard) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := d.loginOf(r); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusFound)
		return
	}
	d.showLogin(w, r, http.StatusOK, "", r.URL.Query().Get("next"))
}

// showLogin renders the form with a fresh login CSRF token, set as a cookie too
// (double submit: another site can post a form here but cannot read or set the
// cookie).
func (d *Dashboard) showLogin(w http.ResponseWriter, r *http.Request, status int, msg, next string) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		http.Error(w, "make a login token", http.StatusInternalServerError)
		return
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: tok, Path: Prefix + "/login", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	d.render(w, status, "login", view{Title: "Log in", Error: msg, Next: safeNext(next), LoginTok: tok})
}

func (d *Dashboard) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "read the login form: "+err.Error(), http.StatusBadRequest)
		return
	}
	next := r.PostForm.Get("next")
	c, err := r.Cookie(loginCookie)
	tok := r.PostForm.Get("csrf")
	if err != nil || tok == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(tok)) != 1 || !sameOrigin(r, false) {
		d.showLogin(w, r, http.StatusForbidden, "The form had expired or came from another site. Log in again.", next)
		return
	}
	addr := clientAddr(r)
	if d.throttle.blocked(addr) {
		d.showLogin(w, r, http.StatusTooManyRequests, "Too many wrong passwords. Wait a few minutes and try again.", next)
		return
	}
	// Both compared in full, whatever the first says, in constant time.
	userOK := subtle.ConstantTimeCompare([]byte(r.PostForm.Get("username")), []byte(d.o.Username))
	passOK := subtle.ConstantTimeCompare([]byte(r.PostForm.Get("password")), []byte(d.o.Password))
	if userOK&passOK != 1 {
		d.throttle.fail(addr)
		d.o.Log.Warn("dashboard: wrong username or password", "remote", addr)
		d.showLogin(w, r, http.StatusUnauthorized, "Wrong username or password.", next)
		return
	}
	v, l, err := d.sign.issue()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: v, Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, Expires: l.expires})
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: Prefix + "/login", MaxAge: -1})
	d.o.Log.Info("dashboard: logged in", "remote", addr)
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

func (d *Dashboard) logout(w http.ResponseWriter, r *http.Request) {
	l, ok := d.loginOf(r)
	if ok {
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		_ = r.ParseForm()
		tok := r.PostForm.Get("csrf")
		if subtle.ConstantTimeCompare([]byte(tok), []byte(d.sign.csrf(l))) != 1 || !sameOrigin(r, false) {
			http.Error(w, "logout: the CSRF token is missing or wrong", http.StatusForbidden)
			return
		}
		d.sign.revoke(l)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
}

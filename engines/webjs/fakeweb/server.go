// Package fakeweb serves a fake WhatsApp Web page for tests: Meta's module
// loader (__d / window.require), the WAWeb… modules, collections, models and
// events that the WEBJS engine relies on (see
// ../shared/research/wa-web-internals.md §8), with in-memory state and a
// login flow (QR with rotating refs, pairing code).
//
// Tests drive "the phone" through a control channel: the page opens a
// Server-Sent Events stream to /__fakeweb/control, runs each command on its
// test hook (window.__fakeweb) and posts the result to /__fakeweb/result.
// The Go methods of Server (ScanQR, ReceiveMessage, …) wrap that channel, so
// a test needs nothing but the Server to play the other side.
//
// One Server stands for one WhatsApp account and one open WhatsApp Web tab;
// commands go to the tab that connected last.
package fakeweb

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"embed"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

//go:embed static
var staticFS embed.FS

// DefaultVersion is the WA Web build the fake reports in window.Debug.VERSION
// (whatsapp-web.js' pinned default).
const DefaultVersion = "2.3000.1017054665"

// Options tune the fake. Zero values take the defaults in brackets.
type Options struct {
	Version       string        // window.Debug.VERSION [DefaultVersion]
	MePhone       string        // own number after a QR scan [15551234567]
	PushName      string        // own push name [Wagate Test]
	QRRefInterval time.Duration // time between QR ref rotations [20s]
	QRRefs        int           // refs shown before UNPAIRED_IDLE [6]
	VersionDelay  time.Duration // load → Debug.VERSION set [300ms]
	Opening       time.Duration // VERSION → leaves OPENING [150ms]
	// SyncDelay and ReloadAfterPair model the real site's latencies (its
	// history sync and pairing handshake take seconds). Stock
	// whatsapp-web.js 1.34.7 needs them: it registers its navigation handler
	// only once its first inject() has returned (a reload before then
	// loses the session), and it never re-reads hasSynced after attaching
	// its listeners (a sync done before then never makes it ready). Our
	// engine's tests shorten both; whatsapp-web.js's run on the defaults.
	SyncDelay       time.Duration // CONNECTED → hasSynced [1s]
	ReloadAfterPair time.Duration // pairing → the page reloads itself [1s]
	// MinifiedMsgKey makes MsgKey keep its string in `$1` instead of
	// `_serialized`, as WA ≥ 2.3000.1042401057 does.
	MinifiedMsgKey bool
	// UnarchiveOnMessage unarchives a chat when a message arrives in it (the
	// phone setting "keep chats archived" off). Off by default, as on WA.
	UnarchiveOnMessage bool
	// NoAutoDeliver keeps sent messages at ack SERVER (1); by default they
	// reach DEVICE (2) shortly after sending. READ (3) comes from Receipt.
	NoAutoDeliver bool
	Logger        *slog.Logger
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if o.Version == "" {
		o.Version = DefaultVersion
	}
	if o.MePhone == "" {
		o.MePhone = "15551234567"
	}
	if o.PushName == "" {
		o.PushName = "Wagate Test"
	}
	if o.QRRefs == 0 {
		o.QRRefs = 6
	}
	def(&o.QRRefInterval, 20*time.Second)
	def(&o.VersionDelay, 300*time.Millisecond)
	def(&o.Opening, 150*time.Millisecond)
	def(&o.SyncDelay, time.Second)
	def(&o.ReloadAfterPair, time.Second)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Account describes the chats the phone syncs to a freshly connected tab.
// Chat i (0-based) is 1555<i+1, 7 digits>@c.us, or a group
// 120363<400000000000+i>@g.us when GroupEvery divides i+1; its last activity
// is Now-90*i seconds; chats 0 and 1 are pinned, every 50th is archived,
// every 7th (i%7==3) has unread messages. Message j of a chat is fromMe when
// j is odd. The generation is deterministic for a given Seed and Now.
type Account struct {
	Chats           int   `json:"chats"`
	MessagesPerChat int   `json:"messagesPerChat"`
	LoadedPerChat   int   `json:"loadedPerChat,omitempty"` // in memory before loadEarlierMsgs [20]
	GroupEvery      int   `json:"groupEvery,omitempty"`
	PictureEvery    int   `json:"pictureEvery,omitempty"` // chats with a profile picture
	Now             int64 `json:"now,omitempty"`          // unix seconds [time of sync]
	Seed            int64 `json:"seed,omitempty"`
	// FirstChatMessages, when set, is chat 0's message count instead of
	// MessagesPerChat (a long history to page through).
	FirstChatMessages int `json:"firstChatMessages,omitempty"`
	// LidGroups puts groups in LID addressing mode: members (and own
	// messages) by LID, as WA does for new groups since 2025.
	LidGroups bool `json:"lidGroups,omitempty"`
}

// Server is the fake WhatsApp Web site.
type Server struct {
	opts Options
	log  *slog.Logger
	tmpl *template.Template

	mu      sync.Mutex
	ln      net.Listener
	tlsLn   net.Listener
	httpSrv *http.Server
	tlsSrv  *http.Server
	certPEM []byte
	account Account
	media   map[string]media
	current *page
	changed chan struct{} // closed and replaced when current changes
	nextID  int64
	pending map[int64]chan result
	people  peopleState
	groups  groupStore
}

type media struct {
	mimetype string
	data     []byte
}

// New returns a Server that is not listening yet.
func New(opts Options) *Server {
	opts = opts.withDefaults()
	return &Server{
		opts:    opts,
		log:     opts.Logger.With("component", "fakeweb"),
		tmpl:    template.Must(template.ParseFS(staticFS, "static/index.html")),
		media:   map[string]media{},
		changed: make(chan struct{}),
		pending: map[int64]chan result{},
	}
}

// Start listens on two free ports of 127.0.0.1 and serves in the
// background: plain HTTP (URL) and HTTPS with a self-signed certificate
// made now, kept in memory (TLSURL), so a browser can be sent to it as if
// it were web.whatsapp.com (Chromium's --host-resolver-rules="MAP
// web.whatsapp.com <TLSAddr>" and --ignore-certificate-errors).
func (s *Server) Start() error {
	cert, certPEM, err := selfSignedCert()
	if err != nil {
		return fmt.Errorf("fakeweb: making a TLS certificate: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("fakeweb: listening: %w", err)
	}
	tlsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("fakeweb: listening for TLS: %w", err)
	}
	h := s.Handler()
	s.mu.Lock()
	s.ln, s.tlsLn, s.certPEM = ln, tlsLn, certPEM
	s.httpSrv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	// A browser dropping a connection mid-handshake is no news.
	s.tlsSrv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	srv, tlsSrv := s.httpSrv, s.tlsSrv
	s.mu.Unlock()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("fakeweb: serving", "err", err)
		}
	}()
	go func() {
		if err := tlsSrv.ServeTLS(tlsLn, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("fakeweb: serving TLS", "err", err)
		}
	}()
	return nil
}

// selfSignedCert makes an ECDSA certificate for web.whatsapp.com,
// localhost and 127.0.0.1, valid for a day.
func selfSignedCert() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "web.whatsapp.com", Organization: []string{"fakeweb"}},
		DNSNames:              []string{"web.whatsapp.com", "localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// URL is the address of the page, e.g. http://127.0.0.1:41234/.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String() + "/"
}

// TLSURL is the HTTPS address of the page, e.g. https://127.0.0.1:41235/.
func (s *Server) TLSURL() string {
	addr := s.TLSAddr()
	if addr == "" {
		return ""
	}
	return "https://" + addr + "/"
}

// TLSAddr is the host:port the HTTPS listener is on, for a resolver rule.
func (s *Server) TLSAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tlsLn == nil {
		return ""
	}
	return s.tlsLn.Addr().String()
}

// CertificatePEM is the HTTPS listener's self-signed certificate, for a
// client that should trust it rather than skip verification.
func (s *Server) CertificatePEM() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.certPEM...)
}

// Close stops the server and drops every open control stream.
func (s *Server) Close() error {
	s.mu.Lock()
	srvs := []*http.Server{s.httpSrv, s.tlsSrv}
	s.mu.Unlock()
	var errs []error
	for _, srv := range srvs {
		if srv == nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := srv.Shutdown(ctx); err != nil {
			// Open SSE streams never finish on their own.
			if err := srv.Close(); err != nil {
				errs = append(errs, err)
			}
		}
		cancel()
	}
	return errors.Join(errs...)
}

// SetAccount sets what the phone syncs on the next connect (or Sync).
func (s *Server) SetAccount(a Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.account = a
}

// Handler serves the page, its scripts and the test endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", s.serveIndex)
	mux.HandleFunc("GET /__fakeweb/account", s.serveAccount)
	mux.HandleFunc("GET /__fakeweb/control", s.serveControl)
	mux.HandleFunc("POST /__fakeweb/result", s.serveResult)
	mux.HandleFunc("GET /__fakeweb/mms/{token}", s.serveMedia)
	mux.HandleFunc("POST /__fakeweb/upload/{type}/{token}", s.serveUpload)
	mux.HandleFunc("GET /__fakeweb/pp/{name}", s.servePicture)
	mux.HandleFunc("GET /favicon.ico", s.serveFavicon)
	s.registerPeople(mux)
	s.registerGroups(mux)
	mux.HandleFunc("GET /__fakeweb/linkpreview", s.serveLinkPreview)
	return mux
}

func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	o := s.opts
	cfg := map[string]any{
		"version":            o.Version,
		"mePhone":            o.MePhone,
		"pushname":           o.PushName,
		"qrRefIntervalMs":    o.QRRefInterval.Milliseconds(),
		"qrRefs":             o.QRRefs,
		"versionDelayMs":     o.VersionDelay.Milliseconds(),
		"openingMs":          o.Opening.Milliseconds(),
		"syncDelayMs":        o.SyncDelay.Milliseconds(),
		"reloadAfterPairMs":  o.ReloadAfterPair.Milliseconds(),
		"minifiedMsgKey":     o.MinifiedMsgKey,
		"unarchiveOnMessage": o.UnarchiveOnMessage,
		"autoDeliver":        !o.NoAutoDeliver,
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.tmpl.Execute(w, cfg); err != nil {
		s.log.Error("fakeweb: rendering index", "err", err)
	}
}

func (s *Server) serveAccount(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a := s.account
	s.mu.Unlock()
	if a.Now == 0 {
		a.Now = time.Now().Unix()
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(a)
}

func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	m, ok := s.media[r.PathValue("token")]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	// The real CDN serves the encrypted blob as octets; the fake serves
	// plaintext and its downloadAndMaybeDecrypt passes it through.
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(m.data)
}

// A minimal JPEG (SOI/EOI markers) is enough for a picture URL to resolve.
var fakeJPEG = []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9}

func (s *Server) servePicture(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "image/jpeg")
	if b, ok := s.storedPicture(strings.TrimSuffix(r.PathValue("name"), ".jpg")); ok {
		_, _ = w.Write(b)
		return
	}
	_, _ = w.Write(fakeJPEG)
}

// favicon is a 1×1 PNG, so the browser's favicon request finds one.
var favicon = []byte{
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0x0d, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89,
	0, 0, 0, 0x0d, 'I', 'D', 'A', 'T', 0x78, 0x9c, 0x63, 0x60, 0x60, 0x60, 0xf8, 0x0f, 0, 0x01, 0x04, 0x01, 0x00, 0x5f, 0xe5, 0xc3, 0x4b,
	0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82,
}

func (s *Server) serveFavicon(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(favicon)
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

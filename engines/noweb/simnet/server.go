package simnet

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/wagate/wagate/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/util/keys"
)

// Errors callers can test for with errors.Is.
var (
	ErrUnknownAccount = errors.New("simnet: unknown account")
	ErrNotStarted     = errors.New("simnet: server not started")
	ErrNoPendingPair  = errors.New("simnet: no companion is waiting for that pairing")
	ErrAccountExists  = errors.New("simnet: account already exists")
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// Logger receives simnet's own logs and, through WALogger, the logs of
	// the phones' whatsmeow clients. Nil discards.
	Logger *slog.Logger
	// RootPrivateKey, when set, is the curve25519 private key of the
	// certificate root, so that several processes can agree on a root
	// across restarts. Random when nil.
	RootPrivateKey *[32]byte
	// DataDir holds the phones' whatsmeow device store. A temporary
	// directory (removed by Close) when empty.
	DataDir string
	// RequestTimeout bounds waits on clients (pairing answers, phone
	// logins). Default 15 s.
	RequestTimeout time.Duration
	// TraceNodes logs every node simnet sends and receives at debug level.
	TraceNodes bool
	// ReceiptBeforeAck is Server.SetReceiptBeforeAck on for every account.
	ReceiptBeforeAck bool
	// LIDGroups makes new groups address their members by LID
	// (addressing_mode "lid"), as WhatsApp's newer groups do; off, by phone
	// number.
	LIDGroups bool
	// FirstResponseDelay is how long after the Noise handshake a connection's
	// first node goes out: a real server is a network round trip away, and
	// clients rely on it. Baileys derives its transport keys asynchronously
	// after sending its handshake finish, and a node that arrives before
	// they are ready is lost or crashes it (aesDecryptGCM). Zero is
	// DefaultFirstResponseDelay; negative is none.
	FirstResponseDelay time.Duration
}

// DefaultFirstResponseDelay is Options.FirstResponseDelay's default: a
// short round trip.
const DefaultFirstResponseDelay = 30 * time.Millisecond

// Server is a simulated WhatsApp network on loopback. Real whatsmeow clients
// connect to it through ConfigureClient.
type Server struct {
	opts  Options
	log   *slog.Logger
	certs *certChain

	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	byPN      map[string]*account
	byLID     map[string]*account
	nextLID   uint64
	refs      map[string]*conn // QR refs of connections waiting to pair
	codePairs map[string]*codePair
	iqWaits   map[string]chan iqReply
	heldAcks  map[heldAckKey]*heldAck
	dir       string                      // DataDir, or the temporary one: the phones' store and the media host's files
	garble    map[string]map[*device]bool // garble.go
	prekeys   prekeyPool                  // the phones' one-time prekeys (prekeys.go)
	groups    map[string]*group           // groups.go, by the id's user part

	db        *sql.DB
	container *sqlstore.Container
	tmpDir    string

	httpSrv  *http.Server
	phones   *pipeListener // the in-process connections of simnet's phones (pipe.go)
	listener net.Listener
	wg       sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

// New creates a server. It opens the phones' store but does not listen:
// call Start.
func New(opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 15 * time.Second
	}
	if opts.FirstResponseDelay == 0 {
		opts.FirstResponseDelay = DefaultFirstResponseDelay
	}
	root := keys.NewKeyPair()
	if opts.RootPrivateKey != nil {
		root = keys.NewKeyPairFromPrivateKey(*opts.RootPrivateKey)
	}
	certs, err := newCertChain(root)
	if err != nil {
		return nil, fmt.Errorf("simnet: build certificate chain: %w", err)
	}
	s := &Server{
		opts:      opts,
		log:       opts.Logger.With("component", "simnet"),
		certs:     certs,
		byPN:      map[string]*account{},
		byLID:     map[string]*account{},
		nextLID:   100000000000000,
		refs:      map[string]*conn{},
		codePairs: map[string]*codePair{},
		iqWaits:   map[string]chan iqReply{},
		heldAcks:  map[heldAckKey]*heldAck{},
		groups:    map[string]*group{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if err := s.openStore(); err != nil {
		s.cancel()
		return nil, err
	}
	return s, nil
}

// openStore opens the SQLite database that holds the phones' whatsmeow
// devices. A file (not :memory:) because whatsmeow runs concurrent
// transactions, which a shared-cache memory database answers with
// "table is locked" instead of waiting.
func (s *Server) openStore() error {
	dir := s.opts.DataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "simnet-*")
		if err != nil {
			return fmt.Errorf("simnet: create temp dir: %w", err)
		}
		dir, s.tmpDir = tmp, tmp
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("simnet: create data dir: %w", err)
	}
	db := store.OpenSQLite(filepath.Join(dir, "phones.db"))
	container := sqlstore.NewWithDB(db, "sqlite3", WALogger(s.log.With("module", "phone-store")))
	if err := container.Upgrade(s.ctx); err != nil {
		_ = db.Close()
		return fmt.Errorf("simnet: migrate phone store: %w", err)
	}
	s.db, s.container, s.dir = db, container, dir
	return nil
}

// Start listens on listenAddr (e.g. "127.0.0.1:0") and serves the
// websocket, the media host and the control API until ctx ends or Close.
func (s *Server) Start(ctx context.Context, listenAddr string) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", listenAddr)
	if err != nil {
		return fmt.Errorf("simnet: listen on %s: %w", listenAddr, err)
	}
	s.mu.Lock()
	s.listener = ln
	s.httpSrv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.phones = newPipeListener()
	httpSrv, phones := s.httpSrv, s.phones
	s.mu.Unlock()
	for _, l := range []net.Listener{ln, phones} {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := httpSrv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("simnet: http server stopped", "err", err)
			}
		}()
	}
	go func() {
		select {
		case <-ctx.Done():
			_ = s.Close()
		case <-s.ctx.Done():
		}
	}()
	s.log.Info("simnet listening", "addr", ln.Addr().String())
	return nil
}

// Handler serves everything simnet speaks over HTTP: the chat websocket
// (/ws/chat), the media host (/mms/…, /simnet-media/…) and the control API
// (/simnet/api/…). Start uses it; it is exported for embedding in another
// server.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ws/chat", s.handleWebsocket)
	s.registerMediaRoutes(mux)
	s.registerControlRoutes(mux)
	s.registerPeopleRoutes(mux)
	return mux
}

// Addr is the listening address ("127.0.0.1:port"), empty before Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
}

// RootPublicKey is the curve25519 public key that signs simnet's
// certificate chain: give it to TrustRootKeyForProcess in every process
// whose whatsmeow clients connect to this server.
func (s *Server) RootPublicKey() [32]byte {
	return *s.certs.root.Pub
}

// Close disconnects every client, stops the phones and the listener, and
// removes the temporary store. Safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Server) close() error {
	s.mu.Lock()
	var phones []*Phone
	var conns []*conn
	for _, acc := range s.byPN {
		if acc.phone != nil {
			phones = append(phones, acc.phone)
		}
		for _, d := range acc.devices {
			if d.conn != nil {
				conns = append(conns, d.conn)
			}
		}
	}
	for _, c := range s.refs {
		conns = append(conns, c)
	}
	httpSrv := s.httpSrv
	s.httpSrv = nil
	s.mu.Unlock()
	for _, p := range phones {
		p.client.Disconnect()
	}
	s.cancel()
	for _, c := range conns {
		c.close(1001, "simnet closing")
	}
	var errs []error
	if httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := httpSrv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown http: %w", err))
		}
	}
	s.wg.Wait()
	if s.db != nil {
		if err := s.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close phone store: %w", err))
		}
	}
	if s.tmpDir != "" {
		if err := os.RemoveAll(s.tmpDir); err != nil {
			errs = append(errs, fmt.Errorf("remove temp dir: %w", err))
		}
	}
	return errors.Join(errs...)
}

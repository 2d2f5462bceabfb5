package simnet

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/store"
	"google.golang.org/protobuf/proto"
)

// sessionTrace wraps a device's Signal session store and traces every read and
// write of a session. A read-modify-write of a session (encrypting or decrypting
// one message) reads and writes on one goroutine; a write whose goroutine read
// an older version than the one stored is a lost update: another goroutine wrote
// the session in between, and this write undoes that change.
type sessionTrace struct {
	store.SessionStore
	name string
	t    *testing.T

	mu      sync.Mutex
	version map[string]int            // address → writes so far
	writer  map[string]string         // address → who wrote the last version
	read    map[uint64]map[string]int // goroutine → address → version it read
	writes  int
	lost    []string
}

func traceSessions(t *testing.T, name string, inner store.SessionStore) *sessionTrace {
	return &sessionTrace{SessionStore: inner, name: name, t: t,
		version: map[string]int{}, writer: map[string]string{}, read: map[uint64]map[string]int{}}
}

// caller names the goroutine and the whatsmeow operation it is in.
func caller() (uint64, string) {
	buf := make([]byte, 16<<10)
	buf = buf[:runtime.Stack(buf, false)]
	id, _ := strconv.ParseUint(string(bytes.Fields(buf)[1]), 10, 64)
	op := "other"
	for _, fn := range []string{"encryptMessageForDevices", "handleRetryReceipt", "sendPeerMessage", "decryptDM"} {
		if bytes.Contains(buf, []byte("whatsmeow.(*Client)."+fn)) {
			op = fn
			break
		}
	}
	return id, op
}

func (s *sessionTrace) noteRead(addrs ...string) {
	g, op := caller()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.read[g] == nil {
		s.read[g] = map[string]int{}
	}
	for _, a := range addrs {
		s.read[g][a] = s.version[a]
		s.t.Logf("trace %s: g%d %s reads %s v%d", s.name, g, op, a, s.version[a])
	}
}

func (s *sessionTrace) noteWrite(addrs ...string) {
	g, op := caller()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range addrs {
		if v, ok := s.read[g][a]; ok && v != s.version[a] {
			s.lost = append(s.lost, fmt.Sprintf("%s: g%d %s wrote %s from v%d over v%d (%s): that update is lost",
				s.name, g, op, a, v, s.version[a], s.writer[a]))
		}
		delete(s.read[g], a)
		s.version[a]++
		s.writes++
		s.writer[a] = fmt.Sprintf("g%d %s", g, op)
		s.t.Logf("trace %s: g%d %s writes %s v%d", s.name, g, op, a, s.version[a])
	}
}

func (s *sessionTrace) GetSession(ctx context.Context, address string) ([]byte, error) {
	s.noteRead(address)
	return s.SessionStore.GetSession(ctx, address)
}

func (s *sessionTrace) GetManySessions(ctx context.Context, addresses []string) (map[string][]byte, error) {
	s.noteRead(addresses...)
	return s.SessionStore.GetManySessions(ctx, addresses)
}

func (s *sessionTrace) PutSession(ctx context.Context, address string, session []byte) error {
	err := s.SessionStore.PutSession(ctx, address, session)
	if err == nil {
		s.noteWrite(address)
	}
	return err
}

func (s *sessionTrace) PutManySessions(ctx context.Context, sessions map[string][]byte) error {
	err := s.SessionStore.PutManySessions(ctx, sessions)
	if err == nil {
		addrs := make([]string, 0, len(sessions))
		for a := range sessions {
			addrs = append(addrs, a)
		}
		s.noteWrite(addrs...)
	}
	return err
}

func (s *sessionTrace) report() (writes int, lost []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes, append([]string(nil), s.lost...)
}

// traced reconnects a phone with its session store traced.
func traced(t *testing.T, ctx context.Context, p *Phone) *sessionTrace {
	t.Helper()
	p.client.Disconnect()
	tr := traceSessions(t, p.name, p.client.Store.Sessions)
	p.client.Store.Sessions = tr
	since := len(p.Events())
	if err := p.client.ConnectContext(p.srv.ctx); err != nil {
		t.Fatalf("reconnect %s: %v", p.name, err)
	}
	if _, err := p.WaitFor(ctx, func(e Event) bool { return e.Seq > since && e.Type == "connected" }); err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestSendWhileReceivingKeepsSignalSessions: two phones write to each other at
// the same instant, many times. Each encrypts for the other while it decrypts the
// other's message, on the one Signal session they share. Unpatched whatsmeow
// writes the session back after encrypting from the copy it read before, undoing
// a decryption made in between (tulir/whatsmeow#1093): the trace then shows a
// lost update, and a later message fails with "old counter" or never decrypts.
// third_party/whatsmeow keeps encryption and decryption of a client apart.
func TestSendWhileReceivingKeepsSignalSessions(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	alice, err := srv.CreateAccount(ctx, "491510000091", "Alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := srv.CreateAccount(ctx, "491510000092", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	// One exchange first, so both sides have a session and the rounds below
	// race on it instead of on its creation.
	if _, err := alice.SendText(ctx, bob.JID().String(), "hello"); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.WaitFor(ctx, func(e Event) bool { return e.Type == "message" && e.Text == "hello" }); err != nil {
		t.Fatal(err)
	}
	traces := []*sessionTrace{traced(t, ctx, alice), traced(t, ctx, bob)}
	defer func() {
		for _, tr := range traces {
			writes, lost := tr.report()
			t.Logf("%s: %d session writes, %d lost updates", tr.name, writes, len(lost))
			if len(lost) > 0 {
				t.Errorf("lost session updates:\n%s", strings.Join(lost, "\n"))
			}
		}
	}()

	const rounds = 60
	for i := range rounds {
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2)
		for j, pair := range [][2]*Phone{{alice, bob}, {bob, alice}} {
			wg.Go(func() {
				<-start
				text := fmt.Sprintf("round %d from %s", i, pair[0].name)
				_, errs[j] = pair[0].client.SendMessage(ctx, pair[1].JID(), &waE2E.Message{Conversation: proto.String(text)})
			})
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", i, err)
			}
		}
		for _, pair := range [][2]*Phone{{alice, bob}, {bob, alice}} {
			text := fmt.Sprintf("round %d from %s", i, pair[1].name)
			if _, err := pair[0].WaitFor(ctx, func(e Event) bool { return e.Type == "message" && e.Text == text }); err != nil {
				t.Fatalf("%s never decrypted %q: %v", pair[0].name, text, err)
			}
		}
	}
}

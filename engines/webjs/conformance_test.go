package webjs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/enginetest"
	"github.com/wagate/wagate/engines/webjs/fakeweb"
	"github.com/wagate/wagate/internal/wait"
	"github.com/wagate/wagate/media"
	"github.com/wagate/wagate/sessions"
)

// fakewebNet is the WhatsApp the conformance suite's sessions talk to. A
// fakeweb server is one WhatsApp Web tab of one account, so each session
// gets its own (its origin, hence its localStorage, must stay the same
// across restarts: the pairing lives there). Accounts are phones: one is
// linked to a session by scanning its QR or entering its code; the others
// are contacts, whose messages reach a session's tab through the fake's
// hooks, as WhatsApp's servers would deliver them.
type fakewebNet struct {
	t       *testing.T
	browser string
	dataDir string // shared by every gateway of the run: sessions' names are distinct

	mu      sync.Mutex
	tabs    map[string]*fakeweb.Server // session → its tab
	linked  map[string]*fakeweb.Server // phone number → the tab it is linked to
	account fakeweb.Account            // what every tab syncs
	peers   map[string]fakeweb.Peer    // every account, as WhatsApp's server knows it
	calls   map[string]*fakeweb.Server // call id → the tab it rings
}

func newFakewebNet(t *testing.T) *fakewebNet {
	return &fakewebNet{
		t: t, browser: browserPath(t), dataDir: t.TempDir(),
		tabs: map[string]*fakeweb.Server{}, linked: map[string]*fakeweb.Server{},
		peers: map[string]fakeweb.Peer{}, calls: map[string]*fakeweb.Server{},
	}
}

// tab returns the session's fakeweb server, starting it the first time.
func (n *fakewebNet) tab(session string) (*fakeweb.Server, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if s, ok := n.tabs[session]; ok {
		return s, nil
	}
	s := fakeweb.New(fastFake(fakeweb.Options{Logger: testLogger()}))
	s.SetAccount(n.account)
	for _, peer := range n.peers {
		if err := s.SetPeer(context.Background(), peer); err != nil {
			return nil, err
		}
	}
	if err := s.Start(); err != nil {
		return nil, err
	}
	n.t.Cleanup(func() { _ = s.Close() })
	n.tabs[session] = s
	return s, nil
}

// Factory makes the sessions' engines: the real WEBJS Factory, pointed at
// each session's own fake tab.
func (n *fakewebNet) factory(files *media.Files) sessions.Factory {
	return sessions.FactoryFunc(func(ctx context.Context, spec sessions.Spec, host sessions.Host) (engines.Engine, error) {
		tab, err := n.tab(spec.Name)
		if err != nil {
			return nil, err
		}
		f, err := NewFactory(ctx, Options{
			BrowserPath: n.browser, URL: tab.URL(), DataDir: n.dataDir, Media: files,
			CallTimeout: 10 * time.Second, Log: testLogger(),
		})
		if err != nil {
			return nil, err
		}
		return f.New(ctx, spec, host)
	})
}

// tabShowing finds the tab whose QR is qr (the phone's camera sees one screen).
func (n *fakewebNet) tabShowing(ctx context.Context, qr string) (*fakeweb.Server, error) {
	ref, _, _ := strings.Cut(qr, ",")
	n.mu.Lock()
	tabs := make([]*fakeweb.Server, 0, len(n.tabs))
	for _, s := range n.tabs {
		tabs = append(tabs, s)
	}
	n.mu.Unlock()
	for _, s := range tabs {
		if !s.Connected() {
			continue
		}
		st, err := s.State(ctx)
		if err == nil && st.Ref == ref && st.SocketState == "UNPAIRED" {
			return s, nil
		}
	}
	return nil, fmt.Errorf("no WhatsApp Web tab shows the QR %.20q…", qr)
}

// tabOf is the tab the account phone is linked to.
func (n *fakewebNet) tabOf(phone string) (*fakeweb.Server, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	s, ok := n.linked[phone]
	if !ok {
		return nil, fmt.Errorf("account %s has no linked WhatsApp Web", phone)
	}
	return s, nil
}

func (n *fakewebNet) link(phone string, s *fakeweb.Server) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.linked[phone] = s
}

// fakePhone is an account's phone.
type fakePhone struct {
	n      *fakewebNet
	number string
	name   string
}

func (p fakePhone) ScanQR(ctx context.Context, qr string) error {
	tab, err := p.n.tabShowing(ctx, qr)
	if err != nil {
		return err
	}
	if err := tab.ScanQRFrom(ctx, qr, p.number, p.name); err != nil {
		return err
	}
	p.n.link(p.number, tab)
	return nil
}

func (p fakePhone) EnterCode(ctx context.Context, code string) error {
	want := strings.ReplaceAll(code, "-", "")
	p.n.mu.Lock()
	tabs := make([]*fakeweb.Server, 0, len(p.n.tabs))
	for _, s := range p.n.tabs {
		tabs = append(tabs, s)
	}
	p.n.mu.Unlock()
	for _, tab := range tabs {
		if !tab.Connected() {
			continue
		}
		st, err := tab.State(ctx)
		if err != nil || st.PairingCode != want {
			continue
		}
		if st.PairingPhone != p.number {
			return fmt.Errorf("code %s was requested for %s, not %s", code, st.PairingPhone, p.number)
		}
		if err := tab.ConfirmPairingCode(ctx, code); err != nil {
			return err
		}
		p.n.link(p.number, tab)
		return nil
	}
	return fmt.Errorf("no WhatsApp Web tab waits for code %s", code)
}

// SendText delivers a message from this phone to the account `to`.
func (p fakePhone) SendText(ctx context.Context, to, text string) (string, error) {
	tab, err := p.n.tabOf(to)
	if err != nil {
		return "", err
	}
	id, err := tab.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: p.number + "@c.us", Body: text, NotifyName: p.n.peer(p.number).PushName})
	if err != nil {
		return "", err
	}
	return rawID(id), nil
}

func (p fakePhone) Edit(ctx context.Context, to, id, text string) error {
	tab, err := p.n.tabOf(to)
	if err != nil {
		return err
	}
	return tab.RemoteEdit(ctx, "false_"+p.number+"@c.us_"+id, text)
}

func (p fakePhone) Revoke(ctx context.Context, to, id string) error {
	tab, err := p.n.tabOf(to)
	if err != nil {
		return err
	}
	return tab.RemoteRevoke(ctx, "false_"+p.number+"@c.us_"+id)
}

// Archive archives a chat on this phone; its linked tab syncs it.
func (p fakePhone) Archive(ctx context.Context, chat string, archived bool) error {
	tab, err := p.n.tabOf(p.number)
	if err != nil {
		return err
	}
	if !strings.Contains(chat, "@") {
		chat += "@c.us"
	}
	return tab.PhoneArchive(ctx, chat, archived)
}

// WaitText waits until the account `from` has sent this phone text (or
// edited a message to it): what the phone would receive.
func (p fakePhone) WaitText(ctx context.Context, from, text string) (string, error) {
	tab, err := p.n.tabOf(from)
	if err != nil {
		return "", err
	}
	var id string
	err = wait.PollContext(ctx, func() error {
		ms, err := tab.Messages(ctx, p.number+"@c.us")
		for _, m := range ms {
			if strings.HasPrefix(m.ID, "true_") && m.Type == "chat" && m.Body == text && m.Ack >= 1 {
				id = rawID(m.ID)
				return nil
			}
		}
		return fmt.Errorf("%s never got %q from %s: %w", p.number, text, from, orNotYet(err))
	})
	return id, err
}

// orNotYet is err, or for none an error saying the awaited had not come.
func orNotYet(err error) error {
	if err == nil {
		return errors.New("not there yet")
	}
	return err
}

// rawID is the key id of a serialized message id.
func rawID(serialized string) string {
	parts := strings.Split(serialized, "_")
	if len(parts) < 3 {
		return serialized
	}
	return parts[2]
}

// webjsHarness runs the conformance suite on WEBJS.
type webjsHarness struct{ n *fakewebNet }

func (h webjsHarness) Engine() engines.Name { return engines.WEBJS }

func (h webjsHarness) Factory(t *testing.T, env enginetest.Env) sessions.Factory {
	return h.n.factory(env.Media)
}

func (h webjsHarness) Account(t *testing.T, phone, name string) enginetest.Phone {
	if err := h.n.setPeer(context.Background(), fakeweb.Peer{Phone: phone, LID: "9" + phone + "@lid", PushName: name}); err != nil {
		t.Fatalf("register account %s: %v", phone, err)
	}
	return fakePhone{n: h.n, number: phone, name: name}
}

// TestConformance runs the engine conformance suite on WEBJS: real
// headless Chromium through the HTTP API against fakeweb.
func TestConformance(t *testing.T) {
	enginetest.Run(t, webjsHarness{n: newFakewebNet(t)})
}

// SendMedia delivers a media message from this phone to the account `to`,
// encrypted on the fake media host as WhatsApp's servers hold it.
func (p fakePhone) SendMedia(ctx context.Context, to string, m enginetest.Media) (string, error) {
	tab, err := p.n.tabOf(to)
	if err != nil {
		return "", err
	}
	id, err := tab.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: p.number + "@c.us", Body: m.Caption, NotifyName: p.name,
		Media: &fakeweb.Media{Type: m.Type, Mimetype: m.Mimetype, Filename: m.Filename, Data: m.Data}})
	if err != nil {
		return "", err
	}
	return rawID(id), nil
}

// WaitMedia waits until the account `from` has sent this phone the media
// message id, then downloads and decrypts its file from the fake media host,
// as this phone would.
func (p fakePhone) WaitMedia(ctx context.Context, from, id string) (enginetest.Media, error) {
	tab, err := p.n.tabOf(from)
	if err != nil {
		return enginetest.Media{}, err
	}
	full := "true_" + p.number + "@c.us_" + id
	if err := wait.PollContext(ctx, func() error {
		m, err := tab.Message(ctx, full)
		if err == nil && m != nil && m.Ack >= 1 {
			return nil
		}
		return fmt.Errorf("%s never got media %s from %s: %w", p.number, id, from, orNotYet(err))
	}); err != nil {
		return enginetest.Media{}, err
	}
	f, err := tab.SentFile(ctx, full)
	if err != nil {
		return enginetest.Media{}, err
	}
	return enginetest.Media{Type: f.Type, Mimetype: f.Mimetype, Filename: f.Filename, Caption: f.Caption, Data: f.Data,
		Seconds: f.Seconds, Waveform: f.Waveform, Thumbnail: len(f.Preview) > 0}, nil
}

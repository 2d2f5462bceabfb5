// Package memnet is an in-memory WhatsApp network with an engine on it: accounts
// with phones, sessions linked to them by QR code or pairing code, text messages
// between accounts, and chat state shared by an account's phone and its linked
// session. It lets the API tests and the conformance suite itself run without a
// browser or a protocol peer; the real engines are tested on fakeweb and simnet.
package memnet

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/linkpreview"
	"github.com/wagate/wagate/media"
	"github.com/wagate/wagate/sessions"
)

// Network holds the accounts and which session is linked to which.
type Network struct {
	mu       sync.Mutex
	accounts map[string]*account // by phone number
	links    map[string]string   // session name → phone number
	pending  map[string]*Engine  // QR value or pairing code → engine waiting for it
	running  map[string]*Engine  // session name → its started engine, for events
	seq      int
}

// New makes an empty network.
func New() *Network {
	return &Network{accounts: map[string]*account{}, links: map[string]string{}, pending: map[string]*Engine{}, running: map[string]*Engine{}}
}

type account struct {
	phone, name string
	chats       map[string]*engines.Chat // by chat id
	messages    []message                // oldest first
}

type message struct {
	chat string
	engines.Message
	raw  string
	file *file // a media message's file
	// What a text carried beyond its body: its link card and whom it mentions.
	preview  *engines.LinkPreview
	mentions []string
}

// Account creates an account, or returns the one with that number.
func (n *Network) Account(phone, name string) *Phone {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.accounts[phone]; !ok {
		n.accounts[phone] = &account{phone: phone, name: name, chats: map[string]*engines.Chat{}}
	}
	return &Phone{n: n, phone: phone}
}

// Session config metadata that API tests use to script a session's start.
const (
	// MetaPair links a new session to the account with this number as it starts,
	// as if its QR code had been scanned at once.
	MetaPair = "memnet.pair"
	// MetaStartDelay keeps a session STARTING this long (a Go duration) before it
	// goes on.
	MetaStartDelay = "memnet.startDelay"
	// MetaFail makes a session fail as it starts, with this reason (no retry).
	MetaFail = "memnet.fail"
)

// RotateQR gives the session showing a QR code a new one, as WhatsApp rotates
// them, and returns it; the old one no longer links.
func (n *Network) RotateQR(session string) (string, error) {
	n.mu.Lock()
	e, ok := n.running[session]
	if !ok || e.qr == "" {
		n.mu.Unlock()
		return "", fmt.Errorf("memnet: session %s shows no QR code", session)
	}
	delete(n.pending, e.qr)
	e.qr = "memnet:" + e.session + ":" + n.nextID()
	n.pending[e.qr] = e
	qr := e.qr
	n.mu.Unlock()
	e.host.NewQR()
	return qr, nil
}

// Supported lists the operations of m the network's engine can do: the session
// operations some engine supports whose interface (engines.Interfaces) it has.
func Supported(m *capabilities.Matrix) []string {
	typ := reflect.TypeFor[*Engine]()
	ifaces := engines.Interfaces()
	var out []string
	for _, op := range m.Operations() {
		if op.Session && m.Built(op.ID) && (op.Interface == "" || typ.Implements(ifaces[op.Interface])) {
			out = append(out, op.ID)
		}
	}
	return out
}

// Factory makes engines on the network; files (may be nil) keeps the media
// files they receive and send.
func (n *Network) Factory(files *media.Files) sessions.Factory {
	return sessions.FactoryFunc(func(_ context.Context, spec sessions.Spec, host sessions.Host) (engines.Engine, error) {
		e := &Engine{n: n, session: spec.Name, host: host, autoPair: spec.Config.Metadata[MetaPair], fail: spec.Config.Metadata[MetaFail], files: files}
		if d := spec.Config.Metadata[MetaStartDelay]; d != "" {
			var err error
			if e.startDelay, err = time.ParseDuration(d); err != nil {
				return nil, fmt.Errorf("memnet: %s: %w", MetaStartDelay, err)
			}
		}
		return e, nil
	})
}

func (n *Network) nextID() string {
	n.seq++
	return fmt.Sprintf("3EB0%016X", n.seq)
}

func meOf(a *account, session string) *engines.MeInfo {
	return &engines.MeInfo{ID: a.phone + "@c.us", PushName: a.name, JID: a.phone + ":1@s.whatsapp.net"}
}

// emit is an event for the running sessions linked to an account.
type emit func()

// eventsFor returns the emits of an event to every running session of acct.
// Called with n.mu held; the emits run after it is released.
func (n *Network) eventsFor(acct *account, event string, payload any) []emit {
	var out []emit
	for session, e := range n.running {
		if n.links[session] == acct.phone {
			out = append(out, func() { e.emit(context.Background(), event, payload) })
		}
	}
	return out
}

func run(emits []emit) {
	for _, e := range emits {
		e()
	}
}

// deliver records a text message from one account to another on both sides and
// returns the message as the sender sees it and the events to emit. Called with
// n.mu held.
func (n *Network) deliver(from, to *account, text string, replyTo *engines.ReplyTo) (sent engines.Message, emits []emit) {
	return n.deliverID(from, to, n.nextID(), text, replyTo)
}

// deliverID is deliver with the message's raw id given.
func (n *Network) deliverID(from, to *account, raw, text string, replyTo *engines.ReplyTo) (sent engines.Message, emits []emit) {
	now := time.Now().Unix()
	for _, side := range []struct {
		acct, peer *account
		fromMe     bool
	}{{from, to, true}, {to, from, false}} {
		chat := side.peer.phone + "@c.us"
		c, ok := side.acct.chats[chat]
		if !ok {
			name := side.peer.name
			c = &engines.Chat{ID: chat, Name: &name}
			side.acct.chats[chat] = c
		}
		c.ConversationTimestamp = now
		m := engines.Message{
			ID: fmt.Sprintf("%t_%s_%s", side.fromMe, chat, raw), Timestamp: now, FromMe: side.fromMe,
			Source: "app", Body: text, ReplyTo: replyTo,
		}
		to := side.acct.phone + "@c.us"
		if side.fromMe {
			m.From, m.To, m.Source = side.acct.phone+"@c.us", chat, "api"
			m.Ack = engines.AckServer
		} else {
			m.From, m.To = chat, to
			m.Ack = engines.AckDevice
			c.UnreadCount++
		}
		m.AckName = m.Ack.Name()
		side.acct.messages = append(side.acct.messages, message{chat: chat, Message: m, raw: raw})
		if side.fromMe {
			sent = m
		} else {
			emits = append(emits, n.eventsFor(side.acct, "message", m)...)
		}
		emits = append(emits, n.eventsFor(side.acct, "message.any", m)...)
	}
	return sent, emits
}

// Phone is an account's primary device.
type Phone struct {
	n     *Network
	phone string
}

func (p *Phone) link(ctx context.Context, key string) error {
	p.n.mu.Lock()
	e, ok := p.n.pending[key]
	if ok {
		delete(p.n.pending, key)
		p.n.links[e.session] = p.phone
	}
	a := p.n.accounts[p.phone]
	p.n.mu.Unlock()
	if !ok {
		return fmt.Errorf("memnet: no session is waiting for %q", key)
	}
	e.host.SetMe(meOf(a, e.session))
	e.host.SetStatus(engines.StatusWorking, "")
	return nil
}

// ScanQR links the session showing qr to this account.
func (p *Phone) ScanQR(ctx context.Context, qr string) error { return p.link(ctx, qr) }

// EnterCode links the session that asked for code to this account.
func (p *Phone) EnterCode(ctx context.Context, code string) error { return p.link(ctx, code) }

// SendText sends text to another account.
func (p *Phone) SendText(_ context.Context, to, text string) (string, error) {
	p.n.mu.Lock()
	peer, ok := p.n.accounts[strings.TrimSuffix(to, "@c.us")]
	if !ok {
		p.n.mu.Unlock()
		return "", fmt.Errorf("memnet: no account %s", to)
	}
	m, emits := p.n.deliver(p.n.accounts[p.phone], peer, text, nil)
	p.n.mu.Unlock()
	run(emits)
	return m.ID[strings.LastIndex(m.ID, "_")+1:], nil
}

// change applies f to the message raw in both accounts' copies; event(m), where
// not nil, is emitted to the peer's sessions with the peer's copy as it was before f.
func (p *Phone) change(to, raw, event string, payload func(before engines.Message) any, f func(*[]message, int)) error {
	p.n.mu.Lock()
	peer, ok := p.n.accounts[strings.TrimSuffix(to, "@c.us")]
	if !ok {
		p.n.mu.Unlock()
		return fmt.Errorf("memnet: no account %s", to)
	}
	var emits []emit
	found := false
	for _, a := range []*account{p.n.accounts[p.phone], peer} {
		for i := range a.messages {
			if a.messages[i].raw == raw {
				if a == peer {
					emits = p.n.eventsFor(peer, event, payload(a.messages[i].Message))
				}
				f(&a.messages, i)
				found = true
				break
			}
		}
	}
	p.n.mu.Unlock()
	if !found {
		return fmt.Errorf("memnet: no message %s", raw)
	}
	run(emits)
	return nil
}

// Edit changes the text of a message this phone sent.
func (p *Phone) Edit(_ context.Context, to, raw, text string) error {
	return p.change(to, raw, "message.edited", func(m engines.Message) any {
		m.Body = text
		return struct {
			engines.Message
			EditedMessageID string `json:"editedMessageId"`
		}{m, raw}
	}, func(ms *[]message, i int) { (*ms)[i].Body, (*ms)[i].Edited = text, true })
}

// Revoke deletes a message this phone sent, for everyone.
func (p *Phone) Revoke(_ context.Context, to, raw string) error {
	return p.change(to, raw, "message.revoked", func(m engines.Message) any {
		return map[string]any{"after": m, "before": m, "revokedMessageId": raw}
	}, func(ms *[]message, i int) { *ms = slices.Delete(*ms, i, i+1) })
}

// Archive archives a chat from the phone; the linked session sees it.
func (p *Phone) Archive(_ context.Context, chat string, archived bool) error {
	p.n.mu.Lock()
	a := p.n.accounts[p.phone]
	c, ok := a.chats[strings.TrimSuffix(chat, "@c.us")+"@c.us"]
	if !ok {
		p.n.mu.Unlock()
		return fmt.Errorf("memnet: no chat %s", chat)
	}
	c.Archived = archived
	emits := p.n.eventsFor(a, "chat.archive", map[string]any{"id": c.ID, "archived": archived, "timestamp": time.Now().Unix()})
	p.n.mu.Unlock()
	run(emits)
	return nil
}

// WaitText waits until this phone has received text (its latest version) from a number.
func (p *Phone) WaitText(ctx context.Context, from, text string) (string, error) {
	for {
		p.n.mu.Lock()
		for _, m := range p.n.accounts[p.phone].messages {
			if !m.FromMe && m.chat == from+"@c.us" && m.Body == text {
				p.n.mu.Unlock()
				return m.raw, nil
			}
		}
		p.n.mu.Unlock()
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("memnet: %s never got %q from %s: %w", p.phone, text, from, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Engine is a session on the network.
type Engine struct {
	n          *Network
	session    string
	host       sessions.Host
	qr         string
	autoPair   string
	startDelay time.Duration
	fail       string
	files      *media.Files
}

// emit records an event; the network keeps its state in memory, so the change is
// made already and the event is all there is to record.
func (e *Engine) emit(ctx context.Context, event string, payload any) {
	_ = e.host.Record(ctx, sessions.Events(sessions.Emission{Event: event, Payload: payload}))
}

func (e *Engine) account() (*account, error) {
	phone, ok := e.n.links[e.session]
	if !ok {
		return nil, fmt.Errorf("memnet: session %s is not linked", e.session)
	}
	return e.n.accounts[phone], nil
}

// Start links again a paired session, or offers a QR code.
func (e *Engine) Start(ctx context.Context) error {
	if e.startDelay > 0 {
		go func() {
			time.Sleep(e.startDelay)
			e.start()
		}()
		return nil
	}
	e.start()
	return nil
}

func (e *Engine) start() {
	if e.fail != "" {
		e.host.Failed(errors.New(e.fail), false)
		return
	}
	e.n.mu.Lock()
	e.n.running[e.session] = e
	if _, ok := e.n.accounts[e.autoPair]; ok {
		e.n.links[e.session] = e.autoPair
	}
	a, err := e.account()
	if err != nil {
		e.qr = "memnet:" + e.session + ":" + e.n.nextID()
		e.n.pending[e.qr] = e
	}
	e.n.mu.Unlock()
	if err == nil {
		e.host.SetMe(meOf(a, e.session))
		e.host.SetStatus(engines.StatusWorking, "")
		return
	}
	e.host.SetStatus(engines.StatusScanQRCode, "")
}

func (e *Engine) Stop(context.Context) error {
	e.n.mu.Lock()
	delete(e.n.pending, e.qr)
	if e.n.running[e.session] == e {
		delete(e.n.running, e.session)
	}
	e.n.mu.Unlock()
	return nil
}

func (e *Engine) Logout(context.Context) error {
	e.n.mu.Lock()
	delete(e.n.links, e.session)
	e.n.mu.Unlock()
	return nil
}

func (e *Engine) Me(context.Context) (*engines.MeInfo, error) {
	e.n.mu.Lock()
	defer e.n.mu.Unlock()
	a, err := e.account()
	if err != nil {
		return nil, nil
	}
	return meOf(a, e.session), nil
}

func (e *Engine) QR(context.Context) (engines.QR, error) {
	e.n.mu.Lock() // RotateQR changes it
	defer e.n.mu.Unlock()
	if e.qr == "" {
		return engines.QR{}, engines.ErrNoQR
	}
	return engines.QR{Value: e.qr}, nil
}

func (e *Engine) RequestCode(_ context.Context, phone string) (string, error) {
	if len(phone) < 7 {
		return "", fmt.Errorf("memnet: phone number %q is too short: %w", phone, engines.ErrInvalid)
	}
	e.n.mu.Lock()
	defer e.n.mu.Unlock()
	id := e.n.nextID()
	code := id[len(id)-8:len(id)-4] + "-" + id[len(id)-4:]
	e.n.pending[code] = e
	return code, nil
}

// Screenshot is a 1x1 PNG: the network has no screen, but the API path is exercised.
func (e *Engine) Screenshot(context.Context) ([]byte, error) {
	return []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"), nil
}

// locked runs f on the session's account.
func (e *Engine) locked(f func(a *account) error) error {
	e.n.mu.Lock()
	defer e.n.mu.Unlock()
	a, err := e.account()
	if err != nil {
		return err
	}
	return f(a)
}

func page[T any](s []T, offset, limit int) []T {
	if offset >= len(s) {
		return []T{}
	}
	s = s[offset:]
	if limit > 0 && limit < len(s) {
		s = s[:limit]
	}
	return s
}

func (e *Engine) ListChats(_ context.Context, q engines.ChatQuery) (out []engines.Chat, err error) {
	err = e.locked(func(a *account) error {
		for _, c := range a.chats {
			row := *c
			for i := len(a.messages) - 1; i >= 0; i-- {
				if a.messages[i].chat == c.ID {
					last := a.messages[i].Message
					row.LastMessage = &last
					break
				}
			}
			out = append(out, row)
		}
		sort.Slice(out, func(i, j int) bool {
			var less bool
			switch q.SortBy {
			case engines.SortByID:
				less = out[i].ID < out[j].ID
			case engines.SortByName:
				less = *out[i].Name < *out[j].Name
			default:
				less = out[i].ConversationTimestamp < out[j].ConversationTimestamp ||
					out[i].ConversationTimestamp == out[j].ConversationTimestamp && out[i].ID < out[j].ID
			}
			if q.SortOrder == engines.SortAsc {
				return less
			}
			return !less
		})
		out = page(out, q.Offset, q.Limit)
		return nil
	})
	return out, err
}

func (e *Engine) ChatsOverview(ctx context.Context, q engines.OverviewQuery) ([]engines.ChatSummary, error) {
	chats, err := e.ListChats(ctx, engines.ChatQuery{})
	if err != nil {
		return nil, err
	}
	var out []engines.ChatSummary
	for _, c := range chats {
		if len(q.IDs) > 0 && !slices.ContainsFunc(q.IDs, func(id engines.ChatID) bool { return id.String() == c.ID }) {
			continue
		}
		s := engines.ChatSummary{ID: c.ID, Name: c.Name}
		id, _ := engines.ParseChatID(c.ID)
		if last, _ := e.ListMessages(ctx, engines.MessageQuery{Chat: id, Limit: 1}); len(last) == 1 {
			s.LastMessage = &last[0]
		}
		out = append(out, s)
	}
	return page(out, q.Offset, q.Limit), nil
}

func (e *Engine) chat(a *account, id engines.ChatID) (*engines.Chat, error) {
	c, ok := a.chats[id.String()]
	if !ok {
		return nil, fmt.Errorf("chat %s: %w", id, engines.ErrNotFound)
	}
	return c, nil
}

// ChatPicture is a made-up URL for every chat the account has.
func (e *Engine) ChatPicture(_ context.Context, id engines.ChatID, _ bool) (*string, error) {
	err := e.locked(func(a *account) error {
		_, err := e.chat(a, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	u := "https://pps.memnet.invalid/" + id.User + ".jpg"
	return &u, nil
}

func (e *Engine) ArchiveChat(ctx context.Context, id engines.ChatID, archive bool) error {
	err := e.locked(func(a *account) error {
		c, err := e.chat(a, id)
		if err == nil {
			c.Archived = archive
		}
		return err
	})
	if err == nil {
		e.emit(ctx, "chat.archive", map[string]any{"id": id.String(), "archived": archive, "timestamp": time.Now().Unix()})
	}
	return err
}

func (e *Engine) MarkChatUnread(_ context.Context, id engines.ChatID) error {
	return e.locked(func(a *account) error {
		c, err := e.chat(a, id)
		if err == nil {
			c.UnreadCount = max(c.UnreadCount, 1)
		}
		return err
	})
}

func (e *Engine) DeleteChat(_ context.Context, id engines.ChatID) error {
	return e.locked(func(a *account) error {
		if _, err := e.chat(a, id); err != nil {
			return err
		}
		delete(a.chats, id.String())
		a.messages = slices.DeleteFunc(a.messages, func(m message) bool { return m.chat == id.String() })
		return nil
	})
}

func (e *Engine) ClearMessages(_ context.Context, id engines.ChatID) error {
	return e.locked(func(a *account) error {
		if _, err := e.chat(a, id); err != nil {
			return err
		}
		a.messages = slices.DeleteFunc(a.messages, func(m message) bool { return m.chat == id.String() })
		return nil
	})
}

func (e *Engine) ReadMessages(_ context.Context, id engines.ChatID, q engines.ReadQuery) (ids []string, err error) {
	err = e.locked(func(a *account) error {
		c, err := e.chat(a, id)
		if err != nil {
			return err
		}
		since := time.Now().Add(-time.Duration(q.Days) * 24 * time.Hour).Unix()
		for i := range a.messages {
			m := &a.messages[i]
			if m.chat == c.ID && !m.FromMe && m.Ack < engines.AckRead && m.Timestamp >= since {
				m.Ack, m.AckName = engines.AckRead, engines.AckRead.Name()
				ids = append(ids, m.ID)
			}
		}
		c.UnreadCount = 0
		return nil
	})
	return ids, err
}

func (e *Engine) ListMessages(_ context.Context, q engines.MessageQuery) (out []engines.Message, err error) {
	err = e.locked(func(a *account) error {
		for i := len(a.messages) - 1; i >= 0; i-- {
			m := a.messages[i]
			if (!q.Chat.IsZero() && m.chat != q.Chat.String()) || (q.FromMe != nil && m.FromMe != *q.FromMe) ||
				(q.TimestampGTE != nil && m.Timestamp < *q.TimestampGTE) || (q.TimestampLTE != nil && m.Timestamp > *q.TimestampLTE) ||
				(q.Ack != nil && m.Ack != *q.Ack) {
				continue
			}
			if q.DownloadMedia && m.file != nil {
				out = append(out, e.withFile(m.Message, m.raw, m.file))
				continue
			}
			out = append(out, m.Message)
		}
		if q.Order == engines.SortAsc {
			slices.Reverse(out)
		}
		out = page(out, q.Offset, q.Limit)
		return nil
	})
	return out, err
}

// find is a message by full or bare id. Called with n.mu held.
func find(a *account, id engines.MessageID) (*message, error) {
	for i := range a.messages {
		m := &a.messages[i]
		if m.raw == id.ID && (id.Bare || m.chat == id.Chat.String()) {
			return m, nil
		}
	}
	return nil, fmt.Errorf("message %s: %w", id, engines.ErrNotFound)
}

func (e *Engine) GetMessage(_ context.Context, _ engines.ChatID, id engines.MessageID, download bool) (out *engines.Message, err error) {
	err = e.locked(func(a *account) error {
		m, err := find(a, id)
		if err == nil {
			cp := m.Message
			if download && m.file != nil {
				cp = e.withFile(cp, m.raw, m.file)
			}
			out = &cp
		}
		return err
	})
	return out, err
}

// own changes one of the session's own messages on both sides.
func (e *Engine) own(id engines.MessageID, f func(a *account, m *message)) (out *engines.Message, err error) {
	err = e.locked(func(a *account) error {
		m, err := find(a, id)
		if err != nil {
			return err
		}
		if !m.FromMe {
			return fmt.Errorf("message %s was not sent by this account: %w", id, engines.ErrNotAllowed)
		}
		peer := e.n.accounts[strings.TrimSuffix(m.chat, "@c.us")]
		f(a, m)
		if theirs, err := find(peer, engines.MessageID{ID: m.raw, Bare: true}); err == nil {
			f(peer, theirs)
		}
		cp := m.Message
		out = &cp
		return nil
	})
	return out, err
}

// EditMessage edits one of the account's messages; the session sees it as
// message.edited, as WhatsApp's own edits are.
func (e *Engine) EditMessage(ctx context.Context, _ engines.ChatID, id engines.MessageID, text string) (*engines.Message, error) {
	out, err := e.own(id, func(_ *account, m *message) { m.Body, m.Edited = text, true })
	if err == nil {
		e.emit(ctx, "message.edited", struct {
			engines.Message
			EditedMessageID string `json:"editedMessageId"`
		}{*out, id.ID})
	}
	return out, err
}

// DeleteMessage revokes one of the account's messages; the session sees it as
// message.revoked.
func (e *Engine) DeleteMessage(ctx context.Context, _ engines.ChatID, id engines.MessageID) error {
	var before *engines.Message
	_, err := e.own(id, func(a *account, m *message) {
		if before == nil { // the account's copy; the peer's comes second
			cp := m.Message
			before = &cp
		}
		raw := m.raw
		a.messages = slices.DeleteFunc(a.messages, func(x message) bool { return x.raw == raw })
	})
	if err == nil {
		after := *before
		after.Body = ""
		e.emit(ctx, "message.revoked", map[string]any{"after": after, "before": before, "revokedMessageId": id.ID})
	}
	return err
}

func (e *Engine) PinMessage(_ context.Context, _ engines.ChatID, id engines.MessageID, _ time.Duration) error {
	_, err := e.GetMessage(context.Background(), engines.ChatID{}, id, false)
	return err
}

func (e *Engine) UnpinMessage(ctx context.Context, c engines.ChatID, id engines.MessageID) error {
	return e.PinMessage(ctx, c, id, 0)
}

func (e *Engine) SendText(ctx context.Context, req engines.SendText) (out *engines.Message, err error) {
	if req.Text == "panic!" {
		panic("memnet: asked to panic") // lets the API tests prove panics are recovered
	}
	preview := linkCard(ctx, req)
	var emits []emit
	err = e.locked(func(a *account) error {
		peer, ok := e.n.accounts[req.Chat.User]
		if !ok {
			return fmt.Errorf("memnet: no account %s: %w", req.Chat, engines.ErrNotFound)
		}
		var reply *engines.ReplyTo
		if req.ReplyTo != nil {
			reply = &engines.ReplyTo{ID: req.ReplyTo.ID}
		}
		raw := req.ID
		if raw == "" {
			raw = e.n.nextID()
		}
		var m engines.Message
		m, emits = e.n.deliverID(a, peer, raw, req.Text, reply)
		for _, acct := range []*account{a, peer} {
			last := &acct.messages[len(acct.messages)-1]
			last.preview = preview
			for _, who := range req.Mentions {
				last.mentions = append(last.mentions, who.User)
			}
		}
		out = &m
		return nil
	})
	run(emits)
	return out, err
}

// linkCard is the card a text goes with: the one given, or its link's.
func linkCard(ctx context.Context, req engines.SendText) *engines.LinkPreview {
	if req.Preview != nil || !req.LinkPreview {
		return req.Preview
	}
	link := linkpreview.FindLink(req.Text)
	if link == "" {
		return nil
	}
	p, err := linkpreview.Fetch(ctx, http.DefaultClient, link)
	if err != nil {
		return nil
	}
	return &engines.LinkPreview{URL: p.URL, Title: p.Title, Description: p.Description, Image: p.Image}
}

package server_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wagate/wagate/engines"
)

// fakeEngine is an in-memory engine for the API tests. A session whose config
// metadata has "pair": "auto" is WORKING at once; others wait in SCAN_QR_CODE until a
// pairing code is requested.
type fakeEngine struct {
	host engines.Host
	spec engines.SessionSpec
	acct *fakeAccount
}

// fakeAccount is what the fake WhatsApp keeps for one session, across restarts.
type fakeAccount struct {
	mu       sync.Mutex
	paired   bool
	chats    map[string]*engines.Chat
	messages []fakeMsg
	seq      int
}

type fakeMsg struct {
	chat string
	engines.Message
}

type fakeWorld struct {
	mu       sync.Mutex
	accounts map[string]*fakeAccount
}

func (w *fakeWorld) account(name string) *fakeAccount {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.accounts == nil {
		w.accounts = map[string]*fakeAccount{}
	}
	a, ok := w.accounts[name]
	if !ok {
		a = &fakeAccount{chats: map[string]*engines.Chat{}}
		w.accounts[name] = a
	}
	return a
}

func (w *fakeWorld) factory() engines.Factory {
	return engines.FactoryFunc(func(_ context.Context, spec engines.SessionSpec, host engines.Host) (engines.Engine, error) {
		return &fakeEngine{host: host, spec: spec, acct: w.account(spec.Name)}, nil
	})
}

var me = &engines.MeInfo{ID: "15550001111@c.us", PushName: "Tester", LID: "999@lid", JID: "15550001111:3@s.whatsapp.net"}

func (e *fakeEngine) Start(ctx context.Context) error {
	e.acct.mu.Lock()
	if e.spec.Config.Metadata["pair"] == "auto" {
		e.acct.paired = true
	}
	paired := e.acct.paired
	e.acct.mu.Unlock()
	switch {
	case e.spec.Config.Metadata["pair"] == "slow":
		go func() {
			time.Sleep(150 * time.Millisecond)
			e.host.SetMe(me)
			e.host.SetStatus(engines.StatusWorking, "")
		}()
	case paired:
		e.host.SetMe(me)
		e.host.SetStatus(engines.StatusWorking, "")
	default:
		e.host.SetStatus(engines.StatusScanQRCode, "")
	}
	return nil
}

func (e *fakeEngine) Stop(context.Context) error { return nil }

func (e *fakeEngine) Logout(context.Context) error {
	e.acct.mu.Lock()
	e.acct.paired = false
	e.acct.mu.Unlock()
	return nil
}

func (e *fakeEngine) Me(context.Context) (*engines.MeInfo, error) { return me, nil }

func (e *fakeEngine) QR(context.Context) (engines.QR, error) {
	return engines.QR{Value: "2@fakeRef,fakeNoise,fakeIdentity,fakeAdv"}, nil
}

func (e *fakeEngine) RequestCode(_ context.Context, phone string) (string, error) {
	e.acct.mu.Lock()
	e.acct.paired = true
	e.acct.mu.Unlock()
	// The phone "enters" the code a moment later.
	go func() {
		time.Sleep(20 * time.Millisecond)
		e.host.SetMe(me)
		e.host.SetStatus(engines.StatusWorking, "")
	}()
	return "ABCD-" + phone[len(phone)-4:], nil
}

func (e *fakeEngine) Screenshot(context.Context) ([]byte, error) {
	return []byte("\x89PNG\r\n\x1a\nfake"), nil
}

func (e *fakeEngine) ListChats(_ context.Context, q engines.ChatQuery) ([]engines.Chat, error) {
	e.acct.mu.Lock()
	defer e.acct.mu.Unlock()
	var out []engines.Chat
	for _, c := range e.acct.chats {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		less := out[i].ConversationTimestamp < out[j].ConversationTimestamp
		if q.SortBy == engines.SortByID {
			less = out[i].ID < out[j].ID
		}
		if q.SortOrder == engines.SortAsc {
			return less
		}
		return !less
	})
	return page(out, q.Offset, q.Limit), nil
}

func page[T any](s []T, offset, limit int) []T {
	if offset >= len(s) {
		return nil
	}
	s = s[offset:]
	if limit > 0 && limit < len(s) {
		s = s[:limit]
	}
	return s
}

func (e *fakeEngine) ChatsOverview(ctx context.Context, q engines.OverviewQuery) ([]engines.ChatSummary, error) {
	chats, _ := e.ListChats(ctx, engines.ChatQuery{})
	var out []engines.ChatSummary
	for _, c := range chats {
		if len(q.IDs) > 0 && !slices.ContainsFunc(q.IDs, func(id engines.ChatID) bool { return id.String() == c.ID }) {
			continue
		}
		out = append(out, engines.ChatSummary{ID: c.ID, Name: c.Name})
	}
	return page(out, q.Offset, q.Limit), nil
}

func (e *fakeEngine) ChatPicture(_ context.Context, chat engines.ChatID, _ bool) (*string, error) {
	if _, err := e.chat(chat); err != nil {
		return nil, err
	}
	u := "https://pps.example/" + chat.User + ".jpg"
	return &u, nil
}

func (e *fakeEngine) chat(id engines.ChatID) (*engines.Chat, error) {
	e.acct.mu.Lock()
	defer e.acct.mu.Unlock()
	c, ok := e.acct.chats[id.String()]
	if !ok {
		return nil, fmt.Errorf("chat %s: %w", id, engines.ErrNotFound)
	}
	return c, nil
}

func (e *fakeEngine) ArchiveChat(_ context.Context, id engines.ChatID, archive bool) error {
	c, err := e.chat(id)
	if err == nil {
		e.acct.mu.Lock()
		c.Archived = archive
		e.acct.mu.Unlock()
		e.host.Emit(context.Background(), "chat.archive", map[string]any{"id": c.ID, "archived": archive})
	}
	return err
}

func (e *fakeEngine) MarkChatUnread(_ context.Context, id engines.ChatID) error {
	c, err := e.chat(id)
	if err == nil {
		e.acct.mu.Lock()
		c.UnreadCount = max(c.UnreadCount, 1)
		e.acct.mu.Unlock()
	}
	return err
}

func (e *fakeEngine) DeleteChat(_ context.Context, id engines.ChatID) error {
	if _, err := e.chat(id); err != nil {
		return err
	}
	e.acct.mu.Lock()
	delete(e.acct.chats, id.String())
	e.acct.mu.Unlock()
	return nil
}

func (e *fakeEngine) ClearMessages(_ context.Context, id engines.ChatID) error {
	if _, err := e.chat(id); err != nil {
		return err
	}
	e.acct.mu.Lock()
	e.acct.messages = slices.DeleteFunc(e.acct.messages, func(m fakeMsg) bool { return m.chat == id.String() })
	e.acct.mu.Unlock()
	return nil
}

func (e *fakeEngine) ReadMessages(_ context.Context, id engines.ChatID, q engines.ReadQuery) ([]string, error) {
	e.acct.mu.Lock()
	defer e.acct.mu.Unlock()
	var ids []string
	for i := range e.acct.messages {
		m := &e.acct.messages[i]
		if m.chat == id.String() && !m.FromMe && m.Ack < engines.AckRead {
			m.Ack, m.AckName = engines.AckRead, engines.AckRead.Name()
			ids = append(ids, m.ID)
		}
	}
	return ids, nil
}

func (e *fakeEngine) ListMessages(_ context.Context, q engines.MessageQuery) ([]engines.Message, error) {
	e.acct.mu.Lock()
	defer e.acct.mu.Unlock()
	var out []engines.Message
	for i := len(e.acct.messages) - 1; i >= 0; i-- {
		m := e.acct.messages[i]
		if (!q.Chat.IsZero() && m.chat != q.Chat.String()) || (q.FromMe != nil && m.FromMe != *q.FromMe) ||
			(q.TimestampGTE != nil && m.Timestamp < *q.TimestampGTE) || (q.Ack != nil && m.Ack != *q.Ack) {
			continue
		}
		out = append(out, m.Message)
	}
	if q.Order == engines.SortAsc {
		slices.Reverse(out)
	}
	return page(out, q.Offset, q.Limit), nil
}

func (e *fakeEngine) find(id engines.MessageID) (*engines.Message, error) {
	for i := range e.acct.messages {
		m := &e.acct.messages[i].Message
		if m.ID == id.String() || strings.HasSuffix(m.ID, "_"+id.ID) {
			return m, nil
		}
	}
	return nil, fmt.Errorf("message %s: %w", id, engines.ErrNotFound)
}

func (e *fakeEngine) GetMessage(_ context.Context, _ engines.ChatID, id engines.MessageID, _ bool) (*engines.Message, error) {
	e.acct.mu.Lock()
	defer e.acct.mu.Unlock()
	m, err := e.find(id)
	if err != nil {
		return nil, err
	}
	cp := *m
	return &cp, nil
}

func (e *fakeEngine) EditMessage(_ context.Context, _ engines.ChatID, id engines.MessageID, text string) (*engines.Message, error) {
	e.acct.mu.Lock()
	defer e.acct.mu.Unlock()
	m, err := e.find(id)
	if err != nil {
		return nil, err
	}
	m.Body, m.Edited = &text, true
	cp := *m
	return &cp, nil
}

func (e *fakeEngine) DeleteMessage(_ context.Context, _ engines.ChatID, id engines.MessageID) error {
	e.acct.mu.Lock()
	defer e.acct.mu.Unlock()
	m, err := e.find(id)
	if err == nil {
		m.Body = nil
	}
	return err
}

func (e *fakeEngine) PinMessage(_ context.Context, _ engines.ChatID, id engines.MessageID, _ time.Duration) error {
	e.acct.mu.Lock()
	defer e.acct.mu.Unlock()
	_, err := e.find(id)
	return err
}

func (e *fakeEngine) UnpinMessage(ctx context.Context, c engines.ChatID, id engines.MessageID) error {
	return e.PinMessage(ctx, c, id, 0)
}

func (e *fakeEngine) SendText(_ context.Context, req engines.SendText) (*engines.Message, error) {
	if req.Text == "panic!" {
		panic("fake engine asked to panic")
	}
	e.acct.mu.Lock()
	defer e.acct.mu.Unlock()
	e.acct.seq++
	chat := req.Chat.String()
	c, ok := e.acct.chats[chat]
	if !ok {
		c = &engines.Chat{ID: chat, IsGroup: req.Chat.IsGroup()}
		e.acct.chats[chat] = c
	}
	now := time.Now().Unix() + int64(e.acct.seq)
	c.ConversationTimestamp = now
	text := req.Text
	m := engines.Message{
		ID: fmt.Sprintf("true_%s_3EB0%04d", chat, e.acct.seq), Timestamp: now, From: me.ID, FromMe: true,
		Source: "api", To: &chat, Body: &text, Ack: engines.AckServer, AckName: engines.AckServer.Name(),
	}
	if req.ReplyTo != nil {
		m.ReplyTo = &engines.ReplyTo{ID: req.ReplyTo.ID}
	}
	e.acct.messages = append(e.acct.messages, fakeMsg{chat, m})
	return &m, nil
}

// receive puts an incoming message into a chat, as if a contact had sent it.
func (a *fakeAccount) receive(from, text string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seq++
	c, ok := a.chats[from]
	if !ok {
		c = &engines.Chat{ID: from}
		a.chats[from] = c
	}
	now := time.Now().Unix() + int64(a.seq)
	c.ConversationTimestamp = now
	c.UnreadCount++
	id := fmt.Sprintf("false_%s_AAA%04d", from, a.seq)
	a.messages = append(a.messages, fakeMsg{from, engines.Message{
		ID: id, Timestamp: now, From: from, Source: "app", To: &me.ID, Body: &text,
		Ack: engines.AckDevice, AckName: engines.AckDevice.Name(),
	}})
	return id
}

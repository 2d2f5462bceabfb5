package webjs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/internal/wait"
	"github.com/wagate/wagate/media"
	"github.com/wagate/wagate/sessions"
)

// fakePage is a browserPage that records the calls the engine makes and
// answers from its fields: the Go side of every action without a browser.
type fakePage struct {
	mu     sync.Mutex
	calls  []string
	events chan Event
	died   chan struct{}
	err    error // Err() after died
	status StatusInfo
	closed bool

	chats    []Chat
	msgs     map[string]Message // by serialized id
	media    Media
	fail     error // returned by every operation when set
	sent     SendTextRequest
	listOpts ListMessagesOptions
}

func newFakePage() *fakePage {
	return &fakePage{events: make(chan Event, 16), died: make(chan struct{}), msgs: map[string]Message{}, status: StatusInfo{Status: StatusStarting}}
}

func (p *fakePage) call(format string, args ...any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, fmt.Sprintf(format, args...))
	return p.fail
}

func (p *fakePage) Calls() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.calls...)
}

func (p *fakePage) Events() <-chan Event  { return p.events }
func (p *fakePage) Died() <-chan struct{} { return p.died }
func (p *fakePage) Err() error            { return p.err }
func (p *fakePage) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		close(p.events)
	}
	return nil
}
func (p *fakePage) Status() StatusInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}
func (p *fakePage) WaitStatus(context.Context, ...Status) (StatusInfo, error) { return p.Status(), nil }
func (p *fakePage) Screenshot(context.Context) ([]byte, error) {
	return []byte("\x89PNG"), p.call("screenshot")
}
func (p *fakePage) Memory() (MemoryUsage, error) {
	return MemoryUsage{PSS: 1, RSS: 2, PeakRSS: 3, Processes: 4}, nil
}
func (p *fakePage) BrowserPID() int { return 42 }
func (p *fakePage) RequestPairingCode(_ context.Context, phone string) (string, error) {
	return "ABCDEFGH", p.call("code %s", phone)
}
func (p *fakePage) Logout(context.Context) error { return p.call("logout") }
func (p *fakePage) ListChats(_ context.Context, o ListChatsOptions) ([]Chat, error) {
	return p.chats, p.call("listChats %+v", o)
}
func (p *fakePage) ChatsOverview(_ context.Context, o OverviewOptions) ([]ChatSummary, error) {
	return []ChatSummary{{ID: "1@c.us", LastMessage: &Message{ID: "false_1@c.us_A", Body: "hi"}}}, p.call("overview %+v", o)
}
func (p *fakePage) ChatPicture(_ context.Context, id string) (string, error) {
	if id == "2@c.us" {
		return "", p.call("picture %s", id)
	}
	return "https://pps/x.jpg", p.call("picture %s", id)
}
func (p *fakePage) ArchiveChat(_ context.Context, id string) (Chat, error) {
	return Chat{}, p.call("archive %s", id)
}
func (p *fakePage) UnarchiveChat(_ context.Context, id string) (Chat, error) {
	return Chat{}, p.call("unarchive %s", id)
}
func (p *fakePage) MarkChatUnread(_ context.Context, id string) (Chat, error) {
	return Chat{}, p.call("unread %s", id)
}
func (p *fakePage) DeleteChat(_ context.Context, id string) error    { return p.call("deleteChat %s", id) }
func (p *fakePage) ClearMessages(_ context.Context, id string) error { return p.call("clear %s", id) }
func (p *fakePage) ReadMessages(_ context.Context, id string, o ReadOptions) ([]string, error) {
	return []string{"false_" + id + "_A"}, p.call("read %s %+v", id, o)
}
func (p *fakePage) ListMessages(_ context.Context, id string, o ListMessagesOptions) ([]Message, error) {
	p.listOpts = o
	var out []Message
	for _, m := range p.msgs {
		out = append(out, m)
	}
	return out, p.call("listMessages %s", id)
}
func (p *fakePage) ListAllMessages(_ context.Context, o ListMessagesOptions) ([]Message, error) {
	p.listOpts = o
	return nil, p.call("listAll")
}
func (p *fakePage) GetMessage(_ context.Context, id string) (Message, error) {
	if err := p.call("get %s", id); err != nil {
		return Message{}, err
	}
	m, ok := p.msgs[id]
	if !ok {
		return Message{}, &PageError{Op: "getMessage", Code: "not_found", Message: "message " + id + " not found"}
	}
	return m, nil
}
func (p *fakePage) EditMessage(_ context.Context, id, text string) (Message, error) {
	return Message{ID: id, Body: text, FromMe: true, Edited: true}, p.call("edit %s %s", id, text)
}
func (p *fakePage) RevokeMessage(_ context.Context, id string) (Message, error) {
	return Message{ID: id, Type: "revoked"}, p.call("revoke %s", id)
}
func (p *fakePage) PinMessage(_ context.Context, id string, d time.Duration) error {
	return p.call("pin %s %s", id, d)
}
func (p *fakePage) UnpinMessage(_ context.Context, id string) error { return p.call("unpin %s", id) }
func (p *fakePage) SendText(_ context.Context, r SendTextRequest) (Message, error) {
	p.sent = r
	return Message{ID: "true_" + r.ChatID + "_3EB0X", Body: r.Text, FromMe: true}, p.call("send %s", r.ChatID)
}
func (p *fakePage) DownloadMedia(_ context.Context, id string) (Media, error) {
	return p.media, p.call("download %s", id)
}
func (p *fakePage) SendMedia(_ context.Context, r SendMediaRequest, beforeSend func(string)) (Message, error) {
	if err := p.call("sendMedia %s %s", r.Kind, r.ChatID); err != nil {
		return Message{}, err
	}
	beforeSend("3EB0M")
	return Message{ID: "true_" + r.ChatID + "_3EB0M", Body: r.Caption, FromMe: true, HasMedia: true,
		Media: &MediaInfo{Mimetype: r.Mimetype, Filename: r.Filename}}, nil
}

// recHost records what the engine reports.
type recHost struct {
	mu sync.Mutex
	hostLog
}

// hostLog is what a recHost recorded.
type hostLog struct {
	statuses []string
	me       []*engines.MeInfo
	events   []string
	payloads []any
	failed   []string
}

func (h *recHost) SetStatus(s engines.Status, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.statuses = append(h.statuses, strings.TrimSuffix(string(s)+" "+reason, " "))
}
func (h *recHost) NewQR()                   { h.SetStatus(engines.StatusScanQRCode, "") }
func (h *recHost) SetMe(me *engines.MeInfo) { h.mu.Lock(); h.me = append(h.me, me); h.mu.Unlock() }
func (h *recHost) Record(_ context.Context, change sessions.Change) error {
	ems, err := change(nil)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range ems {
		h.events = append(h.events, e.Event)
		h.payloads = append(h.payloads, e.Payload)
	}
	return nil
}

func (h *recHost) Failed(err error, retry bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failed = append(h.failed, fmt.Sprintf("%v retry=%t", err, retry))
}

func (h *recHost) snapshot() hostLog {
	h.mu.Lock()
	defer h.mu.Unlock()
	return hostLog{statuses: append([]string(nil), h.statuses...), me: append([]*engines.MeInfo(nil), h.me...),
		events: append([]string(nil), h.events...), payloads: append([]any(nil), h.payloads...), failed: append([]string(nil), h.failed...)}
}

// started makes an engine on a fake page, started.
func started(t *testing.T) (*Engine, *fakePage, *recHost) {
	t.Helper()
	files, err := media.NewFiles(media.Options{Dir: t.TempDir(), BaseURL: "http://gw.test/", Download: true})
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFactory(context.Background(), Options{DataDir: t.TempDir(), Media: files})
	if err != nil {
		t.Fatal(err)
	}
	pg := newFakePage()
	f.launch = func(context.Context, Config) (browserPage, error) { return pg, nil }
	h := &recHost{}
	e, err := f.New(context.Background(), sessions.Spec{Name: "s1", Engine: engines.WEBJS}, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Stop(context.Background()) })
	return e.(*Engine), pg, h
}

func chatID(t *testing.T, s string) engines.ChatID {
	t.Helper()
	c, err := engines.ParseChatID(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func msgID(t *testing.T, s string) engines.MessageID {
	t.Helper()
	m, err := engines.ParseMessageID(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestActions checks each action's arguments reach the page as the driver
// wants them.
func TestActions(t *testing.T) {
	e, pg, _ := started(t)
	ctx := context.Background()
	c1 := chatID(t, "1@c.us")
	mine := "true_1@c.us_3EB0A"
	pg.msgs[mine] = Message{ID: mine, FromMe: true, Body: "x"}
	mid := msgID(t, mine)
	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"list chats", func() error {
			_, err := e.ListChats(ctx, engines.ChatQuery{Limit: 5, Offset: 2, SortBy: engines.SortByName, SortOrder: engines.SortAsc})
			return err
		}, "listChats {Limit:5 Offset:2 SortBy:name SortOrder:asc}"},
		{"list chats default order", func() error { _, err := e.ListChats(ctx, engines.ChatQuery{}); return err },
			"listChats {Limit:0 Offset:0 SortBy:conversationTimestamp SortOrder:desc}"},
		{"overview", func() error {
			_, err := e.ChatsOverview(ctx, engines.OverviewQuery{Limit: 3, IDs: []engines.ChatID{c1}})
			return err
		}, "overview {Limit:3 Offset:0 IDs:[1@c.us]}"},
		{"picture", func() error { _, err := e.ChatPicture(ctx, c1, true); return err }, "picture 1@c.us"},
		{"archive", func() error { return e.ArchiveChat(ctx, c1, true) }, "archive 1@c.us"},
		{"unarchive", func() error { return e.ArchiveChat(ctx, c1, false) }, "unarchive 1@c.us"},
		{"unread", func() error { return e.MarkChatUnread(ctx, c1) }, "unread 1@c.us"},
		{"delete chat", func() error { return e.DeleteChat(ctx, c1) }, "deleteChat 1@c.us"},
		{"clear", func() error { return e.ClearMessages(ctx, c1) }, "clear 1@c.us"},
		{"read", func() error {
			_, err := e.ReadMessages(ctx, c1, engines.ReadQuery{Messages: 3, Days: 2})
			return err
		}, "read 1@c.us {Messages:3 Days:2}"},
		{"list messages", func() error { _, err := e.ListMessages(ctx, engines.MessageQuery{Chat: c1}); return err }, "listMessages 1@c.us"},
		{"list all", func() error { _, err := e.ListMessages(ctx, engines.MessageQuery{}); return err }, "listAll"},
		{"get", func() error { _, err := e.GetMessage(ctx, c1, mid, false); return err }, "get " + mine},
		{"edit", func() error { _, err := e.EditMessage(ctx, c1, mid, "new"); return err }, "edit " + mine + " new"},
		{"delete", func() error { return e.DeleteMessage(ctx, c1, mid) }, "revoke " + mine},
		{"pin", func() error { return e.PinMessage(ctx, c1, mid, 24*time.Hour) }, "pin " + mine + " 24h0m0s"},
		{"unpin", func() error { return e.UnpinMessage(ctx, c1, mid) }, "unpin " + mine},
		{"send", func() error { _, err := e.SendText(ctx, engines.SendText{Chat: c1, Text: "t"}); return err }, "send 1@c.us"},
		{"code", func() error { _, err := e.RequestCode(ctx, "4915100001"); return err }, "code 4915100001"},
		{"screenshot", func() error { _, err := e.Screenshot(ctx); return err }, "screenshot"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(pg.Calls())
			if err := tc.do(); err != nil {
				t.Fatal(err)
			}
			calls := pg.Calls()[before:]
			if len(calls) == 0 || calls[len(calls)-1] != tc.want {
				t.Fatalf("page calls %q, want last %q", calls, tc.want)
			}
		})
	}
}

func TestResultsMapping(t *testing.T) {
	e, pg, _ := started(t)
	ctx := context.Background()
	name := "Ann"
	pg.chats = []Chat{{ID: "1@c.us", Name: &name, ConversationTimestamp: 7, UnreadCount: -1, Archived: true, Pinned: true, IsMuted: true, MuteExpiration: -1, Raw: json.RawMessage(`{"t":7}`)}}
	chats, err := e.ListChats(ctx, engines.ChatQuery{})
	if err != nil {
		t.Fatal(err)
	}
	want := engines.Chat{ID: "1@c.us", Name: &name, ConversationTimestamp: 7, UnreadCount: 1, Archived: true, Pinned: true, Muted: true, MuteExpiration: -1, Raw: json.RawMessage(`{"t":7}`)}
	if !reflect.DeepEqual(chats, []engines.Chat{want}) {
		t.Fatalf("chats %+v", chats)
	}

	ov, err := e.ChatsOverview(ctx, engines.OverviewQuery{})
	if err != nil || len(ov) != 1 || ov[0].LastMessage == nil || ov[0].LastMessage.Body != "hi" {
		t.Fatalf("overview %+v %v", ov, err)
	}

	u, err := e.ChatPicture(ctx, chatID(t, "2@c.us"), false)
	if err != nil || u != nil {
		t.Fatalf("no picture: %v %v", u, err)
	}
	ids, err := e.ReadMessages(ctx, chatID(t, "1@c.us"), engines.ReadQuery{})
	if err != nil || len(ids) != 1 || ids[0] != "false_1@c.us_A" {
		t.Fatalf("read %v %v", ids, err)
	}

	sent, err := e.SendText(ctx, engines.SendText{Chat: chatID(t, "1@c.us"), Text: "hello"})
	if err != nil || sent.Source != "api" || sent.Body != "hello" || !sent.FromMe {
		t.Fatalf("sent %+v %v", sent, err)
	}

	code, err := e.RequestCode(ctx, "4915100001")
	if err != nil || code != "ABCD-EFGH" {
		t.Fatalf("code %q %v", code, err)
	}
	if info := e.Info(ctx); info["browser"].(map[string]any)["pid"] != 42 || info["memory"].(map[string]any)["pss"] != int64(1) {
		t.Fatalf("info %v", info)
	}
}

func TestToMessage(t *testing.T) {
	from, to, part := "1@c.us", "2@c.us", "3@c.us"
	ack := 3
	got := toMessage(Message{
		ID: "false_1@c.us_A", Timestamp: 9, From: &from, To: &to, Participant: &part, Body: "b", HasMedia: true,
		Ack: &ack, Edited: true, ReplyTo: &ReplyTo{ID: "Q", Participant: &part, Body: "quoted"}, Raw: json.RawMessage(`{}`),
	})
	if got.ID != "false_1@c.us_A" || got.From != from || got.To != to || *got.Participant != part || got.Body != "b" ||
		!got.HasMedia || got.Ack != engines.AckRead || got.AckName != "READ" || !got.Edited || got.Source != "app" ||
		got.ReplyTo == nil || got.ReplyTo.ID != "Q" || got.ReplyTo.Participant != part || *got.ReplyTo.Body != "quoted" || got.Media != nil {
		t.Fatalf("%+v", got)
	}
	if m := toMessage(Message{ID: "x"}); m.Ack != engines.AckPending || m.AckName != "PENDING" || m.Body != "" || m.From != "" || m.To != "" {
		t.Fatalf("nil ack and from: %+v", m)
	}
}

func TestMessageQuery(t *testing.T) {
	gte, lte := int64(1), int64(2)
	fromMe := true
	ack := engines.AckDevice
	got := messageQuery(engines.MessageQuery{Limit: 4, Offset: 1, TimestampGTE: &gte, TimestampLTE: &lte, FromMe: &fromMe, Ack: &ack, Order: engines.SortAsc})
	if got.Limit != 4 || got.Offset != 1 || *got.TimestampGTE != 1 || *got.TimestampLTE != 2 || !*got.FromMe || *got.Ack != 2 || got.SortOrder != "asc" || !got.ExcludeRevoked {
		t.Fatalf("%+v", got)
	}
	if got := messageQuery(engines.MessageQuery{}); got.SortOrder != "desc" || got.Ack != nil {
		t.Fatalf("default: %+v", got)
	}
}

func TestMessageLookup(t *testing.T) {
	e, pg, _ := started(t)
	ctx := context.Background()
	c1 := chatID(t, "1@c.us")
	pg.msgs["true_1@c.us_B"] = Message{ID: "true_1@c.us_B", FromMe: true}

	// A bare id tries incoming, then outgoing.
	m, err := e.GetMessage(ctx, c1, msgID(t, "B"), false)
	if err != nil || m.ID != "true_1@c.us_B" {
		t.Fatalf("bare id: %+v %v", m, err)
	}
	// Another chat's message, or an unknown one, is not found.
	for _, id := range []string{"true_9@c.us_B", "false_1@c.us_NOPE"} {
		_, err := e.GetMessage(ctx, c1, msgID(t, id), false)
		if !errors.Is(err, engines.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", id, err)
		}
	}
}

func TestErrorMapping(t *testing.T) {
	e, pg, _ := started(t)
	ctx := context.Background()
	for _, tc := range []struct {
		err   error
		check func(error) bool
	}{
		{&PageError{Op: "x", Code: "not_found"}, func(err error) bool { return errors.Is(err, engines.ErrNotFound) }},
		{&PageError{Op: "x", Code: "unsupported"}, func(err error) bool { return errors.Is(err, engines.ErrNotSupported) }},
		{&PageError{Op: "x", Code: "invalid"}, func(err error) bool { return errors.Is(err, engines.ErrInvalid) }},
		{&PageError{Op: "x", Code: "not_allowed"}, func(err error) bool { return errors.Is(err, engines.ErrNotAllowed) }},
		{&timeoutError{msg: "stuck"}, func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }},
		{&PageError{Op: "x", Code: "not_ready"}, func(err error) bool {
			var nw *engines.NotWorkingError
			return errors.As(err, &nw) && nw.Session == "s1"
		}},
	} {
		pg.fail = tc.err
		_, err := e.ListChats(ctx, engines.ChatQuery{})
		if !tc.check(err) {
			t.Errorf("%v mapped to %v", tc.err, err)
		}
	}
	pg.fail = nil
	_ = e.Stop(ctx)
	var nw *engines.NotWorkingError
	if _, err := e.ListChats(ctx, engines.ChatQuery{}); !errors.As(err, &nw) || nw.Status != engines.StatusStopped {
		t.Fatalf("stopped engine: %v", err)
	}
	if _, err := e.QR(ctx); !errors.As(err, &nw) {
		t.Fatalf("QR of a stopped engine: %v", err)
	}
}

func TestMediaSavedAndServed(t *testing.T) {
	e, pg, _ := started(t)
	id := "false_1@c.us_ABC"
	pg.msgs[id] = Message{ID: id, HasMedia: true, Media: &MediaInfo{Mimetype: "image/jpeg"}}
	pg.media = Media{Data: []byte("jpeg"), Mimetype: "image/jpeg"}
	m, err := e.GetMessage(context.Background(), chatID(t, "1@c.us"), msgID(t, id), true)
	if err != nil {
		t.Fatal(err)
	}
	if m.Media == nil || m.Media.URL == nil || *m.Media.URL != "http://gw.test/api/files/s1/ABC.jpeg" || *m.MediaURL != *m.Media.URL || *m.Media.Mimetype != "image/jpeg" {
		t.Fatalf("media %+v", m.Media)
	}
	if b, err := os.ReadFile(e.f.opts.Media.Path("s1", "ABC.jpeg")); err != nil || string(b) != "jpeg" {
		t.Fatalf("saved file: %q %v", b, err)
	}
	// Saved once: a second read does not download again.
	before := len(pg.Calls())
	if _, err := e.GetMessage(context.Background(), chatID(t, "1@c.us"), msgID(t, id), true); err != nil {
		t.Fatal(err)
	}
	for _, c := range pg.Calls()[before:] {
		if strings.HasPrefix(c, "download") {
			t.Fatalf("downloaded twice: %v", pg.Calls())
		}
	}
	// A failed download is reported in media.error.
	id2 := "false_1@c.us_DEF"
	pg.msgs[id2] = Message{ID: id2, HasMedia: true}
	pg.media = Media{}
	pg.fail = nil
	ms, err := e.ListMessages(context.Background(), engines.MessageQuery{Chat: chatID(t, "1@c.us"), DownloadMedia: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.ID == id2 && (m.Media == nil || m.Media.URL == nil) {
			t.Fatalf("empty media should still save: %+v", m.Media)
		}
	}
}

// waitHost polls the host until cond holds.
func waitHost(t *testing.T, h *recHost, cond func(hostLog) bool) hostLog {
	t.Helper()
	var s hostLog
	wait.For(t, 2*time.Second, func() error {
		if s = h.snapshot(); !cond(s) {
			return fmt.Errorf("host never got there: %+v", s)
		}
		return nil
	})
	return s
}

func TestEventsToHost(t *testing.T) {
	e, pg, h := started(t)
	from := "1@c.us"
	pg.mu.Lock()
	pg.status = StatusInfo{Status: StatusScanQR, QR: "2@ref,a,b,c,d"}
	pg.mu.Unlock()
	pg.events <- Event{Type: EventQR, QR: "2@ref,a,b,c,d"}
	waitHost(t, h, func(s hostLog) bool { return len(s.statuses) > 0 && s.statuses[len(s.statuses)-1] == "SCAN_QR_CODE" })
	if qr, err := e.QR(context.Background()); err != nil || qr.Value != "2@ref,a,b,c,d" {
		t.Fatalf("QR %v %v", qr, err)
	}
	// A new code is SCAN_QR_CODE again, so clients fetch it.
	pg.mu.Lock()
	pg.status = StatusInfo{Status: StatusScanQR, QR: "3@ref,a,b,c,d"}
	pg.mu.Unlock()
	pg.events <- Event{Type: EventQR, QR: "3@ref,a,b,c,d"}
	waitHost(t, h, func(s hostLog) bool {
		n := 0
		for _, st := range s.statuses {
			if st == "SCAN_QR_CODE" {
				n++
			}
		}
		return n == 2
	})
	pg.events <- Event{Type: EventReady, Me: &Me{ID: "49@c.us", PushName: "Me", LID: "7@lid"}}
	in := &Message{ID: "false_1@c.us_A", From: &from, Body: "hi"}
	pg.events <- Event{Type: EventMessage, Message: in}
	pg.events <- Event{Type: EventMessageCreate, Message: &Message{ID: "true_1@c.us_B", FromMe: true, Source: "api"}}
	pg.events <- Event{Type: EventAck, Ack: &AckEvent{ID: "true_1@c.us_B", FromMe: true, Ack: 3}}
	pg.events <- Event{Type: EventAck, Ack: &AckEvent{ID: "true_5@g.us_B_49@c.us", FromMe: true, Ack: 2}}
	pg.events <- Event{Type: EventEdit, Edit: &EditEvent{Message: in, NewBody: "hi!", EditedMessageID: "A"}}
	pg.events <- Event{Type: EventRevoke, Revoke: &RevokeEvent{After: &Message{ID: "false_1@c.us_A", Type: "revoked"}, RevokedMessageID: "A"}}
	pg.events <- Event{Type: EventChatArchive, Archive: &ChatArchiveEvent{ID: "1@c.us", Archived: true, Timestamp: 5}}
	s := waitHost(t, h, func(s hostLog) bool { return len(s.events) == 7 })

	wantEvents := []string{"message", "message.any", "message.ack", "message.ack.group", "message.edited", "message.revoked", "chat.archive"}
	if !reflect.DeepEqual(s.events, wantEvents) {
		t.Fatalf("events %v", s.events)
	}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	for i, want := range []string{
		`"id":"false_1@c.us_A"`, `"source":"api"`, `"ack":3,"ackName":"READ"`, `"ackName":"DEVICE"`,
		`"body":"hi!"`, `"revokedMessageId":"A"`, `{"id":"1@c.us","archived":true,"timestamp":5}`,
	} {
		if !strings.Contains(js(s.payloads[i]), want) {
			t.Errorf("%s payload %s lacks %s", s.events[i], js(s.payloads[i]), want)
		}
	}
	if !strings.Contains(js(s.payloads[4]), `"editedMessageId":"A"`) {
		t.Errorf("edited payload %s", js(s.payloads[4]))
	}
	if len(s.me) != 1 || s.me[0].ID != "49@c.us" || s.me[0].LID != "7@lid" || s.statuses[len(s.statuses)-1] != "WORKING" {
		t.Fatalf("me %+v statuses %v", s.me, s.statuses)
	}
	if me, _ := e.Me(context.Background()); me == nil || me.PushName != "Me" {
		t.Fatalf("Me() = %+v", me)
	}
}

func TestLoggedOutFromPhoneFailsWithoutRetry(t *testing.T) {
	_, pg, h := started(t)
	pg.events <- Event{Type: EventLoggedOut}
	s := waitHost(t, h, func(s hostLog) bool { return len(s.failed) == 1 })
	if !strings.Contains(s.failed[0], "logged out") || !strings.HasSuffix(s.failed[0], "retry=false") || s.me[len(s.me)-1] != nil {
		t.Fatalf("failed %v me %v", s.failed, s.me)
	}
	waitClosed(t, pg)
}

func TestBrowserDeathFailsWithRetry(t *testing.T) {
	_, pg, h := started(t)
	pg.err = ErrBrowserExited
	close(pg.died)
	s := waitHost(t, h, func(s hostLog) bool { return len(s.failed) == 1 })
	if !strings.Contains(s.failed[0], "browser exited") || !strings.HasSuffix(s.failed[0], "retry=true") {
		t.Fatalf("failed %v", s.failed)
	}
	waitClosed(t, pg)
}

func TestOwnLogoutIsNoFailure(t *testing.T) {
	e, pg, h := started(t)
	pg.status = StatusInfo{Status: StatusWorking}
	if err := os.MkdirAll(e.profile, 0o700); err != nil {
		t.Fatal(err)
	}
	pg.events <- Event{Type: EventReady, Me: &Me{ID: "49@c.us"}}
	waitHost(t, h, func(s hostLog) bool { return len(s.me) == 1 })
	if err := e.Logout(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slicesContain(pg.Calls(), "logout") {
		t.Fatalf("calls %v", pg.Calls())
	}
	if _, err := os.Stat(e.profile); !os.IsNotExist(err) {
		t.Fatalf("profile kept: %v", err)
	}
	if s := h.snapshot(); len(s.failed) != 0 {
		t.Fatalf("failed %v", s.failed)
	}
	if me, _ := e.Me(context.Background()); me != nil {
		t.Fatalf("me after logout %+v", me)
	}
}

func slicesContain(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func waitClosed(t *testing.T, pg *fakePage) {
	t.Helper()
	wait.Until(t, 2*time.Second, "the browser to be closed", func() bool {
		pg.mu.Lock()
		defer pg.mu.Unlock()
		return pg.closed
	})
}

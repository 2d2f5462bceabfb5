package noweb

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/engines/noweb/simnet"
	"github.com/wagate/wagate/sessions"
	"github.com/wagate/wagate/store"
)

// waitMessages polls the store through the engine until ok accepts a chat's messages.
func waitMessages(t *testing.T, ctx context.Context, eng *Engine, chat string, ok func([]engines.Message) bool) []engines.Message {
	t.Helper()
	c, err := engines.ParseChatID(chat)
	if err != nil {
		t.Fatal(err)
	}
	for {
		msgs, err := eng.ListMessages(ctx, engines.MessageQuery{Chat: c, Limit: 50})
		if err != nil {
			t.Fatalf("ListMessages: %v", err)
		}
		if ok(msgs) {
			return msgs
		}
		select {
		case <-ctx.Done():
			t.Fatalf("messages of %s never as expected: %+v", chat, msgs)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func waitChat(t *testing.T, ctx context.Context, eng *Engine, id string, ok func(engines.Chat) bool) {
	t.Helper()
	for {
		chats, err := eng.ListChats(ctx, engines.ChatQuery{})
		if err != nil {
			t.Fatalf("ListChats: %v", err)
		}
		for _, c := range chats {
			if c.ID == id && ok(c) {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("chat %s never as expected: %+v", id, chats)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func hasBody(text string) func([]engines.Message) bool {
	return func(ms []engines.Message) bool {
		for _, m := range ms {
			if m.Body == text {
				return true
			}
		}
		return false
	}
}

// TestStoreAndEvents: history from before pairing lands in the store; live
// messages, receipts, edits, revokes and the phone's app-state changes are stored
// and emitted in WAHA's shapes.
func TestStoreAndEvents(t *testing.T) {
	forEachDialect(t, storeAndEvents)
}

func storeAndEvents(t *testing.T, d store.Dialect) {
	e := newEnv(t, d)
	ctx := testCtx(t)
	const me, them = "491510000031", "491510000032"
	alice, err := e.srv.CreateAccount(ctx, me, "Alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := e.srv.CreateAccount(ctx, them, "Bob")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.SendText(ctx, me, "before pairing"); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.WaitFor(ctx, func(ev simnet.Event) bool { return ev.Text == "before pairing" }); err != nil {
		t.Fatal(err)
	}
	eng, h := newEngine(t, e.factory, "default")
	pairByQR(t, ctx, e, eng, h, me)
	chat := them + "@c.us"

	// History sync.
	waitMessages(t, ctx, eng, chat, hasBody("before pairing"))

	// A live message: stored, emitted as message and message.any.
	id, err := bob.SendText(ctx, me, "live")
	if err != nil {
		t.Fatal(err)
	}
	full := "false_" + chat + "_" + string(id)
	isLive := func(p any) bool { m, ok := p.(engines.Message); return ok && m.ID == full }
	h.waitEmitted(t, ctx, "message", isLive)
	h.waitEmitted(t, ctx, "message.any", isLive)
	waitChat(t, ctx, eng, chat, func(c engines.Chat) bool { return c.UnreadCount >= 1 && c.Name != nil && *c.Name == "Bob" })

	// Sent through the API, read by the contact: message.ack READ.
	c, _ := engines.ParseChatID(chat)
	sent, err := eng.SendText(ctx, engines.SendText{Chat: c, Text: "from the API"})
	if err != nil {
		t.Fatal(err)
	}
	raw := sent.ID[len("true_"+chat+"_"):]
	if err := bob.MarkRead(ctx, me, "", types.MessageID(raw)); err != nil {
		t.Fatal(err)
	}
	h.waitEmitted(t, ctx, "message.ack", func(p any) bool {
		a, ok := p.(AckPayload)
		return ok && a.ID == sent.ID && a.Ack == engines.AckRead && a.AckName == "READ"
	})
	got, err := eng.GetMessage(ctx, engines.ChatID{}, engines.MessageID{ID: raw, Bare: true}, false)
	if err != nil || got.Ack != engines.AckRead {
		t.Fatalf("sent message after read: %+v, %v", got, err)
	}

	// The contact edits and revokes.
	if err := bob.Edit(ctx, me, id, "live (edited)"); err != nil {
		t.Fatal(err)
	}
	h.waitEmitted(t, ctx, "message.edited", func(p any) bool {
		ed, ok := p.(EditedPayload)
		return ok && ed.EditedMessageID == string(id) && ed.Body == "live (edited)"
	})
	waitMessages(t, ctx, eng, chat, hasBody("live (edited)"))
	if err := bob.Revoke(ctx, me, id); err != nil {
		t.Fatal(err)
	}
	h.waitEmitted(t, ctx, "message.revoked", func(p any) bool {
		r, ok := p.(RevokedPayload)
		return ok && r.RevokedMessageID == string(id) && r.Before != nil && r.Before.ID == full
	})
	if _, err := eng.GetMessage(ctx, c, engines.MessageID{ID: string(id), Bare: true}, false); !errors.Is(err, engines.ErrNotFound) {
		t.Fatalf("revoked message still stored: %v", err)
	}

	// The phone archives and pins: chat.archive, and the chat row follows.
	if err := alice.Archive(ctx, them, true); err != nil {
		t.Fatal(err)
	}
	h.waitEmitted(t, ctx, "chat.archive", func(p any) bool {
		a, ok := p.(ArchivePayload)
		return ok && a.ID == chat && a.Archived
	})
	if err := alice.Pin(ctx, them, true); err != nil {
		t.Fatal(err)
	}
	waitChat(t, ctx, eng, chat, func(c engines.Chat) bool { return c.Archived && c.Pinned })
}

// TestStoreDisabled: with noweb.store.enabled off for the session, store-backed
// operations answer StoreDisabledError (422) and sending still works.
func TestStoreDisabled(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx := testCtx(t)
	const me, them = "491510000041", "491510000042"
	if _, err := e.srv.CreateAccount(ctx, me, "Alice"); err != nil {
		t.Fatal(err)
	}
	bob, err := e.srv.CreateAccount(ctx, them, "Bob")
	if err != nil {
		t.Fatal(err)
	}
	off := false
	h := newFakeHost(nil)
	en, err := e.factory.New(ctx, sessions.Spec{Name: "nostore", Engine: engines.NOWEB, Config: engines.SessionConfig{
		NOWEB: &engines.NOWEBConfig{Store: &engines.NOWEBStoreConfig{Enabled: &off}},
	}}, h)
	if err != nil {
		t.Fatal(err)
	}
	eng := en.(*Engine)
	t.Cleanup(func() { _ = eng.Stop(context.Background()) })
	pairByQR(t, ctx, e, eng, h, me)
	var sd *chatstore.DisabledError
	if _, err := eng.ListChats(ctx, engines.ChatQuery{}); !errors.As(err, &sd) {
		t.Fatalf("ListChats: %v, want StoreDisabledError", err)
	}
	c, _ := engines.ParseChatID(them)
	if _, err := eng.ListMessages(ctx, engines.MessageQuery{Chat: c}); !errors.As(err, &sd) {
		t.Fatalf("ListMessages: %v, want StoreDisabledError", err)
	}
	if _, err := eng.SendText(ctx, engines.SendText{Chat: c, Text: "no store"}); err != nil {
		t.Fatalf("SendText: %v", err)
	}
	if _, err := bob.WaitFor(ctx, func(ev simnet.Event) bool { return ev.Text == "no store" }); err != nil {
		t.Fatal(err)
	}
	// Events still flow.
	if _, err := bob.SendText(ctx, me, "hello"); err != nil {
		t.Fatal(err)
	}
	h.waitEmitted(t, ctx, "message", func(p any) bool { m, ok := p.(engines.Message); return ok && m.Body == "hello" })
}

// TestMediaDownload: a contact's image is stored with its media locator;
// downloadMedia=true downloads it once into the media directory and links it.
func TestMediaDownload(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx := testCtx(t)
	const me, them = "491510000061", "491510000062"
	if _, err := e.srv.CreateAccount(ctx, me, "Alice"); err != nil {
		t.Fatal(err)
	}
	bob, err := e.srv.CreateAccount(ctx, them, "Bob")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f, err := NewFactory(ctx, Options{
		DB: e.db.SQL(), Dialect: string(e.db.Dialect()), Log: e.log, StoreEnabled: true, Chats: e.db.ChatStore(),
		MediaDir: dir, BaseURL: "http://gw.example", ConfigureClient: simnetClient(e.srv.Addr()),
	})
	if err != nil {
		t.Fatal(err)
	}
	eng, h := newEngine(t, f.(*Factory), "media")
	pairByQR(t, ctx, e, eng, h, me)
	png := []byte("\x89PNG\r\n\x1a\nnot really an image")
	id, err := bob.SendMedia(ctx, me, simnet.Media{Data: png, Mimetype: "image/png", Caption: "a picture"})
	if err != nil {
		t.Fatal(err)
	}
	waitMessages(t, ctx, eng, them+"@c.us", hasBody("a picture"))
	c, _ := engines.ParseChatID(them)
	for range 2 { // the second call finds the file already there
		m, err := eng.GetMessage(ctx, c, engines.MessageID{ID: string(id), Bare: true}, true)
		if err != nil {
			t.Fatal(err)
		}
		want := "http://gw.example/api/files/media/" + string(id) + ".png"
		if !m.HasMedia || m.Media == nil || m.Media.URL == nil || *m.Media.URL != want || *m.Media.Mimetype != "image/png" {
			t.Fatalf("media: %+v, want url %s", m.Media, want)
		}
	}
	got, err := os.ReadFile(MediaPath(dir, "media", string(id)+".png"))
	if err != nil || string(got) != string(png) {
		t.Fatalf("file: %q, %v", got, err)
	}
}

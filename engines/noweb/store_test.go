package noweb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/engines/noweb/simnet"
	"github.com/wagate/wagate/internal/wait"
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
	var msgs []engines.Message
	wait.Context(t, ctx, func() error {
		var err error
		if msgs, err = eng.ListMessages(ctx, engines.MessageQuery{Chat: c, Limit: 50}); err != nil && ctx.Err() == nil {
			t.Fatalf("ListMessages: %v", err)
		}
		if !ok(msgs) {
			return fmt.Errorf("messages of %s never as expected: %+v", chat, msgs)
		}
		return nil
	})
	return msgs
}

func waitChat(t *testing.T, ctx context.Context, eng *Engine, id string, ok func(engines.Chat) bool) {
	t.Helper()
	wait.Context(t, ctx, func() error {
		chats, err := eng.ListChats(ctx, engines.ChatQuery{})
		if err != nil && ctx.Err() == nil {
			t.Fatalf("ListChats: %v", err)
		}
		for _, c := range chats {
			if c.ID == id && ok(c) {
				return nil
			}
		}
		return fmt.Errorf("chat %s never as expected: %+v", id, chats)
	})
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
	files := testFiles(t, "http://gw.example")
	f, err := NewFactory(ctx, Options{
		DB: e.db.SQL(), Devices: e.db.NOWEBDevices(), Dialect: string(e.db.Dialect()), Log: e.log, StoreEnabled: true, Chats: e.db.ChatStore(),
		Media: files, ConfigureClient: simnetClient(e.srv.Addr()),
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
	got, err := os.ReadFile(files.Path("media", string(id)+".png"))
	if err != nil || string(got) != string(png) {
		t.Fatalf("file: %q, %v", got, err)
	}
}

// refusingChats is a chat store whose message write fails once, for the message
// with the chosen id.
type refusingChats struct {
	chatstore.Store
	refuse  atomic.Value // message id
	refused atomic.Int32
}

func (c *refusingChats) SaveMessages(ctx context.Context, session string, msgs []chatstore.Message, live bool) (int, error) {
	for _, m := range msgs {
		if id, _ := c.refuse.Load().(string); id != "" && m.ID == id && c.refuse.CompareAndSwap(id, "") {
			c.refused.Add(1)
			return 0, errors.New("disk full")
		}
	}
	return c.Store.SaveMessages(ctx, session, msgs, live)
}

// TestFailedWriteIsDeliveredAgain: a message whose store write fails is not
// acked, so WhatsApp (simnet) delivers it again at the next login; the engine,
// which decrypted it once already, takes it from whatsmeow's buffer, stores it
// once and emits its events once.
func TestFailedWriteIsDeliveredAgain(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		ctx := testCtx(t)
		const me, them = "491510000065", "491510000066"
		if _, err := e.srv.CreateAccount(ctx, me, "Alice"); err != nil {
			t.Fatal(err)
		}
		bob, err := e.srv.CreateAccount(ctx, them, "Bob")
		if err != nil {
			t.Fatal(err)
		}
		chats := &refusingChats{Store: e.db.ChatStore()}
		f, err := NewFactory(t.Context(), Options{DB: e.db.SQL(), Devices: e.db.NOWEBDevices(), Dialect: string(e.db.Dialect()), Log: e.log,
			StoreEnabled: true, Chats: chats, ConfigureClient: simnetClient(e.srv.Addr())})
		if err != nil {
			t.Fatal(err)
		}
		eng, h := newEngine(t, f.(*Factory), "default")
		pairByQR(t, ctx, e, eng, h, me)
		cli, err := eng.client()
		if err != nil {
			t.Fatal(err)
		}
		dev := cli.Store.ID.Device
		chat := them + "@c.us"

		id := bob.Client().GenerateMessageID()
		chats.refuse.Store(string(id))
		if _, err := bob.Client().SendMessage(ctx, types.NewJID(me, types.DefaultUserServer),
			&waE2E.Message{Conversation: proto.String("stored at the second try")}, whatsmeow.SendRequestExtra{ID: id}); err != nil {
			t.Fatal(err)
		}
		wait.Context(t, ctx, func() error {
			if chats.refused.Load() == 0 {
				return errors.New("the message never reached the store")
			}
			return nil
		})
		// Not acked: simnet still holds it for the session's device.
		kept, err := e.srv.Kept(me, dev)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(kept, func(k simnet.KeptNode) bool { return k.Tag == "message" && k.ID == string(id) }) {
			t.Fatalf("refused message not kept by the server: %+v", kept)
		}
		if _, err := eng.GetMessage(ctx, engines.ChatID{}, engines.MessageID{ID: string(id), Bare: true}, false); !errors.Is(err, engines.ErrNotFound) {
			t.Fatalf("refused message is stored: %v", err)
		}

		// The next login gets it again.
		if err := e.srv.DropConnection(me, dev); err != nil {
			t.Fatal(err)
		}
		full := "false_" + chat + "_" + string(id)
		isIt := func(p any) bool { m, ok := p.(engines.Message); return ok && m.ID == full }
		h.waitEmitted(t, ctx, "message", isIt)
		msgs := waitMessages(t, ctx, eng, chat, hasBody("stored at the second try"))
		wait.Context(t, ctx, func() error {
			kept, err := e.srv.Kept(me, dev)
			if err != nil {
				t.Fatal(err)
			}
			if slices.ContainsFunc(kept, func(k simnet.KeptNode) bool { return k.ID == string(id) }) {
				return fmt.Errorf("the message delivered again was never acked: %+v", kept)
			}
			return nil
		})
		stored := 0
		for _, m := range msgs {
			if m.ID == full {
				stored++
			}
		}
		h.mu.Lock()
		emitted := map[string]int{}
		for _, ev := range h.emitted {
			if isIt(ev.payload) {
				emitted[ev.name]++
			}
		}
		h.mu.Unlock()
		if stored != 1 || emitted["message"] != 1 || emitted["message.any"] != 1 {
			t.Fatalf("stored %d times, events %v; want each once", stored, emitted)
		}
	})
}

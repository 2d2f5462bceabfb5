package webjs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wagate/wagate/engines/webjs/fakeweb"
)

// The shared account of TestDriver: chat i is 1555<i+1>@c.us, or a group
// 120363<400000000000+i>@g.us every 10th; 30 messages each, 20 loaded.
var driverAccount = fakeweb.Account{Chats: 60, MessagesPerChat: 30, GroupEvery: 10, PictureEvery: 3}

func chatN(i int) string { return fmt.Sprintf("1555%07d@c.us", i+1) }
func groupN(i int) string {
	return fmt.Sprintf("120363%d@g.us", 400000000000+i)
}

func isType(t EventType) func(Event) bool { return func(e Event) bool { return e.Type == t } }

func logMemory(tb testing.TB, d *Driver, when string) {
	m, err := d.Memory()
	if err != nil {
		tb.Fatalf("memory: %v", err)
	}
	if m.PSS <= 0 || m.RSS < m.PSS || m.PeakRSS < m.RSS || m.Processes < 1 {
		tb.Fatalf("implausible memory figures: %+v", m)
	}
	mib := func(n int64) float64 { return float64(n) / (1 << 20) }
	tb.Logf("memory %s: PSS %.1f MiB, RSS %.1f MiB, peak RSS %.1f MiB, %d processes", when, mib(m.PSS), mib(m.RSS), mib(m.PeakRSS), m.Processes)
}

// driverSession is the logged-in browser TestDriver's subtests share: started by
// the first subtest that needs it, closed when TestDriver ends. Each subtest takes
// it through use, which syncs the account afresh, so no subtest depends on what
// another did or on the order they run in: any one of them passes alone.
type driverSession struct {
	parent *testing.T
	once   sync.Once
	h      *harness
}

// parentCleanup is a subtest's T whose cleanups are the parent's: what the first
// subtest starts for all of them outlives it, while its failures are its own.
type parentCleanup struct {
	*testing.T
	parent *testing.T
}

func (p parentCleanup) Cleanup(f func()) { p.parent.Cleanup(f) }

// use returns the shared session's driver, events and fake, logged in and with
// the account just synced from the phone (every chat and message as generated).
func (s *driverSession) use(t *testing.T) (*Driver, *eventLog, *fakeweb.Server) {
	t.Helper()
	s.once.Do(func() {
		tb := parentCleanup{t, s.parent}
		fw := startFake(tb, fakeweb.Options{}, driverAccount)
		h := launch(tb, fw, s.parent.TempDir(), Config{CallTimeout: 3 * time.Second})
		h.pairByQR(tb)
		logMemory(t, h.d, "idle after login")
		s.parent.Cleanup(func() { logMemory(s.parent, h.d, "after the operations") })
		s.h = h
	})
	if s.h == nil {
		t.Fatal("the shared session did not start (see the first subtest)")
	}
	ctx := ctxT(t, 15*time.Second)
	if _, err := s.h.d.WaitStatus(ctx, StatusWorking); err != nil {
		t.Fatalf("shared session not WORKING: %v", err)
	}
	if n, err := s.h.fw.Sync(ctx); err != nil || n != driverAccount.Chats {
		t.Fatalf("sync the account: %d chats, %v", n, err)
	}
	return s.h.d, s.h.ev, s.h.fw
}

// sendText sends text to chat and waits for WA Web to take it.
func sendText(t *testing.T, d *Driver, ev *eventLog, chat, text string) Message {
	t.Helper()
	mark := ev.mark()
	m, err := d.SendText(ctxT(t, 10*time.Second), SendTextRequest{ChatID: chat, Text: text})
	if err != nil {
		t.Fatalf("send %q to %s: %v", text, chat, err)
	}
	ev.wait(t, mark, 5*time.Second, "message_create", func(e Event) bool { return e.Type == EventMessageCreate && e.Message.ID == m.ID })
	return m
}

// receive delivers body from chat's contact and waits for its message event.
func receive(t *testing.T, ev *eventLog, fw *fakeweb.Server, chat, body string) string {
	t.Helper()
	mark := ev.mark()
	id, err := fw.ReceiveMessage(ctxT(t, 10*time.Second), fakeweb.IncomingMessage{ChatID: chat, Body: body})
	if err != nil {
		t.Fatalf("receive %q in %s: %v", body, chat, err)
	}
	ev.wait(t, mark, 5*time.Second, "message", func(e Event) bool { return e.Type == EventMessage && e.Message.ID == id })
	return id
}

// TestDriver runs the driver's operations against one logged-in browser; each
// subtest stands alone (see driverSession). QR and Logout, which need a browser
// not logged in or end its login, have their own.
func TestDriver(t *testing.T) {
	s := &driverSession{parent: t}

	t.Run("QR", func(t *testing.T) {
		fw := startFake(t, fakeweb.Options{}, driverAccount)
		h := launch(t, fw, t.TempDir(), Config{CallTimeout: 3 * time.Second})
		d, ev := h.d, h.ev
		ctx := ctxT(t, 15*time.Second)
		first := ev.wait(t, 0, 10*time.Second, "qr", isType(EventQR))
		parts := strings.Split(first.QR, ",")
		if len(parts) != 5 || !strings.HasPrefix(parts[0], "2@") || parts[4] == "" {
			t.Fatalf("QR %q: want ref,noise,identity,adv,platform", first.QR)
		}
		st, err := fw.State(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if parts[0] != st.Ref || st.SocketState != "UNPAIRED" {
			t.Fatalf("QR ref %q, page ref %q state %s", parts[0], st.Ref, st.SocketState)
		}
		qr, err := d.QR(ctx)
		if err != nil || qr != first.QR {
			t.Fatalf("QR() = %q, %v; want %q", qr, err, first.QR)
		}
		// The ref rotates: a new QR event, and the old QR no longer scans.
		mark := ev.mark()
		ref, err := fw.RotateQR(ctx)
		if err != nil {
			t.Fatal(err)
		}
		next := ev.wait(t, mark, 5*time.Second, "rotated qr", isType(EventQR))
		if !strings.HasPrefix(next.QR, ref+",") || next.QR == first.QR {
			t.Fatalf("rotated QR %q, want ref %q", next.QR, ref)
		}
		var he *fakeweb.HookError
		if err := fw.ScanQR(ctx, first.QR); !errors.As(err, &he) {
			t.Fatalf("scanning a stale QR: %v, want a refusal", err)
		}
		if _, err := d.ListChats(ctx, ListChatsOptions{}); !errors.Is(err, ErrNotReady) {
			t.Fatalf("ListChats before login: %v, want ErrNotReady", err)
		}
		if err := fw.ScanQR(ctx, next.QR); err != nil {
			t.Fatal(err)
		}
		if _, err := d.WaitStatus(ctx, StatusWorking); err != nil {
			t.Fatal(err)
		}
		for _, want := range []EventType{EventAuthenticated, EventReady} {
			ev.wait(t, mark, time.Second, string(want), isType(want))
		}
		ev.wait(t, mark, time.Second, "sync progress 100", func(e Event) bool {
			return e.Type == EventLoading && e.Percent != nil && *e.Percent == 100
		})
	})

	t.Run("Me", func(t *testing.T) {
		d, _, _ := s.use(t)
		me, err := d.Me(ctxT(t, 5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if me.ID != "15551234567@c.us" || me.PushName != "Wagate Test" || !strings.HasSuffix(me.LID, "@lid") {
			t.Fatalf("me = %+v", me)
		}
		if st := d.Status(); st.Status != StatusWorking || st.Me == nil || st.Me.ID != me.ID {
			t.Fatalf("status = %+v", st)
		}
	})

	t.Run("ListChats", func(t *testing.T) {
		d, _, _ := s.use(t)
		ctx := ctxT(t, 10*time.Second)
		all, err := d.ListChats(ctx, ListChatsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != driverAccount.Chats {
			t.Fatalf("got %d chats, want %d", len(all), driverAccount.Chats)
		}
		// WA's own order: the two pinned chats, then by last activity.
		if !all[0].Pinned || !all[1].Pinned || all[2].Pinned || all[0].ID != chatN(0) {
			t.Fatalf("order: %s %v, %s %v, %s %v", all[0].ID, all[0].Pinned, all[1].ID, all[1].Pinned, all[2].ID, all[2].Pinned)
		}
		for i := 3; i < len(all); i++ {
			if all[i].ConversationTimestamp > all[i-1].ConversationTimestamp {
				t.Fatalf("chat %d newer than chat %d", i, i-1)
			}
		}
		byID := map[string]Chat{}
		for _, c := range all {
			byID[c.ID] = c
		}
		g := byID[groupN(9)]
		if !g.IsGroup || g.Name == nil || *g.Name != "Group 10" {
			t.Fatalf("group chat = %+v", g)
		}
		if c := byID[groupN(49)]; !c.Archived {
			t.Fatalf("chat 49 should be archived: %+v", c)
		}
		if c := byID[chatN(3)]; c.UnreadCount != 2 {
			t.Fatalf("chat 3 unread = %d, want 2", c.UnreadCount)
		}
		if c := byID[chatN(5)]; !c.IsMuted || c.MuteExpiration != -1 {
			t.Fatalf("chat 5 should be muted forever: %+v", c)
		}
		if c := byID[chatN(2)]; c.Name == nil || *c.Name != "+"+strings.TrimSuffix(chatN(2), "@c.us") {
			t.Fatalf("chat 2 without a contact name: %+v", c)
		}
		if !bytes.Contains(all[0].Raw, []byte(`"formattedTitle"`)) {
			t.Fatalf("raw _chat lacks formattedTitle: %s", all[0].Raw)
		}

		page, err := d.ListChats(ctx, ListChatsOptions{Limit: 7, Offset: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != 7 || page[0].ID != all[5].ID || page[6].ID != all[11].ID {
			t.Fatalf("page 5..12 wrong: %d items, first %s", len(page), page[0].ID)
		}
		for _, tc := range []struct {
			by    SortBy
			order string
			key   func(Chat) string
		}{
			{SortByID, "asc", func(c Chat) string { return c.ID }},
			{SortByName, "asc", func(c Chat) string { return strings.ToLower(*c.Name) }},
			{SortByTimestamp, "desc", func(c Chat) string { return fmt.Sprintf("%020d", c.ConversationTimestamp) }},
		} {
			got, err := d.ListChats(ctx, ListChatsOptions{SortBy: tc.by, SortOrder: tc.order})
			if err != nil {
				t.Fatal(err)
			}
			keys := make([]string, len(got))
			for i, c := range got {
				keys[i] = tc.key(c)
			}
			want := slices.Clone(keys)
			slices.Sort(want)
			if tc.order == "desc" {
				slices.Reverse(want)
			}
			if !slices.Equal(keys, want) || len(keys) != len(all) {
				t.Fatalf("sortBy %s %s not sorted", tc.by, tc.order)
			}
		}
		if _, err := d.ListChats(ctx, ListChatsOptions{SortBy: "bogus"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bogus sortBy: %v", err)
		}
	})

	t.Run("Overview", func(t *testing.T) {
		d, _, _ := s.use(t)
		ctx := ctxT(t, 10*time.Second)
		ov, err := d.ChatsOverview(ctx, OverviewOptions{Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		if len(ov) != 4 || ov[0].ID != chatN(0) || ov[1].ID != chatN(1) {
			t.Fatalf("overview: %+v", ov)
		}
		if ov[0].Picture == nil || ov[1].Picture != nil || ov[0].LastMessage == nil || ov[0].Name == nil {
			t.Fatalf("overview[0] = %+v, overview[1] = %+v", ov[0], ov[1])
		}
		if lm := ov[0].LastMessage; !strings.Contains(lm.Body, "Message 30 in chat 1") || !lm.FromMe {
			t.Fatalf("last message = %+v", lm)
		}
		// A bare phone number is accepted as a chat id.
		ov, err = d.ChatsOverview(ctx, OverviewOptions{IDs: []string{strings.TrimSuffix(chatN(20), "@c.us"), groupN(19)}})
		if err != nil {
			t.Fatal(err)
		}
		if len(ov) != 2 || ov[0].ID != groupN(19) || ov[1].ID != chatN(20) {
			t.Fatalf("overview by ids: %+v", ov)
		}
	})

	t.Run("ChatPicture", func(t *testing.T) {
		d, _, _ := s.use(t)
		ctx := ctxT(t, 10*time.Second)
		url, err := d.ChatPicture(ctx, chatN(3))
		if err != nil || url == "" {
			t.Fatalf("picture of chat 3: %q, %v", url, err)
		}
		resp, err := http.Get(url)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("fetching %s: %v", url, err)
		}
		resp.Body.Close()
		if url, err := d.ChatPicture(ctx, chatN(4)); err != nil || url != "" {
			t.Fatalf("chat 4 has no picture, got %q, %v", url, err)
		}
	})

	t.Run("ListMessages", func(t *testing.T) {
		d, _, fw := s.use(t)
		ctx := ctxT(t, 10*time.Second)
		chat := chatN(2)
		msgs, err := d.ListMessages(ctx, chat, ListMessagesOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 10 || msgs[0].Body != "Message 30 in chat 3" || msgs[9].Body != "Message 21 in chat 3" {
			t.Fatalf("default page: %d, first %q", len(msgs), msgs[0].Body)
		}
		m := msgs[0]
		if !m.FromMe || !strings.HasPrefix(m.ID, "true_"+chat+"_3EB0") || m.Ack == nil || *m.Ack != 2 || m.AckName != "DEVICE" ||
			m.From == nil || *m.From != "15551234567@c.us" || m.To == nil || *m.To != chat || m.Participant != nil || len(m.Raw) == 0 {
			t.Fatalf("newest message = %+v", m)
		}
		in := msgs[1]
		if in.FromMe || !strings.HasPrefix(in.ID, "false_"+chat+"_") || *in.From != chat || *in.Ack != 1 {
			t.Fatalf("incoming message = %+v", in)
		}
		// Beyond the 20 loaded messages, older pages come from loadEarlierMsgs.
		before, _ := fw.Chat(ctx, chat)
		msgs, err = d.ListMessages(ctx, chat, ListMessagesOptions{Limit: 10, Offset: 20})
		if err != nil {
			t.Fatal(err)
		}
		after, _ := fw.Chat(ctx, chat)
		if len(msgs) != 10 || msgs[9].Body != "Message 1 in chat 3" || before.History != 10 || after.History != 0 {
			t.Fatalf("older page: %d msgs, last %q; history %d -> %d", len(msgs), msgs[len(msgs)-1].Body, before.History, after.History)
		}
		all, err := d.ListMessages(ctx, chat, ListMessagesOptions{Limit: 100})
		if err != nil || len(all) != 30 {
			t.Fatalf("all: %d, %v", len(all), err)
		}
		yes := true
		mine, err := d.ListMessages(ctx, chat, ListMessagesOptions{Limit: 100, FromMe: &yes})
		if err != nil || len(mine) != 15 {
			t.Fatalf("fromMe: %d, %v", len(mine), err)
		}
		for _, m := range mine {
			if !m.FromMe {
				t.Fatalf("fromMe filter let through %s", m.ID)
			}
		}
		read := 3
		acked, err := d.ListMessages(ctx, chat, ListMessagesOptions{Limit: 100, Ack: &read})
		if err != nil || len(acked) != 14 {
			t.Fatalf("ack READ: %d, %v", len(acked), err)
		}
		gte, lte := all[12].Timestamp, all[5].Timestamp
		window, err := d.ListMessages(ctx, chat, ListMessagesOptions{Limit: 100, TimestampGTE: &gte, TimestampLTE: &lte})
		if err != nil || len(window) != 8 || window[0].ID != all[5].ID || window[7].ID != all[12].ID {
			t.Fatalf("time window: %d, %v", len(window), err)
		}
		asc, err := d.ListMessages(ctx, chat, ListMessagesOptions{Limit: 3, SortOrder: "asc"})
		if err != nil || len(asc) != 3 || asc[0].Body != "Message 1 in chat 3" {
			t.Fatalf("asc: %+v, %v", asc, err)
		}
		// Groups: participant and author are the sender, ids carry it.
		gm, err := d.ListMessages(ctx, groupN(9), ListMessagesOptions{Limit: 2})
		if err != nil || len(gm) != 2 {
			t.Fatal(err)
		}
		for _, m := range gm {
			if m.Participant == nil || !strings.HasSuffix(m.ID, "_"+*m.Participant) || strings.Count(m.ID, "_") != 3 {
				t.Fatalf("group message = %+v", m)
			}
		}
		if _, err := d.ListMessages(ctx, "999@c.us", ListMessagesOptions{}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown chat: %v", err)
		}
		// Across chats: the newest loaded messages of every chat.
		every, err := d.ListAllMessages(ctx, ListMessagesOptions{Limit: 5})
		if err != nil || len(every) != 5 {
			t.Fatalf("all chats: %d, %v", len(every), err)
		}
		chats := map[string]bool{}
		for i, m := range every {
			p, _ := ParseMessageID(m.ID)
			chats[p.ChatID] = true
			if i > 0 && m.Timestamp > every[i-1].Timestamp {
				t.Fatal("all-chats list not newest first")
			}
		}
		if len(chats) < 2 {
			t.Fatalf("all-chats list from %d chat(s)", len(chats))
		}
	})

	t.Run("GetMessage", func(t *testing.T) {
		d, _, _ := s.use(t)
		ctx := ctxT(t, 10*time.Second)
		msgs, err := d.ListMessages(ctx, chatN(2), ListMessagesOptions{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		m, err := d.GetMessage(ctx, msgs[1].ID)
		if err != nil || m.ID != msgs[1].ID || m.Body != msgs[1].Body {
			t.Fatalf("GetMessage = %+v, %v", m, err)
		}
		if _, err := d.GetMessage(ctx, "true_"+chatN(2)+"_3EB0FFFFFFFFFFFFFFFFFF"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("missing message: %v", err)
		}
		if _, err := d.GetMessage(ctx, "nope"); !errors.Is(err, ErrInvalid) {
			t.Fatalf("malformed id: %v", err)
		}
	})

	t.Run("SendText", func(t *testing.T) {
		d, ev, fw := s.use(t)
		ctx := ctxT(t, 10*time.Second)
		mark := ev.mark()
		sent, err := d.SendText(ctx, SendTextRequest{ChatID: chatN(4), Text: "hello from wagate"})
		if err != nil {
			t.Fatal(err)
		}
		if !sent.FromMe || sent.Body != "hello from wagate" || !strings.HasPrefix(sent.ID, "true_"+chatN(4)+"_3EB0") || sent.Type != "chat" {
			t.Fatalf("sent = %+v", sent)
		}
		created := ev.wait(t, mark, 5*time.Second, "message_create", func(e Event) bool {
			return e.Type == EventMessageCreate && e.Message.ID == sent.ID
		})
		if created.Message.Source != "api" {
			t.Fatalf("source = %q, want api", created.Message.Source)
		}
		for _, want := range []int{1, 2} {
			ev.wait(t, mark, 5*time.Second, fmt.Sprintf("ack %d", want), func(e Event) bool {
				return e.Type == EventAck && e.Ack.ID == sent.ID && e.Ack.Ack == want && e.Ack.FromMe
			})
		}
		// The other side reads it.
		if err := fw.Receipt(ctx, sent.ID, 3); err != nil {
			t.Fatal(err)
		}
		ev.wait(t, mark, 5*time.Second, "ack READ", func(e Event) bool {
			return e.Type == EventAck && e.Ack.ID == sent.ID && e.Ack.AckName == "READ"
		})
		for _, e := range ev.since(mark) {
			if e.Type == EventMessage && e.Message.ID == sent.ID {
				t.Fatal("own message reported as incoming `message`")
			}
		}
		// A new chat by bare phone number.
		fresh, err := d.SendText(ctx, SendTextRequest{ChatID: "+15559990001", Text: "hi new"})
		if err != nil || !strings.HasPrefix(fresh.ID, "true_15559990001@c.us_") {
			t.Fatalf("send to new chat: %+v, %v", fresh, err)
		}
		if ok, _ := fw.ChatExists(ctx, "15559990001@c.us"); !ok {
			t.Fatal("new chat not created")
		}
		// A hidden-number (LID) chat is written from our LID.
		me, err := d.Me(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ls, err := d.SendText(ctx, SendTextRequest{ChatID: "123456789012345@lid", Text: "hi lid"})
		if err != nil || !strings.HasPrefix(ls.ID, "true_123456789012345@lid_3EB0") || ls.From == nil || *ls.From != me.LID {
			t.Fatalf("send to a LID chat: %+v, %v", ls, err)
		}
		// Groups: our own participant is in the id.
		gs, err := d.SendText(ctx, SendTextRequest{ChatID: groupN(19), Text: "hi group"})
		if err != nil || !strings.HasSuffix(gs.ID, "_15551234567@c.us") || gs.Participant == nil {
			t.Fatalf("group send: %+v, %v", gs, err)
		}
	})

	t.Run("SentFromPhone", func(t *testing.T) {
		_, ev, fw := s.use(t)
		ctx := ctxT(t, 10*time.Second)
		mark := ev.mark()
		id, err := fw.PhoneSend(ctx, chatN(10), "typed on the phone")
		if err != nil {
			t.Fatal(err)
		}
		e := ev.wait(t, mark, 5*time.Second, "message_create from phone", func(e Event) bool {
			return e.Type == EventMessageCreate && e.Message.ID == id
		})
		if !e.Message.FromMe || e.Message.Source != "app" || e.Message.Body != "typed on the phone" {
			t.Fatalf("phone message = %+v", e.Message)
		}
	})

	t.Run("IncomingAndReply", func(t *testing.T) {
		d, ev, fw := s.use(t)
		ctx := ctxT(t, 10*time.Second)
		mark := ev.mark()
		incoming, err := fw.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: chatN(5), Body: "ping", NotifyName: "Five"})
		if err != nil {
			t.Fatal(err)
		}
		got := ev.wait(t, mark, 5*time.Second, "message", isType(EventMessage))
		if got.Message.ID != incoming || got.Message.Body != "ping" || got.Message.FromMe || got.Message.Source != "" {
			t.Fatalf("message event = %+v", got.Message)
		}
		ev.wait(t, mark, time.Second, "message_create", func(e Event) bool { return e.Type == EventMessageCreate && e.Message.ID == incoming })

		reply, err := d.SendText(ctx, SendTextRequest{ChatID: chatN(5), Text: "pong", ReplyTo: incoming})
		if err != nil {
			t.Fatal(err)
		}
		parsed, _ := ParseMessageID(incoming)
		if reply.ReplyTo == nil || reply.ReplyTo.ID != parsed.ID || reply.ReplyTo.Body != "ping" {
			t.Fatalf("replyTo = %+v", reply.ReplyTo)
		}
		// A group message from a member.
		gid, err := fw.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: groupN(9), Author: "16660000009@c.us", Body: "from a member"})
		if err != nil {
			t.Fatal(err)
		}
		g := ev.wait(t, mark, 5*time.Second, "group message", func(e Event) bool { return e.Type == EventMessage && e.Message.ID == gid })
		if g.Message.Participant == nil || *g.Message.Participant != "16660000009@c.us" || *g.Message.From != groupN(9) || !strings.HasSuffix(gid, "_16660000009@c.us") {
			t.Fatalf("group message = %+v", g.Message)
		}
	})

	t.Run("Edit", func(t *testing.T) {
		d, ev, fw := s.use(t)
		ctx := ctxT(t, 10*time.Second)
		sent := sendText(t, d, ev, chatN(4), "hello from wagate")
		incoming := receive(t, ev, fw, chatN(5), "ping")
		mark := ev.mark()
		edited, err := d.EditMessage(ctx, sent.ID, "hello, edited")
		if err != nil {
			t.Fatal(err)
		}
		if edited.Body != "hello, edited" || !edited.Edited || edited.ID != sent.ID {
			t.Fatalf("edited = %+v", edited)
		}
		e := ev.wait(t, mark, 5*time.Second, "edit", isType(EventEdit))
		if e.Edit.NewBody != "hello, edited" || e.Edit.PrevBody != "hello from wagate" || e.Edit.Message.ID != sent.ID {
			t.Fatalf("edit event = %+v", e.Edit)
		}
		if st, _ := fw.Message(ctx, sent.ID); st == nil || st.Body != "hello, edited" {
			t.Fatalf("phone side = %+v", st)
		}
		if _, err := d.EditMessage(ctx, incoming, "not mine"); !errors.Is(err, ErrNotAllowed) {
			t.Fatalf("editing an incoming message: %v", err)
		}
		// The 9th newest own message of chat 4 is 22 minutes old: past the 15-minute window.
		yes := true
		old, _ := d.ListMessages(ctx, chatN(4), ListMessagesOptions{Limit: 1, Offset: 8, FromMe: &yes})
		if _, err := d.EditMessage(ctx, old[0].ID, "too late"); !errors.Is(err, ErrNotAllowed) {
			t.Fatalf("editing an old message (%s): %v", old[0].ID, err)
		}
		// The other side edits theirs.
		mark = ev.mark()
		if err := fw.RemoteEdit(ctx, incoming, "ping (edited)"); err != nil {
			t.Fatal(err)
		}
		e = ev.wait(t, mark, 5*time.Second, "remote edit", isType(EventEdit))
		if e.Edit.Message.ID != incoming || e.Edit.NewBody != "ping (edited)" || e.Edit.PrevBody != "ping" {
			t.Fatalf("remote edit event = %+v", e.Edit)
		}
	})

	t.Run("Pin", func(t *testing.T) {
		d, ev, fw := s.use(t)
		ctx := ctxT(t, 10*time.Second)
		sent := sendText(t, d, ev, chatN(4), "hello from wagate")
		if err := d.PinMessage(ctx, sent.ID, 24*time.Hour); err != nil {
			t.Fatal(err)
		}
		pins, err := fw.Pins(ctx, chatN(4))
		if err != nil || len(pins) != 1 || pins[0].MsgID != sent.ID || pins[0].Duration != 86400 || pins[0].PinType != 1 {
			t.Fatalf("pins after pin = %+v, %v", pins, err)
		}
		if err := d.UnpinMessage(ctx, sent.ID); err != nil {
			t.Fatal(err)
		}
		if pins, _ := fw.Pins(ctx, chatN(4)); len(pins) != 0 {
			t.Fatalf("pins after unpin = %+v", pins)
		}
		if err := d.PinMessage(ctx, sent.ID, 0); !errors.Is(err, ErrInvalid) {
			t.Fatalf("zero duration: %v", err)
		}
	})

	t.Run("Revoke", func(t *testing.T) {
		d, ev, fw := s.use(t)
		ctx := ctxT(t, 10*time.Second)
		// Both messages were edited: the revoke reports what they said last.
		sent := sendText(t, d, ev, chatN(4), "hello from wagate")
		if _, err := d.EditMessage(ctx, sent.ID, "hello, edited"); err != nil {
			t.Fatal(err)
		}
		incoming := receive(t, ev, fw, chatN(5), "ping")
		mark := ev.mark()
		if err := fw.RemoteEdit(ctx, incoming, "ping (edited)"); err != nil {
			t.Fatal(err)
		}
		ev.wait(t, mark, 5*time.Second, "remote edit", isType(EventEdit))
		mark = ev.mark()
		r, err := d.RevokeMessage(ctx, sent.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Type != "revoked" || r.Body != "" {
			t.Fatalf("revoked = %+v", r)
		}
		e := ev.wait(t, mark, 5*time.Second, "revoke", isType(EventRevoke))
		if e.Revoke.After.ID != sent.ID || e.Revoke.Before == nil || e.Revoke.Before.Body != "hello, edited" || !strings.HasSuffix(sent.ID, e.Revoke.RevokedMessageID) {
			t.Fatalf("revoke event = %+v", e.Revoke)
		}
		for _, x := range ev.since(mark) {
			if x.Type == EventEdit {
				t.Fatal("a revoke was also reported as an edit")
			}
		}
		if _, err := d.RevokeMessage(ctx, incoming); !errors.Is(err, ErrNotAllowed) {
			t.Fatalf("revoking someone else's message in a DM: %v", err)
		}
		mark = ev.mark()
		if err := fw.RemoteRevoke(ctx, incoming); err != nil {
			t.Fatal(err)
		}
		e = ev.wait(t, mark, 5*time.Second, "remote revoke", isType(EventRevoke))
		if e.Revoke.After.ID != incoming || e.Revoke.Before == nil || e.Revoke.Before.Body != "ping (edited)" {
			t.Fatalf("remote revoke event: after %+v before %+v", e.Revoke.After, e.Revoke.Before)
		}
		m, err := d.GetMessage(ctx, incoming)
		if err != nil || m.Type != "revoked" || m.Body != "" {
			t.Fatalf("revoked message = %+v, %v", m, err)
		}
		// As a group admin we may delete a member's message for everyone.
		gm, err := d.ListMessages(ctx, groupN(29), ListMessagesOptions{Limit: 1, FromMe: new(false)})
		if err != nil || len(gm) != 1 {
			t.Fatalf("group messages: %v", err)
		}
		if r, err := d.RevokeMessage(ctx, gm[0].ID); err != nil || r.Type != "revoked" {
			t.Fatalf("admin revoke: %+v, %v", r, err)
		}
	})

	t.Run("ArchiveUnarchive", func(t *testing.T) {
		d, ev, fw := s.use(t)
		ctx := ctxT(t, 10*time.Second)
		mark := ev.mark()
		c, err := d.ArchiveChat(ctx, chatN(6))
		if err != nil || !c.Archived {
			t.Fatalf("archive: %+v, %v", c, err)
		}
		e := ev.wait(t, mark, 5*time.Second, "chat_archive", isType(EventChatArchive))
		if e.Archive.ID != chatN(6) || !e.Archive.Archived || e.Archive.Timestamp == 0 {
			t.Fatalf("archive event = %+v", e.Archive)
		}
		if st, _ := fw.Chat(ctx, chatN(6)); !st.Archive {
			t.Fatal("phone side not archived")
		}
		mark = ev.mark()
		if c, err = d.UnarchiveChat(ctx, chatN(6)); err != nil || c.Archived {
			t.Fatalf("unarchive: %+v, %v", c, err)
		}
		if e := ev.wait(t, mark, 5*time.Second, "chat_archive", isType(EventChatArchive)); e.Archive.Archived {
			t.Fatalf("unarchive event = %+v", e.Archive)
		}
		// From the phone.
		mark = ev.mark()
		if err := fw.PhoneArchive(ctx, chatN(7), true); err != nil {
			t.Fatal(err)
		}
		if e := ev.wait(t, mark, 5*time.Second, "phone archive", isType(EventChatArchive)); e.Archive.ID != chatN(7) || !e.Archive.Archived {
			t.Fatalf("phone archive event = %+v", e.Archive)
		}
		ov, err := d.ListChats(ctx, ListChatsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ov {
			if c.ID == chatN(7) && !c.Archived {
				t.Fatal("phone archive not visible in ListChats")
			}
		}
		if _, err := d.ArchiveChat(ctx, "19999999999@c.us"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("archiving an unknown chat: %v", err)
		}
	})

	t.Run("UnreadAndPinFromPhone", func(t *testing.T) {
		d, _, fw := s.use(t)
		ctx := ctxT(t, 10*time.Second)
		c, err := d.MarkChatUnread(ctx, chatN(8))
		if err != nil || c.UnreadCount != -1 {
			t.Fatalf("mark unread: %+v, %v", c, err)
		}
		if st, _ := fw.Chat(ctx, chatN(8)); st.UnreadCount != -1 {
			t.Fatalf("phone side unread = %d", st.UnreadCount)
		}
		if err := fw.PhoneMarkUnread(ctx, chatN(15), true); err != nil {
			t.Fatal(err)
		}
		if err := fw.PhonePinChat(ctx, chatN(16), true); err != nil {
			t.Fatal(err)
		}
		list, err := d.ListChats(ctx, ListChatsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var unread, pinned bool
		for _, c := range list {
			unread = unread || (c.ID == chatN(15) && c.UnreadCount == -1)
			pinned = pinned || (c.ID == chatN(16) && c.Pinned)
		}
		if !unread || !pinned {
			t.Fatalf("phone changes not visible: unread %v pinned %v", unread, pinned)
		}
	})

	t.Run("ReadMessages", func(t *testing.T) {
		d, _, fw := s.use(t)
		ctx := ctxT(t, 10*time.Second)
		chat := chatN(18)
		var ids []string
		for _, body := range []string{"one", "two"} {
			id, err := fw.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: chat, Body: body})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if st, _ := fw.Chat(ctx, chat); st.UnreadCount != 2 {
			t.Fatalf("unread before = %d", st.UnreadCount)
		}
		got, err := d.ReadMessages(ctx, chat, ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []string{ids[1], ids[0]}) {
			t.Fatalf("read ids = %v, want %v", got, []string{ids[1], ids[0]})
		}
		if st, _ := fw.Chat(ctx, chat); st.UnreadCount != 0 {
			t.Fatalf("unread after = %d", st.UnreadCount)
		}
		if got, err := d.ReadMessages(ctx, chat, ReadOptions{}); err != nil || len(got) != 0 {
			t.Fatalf("second read = %v, %v", got, err)
		}
	})

	t.Run("DownloadMedia", func(t *testing.T) {
		d, ev, fw := s.use(t)
		ctx := ctxT(t, 10*time.Second)
		data := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 5000)...)
		mark := ev.mark()
		id, err := fw.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: chatN(14), Body: "a caption",
			Media: &fakeweb.Media{Mimetype: "image/png", Filename: "pic.png", Data: data}})
		if err != nil {
			t.Fatal(err)
		}
		e := ev.wait(t, mark, 5*time.Second, "media message", isType(EventMessage))
		if !e.Message.HasMedia || e.Message.Body != "a caption" || e.Message.Type != "image" || e.Message.Media == nil || e.Message.Media.Mimetype != "image/png" {
			t.Fatalf("media message = %+v", e.Message)
		}
		// The CDN holds only the encrypted blob: ciphertext (padded) + 10-byte MAC.
		var raw struct {
			DirectPath string `json:"directPath"`
			MediaKey   string `json:"mediaKey"`
		}
		if err := json.Unmarshal(e.Message.Raw, &raw); err != nil || raw.DirectPath == "" || raw.MediaKey == "" {
			t.Fatalf("raw media fields: %+v, %v", raw, err)
		}
		resp, err := http.Get(strings.TrimSuffix(fw.URL(), "/") + raw.DirectPath)
		if err != nil {
			t.Fatal(err)
		}
		blob, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if len(blob) != (len(data)/16+1)*16+10 || bytes.Contains(blob, data[:8]) {
			t.Fatalf("CDN blob of %d bytes does not look encrypted", len(blob))
		}
		got, err := d.DownloadMedia(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Data, data) || got.Mimetype != "image/png" || got.Filename != "pic.png" || got.Size != int64(len(data)) {
			t.Fatalf("media = %d bytes %q %q %d", len(got.Data), got.Mimetype, got.Filename, got.Size)
		}
		if _, err := d.DownloadMedia(ctx, receive(t, ev, fw, chatN(5), "ping")); !errors.Is(err, ErrNotFound) {
			t.Fatalf("media of a text message: %v", err)
		}
	})

	t.Run("ClearAndDelete", func(t *testing.T) {
		d, _, fw := s.use(t)
		ctx := ctxT(t, 10*time.Second)
		if err := d.ClearMessages(ctx, chatN(12)); err != nil {
			t.Fatal(err)
		}
		msgs, err := d.ListMessages(ctx, chatN(12), ListMessagesOptions{Limit: 50})
		if err != nil || len(msgs) != 0 {
			t.Fatalf("after clear: %d, %v", len(msgs), err)
		}
		if st, _ := fw.Chat(ctx, chatN(12)); st.Loaded != 0 || st.History != 0 {
			t.Fatalf("phone side after clear = %+v", st)
		}
		if err := d.DeleteChat(ctx, chatN(13)); err != nil {
			t.Fatal(err)
		}
		if ok, _ := fw.ChatExists(ctx, chatN(13)); ok {
			t.Fatal("chat still exists")
		}
		if _, err := d.ListMessages(ctx, chatN(13), ListMessagesOptions{}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted chat: %v", err)
		}
		if err := fw.PhoneDeleteChat(ctx, chatN(23)); err != nil {
			t.Fatal(err)
		}
		list, err := d.ListChats(ctx, ListChatsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range list {
			if c.ID == chatN(13) || c.ID == chatN(23) {
				t.Fatalf("deleted chat %s still listed", c.ID)
			}
		}
	})

	t.Run("Screenshot", func(t *testing.T) {
		d, _, _ := s.use(t)
		png, err := d.Screenshot(ctxT(t, 10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || len(png) < 100 {
			t.Fatalf("not a PNG: %d bytes", len(png))
		}
	})

	t.Run("EvaluateTimeout", func(t *testing.T) {
		d, _, fw := s.use(t)
		ctx := ctxT(t, 10*time.Second)
		if err := fw.Stall(ctx, "WAWebChatClearBridge.sendClear"); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = fw.Unstall(context.Background(), "WAWebChatClearBridge.sendClear") }()
		start := time.Now()
		err := d.ClearMessages(context.Background(), chatN(20))
		took := time.Since(start)
		if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "clearMessages") {
			t.Fatalf("stuck call: %v", err)
		}
		if took < 3*time.Second || took > 6*time.Second {
			t.Fatalf("timed out after %s, want about the 3s call timeout", took)
		}
		// The caller's shorter deadline wins, and the driver still works.
		short, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		if err := d.ClearMessages(short, chatN(21)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("caller deadline: %v", err)
		}
		if _, err := d.Me(ctx); err != nil {
			t.Fatalf("driver unusable after a timeout: %v", err)
		}
	})

	t.Run("ReloadReinjects", func(t *testing.T) {
		d, ev, fw := s.use(t)
		ctx := ctxT(t, 15*time.Second)
		mark := ev.mark()
		if err := fw.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		ev.wait(t, mark, 10*time.Second, "loaded after reload", isType(EventLoaded))
		ev.wait(t, mark, 10*time.Second, "ready after reload", isType(EventReady))
		if _, err := d.WaitStatus(ctx, StatusWorking); err != nil {
			t.Fatal(err)
		}
		mark = ev.mark()
		id, err := fw.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: chatN(22), Body: "after reload"})
		if err != nil {
			t.Fatal(err)
		}
		ev.wait(t, mark, 5*time.Second, "message after reload", func(e Event) bool { return e.Type == EventMessage && e.Message.ID == id })
	})

	t.Run("ConflictAndTakeover", func(t *testing.T) {
		d, ev, fw := s.use(t)
		ctx := ctxT(t, 10*time.Second)
		t.Cleanup(func() { _ = fw.SetSocketState(context.Background(), "CONNECTED") })
		mark := ev.mark()
		if err := fw.SetSocketState(ctx, "CONFLICT"); err != nil {
			t.Fatal(err)
		}
		e := ev.wait(t, mark, 5*time.Second, "disconnected", isType(EventDisconnected))
		if e.Reason != "CONFLICT" {
			t.Fatalf("reason = %q", e.Reason)
		}
		if st, _ := d.WaitStatus(ctx, StatusFailed); st.Status != StatusFailed || st.Reason != "CONFLICT" {
			t.Fatalf("status = %+v", st)
		}
		if err := fw.SetSocketState(ctx, "CONNECTED"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.WaitStatus(ctx, StatusWorking); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		d, _, _ := s.use(t)
		ctx := ctxT(t, 20*time.Second)
		errs := make(chan error, 40)
		for i := range 40 {
			go func() {
				var err error
				switch i % 3 {
				case 0:
					var chats []Chat
					chats, err = d.ListChats(ctx, ListChatsOptions{Limit: 10, Offset: i})
					if err == nil && len(chats) != 10 {
						err = fmt.Errorf("%d chats", len(chats))
					}
				case 1:
					_, err = d.ListMessages(ctx, chatN(30+i%9), ListMessagesOptions{Limit: 5})
				default:
					_, err = d.SendText(ctx, SendTextRequest{ChatID: chatN(40 + i%5), Text: fmt.Sprintf("burst %d", i)})
				}
				errs <- err
			}()
		}
		for range 40 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("Logout", func(t *testing.T) {
		fw := startFake(t, fakeweb.Options{}, driverAccount)
		h := launch(t, fw, t.TempDir(), Config{CallTimeout: 3 * time.Second})
		h.pairByQR(t)
		d, ev := h.d, h.ev
		ctx := ctxT(t, 15*time.Second)
		mark := ev.mark()
		if err := d.Logout(ctx); err != nil {
			t.Fatal(err)
		}
		ev.wait(t, mark, 10*time.Second, "logged_out", isType(EventLoggedOut))
		ev.wait(t, mark, 10*time.Second, "a new qr", isType(EventQR))
		if _, err := d.WaitStatus(ctx, StatusScanQR); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ListChats(ctx, ListChatsOptions{}); !errors.Is(err, ErrNotReady) {
			t.Fatalf("after logout: %v", err)
		}
		// An expired QR (UNPAIRED_IDLE) is refreshed by the script.
		before := d.Status().QR
		mark = ev.mark()
		if err := fw.ExpireQR(ctx); err != nil {
			t.Fatal(err)
		}
		ev.wait(t, mark, 5*time.Second, "UNPAIRED_IDLE", func(e Event) bool { return e.Type == EventState && e.State == "UNPAIRED_IDLE" })
		e := ev.wait(t, mark, 5*time.Second, "refreshed qr", isType(EventQR))
		if e.QR == before {
			t.Fatal("QR not refreshed after expiry")
		}
	})
}

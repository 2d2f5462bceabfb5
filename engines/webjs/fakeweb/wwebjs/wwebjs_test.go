package wwebjs

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wagate/wagate/engines/webjs/fakeweb"
)

// chromium finds the browser. Unlike Node, it is not this package's to
// install: .ci/run does, so a missing one is a failure too.
func chromium(t testing.TB) string {
	p := os.Getenv("WAGATE_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("chromium not found at %s (set WAGATE_CHROMIUM): %v", p, err)
	}
	return p
}

func chatN(i int) string { return fmt.Sprintf("1555%07d@c.us", i+1) }

const me = "15551234567@c.us"

// Result shapes of run.js's steps.
type (
	wMsg struct {
		ID          string `json:"id"`
		Body        string `json:"body"`
		Type        string `json:"type"`
		From        string `json:"from"`
		To          string `json:"to"`
		Author      string `json:"author"`
		FromMe      bool   `json:"fromMe"`
		Ack         int    `json:"ack"`
		Timestamp   int64  `json:"timestamp"`
		HasReaction bool   `json:"hasReaction"`
		HasMedia    bool   `json:"hasMedia"`
	}
	wChat struct {
		ID           string   `json:"id"`
		Name         string   `json:"name"`
		IsGroup      bool     `json:"isGroup"`
		Archived     bool     `json:"archived"`
		Pinned       bool     `json:"pinned"`
		UnreadCount  int      `json:"unreadCount"`
		Timestamp    int64    `json:"timestamp"`
		LastMessage  *wMsg    `json:"lastMessage"`
		Participants []string `json:"participants"`
	}
	wContact struct {
		ID          string `json:"id"`
		Number      string `json:"number"`
		Name        string `json:"name"`
		Pushname    string `json:"pushname"`
		IsMe        bool   `json:"isMe"`
		IsUser      bool   `json:"isUser"`
		IsGroup     bool   `json:"isGroup"`
		IsWAContact bool   `json:"isWAContact"`
		IsMyContact bool   `json:"isMyContact"`
		IsBlocked   bool   `json:"isBlocked"`
	}
	wReaction struct {
		ID        string  `json:"id"`
		MsgID     string  `json:"msgId"`
		Reaction  string  `json:"reaction"`
		SenderID  string  `json:"senderId"`
		Timestamp float64 `json:"timestamp"` // seconds, with ms
	}
	wArchived struct {
		Event struct {
			Chat      wChat `json:"chat"`
			CurrState bool  `json:"currState"`
			PrevState bool  `json:"prevState"`
		} `json:"event"`
	}
)

// TestStockWhatsAppWebJS runs the unmodified whatsapp-web.js 1.34.7 against
// fakeweb (over TLS, as web.whatsapp.com) through pairing, ready, and the
// operations WAHA's WEBJS engine uses, and checks each on fakeweb's side.
// The QR is scanned the moment whatsapp-web.js reports it.
func TestStockWhatsAppWebJS(t *testing.T) {
	browser := chromium(t)
	fw := fakeweb.New(fakeweb.Options{})
	const chats = 5000
	fw.SetAccount(fakeweb.Account{Chats: chats, MessagesPerChat: 2, GroupEvery: 10, FirstChatMessages: 120, LidGroups: true, Seed: 3})
	if err := fw.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fw.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	var scanMu sync.Mutex
	var scanErr error
	scanned := make(chan struct{})
	r, err := Start(ctx, Options{
		Scenario: "fidelity", FakewebAddr: fw.TLSAddr(), Chromium: browser, DataDir: t.TempDir(), Stderr: os.Stderr,
		OnEvent: func(l Line) {
			if l.Type == "pageerror" || l.Type == "consoleerror" || l.Type == "nodeerror" {
				t.Logf("%s: %s", l.Type, l.Message)
			}
			if l.Type != "event" || l.Name != "qr" {
				return
			}
			var qr string
			if err := json.Unmarshal(l.Args[0], &qr); err != nil {
				t.Errorf("qr event: %v", err)
				return
			}
			select {
			case <-scanned:
				t.Errorf("a second QR after the scan: %s", qr)
				return
			default:
			}
			// At once: the post-pairing reload must cope with it.
			go func() {
				err := fw.ScanQR(ctx, qr)
				scanMu.Lock()
				scanErr = err
				scanMu.Unlock()
				close(scanned)
			}()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	step := func(name string, out any) {
		t.Helper()
		l, err := r.Step(ctx, name, out)
		if err != nil {
			t.Fatalf("%v\nerrors: %s", err, strings.Join(r.Errors(), "\n"))
		}
		t.Logf("step %s: %.1f ms", name, l.Ms)
	}
	next := func(data any) {
		t.Helper()
		if err := r.Continue(data); err != nil {
			t.Fatal(err)
		}
	}

	// --- pairing and ready ---
	var ready struct {
		Info   struct{ Wid, Pushname, Platform string } `json:"info"`
		Events []string                                 `json:"events"`
	}
	step("ready", &ready)
	scanMu.Lock()
	if scanErr != nil {
		t.Fatalf("scanning the QR: %v", scanErr)
	}
	scanMu.Unlock()
	if ready.Info.Wid != me || ready.Info.Pushname != "Wagate Test" {
		t.Errorf("client info = %+v", ready.Info)
	}
	for _, want := range []string{"qr", "authenticated", "loading_screen", "ready"} {
		if !slices.Contains(ready.Events, want) {
			t.Errorf("no %s event before ready: %v", want, ready.Events)
		}
	}
	st, err := fw.State(ctx)
	if err != nil || st.SocketState != "CONNECTED" || !st.HasSynced || st.Me != me {
		t.Fatalf("page state = %+v, %v", st, err)
	}

	// --- getChats: every chat, with its last message, groups with members by phone number ---
	next(nil)
	var list struct {
		Count int     `json:"count"`
		Chats []wChat `json:"chats"`
	}
	step("getChats", &list)
	want, err := fw.Chats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if list.Count != chats || len(want) != chats {
		t.Fatalf("getChats: %d chats, fakeweb has %d, want %d", list.Count, len(want), chats)
	}
	for i, c := range list.Chats {
		w := want[i]
		if c.ID != w.ID || c.Archived != w.Archive || c.Pinned != (w.Pin != 0) || c.UnreadCount != w.UnreadCount || c.IsGroup != w.IsGroup || c.Name != w.Title {
			t.Fatalf("chat %d: wwebjs %+v, fakeweb %+v", i, c, w)
		}
		if c.LastMessage == nil || c.LastMessage.ID != w.LastReceivedKey {
			t.Fatalf("chat %s: lastMessage %+v, want %s", c.ID, c.LastMessage, w.LastReceivedKey)
		}
		if c.IsGroup {
			// Members are LIDs in fakeweb (LidGroups); wwebjs maps them back.
			n := strings.TrimSuffix(strings.TrimPrefix(c.ID, "120363"), "@g.us")
			var gi int
			fmt.Sscanf(n, "%d", &gi)
			gi -= 400000000000
			wantP := []string{me, fmt.Sprintf("1666%07d@c.us", gi), fmt.Sprintf("1777%07d@c.us", gi)}
			if !slices.Equal(c.Participants, wantP) {
				t.Fatalf("group %s participants = %v, want %v", c.ID, c.Participants, wantP)
			}
		}
	}

	// --- fetchMessages: older pages through loadEarlierMsgs ---
	chatA := chatN(0)
	next(map[string]any{"chatId": chatA, "limit": 60})
	var fetched struct {
		Messages []wMsg `json:"messages"`
	}
	step("fetchMessages", &fetched)
	loaded, err := fw.Messages(ctx, chatA)
	if err != nil {
		t.Fatal(err)
	}
	if len(fetched.Messages) != 60 || len(loaded) < 60 {
		t.Fatalf("fetchMessages: %d messages, %d loaded in fakeweb", len(fetched.Messages), len(loaded))
	}
	for i, m := range fetched.Messages {
		w := loaded[len(loaded)-60+i]
		if m.ID != w.ID || m.Body != w.Body || m.FromMe != w.FromMe || m.Timestamp != w.T {
			t.Fatalf("message %d: wwebjs %+v, fakeweb %+v", i, m, w)
		}
	}

	// --- sendMessage: in the account, acked ---
	body := "hello from whatsapp-web.js " + time.Now().Format(time.RFC3339Nano)
	next(map[string]any{"chatId": chatA, "body": body})
	var sent struct {
		Message wMsg `json:"message"`
		Created wMsg `json:"created"`
		Ack     int  `json:"ack"`
	}
	step("sendMessage", &sent)
	id := sent.Message.ID
	if !sent.Message.FromMe || sent.Message.Body != body || sent.Created.ID != id || sent.Ack < 1 {
		t.Fatalf("sendMessage = %+v", sent)
	}
	got, err := fw.Message(ctx, id)
	if err != nil || got == nil || got.Body != body || !got.FromMe || got.Type != "chat" {
		t.Fatalf("fakeweb's copy of the sent message: %+v, %v", got, err)
	}
	if ms, _ := fw.Messages(ctx, chatA); len(ms) == 0 || ms[len(ms)-1].ID != id {
		t.Fatalf("the sent message is not the chat's newest")
	}

	// --- edit ---
	edited := "edited by whatsapp-web.js"
	next(map[string]any{"id": id, "body": edited})
	var ed struct {
		Message wMsg `json:"message"`
		Event   struct {
			Message  wMsg   `json:"message"`
			NewBody  string `json:"newBody"`
			PrevBody string `json:"prevBody"`
		} `json:"event"`
	}
	step("edit", &ed)
	if ed.Message.Body != edited || ed.Event.NewBody != edited || ed.Event.PrevBody != body {
		t.Fatalf("edit = %+v", ed)
	}
	if got, err := fw.Message(ctx, id); err != nil || got.Body != edited || !got.Edited {
		t.Fatalf("fakeweb after the edit: %+v, %v", got, err)
	}

	// --- react ---
	next(map[string]any{"id": id, "reaction": "👍"})
	var re struct {
		Event       wReaction `json:"event"`
		HasReaction bool      `json:"hasReaction"`
		Reactions   []struct {
			AggregateEmoji  string      `json:"aggregateEmoji"`
			HasReactionByMe bool        `json:"hasReactionByMe"`
			Senders         []wReaction `json:"senders"`
		} `json:"reactions"`
	}
	step("react", &re)
	if re.Event.MsgID != id || re.Event.Reaction != "👍" || re.Event.SenderID != me || !re.HasReaction {
		t.Fatalf("react = %+v", re)
	}
	if len(re.Reactions) != 1 || re.Reactions[0].AggregateEmoji != "👍" || !re.Reactions[0].HasReactionByMe || len(re.Reactions[0].Senders) != 1 {
		t.Fatalf("getReactions = %+v", re.Reactions)
	}
	if rs, err := fw.Reactions(ctx, id); err != nil || len(rs) != 1 || rs[0].Reaction != "👍" || !rs[0].FromMe || rs[0].Sender != me {
		t.Fatalf("fakeweb's reactions: %+v, %v", rs, err)
	}

	// --- pin ---
	next(map[string]any{"id": id, "duration": 86400})
	var pin struct {
		Pinned    bool     `json:"pinned"`
		PinnedIDs []string `json:"pinnedIds"`
	}
	step("pin", &pin)
	if !pin.Pinned || !slices.Contains(pin.PinnedIDs, id) {
		t.Fatalf("pin = %+v", pin)
	}
	if ps, err := fw.Pins(ctx, chatA); err != nil || !slices.ContainsFunc(ps, func(p fakeweb.Pin) bool { return p.MsgID == id && p.Duration == 86400 }) {
		t.Fatalf("fakeweb's pins: %+v, %v", ps, err)
	}

	// --- delete for everyone ---
	next(map[string]any{"id": id})
	var del struct {
		After  wMsg  `json:"after"`
		Before *wMsg `json:"before"`
	}
	step("delete", &del)
	if del.After.Type != "revoked" || del.Before == nil || del.Before.Body != edited {
		t.Fatalf("delete = %+v", del)
	}
	if got, err := fw.Message(ctx, id); err != nil || got.Type != "revoked" || got.Body != "" {
		t.Fatalf("fakeweb after the revoke: %+v, %v", got, err)
	}

	// --- archive / unarchive, with chat_archived ---
	chatC := chatN(3)
	for _, archive := range []bool{true, false} {
		name := map[bool]string{true: "archive", false: "unarchive"}[archive]
		next(map[string]any{"chatId": chatC})
		var ar wArchived
		step(name, &ar)
		if ar.Event.Chat.ID != chatC || ar.Event.CurrState != archive || ar.Event.PrevState == archive || ar.Event.Chat.Archived != archive {
			t.Fatalf("%s: %+v", name, ar)
		}
		if c, err := fw.Chat(ctx, chatC); err != nil || c.Archive != archive {
			t.Fatalf("fakeweb after %s: %+v, %v", name, c, err)
		}
	}

	// --- an incoming message from the other side ---
	chatB := chatN(5)
	inBody := "a message for whatsapp-web.js"
	inID, err := fw.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: chatB, Body: inBody, NotifyName: "C6"})
	if err != nil {
		t.Fatal(err)
	}
	next(map[string]any{"id": inID})
	var in struct {
		Message wMsg  `json:"message"`
		Unread  wChat `json:"unread"`
	}
	step("incoming", &in)
	cb, err := fw.Chat(ctx, chatB)
	if err != nil {
		t.Fatal(err)
	}
	if in.Message.ID != inID || in.Message.Body != inBody || in.Message.FromMe || in.Message.From != chatB || in.Unread.UnreadCount != cb.UnreadCount || cb.UnreadCount < 1 {
		t.Fatalf("incoming = %+v (fakeweb chat %+v)", in, cb)
	}

	// --- an incoming call ---
	callID, err := fw.IncomingCall(ctx, chatB, true)
	if err != nil {
		t.Fatal(err)
	}
	next(map[string]any{"id": callID})
	var call struct {
		ID      string `json:"id"`
		From    string `json:"from"`
		IsVideo bool   `json:"isVideo"`
		FromMe  bool   `json:"fromMe"`
	}
	step("call", &call)
	if call.ID != callID || call.From != chatB || !call.IsVideo || call.FromMe {
		t.Fatalf("call = %+v", call)
	}

	// --- a message that needs the sender's resend ---
	cipherBody := "sent again by the phone"
	cipherID, err := fw.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: chatB, Body: cipherBody, Ciphertext: true})
	if err != nil {
		t.Fatal(err)
	}
	next(map[string]any{"id": cipherID})
	var ciph struct {
		Placeholder wMsg `json:"placeholder"`
		Message     wMsg `json:"message"`
	}
	step("ciphertext", &ciph)
	if ciph.Placeholder.Type != "ciphertext" || ciph.Message.Type != "chat" || ciph.Message.Body != cipherBody {
		t.Fatalf("ciphertext = %+v", ciph)
	}
	if got, err := fw.Message(ctx, cipherID); err != nil || got.Type != "chat" || got.Body != cipherBody {
		t.Fatalf("fakeweb after the resend: %+v, %v", got, err)
	}

	// --- contacts ---
	next(nil)
	var cl struct {
		Count    int        `json:"count"`
		Contacts []wContact `json:"contacts"`
	}
	step("getContacts", &cl)
	wantC, err := fw.Contacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cl.Count != len(wantC) || cl.Count < chats {
		t.Fatalf("getContacts: %d, fakeweb has %d", cl.Count, len(wantC))
	}
	blocked := 0
	for i, c := range cl.Contacts {
		w := wantC[i]
		user := strings.HasSuffix(w.ID, "@c.us")
		if c.ID != w.ID || c.Name != w.Name || c.Pushname != w.Pushname || c.IsMyContact != (w.Type == "in" && user) || c.IsBlocked != w.Blocked || c.IsUser != user || c.IsGroup != strings.HasSuffix(w.ID, "@g.us") {
			t.Fatalf("contact %d: wwebjs %+v, fakeweb %+v", i, c, w)
		}
		if c.IsBlocked {
			blocked++
		}
	}
	if blocked == 0 {
		t.Fatal("no blocked contact among them")
	}

	unsaved, blockedID := chatN(2), chatN(17)
	next(map[string]any{"ids": []string{chatA, unsaved, blockedID, "15559999999@c.us"}})
	var byID struct {
		Contacts []wContact `json:"contacts"`
	}
	step("getContactById", &byID)
	cs := byID.Contacts
	if len(cs) != 4 ||
		cs[0].Name != "Contact 1" || !cs[0].IsMyContact || cs[0].Number != "15550000001" || !cs[0].IsWAContact ||
		cs[1].Name != "" || cs[1].Pushname != "P3" || cs[1].IsMyContact ||
		!cs[2].IsBlocked ||
		cs[3].ID != "15559999999@c.us" || cs[3].IsMyContact || cs[3].IsWAContact {
		t.Fatalf("getContactById = %+v", cs)
	}

	// --- isRegisteredUser / getNumberId ---
	reg := []string{"15550000002", "16660000009"}
	unreg := []string{"19995550000"}
	next(map[string]any{"registered": reg, "unregistered": unreg})
	var nums struct {
		Registered, Unregistered []struct {
			Number       string `json:"number"`
			IsRegistered bool   `json:"isRegistered"`
			NumberID     string `json:"numberId"`
		}
	}
	step("numbers", &nums)
	for _, n := range nums.Registered {
		if ok, _ := fw.Registered(ctx, n.Number+"@c.us"); !ok || !n.IsRegistered || n.NumberID != n.Number+"@c.us" {
			t.Fatalf("registered %+v (fakeweb: %v)", n, ok)
		}
	}
	for _, n := range nums.Unregistered {
		if ok, _ := fw.Registered(ctx, n.Number+"@c.us"); ok || n.IsRegistered || n.NumberID != "" {
			t.Fatalf("unregistered %+v (fakeweb: %v)", n, ok)
		}
	}

	// --- presence and typing, as the server saw them ---
	next(nil)
	step("presence", nil)
	if p, err := fw.Presence(ctx); err != nil || p.State != "available" || len(p.Log) == 0 {
		t.Fatalf("fakeweb presence: %+v, %v", p, err)
	}
	next(map[string]any{"chatId": chatA})
	step("typing", nil)
	states, err := fw.ChatStates(ctx)
	if err != nil || !slices.ContainsFunc(states, func(s fakeweb.ChatStateSent) bool { return s.ChatID == chatA && s.State == "composing" }) {
		t.Fatalf("fakeweb chat states: %+v, %v", states, err)
	}

	// --- people: block and unblock, a contact's about and picture, the own
	// status, name and picture, rejecting a call; each checked on fakeweb ---
	target := chatN(4)
	for _, c := range []struct {
		step string
		want bool
	}{{"block", true}, {"unblock", false}} {
		next(map[string]any{"id": target})
		var bl struct {
			Returned  bool `json:"returned"`
			IsBlocked bool `json:"isBlocked"`
		}
		step(c.step, &bl)
		ks, err := fw.Contacts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(ks, func(k fakeweb.ContactState) bool { return k.ID == target })
		if !bl.Returned || bl.IsBlocked != c.want || i < 0 || ks[i].Blocked != c.want {
			t.Fatalf("%s: wwebjs %+v, fakeweb %+v", c.step, bl, ks[i])
		}
	}
	next(map[string]any{"phone": "15550000003", "firstName": "Paula", "lastName": "Three"})
	var saved wContact
	step("saveContact", &saved)
	ks, err := fw.Contacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(ks, func(k fakeweb.ContactState) bool { return k.ID == "15550000003@c.us" }); i < 0 || ks[i].Name != "Paula Three" || ks[i].Type != "in" || saved.Name != "Paula Three" || !saved.IsMyContact {
		t.Fatalf("saveOrEditAddressbookContact: wwebjs %+v, fakeweb %+v", saved, ks)
	}
	about, pic := "At the beach", testJPEG(t, 640)
	if err := fw.SetPeer(ctx, fakeweb.Peer{Phone: strings.TrimSuffix(target, "@c.us"), LID: "200000000000004@lid", PushName: "C5", About: &about, Picture: pic}); err != nil {
		t.Fatal(err)
	}
	next(map[string]any{"id": target})
	var ab struct {
		About *string `json:"about"`
	}
	step("about", &ab)
	if ab.About == nil || *ab.About != about {
		t.Fatalf("getAbout = %v, want %q", ab.About, about)
	}
	next(map[string]any{"id": target})
	var pp struct {
		URL *string `json:"url"`
	}
	step("profilePicUrl", &pp)
	if pp.URL == nil {
		t.Fatal("getProfilePicUrl: none, but the contact has a picture")
	}
	if got := fetch(t, *pp.URL, fw.TLSAddr()); !bytes.Equal(got, pic) {
		t.Fatalf("getProfilePicUrl %s serves %d bytes, not the contact's picture", *pp.URL, len(got))
	}
	next(map[string]any{"status": "Testing on fakeweb"})
	step("setStatus", nil)
	if own := fw.Own(); own.About == nil || *own.About != "Testing on fakeweb" {
		t.Fatalf("fakeweb's own about after setStatus: %v", own.About)
	}
	next(map[string]any{"name": "Stock wwebjs"})
	var set struct {
		Set bool `json:"set"`
	}
	step("setDisplayName", &set)
	if own := fw.Own(); !set.Set || own.PushName != "Stock wwebjs" {
		t.Fatalf("setDisplayName = %v; fakeweb's own push name %q", set.Set, own.PushName)
	}
	next(map[string]any{"mimetype": "image/png", "data": base64.StdEncoding.EncodeToString(testPNG(t, 900, 500))})
	step("setProfilePicture", &set)
	own := fw.Own()
	if !set.Set || jpegSide(t, own.Picture) != 640 || jpegSide(t, own.Thumbnail) != 96 {
		t.Fatalf("setProfilePicture = %v; fakeweb has a %d px picture, %d px thumbnail", set.Set, jpegSide(t, own.Picture), jpegSide(t, own.Thumbnail))
	}
	next(nil)
	var unpic struct {
		Deleted bool `json:"deleted"`
	}
	step("deleteProfilePicture", &unpic)
	if !unpic.Deleted || fw.Own().Picture != nil {
		t.Fatalf("deleteProfilePicture = %v; fakeweb still has the picture: %v", unpic.Deleted, fw.Own().Picture != nil)
	}
	callID, err = fw.IncomingCall(ctx, chatB, false)
	if err != nil {
		t.Fatal(err)
	}
	next(map[string]any{"id": callID})
	step("rejectCall", nil)
	rejected, err := fw.RejectedCalls(ctx)
	if err != nil || !slices.ContainsFunc(rejected, func(c fakeweb.RejectedCall) bool { return c.ID == callID && c.To == chatB }) {
		t.Fatalf("fakeweb's rejected calls: %+v, %v (want %s from %s)", rejected, err, callID, chatB)
	}

	// --- media sent as MessageMedia, checked on the recipient's side ---
	png := testPNG(t, 40, 30)
	pdf := []byte("%PDF-1.4 sent by whatsapp-web.js")
	files := []map[string]any{
		{"mimetype": "image/png", "data": base64.StdEncoding.EncodeToString(png), "filename": "pic.png", "caption": "an image"},
		{"mimetype": "application/pdf", "data": base64.StdEncoding.EncodeToString(pdf), "filename": "terms.pdf", "caption": "a document", "asDocument": true},
		{"mimetype": "audio/ogg; codecs=opus", "data": base64.StdEncoding.EncodeToString([]byte("OggS a voice note")), "filename": "voice.ogg", "asVoice": true},
	}
	next(map[string]any{"chatId": chatA, "files": files})
	var media struct {
		Sent []wMsg `json:"sent"`
	}
	step("sendMedia", &media)
	if len(media.Sent) != 3 {
		t.Fatalf("sendMedia sent %d", len(media.Sent))
	}
	for i, want := range []struct {
		typ, mimetype, caption string
		data                   []byte
	}{{"image", "image/png", "an image", png}, {"document", "application/pdf", "a document", pdf}, {"ptt", "audio/ogg; codecs=opus", "", []byte("OggS a voice note")}} {
		m := media.Sent[i]
		f, err := fw.SentFile(ctx, m.ID)
		if err != nil {
			t.Fatalf("%s: %v", want.typ, err)
		}
		if !m.HasMedia || m.Type != want.typ || f.Type != want.typ || f.Mimetype != want.mimetype || f.Caption != want.caption || !bytes.Equal(f.Data, want.data) {
			t.Fatalf("sent %s: wwebjs %+v, recipient got %s %q %q (%d bytes)", want.typ, m, f.Type, f.Mimetype, f.Caption, len(f.Data))
		}
		if want.typ == "image" && (len(f.Preview) == 0 || f.Width != 40 || f.Height != 30) {
			t.Fatalf("image without its preview or size: %dx%d, %d bytes of preview", f.Width, f.Height, len(f.Preview))
		}
		if want.typ == "document" && f.Filename != "terms.pdf" {
			t.Fatalf("document file name %q", f.Filename)
		}
	}

	// --- an incoming image, downloaded with downloadMedia() ---
	inMediaID, err := fw.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: chatB, Body: "look", Media: &fakeweb.Media{Type: "image", Mimetype: "image/png", Data: png}})
	if err != nil {
		t.Fatal(err)
	}
	next(map[string]any{"id": inMediaID})
	var inMedia struct {
		Message wMsg `json:"message"`
		Media   *struct {
			Mimetype, Data string
		} `json:"media"`
	}
	step("incomingMedia", &inMedia)
	if !inMedia.Message.HasMedia || inMedia.Media == nil || inMedia.Media.Mimetype != "image/png" || inMedia.Media.Data != base64.StdEncoding.EncodeToString(png) {
		t.Fatalf("incoming media: %+v", inMedia)
	}

	testChatting(ctx, t, fw, step, next)
	testGroups(ctx, t, fw, step, next)

	// --- the end: nothing failed in the page or in node ---
	next(nil)
	done, err := r.Wait(ctx)
	if err != nil {
		t.Fatalf("%v (final line %s)", err, done.Raw)
	}
	if !done.OK || len(done.PageErrors) > 0 {
		t.Fatalf("run.js: %s", done.Raw)
	}
	if errs := r.Errors(); len(errs) > 0 {
		t.Fatalf("page errors:\n%s", strings.Join(errs, "\n"))
	}
}

// testJPEG is a side×side JPEG.
func testJPEG(t *testing.T, side int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testPNG is a w×h PNG.
func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// jpegSide is the side of a square JPEG, 0 for anything else.
func jpegSide(t *testing.T, b []byte) int {
	t.Helper()
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width != cfg.Height {
		return 0
	}
	return cfg.Width
}

// fetch gets a URL the page was given, from fakeweb's TLS listener at addr
// (the page's web.whatsapp.com), never resolving the host name.
func fetch(t *testing.T, raw, addr string) []byte {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = addr
	// fakeweb's TLS certificate is its own; the page fetched over it too.
	cli := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	res, err := cli.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", u, res.StatusCode, err)
	}
	return b
}

package enginetest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/internal/wait"
	"github.com/wagate/wagate/media"
	"github.com/wagate/wagate/sessions"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// Harness is what an engine provides to the suite.
type Harness interface {
	// Engine names the engine under test.
	Engine() engines.Name
	// Factory makes the engine's sessions for a gateway.
	Factory(t *testing.T, env Env) sessions.Factory
	// Account creates a WhatsApp account (its phone) on the network the engine talks to.
	// phone is digits only.
	Account(t *testing.T, phone, name string) Phone
}

// Env is what a gateway under test shares with its engines.
type Env struct {
	Store *store.Store
	Media *media.Files // where the engines keep media files, which the gateway serves
}

// Phone is an account's primary device, the other side of a session, driven by the test.
type Phone interface {
	// ScanQR scans a session's QR code, linking it to this account.
	ScanQR(ctx context.Context, qr string) error
	// EnterCode enters a session's pairing code, linking it to this account.
	EnterCode(ctx context.Context, code string) error
	// SendText sends text to a chat (a phone number) and returns the message's raw id.
	SendText(ctx context.Context, to, text string) (string, error)
	// Edit and Revoke change a message this phone sent.
	Edit(ctx context.Context, to, id, text string) error
	Revoke(ctx context.Context, to, id string) error
	// Archive archives or unarchives a chat from the phone.
	Archive(ctx context.Context, chat string, archived bool) error
	// WaitText waits for a text message from a phone number and returns its raw id.
	WaitText(ctx context.Context, from, text string) (string, error)
	// SendMedia sends a file to a chat (a phone number) as m.Type says and returns
	// the message's raw id.
	SendMedia(ctx context.Context, to string, m Media) (string, error)
	// WaitMedia waits for the media message id from a phone number and returns
	// what arrived, the file downloaded and decrypted as the phone does.
	WaitMedia(ctx context.Context, from, id string) (Media, error)
	// ChattingPhone is what the Chatting scenarios need (suite_chatting.go).
	ChattingPhone
}

// Timeouts of the suite: generous, since CI machines are small and WEBJS runs a browser.
const (
	pairWithin = 30 * time.Second
	stepWithin = 20 * time.Second
)

// Run runs every scenario against the harness's engine, with the embedded
// capability matrix deciding which scenarios run and which check a 501.
func Run(t *testing.T, h Harness) {
	RunWithMatrix(t, h, nil)
}

// RunWithMatrix runs the scenarios under another matrix (nil: the embedded one).
func RunWithMatrix(t *testing.T, h Harness, m *capabilities.Matrix) {
	s := &suite{h: h, engine: h.Engine(), matrix: m}
	t.Run("PairByQR", s.pairByQR)
	t.Run("PairByCode", s.pairByCode)
	t.Run("RestartKeepsPairing", s.restartKeepsPairing)
	t.Run("SendAndReceive", s.sendAndReceive)
	t.Run("PageAndFilter", s.pageAndFilter)
	t.Run("BadInput", s.badInput)
	t.Run("EditAndRevoke", s.editAndRevoke)
	t.Run("ArchiveAndUnread", s.archiveAndUnread)
	t.Run("ReadMessages", s.readMessages)
	t.Run("PinMessage", s.pinMessage)
	t.Run("ClearAndDeleteChat", s.clearAndDeleteChat)
	t.Run("ChatPicture", s.chatPicture)
	t.Run("SendMedia", s.sendMedia)
	t.Run("ReceiveMedia", s.receiveMedia)
	t.Run("MediaBadInput", s.mediaBadInput)
	t.Run("ConvertMedia", s.convertMedia)
	t.Run("Screenshot", s.screenshot)
	t.Run("CheckExists", s.checkExists)
	t.Run("ContactsAndLIDs", s.contactsAndLIDs)
	t.Run("ContactProfile", s.contactProfile)
	t.Run("BlockContact", s.blockContact)
	t.Run("Presence", s.presence)
	t.Run("Profile", s.profile)
	t.Run("Calls", s.calls)
	t.Run("SaveContact", s.saveContact)
	s.runChatting(t)
	s.runGroups(t)
	t.Run("Logout", s.logout)
}

type suite struct {
	h      Harness
	matrix *capabilities.Matrix
	engine engines.Name
	n      int // accounts made so far, for distinct numbers
}

// number makes a distinct phone number for an account of this run.
func (s *suite) number() string {
	s.n++
	return fmt.Sprintf("4915100%05d", s.n)
}

func (s *suite) gateway(t *testing.T, st *store.Store) *Gateway {
	t.Helper()
	if st == nil {
		st, _ = storetest.Open(t, store.SQLite)
	}
	files := NewMediaFiles(t)
	return NewGateway(t, GatewayOptions{Store: st, Matrix: s.matrix, Media: files, Factories: map[engines.Name]sessions.Factory{
		s.engine: s.h.Factory(t, Env{Store: st, Media: files}),
	}})
}

func ctx(t *testing.T, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return c
}

// paired is a WORKING session linked to an account, with a contact to talk to.
type paired struct {
	g       *Gateway
	session string
	me      Phone
	meNum   string
	contact Phone
	cNum    string
}

// create makes a session on the engine and waits for its QR code.
func (s *suite) create(t *testing.T, g *Gateway, name string) {
	t.Helper()
	g.Expect(g.Do("POST", "/api/sessions", map[string]any{"name": name, "engine": s.engine}), 201)
	g.WaitStatus(name, engines.StatusScanQRCode, pairWithin)
}

// pair makes a session and links it to a new account by QR; false when the engine
// cannot show a QR code (and the 501 for it was checked).
func (s *suite) pair(t *testing.T, g *Gateway, name string) (paired, bool) {
	t.Helper()
	p := paired{g: g, session: name, meNum: s.number(), cNum: s.number()}
	p.me = s.h.Account(t, p.meNum, "Me "+name)
	p.contact = s.h.Account(t, p.cNum, "Contact "+name)
	s.create(t, g, name)
	if !s.supports(t, p, "auth.qr") {
		return p, false
	}
	var qr map[string]string
	g.Expect(g.Do("GET", "/api/"+name+"/auth/qr?format=raw", nil), 200).JSON(t, &qr)
	if qr["value"] == "" {
		t.Fatalf("empty QR value")
	}
	if err := p.me.ScanQR(ctx(t, pairWithin), qr["value"]); err != nil {
		t.Fatalf("scan QR: %v", err)
	}
	got := g.WaitStatus(name, engines.StatusWorking, pairWithin)
	if got.Me == nil || got.Me.ID != p.meNum+"@c.us" {
		t.Fatalf("me after pairing: %+v, want id %s@c.us", got.Me, p.meNum)
	}
	return p, true
}

// supports reports whether the engine supports every op; for the first one it does
// not, it checks that the API answers 501 with the feature request, so an
// unsupported scenario still proves its row of the matrix.
func (s *suite) supports(t *testing.T, p paired, ops ...string) bool {
	t.Helper()
	for _, op := range ops {
		if p.g.Matrix.Supports(op, s.engine) {
			continue
		}
		method, path, body := probe(op, p.session, p.cNum)
		r := p.g.Expect(p.g.Do(method, path, body), http.StatusNotImplemented)
		e := r.Err(t)
		if e["operation"] != op || e["engine"] != string(s.engine) || r.Header.Get("Link") == "" {
			t.Fatalf("501 for %s: %s, Link %q", op, r.Body, r.Header.Get("Link"))
		}
		if why := p.g.Matrix.Why(op, s.engine); why != "" && !strings.Contains(fmt.Sprint(e["message"]), why) {
			t.Fatalf("501 for %s does not say why WhatsApp refuses it (%q): %s", op, why, r.Body)
		}
		t.Logf("%s is unsupported on %s per the capability matrix: 501 checked", op, s.engine)
		return false
	}
	return true
}

// probe is a well-formed request for a session-scoped operation.
func probe(op, session, contact string) (method, path string, body any) {
	chat := "/api/" + session + "/chats/" + contact + "@c.us"
	msg := chat + "/messages/true_" + contact + "@c.us_3EB0000000000000000000"
	switch op {
	case "auth.qr":
		return "GET", "/api/" + session + "/auth/qr", nil
	case "auth.requestCode":
		return "POST", "/api/" + session + "/auth/request-code", map[string]string{"phoneNumber": contact}
	case "screenshot.get":
		return "GET", "/api/screenshot?session=" + session, nil
	case "chats.list":
		return "GET", "/api/" + session + "/chats", nil
	case "chats.overview":
		return "GET", "/api/" + session + "/chats/overview", nil
	case "chats.overviewPost":
		return "POST", "/api/" + session + "/chats/overview", map[string]any{"pagination": map[string]int{"limit": 5}}
	case "chats.delete":
		return "DELETE", chat, nil
	case "chats.picture":
		return "GET", chat + "/picture", nil
	case "chats.messages":
		return "GET", chat + "/messages", nil
	case "chats.clearMessages":
		return "DELETE", chat + "/messages", nil
	case "chats.readMessages":
		return "POST", chat + "/messages/read", nil
	case "chats.message":
		return "GET", msg, nil
	case "chats.deleteMessage":
		return "DELETE", msg, nil
	case "chats.editMessage":
		return "PUT", msg, map[string]string{"text": "x"}
	case "chats.pinMessage":
		return "POST", msg + "/pin", map[string]int{"duration": 86400}
	case "chats.unpinMessage":
		return "POST", msg + "/unpin", nil
	case "chats.archive":
		return "POST", chat + "/archive", nil
	case "chats.unarchive":
		return "POST", chat + "/unarchive", nil
	case "chats.unread":
		return "POST", chat + "/unread", nil
	case "messages.sendText":
		return "POST", "/api/sendText", map[string]string{"session": session, "chatId": contact + "@c.us", "text": "probe"}
	case "messages.sendImage", "messages.sendFile", "messages.sendVoice", "messages.sendVideo":
		return "POST", "/api/" + strings.TrimPrefix(op, "messages."), map[string]any{"session": session, "chatId": contact + "@c.us",
			"file": map[string]string{"mimetype": "image/png", "url": "https://example.com/probe.png"}}
	case "media.convertVoice":
		return "POST", "/api/" + session + "/media/convert/voice", map[string]string{"url": "https://example.com/probe.mp3"}
	case "media.convertVideo":
		return "POST", "/api/" + session + "/media/convert/video", map[string]string{"url": "https://example.com/probe.mp4"}
	}
	if method, path, body, ok := peopleProbe(op, session, contact); ok {
		return method, path, body
	}
	if method, path, body, ok := chattingProbe(op, session, contact); ok {
		return method, path, body
	}
	if method, path, body, ok := groupsProbe(op, session, contact); ok {
		return method, path, body
	}
	panic("enginetest: no probe for operation " + op)
}

func (s *suite) pairByQR(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "qr")
	if !ok {
		return
	}
	// The QR endpoint now answers 422: nothing to scan.
	e := g.Expect(g.Do("GET", "/api/qr/auth/qr", nil), 422).Err(t)
	if e["status"] != string(engines.StatusWorking) {
		t.Fatalf("QR of a WORKING session: %v", e)
	}
	var me engines.MeInfo
	g.Expect(g.Do("GET", "/api/sessions/qr/me", nil), 200).JSON(t, &me)
	if me.ID != p.meNum+"@c.us" {
		t.Fatalf("me: %+v", me)
	}
}

func (s *suite) pairByCode(t *testing.T) {
	g := s.gateway(t, nil)
	num := s.number()
	phone := s.h.Account(t, num, "Code")
	s.create(t, g, "code")
	if !s.supports(t, paired{g: g, session: "code", cNum: num}, "auth.requestCode") {
		return
	}
	var code map[string]string
	g.Expect(g.Do("POST", "/api/code/auth/request-code", map[string]string{"phoneNumber": num}), 201).JSON(t, &code)
	if len(code["code"]) != 9 || code["code"][4] != '-' {
		t.Fatalf("pairing code %q, want ABCD-EFGH", code["code"])
	}
	if err := phone.EnterCode(ctx(t, pairWithin), code["code"]); err != nil {
		t.Fatalf("enter code: %v", err)
	}
	if got := g.WaitStatus("code", engines.StatusWorking, pairWithin); got.Me == nil || got.Me.ID != num+"@c.us" {
		t.Fatalf("me after code pairing: %+v", got.Me)
	}
}

func (s *suite) restartKeepsPairing(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "r")
	if !ok {
		return
	}
	g.Expect(g.Do("POST", "/api/sessions/r/stop", nil), 201)
	g.WaitStatus("r", engines.StatusStopped, stepWithin)
	g.Expect(g.Do("POST", "/api/sessions/r/start", nil), 201)
	g.WaitStatus("r", engines.StatusWorking, pairWithin)

	// A new gateway process on the same database finds the device again.
	g.Manager.Shutdown(context.Background())
	g2 := s.gateway(t, g.Store)
	if got := g2.WaitStatus("r", engines.StatusWorking, pairWithin); got.Me == nil || got.Me.ID != p.meNum+"@c.us" {
		t.Fatalf("after gateway restart: %+v", got)
	}
}

func (s *suite) sendAndReceive(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "sr")
	if !ok || !s.supports(t, p, "messages.sendText", "chats.list", "chats.messages", "chats.message", "chats.overview", "chats.overviewPost") {
		return
	}
	var sent engines.Message
	g.Expect(g.Do("POST", "/api/sendText", map[string]string{"session": "sr", "chatId": p.cNum + "@c.us", "text": "hello from the API"}), 201).JSON(t, &sent)
	prefix := "true_" + p.cNum + "@c.us_"
	if !strings.HasPrefix(sent.ID, prefix) || !sent.FromMe || sent.Body != "hello from the API" {
		t.Fatalf("sent: %+v", sent)
	}
	if _, err := p.contact.WaitText(ctx(t, stepWithin), p.meNum, "hello from the API"); err != nil {
		t.Fatalf("contact did not get the message: %v", err)
	}
	g.WaitEvent("sr", "message.any", idIs(sent.ID), stepWithin)
	inID, err := p.contact.SendText(ctx(t, stepWithin), p.meNum, "hello back")
	if err != nil {
		t.Fatal(err)
	}
	want := "false_" + p.cNum + "@c.us_" + inID
	in := g.WaitEvent("sr", "message", idIs(want), stepWithin)
	if in.Payload["body"] != "hello back" || in.Payload["fromMe"] != false || in.Payload["from"] != p.cNum+"@c.us" {
		t.Fatalf("message event: %v", in.Payload)
	}
	g.WaitEvent("sr", "message.any", idIs(want), stepWithin)
	msgs := s.waitMessages(t, p, p.cNum+"@c.us", func(ms []engines.Message) bool { return len(ms) >= 2 && ms[0].ID == want })
	if msgs[1].ID != sent.ID || msgs[0].FromMe || msgs[0].Body != "hello back" || msgs[0].From != p.cNum+"@c.us" {
		t.Fatalf("messages, newest first: %+v", msgs)
	}
	var one engines.Message
	g.Expect(g.Do("GET", "/api/sr/chats/"+p.cNum+"%40c.us/messages/"+strings.ReplaceAll(want, "@", "%40"), nil), 200).JSON(t, &one)
	if one.ID != want {
		t.Fatalf("message by id: %+v", one)
	}
	var chats []engines.Chat
	g.Expect(g.Do("GET", "/api/sr/chats?limit=10", nil), 200).JSON(t, &chats)
	if len(chats) == 0 || chats[0].ID != p.cNum+"@c.us" || chats[0].ConversationTimestamp == 0 {
		t.Fatalf("chats: %+v", chats)
	}
	// Each row carries its last message, as WAHA's WEBJS rows do.
	if lm := chats[0].LastMessage; lm == nil || lm.ID != want || lm.Body != "hello back" {
		t.Fatalf("chats[0].lastMessage: %+v", lm)
	}
	var ov []engines.ChatSummary
	g.Expect(g.Do("GET", "/api/sr/chats/overview?ids="+p.cNum, nil), 200).JSON(t, &ov)
	if len(ov) != 1 || ov[0].LastMessage == nil || ov[0].LastMessage.ID != want {
		t.Fatalf("overview: %+v", ov)
	}
	g.Expect(g.Do("POST", "/api/sr/chats/overview", map[string]any{"pagination": map[string]int{"limit": 5}, "filter": map[string]any{"ids": []string{p.cNum + "@c.us"}}}), 201).JSON(t, &ov)
	if len(ov) != 1 {
		t.Fatalf("overview (POST): %+v", ov)
	}
}

// idIs matches an event payload by its message id.
func idIs(id string) func(map[string]any) bool {
	return func(p map[string]any) bool { return p["id"] == id }
}

// waitMessages polls a chat's messages until ok says they are as expected.
func (s *suite) waitMessages(t *testing.T, p paired, chat string, ok func([]engines.Message) bool) []engines.Message {
	t.Helper()
	var msgs []engines.Message
	wait.For(t, stepWithin, func() error {
		msgs = nil
		p.g.Expect(p.g.Do("GET", "/api/"+p.session+"/chats/"+chat+"/messages?limit=20&downloadMedia=false", nil), 200).JSON(t, &msgs)
		if !ok(msgs) {
			return fmt.Errorf("messages of %s never got as expected: %+v", chat, msgs)
		}
		return nil
	})
	return msgs
}

func (s *suite) waitChat(t *testing.T, p paired, ok func(engines.Chat) bool) engines.Chat {
	t.Helper()
	var chat engines.Chat
	wait.For(t, stepWithin, func() error {
		var chats []engines.Chat
		p.g.Expect(p.g.Do("GET", "/api/"+p.session+"/chats", nil), 200).JSON(t, &chats)
		for _, c := range chats {
			if c.ID == p.cNum+"@c.us" && ok(c) {
				chat = c
				return nil
			}
		}
		return fmt.Errorf("chat %s never got as expected: %+v", p.cNum, chats)
	})
	return chat
}

// converse makes a chat with one message each way and returns their ids.
func (s *suite) converse(t *testing.T, p paired) (mine, theirs string) {
	t.Helper()
	var sent engines.Message
	p.g.Expect(p.g.Do("POST", "/api/sendText", map[string]string{"session": p.session, "chatId": p.cNum + "@c.us", "text": "ping"}), 201).JSON(t, &sent)
	if _, err := p.contact.WaitText(ctx(t, stepWithin), p.meNum, "ping"); err != nil {
		t.Fatal(err)
	}
	raw, err := p.contact.SendText(ctx(t, stepWithin), p.meNum, "pong")
	if err != nil {
		t.Fatal(err)
	}
	theirs = "false_" + p.cNum + "@c.us_" + raw
	s.waitMessages(t, p, p.cNum+"@c.us", func(ms []engines.Message) bool { return len(ms) > 0 && ms[0].ID == theirs })
	return sent.ID, theirs
}

func (s *suite) pageAndFilter(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "pf")
	if !ok || !s.supports(t, p, "messages.sendText", "chats.messages") {
		return
	}
	mine, theirs := s.converse(t, p)
	var third engines.Message
	g.Expect(g.Do("POST", "/api/sendText", map[string]string{"session": "pf", "chatId": p.cNum + "@c.us", "text": "third"}), 201).JSON(t, &third)
	all := s.waitMessages(t, p, p.cNum+"@c.us", func(ms []engines.Message) bool { return len(ms) == 3 && ms[0].ID == third.ID })
	if all[1].ID != theirs || all[2].ID != mine {
		t.Fatalf("newest first: %v, %v, %v", all[0].ID, all[1].ID, all[2].ID)
	}
	chat := "/api/pf/chats/" + p.cNum + "@c.us/messages?downloadMedia=false"
	ids := func(query string) []string {
		var ms []engines.Message
		g.Expect(g.Do("GET", chat+query, nil), 200).JSON(t, &ms)
		var out []string
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	check := func(query string, want ...string) {
		t.Helper()
		if got := ids(query); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("messages%s = %v, want %v", query, got, want)
		}
	}
	check("&limit=2", third.ID, theirs)
	check("&limit=2&offset=2", mine)
	check("&limit=10&offset=3")
	check("&sortOrder=asc", mine, theirs, third.ID)
	check("&filter.fromMe=true", third.ID, mine)
	check("&filter.fromMe=false", theirs)
	check(fmt.Sprintf("&filter.timestamp.gte=%d", time.Now().Add(time.Hour).Unix()))
	check(fmt.Sprintf("&filter.timestamp.lte=%d", time.Now().Add(time.Hour).Unix()), third.ID, theirs, mine)
	// chatId "all" lists every chat's messages.
	var every []engines.Message
	g.Expect(g.Do("GET", "/api/pf/chats/all/messages?limit=50", nil), 200).JSON(t, &every)
	if len(every) < 3 {
		t.Errorf("all chats: %d messages, want at least 3", len(every))
	}
}

// badInput: malformed ids answer 400 naming the value, a session that is not
// WORKING answers 422 with its status, and one that is not running 404, on every
// engine.
func (s *suite) badInput(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "bad")
	if !ok || !s.supports(t, p, "chats.list", "chats.messages", "chats.message") {
		return
	}
	for _, c := range []struct{ path, mentions string }{
		{"/api/bad/chats/not-a-chat/messages", "not-a-chat"},
		{"/api/bad/chats/" + p.cNum + "@c.us/messages/maybe_" + p.cNum + "@c.us_ABC", "maybe_"},
		{"/api/bad/chats?limit=lots", "limit"},
	} {
		e := g.Expect(g.Do("GET", c.path, nil), 400).Err(t)
		if msg, _ := e["message"].(string); !strings.Contains(msg, c.mentions) {
			t.Errorf("%s: message %q does not mention %q", c.path, msg, c.mentions)
		}
	}
	e := g.Expect(g.Do("GET", "/api/bad/chats/"+p.cNum+"@c.us/messages/false_"+p.cNum+"@c.us_3EB0NOSUCHMESSAGE00", nil), 404).Err(t)
	if msg, _ := e["message"].(string); !strings.Contains(strings.ToLower(msg), "not found") {
		t.Errorf("unknown message: %v", e)
	}
	// A second session, still waiting for its QR code to be scanned.
	s.create(t, g, "waiting")
	e = g.Expect(g.Do("GET", "/api/waiting/chats", nil), 422).Err(t)
	if e["status"] != string(engines.StatusScanQRCode) || e["session"] != "waiting" {
		t.Errorf("not WORKING: %v", e)
	}
	// Stopped, it is not running: WAHA's 404, which says to start it.
	g.Expect(g.Do("POST", "/api/sessions/waiting/stop", nil), 201)
	e = g.Expect(g.Do("GET", "/api/waiting/chats", nil), 404).Err(t)
	if msg, _ := e["message"].(string); !strings.Contains(msg, "POST /api/sessions/waiting/start") {
		t.Errorf("stopped session: %v", e)
	}
}

func (s *suite) editAndRevoke(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "er")
	if !ok || !s.supports(t, p, "messages.sendText", "chats.messages", "chats.editMessage", "chats.deleteMessage") {
		return
	}
	mine, theirs := s.converse(t, p)
	var edited engines.Message
	g.Expect(g.Do("PUT", "/api/er/chats/"+p.cNum+"@c.us/messages/"+mine, map[string]string{"text": "ping (edited)"}), 200).JSON(t, &edited)
	if edited.Body != "ping (edited)" {
		t.Fatalf("edited: %+v", edited)
	}
	if _, err := p.contact.WaitText(ctx(t, stepWithin), p.meNum, "ping (edited)"); err != nil {
		t.Fatalf("contact did not see the edit: %v", err)
	}
	// WAHA emits message.edited and message.revoked "whether it be you or any
	// other participant": edits and revokes made through the API too.
	mineRaw := mine[strings.LastIndex(mine, "_")+1:]
	ed := g.WaitEvent("er", "message.edited", func(m map[string]any) bool { return m["editedMessageId"] == mineRaw }, stepWithin)
	if ed.Payload["body"] != "ping (edited)" || ed.Payload["fromMe"] != true {
		t.Fatalf("message.edited of the API's edit: %v", ed.Payload)
	}
	g.Expect(g.Do("DELETE", "/api/er/chats/"+p.cNum+"@c.us/messages/"+mine, nil), 200)
	rv := g.WaitEvent("er", "message.revoked", func(m map[string]any) bool { return m["revokedMessageId"] == mineRaw }, stepWithin)
	before, _ := rv.Payload["before"].(map[string]any)
	after, _ := rv.Payload["after"].(map[string]any)
	if before == nil || before["id"] != mine || before["body"] != "ping (edited)" || after == nil || after["fromMe"] != true {
		t.Fatalf("message.revoked of the API's revoke: %v", rv.Payload)
	}

	// The contact edits and revokes theirs: the session sees both.
	raw := theirs[strings.LastIndex(theirs, "_")+1:]
	if err := p.contact.Edit(ctx(t, stepWithin), p.meNum, raw, "pong (edited)"); err != nil {
		t.Fatal(err)
	}
	ed = g.WaitEvent("er", "message.edited", func(m map[string]any) bool { return m["editedMessageId"] == raw }, stepWithin)
	if ed.Payload["body"] != "pong (edited)" {
		t.Fatalf("message.edited: %v", ed.Payload)
	}
	s.waitMessages(t, p, p.cNum+"@c.us", func(ms []engines.Message) bool {
		for _, m := range ms {
			if m.ID == theirs && m.Body == "pong (edited)" {
				return true
			}
		}
		return false
	})
	if err := p.contact.Revoke(ctx(t, stepWithin), p.meNum, raw); err != nil {
		t.Fatal(err)
	}
	g.WaitEvent("er", "message.revoked", func(m map[string]any) bool { return m["revokedMessageId"] == raw }, stepWithin)
	s.waitMessages(t, p, p.cNum+"@c.us", func(ms []engines.Message) bool {
		for _, m := range ms {
			if m.ID == theirs {
				return false
			}
		}
		return true
	})
}

func (s *suite) archiveAndUnread(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "au")
	if !ok || !s.supports(t, p, "messages.sendText", "chats.list", "chats.messages", "chats.archive", "chats.unarchive", "chats.unread") {
		return
	}
	s.converse(t, p)
	chat := "/api/au/chats/" + p.cNum + "@c.us"
	g.Expect(g.Do("POST", chat+"/archive", nil), 201)
	s.waitChat(t, p, func(c engines.Chat) bool { return c.Archived })
	g.Expect(g.Do("POST", chat+"/unarchive", nil), 201)
	s.waitChat(t, p, func(c engines.Chat) bool { return !c.Archived })
	g.Expect(g.Do("POST", chat+"/unread", nil), 201)
	s.waitChat(t, p, func(c engines.Chat) bool { return c.UnreadCount > 0 })
	// Archived on the phone: the session sees it.
	if err := p.me.Archive(ctx(t, stepWithin), p.cNum, true); err != nil {
		t.Fatal(err)
	}
	s.waitChat(t, p, func(c engines.Chat) bool { return c.Archived })
	g.WaitEvent("au", "chat.archive", func(m map[string]any) bool {
		return m["id"] == p.cNum+"@c.us" && m["archived"] == true
	}, stepWithin)
}

func (s *suite) readMessages(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "rd")
	if !ok || !s.supports(t, p, "messages.sendText", "chats.messages", "chats.readMessages") {
		return
	}
	_, theirs := s.converse(t, p)
	var read map[string][]string
	g.Expect(g.Do("POST", "/api/rd/chats/"+p.cNum+"@c.us/messages/read", map[string]int{"days": 1}), 201).JSON(t, &read)
	if len(read["ids"]) != 1 || read["ids"][0] != theirs {
		t.Fatalf("read: %v, want [%s]", read, theirs)
	}
	g.Expect(g.Do("POST", "/api/rd/chats/"+p.cNum+"@c.us/messages/read", nil), 201).JSON(t, &read)
	if len(read["ids"]) != 0 {
		t.Fatalf("read twice: %v", read)
	}
}

func (s *suite) pinMessage(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "pn")
	if !ok || !s.supports(t, p, "messages.sendText", "chats.messages", "chats.pinMessage", "chats.unpinMessage") {
		return
	}
	mine, _ := s.converse(t, p)
	msg := "/api/pn/chats/" + p.cNum + "@c.us/messages/" + mine
	g.Expect(g.Do("POST", msg+"/pin", map[string]int{"duration": 86400}), 201)
	g.Expect(g.Do("POST", msg+"/unpin", nil), 201)
}

func (s *suite) clearAndDeleteChat(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "cd")
	if !ok || !s.supports(t, p, "messages.sendText", "chats.list", "chats.messages", "chats.clearMessages", "chats.delete") {
		return
	}
	s.converse(t, p)
	chat := "/api/cd/chats/" + p.cNum + "@c.us"
	g.Expect(g.Do("DELETE", chat+"/messages", nil), 200)
	s.waitMessages(t, p, p.cNum+"@c.us", func(ms []engines.Message) bool { return len(ms) == 0 })
	g.Expect(g.Do("DELETE", chat, nil), 200)
	wait.For(t, stepWithin, func() error {
		var chats []engines.Chat
		g.Expect(g.Do("GET", "/api/cd/chats", nil), 200).JSON(t, &chats)
		if len(chats) != 0 {
			return fmt.Errorf("chat still listed after delete: %+v", chats)
		}
		return nil
	})
}

func (s *suite) chatPicture(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "pic")
	if !ok || !s.supports(t, p, "messages.sendText", "chats.picture") {
		return
	}
	s.converse(t, p)
	var pic map[string]*string
	g.Expect(g.Do("GET", "/api/pic/chats/"+p.cNum+"@c.us/picture", nil), 200).JSON(t, &pic)
	if _, ok := pic["url"]; !ok {
		t.Fatalf("picture: %v", pic)
	}
}

func (s *suite) screenshot(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "shot")
	if !ok || !s.supports(t, p, "screenshot.get") {
		return
	}
	r := g.Expect(g.Do("GET", "/api/screenshot?session=shot", nil), 200)
	if !bytes.HasPrefix(r.Body, []byte("\x89PNG")) {
		t.Fatalf("screenshot is not a PNG: %.16q", r.Body)
	}
}

func (s *suite) logout(t *testing.T) {
	g := s.gateway(t, nil)
	if _, ok := s.pair(t, g, "lo"); !ok {
		return
	}
	got := g.Session(g.Expect(g.Do("POST", "/api/sessions/lo/logout", nil), 201))
	if got.Me != nil {
		t.Fatalf("me after logout: %+v", got.Me)
	}
	g.WaitStatus("lo", engines.StatusScanQRCode, pairWithin)
	// A new QR is on offer: the old pairing is gone.
	var qr map[string]string
	g.Expect(g.Do("GET", "/api/lo/auth/qr?format=raw", nil), 200).JSON(t, &qr)
	if qr["value"] == "" {
		t.Fatal("no QR after logout")
	}
}

package enginetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/wagate/wagate/engines"
)

// ChattingPhone is what a phone does and sees of WAHA's Chatting tag beyond
// text: the scenarios send through the API and check what the contact's side
// received, decrypted, and act as the contact to check what the session gets.
type ChattingPhone interface {
	SendLocation(ctx context.Context, to string, loc Location) (string, error)
	SendContacts(ctx context.Context, to string, cards []Card) (string, error)
	SendPoll(ctx context.Context, to, name string, options []string, multiple bool) (string, error)
	// Vote votes on poll pollID of the chat with to; own says the poll is this
	// phone's.
	Vote(ctx context.Context, to, pollID string, own bool, options []string) error
	// React reacts to message id of the chat with to (own: this phone's).
	React(ctx context.Context, to, id string, own bool, emoji string) error
	// SendReply sends text quoting message quoted of the chat with to (own:
	// this phone's message).
	SendReply(ctx context.Context, to, quoted string, own bool, text string) (string, error)
	// SendUndecryptable sends text that reaches to's linked devices
	// undecryptable at first, and readable once they ask for it again.
	SendUndecryptable(ctx context.Context, to, text string) (string, error)
	// WaitReceived waits for what this phone got from the account from that
	// match accepts.
	WaitReceived(ctx context.Context, from string, match func(Received) bool) (Received, error)
	// WaitStarred waits until this phone's account has message id of chat
	// starred (or not).
	WaitStarred(ctx context.Context, chat, id string, starred bool) error
}

// Location is a place a phone sent or got.
type Location struct {
	Latitude, Longitude float64
	Name, Address       string
}

// Card is a contact card a phone sends.
type Card struct {
	Name, VCard string
}

// Received is what a phone got, as it decrypted it. Kind is message,
// reaction, vote, read (a read receipt) or typing.
type Received struct {
	Kind string
	// ID is the message's raw id; of a reaction, vote or read receipt, the
	// raw id of the message it is about.
	ID        string
	Text      string
	Location  *Location
	VCards    []string
	Poll      string   // a poll's question
	Options   []string // a poll's options, or a vote's choices
	Multiple  bool     // a poll that takes several answers
	Reaction  string
	Forwarded bool
	Preview   *Preview
	Mentions  []string // phone numbers
	Buttons   []string // labels of buttons or list rows
	ButtonID  string   // the choice of a buttons reply
	QuotedID  string
	State     string // typing: composing or paused
}

// Preview is a link card a phone got.
type Preview struct {
	Title, Description string
	Thumbnail          bool // with a picture
}

// runChatting runs the Chatting scenarios.
func (s *suite) runChatting(t *testing.T) {
	t.Run("PlacesAndCards", s.placesAndCards)
	t.Run("Polls", s.polls)
	t.Run("Reactions", s.reactions)
	t.Run("ForwardAndStar", s.forwardAndStar)
	t.Run("SeenAndTyping", s.seenAndTyping)
	t.Run("LinkPreviews", s.linkPreviews)
	t.Run("IDsRepliesMentions", s.idsRepliesMentions)
	t.Run("Interactive", s.interactive)
	t.Run("Waiting", s.waiting)
	t.Run("ChattingBadInput", s.chattingBadInput)
}

// chattingProbe is a well-formed request for a Chatting operation.
func chattingProbe(op, session, contact string) (method, path string, body any, ok bool) {
	chat := contact + "@c.us"
	msg := "false_" + chat + "_3EB0000000000000000000"
	b := func(kv ...any) map[string]any {
		m := map[string]any{"session": session, "chatId": chat}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	switch op {
	case "messages.sendTextGet":
		return "GET", "/api/sendText?session=" + session + "&phone=" + contact + "&text=probe", nil, true
	case "messages.reply":
		return "POST", "/api/reply", b("text", "probe", "reply_to", msg), true
	case "messages.sendLinkPreview":
		return "POST", "/api/sendLinkPreview", b("url", "https://example.com/", "title", "probe"), true
	case "messages.sendLinkCustomPreview":
		return "POST", "/api/send/link-custom-preview", b("text", "see https://example.com/", "preview", map[string]string{"url": "https://example.com/", "title": "probe", "description": "d"}), true
	case "messages.getNewMessageId":
		return "GET", "/api/" + session + "/new-message-id", nil, true
	case "messages.sendLocation":
		return "POST", "/api/sendLocation", b("latitude", 1.5, "longitude", 2.5, "title", "probe"), true
	case "messages.sendContactVcard":
		return "POST", "/api/sendContactVcard", b("contacts", []map[string]string{{"fullName": "Probe", "phoneNumber": "+1 555 0100"}}), true
	case "messages.sendPoll":
		return "POST", "/api/sendPoll", b("poll", map[string]any{"name": "probe?", "options": []string{"a", "b"}, "multipleAnswers": false}), true
	case "messages.sendPollVote":
		return "POST", "/api/sendPollVote", b("pollMessageId", msg, "votes", []string{"a"}), true
	case "messages.forwardMessage":
		return "POST", "/api/forwardMessage", b("messageId", msg), true
	case "messages.setReaction":
		return "PUT", "/api/reaction", map[string]any{"session": session, "messageId": msg, "reaction": "👍"}, true
	case "messages.setStar":
		return "PUT", "/api/star", b("messageId", msg, "star", true), true
	case "messages.sendSeen":
		return "POST", "/api/sendSeen", b(), true
	case "messages.startTyping":
		return "POST", "/api/startTyping", b(), true
	case "messages.stopTyping":
		return "POST", "/api/stopTyping", b(), true
	case "messages.checkNumberStatus":
		return "GET", "/api/checkNumberStatus?session=" + session + "&phone=" + contact, nil, true
	case "messages.getMessages":
		return "GET", "/api/messages?session=" + session + "&chatId=" + chat + "&limit=5", nil, true
	case "messages.sendButtons":
		return "POST", "/api/sendButtons", b("header", "h", "body", "b", "footer", "f", "buttons", []map[string]string{{"type": "reply", "text": "ok"}}), true
	case "messages.sendList":
		return "POST", "/api/sendList", b("message", map[string]any{"title": "t", "button": "b", "sections": []map[string]any{{"title": "s", "rows": []map[string]string{{"title": "r", "rowId": "1"}}}}}), true
	case "messages.sendButtonsReply":
		return "POST", "/api/send/buttons/reply", b("selectedDisplayText", "ok", "selectedButtonID", "1"), true
	}
	return "", "", nil, false
}

// raw is the key id of a serialized message id.
func raw(id string) string {
	parts := strings.Split(id, "_")
	if len(parts) < 3 {
		return id
	}
	return parts[2]
}

// got waits for what the contact received from the session's account.
func (s *suite) got(t *testing.T, p paired, what string, match func(Received) bool) Received {
	t.Helper()
	r, err := p.contact.WaitReceived(ctx(t, stepWithin), p.meNum, match)
	if err != nil {
		t.Fatalf("the contact never got %s: %v", what, err)
	}
	return r
}

// post sends a Chatting request of the session and decodes the message it answers.
func (s *suite) post(t *testing.T, p paired, path string, body map[string]any) engines.Message {
	t.Helper()
	body["session"] = p.session
	if _, ok := body["chatId"]; !ok {
		body["chatId"] = p.cNum + "@c.us"
	}
	var m engines.Message
	p.g.Expect(p.g.Do("POST", path, body), http.StatusCreated).JSON(t, &m)
	if !strings.HasPrefix(m.ID, "true_") || !m.FromMe {
		t.Fatalf("%s answered %+v, want our new message", path, m)
	}
	return m
}

func (s *suite) placesAndCards(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "pc")
	if !ok || !s.supports(t, p, "messages.sendLocation", "messages.sendContactVcard", "chats.message") {
		return
	}
	// A location, to the contact.
	m := s.post(t, p, "/api/sendLocation", map[string]any{"latitude": 38.8937255, "longitude": -77.0969763, "title": "Our office"})
	if m.Location == nil || m.Location.Latitude != "38.8937255" || m.Location.Longitude != "-77.0969763" || m.Location.Name != "Our office" {
		t.Fatalf("sent location: %+v", m.Location)
	}
	r := s.got(t, p, "the location", func(r Received) bool { return r.ID == raw(m.ID) && r.Location != nil })
	if r.Location.Latitude != 38.8937255 || r.Location.Longitude != -77.0969763 || r.Location.Name != "Our office" {
		t.Fatalf("the contact got the location %+v", r.Location)
	}
	// One card built from its fields, then two (one given as a vCard).
	m = s.post(t, p, "/api/sendContactVcard", map[string]any{"contacts": []map[string]string{
		{"fullName": "Jane Doe", "organization": "Company Name", "phoneNumber": "+91 11111 11111"},
	}})
	r = s.got(t, p, "the contact card", func(r Received) bool { return r.ID == raw(m.ID) && len(r.VCards) > 0 })
	if v := r.VCards[0]; len(r.VCards) != 1 || !strings.Contains(v, "FN:Jane Doe") || !strings.Contains(v, "ORG:Company Name;") || !strings.Contains(v, "waid=911111111111:+91 11111 11111") {
		t.Fatalf("the contact got the cards %q", r.VCards)
	}
	given := "BEGIN:VCARD\nVERSION:3.0\nFN:John Roe\nTEL;type=CELL;waid=15550001111:+1 555 000 1111\nEND:VCARD"
	m = s.post(t, p, "/api/sendContactVcard", map[string]any{"contacts": []map[string]string{
		{"vcard": given}, {"fullName": "Ann Poe", "phoneNumber": "+1 555 000 2222", "whatsappId": "15550002222"},
	}})
	if len(m.VCards) != 2 {
		t.Fatalf("sent cards: %q", m.VCards)
	}
	r = s.got(t, p, "two contact cards", func(r Received) bool { return r.ID == raw(m.ID) && len(r.VCards) > 0 })
	if len(r.VCards) != 2 || r.VCards[0] != given || !strings.Contains(r.VCards[1], "FN:Ann Poe") || !strings.Contains(r.VCards[1], "waid=15550002222") {
		t.Fatalf("the contact got the cards %q", r.VCards)
	}

	// The contact sends both: each arrives as a message, stored and fetched by id.
	id, err := p.contact.SendLocation(ctx(t, stepWithin), p.meNum, Location{Latitude: 52.5163, Longitude: 13.3777, Name: "Brandenburger Tor", Address: "Pariser Platz, Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	in := "false_" + p.cNum + "@c.us_" + id
	ev := g.WaitEvent("pc", "message", idIs(in), stepWithin)
	loc, _ := ev.Payload["location"].(map[string]any)
	if loc == nil || loc["latitude"] != "52.5163" || loc["longitude"] != "13.3777" || loc["name"] != "Brandenburger Tor" || loc["address"] != "Pariser Platz, Berlin" {
		t.Fatalf("message event of a location: %v", ev.Payload)
	}
	g.WaitEvent("pc", "message.any", idIs(in), stepWithin)
	var one engines.Message
	g.Expect(g.Do("GET", "/api/pc/chats/"+p.cNum+"@c.us/messages/"+in, nil), 200).JSON(t, &one)
	if one.Location == nil || one.Location.Latitude != "52.5163" || one.Location.Name != "Brandenburger Tor" {
		t.Fatalf("the location fetched by id: %+v", one)
	}
	card := "BEGIN:VCARD\nVERSION:3.0\nFN:Max Mustermann\nTEL;type=CELL;waid=4915112345678:+49 151 12345678\nEND:VCARD"
	id, err = p.contact.SendContacts(ctx(t, stepWithin), p.meNum, []Card{{Name: "Max Mustermann", VCard: card}})
	if err != nil {
		t.Fatal(err)
	}
	in = "false_" + p.cNum + "@c.us_" + id
	ev = g.WaitEvent("pc", "message", idIs(in), stepWithin)
	if cards, _ := ev.Payload["vCards"].([]any); len(cards) != 1 || cards[0] != card {
		t.Fatalf("message event of a contact card: %v", ev.Payload)
	}
	msgs := s.waitMessages(t, p, p.cNum+"@c.us", func(ms []engines.Message) bool { return len(ms) > 0 && ms[0].ID == in })
	if len(msgs[0].VCards) != 1 || msgs[0].VCards[0] != card {
		t.Fatalf("the card listed: %+v", msgs[0])
	}
}

func (s *suite) polls(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "poll")
	if !ok || !s.supports(t, p, "messages.sendPoll", "messages.sendPollVote", "chats.messages") {
		return
	}
	// A single-answer poll: the contact sees its options and votes.
	m := s.post(t, p, "/api/sendPoll", map[string]any{"poll": map[string]any{
		"name": "How are you?", "options": []string{"Awesome!", "Good!", "Not bad!"}, "multipleAnswers": false,
	}})
	if m.Body != "How are you?" {
		t.Fatalf("sent poll: %+v", m)
	}
	r := s.got(t, p, "the poll", func(r Received) bool { return r.ID == raw(m.ID) && r.Poll != "" })
	if r.Poll != "How are you?" || !slices.Equal(r.Options, []string{"Awesome!", "Good!", "Not bad!"}) || r.Multiple {
		t.Fatalf("the contact got the poll %+v", r)
	}
	if err := p.contact.Vote(ctx(t, stepWithin), p.meNum, raw(m.ID), false, []string{"Good!"}); err != nil {
		t.Fatal(err)
	}
	ev := g.WaitEvent("poll", "poll.vote", func(pl map[string]any) bool {
		poll, _ := pl["poll"].(map[string]any)
		return poll != nil && poll["id"] == m.ID
	}, stepWithin)
	vote, _ := ev.Payload["vote"].(map[string]any)
	if opts, _ := vote["selectedOptions"].([]any); len(opts) != 1 || opts[0] != "Good!" || vote["fromMe"] != false {
		t.Fatalf("poll.vote: %v", ev.Payload)
	}

	// The contact's poll with several answers: the session votes for two.
	pollID, err := p.contact.SendPoll(ctx(t, stepWithin), p.meNum, "Which days?", []string{"Mon", "Tue", "Wed"}, true)
	if err != nil {
		t.Fatal(err)
	}
	in := "false_" + p.cNum + "@c.us_" + pollID
	ev = g.WaitEvent("poll", "message", idIs(in), stepWithin)
	if ev.Payload["body"] != "Which days?" {
		t.Fatalf("message event of a poll: %v", ev.Payload)
	}
	s.waitMessages(t, p, p.cNum+"@c.us", func(ms []engines.Message) bool { return len(ms) > 0 && ms[0].ID == in })
	e := g.Expect(g.Do("POST", "/api/sendPollVote", map[string]any{"session": "poll", "chatId": p.cNum + "@c.us", "pollMessageId": in, "votes": []string{"Mon", "Sun"}}), 400).Err(t)
	if !strings.Contains(fmt.Sprint(e["message"]), "Sun") {
		t.Fatalf("a vote for no option: %v", e)
	}
	g.Expect(g.Do("POST", "/api/sendPollVote", map[string]any{"session": "poll", "chatId": p.cNum + "@c.us", "pollMessageId": in, "votes": []string{"Mon", "Wed"}}), 201)
	r = s.got(t, p, "the vote", func(r Received) bool { return r.Kind == "vote" && r.ID == pollID })
	if !slices.Equal(r.Options, []string{"Mon", "Wed"}) {
		t.Fatalf("the contact counted the vote %q, want Mon and Wed", r.Options)
	}
}

func (s *suite) reactions(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "re")
	if !ok || !s.supports(t, p, "messages.sendText", "messages.setReaction", "chats.messages") {
		return
	}
	mine, theirs := s.converse(t, p)
	react := func(id, emoji string) {
		t.Helper()
		g.Expect(g.Do("PUT", "/api/reaction", map[string]any{"session": "re", "messageId": id, "reaction": emoji}), 200)
	}
	react(theirs, "👍")
	s.got(t, p, "the reaction", func(r Received) bool { return r.Kind == "reaction" && r.ID == raw(theirs) && r.Reaction == "👍" })
	ev := g.WaitEvent("re", "message.reaction", func(pl map[string]any) bool {
		r, _ := pl["reaction"].(map[string]any)
		return r != nil && r["messageId"] == theirs && r["text"] == "👍"
	}, stepWithin)
	if ev.Payload["fromMe"] != true {
		t.Fatalf("message.reaction of our reaction: %v", ev.Payload)
	}
	react(theirs, "")
	s.got(t, p, "the reaction taken back", func(r Received) bool { return r.Kind == "reaction" && r.ID == raw(theirs) && r.Reaction == "" })

	// The contact reacts to ours.
	if err := p.contact.React(ctx(t, stepWithin), p.meNum, raw(mine), false, "❤️"); err != nil {
		t.Fatal(err)
	}
	ev = g.WaitEvent("re", "message.reaction", func(pl map[string]any) bool {
		r, _ := pl["reaction"].(map[string]any)
		return r != nil && r["messageId"] == mine && r["text"] == "❤️"
	}, stepWithin)
	if ev.Payload["fromMe"] != false || ev.Payload["from"] != p.cNum+"@c.us" {
		t.Fatalf("message.reaction of the contact's reaction: %v", ev.Payload)
	}
	// A reaction to a message that does not exist.
	e := g.Expect(g.Do("PUT", "/api/reaction", map[string]any{"session": "re", "messageId": "false_" + p.cNum + "@c.us_3EB0NOSUCHMESSAGE00", "reaction": "👍"}), 404).Err(t)
	if !strings.Contains(strings.ToLower(fmt.Sprint(e["message"])), "not found") {
		t.Fatalf("reaction to an unknown message: %v", e)
	}
}

func (s *suite) forwardAndStar(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "fw")
	if !ok || !s.supports(t, p, "messages.sendText", "messages.forwardMessage", "messages.setStar", "chats.messages") {
		return
	}
	_, theirs := s.converse(t, p)
	otherNum := s.number()
	other := s.h.Account(t, otherNum, "Other fw")
	var m engines.Message
	g.Expect(g.Do("POST", "/api/forwardMessage", map[string]any{"session": "fw", "chatId": otherNum + "@c.us", "messageId": theirs}), 201).JSON(t, &m)
	if !strings.HasPrefix(m.ID, "true_"+otherNum+"@c.us_") || m.Body != "pong" {
		t.Fatalf("forwarded: %+v", m)
	}
	r, err := other.WaitReceived(ctx(t, stepWithin), p.meNum, func(r Received) bool { return r.ID == raw(m.ID) })
	if err != nil {
		t.Fatalf("the other contact never got the forward: %v", err)
	}
	if !r.Forwarded || r.Text != "pong" {
		t.Fatalf("the other contact got %+v, want a forwarded pong", r)
	}
	// Stars are the account's: its phone sees them.
	star := func(on bool) {
		t.Helper()
		r := g.Expect(g.Do("PUT", "/api/star", map[string]any{"session": "fw", "chatId": p.cNum + "@c.us", "messageId": theirs, "star": on}), 200)
		if len(r.Body) != 0 {
			t.Fatalf("star answered a body: %s", r.Body)
		}
		if err := p.me.WaitStarred(ctx(t, stepWithin), p.cNum+"@c.us", raw(theirs), on); err != nil {
			t.Fatalf("the phone never saw the star (%v): %v", on, err)
		}
	}
	star(true)
	star(false)
}

func (s *suite) seenAndTyping(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "st")
	if !ok || !s.supports(t, p, "messages.sendText", "messages.sendSeen", "messages.startTyping", "messages.stopTyping", "chats.messages") {
		return
	}
	_, theirs := s.converse(t, p)
	var res map[string]any
	g.Expect(g.Do("POST", "/api/sendSeen", map[string]any{"session": "st", "chatId": p.cNum + "@c.us", "messageIds": []string{theirs}}), 201).JSON(t, &res)
	if ids, _ := res["ids"].([]any); len(ids) != 1 || ids[0] != theirs {
		t.Fatalf("sendSeen: %v", res)
	}
	s.got(t, p, "the read receipt", func(r Received) bool { return r.Kind == "read" && r.ID == raw(theirs) })
	for _, c := range []struct{ path, state string }{{"/api/startTyping", "composing"}, {"/api/stopTyping", "paused"}} {
		r := g.Expect(g.Do("POST", c.path, map[string]any{"session": "st", "chatId": p.cNum + "@c.us"}), 201)
		if len(r.Body) != 0 {
			t.Fatalf("%s answered a body: %s", c.path, r.Body)
		}
		s.got(t, p, c.state, func(r Received) bool { return r.Kind == "typing" && r.State == c.state })
	}
	// No ids: the chat's unread messages.
	raw2, err := p.contact.SendText(ctx(t, stepWithin), p.meNum, "read me")
	if err != nil {
		t.Fatal(err)
	}
	unread := "false_" + p.cNum + "@c.us_" + raw2
	s.waitMessages(t, p, p.cNum+"@c.us", func(ms []engines.Message) bool { return len(ms) > 0 && ms[0].ID == unread })
	g.Expect(g.Do("POST", "/api/sendSeen", map[string]any{"session": "st", "chatId": p.cNum + "@c.us"}), 201)
	s.got(t, p, "the read receipt of the unread message", func(r Received) bool { return r.Kind == "read" && r.ID == raw2 })
}

// previewSite serves a page with an Open Graph card and its picture.
func previewSite(t *testing.T) string {
	pic := pngOf(t, 40, 30)
	mux := http.NewServeMux()
	mux.HandleFunc("/article", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html><head><title>Fallback</title>
<meta property="og:title" content="The Article">
<meta property="og:description" content="What it is about">
<meta property="og:image" content="/pic.png"></head><body>text</body></html>`)
	})
	mux.HandleFunc("/pic.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(pic)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func pngOf(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 6), uint8(y * 8), 160, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (s *suite) linkPreviews(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "lp")
	if !ok || !s.supports(t, p, "messages.sendText", "messages.sendLinkCustomPreview", "messages.sendLinkPreview") {
		return
	}
	site := previewSite(t)
	// sendText fetches the card of its link (linkPreview is on by default).
	m := s.post(t, p, "/api/sendText", map[string]any{"text": "read " + site + "/article please"})
	r := s.got(t, p, "the text with its card", func(r Received) bool { return r.ID == raw(m.ID) })
	if r.Preview == nil || r.Preview.Title != "The Article" || r.Preview.Description != "What it is about" || !r.Preview.Thumbnail {
		t.Fatalf("the contact got the preview %+v", r.Preview)
	}
	// …and not when told not to.
	m = s.post(t, p, "/api/sendText", map[string]any{"text": "plain " + site + "/article", "linkPreview": false})
	if r = s.got(t, p, "the text without a card", func(r Received) bool { return r.ID == raw(m.ID) }); r.Preview != nil {
		t.Fatalf("linkPreview false still sent a card: %+v", r.Preview)
	}
	// A card the client makes, with its own picture.
	pic := base64.StdEncoding.EncodeToString(pngOf(t, 64, 64))
	m = s.post(t, p, "/api/send/link-custom-preview", map[string]any{
		"text": "Check this out! https://github.com/", "linkPreviewHighQuality": true,
		"preview": map[string]any{"url": "https://github.com/", "title": "Your Title", "description": "Check this out, amazing!", "image": map[string]string{"data": pic}},
	})
	r = s.got(t, p, "the custom card", func(r Received) bool { return r.ID == raw(m.ID) })
	if r.Preview == nil || r.Preview.Title != "Your Title" || r.Preview.Description != "Check this out, amazing!" || !r.Preview.Thumbnail || r.Text != "Check this out! https://github.com/" {
		t.Fatalf("the contact got %+v (preview %+v)", r, r.Preview)
	}
	e := g.Expect(g.Do("POST", "/api/send/link-custom-preview", map[string]any{"session": "lp", "chatId": p.cNum + "@c.us",
		"text": "no link here", "preview": map[string]any{"url": "https://github.com/", "title": "t", "description": "d"}}), 400).Err(t)
	if !strings.Contains(fmt.Sprint(e["message"]), "text") {
		t.Fatalf("a custom card whose link is not in the text: %v", e)
	}
	// The deprecated form: the title and the link, with its card.
	m = s.post(t, p, "/api/sendLinkPreview", map[string]any{"url": site + "/article", "title": "Look"})
	r = s.got(t, p, "the deprecated link preview", func(r Received) bool { return r.ID == raw(m.ID) })
	if r.Text != "Look\n"+site+"/article" || r.Preview == nil || r.Preview.Title != "The Article" {
		t.Fatalf("sendLinkPreview: the contact got %+v", r)
	}
}

func (s *suite) idsRepliesMentions(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "ids")
	if !ok || !s.supports(t, p, "messages.sendText", "messages.getNewMessageId", "messages.sendTextGet", "messages.reply", "messages.getMessages", "messages.checkNumberStatus", "chats.messages") {
		return
	}
	// The deprecated check-exists.
	var st engines.NumberStatus
	g.Expect(g.Do("GET", "/api/checkNumberStatus?session=ids&phone="+p.cNum, nil), 200).JSON(t, &st)
	if !st.NumberExists || st.ChatID != p.cNum+"@c.us" {
		t.Fatalf("checkNumberStatus of the contact: %+v", st)
	}
	st = engines.NumberStatus{}
	g.Expect(g.Do("GET", "/api/checkNumberStatus?session=ids&phone=4915199999998", nil), 200).JSON(t, &st)
	if st.NumberExists || st.ChatID != "" {
		t.Fatalf("checkNumberStatus of a number nobody has: %+v", st)
	}
	e := g.Expect(g.Do("GET", "/api/checkNumberStatus?session=ids&phone=12ab", nil), 400).Err(t)
	if !strings.Contains(fmt.Sprint(e["message"]), "phone") {
		t.Fatalf("checkNumberStatus of a bad number: %v", e)
	}
	var nid map[string]string
	g.Expect(g.Do("GET", "/api/ids/new-message-id", nil), 200).JSON(t, &nid)
	if len(nid["id"]) < 10 {
		t.Fatalf("new message id: %v", nid)
	}
	m := s.post(t, p, "/api/sendText", map[string]any{"text": "with my id", "id": nid["id"]})
	if raw(m.ID) != nid["id"] {
		t.Fatalf("sent %s, want the pre-generated id %s", m.ID, nid["id"])
	}
	s.got(t, p, "the message with the pre-generated id", func(r Received) bool { return r.ID == nid["id"] && r.Text == "with my id" })
	e = g.Expect(g.Do("POST", "/api/sendText", map[string]any{"session": "ids", "chatId": p.cNum + "@c.us", "text": "x", "id": "not an id!"}), 400).Err(t)
	if !strings.Contains(fmt.Sprint(e["message"]), "id") {
		t.Fatalf("a malformed pre-generated id: %v", e)
	}

	var viaGet engines.Message
	g.Expect(g.Do("GET", "/api/sendText?session=ids&phone="+p.cNum+"&text=via%20GET", nil), 200).JSON(t, &viaGet)
	s.got(t, p, "the text sent with GET", func(r Received) bool { return r.ID == raw(viaGet.ID) && r.Text == "via GET" })

	theirs, err := p.contact.SendText(ctx(t, stepWithin), p.meNum, "quote me")
	if err != nil {
		t.Fatal(err)
	}
	in := "false_" + p.cNum + "@c.us_" + theirs
	s.waitMessages(t, p, p.cNum+"@c.us", func(ms []engines.Message) bool { return len(ms) > 0 && ms[0].ID == in })
	m = s.post(t, p, "/api/reply", map[string]any{"text": "quoted", "reply_to": in})
	if m.ReplyTo == nil || m.ReplyTo.ID != theirs {
		t.Fatalf("reply: %+v", m)
	}
	s.got(t, p, "the reply", func(r Received) bool { return r.ID == raw(m.ID) && r.QuotedID == theirs })

	var list []engines.Message
	g.Expect(g.Do("GET", "/api/messages?session=ids&chatId="+p.cNum+"@c.us&limit=2&downloadMedia=false", nil), 200).JSON(t, &list)
	if len(list) != 2 || list[0].ID != m.ID || list[1].ID != in {
		t.Fatalf("GET /api/messages: %+v", list)
	}
	// The contact quotes ours: the reply says what it quotes.
	replyRaw, err := p.contact.SendReply(ctx(t, stepWithin), p.meNum, raw(m.ID), false, "answering")
	if err != nil {
		t.Fatal(err)
	}
	in = "false_" + p.cNum + "@c.us_" + replyRaw
	ev := g.WaitEvent("ids", "message", idIs(in), stepWithin)
	if rt, _ := ev.Payload["replyTo"].(map[string]any); ev.Payload["body"] != "answering" || rt == nil || rt["id"] != raw(m.ID) || rt["body"] != "quoted" {
		t.Fatalf("message event of a reply: %v", ev.Payload)
	}
	var quoting engines.Message
	g.Expect(g.Do("GET", "/api/ids/chats/"+p.cNum+"@c.us/messages/"+in, nil), 200).JSON(t, &quoting)
	if quoting.ReplyTo == nil || quoting.ReplyTo.ID != raw(m.ID) {
		t.Fatalf("the reply fetched by id: %+v", quoting)
	}
	// Mentions.
	m = s.post(t, p, "/api/sendText", map[string]any{"text": "@" + p.cNum + " look", "mentions": []string{p.cNum + "@c.us"}})
	r := s.got(t, p, "the mention", func(r Received) bool { return r.ID == raw(m.ID) })
	if !slices.Contains(r.Mentions, p.cNum) {
		t.Fatalf("the contact got mentions %q, want %s", r.Mentions, p.cNum)
	}
}

func (s *suite) interactive(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "ia")
	if !ok || !s.supports(t, p, "messages.sendList", "messages.sendButtons", "messages.sendButtonsReply") {
		return
	}
	m := s.post(t, p, "/api/sendList", map[string]any{"message": map[string]any{
		"title": "Simple Menu", "description": "Please choose an option", "footer": "Thank you!", "button": "Choose",
		"sections": []map[string]any{{"title": "Main", "rows": []map[string]any{
			{"title": "Option 1", "rowId": "option1"}, {"title": "Option 2", "rowId": "option2", "description": "the second"},
		}}},
	}})
	r := s.got(t, p, "the list", func(r Received) bool { return r.ID == raw(m.ID) })
	if r.Text != "Please choose an option" || !slices.Equal(r.Buttons, []string{"option1:Option 1", "option2:Option 2"}) {
		t.Fatalf("the contact got the list %+v", r)
	}
	m = s.post(t, p, "/api/sendButtons", map[string]any{"header": "How are you?", "body": "Tell us how are you please", "footer": "f",
		"buttons": []map[string]string{{"type": "reply", "text": "I am good!", "id": "good"}, {"type": "url", "text": "Site", "url": "https://waha.devlike.pro"}}})
	r = s.got(t, p, "the buttons", func(r Received) bool { return r.ID == raw(m.ID) })
	if r.Text != "Tell us how are you please" || len(r.Buttons) != 2 || !strings.HasPrefix(r.Buttons[0], "quick_reply:") || !strings.Contains(r.Buttons[0], `"id":"good"`) || !strings.HasPrefix(r.Buttons[1], "cta_url:") {
		t.Fatalf("the contact got the buttons %+v", r)
	}
	m = s.post(t, p, "/api/send/buttons/reply", map[string]any{"selectedDisplayText": "I am good!", "selectedButtonID": "good"})
	r = s.got(t, p, "the buttons reply", func(r Received) bool { return r.ID == raw(m.ID) })
	if r.Text != "I am good!" || r.ButtonID != "good" {
		t.Fatalf("the contact got the reply %+v", r)
	}
}

func (s *suite) waiting(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "wt")
	if !ok || !s.supports(t, p, "messages.sendText", "chats.messages") {
		return
	}
	s.converse(t, p)
	id, err := p.contact.SendUndecryptable(ctx(t, stepWithin), p.meNum, "late but here")
	if err != nil {
		t.Fatal(err)
	}
	in := "false_" + p.cNum + "@c.us_" + id
	ev := g.WaitEvent("wt", "message.waiting", idIs(in), stepWithin)
	if ev.Payload["fromMe"] != false || ev.Payload["from"] != p.cNum+"@c.us" {
		t.Fatalf("message.waiting: %v", ev.Payload)
	}
	ev = g.WaitEvent("wt", "message", idIs(in), stepWithin)
	if ev.Payload["body"] != "late but here" {
		t.Fatalf("message after the retry: %v", ev.Payload)
	}
}

func (s *suite) chattingBadInput(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "cbad")
	if !ok || !s.supports(t, p, "messages.sendPoll", "messages.sendContactVcard", "messages.sendLocation") {
		return
	}
	chat := p.cNum + "@c.us"
	for _, c := range []struct {
		path     string
		body     map[string]any
		mentions string
	}{
		{"/api/sendPoll", map[string]any{"poll": map[string]any{"name": "?", "options": []string{"only"}}}, "poll.options"},
		{"/api/sendPoll", map[string]any{"poll": map[string]any{"name": "?", "options": []string{"a", "b", "a"}}}, "poll.options[2]"},
		{"/api/sendPoll", map[string]any{"poll": map[string]any{"name": "", "options": []string{"a", "b"}}}, "poll.name"},
		{"/api/sendContactVcard", map[string]any{"contacts": []map[string]string{{}}}, "contacts[0]"},
		{"/api/sendContactVcard", map[string]any{"contacts": []map[string]string{{"vcard": "hello"}}}, "contacts[0].vcard"},
		{"/api/sendContactVcard", map[string]any{"contacts": []any{}}, "contacts"},
		{"/api/sendLocation", map[string]any{"latitude": 91, "longitude": 0, "title": "x"}, "latitude"},
		{"/api/sendLocation", map[string]any{"latitude": 0, "longitude": -181, "title": "x"}, "longitude"},
		{"/api/sendLocation", map[string]any{"longitude": 1, "title": "x"}, "latitude"},
	} {
		c.body["session"], c.body["chatId"] = "cbad", chat
		e := g.Expect(g.Do("POST", c.path, c.body), 400).Err(t)
		if msg := fmt.Sprint(e["message"]); !strings.Contains(msg, c.mentions) {
			t.Errorf("%s %v: message %q does not name %q", c.path, c.body, msg, c.mentions)
		}
	}
}

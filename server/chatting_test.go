package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/store"
)

// TestChattingBadInput: every Chatting handler answers bad input with a 400 that
// names the field, before it reaches an engine.
func TestChattingBadInput(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	// NOWEB: WEBJS cannot send buttons at all, so the gate answers 501 there.
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "c", "engine": "NOWEB", "config": paired()}), 201)
	a.waitStatus("c", engines.StatusWorking)
	chat := "11111@c.us"
	msg := "false_11111@c.us_3EB0AAAA"
	for _, c := range []struct {
		method, path string
		body         map[string]any
		names        string
	}{
		{"POST", "/api/sendText", map[string]any{"text": "x"}, "chatId"},
		{"POST", "/api/sendText", map[string]any{"chatId": chat, "text": "  "}, "text"},
		{"POST", "/api/sendText", map[string]any{"chatId": chat, "text": "x", "reply_to": "nope_1"}, "reply_to"},
		{"POST", "/api/sendText", map[string]any{"chatId": chat, "text": "x", "id": "a b"}, "id"},
		{"POST", "/api/sendText", map[string]any{"chatId": chat, "text": "x", "mentions": []string{"all"}}, "mentions[0]"},
		{"POST", "/api/sendText", map[string]any{"chatId": chat, "text": "x", "mentions": []string{"120363@g.us"}}, "mentions[0]"},
		{"POST", "/api/sendText", map[string]any{"chatId": chat, "text": "x", "mentions": "11111@c.us"}, "mentions"},
		{"POST", "/api/reply", map[string]any{"chatId": chat}, "text"},
		{"POST", "/api/sendLinkPreview", map[string]any{"chatId": chat, "url": "ftp://x", "title": "t"}, "url"},
		{"POST", "/api/send/link-custom-preview", map[string]any{"chatId": chat, "text": "see https://a.example/"}, "preview"},
		{"POST", "/api/send/link-custom-preview", map[string]any{"chatId": chat, "text": "see https://a.example/",
			"preview": map[string]any{"url": "https://b.example/", "title": "t", "description": "d"}}, "text"},
		{"POST", "/api/send/link-custom-preview", map[string]any{"chatId": chat, "text": "see https://a.example/",
			"preview": map[string]any{"url": "https://a.example/", "description": "d"}}, "preview.title"},
		{"POST", "/api/send/link-custom-preview", map[string]any{"chatId": chat, "text": "see https://a.example/",
			"preview": map[string]any{"url": "https://a.example/", "title": "t", "image": map[string]string{"data": "!!"}}}, "preview.image.data"},
		{"POST", "/api/send/link-custom-preview", map[string]any{"chatId": chat, "text": "see https://a.example/",
			"preview": map[string]any{"url": "https://a.example/", "title": "t", "image": map[string]string{"data": "aGVsbG8="}}}, "preview.image"},
		{"POST", "/api/send/link-custom-preview", map[string]any{"chatId": chat, "text": "see https://a.example/",
			"preview": map[string]any{"url": "https://a.example/", "title": "t", "image": map[string]string{"url": "http://169.254.169.254/latest/meta-data/"}}}, "preview.image.url"},
		{"POST", "/api/sendLocation", map[string]any{"chatId": chat, "latitude": 10, "longitude": 200, "title": "x"}, "longitude"},
		{"POST", "/api/sendLocation", map[string]any{"chatId": chat, "latitude": "north", "longitude": 2}, "latitude"},
		{"POST", "/api/sendContactVcard", map[string]any{"chatId": chat}, "contacts"},
		{"POST", "/api/sendContactVcard", map[string]any{"chatId": chat, "contacts": []map[string]string{{"fullName": "A"}}}, "contacts[0].phoneNumber"},
		{"POST", "/api/sendContactVcard", map[string]any{"chatId": chat, "contacts": []map[string]string{{"phoneNumber": "+1 2"}}}, "contacts[0].fullName"},
		{"POST", "/api/sendContactVcard", map[string]any{"chatId": chat, "contacts": []map[string]string{
			{"fullName": "A", "phoneNumber": "+1 2"}, {"fullName": "B", "phoneNumber": "3", "whatsappId": "+3@c.us"}}}, "contacts[1].whatsappId"},
		{"POST", "/api/sendPoll", map[string]any{"chatId": chat}, "poll"},
		{"POST", "/api/sendPoll", map[string]any{"chatId": chat, "poll": map[string]any{"name": "q", "options": []string{"a", " "}}}, "poll.options[1]"},
		{"POST", "/api/sendPoll", map[string]any{"chatId": chat, "poll": map[string]any{"name": "q", "options": []string{"a", "b"}, "multipleAnswers": "maybe"}}, "multipleAnswers"},
		{"POST", "/api/sendPoll", map[string]any{"chatId": chat, "poll": map[string]any{"name": "q",
			"options": []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"}}}, "poll.options"},
		{"POST", "/api/sendPollVote", map[string]any{"chatId": chat, "votes": []string{"a"}}, "pollMessageId"},
		{"POST", "/api/sendPollVote", map[string]any{"chatId": chat, "pollMessageId": "false_22222@c.us_3EB0A", "votes": []string{"a"}}, "pollMessageId"},
		{"POST", "/api/sendPollVote", map[string]any{"chatId": chat, "pollMessageId": msg}, "votes"},
		{"POST", "/api/sendPollVote", map[string]any{"chatId": chat, "pollMessageId": msg, "votes": []any{1}}, "votes[0]"},
		{"POST", "/api/forwardMessage", map[string]any{"chatId": chat}, "messageId"},
		{"POST", "/api/forwardMessage", map[string]any{"chatId": chat, "messageId": "3EB0AAAA"}, "messageId"},
		{"PUT", "/api/reaction", map[string]any{"messageId": msg}, "reaction"},
		{"PUT", "/api/reaction", map[string]any{"messageId": "x_y", "reaction": "👍"}, "messageId"},
		{"PUT", "/api/star", map[string]any{"chatId": chat, "messageId": msg}, "star"},
		{"PUT", "/api/star", map[string]any{"chatId": "22222@c.us", "messageId": msg, "star": true}, "messageId"},
		{"POST", "/api/sendSeen", map[string]any{"chatId": chat, "messageIds": []string{"bad id"}}, "messageIds[0]"},
		{"POST", "/api/sendSeen", map[string]any{"chatId": chat, "participant": "22222@c.us"}, "participant"},
		{"POST", "/api/startTyping", map[string]any{}, "chatId"},
		{"POST", "/api/stopTyping", map[string]any{"chatId": "not a chat!"}, "chatId"},
		{"POST", "/api/sendButtons", map[string]any{"chatId": chat, "body": "b"}, "buttons"},
		{"POST", "/api/sendButtons", map[string]any{"chatId": chat, "body": "b", "buttons": []map[string]string{{"type": "url", "text": "t"}}}, "buttons[0].url"},
		{"POST", "/api/sendButtons", map[string]any{"chatId": chat, "body": "b", "buttons": []map[string]string{{"type": "sms", "text": "t"}}}, "buttons[0].type"},
		{"POST", "/api/sendButtons", map[string]any{"chatId": chat, "body": "b", "buttons": []map[string]string{{"type": "call", "text": "t"}}}, "buttons[0].phoneNumber"},
		{"POST", "/api/sendButtons", map[string]any{"chatId": chat, "body": "b", "headerImage": map[string]string{"url": "https://x/"}, "buttons": []map[string]string{{"text": "t"}}}, "headerImage"},
		{"POST", "/api/sendList", map[string]any{"chatId": chat, "message": map[string]any{"title": "t", "button": "b"}}, "message.sections"},
		{"POST", "/api/sendList", map[string]any{"chatId": chat, "message": map[string]any{"title": "t", "button": "b", "sections": []map[string]any{
			{"title": "s", "rows": []map[string]string{{"title": "r", "rowId": "1"}, {"title": "q", "rowId": "1"}}}}}}, "message.sections[0].rows[1].rowId"},
		{"POST", "/api/send/buttons/reply", map[string]any{"chatId": chat, "selectedDisplayText": "x"}, "selectedButtonID"},
	} {
		c.body["session"] = "c"
		e := a.Expect(a.Do(c.method, c.path, c.body), 400).Err(t)
		if msg, _ := e["message"].(string); !strings.Contains(msg, c.names) {
			t.Errorf("%s %s %v: %q does not name %s", c.method, c.path, c.body, msg, c.names)
		}
	}
	for _, c := range []struct{ path, names string }{
		{"/api/sendText?session=c&text=x", "phone"},
		{"/api/sendText?session=c&phone=11111", "text"},
		{"/api/messages?session=c", "chatId"},
		{"/api/messages?session=c&chatId=11111&limit=0", "limit"},
		{"/api/checkNumberStatus?session=c&phone=12ab", "phone"},
	} {
		e := a.Expect(a.Do("GET", c.path, nil), 400).Err(t)
		if msg, _ := e["message"].(string); !strings.Contains(msg, c.names) {
			t.Errorf("GET %s: %q does not name %s", c.path, msg, c.names)
		}
	}
}

// TestChattingOnText: the deprecated text forms and sendText's new fields reach
// the engine (memnet keeps what it was given).
func TestChattingOnText(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	bob := a.net.Account("11111", "Bob")
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "c", "config": paired()}), 201)
	a.waitStatus("c", engines.StatusWorking)
	var m engines.Message
	a.Expect(a.Do("POST", "/api/sendText", map[string]any{"session": "c", "chatId": "11111", "text": "mine", "id": "3EB0CAFE01"}), 201).JSON(t, &m)
	if m.ID != "true_11111@c.us_3EB0CAFE01" {
		t.Fatalf("pre-generated id: %+v", m)
	}
	a.Expect(a.Do("GET", "/api/sendText?session=c&phone=%2B11%20111&text=by%20GET", nil), 200).JSON(t, &m)
	if m.Body != "by GET" || !strings.HasPrefix(m.ID, "true_11111@c.us_") {
		t.Fatalf("GET sendText: %+v", m)
	}
	raw, _ := bob.SendText(context.Background(), myPhone, "quote me")
	a.Expect(a.Do("POST", "/api/reply", map[string]any{"session": "c", "chatId": "11111@c.us", "text": "re", "reply_to": "false_11111@c.us_" + raw}), 201).JSON(t, &m)
	if m.ReplyTo == nil || m.ReplyTo.ID != raw {
		t.Fatalf("reply: %+v", m)
	}
	var list []engines.Message
	a.Expect(a.Do("GET", "/api/messages?session=c&chatId=11111@c.us&limit=10&filter.fromMe=true", nil), 200).JSON(t, &list)
	if len(list) != 3 || list[0].ID != m.ID {
		t.Fatalf("GET /api/messages: %+v", list)
	}
	// memnet has no polls: the matrix's support, its engine's 501.
	e := a.Expect(a.Do("POST", "/api/sendPoll", map[string]any{"session": "c", "chatId": "11111", "poll": map[string]any{"name": "q", "options": []string{"a", "b"}}}), 501).Err(t)
	if e["operation"] != "messages.sendPoll" {
		t.Fatalf("501: %v", e)
	}
}

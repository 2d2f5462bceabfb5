package server_test

import (
	"strings"
	"testing"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/store"
)

// TestChatsAPI drives every Chats operation and sendText through HTTP against the
// fake engine: the handlers' parsing, the engine calls and the response shapes.
func TestChatsAPI(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	a.expect(a.do("POST", "/api/sessions", map[string]any{"name": "c", "config": map[string]any{"metadata": map[string]string{"pair": "auto"}}}), 201)
	acct := a.world.account("c")

	var sent engines.Message
	a.expect(a.do("POST", "/api/sendText", map[string]any{"session": "c", "chatId": "11111", "text": "hello"}), 201).json(t, &sent)
	if sent.ID != "true_11111@c.us_3EB00001" || !sent.FromMe || *sent.Body != "hello" || sent.AckName != "SERVER" {
		t.Fatalf("sent: %+v", sent)
	}
	in1 := acct.receive("222@c.us", "first")
	in2 := acct.receive("222@c.us", "second")
	a.expect(a.do("POST", "/api/sendText", map[string]any{"session": "c", "chatId": "222@c.us", "text": "re", "reply_to": in1}), 201)

	var chats []engines.Chat
	a.expect(a.do("GET", "/api/c/chats?limit=1&sortBy=messageTimestamp&sortOrder=desc", nil), 200).json(t, &chats)
	if len(chats) != 1 || chats[0].ID != "222@c.us" {
		t.Fatalf("chats page: %+v", chats)
	}
	a.expect(a.do("GET", "/api/c/chats?offset=1&sortBy=id&sortOrder=asc", nil), 200).json(t, &chats)
	if len(chats) != 1 || chats[0].ID != "222@c.us" {
		t.Fatalf("chats by id: %+v", chats)
	}

	var ov []engines.ChatSummary
	a.expect(a.do("GET", "/api/c/chats/overview?ids=11111&ids=33333@c.us", nil), 200).json(t, &ov)
	if len(ov) != 1 || ov[0].ID != "11111@c.us" || string(ov[0].Raw) != "{}" {
		t.Fatalf("overview: %+v", ov)
	}
	a.expect(a.do("POST", "/api/c/chats/overview", map[string]any{"pagination": map[string]any{"limit": 5}, "filter": map[string]any{"ids": []string{"222@c.us"}}}), 201).json(t, &ov)
	if len(ov) != 1 || ov[0].ID != "222@c.us" {
		t.Fatalf("overview post: %+v", ov)
	}

	var pic map[string]*string
	a.expect(a.do("GET", "/api/c/chats/222%40c.us/picture?refresh=true", nil), 200).json(t, &pic)
	if pic["url"] == nil || !strings.Contains(*pic["url"], "222") {
		t.Fatalf("picture: %v", pic)
	}
	a.expect(a.do("GET", "/api/c/chats/999@c.us/picture", nil), 404).err(t)

	// Messages, newest first, with filters; the chat id with %40 or @.
	var msgs []engines.Message
	a.expect(a.do("GET", "/api/c/chats/222%40c.us/messages?limit=10&downloadMedia=false", nil), 200).json(t, &msgs)
	if len(msgs) != 3 || msgs[0].Body == nil || *msgs[0].Body != "re" || msgs[0].ReplyTo == nil {
		t.Fatalf("messages: %+v", msgs)
	}
	a.expect(a.do("GET", "/api/c/chats/222@c.us/messages?filter.fromMe=false&sortOrder=asc", nil), 200).json(t, &msgs)
	if len(msgs) != 2 || msgs[0].ID != in1 {
		t.Fatalf("incoming, oldest first: %+v", msgs)
	}
	a.expect(a.do("GET", "/api/c/chats/all/messages?filter.ack=DEVICE", nil), 200).json(t, &msgs)
	if len(msgs) != 2 {
		t.Fatalf("all chats, DEVICE: %+v", msgs)
	}

	// One message: full id, %40-escaped, or bare with chat "all".
	var m engines.Message
	a.expect(a.do("GET", "/api/c/chats/222%40c.us/messages/"+strings.ReplaceAll(in2, "@", "%40"), nil), 200).json(t, &m)
	if m.ID != in2 {
		t.Fatalf("message: %+v", m)
	}
	bare := in2[strings.LastIndex(in2, "_")+1:]
	a.expect(a.do("GET", "/api/c/chats/all/messages/"+bare, nil), 200).json(t, &m)
	if m.ID != in2 {
		t.Fatalf("bare message: %+v", m)
	}
	e := a.expect(a.do("GET", "/api/c/chats/222@c.us/messages/false_222@c.us_NOPE", nil), 404).err(t)
	if !strings.Contains(e["message"].(string), "not found") {
		t.Fatalf("missing message: %v", e)
	}

	// Edit, pin, unpin, delete our message.
	a.expect(a.do("PUT", "/api/c/chats/11111@c.us/messages/"+sent.ID, map[string]any{"text": "hello!"}), 200).json(t, &m)
	if *m.Body != "hello!" || !m.Edited {
		t.Fatalf("edited: %+v", m)
	}
	for _, act := range []string{"pin", "unpin"} {
		var ok map[string]bool
		body := map[string]any{"duration": 604800}
		a.expect(a.do("POST", "/api/c/chats/11111@c.us/messages/"+sent.ID+"/"+act, body), 201).json(t, &ok)
		if !ok["success"] {
			t.Fatalf("%s: %v", act, ok)
		}
	}
	a.expect(a.do("DELETE", "/api/c/chats/11111@c.us/messages/"+sent.ID, nil), 200)

	// Read: query (spec) and body (docs).
	var read map[string][]string
	a.expect(a.do("POST", "/api/c/chats/222@c.us/messages/read?days=7", nil), 201).json(t, &read)
	if len(read["ids"]) != 2 {
		t.Fatalf("read: %v", read)
	}
	a.expect(a.do("POST", "/api/c/chats/222@c.us/messages/read", map[string]int{"messages": 30, "days": 1}), 201).json(t, &read)
	if len(read["ids"]) != 0 {
		t.Fatalf("read again: %v", read)
	}

	// Archive, unarchive, unread.
	a.expect(a.do("POST", "/api/c/chats/222@c.us/archive", nil), 201)
	a.expect(a.do("GET", "/api/c/chats", nil), 200).json(t, &chats)
	if !archived(chats, "222@c.us") {
		t.Fatalf("not archived: %+v", chats)
	}
	a.expect(a.do("POST", "/api/c/chats/222@c.us/unarchive", nil), 201)
	a.expect(a.do("POST", "/api/c/chats/11111@c.us/unread", nil), 201)
	a.expect(a.do("GET", "/api/c/chats", nil), 200).json(t, &chats)
	if archived(chats, "222@c.us") {
		t.Fatalf("still archived: %+v", chats)
	}

	// Clear, then delete.
	a.expect(a.do("DELETE", "/api/c/chats/222@c.us/messages", nil), 200)
	a.expect(a.do("GET", "/api/c/chats/222@c.us/messages", nil), 200).json(t, &msgs)
	if len(msgs) != 0 {
		t.Fatalf("after clear: %+v", msgs)
	}
	a.expect(a.do("DELETE", "/api/c/chats/222@c.us", nil), 200)
	a.expect(a.do("GET", "/api/c/chats", nil), 200).json(t, &chats)
	if len(chats) != 1 {
		t.Fatalf("after delete: %+v", chats)
	}
	a.expect(a.do("POST", "/api/c/chats/222@c.us/archive", nil), 404).err(t)
}

func archived(chats []engines.Chat, id string) bool {
	for _, c := range chats {
		if c.ID == id {
			return c.Archived
		}
	}
	return false
}

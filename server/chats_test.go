package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/store"
)

// TestChatsAPI drives every Chats operation and sendText through HTTP against the
// fake engine: the handlers' parsing, the engine calls and the response shapes.
func TestChatsAPI(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "c", "config": paired()}), 201)
	alice := a.net.Account("22222", "Alice")
	a.net.Account("11111", "Bob")

	var sent engines.Message
	a.Expect(a.Do("POST", "/api/sendText", map[string]any{"session": "c", "chatId": "11111", "text": "hello"}), 201).JSON(t, &sent)
	if !strings.HasPrefix(sent.ID, "true_11111@c.us_3EB0") || !sent.FromMe || sent.Body != "hello" || sent.AckName != "SERVER" {
		t.Fatalf("sent: %+v", sent)
	}
	raw1, _ := alice.SendText(context.Background(), myPhone, "first")
	raw2, _ := alice.SendText(context.Background(), myPhone, "second")
	in1, in2 := "false_22222@c.us_"+raw1, "false_22222@c.us_"+raw2
	a.Expect(a.Do("POST", "/api/sendText", map[string]any{"session": "c", "chatId": "22222@c.us", "text": "re", "reply_to": in1}), 201)

	var chats []engines.Chat
	a.Expect(a.Do("GET", "/api/c/chats?limit=1&sortBy=messageTimestamp&sortOrder=desc", nil), 200).JSON(t, &chats)
	if len(chats) != 1 || chats[0].ID != "22222@c.us" {
		t.Fatalf("chats page: %+v", chats)
	}
	a.Expect(a.Do("GET", "/api/c/chats?offset=1&sortBy=id&sortOrder=asc", nil), 200).JSON(t, &chats)
	if len(chats) != 1 || chats[0].ID != "22222@c.us" {
		t.Fatalf("chats by id: %+v", chats)
	}

	var ov []engines.ChatSummary
	a.Expect(a.Do("GET", "/api/c/chats/overview?ids=11111&ids=33333@c.us", nil), 200).JSON(t, &ov)
	if len(ov) != 1 || ov[0].ID != "11111@c.us" || string(ov[0].Raw) != "{}" {
		t.Fatalf("overview: %+v", ov)
	}
	a.Expect(a.Do("POST", "/api/c/chats/overview", map[string]any{"pagination": map[string]any{"limit": 5}, "filter": map[string]any{"ids": []string{"22222@c.us"}}}), 201).JSON(t, &ov)
	if len(ov) != 1 || ov[0].ID != "22222@c.us" {
		t.Fatalf("overview post: %+v", ov)
	}

	var pic map[string]*string
	a.Expect(a.Do("GET", "/api/c/chats/22222%40c.us/picture?refresh=true", nil), 200).JSON(t, &pic)
	if pic["url"] == nil || !strings.Contains(*pic["url"], "22222") {
		t.Fatalf("picture: %v", pic)
	}
	a.Expect(a.Do("GET", "/api/c/chats/999@c.us/picture", nil), 404).Err(t)

	// Messages, newest first, with filters; the chat id with %40 or @.
	var msgs []engines.Message
	a.Expect(a.Do("GET", "/api/c/chats/22222%40c.us/messages?limit=10&downloadMedia=false", nil), 200).JSON(t, &msgs)
	if len(msgs) != 3 || msgs[0].Body != "re" || msgs[0].ReplyTo == nil {
		t.Fatalf("messages: %+v", msgs)
	}
	a.Expect(a.Do("GET", "/api/c/chats/22222@c.us/messages?filter.fromMe=false&sortOrder=asc", nil), 200).JSON(t, &msgs)
	if len(msgs) != 2 || msgs[0].ID != in1 {
		t.Fatalf("incoming, oldest first: %+v", msgs)
	}
	a.Expect(a.Do("GET", "/api/c/chats/all/messages?filter.ack=DEVICE", nil), 200).JSON(t, &msgs)
	if len(msgs) != 2 {
		t.Fatalf("all chats, DEVICE: %+v", msgs)
	}

	// One message: full id, %40-escaped, or bare with chat "all".
	var m engines.Message
	a.Expect(a.Do("GET", "/api/c/chats/22222%40c.us/messages/"+strings.ReplaceAll(in2, "@", "%40"), nil), 200).JSON(t, &m)
	if m.ID != in2 {
		t.Fatalf("message: %+v", m)
	}
	bare := in2[strings.LastIndex(in2, "_")+1:]
	a.Expect(a.Do("GET", "/api/c/chats/all/messages/"+bare, nil), 200).JSON(t, &m)
	if m.ID != in2 {
		t.Fatalf("bare message: %+v", m)
	}
	e := a.Expect(a.Do("GET", "/api/c/chats/22222@c.us/messages/false_22222@c.us_NOPE", nil), 404).Err(t)
	if !strings.Contains(e["message"].(string), "not found") {
		t.Fatalf("missing message: %v", e)
	}

	// WhatsApp lets us edit only our own messages.
	e = a.Expect(a.Do("PUT", "/api/c/chats/22222@c.us/messages/"+in1, map[string]any{"text": "mine now"}), 422).Err(t)
	if !strings.Contains(e["message"].(string), "not allowed") {
		t.Fatalf("editing theirs: %v", e)
	}

	// Edit, pin, unpin, delete our message.
	a.Expect(a.Do("PUT", "/api/c/chats/11111@c.us/messages/"+sent.ID, map[string]any{"text": "hello!"}), 200).JSON(t, &m)
	if m.Body != "hello!" || !m.Edited {
		t.Fatalf("edited: %+v", m)
	}
	for _, act := range []string{"pin", "unpin"} {
		var ok map[string]bool
		body := map[string]any{"duration": 604800}
		a.Expect(a.Do("POST", "/api/c/chats/11111@c.us/messages/"+sent.ID+"/"+act, body), 201).JSON(t, &ok)
		if !ok["success"] {
			t.Fatalf("%s: %v", act, ok)
		}
	}
	a.Expect(a.Do("DELETE", "/api/c/chats/11111@c.us/messages/"+sent.ID, nil), 200)

	// Read: query (spec) and body (docs).
	var read map[string][]string
	a.Expect(a.Do("POST", "/api/c/chats/22222@c.us/messages/read?days=7", nil), 201).JSON(t, &read)
	if len(read["ids"]) != 2 {
		t.Fatalf("read: %v", read)
	}
	a.Expect(a.Do("POST", "/api/c/chats/22222@c.us/messages/read", map[string]int{"messages": 30, "days": 1}), 201).JSON(t, &read)
	if len(read["ids"]) != 0 {
		t.Fatalf("read again: %v", read)
	}

	// Archive, unarchive, unread.
	a.Expect(a.Do("POST", "/api/c/chats/22222@c.us/archive", nil), 201)
	a.Expect(a.Do("GET", "/api/c/chats", nil), 200).JSON(t, &chats)
	if !archived(chats, "22222@c.us") {
		t.Fatalf("not archived: %+v", chats)
	}
	a.Expect(a.Do("POST", "/api/c/chats/22222@c.us/unarchive", nil), 201)
	a.Expect(a.Do("POST", "/api/c/chats/11111@c.us/unread", nil), 201)
	a.Expect(a.Do("GET", "/api/c/chats", nil), 200).JSON(t, &chats)
	if archived(chats, "22222@c.us") {
		t.Fatalf("still archived: %+v", chats)
	}

	// Clear, then delete.
	a.Expect(a.Do("DELETE", "/api/c/chats/22222@c.us/messages", nil), 200)
	a.Expect(a.Do("GET", "/api/c/chats/22222@c.us/messages", nil), 200).JSON(t, &msgs)
	if len(msgs) != 0 {
		t.Fatalf("after clear: %+v", msgs)
	}
	a.Expect(a.Do("DELETE", "/api/c/chats/22222@c.us", nil), 200)
	a.Expect(a.Do("GET", "/api/c/chats", nil), 200).JSON(t, &chats)
	if len(chats) != 1 {
		t.Fatalf("after delete: %+v", chats)
	}
	a.Expect(a.Do("POST", "/api/c/chats/22222@c.us/archive", nil), 404).Err(t)
}

func archived(chats []engines.Chat, id string) bool {
	for _, c := range chats {
		if c.ID == id {
			return c.Archived
		}
	}
	return false
}

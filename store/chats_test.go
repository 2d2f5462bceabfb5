package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

func msg(chat, id string, fromMe bool, ts int64, body string) chatstore.Message {
	b := body
	ack := engines.AckDevice
	if fromMe {
		ack = engines.AckServer
	}
	return chatstore.Message{
		Chat: chat, ID: id, FromMe: fromMe, Timestamp: ts, Ack: ack,
		Message: engines.Message{ID: fmt.Sprintf("%t_%s_%s", fromMe, chat, id), Timestamp: ts, FromMe: fromMe, From: chat, Body: b},
	}
}

func chatID(s string) engines.ChatID {
	id, err := engines.ParseChatID(s)
	if err != nil {
		panic(err)
	}
	return id
}

func TestChatStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s, _ := storetest.Open(t, d)
		cs := s.ChatStore()
		a, b := "111@c.us", "222@c.us"
		in := msg(a, "A1", false, 100, "hi\x00there \xff")
		in.ChatName = "Alice\x00"
		if _, err := cs.SaveMessages(ctx, "s", []chatstore.Message{in, msg(a, "A2", false, 101, "two"), msg(b, "B1", true, 102, "yo")}, true); err != nil {
			t.Fatal(err)
		}
		// Redelivery changes nothing.
		if n, err := cs.SaveMessages(ctx, "s", []chatstore.Message{msg(a, "A2", false, 101, "two")}, true); err != nil || n != 0 {
			t.Fatalf("redelivered: %d new, %v", n, err)
		}
		chats, err := cs.ListChats(ctx, "s", engines.ChatQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(chats) != 2 || chats[0].ID != b || chats[1].UnreadCount != 2 || chats[1].Name != "Alice" || chats[1].LastMessageID != "A2" {
			t.Fatalf("chats: %+v", chats)
		}
		got, err := cs.GetMessage(ctx, "s", "", "A1")
		if err != nil || got.Message.Body != "hi\x00there \uFFFD" || got.Message.AckName != "DEVICE" {
			t.Fatalf("A1: %+v %v", got, err)
		}
		// An answer from the account resets the unread count.
		if _, err := cs.SaveMessages(ctx, "s", []chatstore.Message{msg(a, "A3", true, 103, "ok")}, true); err != nil {
			t.Fatal(err)
		}
		if c, _ := cs.GetChat(ctx, "s", a); c.UnreadCount != 0 || c.LastMessageTimestamp != 103 {
			t.Fatalf("after answer: %+v", c)
		}
		changed, err := cs.SetAck(ctx, "s", a, []string{"A3"}, engines.AckRead)
		if err != nil || len(changed) != 1 || changed[0].Message.Ack != engines.AckRead {
			t.Fatalf("ack: %+v %v", changed, err)
		}
		if changed, _ := cs.SetAck(ctx, "s", a, []string{"A3"}, engines.AckDevice); len(changed) != 0 {
			t.Fatalf("ack went down: %+v", changed)
		}
		fromMe, ack := false, engines.AckDevice
		page, err := cs.ListMessages(ctx, "s", engines.MessageQuery{Chat: chatID(a), Limit: 1, Offset: 1, FromMe: &fromMe, Ack: &ack})
		if err != nil || len(page) != 1 || page[0].ID != "A1" {
			t.Fatalf("page: %+v %v", page, err)
		}
		if e, err := cs.EditMessage(ctx, "s", a, "A2", "two!"); err != nil || e.Message.Body != "two!" || !e.Message.Edited {
			t.Fatalf("edit: %+v %v", e, err)
		}
		if _, err := cs.EditMessage(ctx, "s", a, "nope", "x"); !errors.Is(err, engines.ErrNotFound) {
			t.Fatalf("edit unknown: %v", err)
		}
		if err := cs.DeleteMessage(ctx, "s", a, "A3"); err != nil {
			t.Fatal(err)
		}
		ov, err := cs.ChatsOverview(ctx, "s", engines.OverviewQuery{Limit: 5, IDs: []engines.ChatID{chatID(a)}})
		if err != nil || len(ov) != 1 || ov[0].LastMessage == nil || ov[0].LastMessage.ID != "A2" || ov[0].LastMessage.Message.Body != "two!" {
			t.Fatalf("overview: %+v %v", ov, err)
		}
		archived := true
		if err := cs.UpdateChat(ctx, "s", a, chatstore.ChatChange{Archived: &archived}); err != nil {
			t.Fatal(err)
		}
		// One person under a LID and a phone number becomes one chat.
		lid := "999@lid"
		if _, err := cs.SaveMessages(ctx, "s", []chatstore.Message{msg(lid, "L1", false, 200, "via lid")}, true); err != nil {
			t.Fatal(err)
		}
		if err := cs.MergeChat(ctx, "s", lid, a); err != nil {
			t.Fatal(err)
		}
		c, err := cs.GetChat(ctx, "s", a)
		if err != nil || !c.Archived || c.LastMessageID != "L1" || c.UnreadCount != 1 {
			t.Fatalf("merged: %+v %v", c, err)
		}
		if m, err := cs.GetMessage(ctx, "s", a, "L1"); err != nil || m.Message.ID != "false_111@c.us_L1" {
			t.Fatalf("merged message: %+v %v", m, err)
		}
		if _, err := cs.GetChat(ctx, "s", lid); !errors.Is(err, engines.ErrNotFound) {
			t.Fatalf("lid chat left: %v", err)
		}
		if err := cs.ClearChat(ctx, "s", a, 1000); err != nil {
			t.Fatal(err)
		}
		if ms, _ := cs.ListMessages(ctx, "s", engines.MessageQuery{Chat: chatID(a)}); len(ms) != 0 {
			t.Fatalf("after clear: %+v", ms)
		}
		if err := cs.DeleteChat(ctx, "s", b); err != nil {
			t.Fatal(err)
		}
		if chats, _ := cs.ListChats(ctx, "s", engines.ChatQuery{SortBy: engines.SortByName, SortOrder: engines.SortAsc}); len(chats) != 1 || chats[0].ID != a {
			t.Fatalf("after delete: %+v", chats)
		}
	})
}

// TestChatStoreHistoryBatch saves a history sync's worth of messages in one call.
func TestChatStoreHistoryBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s, _ := storetest.Open(t, d)
		cs := s.ChatStore()
		var ms []chatstore.Message
		for i := range 1200 {
			ms = append(ms, msg(fmt.Sprintf("%d@c.us", 100+i%7), fmt.Sprintf("H%d", i), i%2 == 0, int64(i), "history"))
		}
		if err := cs.SaveChats(ctx, "s", []chatstore.Chat{{ID: "100@c.us", Name: "Hundred", Pinned: true, UnreadCount: 3}}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.SaveMessages(ctx, "s", ms, false); err != nil {
			t.Fatal(err)
		}
		c, err := cs.GetChat(ctx, "s", "100@c.us")
		if err != nil || !c.Pinned || c.UnreadCount != 3 || c.Name != "Hundred" || c.LastMessageID != "H1197" {
			t.Fatalf("chat: %+v %v", c, err)
		}
		all, err := cs.ListMessages(ctx, "s", engines.MessageQuery{Limit: 10, Offset: 1000})
		if err != nil || len(all) != 10 || all[0].ID != "H199" {
			t.Fatalf("all chats page: %d %v", len(all), err)
		}
	})
}

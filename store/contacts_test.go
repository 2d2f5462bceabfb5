package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

func TestContactStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s, _ := storetest.Open(t, d)
		ks, cs := s.ChatStore(), s.ChatStore()
		const pn, lid = "491511111111@c.us", "99887766@lid"
		get := func(id string) chatstore.Contact {
			t.Helper()
			k, err := ks.GetContact(ctx, "s", id)
			if err != nil {
				t.Fatalf("GetContact(%s): %v", id, err)
			}
			return *k
		}
		chatName := func(id string) string {
			t.Helper()
			c, err := cs.GetChat(ctx, "s", id)
			if err != nil {
				t.Fatalf("GetChat(%s): %v", id, err)
			}
			return c.Name
		}
		// Chats exist before the names arrive (messages of a history sync).
		if _, err := cs.SaveMessages(ctx, "s", []chatstore.Message{msg(lid, "L1", false, 100, "hi"), msg("333@c.us", "C1", false, 101, "yo")}, false); err != nil {
			t.Fatal(err)
		}

		// A push name under the LID alone: a LID contact; its chat is named.
		if err := ks.SaveContacts(ctx, "s", []chatstore.Contact{{ID: lid, PushName: "Bobby\x00 \xff"}}); err != nil {
			t.Fatal(err)
		}
		if k := get(lid); k.ID != lid || k.PushName != "Bobby \uFFFD" {
			t.Fatalf("LID contact = %+v", k)
		}
		if n := chatName(lid); n != "Bobby \uFFFD" {
			t.Errorf("chat name from push name = %q", n)
		}

		// The LID map links the phone number: one contact, under the number,
		// keeping the push name; found by either id.
		if err := ks.SaveContacts(ctx, "s", []chatstore.Contact{{ID: pn, LID: lid}}); err != nil {
			t.Fatal(err)
		}
		k := get(pn)
		if k.ID != pn || k.LID != lid || k.PushName != "Bobby \uFFFD" {
			t.Fatalf("merged contact = %+v", k)
		}
		if k2 := get(lid); k2 != k {
			t.Errorf("GetContact by LID = %+v, want %+v", k2, k)
		}
		all, err := ks.ListContacts(ctx, "s", engines.ContactQuery{})
		if err != nil || len(all) != 1 {
			t.Fatalf("ListContacts = %+v, %v; want the one merged contact", all, err)
		}

		// A contact app-state update under the LID lands on the phone-number
		// contact; the address-book name renames the chat, a later push name
		// does not.
		if err := ks.SaveContacts(ctx, "s", []chatstore.Contact{{ID: lid, Name: "Robert Smith", ShortName: "Robert"}}); err != nil {
			t.Fatal(err)
		}
		if k := get(pn); k.Name != "Robert Smith" || k.ShortName != "Robert" || k.PushName != "Bobby \uFFFD" || k.DisplayName() != "Robert Smith" {
			t.Fatalf("after contact update = %+v", k)
		}
		if n := chatName(lid); n != "Robert Smith" {
			t.Errorf("chat name from address book = %q", n)
		}
		if err := ks.SaveContacts(ctx, "s", []chatstore.Contact{{ID: pn, PushName: "Bob"}, {ID: "333@c.us", PushName: "Carol"}}); err != nil {
			t.Fatal(err)
		}
		if k := get(pn); k.PushName != "Bob" || k.Name != "Robert Smith" {
			t.Errorf("after push name = %+v", k)
		}
		if n := chatName(lid); n != "Robert Smith" {
			t.Errorf("push name replaced the address-book name: %q", n)
		}
		if n := chatName("333@c.us"); n != "Carol" {
			t.Errorf("chat without a name, after push name = %q", n)
		}

		// A number first, its LID contact later: the LID contact folds in, filling
		// only what the number's contact lacks.
		if err := ks.SaveContacts(ctx, "s", []chatstore.Contact{{ID: "444@c.us", Name: "Dora"}, {ID: "444@lid", PushName: "D", Name: "Other"}, {ID: "444@c.us", LID: "444@lid"}}); err != nil {
			t.Fatal(err)
		}
		if k := get("444@lid"); k.ID != "444@c.us" || k.Name != "Dora" || k.PushName != "D" {
			t.Errorf("folded contact = %+v", k)
		}
		if page, err := ks.ListContacts(ctx, "s", engines.ContactQuery{Limit: 2, Offset: 1}); err != nil || len(page) != 2 || page[0].ID != "444@c.us" {
			t.Errorf("ListContacts(2, 1) = %+v, %v", page, err)
		}
		ids := func(ks []chatstore.Contact) (out []string) {
			for _, k := range ks {
				out = append(out, k.ID)
			}
			return out
		}
		byName, err := ks.ListContacts(ctx, "s", engines.ContactQuery{SortBy: engines.ContactSortName, SortOrder: engines.SortDesc})
		if got := ids(byName); err != nil || len(got) != 3 || got[0] != pn || got[1] != "444@c.us" || got[2] != "333@c.us" {
			t.Errorf("ListContacts by name, desc = %v, %v; want Robert, Dora, Carol", got, err)
		}
		// Both ids known: the LID map, by LID.
		lids, err := ks.ListLIDs(ctx, "s", 10, 0)
		if err != nil || len(lids) != 2 || lids[0].LID != "444@lid" || lids[0].ID != "444@c.us" || lids[1].LID != lid || lids[1].ID != pn {
			t.Errorf("ListLIDs = %+v, %v", lids, err)
		}
		if n, err := ks.CountLIDs(ctx, "s"); err != nil || n != 2 {
			t.Errorf("CountLIDs = %d, %v; want 2", n, err)
		}
		if page, err := ks.ListLIDs(ctx, "s", 1, 1); err != nil || len(page) != 1 || page[0].LID != lid {
			t.Errorf("ListLIDs(1, 1) = %+v, %v", page, err)
		}
		if _, err := ks.GetContact(ctx, "other", pn); !errors.Is(err, engines.ErrNotFound) {
			t.Errorf("other session: err = %v, want ErrNotFound", err)
		}
		if err := ks.DeleteSessionData(ctx, "s"); err != nil {
			t.Fatal(err)
		}
		if all, _ := ks.ListContacts(ctx, "s", engines.ContactQuery{}); len(all) != 0 {
			t.Errorf("after delete: %+v", all)
		}
	})
}

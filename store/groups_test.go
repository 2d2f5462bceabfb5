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

func TestGroupStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s, _ := storetest.Open(t, d)
		gs := s.ChatStore()
		pn := func(s string) *string { return &s }
		a := chatstore.Group{ID: "111@g.us", Subject: "Beta\x00", Owner: "1@c.us", Creation: 50, Announce: true,
			Participants: []engines.GroupParticipant{
				{ID: "1@c.us", Role: engines.RoleSuperAdmin},
				{ID: "22@lid", PN: pn("2@c.us"), Role: engines.RoleParticipant},
				{ID: "3@c.us", Role: engines.RoleAdmin},
			}}
		b := chatstore.Group{ID: "222@g.us", Subject: "Alpha", Participants: []engines.GroupParticipant{{ID: "1@c.us", Role: engines.RoleAdmin}}}
		if err := gs.SaveGroups(ctx, "s", []chatstore.Group{a, b}, false); err != nil {
			t.Fatal(err)
		}
		if n, err := gs.CountGroups(ctx, "s"); err != nil || n != 2 {
			t.Fatalf("CountGroups = %d, %v", n, err)
		}
		g, err := gs.GetGroup(ctx, "s", "111@g.us")
		if err != nil {
			t.Fatal(err)
		}
		if g.Subject != "Beta" || g.Size != 3 || !g.Announce || g.Owner != "1@c.us" || len(g.Participants) != 3 {
			t.Fatalf("GetGroup = %+v", g)
		}
		// Admins first.
		if g.Participants[0].Role != engines.RoleSuperAdmin || g.Participants[1].Role != engines.RoleAdmin {
			t.Errorf("participants order = %+v", g.Participants)
		}
		api := g.API()
		if api.MembersCanSendMessages || !api.MembersCanAddNewMember || api.Owner == nil || len(api.Participants) != 3 {
			t.Errorf("API = %+v", api)
		}
		// The group is a chat, named by its subject.
		if ch, err := gs.GetChat(ctx, "s", "111@g.us"); err != nil || ch.Name != "Beta" || ch.ConversationTimestamp != 50 {
			t.Errorf("group chat = %+v, %v", ch, err)
		}

		list, err := gs.ListGroups(ctx, "s", engines.GroupQuery{SortBy: engines.GroupSortSubject, SortOrder: engines.SortAsc})
		if err != nil || len(list) != 2 || list[0].ID != "222@g.us" || len(list[1].Participants) != 3 {
			t.Fatalf("ListGroups by subject = %+v, %v", list, err)
		}
		list, err = gs.ListGroups(ctx, "s", engines.GroupQuery{Limit: 1, Offset: 1, ExcludeParticipants: true})
		if err != nil || len(list) != 1 || list[0].ID != "222@g.us" || list[0].Participants != nil || list[0].Size != 1 {
			t.Fatalf("ListGroups page = %+v, %v", list, err)
		}

		// Promote, add, remove by either id; the size follows.
		if err := gs.SetParticipants(ctx, "s", "111@g.us", []engines.GroupParticipant{
			{ID: "22@lid", PN: pn("2@c.us"), Role: engines.RoleAdmin}, {ID: "4@c.us", Role: engines.RoleParticipant}}); err != nil {
			t.Fatal(err)
		}
		if err := gs.RemoveParticipants(ctx, "s", "111@g.us", []string{"2@c.us", "3@c.us"}); err != nil {
			t.Fatal(err)
		}
		g, _ = gs.GetGroup(ctx, "s", "111@g.us")
		if g.Size != 2 || len(g.Participants) != 2 || g.Participants[1].ID != "4@c.us" {
			t.Fatalf("after changes = %+v", g)
		}

		subject, yes := "Gamma", true
		if err := gs.UpdateGroup(ctx, "s", "111@g.us", chatstore.GroupChange{Subject: &subject, Locked: &yes, InviteCode: pn("AbC123")}); err != nil {
			t.Fatal(err)
		}
		g, _ = gs.GetGroup(ctx, "s", "111@g.us")
		if g.Subject != "Gamma" || !g.Locked || g.InviteCode != "AbC123" || *g.API().Invite != "https://chat.whatsapp.com/AbC123" {
			t.Errorf("after update = %+v", g)
		}
		if ch, _ := gs.GetChat(ctx, "s", "111@g.us"); ch.Name != "Gamma" {
			t.Errorf("chat name after subject = %q", ch.Name)
		}
		if err := gs.UpdateGroup(ctx, "s", "999@g.us", chatstore.GroupChange{Subject: &subject}); !errors.Is(err, engines.ErrNotFound) {
			t.Errorf("UpdateGroup(unknown) = %v", err)
		}

		// A refresh with every group forgets the rest; a save keeps the invite code.
		a.Subject, a.InviteCode = "Delta", ""
		if err := gs.SaveGroups(ctx, "s", []chatstore.Group{a}, true); err != nil {
			t.Fatal(err)
		}
		if _, err := gs.GetGroup(ctx, "s", "222@g.us"); !errors.Is(err, engines.ErrNotFound) {
			t.Errorf("group left out of a refresh: %v", err)
		}
		g, _ = gs.GetGroup(ctx, "s", "111@g.us")
		if g.Subject != "Delta" || g.Size != 3 || g.InviteCode != "AbC123" {
			t.Errorf("after refresh = %+v", g)
		}

		// Receipts per member: the message's ack is the one every other member reached.
		for _, step := range []struct {
			who  string
			ack  engines.Ack
			rose bool
			all  engines.Ack
		}{
			{"4@c.us", engines.AckDevice, true, 0},
			{"4@c.us", engines.AckDevice, false, 0},
			{"22@lid", engines.AckRead, true, engines.AckDevice},
			{"4@c.us", engines.AckRead, true, engines.AckRead},
			{"4@c.us", engines.AckDevice, false, engines.AckRead},
		} {
			rose, all, err := gs.SetGroupAck(ctx, "s", "111@g.us", "M1", step.who, step.ack)
			if err != nil || rose != step.rose || all != step.all {
				t.Errorf("SetGroupAck(%s, %v) = %v, %v, %v; want %v, %v", step.who, step.ack, rose, all, err, step.rose, step.all)
			}
		}

		if err := gs.DeleteGroup(ctx, "s", "111@g.us"); err != nil {
			t.Fatal(err)
		}
		if n, _ := gs.CountGroups(ctx, "s"); n != 0 {
			t.Errorf("count after delete = %d", n)
		}
		if err := gs.SaveGroups(ctx, "s", []chatstore.Group{b}, false); err != nil {
			t.Fatal(err)
		}
		if err := gs.DeleteSessionData(ctx, "s"); err != nil {
			t.Fatal(err)
		}
		if n, _ := gs.CountGroups(ctx, "s"); n != 0 {
			t.Errorf("count after DeleteSessionData = %d", n)
		}
	})
}

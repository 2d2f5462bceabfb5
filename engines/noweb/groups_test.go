package noweb

import (
	"bytes"
	"testing"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/noweb/simnet"
	"github.com/wagate/wagate/store"
)

// TestGroupMessageTypes: every kind of message the session sends to a group
// (text mentioning everyone, location, contact card, poll, image) is decrypted
// by each member's phone; a member's reaction and poll vote come back with the
// member as participant.
func TestGroupMessageTypes(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx := testCtx(t)
	const me, bobN, carolN = "491510000081", "491510000082", "491510000083"
	if _, err := e.srv.CreateAccount(ctx, me, "Alice"); err != nil {
		t.Fatal(err)
	}
	var members []*simnet.Phone
	for _, n := range []string{bobN, carolN} {
		p, err := e.srv.CreateAccount(ctx, n, "Member "+n)
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, p)
	}
	files := testFiles(t, "http://gw.example")
	eng, h := newEngine(t, e.mediaFactory(t, files), "groupkinds")
	pairByQR(t, ctx, e, eng, h, me)
	bob, _ := engines.ParseChatID(bobN)
	carol, _ := engines.ParseChatID(carolN)
	info, err := eng.CreateGroup(ctx, "Kinds", []engines.ChatID{bob, carol})
	if err != nil {
		t.Fatal(err)
	}
	gid, _ := engines.ParseChatID(info.ID)
	for _, m := range members {
		if _, err := m.WaitFor(ctx, func(ev simnet.Event) bool { return ev.Type == "group_join" && ev.Chat == info.ID }); err != nil {
			t.Fatal(err)
		}
	}
	raw := func(m *engines.Message, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		id, err := engines.ParseMessageID(m.ID)
		if err != nil || id.Participant.String() != me+"@c.us" {
			t.Fatalf("group message id %q: want the sender as participant (%v)", m.ID, err)
		}
		return id.ID
	}
	seen := func(what, id string, ok func(simnet.Event) bool) simnet.Event {
		t.Helper()
		var ev simnet.Event
		for _, m := range members {
			got, err := m.WaitFor(ctx, func(ev simnet.Event) bool { return ev.Type == "message" && ev.ID == id && ev.Chat == info.ID })
			if err != nil {
				t.Fatalf("%s: a member got nothing: %v", what, err)
			}
			if !ok(got) {
				t.Fatalf("%s: a member decrypted %+v", what, got)
			}
			ev = got
		}
		return ev
	}

	id := raw(eng.SendText(ctx, engines.SendText{Chat: gid, Text: "hello all", MentionAll: true}))
	seen("text mentioning all", id, func(ev simnet.Event) bool { return ev.Text == "hello all" && len(ev.Mentions) == 2 })
	id = raw(eng.SendLocation(ctx, engines.SendLocation{Chat: gid, Latitude: 52.52, Longitude: 13.405, Title: "Berlin"}))
	seen("location", id, func(ev simnet.Event) bool { return ev.Location != nil && ev.Location.Name == "Berlin" })
	id = raw(eng.SendContacts(ctx, engines.SendContacts{Chat: gid, Contacts: []engines.VCard{{DisplayName: "Jane",
		VCard: "BEGIN:VCARD\nVERSION:3.0\nFN:Jane\nTEL;type=CELL;waid=15550100009:+1 555 010 0009\nEND:VCARD"}}}))
	seen("contact card", id, func(ev simnet.Event) bool { return len(ev.VCards) == 1 })
	pollID := raw(eng.SendPoll(ctx, engines.SendPoll{Chat: gid, Name: "Lunch?", Options: []string{"yes", "no"}}))
	seen("poll", pollID, func(ev simnet.Event) bool { return ev.Poll == "Lunch?" && len(ev.Options) == 2 })
	data := bytes.Repeat([]byte("image"), 20_000)
	file, err := files.Spool(bytes.NewReader(data), "image/jpeg", "pic.jpg")
	if err != nil {
		t.Fatal(err)
	}
	id = raw(eng.SendMedia(ctx, engines.SendMedia{Chat: gid, Kind: engines.MediaImage, Caption: "a picture",
		File: engines.MediaFile{Path: file.Path, Size: file.Size, Mimetype: "image/jpeg", Filename: file.Filename, Width: 10, Height: 10}}))
	seen("image", id, func(ev simnet.Event) bool {
		return ev.Media != nil && ev.Media.Error == "" && ev.Media.Type == "image" && ev.Media.SHA256 == sha(data) && ev.Media.Caption == "a picture"
	})

	// A member reacts and votes: the session gets them with the member as participant.
	if _, err := members[0].React(ctx, info.ID, me, id, "👍"); err != nil {
		t.Fatal(err)
	}
	h.waitEmitted(t, ctx, "message.reaction", func(p any) bool {
		r, ok := p.(engines.ReactionPayload)
		return ok && r.Participant != nil && *r.Participant == bobN+"@c.us" && r.Reaction.Text == "👍"
	})
	if _, err := members[1].Vote(ctx, info.ID, me, pollID, []string{"yes"}); err != nil {
		t.Fatal(err)
	}
	h.waitEmitted(t, ctx, "poll.vote", func(p any) bool {
		v, ok := p.(engines.PollVotePayload)
		return ok && len(v.Vote.SelectedOptions) == 1 && v.Vote.SelectedOptions[0] == "yes"
	})
}

// TestGroupsOfANewlyPairedAccount: groups the account was in before the
// session paired are listed once it connects; one a contact adds it to later
// arrives as group.v2.join, and the contact's rename as group.v2.update.
func TestGroupsOfANewlyPairedAccount(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx := testCtx(t)
	const me, them = "491510000091", "491510000092"
	if _, err := e.srv.CreateAccount(ctx, me, "Alice"); err != nil {
		t.Fatal(err)
	}
	bob, err := e.srv.CreateAccount(ctx, them, "Bob")
	if err != nil {
		t.Fatal(err)
	}
	old, err := bob.CreateGroup(ctx, "Before pairing", []string{me})
	if err != nil {
		t.Fatal(err)
	}
	eng, h := newEngine(t, e.factory, "oldgroups")
	pairByQR(t, ctx, e, eng, h, me)
	waitUntil(t, ctx, func() bool {
		gs, err := eng.ListGroups(ctx, engines.GroupQuery{})
		return err == nil && len(gs) == 1 && gs[0].ID == old.ID && gs[0].Subject == "Before pairing" && len(gs[0].Participants) == 2
	})
	later, err := bob.CreateGroup(ctx, "After pairing", []string{me})
	if err != nil {
		t.Fatal(err)
	}
	h.waitEmitted(t, ctx, engines.EventGroupV2Join, func(p any) bool {
		j, ok := p.(engines.GroupJoinPayload)
		return ok && j.Group.ID == later.ID && j.Group.Subject == "After pairing" && j.Group.MemberRole(them+"@c.us") == engines.RoleSuperAdmin
	})
	if err := bob.SetGroupSubject(ctx, later.ID, "Renamed"); err != nil {
		t.Fatal(err)
	}
	h.waitEmitted(t, ctx, engines.EventGroupV2Update, func(p any) bool {
		u, ok := p.(engines.GroupUpdatePayload)
		return ok && u.Group.ID == later.ID && u.Group.Subject != nil && *u.Group.Subject == "Renamed" && u.Author != nil && *u.Author == them+"@c.us"
	})
	// Added to a group later: group.v2.join with the whole group.
	third, err := bob.CreateGroup(ctx, "Added later", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.ChangeParticipants(ctx, third.ID, "add", []string{me}); err != nil {
		t.Fatal(err)
	}
	h.waitEmitted(t, ctx, engines.EventGroupV2Join, func(p any) bool {
		j, ok := p.(engines.GroupJoinPayload)
		return ok && j.Group.ID == third.ID && len(j.Group.Participants) == 2
	})
	if n, err := eng.CountGroups(ctx); err != nil || n != 3 {
		t.Errorf("CountGroups = %d, %v", n, err)
	}
}

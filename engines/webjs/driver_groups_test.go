package webjs

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/webjs/fakeweb"
)

func squareJPEG(tb testing.TB, side int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, side, side)), nil); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TestDriverGroups drives every group operation of the page against
// fakeweb and checks each on the server's side (what the members see), with
// the group events the notifications produce and per-member receipts.
func TestDriverGroups(t *testing.T) {
	fw := startFake(t, fakeweb.Options{}, fakeweb.Account{Chats: 3})
	ctx := ctxT(t, 120*time.Second)
	peers := map[string]fakeweb.Peer{
		"A": {Phone: "4915100000101", LID: "9101@lid", PushName: "Ann"},
		"B": {Phone: "4915100000102", LID: "9102@lid", PushName: "Bob"},
		"C": {Phone: "4915100000103", LID: "9103@lid", PushName: "Cem"},
		"E": {Phone: "4915100000105", LID: "9105@lid", PushName: "Eve", NoGroupAdd: true},
		"F": {Phone: "4915100000106", LID: "9106@lid", PushName: "Fay"},
	}
	for _, p := range peers {
		if err := fw.SetPeer(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	pn := func(k string) string { return peers[k].Phone + "@c.us" }
	h := launch(t, fw, t.TempDir(), Config{CallTimeout: 15 * time.Second})
	h.pairByQR(t)
	d := h.d
	groupEvent := func(from int, what string, pred func(*GroupEvent) bool) *GroupEvent {
		t.Helper()
		return h.ev.wait(t, from, 10*time.Second, what, func(e Event) bool { return e.Type == EventGroup && e.Group != nil && pred(e.Group) }).Group
	}
	server := func(id string) *fakeweb.ServerGroup {
		t.Helper()
		g, err := fw.ServerGroup(ctx, id)
		if err != nil || g == nil {
			t.Fatalf("server group %s: %v, %v", id, g, err)
		}
		return g
	}

	// --- create: who WhatsApp will not add is told per participant ---
	mark := h.ev.mark()
	c, err := d.CreateGroup(ctx, "Team", []string{pn("A"), pn("B"), pn("C"), "4915100000104@c.us", pn("E")})
	if err != nil {
		t.Fatal(err)
	}
	gid := c.Group.ID
	codes := map[string]int{}
	for _, r := range c.Results {
		codes[r.ID] = r.Code
	}
	if codes[pn("A")] != 200 || codes[pn("C")] != 200 || codes["4915100000104@c.us"] != 404 || codes[pn("E")] != 403 {
		t.Fatalf("create results = %+v", c.Results)
	}
	if !strings.HasSuffix(gid, "@g.us") || c.Group.Subject != "Team" || len(c.Group.Participants) != 4 || c.Group.Size != 4 {
		t.Fatalf("created group = %+v", c.Group)
	}
	for _, p := range c.Group.Participants {
		if !strings.HasSuffix(p.ID, "@c.us") || p.PN == nil || *p.PN != p.ID {
			t.Fatalf("a phone-number group's member: %+v", p)
		}
	}
	sg := server(gid)
	if sg.Subject != "Team" || len(sg.Participants) != 4 || sg.Member(pn("B")) == nil || sg.Member(pn("E")) != nil || !sg.Member("15551234567@c.us").IsSuperAdmin {
		t.Fatalf("the members see %+v", sg)
	}
	if j := groupEvent(mark, "join", func(g *GroupEvent) bool { return g.Kind == "join" && g.Group == gid }); j.Info == nil || j.Info.Subject != "Team" {
		t.Fatalf("join event = %+v", j)
	}

	// --- list, count, get ---
	gs, err := d.Groups(ctx, engines.GroupQuery{SortBy: engines.GroupSortSubject})
	if err != nil || !slices.ContainsFunc(gs, func(g engines.GroupInfo) bool { return g.ID == gid }) {
		t.Fatalf("groups = %+v, %v", gs, err)
	}
	if n, err := d.GroupCount(ctx); err != nil || n != len(gs) {
		t.Fatalf("count = %d, %v; listed %d", n, err, len(gs))
	}
	if _, err := d.Group(ctx, "120363999999999999@g.us"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown group: %v", err)
	}
	if _, err := d.Group(ctx, pn("A")); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a person as group: %v", err)
	}

	// --- subject, description, settings ---
	mark = h.ev.mark()
	if err := d.SetGroupSubject(ctx, gid, "Team 2"); err != nil {
		t.Fatal(err)
	}
	if u := groupEvent(mark, "subject", func(g *GroupEvent) bool { return g.Kind == "update" && g.Change != nil && g.Change.Subject != nil }); *u.Change.Subject != "Team 2" {
		t.Fatalf("update = %+v", u.Change)
	}
	if err := d.SetGroupDescription(ctx, gid, "about us"); err != nil {
		t.Fatal(err)
	}
	if err := d.SetGroupDescription(ctx, gid, "about us, again"); err != nil {
		t.Fatal(err) // the second change goes against the first one's id
	}
	if sg := server(gid); sg.Subject != "Team 2" || sg.Desc != "about us, again" {
		t.Fatalf("server: %+v", sg)
	}
	mark = h.ev.mark()
	if err := d.SetGroupSetting(ctx, gid, engines.SettingMessagesAdminOnly, true); err != nil {
		t.Fatal(err)
	}
	if s, err := d.GroupSetting(ctx, gid, engines.SettingMessagesAdminOnly); err != nil || !s.AdminsOnly || !server(gid).Announce {
		t.Fatalf("messages-admin-only = %+v, %v", s, err)
	}
	groupEvent(mark, "announce", func(g *GroupEvent) bool {
		return g.Kind == "update" && g.Change != nil && g.Change.MembersCanSendMessages != nil && !*g.Change.MembersCanSendMessages
	})
	// A member who is no admin cannot send now.
	if _, err := fw.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: gid, Author: pn("A"), Body: "hi"}); err == nil {
		t.Fatal("the server took a non-admin's message to an admins-only group")
	}
	if err := d.SetGroupSetting(ctx, gid, engines.SettingMessagesAdminOnly, false); err != nil {
		t.Fatal(err)
	}
	if err := d.SetGroupSetting(ctx, gid, engines.SettingInfoAdminOnly, true); err != nil {
		t.Fatal(err)
	}
	if s, err := d.GroupSetting(ctx, gid, engines.SettingInfoAdminOnly); err != nil || !s.AdminsOnly || !server(gid).Restrict {
		t.Fatalf("info-admin-only = %+v, %v", s, err)
	}

	// --- participants: add, promote, demote, remove, each answered per participant ---
	mark = h.ev.mark()
	rs, err := d.UpdateParticipants(ctx, gid, engines.ParticipantsAdd, []string{pn("F"), pn("A"), "4915100000104@c.us", pn("E")})
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{rs[0].Code, rs[1].Code, rs[2].Code, rs[3].Code}; !slices.Equal(got, []int{200, 409, 404, 403}) || rs[3].InviteCode == nil {
		t.Fatalf("add results = %+v", rs)
	}
	if ev := groupEvent(mark, "add", func(g *GroupEvent) bool { return g.Kind == "participants" && g.Type == engines.ParticipantsJoined }); len(ev.Participants) != 1 || ev.Participants[0].ID != pn("F") {
		t.Fatalf("participants join = %+v", ev)
	}
	mark = h.ev.mark()
	rs, err = d.UpdateParticipants(ctx, gid, engines.ParticipantsPromote, []string{pn("A"), pn("E")})
	if err != nil || rs[0].Code != 200 || rs[1].Code != 409 {
		t.Fatalf("promote = %+v, %v", rs, err)
	}
	if !server(gid).Member(pn("A")).IsAdmin {
		t.Fatal("the members do not see A as admin")
	}
	if ev := groupEvent(mark, "promote", func(g *GroupEvent) bool { return g.Kind == "participants" && g.Type == engines.ParticipantsPromoted }); ev.Participants[0].Role != engines.RoleAdmin {
		t.Fatalf("promote event = %+v", ev)
	}
	if rs, err = d.UpdateParticipants(ctx, gid, engines.ParticipantsDemote, []string{peers["A"].LID}); err != nil || rs[0].Code != 200 || server(gid).Member(pn("A")).IsAdmin {
		t.Fatalf("demote by LID = %+v, %v", rs, err)
	}
	mark = h.ev.mark()
	if rs, err = d.UpdateParticipants(ctx, gid, engines.ParticipantsRemove, []string{pn("B")}); err != nil || rs[0].Code != 200 || server(gid).Member(pn("B")) != nil {
		t.Fatalf("remove = %+v, %v", rs, err)
	}
	groupEvent(mark, "remove", func(g *GroupEvent) bool {
		return g.Kind == "participants" && g.Type == engines.ParticipantsLeft && g.Participants[0].Role == engines.RoleLeft
	})
	ps, err := d.GroupParticipants(ctx, gid)
	if err != nil || len(ps) != 4 {
		t.Fatalf("participants = %+v, %v", ps, err)
	}

	// --- messages: per-member receipts, the message's ack the slowest's ---
	mark = h.ev.mark()
	sent, err := d.SendText(ctx, SendTextRequest{ChatID: gid, Text: "hello team"})
	if err != nil {
		t.Fatal(err)
	}
	members := []string{pn("A"), pn("C"), pn("F")}
	delivered := map[string]bool{}
	h.ev.wait(t, mark, 10*time.Second, "delivery receipts", func(e Event) bool {
		if e.Type == EventAck && e.Ack != nil && e.Ack.Ack == 2 && e.Ack.Participant != nil && strings.HasPrefix(e.Ack.ID, "true_"+gid) {
			delivered[*e.Ack.Participant] = true
		}
		return len(delivered) == 3
	})
	for _, m := range members {
		if !delivered[m] {
			t.Fatalf("no delivery from %s: %v", m, delivered)
		}
	}
	for i, m := range members {
		ack, err := fw.GroupReceipt(ctx, sent.ID, m, "read")
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: 3, false: 2}[i == len(members)-1]; ack != want {
			t.Fatalf("after %d reads the message's ack is %d, want %d", i+1, ack, want)
		}
	}
	h.ev.wait(t, mark, 5*time.Second, "read by F", func(e Event) bool {
		return e.Type == EventAck && e.Ack != nil && e.Ack.Ack == 3 && e.Ack.Participant != nil && *e.Ack.Participant == pn("F")
	})
	// Every kind of message goes to a group, and reaches every member.
	sends := h.ev.mark()
	loc, err := d.SendLocation(ctx, LocationRequest{SendOptions: SendOptions{ChatID: gid}, Latitude: 52.5, Longitude: 13.4, Name: "Here"})
	if err != nil {
		t.Fatal(err)
	}
	poll, err := d.SendPoll(ctx, PollRequest{SendOptions: SendOptions{ChatID: gid}, Name: "Lunch?", Options: []string{"yes", "no"}})
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(t.TempDir(), "p.jpg")
	if err := os.WriteFile(img, squareJPEG(t, 64), 0o600); err != nil {
		t.Fatal(err)
	}
	pic, err := d.SendMedia(ctx, SendMediaRequest{ChatID: gid, Path: img, Mimetype: "image/jpeg", Filename: "p.jpg", Caption: "look", Kind: "image"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []Message{loc, poll, pic} {
		got := map[string]bool{}
		h.ev.wait(t, sends, 10*time.Second, m.Type+" delivered to every member", func(e Event) bool {
			if e.Type == EventAck && e.Ack != nil && e.Ack.ID == m.ID && e.Ack.Ack == 2 && e.Ack.Participant != nil {
				got[*e.Ack.Participant] = true
			}
			return len(got) == 3
		})
		if mi, err := fw.MessageInfo(ctx, m.ID); err != nil || mi == nil || len(mi.Delivery) != 3 || mi.DeliveryRemaining != 0 {
			t.Fatalf("%s %s reached %+v (%v)", m.Type, m.ID, mi, err)
		}
	}
	in, err := fw.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: gid, Author: pn("C"), Body: "hi all", NotifyName: "Cem"})
	if err != nil {
		t.Fatal(err)
	}
	got := h.ev.wait(t, mark, 5*time.Second, "group message", func(e Event) bool { return e.Type == EventMessage && e.Message != nil && e.Message.ID == in })
	if p := got.Message.Participant; p == nil || *p != pn("C") || *got.Message.From != gid {
		t.Fatalf("group message = %+v", got.Message)
	}

	// --- picture ---
	mark = h.ev.mark()
	if err := d.SetGroupPicture(ctx, gid, engines.ProfilePicture{JPEG: squareJPEG(t, 640), Thumbnail: squareJPEG(t, 96)}); err != nil {
		t.Fatal(err)
	}
	url, err := d.GroupPicture(ctx, gid)
	if sg := server(gid); err != nil || sg.Picture == "" || !strings.Contains(url, sg.Picture) {
		t.Fatalf("picture %q, %v; server %q", url, err, sg.Picture)
	}
	if u := groupEvent(mark, "picture set", func(g *GroupEvent) bool { return g.Kind == "update" && g.Change != nil && g.Change.Picture != nil }); *u.Change.Picture != server(gid).Picture {
		t.Fatalf("picture update %q, the server has %q", *u.Change.Picture, server(gid).Picture)
	}
	mark = h.ev.mark()
	if err := d.DeleteGroupPicture(ctx, gid); err != nil || server(gid).Picture != "" {
		t.Fatalf("delete picture: %v", err)
	}
	groupEvent(mark, "picture removed", func(g *GroupEvent) bool {
		return g.Kind == "update" && g.Change != nil && g.Change.Picture != nil && *g.Change.Picture == ""
	})
	if url, err := d.GroupPicture(ctx, gid); err != nil || url != "" {
		t.Fatalf("picture after delete %q, %v", url, err)
	}

	// --- invites: code, revoke, join-info, a new member joins by it ---
	code, err := d.GroupInviteCode(ctx, gid)
	if err != nil || code == "" || server(gid).InviteCode != code {
		t.Fatalf("invite code %q, %v", code, err)
	}
	code2, err := d.RevokeGroupInvite(ctx, gid)
	if err != nil || code2 == code || server(gid).InviteCode != code2 {
		t.Fatalf("revoked: %q, %v", code2, err)
	}
	if _, err := d.GroupJoinInfo(ctx, code); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the revoked code still works: %v", err)
	}
	info, err := d.GroupJoinInfo(ctx, code2)
	if err != nil || info.ID != gid || info.Subject != "Team 2" {
		t.Fatalf("join info = %+v, %v", info, err)
	}
	mark = h.ev.mark()
	if _, err := fw.RemoteJoin(ctx, code2, pn("B")); err != nil {
		t.Fatal(err)
	}
	// The server answered once it had saved the change.
	if stored, err := fw.StoredGroup(gid); err != nil || stored == nil || stored.Member(pn("B")) == nil {
		t.Fatalf("the server answered B's join, and keeps %+v (%v)", stored, err)
	}
	groupEvent(mark, "B joins", func(g *GroupEvent) bool {
		return g.Kind == "participants" && g.Type == engines.ParticipantsJoined && g.Participants[0].ID == pn("B")
	})

	// --- a group someone else made with the account in it ---
	mark = h.ev.mark()
	theirs, res, err := fw.RemoteCreateGroup(ctx, fakeweb.RemoteGroup{Creator: peers["C"].Phone, Subject: "Cem's", Participants: []string{"15551234567", peers["A"].Phone}})
	if err != nil || len(res) != 2 || res[0].Code != 200 {
		t.Fatalf("remote create: %+v, %v", res, err)
	}
	if j := groupEvent(mark, "added at creation", func(g *GroupEvent) bool { return g.Kind == "join" && g.Group == theirs }); j.Info.MemberRole(pn("C")) != engines.RoleSuperAdmin || j.Info.MemberRole("15551234567@c.us") != engines.RoleParticipant {
		t.Fatalf("join at creation: %+v", j.Info)
	}

	// --- a group someone else made: join by invite, be promoted, removed ---
	other, _, err := fw.RemoteCreateGroup(ctx, fakeweb.RemoteGroup{Creator: peers["A"].Phone, Subject: "Ann's", Participants: []string{peers["C"].Phone}, LIDMode: true})
	if err != nil {
		t.Fatal(err)
	}
	oc, err := fw.RemoteInviteCode(ctx, other, peers["A"].Phone, false)
	if err != nil {
		t.Fatal(err)
	}
	mark = h.ev.mark()
	joined, err := d.JoinGroup(ctx, oc)
	if err != nil || joined != other {
		t.Fatalf("join = %q, %v", joined, err)
	}
	j := groupEvent(mark, "join by invite", func(g *GroupEvent) bool { return g.Kind == "join" && g.Group == other })
	for _, p := range j.Info.Participants {
		if !strings.HasSuffix(p.ID, "@lid") || p.PN == nil || !strings.HasSuffix(*p.PN, "@c.us") {
			t.Fatalf("a LID group's member has its LID and phone id: %+v", p)
		}
	}
	if _, err := d.UpdateParticipants(ctx, other, engines.ParticipantsAdd, []string{pn("F")}); err != nil {
		t.Fatal(err)
	} else if rs, _ := d.UpdateParticipants(ctx, other, engines.ParticipantsAdd, []string{pn("F")}); rs[0].Code != 401 {
		t.Fatalf("a non-admin's add = %+v", rs)
	}
	if err := d.DeleteGroup(ctx, other); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("delete by a non-creator: %v", err)
	}
	mark = h.ev.mark()
	if _, err := fw.RemoteParticipants(ctx, other, peers["A"].Phone, "remove", []string{"15551234567"}); err != nil {
		t.Fatal(err)
	}
	if l := groupEvent(mark, "removed", func(g *GroupEvent) bool { return g.Kind == "leave" && g.Group == other }); l.Author == nil || *l.Author != pn("A") {
		t.Fatalf("leave = %+v", l)
	}
	if _, err := d.SendText(ctx, SendTextRequest{ChatID: other, Text: "still here?"}); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("sending to a group the account was removed from: %v", err)
	}

	// --- the server keeps the groups: a reloaded tab has them back ---
	// Each change was saved before it was answered, the last one too.
	for _, id := range []string{gid, other} {
		stored, err := fw.StoredGroup(id)
		if err != nil || stored == nil {
			t.Fatalf("stored group %s: %v, %v", id, stored, err)
		}
		var want, got []string
		for _, p := range server(id).Participants {
			want = append(want, p.ID)
		}
		for _, p := range stored.Participants {
			got = append(got, p.ID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("group %s: the server saved the members %v, answered with %v", id, got, want)
		}
	}
	mark = h.ev.mark()
	if err := fw.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	h.ev.wait(t, mark, 20*time.Second, "ready after the reload", func(e Event) bool { return e.Type == EventReady })
	again, err := d.Group(ctx, gid)
	if err != nil || again.Subject != "Team 2" || len(again.Participants) != 5 || again.MemberRole(pn("A")) != engines.RoleParticipant {
		t.Fatalf("after a reload: %+v, %v", again, err)
	}
	if _, err := d.Group(ctx, other); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the group the account was removed from, after a reload: %v", err)
	}

	// --- leave, delete ---
	mark = h.ev.mark()
	if err := d.DeleteGroup(ctx, gid); err != nil {
		t.Fatal(err)
	}
	if sg := server(gid); len(sg.Participants) != 0 {
		t.Fatalf("after delete the group has %+v", sg.Participants)
	}
	groupEvent(mark, "left", func(g *GroupEvent) bool { return g.Kind == "leave" && g.Group == gid && g.Author == nil })
	if _, err := d.Group(ctx, gid); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted group: %v", err)
	}
}

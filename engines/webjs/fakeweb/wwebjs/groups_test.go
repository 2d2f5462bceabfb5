package wwebjs

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/wagate/wagate/engines/webjs/fakeweb"
)

// testGroups runs run.js's Groups steps (after the Chatting ones) and checks
// each on fakeweb's side, the group's server copy (what its members see):
// create with a number not on WhatsApp, participants by LID with phone ids,
// add, promote, remove, subject, description, the two settings, invite codes,
// the picture, a message every member's device confirms, joining someone
// else's group by invite, leaving; and the group events whatsapp-web.js
// emits from the notifications.
func testGroups(ctx context.Context, t *testing.T, fw *fakeweb.Server, step func(string, any), next func(any)) {
	t.Helper()
	a, b, c := chatN(1), chatN(3), chatN(5)
	type notification struct {
		Type         string   `json:"type"`
		ChatID       string   `json:"chatId"`
		Author       string   `json:"author"`
		Body         string   `json:"body"`
		RecipientIDs []string `json:"recipientIds"`
	}
	type group struct {
		ID           string `json:"id"`
		Name         string `json:"name"`
		IsGroup      bool   `json:"isGroup"`
		Owner        string `json:"owner"`
		Description  string `json:"description"`
		Participants []struct {
			ID           string `json:"id"`
			IsAdmin      bool   `json:"isAdmin"`
			IsSuperAdmin bool   `json:"isSuperAdmin"`
		} `json:"participants"`
	}
	server := func(id string) *fakeweb.ServerGroup {
		t.Helper()
		g, err := fw.ServerGroup(ctx, id)
		if err != nil || g == nil {
			t.Fatalf("fakeweb's group %s: %v, %v", id, g, err)
		}
		return g
	}

	// --- create ---
	next(map[string]any{"title": "Stock group", "participants": []string{a, b, "15559999999@c.us"}})
	var created struct {
		GID          string `json:"gid"`
		Title        string `json:"title"`
		Participants map[string]struct {
			StatusCode     int  `json:"statusCode"`
			IsGroupCreator bool `json:"isGroupCreator"`
		} `json:"participants"`
		Event notification `json:"event"`
	}
	step("createGroup", &created)
	gid := created.GID
	if !strings.HasSuffix(gid, "@g.us") || created.Participants[a].StatusCode != 200 || created.Participants[b].StatusCode != 200 || created.Participants["15559999999@c.us"].StatusCode != 404 {
		t.Fatalf("createGroup = %+v", created)
	}
	sg := server(gid)
	if sg.Subject != "Stock group" || !sg.LIDMode || len(sg.Participants) != 3 || sg.Member(a) == nil || sg.Member(me) == nil || !sg.Member(me).IsSuperAdmin {
		t.Fatalf("the members see %+v", sg)
	}
	next(map[string]any{"id": gid})
	var info group
	step("groupInfo", &info)
	if !info.IsGroup || info.Name != "Stock group" || len(info.Participants) != 3 || info.Owner == "" {
		t.Fatalf("getChatById(group) = %+v", info)
	}
	for _, p := range info.Participants {
		if !strings.HasSuffix(p.ID, "@c.us") { // wwebjs maps the LIDs to phone ids
			t.Fatalf("participant %+v", p)
		}
	}

	// --- add, promote, remove ---
	next(map[string]any{"id": gid, "participants": []string{c}})
	var added struct {
		Result map[string]struct {
			Code int `json:"code"`
		} `json:"result"`
		Event notification `json:"event"`
	}
	step("addParticipants", &added)
	if added.Result[c].Code != 200 || server(gid).Member(c) == nil || added.Event.Type != "add" || len(added.Event.RecipientIDs) != 1 {
		t.Fatalf("addParticipants = %+v", added)
	}
	next(map[string]any{"id": gid, "participant": a})
	var promoted struct {
		Event notification `json:"event"`
	}
	step("promote", &promoted)
	if !server(gid).Member(a).IsAdmin || promoted.Event.Type != "promote" {
		t.Fatalf("promote: %+v, %+v", server(gid).Member(a), promoted)
	}
	next(map[string]any{"id": gid, "participants": []string{b}})
	var removed struct {
		Event notification `json:"event"`
	}
	step("removeParticipants", &removed)
	if server(gid).Member(b) != nil || removed.Event.Type != "remove" {
		t.Fatalf("remove: %+v", removed)
	}

	// --- subject, description, settings ---
	next(map[string]any{"id": gid, "subject": "Stock group 2", "description": "what we do"})
	var edited struct {
		Subject, Description, MessagesAdminsOnly, InfoAdminsOnly bool
		Event                                                    notification `json:"event"`
		Group                                                    group        `json:"group"`
	}
	step("editGroup", &edited)
	sg = server(gid)
	if !edited.Subject || !edited.Description || !edited.MessagesAdminsOnly || !edited.InfoAdminsOnly || sg.Subject != "Stock group 2" || sg.Desc != "what we do" || !sg.Announce || !sg.Restrict {
		t.Fatalf("editGroup = %+v; server %+v", edited, sg)
	}
	if edited.Event.Body != "Stock group 2" || edited.Group.Name != "Stock group 2" || edited.Group.Description != "what we do" {
		t.Fatalf("after the edit: %+v", edited)
	}

	// --- invites ---
	next(map[string]any{"id": gid})
	var inv struct {
		Code, Revoked string
		Info          struct {
			ID, Subject string
			Size        int
		}
	}
	step("invites", &inv)
	if inv.Code == "" || inv.Revoked == "" || inv.Code == inv.Revoked || server(gid).InviteCode != inv.Revoked || inv.Info.ID != gid || inv.Info.Size != 3 {
		t.Fatalf("invites = %+v", inv)
	}

	// --- the picture ---
	next(map[string]any{"id": gid, "mimetype": "image/png", "data": base64.StdEncoding.EncodeToString(testPNG(t, 700, 500))})
	var pic struct {
		Set     bool    `json:"set"`
		URL     *string `json:"url"`
		Deleted bool    `json:"deleted"`
	}
	step("groupPicture", &pic)
	if !pic.Set || pic.URL == nil || !pic.Deleted || server(gid).Picture != "" {
		t.Fatalf("groupPicture = %+v", pic)
	}
	log, err := fw.GroupLog(ctx, gid)
	if err != nil {
		t.Fatal(err)
	}
	var picID string
	for _, n := range log {
		if n.Subtype == "picture" && n.Body == "set" {
			picID = "set"
		}
	}
	if picID == "" {
		t.Fatalf("the members were not told of the picture: %+v", log)
	}

	// --- a message: every member's device confirms it ---
	next(map[string]any{"id": gid, "body": "hello group"})
	var gm struct {
		Message wMsg `json:"message"`
		Ack     int  `json:"ack"`
	}
	step("groupMessage", &gm)
	mi, err := fw.MessageInfo(ctx, gm.Message.ID)
	if err != nil || gm.Ack != 2 || mi == nil || len(mi.Delivery) != 2 || mi.DeliveryRemaining != 0 {
		t.Fatalf("group message %+v, info %+v, %v", gm, mi, err)
	}

	// --- a member (an admin now) writes and renames it ---
	inID, err := fw.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: gid, Author: a, Body: "from a member", NotifyName: "Member"})
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.RemoteSubject(ctx, gid, a, "Renamed by a member"); err != nil {
		t.Fatal(err)
	}
	next(map[string]any{"id": gid, "msgId": inID, "subject": "Renamed by a member"})
	var fromMembers struct {
		Message wMsg         `json:"message"`
		Event   notification `json:"event"`
		Group   group        `json:"group"`
	}
	step("fromMembers", &fromMembers)
	if fromMembers.Message.Body != "from a member" || fromMembers.Message.From != gid || !strings.HasSuffix(fromMembers.Message.Author, "@lid") {
		t.Fatalf("a member's message: %+v", fromMembers.Message)
	}
	if fromMembers.Event.Author != server(gid).Member(a).ID || fromMembers.Group.Name != "Renamed by a member" {
		t.Fatalf("a member's rename: %+v, %+v", fromMembers.Event, fromMembers.Group)
	}

	// --- someone else's group, joined by invite, then left ---
	other, _, err := fw.RemoteCreateGroup(ctx, fakeweb.RemoteGroup{Creator: strings.TrimSuffix(c, "@c.us"), Subject: "Theirs", Participants: []string{strings.TrimSuffix(a, "@c.us")}, LIDMode: true})
	if err != nil {
		t.Fatal(err)
	}
	code, err := fw.RemoteInviteCode(ctx, other, strings.TrimSuffix(c, "@c.us"), false)
	if err != nil {
		t.Fatal(err)
	}
	next(map[string]any{"code": code})
	var joined struct {
		ID    string       `json:"id"`
		Event notification `json:"event"`
	}
	step("acceptInvite", &joined)
	if joined.ID != other || joined.Event.Type != "invite" || server(other).Member(me) == nil {
		t.Fatalf("acceptInvite = %+v", joined)
	}
	next(map[string]any{"id": other})
	var left struct {
		Event notification `json:"event"`
	}
	step("leave", &left)
	if server(other).Member(me) != nil || left.Event.Type != "leave" {
		t.Fatalf("leave = %+v", left)
	}
}

package enginetest

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/wagate/wagate/engines"
)

// GroupsPhone is what the group scenarios need of a phone: to see the groups
// it is in and their messages as it decrypted them, to act in them as a
// member (send, read, leave, rename, change members) and to join by invite.
// Groups are named by their id (123@g.us), people by phone number.
type GroupsPhone interface {
	Phone
	// WaitGroupJoin waits until this phone is in group and returns its subject
	// as the phone saw it.
	WaitGroupJoin(ctx context.Context, group string) (string, error)
	// WaitGroupText waits for text in group from the account with number from
	// and returns the message's raw id.
	WaitGroupText(ctx context.Context, group, from, text string) (string, error)
	// WaitGroupChange waits until this phone saw kind happen in group: subject
	// (to who), promote, demote, join, leave (of who, a number).
	WaitGroupChange(ctx context.Context, group, kind, who string) error
	// SendGroupText sends text to group and returns its raw id.
	SendGroupText(ctx context.Context, group, text string) (string, error)
	// ReadGroup sends a read receipt for message id of sender (a number) in group.
	ReadGroup(ctx context.Context, group, sender, id string) error
	// LeaveGroup leaves group; SetGroupSubject renames it.
	LeaveGroup(ctx context.Context, group string) error
	SetGroupSubject(ctx context.Context, group, subject string) error
	// ChangeParticipants adds, removes, promotes or demotes people (numbers).
	ChangeParticipants(ctx context.Context, group, action string, people []string) error
	// JoinGroup joins by invite code or link and returns the group's id.
	JoinGroup(ctx context.Context, code string) (string, error)
}

func (s *suite) runGroups(t *testing.T) {
	t.Run("GroupsCreateAndMessage", s.groupsCreateAndMessage)
	t.Run("GroupsAdmin", s.groupsAdmin)
	t.Run("GroupsSettingsAndPicture", s.groupsSettingsAndPicture)
	t.Run("GroupsBadInput", s.groupsBadInput)
}

// groupsProbe is a well-formed request for a Groups operation.
func groupsProbe(op, session, contact string) (method, path string, body any, ok bool) {
	base := "/api/" + session + "/groups"
	g := base + "/120363000000000001@g.us"
	people := map[string]any{"participants": []map[string]string{{"id": contact + "@c.us"}}}
	pic := map[string]any{"file": map[string]string{"mimetype": "image/png", "data": base64.StdEncoding.EncodeToString(testPNG(8, 8))}}
	switch op {
	case "groups.createGroup":
		return "POST", base, map[string]any{"name": "probe", "participants": []map[string]string{{"id": contact + "@c.us"}}}, true
	case "groups.getGroups":
		return "GET", base, nil, true
	case "groups.getGroupsCount":
		return "GET", base + "/count", nil, true
	case "groups.refreshGroups":
		return "POST", base + "/refresh", nil, true
	case "groups.joinInfoGroup":
		return "GET", base + "/join-info?code=AbCdEf123", nil, true
	case "groups.joinGroup":
		return "POST", base + "/join", map[string]string{"code": "AbCdEf123"}, true
	case "groups.getGroup":
		return "GET", g, nil, true
	case "groups.deleteGroup":
		return "DELETE", g, nil, true
	case "groups.leaveGroup":
		return "POST", g + "/leave", nil, true
	case "groups.getChatPicture":
		return "GET", g + "/picture", nil, true
	case "groups.setPicture":
		return "PUT", g + "/picture", pic, true
	case "groups.deletePicture":
		return "DELETE", g + "/picture", nil, true
	case "groups.setDescription":
		return "PUT", g + "/description", map[string]string{"description": "x"}, true
	case "groups.setSubject":
		return "PUT", g + "/subject", map[string]string{"subject": "x"}, true
	case "groups.getInfoAdminOnly":
		return "GET", g + "/settings/security/info-admin-only", nil, true
	case "groups.setInfoAdminOnly":
		return "PUT", g + "/settings/security/info-admin-only", map[string]bool{"adminsOnly": true}, true
	case "groups.getMessagesAdminOnly":
		return "GET", g + "/settings/security/messages-admin-only", nil, true
	case "groups.setMessagesAdminOnly":
		return "PUT", g + "/settings/security/messages-admin-only", map[string]bool{"adminsOnly": true}, true
	case "groups.getInviteCode":
		return "GET", g + "/invite-code", nil, true
	case "groups.revokeInviteCode":
		return "POST", g + "/invite-code/revoke", nil, true
	case "groups.getParticipants":
		return "GET", g + "/participants", nil, true
	case "groups.getGroupParticipants":
		return "GET", g + "/participants/v2", nil, true
	case "groups.addParticipants":
		return "POST", g + "/participants/add", people, true
	case "groups.removeParticipants":
		return "POST", g + "/participants/remove", people, true
	case "groups.promoteToAdmin":
		return "POST", g + "/admin/promote", people, true
	case "groups.demoteToAdmin":
		return "POST", g + "/admin/demote", people, true
	}
	return "", "", nil, false
}

// groupOps are the operations every group scenario uses.
var groupOps = []string{"groups.createGroup", "groups.getGroup", "groups.getGroupParticipants", "messages.sendText"}

// groupPhones are the session's contact and two more, as GroupsPhones.
func (s *suite) groupPhones(t *testing.T, p paired, extra int) (contacts []GroupsPhone, numbers []string) {
	t.Helper()
	c, ok := p.contact.(GroupsPhone)
	if !ok {
		t.Fatalf("%s supports the group operations, but its harness's phones are no enginetest.GroupsPhone", s.engine)
	}
	contacts, numbers = []GroupsPhone{c}, []string{p.cNum}
	for i := 0; i < extra; i++ {
		n := s.number()
		contacts = append(contacts, s.h.Account(t, n, fmt.Sprintf("Member %d", i+2)).(GroupsPhone))
		numbers = append(numbers, n)
	}
	return contacts, numbers
}

func participantsBody(numbers ...string) map[string]any {
	ps := make([]map[string]string, len(numbers))
	for i, n := range numbers {
		ps[i] = map[string]string{"id": n + "@c.us"}
	}
	return map[string]any{"participants": ps}
}

// roleOf is the role of the member with number in a participants/v2 list.
func roleOf(ps []engines.GroupParticipant, number string) engines.GroupRole {
	for _, p := range ps {
		if p.ID == number+"@c.us" || p.PN != nil && *p.PN == number+"@c.us" {
			return p.Role
		}
	}
	return engines.RoleLeft
}

// groupsCreateAndMessage: a group of the account and three contacts: they
// see it and its subject; it is listed from the store; a message to it is
// decrypted by every member; each member's read is its own message.ack.group,
// and the message's ack is READ once all have read it.
func (s *suite) groupsCreateAndMessage(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "gc")
	if !ok || !s.supports(t, p, append(groupOps, "groups.getGroups", "groups.getGroupsCount", "groups.getParticipants")...) {
		return
	}
	members, numbers := s.groupPhones(t, p, 2)
	body := participantsBody(numbers...)
	body["name"] = "Support team"
	var info engines.GroupInfo
	g.Expect(g.Do("POST", "/api/gc/groups", body), 201).JSON(t, &info)
	gid := info.ID
	if !strings.HasSuffix(gid, "@g.us") || info.Subject != "Support team" || len(info.Participants) != 4 {
		t.Fatalf("created group: %+v", info)
	}
	if roleOf(info.Participants, p.meNum) != engines.RoleSuperAdmin || roleOf(info.Participants, numbers[1]) != engines.RoleParticipant {
		t.Errorf("roles after create: %+v", info.Participants)
	}
	g.WaitEvent("gc", engines.EventGroupV2Join, func(m map[string]any) bool {
		gr, _ := m["group"].(map[string]any)
		return gr["id"] == gid
	}, stepWithin)
	for i, m := range members {
		subject, err := m.WaitGroupJoin(ctx(t, stepWithin), gid)
		if err != nil || subject != "Support team" {
			t.Fatalf("member %s sees the group: %q, %v", numbers[i], subject, err)
		}
	}

	var list []engines.GroupInfo
	g.Expect(g.Do("GET", "/api/gc/groups?sortBy=subject&limit=10", nil), 200).JSON(t, &list)
	if len(list) != 1 || list[0].ID != gid || len(list[0].Participants) != 4 {
		t.Fatalf("groups list: %+v", list)
	}
	g.Expect(g.Do("GET", "/api/gc/groups?exclude=participants", nil), 200).JSON(t, &list)
	if len(list) != 1 || len(list[0].Participants) != 0 {
		t.Errorf("groups list without participants: %+v", list)
	}
	var count map[string]int
	g.Expect(g.Do("GET", "/api/gc/groups/count", nil), 200).JSON(t, &count)
	if count["count"] != 1 {
		t.Errorf("groups count: %v", count)
	}
	var legacy []engines.LegacyParticipant
	g.Expect(g.Do("GET", "/api/gc/groups/"+gid+"/participants", nil), 200).JSON(t, &legacy)
	if len(legacy) != 4 {
		t.Errorf("legacy participants: %+v", legacy)
	}
	var v2 []engines.GroupParticipant
	g.Expect(g.Do("GET", "/api/gc/groups/"+url.PathEscape(gid)+"/participants/v2", nil), 200).JSON(t, &v2)
	if len(v2) != 4 || roleOf(v2, p.meNum) != engines.RoleSuperAdmin {
		t.Errorf("participants v2: %+v", v2)
	}
	var chats []map[string]any
	g.Expect(g.Do("GET", "/api/gc/chats", nil), 200).JSON(t, &chats)
	if !slices.ContainsFunc(chats, func(c map[string]any) bool { return c["id"] == gid && c["name"] == "Support team" }) {
		t.Errorf("the group is not among the chats, named by its subject: %v", chats)
	}

	// A message to the group, decrypted by each member; their reads come back one by one.
	var sent map[string]any
	g.Expect(g.Do("POST", "/api/sendText", map[string]string{"session": "gc", "chatId": gid, "text": "hello members"}), 201).JSON(t, &sent)
	var ids []string
	for i, m := range members {
		id, err := m.WaitGroupText(ctx(t, stepWithin), gid, p.meNum, "hello members")
		if err != nil {
			t.Fatalf("member %s decrypts the group message: %v", numbers[i], err)
		}
		ids = append(ids, id)
	}
	for i, m := range members {
		if err := m.ReadGroup(ctx(t, stepWithin), gid, p.meNum, ids[i]); err != nil {
			t.Fatalf("member %s reads: %v", numbers[i], err)
		}
		ev := g.WaitEvent("gc", "message.ack.group", func(pl map[string]any) bool {
			who, _ := pl["participant"].(string)
			return strings.HasPrefix(who, numbers[i]+"@") && pl["ackName"] == "READ"
		}, stepWithin)
		if id, _ := ev.Payload["id"].(string); !strings.Contains(id, ids[i]) || !strings.HasPrefix(id, "true_"+gid+"_") {
			t.Errorf("message.ack.group id %q, want true_%s_%s_…", id, gid, ids[i])
		}
	}
	waitFor(t, "the group message's ack to be READ once every member read it", func() bool {
		var msgs []engines.Message
		g.Expect(g.Do("GET", "/api/gc/chats/"+gid+"/messages?limit=5", nil), 200).JSON(t, &msgs)
		return len(msgs) > 0 && msgs[0].Body == "hello members" && msgs[0].Ack == engines.AckRead
	})

	// A member's message arrives with its sender as participant.
	if _, err := members[1].SendGroupText(ctx(t, stepWithin), gid, "from a member"); err != nil {
		t.Fatal(err)
	}
	ev := g.WaitEvent("gc", "message", func(m map[string]any) bool { return m["body"] == "from a member" }, stepWithin)
	if who, _ := ev.Payload["participant"].(string); who != numbers[1]+"@c.us" || ev.Payload["from"] != gid {
		t.Errorf("a member's group message: from %v, participant %v", ev.Payload["from"], ev.Payload["participant"])
	}

	// A member leaves: group.v2.participants (leave) arrives and the store follows.
	if err := members[2].LeaveGroup(ctx(t, stepWithin), gid); err != nil {
		t.Fatal(err)
	}
	g.WaitEvent("gc", engines.EventGroupV2Participants, func(m map[string]any) bool {
		ps, _ := m["participants"].([]any)
		return m["type"] == "leave" && len(ps) == 1
	}, stepWithin)
	waitFor(t, "the store to drop the member who left", func() bool {
		var ps []engines.GroupParticipant
		g.Expect(g.Do("GET", "/api/gc/groups/"+gid+"/participants/v2", nil), 200).JSON(t, &ps)
		return len(ps) == 3 && roleOf(ps, numbers[2]) == engines.RoleLeft
	})
}

// groupsAdmin: promotions and settings seen by the members, the subject
// changed both ways, messages-admin-only enforced on a member, an invite code
// joined by a new contact, leaving the group.
func (s *suite) groupsAdmin(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "ga")
	if !ok || !s.supports(t, p, append(groupOps, "groups.promoteToAdmin", "groups.demoteToAdmin", "groups.setSubject",
		"groups.setMessagesAdminOnly", "groups.getMessagesAdminOnly", "groups.getInviteCode", "groups.revokeInviteCode",
		"groups.leaveGroup", "groups.setDescription", "groups.joinInfoGroup")...) {
		return
	}
	members, numbers := s.groupPhones(t, p, 2)
	newcomer := s.number()
	joiner := s.h.Account(t, newcomer, "Newcomer").(GroupsPhone)
	body := participantsBody(numbers...)
	body["name"] = "Admins"
	var info engines.GroupInfo
	g.Expect(g.Do("POST", "/api/ga/groups", body), 201).JSON(t, &info)
	gid := info.ID
	for _, m := range members {
		if _, err := m.WaitGroupJoin(ctx(t, stepWithin), gid); err != nil {
			t.Fatal(err)
		}
	}
	base := "/api/ga/groups/" + gid

	var res []engines.ParticipantResult
	g.Expect(g.Do("POST", base+"/admin/promote", participantsBody(numbers[0])), 200).JSON(t, &res)
	if len(res) != 1 || res[0].Code != engines.ParticipantOK {
		t.Fatalf("promote: %+v", res)
	}
	for _, m := range members[1:] {
		if err := m.WaitGroupChange(ctx(t, stepWithin), gid, "promote", numbers[0]); err != nil {
			t.Fatalf("a member sees the promotion: %v", err)
		}
	}
	g.WaitEvent("ga", engines.EventGroupV2Participants, func(m map[string]any) bool { return m["type"] == "promote" }, stepWithin)
	var ps []engines.GroupParticipant
	g.Expect(g.Do("GET", base+"/participants/v2", nil), 200).JSON(t, &ps)
	if roleOf(ps, numbers[0]) != engines.RoleAdmin {
		t.Errorf("role after promote: %+v", ps)
	}
	g.Expect(g.Do("POST", base+"/admin/demote", participantsBody(numbers[0])), 200).JSON(t, &res)
	if err := members[1].WaitGroupChange(ctx(t, stepWithin), gid, "demote", numbers[0]); err != nil {
		t.Fatalf("a member sees the demotion: %v", err)
	}

	// The subject, from the API to the members and from a member to the API.
	g.Expect(g.Do("PUT", base+"/subject", map[string]string{"subject": "Admins only"}), 200)
	if err := members[0].WaitGroupChange(ctx(t, stepWithin), gid, "subject", "Admins only"); err != nil {
		t.Fatalf("a member sees the new subject: %v", err)
	}
	if err := members[1].SetGroupSubject(ctx(t, stepWithin), gid, "Renamed by a member"); err != nil {
		t.Fatal(err)
	}
	g.WaitEvent("ga", engines.EventGroupV2Update, func(m map[string]any) bool {
		gr, _ := m["group"].(map[string]any)
		return gr["subject"] == "Renamed by a member"
	}, stepWithin)
	waitFor(t, "the stored subject to follow the member's change", func() bool {
		var got engines.GroupInfo
		g.Expect(g.Do("GET", base, nil), 200).JSON(t, &got)
		return got.Subject == "Renamed by a member"
	})
	g.Expect(g.Do("PUT", base+"/description", map[string]string{"description": "Where admins meet"}), 200)
	var got engines.GroupInfo
	g.Expect(g.Do("GET", base, nil), 200).JSON(t, &got)
	if got.Description != "Where admins meet" {
		t.Errorf("description after set: %q", got.Description)
	}

	// Only admins send: a member's message is refused.
	g.Expect(g.Do("PUT", base+"/settings/security/messages-admin-only", map[string]bool{"adminsOnly": true}), 200)
	var setting engines.SecuritySetting
	g.Expect(g.Do("GET", base+"/settings/security/messages-admin-only", nil), 200).JSON(t, &setting)
	if !setting.AdminsOnly {
		t.Errorf("messages-admin-only after set: %+v", setting)
	}
	if _, err := members[0].SendGroupText(ctx(t, stepWithin), gid, "may I?"); err == nil {
		t.Errorf("a member's message to a messages-admin-only group went through")
	}
	g.Expect(g.Do("PUT", base+"/settings/security/messages-admin-only", map[string]bool{"adminsOnly": false}), 200)

	// An invite code: its join info, a new contact joins by it; a revoked one is new.
	var link string
	g.Expect(g.Do("GET", base+"/invite-code", nil), 200).JSON(t, &link)
	code, ok := engines.ParseInviteCode(link)
	if !ok || !strings.HasPrefix(link, "https://chat.whatsapp.com/") {
		t.Fatalf("invite code: %q", link)
	}
	var joinInfo engines.GroupInfo
	g.Expect(g.Do("GET", "/api/ga/groups/join-info?code="+url.QueryEscape(link), nil), 200).JSON(t, &joinInfo)
	if joinInfo.ID != gid {
		t.Errorf("join-info: %+v", joinInfo)
	}
	if id, err := joiner.JoinGroup(ctx(t, stepWithin), code); err != nil || id != gid {
		t.Fatalf("join by the invite code: %q, %v", id, err)
	}
	g.WaitEvent("ga", engines.EventGroupV2Participants, func(m map[string]any) bool {
		ps, _ := m["participants"].([]any)
		return m["type"] == "join" && len(ps) == 1
	}, stepWithin)
	var revoked string
	g.Expect(g.Do("POST", base+"/invite-code/revoke", nil), 200).JSON(t, &revoked)
	if revoked == link || !strings.HasPrefix(revoked, "https://chat.whatsapp.com/") {
		t.Errorf("revoked invite: %q (was %q)", revoked, link)
	}

	// The account leaves: group.v2.leave, and the group is no longer listed.
	g.Expect(g.Do("POST", base+"/leave", nil), 200)
	g.WaitEvent("ga", engines.EventGroupV2Leave, func(m map[string]any) bool {
		gr, _ := m["group"].(map[string]any)
		return gr["id"] == gid
	}, stepWithin)
	if err := members[0].WaitGroupChange(ctx(t, stepWithin), gid, "leave", p.meNum); err != nil {
		t.Fatalf("a member sees the account leave: %v", err)
	}
	var list []engines.GroupInfo
	g.Expect(g.Do("GET", "/api/ga/groups", nil), 200).JSON(t, &list)
	if len(list) != 0 {
		t.Errorf("groups after leaving: %+v", list)
	}
}

// groupsBadInput: a non-group id is a 400 naming id, an unknown group a 404,
// bad participants a 400 naming the one, and a number not on WhatsApp its own
// result among the others'.
func (s *suite) groupsBadInput(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "gb")
	if !ok || !s.supports(t, p, append(groupOps, "groups.addParticipants")...) {
		return
	}
	_, numbers := s.groupPhones(t, p, 1)
	for _, bad := range []string{p.cNum + "@c.us", "abc@g.us", "123"} {
		e := g.Expect(g.Do("GET", "/api/gb/groups/"+url.PathEscape(bad), nil), 400).Err(t)
		if msg, _ := e["message"].(string); !strings.Contains(msg, "id") {
			t.Errorf("group %q: message %q does not name id", bad, msg)
		}
	}
	g.Expect(g.Do("GET", "/api/gb/groups/120363999999999999@g.us", nil), 404)
	e := g.Expect(g.Do("POST", "/api/gb/groups", map[string]any{"name": "x", "participants": []map[string]string{{"id": "nope"}}}), 400).Err(t)
	if msg, _ := e["message"].(string); !strings.Contains(msg, "participants[0].id") {
		t.Errorf("bad participant: %q", msg)
	}
	e = g.Expect(g.Do("POST", "/api/gb/groups", map[string]any{"participants": []any{}}), 400).Err(t)
	if msg, _ := e["message"].(string); !strings.Contains(msg, "name") {
		t.Errorf("no name: %q", msg)
	}

	body := participantsBody(numbers[1])
	body["name"] = "Bad input"
	var info engines.GroupInfo
	g.Expect(g.Do("POST", "/api/gb/groups", body), 201).JSON(t, &info)
	nobody := "4915199999998"
	var res []engines.ParticipantResult
	g.Expect(g.Do("POST", "/api/gb/groups/"+info.ID+"/participants/add", participantsBody(nobody, p.cNum, numbers[1])), 200).JSON(t, &res)
	if len(res) != 3 {
		t.Fatalf("add results: %+v", res)
	}
	want := map[string]int{nobody + "@c.us": engines.ParticipantNotFound, p.cNum + "@c.us": engines.ParticipantOK, numbers[1] + "@c.us": engines.ParticipantConflict}
	for _, r := range res {
		if r.Code != want[r.ID] || r.Message == "" {
			t.Errorf("add result %+v, want code %d", r, want[r.ID])
		}
	}
	g.Expect(g.Do("POST", "/api/gb/groups/"+info.ID+"/participants/add", map[string]any{"participants": []any{}}), 400)
	g.Expect(g.Do("PUT", "/api/gb/groups/"+info.ID+"/subject", map[string]string{"subject": " "}), 400)
	g.Expect(g.Do("GET", "/api/gb/groups/join-info?code=", nil), 400)
	g.Expect(g.Do("POST", "/api/gb/groups/join", map[string]string{"code": "https://chat.whatsapp.com/NoSuchCode1"}), 404)
}

// groupsSettingsAndPicture: the group picture set, read and removed;
// info-admin-only enforced on a member renaming the group; a member removed
// sees it; a refresh keeps the list; deleting the group removes everyone.
func (s *suite) groupsSettingsAndPicture(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "gs")
	if !ok || !s.supports(t, p, append(groupOps, "groups.setPicture", "groups.getChatPicture", "groups.deletePicture",
		"groups.setInfoAdminOnly", "groups.getInfoAdminOnly", "groups.removeParticipants", "groups.refreshGroups",
		"groups.deleteGroup", "groups.getGroupsCount")...) {
		return
	}
	members, numbers := s.groupPhones(t, p, 2)
	body := participantsBody(numbers...)
	body["name"] = "Settings"
	var info engines.GroupInfo
	g.Expect(g.Do("POST", "/api/gs/groups", body), 201).JSON(t, &info)
	gid := info.ID
	for _, m := range members {
		if _, err := m.WaitGroupJoin(ctx(t, stepWithin), gid); err != nil {
			t.Fatal(err)
		}
	}
	base := "/api/gs/groups/" + gid

	pic := map[string]any{"file": map[string]string{"mimetype": "image/png", "data": base64.StdEncoding.EncodeToString(testPNG(64, 64))}}
	g.Expect(g.Do("PUT", base+"/picture", pic), 200)
	var url struct{ URL *string }
	g.Expect(g.Do("GET", base+"/picture?refresh=true", nil), 200).JSON(t, &url)
	if url.URL == nil || *url.URL == "" {
		t.Fatalf("group picture after set: %+v", url)
	}
	g.WaitEvent("gs", engines.EventGroupV2Update, func(m map[string]any) bool {
		gr, _ := m["group"].(map[string]any)
		pid, _ := gr["picture"].(string)
		return gr["id"] == gid && pid != ""
	}, stepWithin)
	g.Expect(g.Do("DELETE", base+"/picture", nil), 200)
	url.URL = nil
	g.Expect(g.Do("GET", base+"/picture?refresh=true", nil), 200).JSON(t, &url)
	if url.URL != nil {
		t.Errorf("group picture after delete: %q", *url.URL)
	}

	// Only admins edit the info: a member's rename is refused, then allowed again.
	g.Expect(g.Do("PUT", base+"/settings/security/info-admin-only", map[string]bool{"adminsOnly": true}), 200)
	var setting engines.SecuritySetting
	g.Expect(g.Do("GET", base+"/settings/security/info-admin-only", nil), 200).JSON(t, &setting)
	if !setting.AdminsOnly {
		t.Errorf("info-admin-only after set: %+v", setting)
	}
	if err := members[0].SetGroupSubject(ctx(t, stepWithin), gid, "Not allowed"); err == nil {
		t.Errorf("a member renamed an info-admin-only group")
	}
	g.Expect(g.Do("PUT", base+"/settings/security/info-admin-only", map[string]bool{"adminsOnly": false}), 200)
	g.Expect(g.Do("GET", base+"/settings/security/info-admin-only", nil), 200).JSON(t, &setting)
	if setting.AdminsOnly {
		t.Errorf("info-admin-only after unset: %+v", setting)
	}

	// A member removed by the account sees it; the list follows.
	var res []engines.ParticipantResult
	g.Expect(g.Do("POST", base+"/participants/remove", participantsBody(numbers[2])), 200).JSON(t, &res)
	if len(res) != 1 || res[0].Code != engines.ParticipantOK {
		t.Fatalf("remove: %+v", res)
	}
	if err := members[2].WaitGroupChange(ctx(t, stepWithin), gid, "leave", numbers[2]); err != nil {
		t.Fatalf("the removed member sees it: %v", err)
	}
	var ps []engines.GroupParticipant
	g.Expect(g.Do("GET", base+"/participants/v2", nil), 200).JSON(t, &ps)
	if len(ps) != 3 || roleOf(ps, numbers[2]) != engines.RoleLeft {
		t.Errorf("participants after remove: %+v", ps)
	}

	g.Expect(g.Do("POST", "/api/gs/groups/refresh", nil), 200)
	var count map[string]int
	g.Expect(g.Do("GET", "/api/gs/groups/count", nil), 200).JSON(t, &count)
	if count["count"] != 1 {
		t.Errorf("count after refresh: %v", count)
	}

	// Deleting it: the other members are removed, the account leaves.
	g.Expect(g.Do("DELETE", base, nil), 200)
	for i, m := range members[:2] {
		if err := m.WaitGroupChange(ctx(t, stepWithin), gid, "leave", numbers[i]); err != nil {
			t.Fatalf("member %s is removed when the group is deleted: %v", numbers[i], err)
		}
	}
	g.WaitEvent("gs", engines.EventGroupV2Leave, func(m map[string]any) bool {
		gr, _ := m["group"].(map[string]any)
		return gr["id"] == gid
	}, stepWithin)
	g.Expect(g.Do("GET", "/api/gs/groups/count", nil), 200).JSON(t, &count)
	if count["count"] != 0 {
		t.Errorf("count after delete: %v", count)
	}
}

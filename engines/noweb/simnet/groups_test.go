package simnet

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// TestGroups: phones create a group, see each other's messages in it (sender
// keys, decrypted on every member's phone), receipts per member, settings
// enforced, members changed, and a join by invite link, through the control
// API and the phones' whatsmeow clients.
func TestGroups(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	phones := map[string]*Phone{}
	for _, a := range [][2]string{{"491510000071", "Alice"}, {"491510000072", "Bob"}, {"491510000073", "Carol"}, {"491510000074", "Dave"}, {"491510000075", "Erin"}} {
		p, err := srv.CreateAccount(ctx, a[0], a[1])
		if err != nil {
			t.Fatal(err)
		}
		phones[a[1]] = p
	}
	alice, bob, carol, dave, erin := phones["Alice"], phones["Bob"], phones["Carol"], phones["Dave"], phones["Erin"]
	if err := srv.SetGroupAddPolicy("491510000075", GroupAddNobody); err != nil {
		t.Fatal(err)
	}

	var g Group
	code := apiCall(t, srv, "POST", "/simnet/api/accounts/491510000071/groups",
		map[string]any{"subject": "Team", "participants": []string{"491510000072", "491510000073", "491510000075", "491510009999"}}, &g)
	if code != http.StatusCreated || len(g.Participants) != 3 || len(g.Failed) != 2 {
		t.Fatalf("create: %d %+v", code, g)
	}
	fails := map[int]bool{}
	for _, f := range g.Failed {
		fails[f.Error] = true
	}
	if !fails[403] || !fails[404] {
		t.Errorf("refused participants = %+v, want 403 (privacy) and 404 (not on WhatsApp)", g.Failed)
	}
	for _, p := range []*Phone{bob, carol} {
		e, err := p.WaitFor(ctx, func(e Event) bool { return e.Type == "group_join" && e.Chat == g.ID })
		if err != nil {
			t.Fatalf("%s sees the group: %v", p.name, err)
		}
		if e.Group.Subject != "Team" || len(e.Group.Participants) != 3 {
			t.Errorf("%s's group = %+v", p.name, e.Group)
		}
	}

	// A message to the group: every member decrypts it; their receipts reach Alice.
	id, err := alice.SendText(ctx, g.ID, "hello team")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*Phone{bob, carol} {
		e, err := p.WaitFor(ctx, func(e Event) bool { return e.Type == "message" && e.ID == id })
		if err != nil {
			t.Fatalf("%s gets the group message: %v", p.name, err)
		}
		if e.Text != "hello team" || e.Chat != g.ID || e.Sender == "" {
			t.Errorf("%s decrypted %+v", p.name, e)
		}
	}
	for _, p := range []*Phone{bob, carol} {
		if _, err := alice.WaitFor(ctx, func(e Event) bool {
			return e.Type == "receipt" && e.Chat == g.ID && slices.Contains(e.IDs, id) && e.Sender != "" && e.Sender[:12] == p.pn.User
		}); err != nil {
			t.Fatalf("alice gets %s's receipt: %v", p.name, err)
		}
	}

	// Only admins talk in an announcement group.
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts/491510000071/groups/"+g.ID+"/announce", map[string]bool{"enabled": true}, nil); code != http.StatusOK {
		t.Fatalf("announce: %d", code)
	}
	if _, err := bob.SendText(ctx, g.ID, "me too"); !errors.Is(err, whatsmeow.ErrServerReturnedError) {
		t.Errorf("a non-admin's message in an announcement group: %v", err)
	}
	// Promote Bob; he may talk now, and he renames the group.
	var res []GroupParticipant
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts/491510000071/groups/"+g.ID+"/participants",
		map[string]any{"action": "promote", "participants": []string{"491510000072"}}, &res); code != http.StatusOK || len(res) != 1 || res[0].Error != 0 {
		t.Fatalf("promote: %d %+v", code, res)
	}
	if _, err := carol.WaitFor(ctx, func(e Event) bool { return e.Type == "group_change" && e.Change != nil && len(e.Change.Promote) == 1 }); err != nil {
		t.Fatalf("carol sees the promotion: %v", err)
	}
	if _, err := bob.SendText(ctx, g.ID, "admin now"); err != nil {
		t.Fatalf("an admin's message: %v", err)
	}
	if err := bob.SetGroupSubject(ctx, g.ID, "Team 2"); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.WaitFor(ctx, func(e Event) bool { return e.Type == "group_change" && e.Text == "Team 2" }); err != nil {
		t.Fatalf("alice sees the new subject: %v", err)
	}

	// Dave joins by link; Carol leaves; both are seen by Alice.
	var inv struct{ Link string }
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts/491510000071/groups/"+g.ID+"/invite", nil, &inv); code != http.StatusOK || inv.Link == "" {
		t.Fatalf("invite: %d %+v", code, inv)
	}
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts/491510000074/groups/join", map[string]string{"code": inv.Link}, nil); code != http.StatusOK {
		t.Fatalf("join: %d", code)
	}
	if _, err := alice.WaitFor(ctx, func(e Event) bool { return e.Type == "group_change" && e.Change != nil && len(e.Change.Join) == 1 }); err != nil {
		t.Fatalf("alice sees dave join: %v", err)
	}
	if err := carol.LeaveGroup(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.WaitFor(ctx, func(e Event) bool { return e.Type == "group_change" && e.Change != nil && len(e.Change.Leave) == 1 }); err != nil {
		t.Fatalf("alice sees carol leave: %v", err)
	}
	info, err := dave.GroupInfo(ctx, g.ID)
	if err != nil || info.Subject != "Team 2" || len(info.Participants) != 3 {
		t.Fatalf("dave's view: %+v %v", info, err)
	}
	if _, err := erin.GroupInfo(ctx, g.ID); err == nil {
		t.Errorf("a non-member reads the group")
	}
	// A revoked link is gone.
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts/491510000071/groups/"+g.ID+"/invite", map[string]bool{"reset": true}, nil); code != http.StatusOK {
		t.Fatalf("reset invite: %d", code)
	}
	if _, err := erin.JoinGroup(ctx, inv.Link); !errors.Is(err, whatsmeow.ErrInviteLinkRevoked) {
		t.Errorf("join by a revoked link: %v", err)
	}
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts/491510000071/groups/x/participants", map[string]any{"action": "add", "participants": []string{"1"}}, nil); code != http.StatusBadRequest {
		t.Errorf("bad group id: %d", code)
	}
}

// TestGroupReceiptAcks: two members' read receipts of one group message share
// id, group and type; the sender's ack of one settles that one only.
func TestGroupReceiptAcks(t *testing.T) {
	g := types.NewJID("120363000000000001", types.GroupServer)
	receipt := func(reader string) waBinary.Node {
		return waBinary.Node{Tag: "receipt", Attrs: waBinary.Attrs{"id": "M1", "from": g, "type": "read",
			"participant": types.NewADJID(reader, 0, 0)}}
	}
	d := &device{kept: []waBinary.Node{receipt("491510000001"), receipt("491510000002")}}
	d.acked("receipt", []string{"M1"}, g.String(), "read", types.NewADJID("491510000001", 0, 0).String())
	if len(d.kept) != 1 || jidString(d.kept[0].Attrs["participant"]) != "491510000002@s.whatsapp.net" {
		t.Fatalf("kept after one member's receipt was acked: %v", d.kept)
	}
}

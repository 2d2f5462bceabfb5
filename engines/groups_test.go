package engines

import "testing"

func TestLegacyParticipants(t *testing.T) {
	pn := "491510000002@c.us"
	got := LegacyParticipants([]GroupParticipant{
		{ID: "491510000001@c.us", Role: RoleSuperAdmin},
		{ID: "100000000000002@lid", PN: &pn, Role: RoleAdmin},
		{ID: "100000000000003@lid", Role: RoleParticipant},
		{ID: "491510000004@c.us", Role: RoleLeft},
	})
	if len(got) != 3 {
		t.Fatalf("a member who left is listed: %+v", got)
	}
	if g := got[0]; g.ID != "491510000001@c.us" || !g.IsSuperAdmin || !g.IsAdmin || g.Admin == nil || *g.Admin != "superadmin" || g.LID != nil {
		t.Errorf("superadmin: %+v", g)
	}
	if g := got[1]; g.ID != pn || g.LID == nil || *g.LID != "100000000000002@lid" || !g.IsAdmin || g.IsSuperAdmin || *g.Admin != "admin" {
		t.Errorf("admin known by LID and phone: %+v", g)
	}
	if g := got[2]; g.ID != "100000000000003@lid" || g.IsAdmin || g.Admin != nil {
		t.Errorf("member known by LID only: %+v", g)
	}
	info := GroupInfo{Participants: []GroupParticipant{{ID: "100000000000002@lid", PN: &pn, Role: RoleAdmin}}}
	if r := info.MemberRole(pn); r != RoleAdmin {
		t.Errorf("MemberRole by phone id = %q", r)
	}
	if r := info.MemberRole("1@c.us", ""); r != RoleLeft {
		t.Errorf("MemberRole of a non-member = %q", r)
	}
}

package server_test

import (
	"strings"
	"testing"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/store"
)

// TestGroupsBadInput: every Groups handler answers bad input with a 400 that
// names the field, before it reaches an engine.
func TestGroupsBadInput(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "g", "engine": "NOWEB", "config": paired()}), 201)
	a.waitStatus("g", engines.StatusWorking)
	g := "/api/g/groups/120363000000000001@g.us"
	long := strings.Repeat("x", 101)
	for _, c := range []struct {
		method, path string
		body         any
		names        string
	}{
		{"POST", "/api/g/groups", map[string]any{"participants": []any{}}, "name"},
		{"POST", "/api/g/groups", map[string]any{"name": " ", "participants": []any{}}, "name"},
		{"POST", "/api/g/groups", map[string]any{"name": long, "participants": []any{}}, "name"},
		{"POST", "/api/g/groups", map[string]any{"name": "x"}, "participants"},
		{"POST", "/api/g/groups", map[string]any{"name": "x", "participants": []map[string]string{{"id": "1@c.us"}, {"id": "120363@g.us"}}}, "participants[1].id"},
		{"POST", "/api/g/groups", map[string]any{"name": "x", "participants": []map[string]any{{}}}, "participants[0].id"},
		{"POST", "/api/g/groups", map[string]any{"name": "x", "participants": "1@c.us"}, "participants"},
		{"GET", "/api/g/groups?sortBy=name", nil, "sortBy"},
		{"GET", "/api/g/groups?sortOrder=up", nil, "sortOrder"},
		{"GET", "/api/g/groups?limit=-1", nil, "limit"},
		{"GET", "/api/g/groups?exclude=messages", nil, "exclude"},
		{"GET", "/api/g/groups/join-info", nil, "code"},
		{"GET", "/api/g/groups/join-info?code=not%20a%20code", nil, "code"},
		{"POST", "/api/g/groups/join", map[string]any{}, "code"},
		{"POST", "/api/g/groups/join", map[string]any{"code": "https://example.com/x?y"}, "code"},
		{"GET", "/api/g/groups/11111@c.us", nil, "id"},
		{"GET", "/api/g/groups/abc@g.us", nil, "id"},
		{"POST", "/api/g/groups/11111@c.us/leave", nil, "id"},
		{"DELETE", "/api/g/groups/11111", nil, "id"},
		{"GET", g + "/picture?refresh=maybe", nil, "refresh"},
		{"PUT", g + "/picture", map[string]any{}, "file"},
		{"PUT", g + "/picture", map[string]any{"file": map[string]string{"data": "!!"}}, "file.data"},
		{"PUT", g + "/subject", map[string]any{}, "subject"},
		{"PUT", g + "/subject", map[string]any{"subject": 5}, "subject"},
		{"PUT", g + "/subject", map[string]any{"subject": long}, "subject"},
		{"PUT", g + "/description", map[string]any{}, "description"},
		{"PUT", g + "/description", map[string]any{"description": strings.Repeat("d", 2049)}, "description"},
		{"PUT", g + "/settings/security/info-admin-only", map[string]any{"adminsOnly": "yes"}, "adminsOnly"},
		{"PUT", g + "/settings/security/messages-admin-only", map[string]any{"adminsOnly": 1}, "adminsOnly"},
		{"GET", "/api/g/groups/1@c.us/invite-code", nil, "id"},
		{"POST", "/api/g/groups/1@c.us/invite-code/revoke", nil, "id"},
		{"GET", "/api/g/groups/1@c.us/participants/v2", nil, "id"},
		{"POST", g + "/participants/add", map[string]any{}, "participants"},
		{"POST", g + "/participants/add", map[string]any{"participants": []any{}}, "participants"},
		{"POST", g + "/participants/remove", map[string]any{"participants": []map[string]string{{"id": "bob"}}}, "participants[0].id"},
		{"POST", g + "/admin/promote", map[string]any{"participants": []map[string]string{{"id": "1@newsletter"}}}, "participants[0].id"},
		{"POST", g + "/admin/demote", map[string]any{"participants": []map[string]string{{"id": "1@c.us"}, {"id": ""}}}, "participants[1].id"},
	} {
		e := a.Expect(a.Do(c.method, c.path, c.body), 400).Err(t)
		if msg, _ := e["message"].(string); !strings.Contains(msg, c.names) {
			t.Errorf("%s %s %v: %q does not name %s", c.method, c.path, c.body, msg, c.names)
		}
	}
}

// TestInviteCodes: codes and links are read as WhatsApp writes them.
func TestInviteCodes(t *testing.T) {
	for in, want := range map[string]string{
		"AbC123":                                 "AbC123",
		"https://chat.whatsapp.com/AbC123":       "AbC123",
		"https://chat.whatsapp.com/invite/AbC12": "AbC12",
		"chat.whatsapp.com/AbC123?utm=x":         "AbC123",
		" https://chat.whatsapp.com/AbC123/ ":    "AbC123",
	} {
		if got, ok := engines.ParseInviteCode(in); !ok || got != want {
			t.Errorf("ParseInviteCode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "a b", "https://example.com/AbC", "https://chat.whatsapp.com/", strings.Repeat("a", 65)} {
		if got, ok := engines.ParseInviteCode(bad); ok {
			t.Errorf("ParseInviteCode(%q) = %q, want refused", bad, got)
		}
	}
}

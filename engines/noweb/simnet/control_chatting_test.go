package simnet

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestControlChatting: a contact sends a location, contact cards and a poll
// through the control API; the other phone's events show each decrypted, and
// its vote and reaction reach the first phone as they are.
func TestControlChatting(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	for _, acc := range []map[string]any{{"phone": "491510000051", "name": "Alice"}, {"phone": "491510000052", "name": "Bob"}} {
		if code := apiCall(t, srv, "POST", "/simnet/api/accounts", acc, nil); code != http.StatusCreated {
			t.Fatalf("create account %v: %d", acc, code)
		}
	}
	alice, _ := srv.Phone("491510000051")
	bob, _ := srv.Phone("491510000052")
	post := func(path string, body any) string {
		t.Helper()
		var out map[string]string
		if code := apiCall(t, srv, "POST", path, body, &out); code != http.StatusOK {
			t.Fatalf("POST %s: %d %v", path, code, out)
		}
		return out["id"]
	}
	got := func(p *Phone, what string, match func(Event) bool) Event {
		t.Helper()
		e, err := p.WaitFor(ctx, match)
		if err != nil {
			t.Fatalf("%s never came: %v", what, err)
		}
		return e
	}

	id := post("/simnet/api/accounts/491510000051/locations", map[string]any{"to": "491510000052", "latitude": 52.5163, "longitude": 13.3777, "name": "Tor", "address": "Pariser Platz"})
	e := got(bob, "the location", func(e Event) bool { return e.Type == "message" && e.ID == id })
	if l := e.Location; l == nil || l.Latitude != 52.5163 || l.Longitude != 13.3777 || l.Name != "Tor" || l.Address != "Pariser Platz" {
		t.Fatalf("location: %+v", e.Location)
	}
	card := "BEGIN:VCARD\nVERSION:3.0\nFN:Jane\nEND:VCARD"
	id = post("/simnet/api/accounts/491510000051/contacts", map[string]any{"to": "491510000052", "contacts": []Card{{Name: "Jane", VCard: card}, {Name: "Jane", VCard: card}}})
	e = got(bob, "the cards", func(e Event) bool { return e.Type == "message" && e.ID == id })
	if !slices.Equal(e.VCards, []string{card, card}) || !slices.Equal(e.CardNames, []string{"Jane", "Jane"}) {
		t.Fatalf("cards: %+v", e.Chatting)
	}
	pollID := post("/simnet/api/accounts/491510000051/polls", map[string]any{"to": "491510000052", "name": "Lunch?", "options": []string{"yes", "no", "later"}, "multipleAnswers": true})
	e = got(bob, "the poll", func(e Event) bool { return e.Type == "message" && e.ID == pollID })
	if e.Poll != "Lunch?" || !slices.Equal(e.Options, []string{"yes", "no", "later"}) || e.Selectable == nil || *e.Selectable != 0 {
		t.Fatalf("poll: %+v", e.Chatting)
	}

	// Bob votes (the poll is Alice's, so no sender) and reacts.
	post("/simnet/api/accounts/491510000052/messages/"+pollID+"/vote", map[string]any{"to": "491510000051", "options": []string{"yes", "later"}})
	e = got(alice, "the vote", func(e Event) bool { return e.Type == "poll_vote" && e.ID == pollID })
	if !slices.Equal(e.Options, []string{"yes", "later"}) || !strings.HasPrefix(e.Sender, "491510000052") {
		t.Fatalf("vote: %+v from %s", e.Chatting, e.Sender)
	}
	post("/simnet/api/accounts/491510000052/messages/"+pollID+"/react", map[string]any{"to": "491510000051", "reaction": "🍕"})
	if e = got(alice, "the reaction", func(e Event) bool { return e.Type == "reaction" && e.ID == pollID }); e.Reaction != "🍕" {
		t.Fatalf("reaction: %+v", e)
	}

	// Bad input names the field.
	for _, c := range []struct {
		path  string
		body  map[string]any
		names string
	}{
		{"/simnet/api/accounts/491510000051/locations", map[string]any{"to": "491510000052", "latitude": 91}, "latitude"},
		{"/simnet/api/accounts/491510000051/locations", map[string]any{"latitude": 1}, "to"},
		{"/simnet/api/accounts/491510000051/contacts", map[string]any{"to": "491510000052", "contacts": []Card{{VCard: "hi"}}}, "contacts[0].vcard"},
		{"/simnet/api/accounts/491510000051/polls", map[string]any{"to": "491510000052", "name": "q", "options": []string{"one"}}, "options"},
		{"/simnet/api/accounts/491510000051/messages/not_an_id/vote", map[string]any{"to": "491510000052"}, "id"},
		{"/simnet/api/accounts/491510000051/undecryptable", map[string]any{"to": "491510000052"}, "text"},
	} {
		var out apiError
		if code := apiCall(t, srv, "POST", c.path, c.body, &out); code != http.StatusBadRequest || !strings.Contains(out.Error, c.names) {
			t.Errorf("POST %s %v: %d %q, want a 400 naming %s", c.path, c.body, code, out.Error, c.names)
		}
	}
}

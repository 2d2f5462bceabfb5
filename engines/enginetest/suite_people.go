package enginetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/internal/wait"
)

// PeoplePhone is what the people scenarios need of a phone besides Phone: to
// change its own profile and presence, place calls, and say what it sees of
// other accounts. A harness whose engine supports those operations gives
// phones that have it.
type PeoplePhone interface {
	Phone
	// SetProfile changes this account's push name, about and picture as its
	// phone would (nil fields stay as they are).
	SetProfile(ctx context.Context, ch ProfileChange) error
	// Peer is what this phone may see of the account with phone number of:
	// the push name its last message carried, its about and whether it has a
	// picture.
	Peer(ctx context.Context, of string) (Peer, error)
	// SetOnline sends this phone's presence.
	SetOnline(ctx context.Context, online bool) error
	// SetChatState shows this phone typing, recording or paused in its chat
	// with the account with phone number chat.
	SetChatState(ctx context.Context, chat, state string) error
	// WaitChatState waits until this phone has seen the account with phone
	// number from show state (typing, recording, paused) in their chat.
	WaitChatState(ctx context.Context, from, state string) error
	// Call rings the account with phone number to; it returns the call id.
	Call(ctx context.Context, to string, video bool) (string, error)
	// WaitCallRejected waits until the call this phone placed was rejected.
	WaitCallRejected(ctx context.Context, id string) error
	// WaitContactName waits until this account's address book (on its phone)
	// has the person with phone number number under name.
	WaitContactName(ctx context.Context, number, name string) error
}

// ProfileChange is a change of an account's own profile.
type ProfileChange struct {
	Name, About   *string
	Picture       []byte // a JPEG
	DeletePicture bool
}

// Peer is what a phone sees of another account.
type Peer struct {
	PushName   string
	About      string
	HasPicture bool
}

// people is the pair of phones of a paired session, as PeoplePhones; false
// (after failing the test) when the harness's phones cannot play them.
func (s *suite) people(t *testing.T, p paired) (me, contact PeoplePhone) {
	t.Helper()
	me, ok1 := p.me.(PeoplePhone)
	contact, ok2 := p.contact.(PeoplePhone)
	if !ok1 || !ok2 {
		t.Fatalf("%s supports the people operations, but its harness's phones are no enginetest.PeoplePhone", s.engine)
	}
	return me, contact
}

func peopleProbe(op, session, contact string) (method, path string, body any, ok bool) {
	base := "/api/" + session
	c := contact + "@c.us"
	switch op {
	case "contacts.getAll":
		return "GET", "/api/contacts/all?session=" + session, nil, true
	case "contacts.get":
		return "GET", "/api/contacts?session=" + session + "&contactId=" + c, nil, true
	case "contacts.getById":
		return "GET", base + "/contacts/" + c, nil, true
	case "contacts.checkExists":
		return "GET", "/api/contacts/check-exists?session=" + session + "&phone=" + contact, nil, true
	case "contacts.getAbout":
		return "GET", "/api/contacts/about?session=" + session + "&contactId=" + c, nil, true
	case "contacts.getProfilePicture":
		return "GET", "/api/contacts/profile-picture?session=" + session + "&contactId=" + c, nil, true
	case "contacts.block":
		return "POST", "/api/contacts/block", map[string]string{"session": session, "contactId": c}, true
	case "contacts.unblock":
		return "POST", "/api/contacts/unblock", map[string]string{"session": session, "contactId": c}, true
	case "contacts.update":
		return "PUT", base + "/contacts/" + c, map[string]string{"firstName": "A", "lastName": "B"}, true
	case "lids.getAll":
		return "GET", base + "/lids", nil, true
	case "lids.getLidsCount":
		return "GET", base + "/lids/count", nil, true
	case "lids.findPNByLid":
		return "GET", base + "/lids/123@lid", nil, true
	case "lids.findLIDByPhoneNumber":
		return "GET", base + "/lids/pn/" + contact, nil, true
	case "presence.setPresence":
		return "POST", base + "/presence", map[string]string{"presence": "online"}, true
	case "presence.getPresenceAll":
		return "GET", base + "/presence", nil, true
	case "presence.getPresence":
		return "GET", base + "/presence/" + c, nil, true
	case "presence.subscribe":
		return "POST", base + "/presence/" + c + "/subscribe", nil, true
	case "profile.getMyProfile":
		return "GET", base + "/profile", nil, true
	case "profile.setProfileName":
		return "PUT", base + "/profile/name", map[string]string{"name": "x"}, true
	case "profile.setProfileStatus":
		return "PUT", base + "/profile/status", map[string]string{"status": "x"}, true
	case "profile.setProfilePicture":
		return "PUT", base + "/profile/picture", map[string]any{"file": map[string]string{"mimetype": "image/png", "data": base64.StdEncoding.EncodeToString(testPNG(8, 8))}}, true
	case "profile.deleteProfilePicture":
		return "DELETE", base + "/profile/picture", nil, true
	case "calls.rejectCall":
		return "POST", base + "/calls/reject", map[string]string{"from": c, "id": "ABCDEF0123456789"}, true
	}
	return "", "", nil, false
}

// testPNG is a w×h PNG of a blue square on red, made here so the picture
// scenarios need no file.
func testPNG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			c := color.RGBA{200, 30, 30, 255}
			if x > w/4 && x < 3*w/4 && y > h/4 && y < 3*h/4 {
				c = color.RGBA{30, 30, 200, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// testJPEG is a small JPEG, for a phone's own picture.
func testJPEG() []byte {
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	_ = jpeg.Encode(&buf, img, nil)
	return buf.Bytes()
}

func ptr[T any](v T) *T { return &v }

// waitFor polls until ok, within stepWithin.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	wait.Until(t, stepWithin, what, ok)
}

// checkExists: a number on WhatsApp exists and gives the chat id to use; one
// no account has does not; a malformed one is a 400.
func (s *suite) checkExists(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "ce")
	if !ok || !s.supports(t, p, "contacts.checkExists") {
		return
	}
	var st engines.NumberStatus
	g.Expect(g.Do("GET", "/api/contacts/check-exists?session=ce&phone=%2B"+p.cNum, nil), 200).JSON(t, &st)
	if !st.NumberExists || st.ChatID != p.cNum+"@c.us" {
		t.Fatalf("check-exists of a contact: %+v, want numberExists and chatId %s@c.us", st, p.cNum)
	}
	nobody := "4915199999999"
	st = engines.NumberStatus{}
	r := g.Expect(g.Do("GET", "/api/contacts/check-exists?session=ce&phone="+nobody, nil), 200)
	if err := json.Unmarshal(r.Body, &st); err != nil || st.NumberExists || st.ChatID != "" {
		t.Fatalf("check-exists of a number nobody has: %s", r.Body)
	}
	for _, bad := range []string{"12ab", "", "123@g.us", "1"} {
		e := g.Expect(g.Do("GET", "/api/contacts/check-exists?session=ce&phone="+url.QueryEscape(bad), nil), 400).Err(t)
		if msg, _ := e["message"].(string); !strings.Contains(msg, "phone") {
			t.Errorf("check-exists %q: message %q does not name the field", bad, msg)
		}
	}
}

// contactsAndLIDs: a person's phone-number id and LID map to each other, and
// the person is one contact, found by either id.
func (s *suite) contactsAndLIDs(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "cl")
	if !ok || !s.supports(t, p, "messages.sendText", "chats.messages", "contacts.checkExists", "lids.findLIDByPhoneNumber",
		"lids.findPNByLid", "lids.getAll", "lids.getLidsCount", "contacts.getAll", "contacts.get", "contacts.getById") {
		return
	}
	s.converse(t, p)
	pn := p.cNum + "@c.us"
	var m engines.LIDMapping
	g.Expect(g.Do("GET", "/api/cl/lids/pn/"+p.cNum, nil), 200).JSON(t, &m)
	if !strings.HasSuffix(m.LID, "@lid") || m.PN == nil || *m.PN != pn {
		t.Fatalf("lid of %s: %+v", pn, m)
	}
	lid := m.LID
	var back engines.LIDMapping
	g.Expect(g.Do("GET", "/api/cl/lids/"+url.PathEscape(lid), nil), 200).JSON(t, &back)
	if back.LID != lid || back.PN == nil || *back.PN != pn {
		t.Fatalf("phone number of %s: %+v", lid, back)
	}
	g.Expect(g.Do("GET", "/api/cl/lids/"+strings.TrimSuffix(lid, "@lid"), nil), 200).JSON(t, &back)
	if back.PN == nil || *back.PN != pn {
		t.Fatalf("phone number of %s given as digits: %+v", lid, back)
	}
	var all []engines.LIDMapping
	g.Expect(g.Do("GET", "/api/cl/lids?limit=100", nil), 200).JSON(t, &all)
	found := false
	for _, x := range all {
		found = found || x.LID == lid && x.PN != nil && *x.PN == pn
	}
	if !found {
		t.Fatalf("lids %+v lack %s → %s", all, lid, pn)
	}
	var count map[string]int
	g.Expect(g.Do("GET", "/api/cl/lids/count", nil), 200).JSON(t, &count)
	if count["count"] < 1 || count["count"] < len(all) {
		t.Fatalf("lids count %v, with %d listed", count, len(all))
	}

	// One person, one contact: listed once, found by either id.
	var ks []engines.Contact
	g.Expect(g.Do("GET", "/api/contacts/all?session=cl&sortBy=id", nil), 200).JSON(t, &ks)
	n := 0
	for _, k := range ks {
		if k.ID == pn || k.ID == lid || k.LID != nil && *k.LID == lid {
			n++
			if k.ID != pn || k.Number == nil || *k.Number != p.cNum || k.IsGroup || k.IsMe {
				t.Errorf("the contact: %+v", k)
			}
		}
	}
	if n != 1 {
		t.Fatalf("the person is %d contacts in %+v, want 1", n, ks)
	}
	for _, path := range []string{"/api/contacts?session=cl&contactId=" + url.QueryEscape(lid), "/api/cl/contacts/" + pn, "/api/contacts?session=cl&contactId=" + p.cNum} {
		var k engines.Contact
		g.Expect(g.Do("GET", path, nil), 200).JSON(t, &k)
		if k.ID != pn {
			t.Errorf("%s: contact %+v, want id %s", path, k, pn)
		}
	}

	// Unknown and malformed ids.
	e := g.Expect(g.Do("GET", "/api/cl/lids/987654321987654@lid", nil), 404).Err(t)
	if msg, _ := e["message"].(string); !strings.Contains(msg, "987654321987654@lid") {
		t.Errorf("unknown lid: %v", e)
	}
	for _, c := range []struct{ path, mentions string }{
		{"/api/cl/lids/" + p.cNum + "@c.us", "lid"},
		{"/api/cl/lids/pn/12ab", "phoneNumber"},
		{"/api/contacts?session=cl&contactId=not-an-id", "contactId"},
		{"/api/contacts/all?session=cl&sortBy=age", "sortBy"},
	} {
		e := g.Expect(g.Do("GET", c.path, nil), 400).Err(t)
		if msg, _ := e["message"].(string); !strings.Contains(msg, c.mentions) {
			t.Errorf("%s: message %q does not mention %q", c.path, msg, c.mentions)
		}
	}
}

// contactProfile: a contact's about, picture and name appear after they change them.
func (s *suite) contactProfile(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "cp")
	if !ok || !s.supports(t, p, "messages.sendText", "chats.messages", "contacts.getAbout", "contacts.getProfilePicture", "contacts.get") {
		return
	}
	_, contact := s.people(t, p)
	s.converse(t, p)
	about := "Out fishing until Monday"
	if err := contact.SetProfile(ctx(t, stepWithin), ProfileChange{Name: ptr("Renamed Contact"), About: &about, Picture: testJPEG()}); err != nil {
		t.Fatal(err)
	}
	q := "?session=cp&contactId=" + p.cNum + "@c.us"
	var got map[string]*string
	g.Expect(g.Do("GET", "/api/contacts/about"+q, nil), 200).JSON(t, &got)
	if got["about"] == nil || *got["about"] != about {
		t.Fatalf("about: %v, want %q", got, about)
	}
	g.Expect(g.Do("GET", "/api/contacts/profile-picture"+q+"&refresh=true", nil), 200).JSON(t, &got)
	pic := got["profilePictureURL"]
	if pic == nil || *pic == "" {
		t.Fatalf("profile picture after the contact set one: %v", got)
	}
	if res, err := http.Get(*pic); err != nil || res.StatusCode != 200 {
		t.Errorf("the picture URL %s does not serve it: %v %v", *pic, res, err)
	} else {
		res.Body.Close()
	}
	// The new name comes with their next message.
	raw, err := p.contact.SendText(ctx(t, stepWithin), p.meNum, "new name, same me")
	if err != nil {
		t.Fatal(err)
	}
	s.waitMessages(t, p, p.cNum+"@c.us", func(ms []engines.Message) bool { return len(ms) > 0 && strings.HasSuffix(ms[0].ID, raw) })
	waitFor(t, "the contact's new push name", func() bool {
		var k engines.Contact
		g.Expect(g.Do("GET", "/api/contacts"+q, nil), 200).JSON(t, &k)
		return k.PushName != nil && *k.PushName == "Renamed Contact"
	})
	// And the picture goes away when they delete it.
	if err := contact.SetProfile(ctx(t, stepWithin), ProfileChange{DeletePicture: true}); err != nil {
		t.Fatal(err)
	}
	g.Expect(g.Do("GET", "/api/contacts/profile-picture"+q+"&refresh=true", nil), 200).JSON(t, &got)
	if got["profilePictureURL"] != nil {
		t.Fatalf("profile picture after the contact removed it: %v", *got["profilePictureURL"])
	}
}

// blockContact: a blocked contact's messages do not arrive; unblocking lets
// them through again; the contact info says so meanwhile.
func (s *suite) blockContact(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "bl")
	if !ok || !s.supports(t, p, "messages.sendText", "chats.messages", "contacts.block", "contacts.unblock", "contacts.get") {
		return
	}
	s.converse(t, p)
	pn := p.cNum + "@c.us"
	blocked := func() bool {
		var k engines.Contact
		g.Expect(g.Do("GET", "/api/contacts?session=bl&contactId="+pn, nil), 200).JSON(t, &k)
		return k.IsBlocked
	}
	g.Expect(g.Do("POST", "/api/contacts/block", map[string]string{"session": "bl", "contactId": pn}), 201)
	if !blocked() {
		t.Fatal("contact not blocked after block")
	}
	whileBlocked, err := p.contact.SendText(ctx(t, stepWithin), p.meNum, "are you there?")
	if err != nil {
		t.Fatal(err)
	}
	g.Expect(g.Do("POST", "/api/contacts/unblock", map[string]string{"session": "bl", "contactId": pn}), 201)
	if blocked() {
		t.Fatal("contact still blocked after unblock")
	}
	after, err := p.contact.SendText(ctx(t, stepWithin), p.meNum, "and now?")
	if err != nil {
		t.Fatal(err)
	}
	g.WaitEvent("bl", "message", idIs("false_"+pn+"_"+after), stepWithin)
	// Messages arrive in order, so had the first been delivered it would be here.
	ms := s.waitMessages(t, p, pn, func(ms []engines.Message) bool { return len(ms) > 0 })
	for _, m := range ms {
		if strings.HasSuffix(m.ID, "_"+whileBlocked) {
			t.Fatalf("a message sent while blocked arrived: %s", m.ID)
		}
	}
	e := g.Expect(g.Do("POST", "/api/contacts/block", map[string]string{"session": "bl", "contactId": "123@g.us"}), 400).Err(t)
	if msg, _ := e["message"].(string); !strings.Contains(msg, "contactId") {
		t.Errorf("blocking a group: %v", e)
	}
}

// presence: the session's presence and chat states reach the contact; the
// contact's, once subscribed, arrive as presence.update.
func (s *suite) presence(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "pr")
	if !ok || !s.supports(t, p, "messages.sendText", "chats.messages", "presence.setPresence", "presence.subscribe", "presence.getPresence", "presence.getPresenceAll") {
		return
	}
	_, contact := s.people(t, p)
	s.converse(t, p)
	pn := p.cNum + "@c.us"
	g.Expect(g.Do("POST", "/api/pr/presence", map[string]string{"presence": "online"}), 201)
	g.Expect(g.Do("POST", "/api/pr/presence", map[string]string{"presence": "typing", "chatId": pn}), 201)
	if err := contact.WaitChatState(ctx(t, stepWithin), p.meNum, "typing"); err != nil {
		t.Fatalf("the contact did not see the session typing: %v", err)
	}
	g.Expect(g.Do("POST", "/api/pr/presence", map[string]string{"presence": "paused", "chatId": pn}), 201)
	if err := contact.WaitChatState(ctx(t, stepWithin), p.meNum, "paused"); err != nil {
		t.Fatalf("the contact did not see the session stop typing: %v", err)
	}

	g.Expect(g.Do("POST", "/api/pr/presence/"+pn+"/subscribe", nil), 201)
	if err := contact.SetOnline(ctx(t, stepWithin), true); err != nil {
		t.Fatal(err)
	}
	presenceIs := func(want engines.Presence) func(map[string]any) bool {
		return func(m map[string]any) bool {
			ps, _ := m["presences"].([]any)
			for _, x := range ps {
				d, _ := x.(map[string]any)
				if m["id"] == pn && d["participant"] == pn && d["lastKnownPresence"] == string(want) {
					return true
				}
			}
			return false
		}
	}
	g.WaitEvent("pr", "presence.update", presenceIs(engines.PresenceOnline), stepWithin)
	if err := contact.SetChatState(ctx(t, stepWithin), p.meNum, "typing"); err != nil {
		t.Fatal(err)
	}
	g.WaitEvent("pr", "presence.update", presenceIs(engines.PresenceTyping), stepWithin)
	var cp engines.ChatPresences
	g.Expect(g.Do("GET", "/api/pr/presence/"+pn, nil), 200).JSON(t, &cp)
	if cp.ID != pn || len(cp.Presences) != 1 || cp.Presences[0].LastKnownPresence != engines.PresenceTyping {
		t.Fatalf("presence of %s: %+v", pn, cp)
	}
	var all []engines.ChatPresences
	g.Expect(g.Do("GET", "/api/pr/presence", nil), 200).JSON(t, &all)
	if len(all) != 1 || all[0].ID != pn {
		t.Fatalf("presences: %+v", all)
	}
	if err := contact.SetOnline(ctx(t, stepWithin), false); err != nil {
		t.Fatal(err)
	}
	g.WaitEvent("pr", "presence.update", presenceIs(engines.PresenceOffline), stepWithin)

	for _, c := range []struct {
		body     map[string]string
		mentions string
	}{
		{map[string]string{"presence": "asleep"}, "presence"},
		{map[string]string{"presence": "typing"}, "chatId"},
		{map[string]string{"presence": "typing", "chatId": "nobody@nowhere"}, "chatId"},
	} {
		e := g.Expect(g.Do("POST", "/api/pr/presence", c.body), 400).Err(t)
		if msg, _ := e["message"].(string); !strings.Contains(msg, c.mentions) {
			t.Errorf("presence %v: message %q does not mention %q", c.body, msg, c.mentions)
		}
	}
}

// profile: the account's own name, about and picture, changed through the
// API, are what a contact sees.
func (s *suite) profile(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "pf2")
	if !ok || !s.supports(t, p, "messages.sendText", "profile.getMyProfile", "profile.setProfileName", "profile.setProfileStatus",
		"profile.setProfilePicture", "profile.deleteProfilePicture") {
		return
	}
	_, contact := s.people(t, p)
	var prof engines.MyProfile
	g.Expect(g.Do("GET", "/api/pf2/profile", nil), 200).JSON(t, &prof)
	if prof.ID != p.meNum+"@c.us" || prof.Picture != nil {
		t.Fatalf("profile: %+v", prof)
	}
	g.Expect(g.Do("PUT", "/api/pf2/profile/name", map[string]string{"name": "Wagate Renamed"}), 200)
	g.Expect(g.Do("PUT", "/api/pf2/profile/status", map[string]string{"status": "Busy building gateways"}), 200)
	png := base64.StdEncoding.EncodeToString(testPNG(900, 600))
	g.Expect(g.Do("PUT", "/api/pf2/profile/picture", map[string]any{"file": map[string]string{"mimetype": "image/png", "data": png}}), 200)
	g.Expect(g.Do("GET", "/api/pf2/profile", nil), 200).JSON(t, &prof)
	if prof.Name != "Wagate Renamed" || prof.Picture == nil {
		t.Fatalf("profile after the changes: %+v", prof)
	}
	if me := g.Session(g.Expect(g.Do("GET", "/api/sessions/pf2", nil), 200)).Me; me == nil || me.PushName != "Wagate Renamed" {
		t.Errorf("session me after renaming: %+v", me)
	}
	// The contact sees the new name on our next message, and the about and
	// picture when they look.
	g.Expect(g.Do("POST", "/api/sendText", map[string]string{"session": "pf2", "chatId": p.cNum + "@c.us", "text": "it is me, renamed"}), 201)
	if _, err := p.contact.WaitText(ctx(t, stepWithin), p.meNum, "it is me, renamed"); err != nil {
		t.Fatal(err)
	}
	var seen Peer
	waitFor(t, "the contact seeing the new profile", func() bool {
		var err error
		seen, err = contact.Peer(ctx(t, stepWithin), p.meNum)
		return err == nil && seen.PushName == "Wagate Renamed" && seen.About == "Busy building gateways" && seen.HasPicture
	})
	g.Expect(g.Do("DELETE", "/api/pf2/profile/picture", nil), 200)
	g.Expect(g.Do("GET", "/api/pf2/profile", nil), 200).JSON(t, &prof)
	if prof.Picture != nil {
		t.Fatalf("picture after delete: %v", *prof.Picture)
	}
	if seen, err := contact.Peer(ctx(t, stepWithin), p.meNum); err != nil || seen.HasPicture {
		t.Fatalf("the contact still sees a picture: %+v, %v", seen, err)
	}
	// A picture by URL (a server on loopback plays the image host).
	images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/me.png" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(testPNG(300, 300))
	}))
	t.Cleanup(images.Close)
	g.Expect(g.Do("PUT", "/api/pf2/profile/picture", map[string]any{"file": map[string]string{"mimetype": "image/png", "url": images.URL + "/me.png"}}), 200)
	waitFor(t, "the contact seeing the picture set by URL", func() bool {
		seen, err := contact.Peer(ctx(t, stepWithin), p.meNum)
		return err == nil && seen.HasPicture
	})

	for _, c := range []struct {
		method, path string
		body         any
		mentions     string
	}{
		{"PUT", "/api/pf2/profile/picture", map[string]any{"file": map[string]string{"mimetype": "image/png", "data": base64.StdEncoding.EncodeToString([]byte("not a picture at all"))}}, "not an image"},
		{"PUT", "/api/pf2/profile/picture", map[string]any{"file": map[string]string{"mimetype": "application/pdf", "data": png}}, "mimetype"},
		{"PUT", "/api/pf2/profile/picture", map[string]any{"file": map[string]string{"mimetype": "image/png", "data": "%%%"}}, "file.data"},
		{"PUT", "/api/pf2/profile/picture", map[string]any{}, "file"},
		{"PUT", "/api/pf2/profile/picture", map[string]any{"file": map[string]string{"mimetype": "image/png", "url": images.URL + "/gone.png"}}, "file.url"},
		{"PUT", "/api/pf2/profile/picture", map[string]any{"file": map[string]string{"mimetype": "image/png", "url": "ftp://example.com/x.png"}}, "file.url"},
		// Cloud metadata: the network guard refuses it (no request is made).
		{"PUT", "/api/pf2/profile/picture", map[string]any{"file": map[string]string{"mimetype": "image/png", "url": "http://169.254.169.254/latest/meta-data/"}}, "file.url"},
		{"PUT", "/api/pf2/profile/name", map[string]string{"name": " "}, "name"},
		{"PUT", "/api/pf2/profile/name", map[string]string{"name": strings.Repeat("n", 26)}, "name"},
	} {
		e := g.Expect(g.Do(c.method, c.path, c.body), 400).Err(t)
		if msg, _ := e["message"].(string); !strings.Contains(msg, c.mentions) {
			t.Errorf("%s %s: message %q does not mention %q", c.method, c.path, msg, c.mentions)
		}
	}
}

// calls: a contact's call arrives as call.received, and rejecting it ends it
// on the caller's phone.
func (s *suite) calls(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "call")
	if !ok || !s.supports(t, p, "calls.rejectCall") {
		return
	}
	_, contact := s.people(t, p)
	id, err := contact.Call(ctx(t, stepWithin), p.meNum, false)
	if err != nil {
		t.Fatal(err)
	}
	ev := g.WaitEvent("call", "call.received", idIs(id), stepWithin)
	if ev.Payload["from"] != p.cNum+"@c.us" || ev.Payload["isVideo"] != false || ev.Payload["isGroup"] != false {
		t.Fatalf("call.received: %v", ev.Payload)
	}
	g.Expect(g.Do("POST", "/api/call/calls/reject", map[string]string{"from": p.cNum + "@c.us", "id": id}), 201)
	if err := contact.WaitCallRejected(ctx(t, stepWithin), id); err != nil {
		t.Fatalf("the caller did not see the call rejected: %v", err)
	}
	for _, c := range []struct {
		body     map[string]string
		mentions string
	}{
		{map[string]string{"from": p.cNum + "@c.us", "id": ""}, "id"},
		{map[string]string{"from": "someone", "id": id}, "from"},
	} {
		e := g.Expect(g.Do("POST", "/api/call/calls/reject", c.body), 400).Err(t)
		if msg, _ := e["message"].(string); !strings.Contains(msg, c.mentions) {
			t.Errorf("reject %v: message %q does not mention %q", c.body, msg, c.mentions)
		}
	}
}

// saveContact: a contact saved through the API is in the account's address
// book, on its phone too, and the contact info says so.
func (s *suite) saveContact(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "sc")
	if !ok || !s.supports(t, p, "messages.sendText", "chats.messages", "contacts.update", "contacts.getById") {
		return
	}
	me, _ := s.people(t, p)
	s.converse(t, p)
	pn := p.cNum + "@c.us"
	var res map[string]bool
	g.Expect(g.Do("PUT", "/api/sc/contacts/"+pn, map[string]string{"firstName": "Carla", "lastName": "Contact"}), 200).JSON(t, &res)
	if !res["success"] {
		t.Fatalf("save contact: %v", res)
	}
	var k engines.Contact
	g.Expect(g.Do("GET", "/api/sc/contacts/"+pn, nil), 200).JSON(t, &k)
	if k.Name == nil || *k.Name != "Carla Contact" || k.ShortName == nil || *k.ShortName != "Carla" || !k.IsMyContact {
		t.Fatalf("the saved contact: %+v", k)
	}
	if err := me.WaitContactName(ctx(t, stepWithin), p.cNum, "Carla Contact"); err != nil {
		t.Fatalf("the account's phone does not have the contact: %v", err)
	}
	for _, c := range []struct {
		path     string
		body     map[string]string
		mentions string
	}{
		{"/api/sc/contacts/" + pn, map[string]string{"lastName": "Only"}, "firstName"},
		{"/api/sc/contacts/123@g.us", map[string]string{"firstName": "G"}, "chatId"},
		{"/api/sc/contacts/12ab", map[string]string{"firstName": "X"}, "chatId"},
	} {
		e := g.Expect(g.Do("PUT", c.path, c.body), 400).Err(t)
		if msg, _ := e["message"].(string); !strings.Contains(msg, c.mentions) {
			t.Errorf("PUT %s %v: message %q does not mention %q", c.path, c.body, msg, c.mentions)
		}
	}
}

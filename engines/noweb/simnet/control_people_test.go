package simnet

import (
	"bytes"
	"image"
	"image/jpeg"
	"net/http"
	"testing"
)

// TestPeopleControlAPI: one phone's profile, chat state, call and block, seen
// by another phone, through the control API.
func TestPeopleControlAPI(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	for _, a := range []map[string]any{{"phone": "491510000051", "name": "Alice"}, {"phone": "491510000052", "name": "Bob"}} {
		if code := apiCall(t, srv, "POST", "/simnet/api/accounts", a, nil); code != http.StatusCreated {
			t.Fatalf("create account %v: %d", a["phone"], code)
		}
	}
	bob, err := srv.Phone("491510000052")
	if err != nil {
		t.Fatal(err)
	}
	var pic bytes.Buffer
	if err := jpeg.Encode(&pic, image.NewGray(image.Rect(0, 0, 32, 32)), nil); err != nil {
		t.Fatal(err)
	}
	profile := map[string]any{"name": "Alice B.", "about": "Out", "picture": pic.Bytes()}
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts/491510000051/profile", profile, nil); code != http.StatusOK {
		t.Fatalf("profile: %d", code)
	}
	var peer PeerProfile
	if code := apiCall(t, srv, "GET", "/simnet/api/accounts/491510000052/peers/491510000051", nil, &peer); code != http.StatusOK || peer.About != "Out" || peer.PictureID == "" {
		t.Fatalf("bob sees alice: %d %+v", code, peer)
	}
	if res, err := http.Get(peer.PictureURL); err != nil || res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("the picture URL %s: %v %v", peer.PictureURL, res, err)
	}
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts/491510000051/chats/491510000052/state", map[string]string{"state": "typing"}, nil); code != http.StatusOK {
		t.Fatalf("chat state: %d", code)
	}
	if _, err := bob.WaitFor(ctx, func(e Event) bool { return e.Type == "chat_state" && e.Text == "composing" }); err != nil {
		t.Fatal(err)
	}
	var call map[string]string
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts/491510000051/calls", map[string]any{"to": "491510000052", "video": true}, &call); code != http.StatusOK || call["id"] == "" {
		t.Fatalf("call: %d %v", code, call)
	}
	if _, err := bob.WaitFor(ctx, func(e Event) bool { return e.Type == "call_offer" && e.ID == call["id"] && e.Value }); err != nil {
		t.Fatal(err)
	}
	// Bob blocks Alice: her message does not reach him; unblocked, the next one does.
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts/491510000052/block", map[string]any{"chat": "491510000051", "blocked": true}, nil); code != http.StatusOK {
		t.Fatalf("block: %d", code)
	}
	var first, second map[string]string
	apiCall(t, srv, "POST", "/simnet/api/accounts/491510000051/messages", map[string]string{"to": "491510000052", "text": "blocked?"}, &first)
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts/491510000052/block", map[string]any{"chat": "491510000051", "blocked": false}, nil); code != http.StatusOK {
		t.Fatalf("unblock: %d", code)
	}
	apiCall(t, srv, "POST", "/simnet/api/accounts/491510000051/messages", map[string]string{"to": "491510000052", "text": "and now?"}, &second)
	if _, err := bob.WaitFor(ctx, func(e Event) bool { return e.Type == "message" && e.ID == second["id"] }); err != nil {
		t.Fatal(err)
	}
	for _, e := range bob.Events() {
		if e.Type == "message" && e.ID == first["id"] {
			t.Fatal("a message sent while blocked reached the blocker")
		}
	}
	for _, c := range []struct {
		path string
		body any
	}{
		{"/simnet/api/accounts/491510000051/chats/491510000052/state", map[string]string{"state": "dancing"}},
		{"/simnet/api/accounts/491510000051/calls", map[string]string{"to": ""}},
		{"/simnet/api/accounts/491510000051/profile", map[string]any{"picture": []byte("not a jpeg")}},
		{"/simnet/api/accounts/491510000051/block", map[string]any{"chat": "x!"}},
	} {
		if code := apiCall(t, srv, "POST", c.path, c.body, nil); code != http.StatusBadRequest {
			t.Errorf("POST %s %v: %d, want 400", c.path, c.body, code)
		}
	}
}

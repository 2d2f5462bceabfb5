package server_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wagate/wagate/store"
)

// TestHeadAndWebsocketWithoutUpgrade: HEAD on a GET route answers as the GET,
// without the body, and GET /ws without an upgrade its declared 426; both as the
// spec declares (Do checks it).
func TestHeadAndWebsocketWithoutUpgrade(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "ok", "config": paired()}), 201)
	dir := a.Media.SessionDir("ok")
	os.MkdirAll(dir, 0o700)
	os.WriteFile(filepath.Join(dir, "3EB0AB.jpg"), []byte("jpeg bytes"), 0o600)
	for _, c := range []struct {
		path   string
		status int
		ct     string
	}{
		{"/ping", 200, "application/json"},
		{"/health", 200, "application/json"},
		{"/api/sessions", 200, "application/json"},
		{"/api/sessions/ok", 200, "application/json"},
		{"/api/sessions/nope", 404, "application/json"},
		{"/api/files/ok/3EB0AB.jpg", 200, "image/jpeg"},
		{"/api/files/ok/none.jpg", 404, "application/json"},
	} {
		get := a.Do("GET", c.path, nil)
		head := a.Do("HEAD", c.path, nil)
		if head.Status != c.status || get.Status != c.status {
			t.Errorf("HEAD %s: %d (GET %d), want %d", c.path, head.Status, get.Status, c.status)
		}
		if len(head.Body) != 0 || !strings.HasPrefix(head.Header.Get("Content-Type"), c.ct) {
			t.Errorf("HEAD %s: %d bytes of body, Content-Type %q, want none and %s", c.path, len(head.Body), head.Header.Get("Content-Type"), c.ct)
		}
	}
	a.Expect(a.Do("HEAD", "/api/sessions", nil, "X-Api-Key", ""), 401)

	r := a.Expect(a.Do("GET", "/ws", nil), http.StatusUpgradeRequired)
	if r.Err(t); r.Header.Get("Upgrade") != "websocket" {
		t.Fatalf("426 without Upgrade: websocket: %v", r.Header)
	}
}

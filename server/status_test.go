package server_test

import (
	"strings"
	"testing"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/enginetest/memnet"
	"github.com/wagate/wagate/store"
)

// TestSessionNotReady: a session that exists but is not running answers WAHA's
// 404; one running but not in the status the call needs answers 422 with what to
// do about the status it is in.
func TestSessionNotReady(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	start := false
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "idle", "start": start}), 201)
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "ok", "config": paired()}), 201)
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "qr"}), 201)
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "broken", "config": map[string]any{"metadata": map[string]string{memnet.MetaStartDelay: "soon"}}}), 201)
	a.waitStatus("ok", engines.StatusWorking)
	a.waitStatus("qr", engines.StatusScanQRCode)
	a.waitStatus("broken", engines.StatusFailed)

	const notRunning = "We didn't find a session with name 'idle'.\nPlease start it first by using POST /api/sessions/idle/start request"
	for _, c := range []struct {
		method, path string
		body         any
		status       int
		mentions     []string
	}{
		{"GET", "/api/idle/chats", nil, 404, []string{notRunning}},
		{"GET", "/api/idle/auth/qr", nil, 404, []string{notRunning}},
		{"POST", "/api/sendText", map[string]any{"session": "idle", "chatId": "123@c.us", "text": "hi"}, 404, []string{notRunning}},
		{"GET", "/api/broken/chats", nil, 422, []string{"FAILED", "memnet.startDelay", "POST /api/sessions/broken/restart"}},
		{"GET", "/api/ok/auth/qr", nil, 422, []string{"already paired", "POST /api/sessions/ok/logout"}},
		{"POST", "/api/ok/auth/request-code", map[string]any{"phoneNumber": "12132132130"}, 422, []string{"already paired"}},
		{"GET", "/api/qr/chats", nil, 422, []string{"SCAN_QR_CODE", "GET /api/qr/auth/qr"}},
	} {
		r := a.Expect(a.Do(c.method, c.path, c.body), c.status)
		e := r.Err(t)
		msg, _ := e["message"].(string)
		for _, m := range c.mentions {
			if !strings.Contains(msg, m) {
				t.Errorf("%s %s: message %q does not say %q", c.method, c.path, msg, m)
			}
		}
		if c.status == 422 && (e["session"] == nil || e["status"] == nil || e["expected"] == nil) {
			t.Errorf("%s %s: 422 without session, status and expected: %v", c.method, c.path, e)
		}
	}
}

package server_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/enginetest"
	"github.com/wagate/wagate/engines/enginetest/memnet"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

func TestSessionLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		a := newAPI(t, d, apiOptions{})

		// Create without start: STOPPED, default engine.
		s := a.Session(a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "alpha", "start": false}), 201))
		if s.Status != engines.StatusStopped || s.Engine["engine"] != "WEBJS" || s.Me != nil {
			t.Fatalf("created: %+v", s)
		}
		// Not listed without ?all while stopped.
		var list []enginetest.Session
		a.Expect(a.Do("GET", "/api/sessions", nil), 200).JSON(t, &list)
		if len(list) != 0 {
			t.Fatalf("list without all: %+v", list)
		}
		a.Expect(a.Do("GET", "/api/sessions?all=true", nil), 200).JSON(t, &list)
		if len(list) != 1 || list[0].Name != "alpha" {
			t.Fatalf("list all: %+v", list)
		}

		// Start: waits for pairing.
		s = a.Session(a.Expect(a.Do("POST", "/api/sessions/alpha/start", nil), 201))
		if s.Status != engines.StatusScanQRCode {
			t.Fatalf("started: %+v", s)
		}
		// QR as raw value, PNG, and base64 JSON.
		var qr map[string]string
		a.Expect(a.Do("GET", "/api/alpha/auth/qr?format=raw", nil), 200).JSON(t, &qr)
		if !strings.HasPrefix(qr["value"], "memnet:alpha:") {
			t.Fatalf("raw qr: %v", qr)
		}
		png := a.Expect(a.Do("GET", "/api/alpha/auth/qr", nil), 200)
		if png.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(png.Body, []byte("\x89PNG")) {
			t.Fatalf("qr image: %s %.20q", png.Header.Get("Content-Type"), png.Body)
		}
		var b64 map[string]string
		a.Expect(a.Do("GET", "/api/alpha/auth/qr", nil, "Accept", "application/json"), 200).JSON(t, &b64)
		if b64["mimetype"] != "image/png" || len(b64["data"]) < 100 {
			t.Fatalf("qr json: %.100v", b64)
		}
		// me is null before pairing.
		if r := a.Expect(a.Do("GET", "/api/sessions/alpha/me", nil), 200); string(r.Body) != "null\n" && string(r.Body) != "null" {
			t.Fatalf("me before pairing: %q", r.Body)
		}
		// Pair by phone code.
		var code map[string]string
		a.Expect(a.Do("POST", "/api/alpha/auth/request-code", map[string]string{"phoneNumber": "+1 555 000 1111"}), 201).JSON(t, &code)
		if len(code["code"]) != 9 || code["code"][4] != '-' {
			t.Fatalf("code: %v", code)
		}
		if err := a.me.EnterCode(context.Background(), code["code"]); err != nil {
			t.Fatal(err)
		}
		s = a.waitStatus("alpha", engines.StatusWorking)
		if s.Me == nil || s.Me.ID != "15550001111@c.us" {
			t.Fatalf("working: %+v", s)
		}
		var mi engines.MeInfo
		a.Expect(a.Do("GET", "/api/sessions/alpha/me", nil), 200).JSON(t, &mi)
		if mi.PushName != "Tester" {
			t.Fatalf("me: %+v", mi)
		}
		// QR while WORKING: 422 with the status.
		e := a.Expect(a.Do("GET", "/api/alpha/auth/qr", nil), 422).Err(t)
		if e["status"] != "WORKING" || e["session"] != "alpha" {
			t.Fatalf("qr while working: %v", e)
		}

		// Restart keeps the pairing.
		s = a.Session(a.Expect(a.Do("POST", "/api/sessions/alpha/restart", nil), 201))
		if s.Status != engines.StatusWorking {
			t.Fatalf("restarted: %+v", s)
		}
		// Changing the engine of a paired session: 409 that says to log out first.
		e = a.Expect(a.Do("PUT", "/api/sessions/alpha", map[string]any{"engine": "NOWEB", "config": map[string]any{}}), http.StatusConflict).Err(t)
		if !strings.Contains(e["message"].(string), "log out first") {
			t.Fatalf("409 message: %v", e["message"])
		}
		// Update the config of a running session: restarted with it.
		s = a.Session(a.Expect(a.Do("PUT", "/api/sessions/alpha", map[string]any{"config": map[string]any{"metadata": map[string]string{"team": "blue"}}}), 200))
		if s.Config.Metadata["team"] != "blue" || s.Status != engines.StatusWorking {
			t.Fatalf("updated: %+v", s)
		}

		// Logout: the running session starts over, waiting for a scan.
		s = a.Session(a.Expect(a.Do("POST", "/api/sessions/alpha/logout", nil), 201))
		if s.Status != engines.StatusScanQRCode || s.Me != nil {
			t.Fatalf("logged out: %+v", s)
		}
		// Now the engine may change.
		s = a.Session(a.Expect(a.Do("PUT", "/api/sessions/alpha", map[string]any{"engine": "noweb"}), 200))
		if s.Engine["engine"] != "NOWEB" {
			t.Fatalf("engine change: %+v", s)
		}
		// Stop.
		s = a.Session(a.Expect(a.Do("POST", "/api/sessions/alpha/stop", nil), 201))
		if s.Status != engines.StatusStopped {
			t.Fatalf("stopped: %+v", s)
		}
		// Delete: empty body; then 404 everywhere.
		r := a.Expect(a.Do("DELETE", "/api/sessions/alpha", nil), 200)
		if len(r.Body) != 0 {
			t.Fatalf("delete body: %q", r.Body)
		}
		a.Expect(a.Do("GET", "/api/sessions/alpha", nil), 404).Err(t)
		a.Expect(a.Do("POST", "/api/sessions/alpha/start", nil), 404).Err(t)
		a.Expect(a.Do("GET", "/api/alpha/chats", nil), 404).Err(t)
	})
}

func TestCreateDefaults(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	// No name: one is generated; start defaults to true.
	s := a.Session(a.Expect(a.Do("POST", "/api/sessions", map[string]any{"config": paired()}), 201))
	if !strings.HasPrefix(s.Name, "session_") || s.Status != engines.StatusWorking {
		t.Fatalf("created: %+v", s)
	}
	// Existing name: WAHA's 422.
	e := a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": s.Name}), 422).Err(t)
	if !strings.Contains(e["message"].(string), "already exists") {
		t.Fatalf("duplicate: %v", e)
	}
}

func TestDeprecatedSessionForms(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	var dto map[string]any
	a.Expect(a.Do("POST", "/api/sessions/start", map[string]any{"name": "old", "config": paired()}), 201).JSON(t, &dto)
	if dto["name"] != "old" || dto["status"] != "WORKING" {
		t.Fatalf("start: %v", dto)
	}
	a.Expect(a.Do("POST", "/api/sessions/start", map[string]any{"name": "old"}), 422).Err(t)
	if r := a.Expect(a.Do("POST", "/api/sessions/stop", map[string]any{"name": "old"}), 201); len(r.Body) != 0 {
		t.Fatalf("stop body %q", r.Body)
	}
	a.waitStatus("old", engines.StatusStopped)
	// Start again a stopped session: allowed.
	a.Expect(a.Do("POST", "/api/sessions/start", map[string]any{"name": "old", "config": paired()}), 201)
	a.Expect(a.Do("POST", "/api/sessions/stop", map[string]any{"name": "old", "logout": true}), 201)
	a.Expect(a.Do("GET", "/api/sessions/old", nil), 404)
	a.Expect(a.Do("POST", "/api/sessions/start", map[string]any{"name": "gone"}), 201)
	a.Expect(a.Do("POST", "/api/sessions/logout", map[string]any{"name": "gone"}), 201)
	a.Expect(a.Do("GET", "/api/sessions/gone", nil), 404)
	a.Expect(a.Do("POST", "/api/sessions/logout", map[string]any{}), 400)
}

// TestMoveAlone: a move is refused on a gateway that is not one of replicas, and
// its input is checked, naming what is wrong (the handler once read the session
// from a context no middleware of a gateway operation fills, and panicked).
func TestMoveAlone(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "here", "config": paired()}), 201)
	e := a.Expect(a.Do("POST", "/api/sessions/here/move", map[string]any{"replica": "gw1"}), 422).Err(t)
	if !strings.Contains(e["message"].(string), "PostgreSQL") {
		t.Fatalf("move alone: %v", e)
	}
	e = a.Expect(a.Do("POST", "/api/sessions/here/move", map[string]any{}), 400).Err(t)
	if !strings.Contains(e["message"].(string), "replica") {
		t.Fatalf("move without a replica: %v", e)
	}
}

// TestRestartPersistence: a second gateway on the same database brings back the
// sessions that were running, paired, and leaves stopped ones stopped.
func TestRestartPersistence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		st, _ := storetest.Open(t, d)
		net := memnet.New()
		a := newAPI(t, d, apiOptions{store: st, net: net})
		a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "running", "engine": "NOWEB",
			"config": map[string]any{"metadata": map[string]string{memnet.MetaPair: myPhone}, "webhooks": []map[string]any{{"url": "http://127.0.0.1:9/h", "events": []string{"message"}}}}}), 201)
		a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "parked", "start": false}), 201)
		a.Manager.Shutdown(context.Background())

		b := newAPI(t, d, apiOptions{store: st, net: net})
		s := b.waitStatus("running", engines.StatusWorking)
		if s.Engine["engine"] != "NOWEB" || s.Me == nil || len(s.Config.Webhooks) != 1 || s.Config.Metadata[memnet.MetaPair] != myPhone {
			t.Fatalf("running session after restart: %+v", s)
		}
		if p := b.Session(b.Expect(b.Do("GET", "/api/sessions/parked", nil), 200)); p.Status != engines.StatusStopped {
			t.Fatalf("parked session after restart: %+v", p)
		}
	})
}

func TestWaitsForStartingSession(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "slow", "config": map[string]any{"metadata": map[string]string{memnet.MetaStartDelay: "150ms", memnet.MetaPair: myPhone}}}), 201)
	// The session is STARTING for a while; the call waits for it instead of failing.
	a.Expect(a.Do("GET", "/api/slow/chats", nil), 200)
}

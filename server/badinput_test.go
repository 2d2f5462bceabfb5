package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/enginetest"
	"github.com/wagate/wagate/store"
)

// TestWrongTypesNameFieldAndJSONType: a value of the wrong JSON type is a 400 that
// names the field and the JSON type wanted, never the Go type it is decoded into
// ("struct { Name *string … }", "engines.SessionConfig", "[]server.contactCard"),
// and a body that is not an object says so rather than naming an empty field.
func TestWrongTypesNameFieldAndJSONType(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "ok", "config": paired()}), 201)
	cases := []struct {
		method, path, body string
		want               string
	}{
		{"POST", "/api/sessions", `[1,2]`, "Request body: expected an object, got array"},
		{"POST", "/api/sessions", `"name"`, "Request body: expected an object, got string"},
		{"POST", "/api/sendText", `[]`, "Request body: expected an object, got array"},
		{"POST", "/api/sendText", `"str"`, "Request body: expected an object, got string"},
		{"POST", "/api/sessions", `{"name": "c", "config": "str"}`, "config: expected an object, got string"},
		{"PUT", "/api/sessions/ok", `{"config": 5}`, "config: expected an object, got number"},
		{"POST", "/api/sessions", `{"name": "s", "start": "yes"}`, "start: expected true or false, got string"},
		{"POST", "/api/sendText", `{"session": "ok", "chatId": 5, "text": "x"}`, "chatId: expected a string, got number"},
		{"POST", "/api/sendPoll", `{"session": "ok", "chatId": "123@c.us", "poll": "x"}`, "poll: expected an object, got string"},
		{"POST", "/api/sendContactVcard", `{"session": "ok", "chatId": "123@c.us", "contacts": "x"}`, "contacts: expected a list of objects, got string"},
		{"POST", "/api/sendSeen", `{"session": "ok", "chatId": "123@c.us", "messageIds": "x"}`, "messageIds: expected a list of strings, got string"},
		{"POST", "/api/sendLocation", `{"session": "ok", "chatId": "123@c.us", "latitude": "x", "longitude": 1}`, "latitude: expected a number, got string"},
		{"POST", "/api/ok/chats/overview", `{"pagination": "x"}`, "pagination: expected an object, got string"},
		{"POST", "/api/ok/chats/overview", `{"pagination": {"limit": "10"}}`, "pagination.limit: expected a whole number, got string"},
		{"POST", "/api/ok/chats/overview", `{"filter": {"ids": "x"}}`, "filter.ids: expected a list of strings, got string"},
		{"PUT", "/api/ok/profile/picture", `{"file": "x"}`, "file: expected an object, got string"},
		{"POST", "/api/sendImage", `{"session": "ok", "chatId": "123@c.us", "caption": 5}`, "caption: expected a string, got number"},
		{"PUT", "/api/ok/profile/name", `{"name": 5}`, "name: expected a string, got 5"},
		{"POST", "/api/sendText", `{"session": "ok", "chatId": "123@c.us", "text": "x"`, "Invalid JSON: the body ends before the value does"},
	}
	for _, c := range cases {
		r := a.Do(c.method, c.path, c.body)
		if r.Status != 400 {
			t.Errorf("%s %s %s: status %d, want 400: %s", c.method, c.path, c.body, r.Status, r.Body)
			continue
		}
		msg, _ := r.Err(t)["message"].(string)
		if msg != c.want {
			t.Errorf("%s %s %s:\n got %q\nwant %q", c.method, c.path, c.body, msg, c.want)
		}
	}
}

// TestFormBodySaysToSendJSON: curl -d without a Content-Type posts a form; the
// 400 says the body was not sent as JSON.
func TestFormBodySaysToSendJSON(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "ok", "config": paired()}), 201)
	r := a.Expect(a.Do("POST", "/api/sendText", "session=ok&chatId=123@c.us&text=hi", "Content-Type", "application/x-www-form-urlencoded"), 400)
	if msg, _ := r.Err(t)["message"].(string); !strings.Contains(msg, "Content-Type: application/json") || !strings.Contains(msg, "application/x-www-form-urlencoded") {
		t.Fatalf("form body: %q", msg)
	}
}

// TestProfileTextIgnoresOtherFields: PUT profile/name and profile/status read one
// field; a client's other fields, whatever their type, are ignored as WAHA does.
// memnet has no profile, so a body that passes validation reaches the engine's
// 501 (the matrix is told it is supported), and one that does not is a 400.
func TestProfileTextIgnoresOtherFields(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	for _, op := range []string{"profile.setProfileName", "profile.setProfileStatus"} {
		a.Matrix.Set(op, engines.WEBJS, capabilities.Supported)
	}
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "ok", "config": paired()}), 201)
	a.waitStatus("ok", engines.StatusWorking)
	a.Expect(a.Do("PUT", "/api/ok/profile/name", `{"name": "Me", "session": "ok", "extra": 5, "nested": {"a": [1]}}`), 501)
	a.Expect(a.Do("PUT", "/api/ok/profile/status", `{"status": "busy", "flag": true}`), 501)
	for body, want := range map[string]string{
		`{"name": null, "extra": 5}`: "name: required",
		`{"extra": 5}`:               "name: required",
		`{"name": ["x"]}`:            `name: expected a string, got ["x"]`,
	} {
		if msg, _ := a.Expect(a.Do("PUT", "/api/ok/profile/name", body), 400).Err(t)["message"].(string); msg != want {
			t.Errorf("%s: message %q, want %q", body, msg, want)
		}
	}
}

// TestSendSeenNamesTheIDField: the deprecated messageId is named as itself in a
// 400, and messageIds[i] keeps its own index when messageId is given too.
func TestSendSeenNamesTheIDField(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "ok", "config": paired()}), 201)
	cases := []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"session": "ok", "chatId": "123@c.us", "messageId": "bad!!"}, "messageId: "},
		{map[string]any{"session": "ok", "chatId": "123@c.us", "messageId": "true_123@c.us_AAA", "messageIds": []string{"true_123@c.us_BBB", "bad!!"}}, "messageIds[1]: "},
		{map[string]any{"session": "ok", "chatId": "123@c.us", "messageId": "true_456@c.us_AAA"}, "messageId: true_456@c.us_AAA is not in chat 123@c.us"},
	}
	for _, c := range cases {
		msg, _ := a.Expect(a.Do("POST", "/api/sendSeen", c.body), 400).Err(t)["message"].(string)
		if !strings.HasPrefix(msg, c.want) {
			t.Errorf("%v: message %q, want it to start with %q", c.body, msg, c.want)
		}
	}
}

// TestSessionGoneMidRequest: a send the gate let through whose session is deleted
// before the engine answers is the 404 the request would get now, not a 500.
// memnet fetches the text's link preview before it sends, so the preview's
// server holds the send while the test deletes the session.
func TestSessionGoneMidRequest(t *testing.T) {
	for _, c := range []struct {
		name, method, path string
		want               int
	}{
		{"deleted", "DELETE", "/api/sessions/gone", http.StatusNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := newAPI(t, store.SQLite, apiOptions{})
			a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "gone", "config": paired()}), 201)
			a.waitStatus("gone", engines.StatusWorking)
			hit, release := make(chan struct{}), make(chan struct{})
			page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				close(hit)
				<-release
				w.Header().Set("Content-Type", "text/html")
				io.WriteString(w, `<html><head><meta property="og:title" content="t"></head></html>`)
			}))
			defer page.Close()
			done := make(chan enginetest.Response)
			go func() {
				done <- a.Do("POST", "/api/sendText", map[string]any{"session": "gone", "chatId": myPhone + "@c.us", "text": "see " + page.URL + "/x"})
			}()
			<-hit
			a.Expect(a.Do(c.method, c.path, nil), map[string]int{"DELETE": 200, "POST": 201}[c.method])
			close(release)
			r := <-done
			if r.Status != c.want {
				t.Fatalf("send after the session was %s: %d, want %d: %s", c.name, r.Status, c.want, r.Body)
			}
			if msg, _ := r.Err(t)["message"].(string); !strings.Contains(msg, "gone") {
				t.Fatalf("message does not name the session: %q", msg)
			}
		})
	}
}

// TestNOWEBStoreConfigEchoMatchesSpec: a session created as WAHA's example does,
// config.noweb.store {enabled: true}, is answered with a config WAHA's SessionDTO
// accepts (NowebStoreConfig requires fullSync); Do checks it against the spec.
func TestNOWEBStoreConfigEchoMatchesSpec(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	cfg := `{"noweb": {"markOnline": true, "store": {"enabled": true}}}`
	a.Expect(a.Do("POST", "/api/sessions", `{"name": "ns", "engine": "NOWEB", "start": false, "config": `+cfg+`}`), 201)
	a.Expect(a.Do("POST", "/api/sessions/start", `{"name": "ns2", "config": `+cfg+`}`), 201)
	a.Expect(a.Do("PUT", "/api/sessions/ns", `{"config": `+cfg+`}`), 200)
	r := a.Expect(a.Do("GET", "/api/sessions/ns", nil), 200)
	if !strings.Contains(string(r.Body), `"store":{"enabled":true,"fullSync":false}`) {
		t.Fatalf("config.noweb.store: %s", r.Body)
	}
}

// TestUndecodableQueryIsRefused: a query parameter that does not decode was
// dropped by url.Values, so filter.ack=%ZZ answered the unfiltered list; it is a
// 400 naming the parameter.
func TestUndecodableQueryIsRefused(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "ok", "config": paired()}), 201)
	a.waitStatus("ok", engines.StatusWorking)
	for path, want := range map[string]string{
		"/api/ok/chats/123%40c.us/messages?filter.ack=%ZZ":          `filter.ack: the value "%ZZ" is not URL-encoded correctly`,
		"/api/ok/chats/123%40c.us/messages?limit=1&filter.fromMe=%": `filter.fromMe: the value "%" is not URL-encoded correctly`,
		"/api/ok/chats?li%mit=1":                                    `query: parameter name "li%mit" is not URL-encoded correctly`,
		"/api/ok/chats?limit=1;offset=2":                            `query: "limit=1;offset=2": separate parameters with &, not ;`,
	} {
		msg, _ := a.Expect(a.Do("GET", path, nil), 400).Err(t)["message"].(string)
		if !strings.HasPrefix(msg, want) {
			t.Errorf("GET %s: message %q, want it to start with %q", path, msg, want)
		}
	}
	// Encoded right, the same parameters work.
	a.Expect(a.Do("GET", "/api/ok/chats/123%40c.us/messages?filter.ack=READ&filter.fromMe=true", nil), 200)
	a.Expect(a.Do("GET", "/api/ok/chats?limit=1&offset=0", nil), 200)
}

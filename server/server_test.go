package server_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/wagate/wagate/capabilities"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/store"
)

func TestAuth(t *testing.T) {
	for _, configured := range []string{testKey, hashKey(testKey)} {
		a := newAPI(t, store.SQLite, apiOptions{configuredKey: configured})
		a.Expect(a.Do("GET", "/api/sessions", nil), 200)
		a.Expect(a.Do("GET", "/api/sessions", nil, "X-Api-Key", ""), 401).Err(t)
		a.Expect(a.Do("GET", "/api/sessions", nil, "X-Api-Key", "wrong"), 401).Err(t)
		a.Expect(a.Do("GET", "/api/sessions?x-api-key="+testKey, nil, "X-Api-Key", ""), 200)
		a.Expect(a.Do("GET", "/api/sessions", nil, "X-Api-Key", hashKey(testKey)), 401) // the hash is not the key
		// Public probes; everything else needs the key.
		a.Expect(a.Do("GET", "/ping", nil, "X-Api-Key", ""), 200)
		a.Expect(a.Do("GET", "/health", nil, "X-Api-Key", ""), 200)
		for _, p := range []string{"/metrics", "/api/openapi.json", "/swagger", "/api/server/version", "/api/x/chats"} {
			a.Expect(a.Do("GET", p, nil, "X-Api-Key", ""), 401)
		}
		// A refused request still counts under its operation.
		m := a.Expect(a.Do("GET", "/metrics", nil), 200)
		if want := `wagate_http_requests_total{method="GET",operation="sessions.list",status="401"} 3`; !strings.Contains(string(m.Body), want) {
			t.Fatalf("metrics lack %s:\n%s", want, m.Body)
		}
	}
	if _, err := server.NewAPIKey("sha512:abc"); err == nil {
		t.Error("short sha512 key accepted")
	}
}

func TestLoadOrGenerateKey(t *testing.T) {
	dir := t.TempDir()
	k1, plain, generated, err := server.LoadOrGenerateKey("", dir)
	if err != nil || !generated || len(plain) < 32 || !k1.Matches(plain) {
		t.Fatalf("first start: %v %q %v", err, plain, generated)
	}
	k2, plain2, generated2, err := server.LoadOrGenerateKey("", dir)
	if err != nil || generated2 || plain2 != plain || !k2.Matches(plain) {
		t.Fatalf("second start: %v %q %v", err, plain2, generated2)
	}
	k3, _, _, _ := server.LoadOrGenerateKey("configured", dir)
	if !k3.Matches("configured") || k3.Matches(plain) {
		t.Fatal("configured key not preferred")
	}
}

func TestNotImplemented(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "nw", "engine": "NOWEB", "config": paired()}), 201)
	a.Expect(a.Do("GET", "/api/screenshot?session=nw", nil), 200)

	a.Matrix.Set("screenshot.get", engines.NOWEB, capabilities.Unsupported)
	r := a.Expect(a.Do("GET", "/api/screenshot?session=nw", nil), 501)
	e := r.Err(t)
	link := e["featureRequest"].(string)
	if e["engine"] != "NOWEB" || e["operation"] != "screenshot.get" || !strings.HasPrefix(link, "https://example.com/issues/new?labels=feature-request&title=") {
		t.Fatalf("501 body: %v", e)
	}
	if got := r.Header.Get("Link"); got != "<"+link+">; rel=\"help\"" {
		t.Fatalf("Link header %q", got)
	}
	// The gate answers before the body is even looked at.
	a.Matrix.Set("messages.sendText", engines.NOWEB, capabilities.Unsupported)
	a.Expect(a.Do("POST", "/api/sendText", map[string]any{"session": "nw", "chatId": "123@c.us", "text": "hi"}), 501).Err(t)
	// An engine that turns out not to support something answers the same 501.
	a.Matrix.Set("screenshot.get", engines.NOWEB, capabilities.Supported)
}

func TestMalformedInput(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{bodyLimitMB: 1})
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "ok", "config": paired()}), 201)
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "qr"}), 201)
	cases := []struct {
		method, path string
		body         any
		status       int
		mentions     string
	}{
		{"POST", "/api/sessions", `{"name": "x",`, 400, "Invalid JSON"},
		{"POST", "/api/sessions", `{"name": 5}`, 400, "name"},
		{"POST", "/api/sessions", `[1,2]`, 400, "expected"},
		{"POST", "/api/sessions", ``, 400, "empty"},
		{"POST", "/api/sessions", map[string]any{"name": "has space"}, 400, "has space"},
		{"POST", "/api/sessions", map[string]any{"name": strings.Repeat("a", 55)}, 400, "54"},
		{"POST", "/api/sessions", map[string]any{"name": "e", "engine": "GOWS"}, 400, "engine"},
		{"POST", "/api/sessions", map[string]any{"name": "w", "config": map[string]any{"webhooks": []map[string]any{{"url": "http://x/h", "events": []string{"message", "bogus.event"}}}}}, 400, "bogus.event"},
		{"POST", "/api/sessions", map[string]any{"name": "w", "config": map[string]any{"webhooks": []map[string]any{{"url": "ftp://x/h", "events": []string{"message"}}}}}, 400, "config.webhooks[0].url"},
		{"POST", "/api/sessions", map[string]any{"name": "w", "config": map[string]any{"proxy": map[string]any{"server": "http://p:1"}}}, 400, "config.proxy.server"},
		{"POST", "/api/sessions", map[string]any{"name": "w", "config": map[string]any{"webhooks": []map[string]any{{"url": "http://169.254.169.254/latest/meta-data/", "events": []string{"message"}}}}}, 400, "link-local"},
		{"POST", "/api/sessions", map[string]any{"name": "w", "config": map[string]any{"webhooks": []map[string]any{{"url": "http://[fd00:ec2::254]/", "events": []string{"message"}}}}}, 400, "metadata"},
		{"POST", "/api/sessions", map[string]any{"name": "w", "config": map[string]any{"webhooks": []map[string]any{{"url": "http://metadata.google.internal/", "events": []string{"message"}}}}}, 400, "metadata"},
		{"POST", "/api/sessions", map[string]any{"name": "w", "config": map[string]any{"webhooks": []map[string]any{{"url": "http://0x7f000001:3000/", "events": []string{"message"}}}}}, 400, "a.b.c.d"},
		{"POST", "/api/sessions", map[string]any{"name": "w", "config": map[string]any{"webhooks": []map[string]any{{"url": "http://user:pass@hooks.example.com/", "events": []string{"message"}}}}}, 400, "credentials"},
		{"POST", "/api/sessions", map[string]any{"name": "w", "config": map[string]any{"webhooks": []map[string]any{{"url": "http://127.0.0.1:3000/api/sessions", "events": []string{"message"}}}}}, 400, "own API"},
		{"POST", "/api/sessions", map[string]any{"name": "w", "config": map[string]any{"webhooks": []map[string]any{{"url": "http://localhost:3000/", "events": []string{"message"}}}}}, 400, "own API"},
		{"PUT", "/api/sessions/ok", map[string]any{"config": map[string]any{"webhooks": []map[string]any{{"url": "http://127.0.0.1:8080/ok", "events": []string{"*"}}, {"url": "http://169.254.169.254/", "events": []string{"*"}}}}}, 400, "config.webhooks[1].url"},
		{"POST", "/api/sessions/start", map[string]any{"name": "dep", "config": map[string]any{"webhooks": []map[string]any{{"url": "http://[::ffff:169.254.169.254]/", "events": []string{"*"}}}}}, 400, "config.webhooks[0].url"},
		{"POST", "/api/sessions", `{"name": "t"}}`, 400, "after the value"},
		{"POST", "/api/sessions", `{"name": "t"}]`, 400, "after the value"},
		{"POST", "/api/sessions", `{"name": "t"} {"name": "u"}`, 400, "after the value"},
		{"POST", "/api/sendText", `{"session": "ok", "chatId": "123@c.us", "text": "x"}}}{"x":`, 400, "after the value"},
		{"PUT", "/api/ok/chats/123%40c.us/messages/true_123@c.us_ABC", `{"text":"x"}}}{"x":`, 400, "after the value"},
		{"POST", "/api/sessions", map[string]any{"name": "big", "config": map[string]any{"metadata": map[string]string{"x": strings.Repeat("a", 2<<20)}}}, 413, "limit"},
		{"GET", "/api/sessions/bad%20name", nil, 400, "bad name"},
		{"GET", "/api/sessions?all=perhaps", nil, 400, "all"},
		{"GET", "/api/sessions/nope", nil, 404, "Session not found"},
		{"GET", "/api/nope/chats", nil, 404, "nope"},
		{"GET", "/api/ok/chats?limit=ten", nil, 400, "limit"},
		{"GET", "/api/ok/chats?limit=-1", nil, 400, "limit"},
		{"GET", "/api/ok/chats?sortBy=size", nil, 400, "sortBy"},
		{"GET", "/api/ok/chats?sortOrder=up", nil, 400, "sortOrder"},
		{"GET", "/api/ok/chats/notachat/messages", nil, 400, "notachat"},
		{"GET", "/api/ok/chats/123%40c.us/messages?filter.ack=SEEN", nil, 400, "filter.ack"},
		{"GET", "/api/ok/chats/123%40c.us/messages?filter.timestamp.gte=yesterday", nil, 400, "filter.timestamp.gte"},
		{"GET", "/api/ok/chats/123%40c.us/messages?filter.fromMe=sometimes", nil, 400, "filter.fromMe"},
		{"GET", "/api/ok/chats/123%40c.us/messages/maybe_123@c.us_ABC", nil, 400, "messageId"},
		{"GET", "/api/ok/chats/123%40c.us/messages/true_123@c.us_A$B", nil, 400, "messageId"},
		{"POST", "/api/ok/chats/123%40c.us/messages/true_123@c.us_ABC/pin", map[string]any{"duration": 60}, 400, "duration"},
		{"PUT", "/api/ok/chats/123%40c.us/messages/true_123@c.us_ABC", map[string]any{"text": ""}, 400, "text"},
		{"POST", "/api/ok/chats/123%40c.us/messages/read?days=0", nil, 400, "days"},
		{"POST", "/api/ok/chats/overview", map[string]any{"pagination": map[string]any{"limit": 0}}, 400, "pagination.limit"},
		{"GET", "/api/ok/chats/overview?ids=abc", nil, 400, "ids"},
		{"POST", "/api/sendText", map[string]any{"chatId": "123@c.us", "text": "hi"}, 400, "session"},
		{"POST", "/api/sendText", map[string]any{"session": "ok", "text": "hi"}, 400, "chatId"},
		{"POST", "/api/sendText", map[string]any{"session": "ok", "chatId": "1@x", "text": "hi"}, 400, "chatId"},
		{"POST", "/api/sendText", map[string]any{"session": "ok", "chatId": "123@c.us"}, 400, "text"},
		{"POST", "/api/sendText", map[string]any{"session": "ok", "chatId": "123@c.us", "text": "x", "reply_to": "nope_1"}, 400, "reply_to"},
		{"POST", "/api/sendText", `{"session": "ok", "chatId": 123}`, 400, "chatId"},
		{"POST", "/api/sendText", `{"session": "ok"`, 400, "Invalid JSON"},
		{"POST", "/api/ok/auth/request-code", map[string]any{"phoneNumber": "abc"}, 400, "phoneNumber"},
		{"POST", "/api/qr/auth/request-code", map[string]any{"phoneNumber": "12345"}, 400, "too short"},
		{"POST", "/api/qr/auth/request-code", map[string]any{"phoneNumber": "12132132130", "method": "sms"}, 400, "method"},
		{"GET", "/api/qr/auth/qr?format=svg", nil, 400, "format"},
		{"GET", "/api/qr/chats", nil, 422, "SCAN_QR_CODE"},
		{"GET", "/api/screenshot", nil, 400, "session"},
		{"GET", "/api/nothing/here/at/all", nil, 404, "Cannot GET"},
	}
	for _, c := range cases {
		do := a.Do
		if strings.HasPrefix(c.path, "/api/nothing/") {
			do = a.Raw // not in the spec: only the envelope is checked
		}
		r := do(c.method, c.path, c.body)
		if r.Status != c.status {
			t.Errorf("%s %s: status %d, want %d: %s", c.method, c.path, r.Status, c.status, r.Body)
			continue
		}
		e := r.Err(t)
		if msg, _ := e["message"].(string); !strings.Contains(msg, c.mentions) {
			t.Errorf("%s %s: message %q does not mention %q", c.method, c.path, msg, c.mentions)
		}
	}
	// 422 for a session that is not WORKING carries WAHA's fields.
	e := a.Expect(a.Do("GET", "/api/qr/chats", nil), 422).Err(t)
	if e["session"] != "qr" || e["status"] != "SCAN_QR_CODE" || e["expected"].([]any)[0] != "WORKING" {
		t.Fatalf("422 fields: %v", e)
	}
	// Nothing above broke the sessions.
	a.Expect(a.Do("GET", "/api/ok/chats", nil), 200)
}

func TestPanicIsRecovered(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "p", "config": paired()}), 201)
	e := a.Expect(a.Do("POST", "/api/sendText", map[string]any{"session": "p", "chatId": "123@c.us", "text": "panic!"}), 500).Err(t)
	if strings.Contains(e["message"].(string), "panic!") {
		t.Fatalf("500 leaks internals: %v", e)
	}
	a.Expect(a.Do("GET", "/ping", nil), 200)
}

func TestServerEndpoints(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	var ping map[string]string
	a.Expect(a.Do("GET", "/ping", nil), 200).JSON(t, &ping)
	if ping["message"] != "pong" {
		t.Fatalf("ping: %v", ping)
	}
	a.Expect(a.Do("POST", "/api/sessions", map[string]any{"name": "secret-name", "config": paired()}), 201)
	h := a.Expect(a.Do("GET", "/health", nil), 200)
	if strings.Contains(string(h.Body), "secret-name") || !strings.Contains(string(h.Body), `"WORKING":1`) {
		t.Fatalf("health: %s", h.Body)
	}
	m := a.Expect(a.Do("GET", "/metrics", nil), 200)
	for _, want := range []string{`wagate_sessions{engine="WEBJS",status="WORKING"} 1`, `wagate_http_requests_total{method="GET",operation="server.health",status="200"} 1`} {
		if !strings.Contains(string(m.Body), want) {
			t.Fatalf("metrics lack %s:\n%s", want, m.Body)
		}
	}
	var spec map[string]any
	a.Expect(a.Do("GET", "/api/openapi.json", nil), 200).JSON(t, &spec)
	if !strings.HasPrefix(spec["openapi"].(string), "3.") {
		t.Fatalf("spec: %v", spec["openapi"])
	}
	ui := a.Expect(a.Do("GET", "/swagger", nil), 200)
	if !strings.Contains(ui.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("swagger: %s", ui.Header.Get("Content-Type"))
	}
	var v map[string]any
	a.Expect(a.Do("GET", "/api/server/version", nil), 200).JSON(t, &v)
	if v["version"] != "test" || v["tier"] != "CORE" {
		t.Fatalf("version: %v", v)
	}
	// Requests carry an id.
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/ping", nil))
	if rec.Header().Get("X-Request-Id") == "" {
		t.Fatal("no X-Request-Id")
	}
}

func TestHealthReportsDatabaseDown(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	a.Store.Close()
	r := a.Expect(a.Do("GET", "/health", nil), http.StatusServiceUnavailable)
	if !strings.Contains(string(r.Body), `"down"`) {
		t.Fatalf("health: %s", r.Body)
	}
}

// TestRoutesMatchMatrix: every operation of the matrix is a route and every route an
// operation.
func TestRoutesMatchMatrix(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	var want []string
	for _, op := range a.Matrix.Operations() {
		p := op.Path
		for strings.Contains(p, "{") {
			i, j := strings.Index(p, "{"), strings.Index(p, "}")
			p = p[:i] + ":" + p[i+1:j] + p[j+1:]
		}
		want = append(want, op.Method+" "+p)
	}
	got := a.Server.Routes()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("operation route %s is not served", w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) && g != "GET /swagger/*" && g != "GET /" {
			t.Errorf("route %s has no operation in the matrix", g)
		}
	}
}

// TestRootLeadsToSwagger: a browser pointed at the gateway lands on the Swagger UI,
// with the key it came with, and needs none to be sent there.
func TestRootLeadsToSwagger(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	for path, want := range map[string]string{"/": "/swagger", "/?x-api-key=k%20y": "/swagger?x-api-key=k%20y"} {
		r := a.Raw("GET", path, nil, "X-Api-Key", "")
		if r.Status != http.StatusFound || r.Header.Get("Location") != want {
			t.Errorf("GET %s: %d Location %q, want 302 to %s", path, r.Status, r.Header.Get("Location"), want)
		}
	}
	a.Expect(a.Do("GET", "/swagger?x-api-key="+testKey, nil, "X-Api-Key", ""), 200)
}

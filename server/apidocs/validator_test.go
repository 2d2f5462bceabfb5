package apidocs

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const (
	ctJSON = "application/json; charset=UTF-8"
	me     = `{"id":"11111111111@c.us","pushName":"Alice","lid":"123@lid"}`
	config = `{"metadata":{"user.id":"1"},"debug":false,"noweb":{"markOnline":true,"store":{"enabled":true,"fullSync":false}},` +
		`"webhooks":[{"url":"https://example.com/hook","events":["message","session.status"],"retries":{"policy":"constant","delaySeconds":2,"attempts":3}}]}`
	sessionInfo = `{"name":"default","status":"WORKING","config":` + config + `,"me":` + me + `,` +
		`"timestamps":{"activity":1700000000000},"engine":{"engine":"NOWEB","memoryBytes":1234}}`
	waMessage = `{"id":"true_11111111111@c.us_3EB0ABCD","timestamp":1700000000,"from":"22222222222@c.us","fromMe":true,` +
		`"source":"api","to":"11111111111@c.us","body":"hi","hasMedia":true,` +
		`"media":{"url":"http://localhost:3000/api/files/default/3EB0ABCD.jpg","mimetype":"image/jpeg"},` +
		`"mediaUrl":"http://localhost:3000/api/files/default/3EB0ABCD.jpg","ack":1,"ackName":"SERVER",` +
		`"replyTo":{"id":"AAAA","participant":"11111111111@c.us","body":"hello","hasMedia":false},"edited":true,"_data":{"raw":1}}`
	waMessageBare = `{"id":"false_11111111111@c.us_AAAA","timestamp":1700000000,"from":"11111111111@c.us","fromMe":false,` +
		`"source":"app","to":"22222222222@c.us","body":"","hasMedia":false,"ack":-1,"ackName":"ERROR"}`
	chat = `{"id":"11111111111@c.us","name":null,"isGroup":false,"conversationTimestamp":1700000000,"unreadCount":2,` +
		`"archived":false,"pinned":true,"isMuted":false,"muteExpiration":0,"_chat":{}}`
	chatSummary = `{"id":"11111111111@c.us","name":"Alice","picture":null,"lastMessage":` + waMessage + `,"_chat":{}}`
	success     = `{"success":true}`
	errNotFound = `{"statusCode":404,"error":"Not Found","message":"Session not found"}`
	err422      = `{"statusCode":422,"error":"Unprocessable Entity","message":"Session status is not as expected","session":"default","status":"STARTING","expected":["WORKING"]}`
	err501      = `{"statusCode":501,"error":"Not Implemented","message":"NOWEB cannot do chats.list","engine":"NOWEB","operation":"chats.list","featureRequest":"https://example.com/new?op=chats.list"}`
	png         = "\x89PNG\r\n\x1a\n\x00\x00"
)

type sample struct {
	name           string
	method, target string
	status         int
	ct             string // Content-Type; "" for none
	body           string
	header         map[string]string
}

func (s sample) run(v *Validator) error {
	req := httptest.NewRequest(s.method, s.target, nil)
	h := http.Header{}
	if s.ct != "" {
		h.Set("Content-Type", s.ct)
	}
	for k, val := range s.header {
		h.Set(k, val)
	}
	return v.Validate(req, s.status, h, []byte(s.body))
}

func newValidator(t *testing.T) *Validator {
	t.Helper()
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestValidatorAcceptsGoodResponses(t *testing.T) {
	v := newValidator(t)
	link := map[string]string{"Link": `<https://example.com/new?op=chats.list>; rel="help"`}
	for _, s := range []sample{
		{"ping", "GET", "/ping", 200, ctJSON, `{"message":"pong"}`, nil},
		{"health ok", "GET", "/health", 200, ctJSON, `{"status":"ok","checks":{"database":{"status":"up"},"sessions":{"status":"up","counts":{"WORKING":2,"STOPPED":0}}}}`, nil},
		{"health down", "GET", "/health", 503, ctJSON, `{"status":"error","checks":{"database":{"status":"down","error":"ping failed"},"sessions":{"status":"up","counts":{}}}}`, nil},
		{"metrics", "GET", "/metrics", 200, "text/plain; version=0.0.4; charset=utf-8", "# HELP x y\nx 1\n", nil},
		{"version", "GET", "/api/server/version", 200, ctJSON, `{"version":"1.0.0","engine":"WEBJS","tier":"CORE","browser":null,"platform":"linux/amd64","worker":{"id":null}}`, nil},
		{"openapi", "GET", "/api/openapi.json", 200, ctJSON, string(Spec()), nil},
		{"swagger", "GET", "/swagger?x-api-key=k", 200, "text/html; charset=utf-8", "<!DOCTYPE html><html></html>", nil},
		{"unauthorized", "GET", "/api/sessions", 401, ctJSON, `{"statusCode":401,"error":"Unauthorized","message":"Unauthorized"}`, nil},
		{"sessions list", "GET", "/api/sessions?all=true", 200, ctJSON, "[" + sessionInfo + "]", nil},
		{"sessions list empty", "GET", "/api/sessions", 200, ctJSON, "[]", nil},
		{"session create", "POST", "/api/sessions", 201, ctJSON, sessionInfo, nil},
		{"session create exists", "POST", "/api/sessions", 422, ctJSON, `{"statusCode":422,"error":"Unprocessable Entity","message":"Session 'default' already exists. Use PUT to update it."}`, nil},
		{"session get", "GET", "/api/sessions/default", 200, ctJSON, sessionInfo, nil},
		{"session get stopped", "GET", "/api/sessions/x", 200, ctJSON,
			`{"name":"x","status":"FAILED","config":{},"timestamps":{"activity":null},"engine":{"engine":"WEBJS"},"failureReason":"logged out"}`, nil},
		{"session get 404", "GET", "/api/sessions/x", 404, ctJSON, errNotFound, nil},
		{"session update conflict", "PUT", "/api/sessions/x", 409, ctJSON, `{"statusCode":409,"error":"Conflict","message":"paired"}`, nil},
		{"session delete", "DELETE", "/api/sessions/x", 200, "", "", nil},
		{"session start", "POST", "/api/sessions/x/start", 201, ctJSON, sessionInfo, nil},
		{"session logout", "POST", "/api/sessions/x/logout", 201, ctJSON, sessionInfo, nil},
		{"me", "GET", "/api/sessions/x/me", 200, ctJSON, me, nil},
		{"me null", "GET", "/api/sessions/x/me", 200, ctJSON, "null", nil},
		{"start deprecated", "POST", "/api/sessions/start", 201, ctJSON, `{"name":"x","status":"STARTING","config":{}}`, nil},
		{"stop deprecated", "POST", "/api/sessions/stop", 201, "", "", nil},
		{"logout deprecated", "POST", "/api/sessions/logout", 201, "", "", nil},
		{"body too large", "POST", "/api/sessions", 413, ctJSON, `{"statusCode":413,"error":"Request Entity Too Large","message":"too large"}`, nil},
		{"qr png", "GET", "/api/default/auth/qr", 200, "image/png", png, nil},
		{"qr raw", "GET", "/api/default/auth/qr?format=raw", 200, ctJSON, `{"value":"2@abc"}`, nil},
		{"qr base64", "GET", "/api/default/auth/qr?format=image", 200, ctJSON, `{"mimetype":"image/png","data":"iVBORw0KGgo="}`, nil},
		{"qr not in SCAN_QR_CODE", "GET", "/api/default/auth/qr", 422, ctJSON, err422, nil},
		{"request code", "POST", "/api/default/auth/request-code", 201, ctJSON, `{"code":"ABCD-ABCD"}`, nil},
		{"screenshot", "GET", "/api/screenshot?session=default", 200, "image/png", png, nil},
		{"screenshot json", "GET", "/api/screenshot?session=default", 200, ctJSON, `{"mimetype":"image/png","data":"iVBORw0KGgo="}`, nil},
		{"chats", "GET", "/api/default/chats?limit=10&sortBy=name", 200, ctJSON, "[" + chat + "]", nil},
		{"chats 501", "GET", "/api/default/chats", 501, ctJSON, err501, link},
		{"chats 422", "GET", "/api/default/chats", 422, ctJSON, err422, nil},
		{"overview", "GET", "/api/default/chats/overview?ids=1%40c.us&ids=2%40c.us", 200, ctJSON, "[" + chatSummary + "]", nil},
		{"overview post", "POST", "/api/default/chats/overview", 201, ctJSON,
			`[{"id":"1@g.us","name":null,"picture":"https://pps.whatsapp.net/x","lastMessage":null,"_chat":{}}]`, nil},
		{"chat delete", "DELETE", "/api/default/chats/11111111111%40c.us", 200, ctJSON, success, nil},
		{"chat picture", "GET", "/api/default/chats/11111111111@c.us/picture?refresh=true", 200, ctJSON, `{"url":null}`, nil},
		{"messages", "GET", "/api/default/chats/11111111111%40c.us/messages?limit=10&filter.ack=READ", 200, ctJSON, "[" + waMessage + "," + waMessageBare + "]", nil},
		{"clear messages", "DELETE", "/api/default/chats/11111111111%40c.us/messages", 200, ctJSON, success, nil},
		{"read messages", "POST", "/api/default/chats/11111111111%40c.us/messages/read?days=2", 201, ctJSON, `{"ids":["false_11111111111@c.us_AAAA"]}`, nil},
		{"message", "GET", "/api/default/chats/11111111111%40c.us/messages/true_11111111111%40c.us_3EB0ABCD", 200, ctJSON, waMessage, nil},
		{"message 404", "GET", "/api/default/chats/1%40c.us/messages/x", 404, ctJSON, `{"statusCode":404,"error":"Not Found","message":"Message not found"}`, nil},
		{"bad id", "GET", "/api/default/chats/1%40c.us/messages/x", 400, ctJSON, `{"statusCode":400,"error":"Bad Request","message":"bad message id \"x\""}`, nil},
		{"edit message", "PUT", "/api/default/chats/1%40c.us/messages/true_1%40c.us_A", 200, ctJSON, waMessageBare, nil},
		{"delete message", "DELETE", "/api/default/chats/1%40c.us/messages/true_1%40c.us_A", 200, ctJSON, success, nil},
		{"pin", "POST", "/api/default/chats/1%40c.us/messages/true_1%40c.us_A/pin", 201, ctJSON, success, nil},
		{"unpin", "POST", "/api/default/chats/1%40c.us/messages/true_1%40c.us_A/unpin", 201, ctJSON, success, nil},
		{"archive", "POST", "/api/default/chats/1%40c.us/archive", 201, ctJSON, success, nil},
		{"unarchive", "POST", "/api/default/chats/1%40c.us/unarchive", 201, ctJSON, success, nil},
		{"unread", "POST", "/api/default/chats/1%40c.us/unread", 201, ctJSON, success, nil},
		{"send text", "POST", "/api/sendText", 201, ctJSON, waMessage, nil},
		{"send text 501", "POST", "/api/sendText", 501, ctJSON, err501, link},
		{"internal error", "POST", "/api/sendText", 500, ctJSON, `{"statusCode":500,"error":"Internal Server Error","message":"see log"}`, nil},
	} {
		t.Run(s.name, func(t *testing.T) {
			if err := s.run(v); err != nil {
				t.Errorf("rejected: %v", err)
			}
		})
	}
}

func TestValidatorRejectsBadResponses(t *testing.T) {
	v := newValidator(t)
	for _, s := range []struct {
		sample
		wantErr string // a fragment of the error
	}{
		{sample{"wrong type in error", "GET", "/api/sessions/x", 404, ctJSON, `{"statusCode":"404","error":"Not Found","message":"x"}`, nil}, "statusCode"},
		{sample{"wrong type in message", "GET", "/api/default/chats/1%40c.us/messages/x", 200, ctJSON,
			strings.Replace(waMessage, `"timestamp":1700000000`, `"timestamp":"1700000000"`, 1), nil}, "timestamp"},
		{sample{"fractional int", "GET", "/api/default/chats", 200, ctJSON,
			"[" + strings.Replace(chat, `"unreadCount":2`, `"unreadCount":2.5`, 1) + "]", nil}, "unreadCount"},
		{sample{"missing required", "GET", "/api/sessions/default", 200, ctJSON,
			strings.Replace(sessionInfo, `"status":"WORKING",`, "", 1), nil}, "status"},
		{sample{"missing required in item", "GET", "/api/default/chats/overview", 200, ctJSON,
			`[{"id":"1@c.us","name":null,"lastMessage":null,"_chat":{}}]`, nil}, "picture"},
		{sample{"null where not nullable", "GET", "/api/sessions/default", 200, ctJSON,
			strings.Replace(sessionInfo, `"config":`+config, `"config":null`, 1), nil}, "config"},
		{sample{"unknown status enum", "GET", "/api/sessions/default", 200, ctJSON,
			strings.Replace(sessionInfo, `"WORKING"`, `"RUNNING"`, 1), nil}, "status"},
		{sample{"unknown field", "GET", "/api/default/chats", 200, ctJSON,
			"[" + strings.Replace(chat, `"pinned":true`, `"pinned":true,"pined":true`, 1) + "]", nil}, "pined"},
		{sample{"null where WAHA has none", "GET", "/api/sessions/default", 200, ctJSON,
			strings.Replace(sessionInfo, `"me":`+me, `"me":null`, 1), nil}, "me"},
		{sample{"null participant", "GET", "/api/default/chats/1%40c.us/messages/x", 200, ctJSON,
			strings.Replace(waMessage, `"body":"hi"`, `"body":"hi","participant":null`, 1), nil}, "participant"},
		{sample{"replyTo without hasMedia", "GET", "/api/default/chats/1%40c.us/messages/x", 200, ctJSON,
			strings.Replace(waMessage, `,"hasMedia":false}`, `}`, 1), nil}, "hasMedia"},
		{sample{"undeclared status", "GET", "/api/sessions", 418, ctJSON, `{"statusCode":418,"error":"I'm a teapot","message":"x"}`, nil}, "status"},
		{sample{"GET answering 201", "GET", "/api/sessions/default", 201, ctJSON, sessionInfo, nil}, "status"},
		{sample{"undeclared content type", "GET", "/api/sessions", 200, "text/plain", "[]", nil}, "content type"},
		{sample{"body where none declared", "DELETE", "/api/sessions/x", 200, ctJSON, "null", nil}, "no body"},
		{sample{"empty body where JSON declared", "POST", "/api/sessions/x/start", 201, ctJSON, "", nil}, "decode"},
		{sample{"501 without Link", "GET", "/api/default/chats", 501, ctJSON, err501, nil}, "Link"},
		{sample{"unknown path", "GET", "/api/nothing/here/at/all", 200, ctJSON, "{}", nil}, "no path"},
		{sample{"unknown method", "PATCH", "/api/sessions/x", 200, ctJSON, sessionInfo, nil}, "method"},
		{sample{"pong without message", "GET", "/ping", 200, ctJSON, `{}`, nil}, "message"},
	} {
		t.Run(s.name, func(t *testing.T) {
			err := s.run(v)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), s.wantErr) {
				t.Errorf("error %q does not mention %q", err, s.wantErr)
			}
		})
	}
}

func TestValidatorFindsOperation(t *testing.T) {
	v := newValidator(t)
	for _, c := range []struct {
		method, target, id string
		params             map[string]string
	}{
		{"POST", "/api/sessions/start", "sessions.startDeprecated", nil},
		{"POST", "/api/sessions/stop", "sessions.stopDeprecated", nil},
		{"GET", "/api/sessions/start", "sessions.get", map[string]string{"session": "start"}},
		{"POST", "/api/sessions/start/start", "sessions.start", map[string]string{"session": "start"}},
		{"GET", "/api/sessions/default/me", "sessions.me", map[string]string{"session": "default"}},
		{"GET", "/api/default/chats/overview", "chats.overview", map[string]string{"session": "default"}},
		{"DELETE", "/api/default/chats/overview", "chats.delete", map[string]string{"session": "default", "chatId": "overview"}},
		{"GET", "/api/sessions/chats", "sessions.get", map[string]string{"session": "chats"}},
		{"GET", "/api/my%2Dsession/chats/1%40c.us/messages/true_1%40c.us_A?downloadMedia=false", "chats.message",
			map[string]string{"session": "my-session", "chatId": "1@c.us", "messageId": "true_1@c.us_A"}},
		{"GET", "/swagger", "server.swagger", nil},
	} {
		req := httptest.NewRequest(c.method, c.target, nil)
		rt, op, params, err := v.find(req)
		if err != nil {
			t.Errorf("%s %s: %v", c.method, c.target, err)
			continue
		}
		if op.OperationID != c.id || rt.Operation != op {
			t.Errorf("%s %s: found %s, want %s", c.method, c.target, op.OperationID, c.id)
		}
		for k, want := range c.params {
			if params[k] != want {
				t.Errorf("%s %s: param %s = %q, want %q", c.method, c.target, k, params[k], want)
			}
		}
	}
}

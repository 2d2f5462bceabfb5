package simnet

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"
)

func apiCall(t *testing.T, srv *Server, method, path string, body any, out any) int {
	t.Helper()
	var buf bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequestWithContext(testCtx(t), method, "http://"+srv.Addr()+path, &buf)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: decode: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

// TestControlAPI drives pairing, a contact's message, a chat action and
// the echo bot through the HTTP control API.
func TestControlAPI(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	var alice AccountInfo
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts", map[string]any{"phone": "+49 151 0000041", "name": "Alice"}, &alice); code != http.StatusCreated {
		t.Fatalf("create account: %d", code)
	}
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts", map[string]any{"phone": "491510000042", "name": "Echo", "echo": true}, nil); code != http.StatusCreated {
		t.Fatalf("create echo account: %d", code)
	}
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts", map[string]any{"phone": "491510000042"}, nil); code != http.StatusConflict {
		t.Fatalf("duplicate account: %d, want 409", code)
	}

	c := newCompanion(t, srv, "alice-session")
	qrs, err := c.cli.GetQRChannel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cli.Connect(); err != nil {
		t.Fatal(err)
	}
	item := <-qrs
	if item.Event != whatsmeow.QRChannelEventCode {
		t.Fatalf("QR event %q", item.Event)
	}
	var paired map[string]string
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts/491510000041/scan", map[string]string{"qr": item.Code}, &paired); code != http.StatusOK {
		t.Fatalf("scan: %d %v", code, paired)
	}
	waitEvent[*events.Connected](t, ctx, c.rec, nil)
	waitGreeted(t, c)

	// A contact writes to the session's account.
	var sent map[string]string
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts/491510000042/messages", map[string]string{"to": "491510000041", "text": "ping"}, &sent); code != http.StatusOK {
		t.Fatalf("send: %d", code)
	}
	waitEvent(t, ctx, c.rec, func(m *events.Message) bool { return m.Info.ID == sent["id"] && m.Message.GetConversation() == "ping" })

	// The phone archives the chat; the session sees it.
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts/491510000041/chats/491510000042@c.us/archive", nil, nil); code != http.StatusOK {
		t.Fatalf("archive: %d", code)
	}
	waitEvent(t, ctx, c.rec, func(e *events.Archive) bool { return e.JID.User == "491510000042" && e.Action.GetArchived() })

	// The echo bot answers the session.
	echo := types.NewJID("491510000042", types.DefaultUserServer)
	resp, err := c.cli.SendMessage(ctx, echo, &waE2E.Message{Conversation: proto.String("echo me")})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, ctx, c.rec, func(m *events.Message) bool {
		return !m.Info.IsFromMe && m.Info.Chat == echo && m.Message.GetConversation() == "echo me"
	})
	var evts []Event
	if code := apiCall(t, srv, "GET", "/simnet/api/accounts/491510000042/events?type=message", nil, &evts); code != http.StatusOK {
		t.Fatalf("events: %d", code)
	}
	var sawIt bool
	for _, e := range evts {
		sawIt = sawIt || (e.ID == resp.ID && e.Text == "echo me")
	}
	if !sawIt {
		t.Fatalf("echo phone's events lack %s: %+v", resp.ID, evts)
	}
	if code := apiCall(t, srv, "GET", "/simnet/api/accounts/999999999/events", nil, nil); code != http.StatusNotFound {
		t.Fatalf("unknown account: %d, want 404", code)
	}
}

// TestControlAPIBadInput: input the caller must fix is a 400 naming the field,
// never a 500.
func TestControlAPIBadInput(t *testing.T) {
	srv := newTestServer(t)
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts", map[string]any{"phone": "491510000051", "name": "Bob"}, nil); code != http.StatusCreated {
		t.Fatalf("create account: %d", code)
	}
	const bob = "/simnet/api/accounts/491510000051"
	cases := []struct {
		path string
		body any
		want string
	}{
		{"/simnet/api/accounts", map[string]any{"name": "No Phone"}, "phone:"},
		{"/simnet/api/accounts", map[string]any{"phone": "12-34"}, "phone:"},
		{bob + "/scan", map[string]any{}, "qr: required"},
		{bob + "/scan", map[string]any{"qr": "garbage"}, "qr: not a WhatsApp pairing QR code"},
		{bob + "/scan", map[string]any{"qr": "ref,!!,!!,!!"}, "qr: not a WhatsApp pairing QR code"},
		{bob + "/pair-code", map[string]any{"code": "ABC"}, "code:"},
		{bob + "/messages", map[string]any{"text": "hi"}, "to: required"},
		{bob + "/messages", map[string]any{"to": "nobody", "text": "hi"}, `to: "nobody"`},
		{bob + "/messages", map[string]any{"to": "491510000052"}, "text: required"},
		{bob + "/messages", map[string]any{"to": "491510000052", "media": map[string]any{"mimetype": "image/png"}}, "media.data"},
		{bob + "/messages/3EB0ABCD/edit", map[string]any{"text": "x"}, "to: required"},
		{bob + "/messages/3EB0ABCD/edit", map[string]any{"to": "491510000052"}, "text: required"},
		{bob + "/messages/not_an_id/revoke", map[string]any{"to": "491510000052"}, "id:"},
		{bob + "/read", map[string]any{"chat": "491510000052"}, "ids: required"},
		{bob + "/read", map[string]any{"ids": []string{"3EB0ABCD"}}, "chat: required"},
		{bob + "/read", map[string]any{"chat": "491510000052", "ids": []string{"x_y"}}, "ids[0]:"},
		{bob + "/chats/nobody/archive", nil, "chat:"},
	}
	for _, c := range cases {
		var e apiError
		code := apiCall(t, srv, "POST", c.path, c.body, &e)
		if code != http.StatusBadRequest || !strings.Contains(e.Error, c.want) {
			t.Errorf("POST %s %v: %d %q, want 400 with %q", c.path, c.body, code, e.Error, c.want)
		}
	}
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts/491510009999/messages", map[string]any{"to": "491510000051", "text": "hi"}, nil); code != http.StatusNotFound {
		t.Errorf("unknown account: %d, want 404", code)
	}
}

// TestControlAPIGatewayIDs: a message id as the gateway writes it
// ({fromMe}_{chat}_{id}) works wherever the control API takes one.
func TestControlAPIGatewayIDs(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	if _, err := srv.CreateAccount(ctx, "491510000061", "Alice"); err != nil {
		t.Fatal(err)
	}
	if code := apiCall(t, srv, "POST", "/simnet/api/accounts", map[string]any{"phone": "491510000062", "name": "Bob"}, nil); code != http.StatusCreated {
		t.Fatalf("create account: %d", code)
	}
	c := newCompanion(t, srv, "alice-session")
	pairByQR(t, srv, "491510000061", c)

	const bob = "/simnet/api/accounts/491510000062"
	var sent map[string]string
	if code := apiCall(t, srv, "POST", bob+"/messages", map[string]string{"to": "491510000061@c.us", "text": "hello"}, &sent); code != http.StatusOK {
		t.Fatalf("send: %d", code)
	}
	id := sent["id"]
	waitEvent(t, ctx, c.rec, func(m *events.Message) bool { return m.Info.ID == id })
	// The gateway's session sees Bob's message as false_{bob}@c.us_{id}.
	gatewayID := "false_491510000062@c.us_" + id
	var edited map[string]string
	if code := apiCall(t, srv, "POST", bob+"/messages/"+gatewayID+"/edit", map[string]string{"to": "491510000061", "text": "hello (edited)"}, &edited); code != http.StatusOK || edited["id"] != id {
		t.Fatalf("edit by the gateway's id: %d %v", code, edited)
	}
	edit := waitEvent(t, ctx, c.rec, func(m *events.Message) bool {
		pm := m.Message.GetProtocolMessage()
		return pm != nil && pm.GetType() == waE2E.ProtocolMessage_MESSAGE_EDIT
	})
	if pm := edit.Message.GetProtocolMessage(); pm.GetKey().GetID() != id || pm.GetEditedMessage().GetConversation() != "hello (edited)" {
		t.Fatalf("edit arrived as %v", edit.Message)
	}
	if code := apiCall(t, srv, "POST", bob+"/messages/"+gatewayID+"/revoke", map[string]string{"to": "491510000061"}, nil); code != http.StatusOK {
		t.Fatalf("revoke by the gateway's id: %d", code)
	}
	rev := waitEvent(t, ctx, c.rec, func(m *events.Message) bool {
		pm := m.Message.GetProtocolMessage()
		return pm != nil && pm.GetType() == waE2E.ProtocolMessage_REVOKE
	})
	if rev.Message.GetProtocolMessage().GetKey().GetID() != id {
		t.Fatalf("revoke arrived as %v", rev.Message)
	}

	// The session writes to Bob; Bob reads it by the id the gateway reports.
	resp, err := c.cli.SendMessage(ctx, types.NewJID("491510000062", types.DefaultUserServer), &waE2E.Message{Conversation: proto.String("hi bob")})
	if err != nil {
		t.Fatal(err)
	}
	if code := apiCall(t, srv, "POST", bob+"/read", map[string]any{"chat": "491510000061", "ids": []string{"true_491510000062@c.us_" + resp.ID}}, nil); code != http.StatusOK {
		t.Fatalf("read by the gateway's id: %d", code)
	}
	waitEvent(t, ctx, c.rec, func(r *events.Receipt) bool {
		return r.Type == types.ReceiptTypeRead && slices.Contains(r.MessageIDs, resp.ID)
	})
}

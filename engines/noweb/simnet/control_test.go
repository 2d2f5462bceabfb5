package simnet

import (
	"bytes"
	"encoding/json"
	"net/http"
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

package noweb

import (
	"errors"
	"fmt"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/store"
)

// TestSendErrorMapping: what SendMessage answers for a chat it cannot send to is
// the contract's error (a 404 or 400 through the API), not an internal error,
// with whatsmeow's text kept for the log.
func TestSendErrorMapping(t *testing.T) {
	group := types.NewJID("120363000000000000", types.GroupServer)
	cases := []struct {
		err  error
		want error
	}{
		{fmt.Errorf("failed to get group members: %w", whatsmeow.ErrGroupNotFound), engines.ErrNotFound},
		{fmt.Errorf("failed to get group members: %w", whatsmeow.ErrNotInGroup), engines.ErrNotFound},
		{fmt.Errorf("failed to get broadcast list members: %w", whatsmeow.ErrBroadcastListUnsupported), engines.ErrInvalid},
		{whatsmeow.ErrUnknownServer, engines.ErrInvalid},
	}
	for _, c := range cases {
		got := sendError(group, c.err)
		if !errors.Is(got, c.want) || !errors.Is(got, c.err) {
			t.Errorf("sendError(%v) = %v: want it to wrap %v and the original", c.err, got, c.want)
		}
	}
	other := errors.New("websocket not connected")
	if got := sendError(group, other); got != other {
		t.Errorf("an unmapped error changed: %v", got)
	}
}

// TestSendToBroadcastListRefused: a broadcast list (not status@broadcast) cannot
// be sent to over multi-device; the send is a 400 (ErrInvalid) before anything is
// stored, so no message that never left is recorded, and no message.any emitted.
func TestSendToBroadcastListRefused(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx := testCtx(t)
	const me = "491510000071"
	if _, err := e.srv.CreateAccount(ctx, me, "Me"); err != nil {
		t.Fatal(err)
	}
	eng, h := newEngine(t, e.factory, "default")
	pairByQR(t, ctx, e, eng, h, me)
	list, err := engines.ParseChatID("12345@broadcast")
	if err != nil {
		t.Fatal(err)
	}
	before := len(h.events("message.any"))
	if _, err := eng.SendText(ctx, engines.SendText{Chat: list, Text: "to the list"}); !errors.Is(err, engines.ErrInvalid) {
		t.Fatalf("SendText to a broadcast list: %v, want ErrInvalid", err)
	}
	if _, err := eng.SendLocation(ctx, engines.SendLocation{Chat: list, Latitude: 1, Longitude: 2}); !errors.Is(err, engines.ErrInvalid) {
		t.Fatalf("SendLocation to a broadcast list: %v, want ErrInvalid", err)
	}
	if n := len(h.events("message.any")); n != before {
		t.Fatalf("%d message.any emitted for refused sends", n-before)
	}
	msgs, err := eng.ListMessages(ctx, engines.MessageQuery{Chat: list, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 0 {
		t.Fatalf("refused sends were stored: %+v", msgs)
	}
}

// TestSendToUnknownGroupIsNotFound: a group WhatsApp does not have (simnet answers
// item-not-found, as WhatsApp does) is ErrNotFound, a 404 through the API.
func TestSendToUnknownGroupIsNotFound(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx := testCtx(t)
	const me = "491510000072"
	if _, err := e.srv.CreateAccount(ctx, me, "Me"); err != nil {
		t.Fatal(err)
	}
	eng, h := newEngine(t, e.factory, "default")
	pairByQR(t, ctx, e, eng, h, me)
	group, err := engines.ParseChatID("120363000000000099@g.us")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.SendText(ctx, engines.SendText{Chat: group, Text: "anyone?"}); !errors.Is(err, engines.ErrNotFound) {
		t.Fatalf("SendText to a group that does not exist: %v, want ErrNotFound", err)
	}
}

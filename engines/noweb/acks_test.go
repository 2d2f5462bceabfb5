package noweb

import (
	"fmt"
	"strings"
	"testing"

	"go.mau.fi/whatsmeow/types"
	"golang.org/x/sync/errgroup"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/noweb/simnet"
	"github.com/wagate/wagate/store"
)

// TestReceiptsBeforeTheSendReturns: the contact's delivery receipt of every one of
// 100 concurrent sends is handled before SendText returns (simnet's
// SetReceiptBeforeAck makes that certain; the real server does it when the
// contact is quick), and still none is lost: each message gets message.ack DEVICE
// then READ, once each, and is stored with READ.
func TestReceiptsBeforeTheSendReturns(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		ctx := testCtx(t)
		const me, them, n = "491510000041", "491510000042", 100
		if _, err := e.srv.CreateAccount(ctx, me, "Ida"); err != nil {
			t.Fatal(err)
		}
		jo, err := e.srv.CreateAccount(ctx, them, "Jo")
		if err != nil {
			t.Fatal(err)
		}
		eng, h := newEngine(t, e.factory, "acks")
		pairByQR(t, ctx, e, eng, h, me)
		if err := e.srv.SetReceiptBeforeAck(me, true); err != nil {
			t.Fatal(err)
		}
		to, _ := engines.ParseChatID(them)
		ids := make([]string, n)
		var g errgroup.Group
		for i := range n {
			g.Go(func() error {
				m, err := eng.SendText(ctx, engines.SendText{Chat: to, Text: fmt.Sprintf("ack %d", i)})
				if err != nil {
					return err
				}
				ids[i] = m.ID
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		raw := make([]types.MessageID, n)
		for i, id := range ids {
			raw[i] = types.MessageID(id[strings.LastIndex(id, "_")+1:])
			if _, err := jo.WaitFor(ctx, func(ev simnet.Event) bool { return ev.Type == "message" && ev.ID == string(raw[i]) }); err != nil {
				t.Fatalf("Jo never got %s: %v", id, err)
			}
		}
		if err := jo.MarkRead(ctx, me, "", raw...); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			h.waitEmitted(t, ctx, "message.ack", func(p any) bool { a := p.(AckPayload); return a.ID == id && a.Ack == engines.AckRead })
		}
		acks := map[string][]engines.Ack{}
		for _, ev := range h.events("message.ack") {
			a := ev.(AckPayload)
			acks[a.ID] = append(acks[a.ID], a.Ack)
		}
		for _, id := range ids {
			if got := acks[id]; len(got) != 2 || got[0] != engines.AckDevice || got[1] != engines.AckRead {
				t.Errorf("%s: message.ack %v, want DEVICE then READ, once each", id, got)
			}
			m, err := eng.GetMessage(ctx, to, engines.MessageID{ID: id[strings.LastIndex(id, "_")+1:], Bare: true}, false)
			if err != nil || m.Ack != engines.AckRead {
				t.Errorf("%s stored with ack %v (%v), want READ", id, m, err)
			}
		}
	})
}

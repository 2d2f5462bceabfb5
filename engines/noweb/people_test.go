package noweb

import (
	"context"
	"errors"
	"testing"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/internal/wait"
	"github.com/wagate/wagate/store"
)

// TestPeopleFromTheAccountsPhone: what the account's own phone does reaches
// the session: a call it rejects is call.rejected, a contact it blocks is
// blocked in the contact info (blocklist notification), and unblocked again.
func TestPeopleFromTheAccountsPhone(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx := testCtx(t)
	const mine, theirs = "491510000061", "491510000062"
	me, err := e.srv.CreateAccount(ctx, mine, "Me")
	if err != nil {
		t.Fatal(err)
	}
	caller, err := e.srv.CreateAccount(ctx, theirs, "Caller")
	if err != nil {
		t.Fatal(err)
	}
	eng, h := newEngine(t, e.factory, "people")
	pairByQR(t, ctx, e, eng, h, mine)

	id, err := caller.Call(ctx, mine, false)
	if err != nil {
		t.Fatal(err)
	}
	isCall := func(p any) bool { c, ok := p.(engines.Call); return ok && c.ID == id && c.From == theirs+"@c.us" }
	h.waitEmitted(t, ctx, "call.received", isCall)
	if err := me.RejectCall(ctx, theirs, id); err != nil {
		t.Fatal(err)
	}
	h.waitEmitted(t, ctx, "call.rejected", isCall)

	if _, err := eng.CheckNumber(ctx, theirs); err != nil { // the session learns the person
		t.Fatal(err)
	}
	contact := engines.ChatID{User: theirs, Server: engines.ServerUser}
	blocked := func() bool {
		k, err := eng.GetContact(ctx, contact)
		if err != nil {
			t.Fatal(err)
		}
		return k.IsBlocked
	}
	if blocked() {
		t.Fatal("blocked before anyone blocked them")
	}
	for _, want := range []bool{true, false} {
		if err := me.Block(ctx, theirs, want); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, ctx, func() bool { return blocked() == want })
	}
}

// waitUntil polls ok until it holds or ctx ends.
func waitUntil(t *testing.T, ctx context.Context, ok func() bool) {
	t.Helper()
	wait.Context(t, ctx, func() error {
		if !ok() {
			return errors.New("never happened")
		}
		return nil
	})
}

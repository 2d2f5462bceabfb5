package noweb

import (
	"errors"
	"fmt"
	"testing"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/noweb/simnet"
	"github.com/wagate/wagate/internal/wait"
	"github.com/wagate/wagate/store"
)

// TestContactsFromHistory: the history sync of a new pairing fills the contact
// store: the other account under its phone number, with its LID and push name;
// found by either id; logout removes the session's contacts.
func TestContactsFromHistory(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		ctx := testCtx(t)
		const me, them = "491510000041", "491510000042"
		alice, err := e.srv.CreateAccount(ctx, me, "Alice")
		if err != nil {
			t.Fatal(err)
		}
		bob, err := e.srv.CreateAccount(ctx, them, "Bob")
		if err != nil {
			t.Fatal(err)
		}
		// Bob wrote before the session paired: he is one of the account's contacts,
		// whom the history sync maps (PN→LID) and names.
		id, err := bob.SendText(ctx, me, "before you paired")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := alice.WaitFor(ctx, func(ev simnet.Event) bool { return ev.Type == "message" && ev.ID == id }); err != nil {
			t.Fatal(err)
		}
		eng, h := newEngine(t, e.factory, "default")
		pairByQR(t, ctx, e, eng, h, me)
		ks := e.db.ChatStore()
		lid := bob.LID().User + "@lid"
		wait.Context(t, ctx, func() error {
			k, err := ks.GetContact(ctx, "default", them+"@c.us")
			if err == nil && k.LID == lid && k.PushName == "Bob" {
				return nil
			}
			if err != nil && !errors.Is(err, engines.ErrNotFound) && ctx.Err() == nil {
				t.Fatal(err)
			}
			return fmt.Errorf("contact of Bob never stored: %+v, %v", k, err)
		})
		if k, err := ks.GetContact(ctx, "default", lid); err != nil || k.ID != them+"@c.us" {
			t.Errorf("GetContact(%s) = %+v, %v; want the phone-number contact", lid, k, err)
		}
		// Someone new writes: a contact with their push name, naming the new chat.
		const third = "491510000043"
		carol, err := e.srv.CreateAccount(ctx, third, "Carol")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := carol.SendText(ctx, me, "hello"); err != nil {
			t.Fatal(err)
		}
		wait.Context(t, ctx, func() error {
			k, err := ks.GetContact(ctx, "default", third+"@c.us")
			if err == nil && k.PushName == "Carol" {
				return nil
			}
			return fmt.Errorf("contact of Carol never stored: %+v, %v", k, err)
		})
		waitChat(t, ctx, eng, third+"@c.us", func(c engines.Chat) bool { return c.Name != nil && *c.Name == "Carol" })
		if err := eng.Logout(ctx); err != nil {
			t.Fatalf("Logout: %v", err)
		}
		if all, err := ks.ListContacts(ctx, "default", engines.ContactQuery{}); err != nil || len(all) != 0 {
			t.Errorf("contacts after logout = %+v, %v", all, err)
		}
	})
}

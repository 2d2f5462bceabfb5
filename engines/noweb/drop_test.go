package noweb

import (
	"slices"
	"strings"
	"testing"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/internal/wait"
	"github.com/wagate/wagate/store"
)

// TestDroppedSessionSaysWhyAndReconnects: a paired session whose connection the
// server drops goes STARTING with the reason, and whatsmeow brings it back to
// WORKING by itself.
func TestDroppedSessionSaysWhyAndReconnects(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx := testCtx(t)
	const me = "491510000061"
	if _, err := e.srv.CreateAccount(ctx, me, "Me"); err != nil {
		t.Fatal(err)
	}
	eng, h := newEngine(t, e.factory, "default")
	pairByQR(t, ctx, e, eng, h, me)
	cli, err := eng.client()
	if err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	from := len(h.statuses)
	h.mu.Unlock()
	if err := e.srv.DropConnection(me, cli.Store.ID.Device); err != nil {
		t.Fatal(err)
	}
	wait.Context(t, ctx, func() error {
		h.mu.Lock()
		defer h.mu.Unlock()
		after := h.statuses[from:]
		i := slices.Index(after, engines.StatusStarting)
		if i < 0 || !slices.Contains(after[i:], engines.StatusWorking) {
			return errNotYet(after)
		}
		if why := h.reasons[from+i]; !strings.Contains(why, "connection to WhatsApp was lost; reconnecting") {
			t.Fatalf("STARTING after the drop says %q", why)
		}
		return nil
	})
}

type errNotYet []engines.Status

func (e errNotYet) Error() string {
	return "statuses after the drop: " + strings.Join(func() []string {
		var s []string
		for _, st := range e {
			s = append(s, string(st))
		}
		return s
	}(), ", ") + "; want STARTING (with the reason), then WORKING"
}

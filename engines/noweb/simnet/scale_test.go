package simnet

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sync/errgroup"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"

	"github.com/wagate/wagate/store"
)

// TestPairingCostIndependentOfNetworkSize: pairing a companion costs the
// network the same at 10 and at 1,000 accounts, as on the real server. Its
// history sync maps only the account and its contacts (PN→LID, push names),
// and only the devices of those accounts hear of the new device: a network
// that told everyone made N pairings cost N² nodes and mappings.
func TestPairingCostIndependentOfNetworkSize(t *testing.T) {
	type cost struct{ mappings, pushnames, routedElsewhere, routedToContact int }
	measure := func(t *testing.T, n int) cost {
		srv := newTestServer(t)
		var g errgroup.Group
		g.SetLimit(4)
		for i := range n - 2 {
			g.Go(func() error {
				_, err := srv.CreateAccount(t.Context(), fmt.Sprintf("4915300%05d", i), fmt.Sprintf("Other %d", i))
				return err
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		ctx := testCtx(t)
		alice, err := srv.CreateAccount(ctx, "491510000041", "Alice")
		if err != nil {
			t.Fatal(err)
		}
		bob, err := srv.CreateAccount(ctx, "491510000042", "Bob")
		if err != nil {
			t.Fatal(err)
		}
		// Bob is Alice's one contact.
		id, err := bob.SendText(ctx, alice.JID().String(), "hi")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := alice.WaitFor(ctx, func(e Event) bool { return e.Type == "message" && e.ID == id }); err != nil {
			t.Fatal(err)
		}
		// Alice's delivery receipt reaches Bob before the count starts.
		if _, err := bob.WaitFor(ctx, func(e Event) bool { return e.Type == "receipt" && slices.Contains(e.IDs, id) }); err != nil {
			t.Fatal(err)
		}
		routed := func() (elsewhere, toBob int) {
			srv.mu.Lock()
			defer srv.mu.Unlock()
			for _, acc := range srv.byPN {
				switch acc.pn.User {
				case "491510000041":
				case "491510000042":
					toBob = acc.routed
				default:
					elsewhere += acc.routed
				}
			}
			return elsewhere, toBob
		}
		elsewhere0, toBob0 := routed()

		c := newCompanion(t, srv, "alice-session")
		pairByQR(t, srv, "491510000041", c)
		hs := waitEvent[*events.HistorySync](t, ctx, c.rec, nil)
		elsewhere1, toBob1 := routed()
		return cost{
			mappings: len(hs.Data.GetPhoneNumberToLidMappings()), pushnames: len(hs.Data.GetPushnames()),
			routedElsewhere: elsewhere1 - elsewhere0, routedToContact: toBob1 - toBob0,
		}
	}
	small := measure(t, 10)
	big := measure(t, 1000)
	t.Logf("pairing at N=10: %+v; at N=1000: %+v", small, big)
	if small != big {
		t.Errorf("pairing costs %+v at N=10 but %+v at N=1000", small, big)
	}
	if want := (cost{mappings: 2, pushnames: 2, routedElsewhere: 0, routedToContact: 2}); big != want {
		t.Errorf("pairing cost %+v, want %+v (the account and its one contact mapped; the contact told of the new device, in PN and LID form, and no one else)", big, want)
	}
}

// argLogger records, per module, what whatsmeow passed to Debugf: the patched
// whatsmeow (third_party/whatsmeow/debug-log.patch) passes a node's XML as a
// fmt.Stringer, rendered only if the line is formatted, never as a string
// built for a logger that drops it.
type argLogger struct {
	module  string
	mu      *sync.Mutex
	strings *int
	lazy    *int
}

func (l argLogger) Errorf(string, ...any) {}
func (l argLogger) Warnf(string, ...any)  {}
func (l argLogger) Infof(string, ...any)  {}
func (l argLogger) Debugf(_ string, args ...any) {
	if !strings.HasSuffix(l.module, "/Send") && !strings.HasSuffix(l.module, "/Recv") || len(args) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch args[0].(type) {
	case string:
		*l.strings++
	case fmt.Stringer:
		*l.lazy++
	}
}
func (l argLogger) Sub(m string) waLog.Logger { l.module += "/" + m; return l }

// TestNodeDebugTextIsLazy: whatsmeow renders no node as text for a debug line
// the logger would drop (about 7% of a pairing wave's CPU otherwise).
func TestNodeDebugTextIsLazy(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	log := argLogger{module: "c", mu: &sync.Mutex{}, strings: new(int), lazy: new(int)}
	db := store.OpenSQLite(filepath.Join(t.TempDir(), "lazy.db"))
	t.Cleanup(func() { _ = db.Close() })
	container := sqlstore.NewWithDB(db, "sqlite3", log.Sub("store"))
	if err := container.Upgrade(ctx); err != nil {
		t.Fatal(err)
	}
	cli := whatsmeow.NewClient(container.NewDevice(), log)
	ConfigureClient(cli, srv.Addr())
	qrs, err := cli.GetQRChannel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	defer cli.Disconnect()
	if item := <-qrs; item.Event != whatsmeow.QRChannelEventCode {
		t.Fatalf("QR channel: %+v", item)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if *log.strings != 0 || *log.lazy == 0 {
		t.Errorf("node debug lines: %d built as strings, %d lazy; want none built, some lazy", *log.strings, *log.lazy)
	}
}

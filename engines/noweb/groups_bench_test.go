package noweb

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/noweb/simnet"
	"github.com/wagate/wagate/sessions"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// BenchmarkGroupFanout: one NOWEB session in a group of WAGATE_BENCH_GROUP_MEMBERS
// (default 1,000) members on simnet, each member a phone (a whatsmeow client)
// that decrypts what the group gets. It reports the time from SendText to the
// last member having decrypted the message (the first message, which sets up a
// Signal session with every member device, and a second one), the process CPU
// time each took (the members' phones, in this process, decrypt too), the p99
// of listing the group's participants, and the growth of the process's RSS
// while the session joins WAGATE_BENCH_GROUPS (default 50) such groups (the
// members' phones offline by then). Run with:
//
//	go test ./engines/noweb -run '^$' -bench GroupFanout -benchtime 1x -timeout 60m
func BenchmarkGroupFanout(b *testing.B) {
	members := envInt("WAGATE_BENCH_GROUP_MEMBERS", 1000)
	groups := envInt("WAGATE_BENCH_GROUPS", 50)
	for range b.N {
		groupFanoutOnce(b, members, groups)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// settledMemory is the Go heap in use and the process's RSS after a collection
// that returns freed memory to the OS, so two readings compare.
func settledMemory() (heap, rss int64) {
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse), rssBytes()
}

func groupFanoutOnce(b *testing.B, n, groups int) {
	ctx, cancel := context.WithTimeout(context.Background(), 55*time.Minute)
	defer cancel()
	key := testRootKey
	srv, err := simnet.New(simnet.Options{Logger: testLogger(), RootPrivateKey: &key, DataDir: b.TempDir(), RequestTimeout: 120 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	trustOnce.Do(func() { simnet.TrustRootKeyForProcess(srv.RootPublicKey(), nil) })
	if err := srv.Start(ctx, "127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	st, _ := storetest.Open(b, store.SQLite)
	f, err := NewFactory(ctx, Options{
		DB: st.SQL(), Devices: st.NOWEBDevices(), Dialect: string(st.Dialect()), Log: testLogger(), StoreEnabled: true,
		Chats: st.ChatStore(), Media: testFiles(b, "http://gw.example"), ConfigureClient: simnetClient(srv.Addr()),
	})
	if err != nil {
		b.Fatal(err)
	}
	m := sessions.NewManager(st, map[engines.Name]sessions.Factory{engines.NOWEB: f}, storeRecorder{st: st}, testLogger(), sessions.ManagerOptions{WorkingWait: time.Minute})
	defer m.Shutdown(context.Background())

	start := time.Now()
	phones := make([]*simnet.Phone, n)
	numbers := make([]string, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i := range n {
		numbers[i] = fmt.Sprintf("4915400%05d", i)
		g.Go(func() error {
			p, err := srv.CreateAccount(gctx, numbers[i], fmt.Sprintf("Member %d", i))
			phones[i] = p
			return err
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d member phones up in %s", n, time.Since(start).Round(time.Second))
	const me = "491549999999"
	if _, err := srv.CreateAccount(ctx, me, "Bench"); err != nil {
		b.Fatal(err)
	}
	if _, err := m.Create(ctx, "bench", engines.NOWEB, engines.SessionConfig{}, true); err != nil {
		b.Fatal(err)
	}
	e, _, err := m.Await(ctx, "bench", engines.StatusScanQRCode)
	if err != nil {
		b.Fatal(err)
	}
	qr, err := e.QR(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := srv.ScanQR(ctx, me, qr.Value); err != nil {
		b.Fatal(err)
	}
	if e, err = m.Working(ctx, "bench"); err != nil {
		b.Fatal(err)
	}
	people := make([]engines.ChatID, n)
	for i, num := range numbers {
		people[i], _ = engines.ParseChatID(num)
	}

	first, err := e.(engines.GroupMembership).CreateGroup(ctx, "Bench 0", people)
	if err != nil {
		b.Fatalf("create group: %v", err)
	}
	if len(first.Participants) != n+1 {
		b.Fatalf("the group has %d participants, want %d", len(first.Participants), n+1)
	}
	gid, _ := engines.ParseChatID(first.ID)

	send := func(text string) (time.Duration, time.Duration) {
		cpu0, t0 := cpuTime(), time.Now()
		if _, err := e.(engines.TextSender).SendText(ctx, engines.SendText{Chat: gid, Text: text}); err != nil {
			b.Fatal(err)
		}
		g, gctx := errgroup.WithContext(ctx)
		for _, p := range phones {
			g.Go(func() error {
				_, err := p.WaitFor(gctx, func(ev simnet.Event) bool { return ev.Type == "message" && ev.Chat == first.ID && ev.Text == text })
				return err
			})
		}
		if err := g.Wait(); err != nil {
			b.Fatalf("members decrypting %q: %v", text, err)
		}
		return time.Since(t0), cpuTime() - cpu0
	}
	firstWall, firstCPU := send("the first message")
	secondWall, secondCPU := send("the second message")

	lister := e.(engines.GroupParticipants)
	var lat []time.Duration
	for range 200 {
		t0 := time.Now()
		ps, err := lister.Participants(ctx, gid)
		if err != nil || len(ps) != n+1 {
			b.Fatalf("participants: %d, %v", len(ps), err)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	p99 := lat[len(lat)*99/100]

	// The other groups, with the members' phones offline: online, each phone
	// would store every group's 1,000 members (whatsmeow's LID map, in simnet's
	// one SQLite database), which measures simnet, not the session. The
	// notifications simnet keeps for the offline phones are in the RSS.
	for _, p := range phones {
		p.Client().Disconnect()
	}
	heapBefore, rssBefore := settledMemory()
	for i := 1; i < groups; i++ {
		if _, err := e.(engines.GroupMembership).CreateGroup(ctx, fmt.Sprintf("Bench %d", i), people); err != nil {
			b.Fatalf("create group %d: %v", i, err)
		}
	}
	heapAfter, rssAfter := settledMemory()

	b.ReportMetric(firstWall.Seconds(), "s-first-fanout")
	b.ReportMetric(firstCPU.Seconds(), "s-CPU-first")
	b.ReportMetric(secondWall.Seconds(), "s-second-fanout")
	b.ReportMetric(secondCPU.Seconds(), "s-CPU-second")
	b.ReportMetric(float64(p99.Microseconds())/1000, "ms-p99-participants")
	b.ReportMetric(float64(rssAfter-rssBefore)/(1<<20), "MB-RSS-for-groups")
	b.ReportMetric(float64(heapAfter-heapBefore)/(1<<20), "MB-heap-for-groups")
	b.Logf("%d members, %d groups: first message to all in %s (CPU %s), second in %s (CPU %s); participants p99 %s; RSS +%.1f MB, Go heap +%.1f MB for the groups",
		n, groups, firstWall.Round(time.Millisecond), firstCPU.Round(time.Millisecond), secondWall.Round(time.Millisecond),
		secondCPU.Round(time.Millisecond), p99, float64(rssAfter-rssBefore)/(1<<20), float64(heapAfter-heapBefore)/(1<<20))
}

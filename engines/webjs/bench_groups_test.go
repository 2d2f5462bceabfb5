package webjs

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/webjs/fakeweb"
)

// BenchmarkGroup1000 is issue 14's benchmark on WEBJS: a group of 1,000
// members (the account and 999 contacts) on fakeweb. It reports the time to
// create it, the fan-out of one message (sent until every member's delivery
// receipt has reached Go as message.ack.group), GET participants/v2 (p50/p99
// per call), and the browser's memory with 50 such groups.
//
//	go test ./engines/webjs -run '^$' -bench Group1000 -benchtime 100x
func BenchmarkGroup1000(b *testing.B) {
	const members = 999
	fw := startFake(b, fakeweb.Options{}, fakeweb.Account{})
	ctx := context.Background()
	ids := make([]string, members)
	for i := range ids {
		phone := fmt.Sprintf("4917%08d", i)
		ids[i] = phone + "@c.us"
		// Known to the server before the tab connects: it learns them all at once.
		if err := fw.SetPeer(ctx, fakeweb.Peer{Phone: phone, LID: fmt.Sprintf("8%08d@lid", i), PushName: "Member " + phone}); err != nil {
			b.Fatal(err)
		}
	}
	h := launch(b, fw, b.TempDir(), Config{CallTimeout: 60 * time.Second})
	h.pairByQR(b)
	logMemory(b, h.d, "before the groups")

	start := time.Now()
	c, err := h.d.CreateGroup(ctx, "Big", ids)
	if err != nil || len(c.Group.Participants) != members+1 {
		b.Fatalf("create: %d members, %v", len(c.Group.Participants), err)
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	createMs := ms(time.Since(start))
	gid := c.Group.ID

	mark := h.ev.mark()
	start = time.Now()
	sent, err := h.d.SendText(ctx, SendTextRequest{ChatID: gid, Text: "to everyone"})
	if err != nil {
		b.Fatal(err)
	}
	got := map[string]bool{}
	h.ev.wait(b, mark, 60*time.Second, "every member's delivery receipt", func(e Event) bool {
		if e.Type == EventAck && e.Ack != nil && e.Ack.ID == sent.ID && e.Ack.Ack == 2 && e.Ack.Participant != nil {
			got[*e.Ack.Participant] = true
		}
		return len(got) == members
	})
	fanoutMs := ms(time.Since(start))

	var durs []time.Duration
	for b.Loop() {
		t0 := time.Now()
		ps, err := h.d.GroupParticipants(ctx, gid)
		durs = append(durs, time.Since(t0))
		if err != nil || len(ps) != members+1 {
			b.Fatalf("%d participants, %v", len(ps), err)
		}
	}
	slices.Sort(durs)
	// b.Loop reset the metrics of before it.
	b.ReportMetric(createMs, "create-ms")
	b.ReportMetric(fanoutMs, "fanout-ms")
	b.ReportMetric(ms(durs[len(durs)/2]), "participants-p50-ms")
	b.ReportMetric(ms(durs[len(durs)*99/100]), "participants-p99-ms")

	for i := 1; i < 50; i++ {
		if _, err := h.d.CreateGroup(ctx, fmt.Sprintf("Big %d", i), ids); err != nil {
			b.Fatal(err)
		}
	}
	if n, err := h.d.GroupCount(ctx); err != nil || n != 50 {
		b.Fatalf("%d groups, %v", n, err)
	}
	if _, err := h.d.Groups(ctx, engines.GroupQuery{Limit: 50}); err != nil {
		b.Fatal(err)
	}
	logMemory(b, h.d, "with 50 groups of 1,000")
	m, err := h.d.Memory()
	if err == nil {
		b.ReportMetric(float64(m.RSS)/(1<<20), "rss-MiB")
		b.ReportMetric(float64(m.PSS)/(1<<20), "pss-MiB")
	}
}

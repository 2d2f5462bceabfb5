package webjs

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/wagate/wagate/engines/webjs/fakeweb"
)

// BenchmarkListChats measures ListChats(limit=100) on a 5,000-chat
// account, end to end (Go → CDP Evaluate → injected JS → WA collections →
// JSON → Go structs). It reports p50/p99 per call and the browser's PSS.
//
//	go test ./engines/webjs -run '^$' -bench ListChats -benchtime 200x
func BenchmarkListChats(b *testing.B) {
	fw := startFake(b, fakeweb.Options{}, fakeweb.Account{Chats: 5000, MessagesPerChat: 2, GroupEvery: 10, PictureEvery: 3})
	h := launch(b, fw, b.TempDir(), Config{})
	h.pairByQR(b)
	logMemory(b, h.d, "with 5,000 chats")
	ctx := context.Background()

	for _, bc := range []struct {
		name string
		opts ListChatsOptions
	}{
		{"limit=100", ListChatsOptions{Limit: 100}},
		{"limit=100,offset=2500,sortBy=name", ListChatsOptions{Limit: 100, Offset: 2500, SortBy: SortByName, SortOrder: "asc"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var durs []time.Duration
			for b.Loop() {
				start := time.Now()
				chats, err := h.d.ListChats(ctx, bc.opts)
				durs = append(durs, time.Since(start))
				if err != nil || len(chats) != 100 {
					b.Fatalf("%d chats, %v", len(chats), err)
				}
			}
			slices.Sort(durs)
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			b.ReportMetric(ms(durs[len(durs)/2]), "p50-ms")
			b.ReportMetric(ms(durs[len(durs)*99/100]), "p99-ms")
		})
	}
	m, err := h.d.Memory()
	if err == nil {
		b.ReportMetric(float64(m.PSS)/(1<<20), "pss-MiB")
	}
}

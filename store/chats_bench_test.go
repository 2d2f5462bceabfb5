package store_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/store/storetest"
)

func benchSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// latencies runs op b.N times and reports its p50 and p99 in milliseconds.
func latencies(b *testing.B, op func() error) {
	b.Helper()
	ds := make([]time.Duration, 0, b.N)
	for b.Loop() {
		start := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	pct := func(p float64) float64 {
		return float64(ds[min(len(ds)-1, int(float64(len(ds))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkChatStore measures a generated account: 10,000 chats and 1,000,000
// messages by default (WAGATE_BENCH_CHATS, WAGATE_BENCH_MESSAGES), ingested as
// history-sync batches, then the list views the API serves.
func BenchmarkChatStore(b *testing.B) {
	nChats := benchSize("WAGATE_BENCH_CHATS", 10_000)
	nMsgs := benchSize("WAGATE_BENCH_MESSAGES", 1_000_000)
	for _, d := range storetest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			ctx := context.Background()
			s, _ := storetest.Open(b, d)
			cs := s.ChatStore()
			const batch = 5000
			start := time.Now()
			for i := 0; i < nMsgs; i += batch {
				ms := make([]engines.StoredMessage, 0, batch)
				for j := i; j < min(i+batch, nMsgs); j++ {
					ms = append(ms, msg(fmt.Sprintf("49%09d@c.us", j%nChats), fmt.Sprintf("3EB0%016X", j), j%3 == 0, int64(1_700_000_000+j), "a message of ordinary length, say forty-odd bytes"))
				}
				if err := cs.SaveMessages(ctx, "bench", ms, false); err != nil {
					b.Fatal(err)
				}
			}
			rate := float64(nMsgs) / time.Since(start).Seconds()
			b.Logf("%s: ingested %d messages in %d chats at %.0f messages/s", d, nMsgs, nChats, rate)

			busy := fmt.Sprintf("49%09d@c.us", 0)
			fromMe, ack := false, engines.AckDevice
			gte := int64(1_700_000_000)
			b.Run("ingest", func(b *testing.B) {
				for b.Loop() {
				}
				b.ReportMetric(rate, "msgs/s")
			})
			b.Run("chats-limit-100", func(b *testing.B) {
				latencies(b, func() error {
					_, err := cs.ListChats(ctx, "bench", engines.ChatQuery{Limit: 100})
					return err
				})
			})
			b.Run("overview-limit-20", func(b *testing.B) {
				latencies(b, func() error {
					_, err := cs.ChatsOverview(ctx, "bench", engines.StoredOverviewQuery{Limit: 20})
					return err
				})
			})
			b.Run("messages-limit-100-filtered", func(b *testing.B) {
				latencies(b, func() error {
					_, err := cs.ListMessages(ctx, "bench", engines.StoredMessageQuery{Chat: busy, Limit: 100, FromMe: &fromMe, Ack: &ack, TimestampGTE: &gte})
					return err
				})
			})
			b.Run("messages-all-limit-100-offset-10000", func(b *testing.B) {
				latencies(b, func() error {
					_, err := cs.ListMessages(ctx, "bench", engines.StoredMessageQuery{Limit: 100, Offset: 10_000, FromMe: &fromMe})
					return err
				})
			})
		})
	}
}

package store_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/wagate/wagate/store"

	"github.com/wagate/wagate/store/storebench"
	"github.com/wagate/wagate/store/storetest"
)

func benchSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkChatStore measures a generated account: 10,000 chats and 1,000,000
// messages by default (WAGATE_BENCH_CHATS, WAGATE_BENCH_MESSAGES), ingested as
// history-sync batches, then the reads the API serves. The generator and the
// reads are storebench's, shared with `wagate bench store`.
func BenchmarkChatStore(b *testing.B) {
	cfg := storebench.Config{
		Chats:    benchSize("WAGATE_BENCH_CHATS", 10_000),
		Messages: benchSize("WAGATE_BENCH_MESSAGES", 1_000_000),
	}
	for _, d := range storetest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			ctx := context.Background()
			s, _ := storetest.Open(b, d)
			cs := s.ChatStore()
			rate, _, err := storebench.Ingest(ctx, cs, cfg, nil)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Analyze(ctx); err != nil {
				b.Fatal(err)
			}
			b.Run("ingest", func(b *testing.B) {
				for b.Loop() {
				}
				b.ReportMetric(rate, "msgs/s")
			})
			for _, op := range storebench.Ops(cs, cfg) {
				b.Run(op.Name, func(b *testing.B) {
					ds := make([]time.Duration, 0, b.N)
					for b.Loop() {
						start := time.Now()
						if _, err := op.Run(ctx); err != nil {
							b.Fatal(err)
						}
						ds = append(ds, time.Since(start))
					}
					p50, p99 := storebench.Percentiles(ds)
					b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
					b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
				})
			}
		})
	}
}

// TestStoreBenchSmall runs the benchmark's generator and reads on a small account,
// so they keep working without the full-size run.
func TestStoreBenchSmall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s, _ := storetest.Open(t, d)
		cfg := storebench.Config{Chats: 50, Messages: 30_000, Batch: 1000, Samples: 2}
		if _, _, err := storebench.Ingest(ctx, s.ChatStore(), cfg, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
		for _, op := range storebench.Ops(s.ChatStore(), cfg) {
			if _, err := storebench.Measure(ctx, op, cfg.Samples); err != nil {
				t.Fatal(err)
			}
		}
	})
}

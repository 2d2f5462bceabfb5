package webhooks

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/wagate/wagate/store"
)

// acker records deliveries as delivered in batches: one UPDATE for many rows keeps
// the store from being the bottleneck. A crash before a batch is written sends its
// rows again at the next start, which at-least-once delivery allows.
type acker struct {
	st   *store.Store
	log  *slog.Logger
	kick chan struct{}

	mu  sync.Mutex
	ids []string

	flushMu sync.Mutex
}

func (a *acker) add(id string) {
	a.mu.Lock()
	a.ids = append(a.ids, id)
	a.mu.Unlock()
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

func (a *acker) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.kick:
		}
		// Let a batch gather.
		if !sleep(ctx, 5*time.Millisecond) {
			return
		}
		if err := a.flush(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("record delivered webhooks", "err", err)
			if !sleep(ctx, time.Second) {
				return
			}
			a.retry()
		}
	}
}

// retry kicks the loop without adding anything, to try a failed batch again.
func (a *acker) retry() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

func (a *acker) flush(ctx context.Context) error {
	a.flushMu.Lock()
	defer a.flushMu.Unlock()
	a.mu.Lock()
	ids := a.ids
	a.ids = nil
	a.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	if err := a.st.MarkDelivered(ctx, ids, time.Now()); err != nil {
		a.mu.Lock()
		a.ids = append(ids, a.ids...)
		a.mu.Unlock()
		return err
	}
	return nil
}

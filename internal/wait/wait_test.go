package wait

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestPollReturnsOnceTheConditionHolds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int32
		go func() {
			time.Sleep(300 * time.Millisecond)
			n.Store(1)
		}()
		start := time.Now()
		if err := Poll(time.Second, func() error {
			if n.Load() == 0 {
				return errors.New("not yet")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 300*time.Millisecond || d > 350*time.Millisecond {
			t.Fatalf("returned after %s, want soon after 300ms", d)
		}
	})
}

func TestPollGivesTheLastReasonAfterTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		start := time.Now()
		err := Poll(time.Second, func() error { calls++; return fmt.Errorf("try %d", calls) })
		if err == nil || err.Error() != fmt.Sprintf("try %d", calls) {
			t.Fatalf("error %v after %d calls, want the last one", err, calls)
		}
		if d := time.Since(start); d < time.Second || d > time.Second+60*time.Millisecond {
			t.Fatalf("gave up after %s, want the timeout", d)
		}
		if calls < 10 || calls > 40 {
			t.Fatalf("%d polls in a second", calls)
		}
	})
}

func TestPollContextEndsWithTheContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		start := time.Now()
		err := PollContext(ctx, func() error { return errors.New("not yet") })
		if !errors.Is(err, context.DeadlineExceeded) || err.Error() != "not yet\ncontext deadline exceeded" {
			t.Fatalf("error %q, want the last reason and the context's", err)
		}
		if d := time.Since(start); d != 2*time.Second {
			t.Fatalf("gave up after %s, want when the context ended", d)
		}
		if err := PollContext(ctx, func() error { return nil }); err != nil {
			t.Fatalf("a condition that holds: %v", err)
		}
	})
}

// Package wait is how tests wait for what another goroutine, process or browser
// does: poll a condition until it holds, failing the test with the last reason it
// did not once the timeout has passed. A timeout here is only the point at which
// a test gives up on a condition that should hold; a passing test never waits it
// out, so it is generous, and no test sleeps a fixed time to let something happen.
//
// A check that something does not happen is not a wait: it needs a clock the
// test controls (testing/synctest) or an event that proves the moment has passed.
package wait

import (
	"context"
	"errors"
	"testing"
	"time"
)

// For polls cond until it returns nil, and fails t with cond's last error after
// timeout. It must be called from the test's goroutine (it calls t.Fatalf).
func For(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	if err := Poll(timeout, cond); err != nil {
		t.Fatalf("waited %s: %v", timeout, err)
	}
}

// Until polls cond until it holds, and fails t naming what it waited for after
// timeout.
func Until(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	For(t, timeout, func() error {
		if cond() {
			return nil
		}
		return errors.New("still waiting for " + what)
	})
}

// Poll polls cond until it returns nil, or returns cond's last error after
// timeout. It is For for goroutines other than the test's.
func Poll(timeout time.Duration, cond func() error) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return poll(ctx, cond)
}

// Context polls cond until it returns nil, and fails t with cond's last error
// when ctx ends: for tests whose steps share one deadline.
func Context(t testing.TB, ctx context.Context, cond func() error) {
	t.Helper()
	if err := poll(ctx, cond); err != nil {
		t.Fatalf("%v (%v)", err, ctx.Err())
	}
}

// PollContext polls cond until it returns nil, or returns cond's last error
// joined with ctx's once ctx ends.
func PollContext(ctx context.Context, cond func() error) error {
	if err := poll(ctx, cond); err != nil {
		return errors.Join(err, ctx.Err())
	}
	return nil
}

func poll(ctx context.Context, cond func() error) error {
	pause := time.Millisecond
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		err := cond()
		if err == nil {
			return nil
		}
		// Short pauses first (most waits are short), then at most 50 ms: a
		// loaded machine is not made busier by polling.
		t.Reset(pause)
		select {
		case <-ctx.Done():
			return err
		case <-t.C:
		}
		pause = min(pause*2, 50*time.Millisecond)
	}
}

package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/sessions"
)

// fakeReplicas is the replicas table on a fake clock: each sleep moves the clock
// on, and renew, when set, renews the other replica's row at every read.
type fakeReplicas struct {
	now   time.Time
	rows  []sessions.Replica
	renew time.Duration
	reads int
}

func (f *fakeReplicas) ListReplicas(_ context.Context, now time.Time) ([]sessions.Replica, error) {
	f.reads++
	var live []sessions.Replica
	for i := range f.rows {
		if f.renew > 0 {
			f.rows[i].ExpiresAt = now.Add(f.renew)
		}
		if f.rows[i].ExpiresAt.After(now) {
			live = append(live, f.rows[i])
		}
	}
	return live, nil
}

func (f *fakeReplicas) sleep(_ context.Context, d time.Duration) error {
	f.now = f.now.Add(d)
	return nil
}

func TestWaitOutReplicaID(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	row := func(addr string, expires time.Duration) sessions.Replica {
		return sessions.Replica{ID: "r1", Address: addr, ExpiresAt: start.Add(expires)}
	}
	for _, tc := range []struct {
		name    string
		rows    []sessions.Replica
		renew   time.Duration
		waited  time.Duration // on the fake clock
		wantErr string
	}{
		{name: "no row", waited: 0},
		{name: "own address", rows: []sessions.Replica{row("http://new:3000", 15*time.Second)}, waited: 0},
		{name: "another id", rows: []sessions.Replica{{ID: "r2", Address: "http://old:3000", ExpiresAt: start.Add(15 * time.Second)}}, waited: 0},
		// A run that could not remove its row: its lease runs out.
		{name: "stale row", rows: []sessions.Replica{row("http://old:3000", 12500*time.Millisecond)}, waited: 13 * time.Second},
		// Another process renewing it every read: refused at the second read.
		{name: "live row", rows: []sessions.Replica{row("http://old:3000", 15*time.Second)}, renew: 15 * time.Second,
			waited: time.Second, wantErr: `replica id "r1" is in use by a live replica at http://old:3000`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeReplicas{now: start, rows: tc.rows, renew: tc.renew}
			err := waitOutReplicaID(t.Context(), f, "r1", "http://new:3000", func() time.Time { return f.now }, f.sleep, slog.New(slog.DiscardHandler))
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err %v, want %q", err, tc.wantErr)
			}
			if got := f.now.Sub(start); got != tc.waited {
				t.Fatalf("waited %s (%d reads), want %s", got, f.reads, tc.waited)
			}
		})
	}
}

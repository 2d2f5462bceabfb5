package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestSessionsForFDs(t *testing.T) {
	for _, c := range []struct {
		limit uint64
		want  int
	}{{100, 0}, {256, 0}, {1024, 192}, {65536, 16320}, {1048576, 262080}} {
		if got := sessionsForFDs(c.limit); got != c.want {
			t.Errorf("sessionsForFDs(%d) = %d, want %d", c.limit, got, c.want)
		}
	}
	if l, err := fdLimit(); err != nil || l == 0 {
		t.Errorf("fdLimit() = %d, %v", l, err)
	}
}

func TestPprofOnlyOnLoopback(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:6060", "nonsense"} {
		if err := servePprof(t.Context(), addr, log); err == nil || !strings.Contains(err.Error(), "WAGATE_DEBUG_PPROF") {
			t.Errorf("servePprof(%q) = %v, want refused", addr, err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if err := servePprof(ctx, "127.0.0.1:0", log); err != nil {
		t.Errorf("servePprof on loopback: %v", err)
	}
}

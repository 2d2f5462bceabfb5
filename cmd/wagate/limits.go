package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// fdsPerSession is what one session may hold open at once: a NOWEB session's
// websocket, a media transfer or two, a webhook delivery; a WEBJS session's
// Chromium has its own process and limit. fdsReserved are the gateway's own
// (listener, API clients, database, logs).
const (
	fdsPerSession = 4
	fdsReserved   = 256
)

// fdLimit is the process's open-file limit (RLIMIT_NOFILE, soft). Go raises the
// soft limit to the hard one at start on Linux, so this is what is really there.
func fdLimit() (uint64, error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, fmt.Errorf("read the open-file limit: %w", err)
	}
	return r.Cur, nil
}

// sessionsForFDs is how many sessions an open-file limit allows.
func sessionsForFDs(limit uint64) int {
	if limit <= fdsReserved {
		return 0
	}
	return int((limit - fdsReserved) / fdsPerSession)
}

// checkFDLimit says at start how many sessions the open-file limit allows, and
// warns when the stored sessions are more: past the limit, new connections
// fail with "too many open files", which looks like a network fault.
func checkFDLimit(log *slog.Logger, stored int) {
	limit, err := fdLimit()
	if err != nil {
		log.Warn("open-file limit unknown", "err", err)
		return
	}
	allows := sessionsForFDs(limit)
	if stored > allows {
		log.Warn(fmt.Sprintf("the open-file limit (%d) allows about %d sessions and %d are stored: raise it (ulimit -n, LimitNOFILE= in systemd, --ulimit nofile= in Docker)", limit, allows, stored),
			"limit", limit, "sessions", stored)
		return
	}
	log.Info(fmt.Sprintf("the open-file limit (%d) allows about %d sessions", limit, allows), "limit", limit, "sessions", stored)
}

// defaultMemoryLimit sets Go's soft memory limit when GOMEMLIMIT does not: half
// the memory the process may use (its cgroup's limit, or the machine's RAM). The
// garbage collector then works harder as the heap nears it instead of letting
// the heap grow to twice what is live after a pairing wave, and the scavenger
// hands freed memory back to the system sooner. Returns the limit set (0: none).
func defaultMemoryLimit(log *slog.Logger) int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return 0
	}
	total := memoryAvailable()
	if total <= 0 {
		return 0
	}
	limit := total / 2
	debug.SetMemoryLimit(limit)
	log.Debug("memory limit", "GOMEMLIMIT", limit)
	return limit
}

// memoryAvailable is the cgroup (v2, then v1) memory limit, or the machine's RAM.
func memoryAvailable() int64 {
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		raw, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(raw))
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 && n < 1<<60 {
			return n
		}
	}
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		return 0
	}
	return int64(si.Totalram) * int64(si.Unit)
}

// servePprof serves net/http/pprof on addr (WAGATE_DEBUG_PPROF, a loopback
// address: it is unauthenticated) until ctx ends. For profiling a gateway under
// load, `wagate bench sessions --pprof` among others.
func servePprof(ctx context.Context, addr string, log *slog.Logger) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("WAGATE_DEBUG_PPROF: want host:port: %w", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return errors.New("WAGATE_DEBUG_PPROF: the profiler has no authentication; give it a loopback address (127.0.0.1:6060)")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("WAGATE_DEBUG_PPROF: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("pprof server", "err", err)
		}
	}()
	log.Info("pprof on " + ln.Addr().String())
	return nil
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storebench"
)

// runBench is `wagate bench store [--chats N] [--messages N] [--samples N] [--dsn DSN]`:
// it generates an account in a fresh store (a temp SQLite file unless --dsn names a
// database, whose wagate tables must be empty) and prints history-sync ingest
// messages/s and p50/p99 of the reads the Chats API serves.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "usage: wagate bench store [--chats N] [--messages N] [--samples N] [--batch N] [--dsn DSN] [--session NAME]\n" +
		"       wagate bench sessions [--n 100,1000,10000] [--dsn postgres://…] [--concurrency 8] [--idle 60s] [--messages 1000] [--contacts 50] [--keep]"
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintln(stdout, usage)
		return nil
	}
	if len(args) > 0 && args[0] == "sessions" {
		return runBenchSessions(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "store" {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("wagate bench store", flag.ContinueOnError)
	fs.SetOutput(stdout)
	chats := fs.Int("chats", 10_000, "chats in the generated account")
	msgs := fs.Int("messages", 1_000_000, "messages in the generated account")
	samples := fs.Int("samples", 200, "timed runs of each read")
	batch := fs.Int("batch", 5000, "messages per history-sync chunk")
	dsn := fs.String("dsn", "", "database to fill: postgres://… (use an empty database or schema), or sqlite://FILE; default a temp SQLite file")
	session := fs.String("session", "bench", "session name the account is stored under")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *dsn == "" {
		dir, err := os.MkdirTemp("", "wagate-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*dsn = "sqlite://" + filepath.Join(dir, "wagate.db")
	}
	s, err := store.Open(ctx, *dsn, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer s.Close()
	cs := s.ChatStore()
	if existing, err := cs.ListChats(ctx, *session, engines.ChatQuery{Limit: 1}); err != nil {
		return err
	} else if len(existing) > 0 {
		return fmt.Errorf("session %q already has chats in this database; use an empty one", *session)
	}
	cfg := storebench.Config{Session: *session, Chats: *chats, Messages: *msgs, Batch: *batch, Samples: *samples}
	fmt.Fprintf(stdout, "wagate bench store: %s, %d chats, %d messages, batches of %d\n", s.Dialect(), *chats, *msgs, *batch)
	rate, took, err := storebench.Ingest(ctx, cs, cfg, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "history-sync ingest: %.0f messages/s (%d messages in %.1f s)\n", rate, *msgs, took.Seconds())
	if err := s.Analyze(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-52s %6s %10s %10s\n", "read ("+fmt.Sprint(*samples)+" runs)", "rows", "p50", "p99")
	for _, op := range storebench.Ops(cs, cfg) {
		r, err := storebench.Measure(ctx, op, *samples)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-52s %6d %10s %10s\n", r.Name, r.Rows, storebench.Ms(r.P50), storebench.Ms(r.P99))
	}
	if s.Dialect() == store.Postgres {
		fmt.Fprintf(stdout, "(the generated rows stay in the database; drop them with DELETE … WHERE session = '%s')\n", *session)
	}
	return nil
}

// Package storebench generates a large account in a ChatStore and measures the
// reads the Chats API serves from it and the speed of history-sync ingest. It is
// shared by `go test -bench` (store) and `wagate bench store`.
package storebench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
)

// Config sizes the generated account.
type Config struct {
	Session  string
	Chats    int // chats in the account (10,000)
	Messages int // messages in all (1,000,000)
	// Batch is the messages of one history-sync chunk (5,000).
	Batch int
	// Samples is how many times each read is timed (200).
	Samples int
}

func (c Config) withDefaults() Config {
	if c.Session == "" {
		c.Session = "bench"
	}
	if c.Chats <= 0 {
		c.Chats = 10_000
	}
	if c.Messages <= 0 {
		c.Messages = 1_000_000
	}
	if c.Batch <= 0 {
		c.Batch = 5000
	}
	if c.Samples <= 0 {
		c.Samples = 200
	}
	return c
}

// Base is the timestamp of the first generated message; message j has Base+j.
const Base = 1_700_000_000

// BusyChat is the chat that gets one message in twenty (50,000 of 1,000,000), so
// a page at offset 10,000 inside one chat exists.
func BusyChat() string { return ChatID(0) }

// ChatID is the id of generated chat i.
func ChatID(i int) string { return fmt.Sprintf("49%09d@c.us", i) }

// Message is generated message j of an account of chats chats.
func Message(j, chats int) chatstore.Message {
	chat := ChatID(j % chats)
	if j%20 == 0 {
		chat = BusyChat()
	}
	fromMe := j%3 == 0
	ack := engines.AckDevice
	switch {
	case fromMe && j%2 == 0:
		ack = engines.AckRead
	case fromMe:
		ack = engines.AckServer
	case j%7 == 0:
		ack = engines.AckRead
	}
	id := fmt.Sprintf("3EB0%016X", j)
	ts := int64(Base + j)
	body := "a message of ordinary length, say forty-odd bytes"
	return chatstore.Message{
		Chat: chat, ID: id, FromMe: fromMe, Timestamp: ts, Ack: ack,
		Message: engines.Message{ID: fmt.Sprintf("%t_%s_%s", fromMe, chat, id), Timestamp: ts, FromMe: fromMe, From: chat, Body: body},
	}
}

// Ingest fills the store with the generated account as history-sync batches and
// returns the messages per second it took. progress, when not nil, gets a line
// every tenth of the way.
func Ingest(ctx context.Context, cs chatstore.Store, cfg Config, progress io.Writer) (float64, time.Duration, error) {
	cfg = cfg.withDefaults()
	// Chat rows first, as a history sync's conversations arrive before or with
	// their messages.
	chats := make([]chatstore.Chat, 0, 1000)
	for i := 0; i < cfg.Chats; i++ {
		chats = append(chats, chatstore.Chat{ID: ChatID(i), Name: fmt.Sprintf("Contact %d", i)})
		if len(chats) == cap(chats) || i == cfg.Chats-1 {
			if err := cs.SaveChats(ctx, cfg.Session, chats); err != nil {
				return 0, 0, err
			}
			chats = chats[:0]
		}
	}
	// A history sync sends conversations, each with its messages: batches take
	// the messages chat after chat, each chat's in time order. Messages are
	// generated before the clock starts, so only the store is timed.
	order := historyOrder(cfg.Messages, cfg.Chats)
	var total time.Duration
	next := cfg.Messages / 10
	ms := make([]chatstore.Message, 0, cfg.Batch)
	for i := 0; i < cfg.Messages; i += cfg.Batch {
		ms = ms[:0]
		for _, j := range order[i:min(i+cfg.Batch, cfg.Messages)] {
			ms = append(ms, Message(int(j), cfg.Chats))
		}
		start := time.Now()
		if _, err := cs.SaveMessages(ctx, cfg.Session, ms, false); err != nil {
			return 0, 0, err
		}
		total += time.Since(start)
		if progress != nil && i+cfg.Batch >= next {
			fmt.Fprintf(progress, "  ingested %d/%d messages (%.0f messages/s)\n", min(i+cfg.Batch, cfg.Messages), cfg.Messages,
				float64(min(i+cfg.Batch, cfg.Messages))/total.Seconds())
			next += cfg.Messages / 10
		}
	}
	return float64(cfg.Messages) / total.Seconds(), total, nil
}

// historyOrder lists the generated messages chat by chat, as a history sync
// delivers them.
func historyOrder(msgs, chats int) []int32 {
	chatOf := func(j int) int {
		if j%20 == 0 {
			return 0
		}
		return j % chats
	}
	start := make([]int, chats+1)
	for j := range msgs {
		start[chatOf(j)+1]++
	}
	for c := 1; c <= chats; c++ {
		start[c] += start[c-1]
	}
	order := make([]int32, msgs)
	for j := range msgs {
		c := chatOf(j)
		order[start[c]] = int32(j)
		start[c]++
	}
	return order
}

// Op is one timed read.
type Op struct {
	Name string
	Run  func(ctx context.Context) (int, error) // rows returned
}

// Ops are the reads measured on an account generated with cfg.
func Ops(cs chatstore.Store, cfg Config) []Op {
	cfg = cfg.withDefaults()
	s := cfg.Session
	fromMe, ack := false, engines.AckDevice
	busy, _ := engines.ParseChatID(BusyChat())
	gte, lte := int64(Base+cfg.Messages/20), int64(Base+cfg.Messages*19/20)
	page := func(chat engines.ChatID, offset int) func(ctx context.Context) (int, error) {
		return func(ctx context.Context) (int, error) {
			ms, err := cs.ListMessages(ctx, s, engines.MessageQuery{Chat: chat, Limit: 100, Offset: offset,
				FromMe: &fromMe, Ack: &ack, TimestampGTE: &gte, TimestampLTE: &lte})
			return len(ms), err
		}
	}
	return []Op{
		{"chats list limit=100", func(ctx context.Context) (int, error) {
			cs, err := cs.ListChats(ctx, s, engines.ChatQuery{Limit: 100})
			return len(cs), err
		}},
		{"chats list limit=100 offset=5000 sortBy=name", func(ctx context.Context) (int, error) {
			cs, err := cs.ListChats(ctx, s, engines.ChatQuery{Limit: 100, Offset: 5000, SortBy: engines.SortByName})
			return len(cs), err
		}},
		{"overview limit=20", func(ctx context.Context) (int, error) {
			cs, err := cs.ChatsOverview(ctx, s, engines.OverviewQuery{Limit: 20})
			return len(cs), err
		}},
		{"messages chat limit=100 fromMe+ack+ts", page(busy, 0)},
		{"messages chat limit=100 fromMe+ack+ts offset=10000", page(busy, 10_000)},
		{"messages all limit=100 fromMe+ack+ts", page(engines.ChatID{}, 0)},
		{"messages all limit=100 fromMe+ack+ts offset=10000", page(engines.ChatID{}, 10_000)},
		{"messages chat limit=100 fromMe offset=10000", func(ctx context.Context) (int, error) {
			ms, err := cs.ListMessages(ctx, s, engines.MessageQuery{Chat: busy, Limit: 100, Offset: 10_000, FromMe: &fromMe})
			return len(ms), err
		}},
		{"messages all limit=100 offset=10000", func(ctx context.Context) (int, error) {
			ms, err := cs.ListMessages(ctx, s, engines.MessageQuery{Limit: 100, Offset: 10_000})
			return len(ms), err
		}},
	}
}

// Result is the latency of one read.
type Result struct {
	Name     string
	Rows     int
	P50, P99 time.Duration
}

// Measure runs op n times (after one warm-up run) and returns its p50 and p99.
func Measure(ctx context.Context, op Op, n int) (Result, error) {
	rows, err := op.Run(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", op.Name, err)
	}
	ds := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		if _, err := op.Run(ctx); err != nil {
			return Result{}, fmt.Errorf("%s: %w", op.Name, err)
		}
		ds = append(ds, time.Since(start))
	}
	p50, p99 := Percentiles(ds)
	return Result{Name: op.Name, Rows: rows, P50: p50, P99: p99}, nil
}

// Percentiles are the p50 and p99 of ds (sorted in place).
func Percentiles(ds []time.Duration) (p50, p99 time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	slices.Sort(ds)
	at := func(p float64) time.Duration { return ds[min(len(ds)-1, int(float64(len(ds))*p))] }
	return at(0.50), at(0.99)
}

// Ms formats a duration in milliseconds.
func Ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

func delivery(id, session, url string) store.Delivery {
	now := time.UnixMilli(time.Now().UnixMilli())
	return store.Delivery{
		ID: id, EventID: "evt_" + id, Session: session, URL: url, Event: "message",
		HMACKey: "k", Retries: engines.RetriesConfig{Policy: "linear", DelaySeconds: 2, Attempts: 3},
		Headers: []engines.WebhookHeader{{Name: "X-A", Value: "b"}},
		Body:    []byte(`{"id":"evt_` + id + `"}`), Status: store.DeliveryPending,
		NextAttemptAt: now, CreatedAt: now, UpdatedAt: now,
	}
}

func TestOutboxLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s, _ := storetest.Open(t, d)
		var rows []store.Delivery
		for i := range 5 {
			rows = append(rows, delivery(fmt.Sprintf("dlv_%02d", i), "a", "http://r/1"))
		}
		rows = append(rows, delivery("dlv_10", "a", "http://r/2"), delivery("dlv_11", "b", "http://r/1"))
		if err := s.EnqueueDeliveries(ctx, rows); err != nil {
			t.Fatal(err)
		}
		lanes, err := s.PendingLanes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, l := range lanes {
			counts[l.Session+" "+l.URL] = l.Pending
		}
		if len(counts) != 3 || counts["a http://r/1"] != 5 || counts["a http://r/2"] != 1 || counts["b http://r/1"] != 1 {
			t.Fatalf("lanes = %+v", lanes)
		}
		got, err := s.PendingDeliveries(ctx, "a", "http://r/1", 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].ID != "dlv_00" || got[2].ID != "dlv_02" {
			t.Fatalf("pending = %+v", got)
		}
		g := got[0]
		if string(g.Body) != `{"id":"evt_dlv_00"}` || g.HMACKey != "k" || g.Retries.Attempts != 3 ||
			len(g.Headers) != 1 || g.Headers[0].Value != "b" || !g.NextAttemptAt.Equal(rows[0].NextAttemptAt) {
			t.Fatalf("row = %+v", g)
		}

		now := time.Now()
		if err := s.MarkDelivered(ctx, []string{"dlv_00", "dlv_01"}, now); err != nil {
			t.Fatal(err)
		}
		if err := s.AttemptFailed(ctx, "dlv_02", 1, now.Add(time.Minute), "HTTP 500", 500, now); err != nil {
			t.Fatal(err)
		}
		if err := s.AttemptFailed(ctx, "dlv_03", 3, time.Time{}, "connection refused", 0, now); err != nil {
			t.Fatal(err)
		}
		d2, err := s.GetDelivery(ctx, "dlv_02")
		if err != nil {
			t.Fatal(err)
		}
		if d2.Status != store.DeliveryPending || d2.Attempts != 1 || d2.LastCode != 500 || d2.NextAttemptAt.Before(now) {
			t.Fatalf("dlv_02 = %+v", d2)
		}
		failed, err := s.ListDeliveries(ctx, store.DeliveryFilter{Status: store.DeliveryFailed})
		if err != nil {
			t.Fatal(err)
		}
		if len(failed) != 1 || failed[0].ID != "dlv_03" || failed[0].LastError != "connection refused" || len(failed[0].Body) != 0 {
			t.Fatalf("failed = %+v", failed)
		}
		page, err := s.ListDeliveries(ctx, store.DeliveryFilter{Session: "a", Limit: 2, Offset: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != 2 || page[0].ID != "dlv_04" || page[1].ID != "dlv_03" {
			t.Fatalf("page = %+v", page)
		}
		delivered, _ := s.ListDeliveries(ctx, store.DeliveryFilter{Status: store.DeliveryDelivered})
		if len(delivered) != 2 || delivered[0].Attempts != 1 {
			t.Fatalf("delivered = %+v", delivered)
		}

		re, wasPending, err := s.RequeueDelivery(ctx, "dlv_03", now)
		if err != nil || wasPending || re.Status != store.DeliveryPending || re.Attempts != 0 || string(re.Body) == "" {
			t.Fatalf("requeue = %+v, %v, %v", re, wasPending, err)
		}
		if _, _, err := s.RequeueDelivery(ctx, "nope", now); !errors.Is(err, store.ErrDeliveryNotFound) {
			t.Fatalf("requeue unknown: %v", err)
		}
		if _, err := s.GetDelivery(ctx, "nope"); !errors.Is(err, store.ErrDeliveryNotFound) {
			t.Fatalf("get unknown: %v", err)
		}
		n, err := s.PruneDeliveries(ctx, store.DeliveryDelivered, "dlv_01")
		if err != nil || n != 1 {
			t.Fatalf("prune = %d, %v", n, err)
		}

		// A change and its rows commit together, or neither does.
		in := msg("111@c.us", "R1", false, 100, "hi")
		err = s.Record(ctx, func(tx chatstore.Store) ([]store.Delivery, error) {
			if _, err := tx.SaveMessages(ctx, "s", []chatstore.Message{in}, true); err != nil {
				return nil, err
			}
			return []store.Delivery{delivery("dlv_21", "c", "http://r/1")}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetDelivery(ctx, "dlv_21"); err != nil {
			t.Fatalf("recorded row: %v", err)
		}
		boom := errors.New("boom")
		err = s.Record(ctx, func(tx chatstore.Store) ([]store.Delivery, error) {
			if _, err := tx.SaveMessages(ctx, "s", []chatstore.Message{msg("111@c.us", "R2", false, 101, "no")}, true); err != nil {
				return nil, err
			}
			return nil, boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		// A failed outbox write takes the change with it.
		err = s.Record(ctx, func(tx chatstore.Store) ([]store.Delivery, error) {
			if _, err := tx.SaveMessages(ctx, "s", []chatstore.Message{msg("111@c.us", "R3", false, 102, "no")}, true); err != nil {
				return nil, err
			}
			return []store.Delivery{delivery("dlv_21", "c", "http://r/1")}, nil // a duplicate id
		})
		if err == nil {
			t.Fatal("a duplicate delivery id was written")
		}
		for _, id := range []string{"R2", "R3"} {
			if _, err := s.ChatStore().GetMessage(ctx, "s", "", id); !errors.Is(err, engines.ErrNotFound) {
				t.Fatalf("rolled back message %s: %v", id, err)
			}
		}
	})
}

func TestDispatchLock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s1, dsn := storetest.Open(t, d)
		s2, err := store.Open(ctx, dsn, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		l1, err := s1.TryDispatchLock(ctx)
		if err != nil || l1 == nil {
			t.Fatalf("first lock: %v, %v", l1, err)
		}
		if err := l1.Check(ctx); err != nil {
			t.Fatal(err)
		}
		l2, err := s2.TryDispatchLock(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d == store.Postgres && l2 != nil {
			t.Fatal("second process got the lock while the first holds it")
		}
		l1.Release()
		if d == store.Postgres {
			if l2, err = s2.TryDispatchLock(ctx); err != nil || l2 == nil {
				t.Fatalf("lock after release: %v, %v", l2, err)
			}
		}
		l2.Release()
	})
}

package store_test

import (
	"github.com/wagate/wagate/sessions"

	"context"
	"errors"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

func TestSessionsRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s, _ := storetest.Open(t, d)
		if s.Dialect() != d {
			t.Fatalf("dialect = %s, want %s", s.Dialect(), d)
		}
		now := time.UnixMilli(time.Now().UnixMilli())
		enabled := true
		rec := sessions.Record{
			Name: "alpha", Engine: engines.NOWEB, Status: engines.StatusStopped,
			Config: engines.SessionConfig{
				Metadata: map[string]string{"user.id": "42"},
				NOWEB:    &engines.NOWEBConfig{Store: &engines.NOWEBStoreConfig{Enabled: &enabled, FullSync: true}},
				Webhooks: []engines.WebhookConfig{{URL: "http://127.0.0.1:1/hook", Events: []string{"message"}}},
			},
			CreatedAt: now, UpdatedAt: now,
		}
		if err := s.CreateSession(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, rec); !errors.Is(err, sessions.ErrExists) {
			t.Fatalf("second create: err = %v, want ErrSessionExists", err)
		}
		rec.Running = true
		rec.Status = engines.StatusWorking
		rec.Me = &engines.MeInfo{ID: "123@c.us", PushName: "Ann"}
		rec.Failure = "device removed"
		if err := s.SaveSession(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, sessions.Record{Name: "beta", Engine: engines.WEBJS, Status: engines.StatusStopped, CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		got, err := s.ListSessions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Name != "alpha" || got[1].Name != "beta" {
			t.Fatalf("list = %+v", got)
		}
		a := got[0]
		if !a.Running || a.Status != engines.StatusWorking || a.Me == nil || a.Me.PushName != "Ann" ||
			a.Failure != "device removed" || a.Config.Metadata["user.id"] != "42" ||
			!*a.Config.NOWEB.Store.Enabled || !a.Config.NOWEB.Store.FullSync ||
			len(a.Config.Webhooks) != 1 || !a.CreatedAt.Equal(now) {
			t.Fatalf("alpha = %+v", a)
		}
		if err := s.DeleteSession(ctx, "alpha"); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveSession(ctx, rec); !errors.Is(err, sessions.ErrNotFound) {
			t.Fatalf("save deleted: err = %v, want ErrSessionNotFound", err)
		}
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

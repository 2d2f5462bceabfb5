package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storebench"
	"github.com/wagate/wagate/store/storetest"
)

// TestDeepMessagePages: a page at an offset (read through the paging index alone)
// is exactly that slice of the whole filtered list, for every filter and order.
func TestDeepMessagePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s, _ := storetest.Open(t, d)
		cs := s.ChatStore()
		cfg := storebench.Config{Chats: 7, Messages: 3000, Batch: 500}
		if _, _, err := storebench.Ingest(ctx, cs, cfg, nil); err != nil {
			t.Fatal(err)
		}
		fromMe, notMe, ack := true, false, engines.AckDevice
		gte, lte := int64(storebench.Base+100), int64(storebench.Base+2500)
		for _, q := range []engines.MessageQuery{
			{},
			{Chat: chatID(storebench.BusyChat())},
			{Chat: chatID(storebench.ChatID(3)), Order: engines.SortAsc},
			{FromMe: &fromMe},
			{Chat: chatID(storebench.BusyChat()), FromMe: &notMe, Ack: &ack, TimestampGTE: &gte, TimestampLTE: &lte},
			{FromMe: &notMe, Ack: &ack, TimestampGTE: &gte, Order: engines.SortAsc},
		} {
			all, err := cs.ListMessages(ctx, "bench", q)
			if err != nil {
				t.Fatal(err)
			}
			if len(all) < 50 {
				t.Fatalf("%+v: only %d messages", q, len(all))
			}
			for _, off := range []int{1, 37, len(all) - 10, len(all) + 5} {
				q.Offset, q.Limit = off, 20
				page, err := cs.ListMessages(ctx, "bench", q)
				if err != nil {
					t.Fatal(err)
				}
				want := all[min(off, len(all)):min(off+20, len(all))]
				if got, exp := keys(page), keys(want); got != exp {
					t.Errorf("%+v: page = %s, want %s", q, got, exp)
				}
				q.Offset, q.Limit = 0, 0
			}
		}
	})
}

func keys(ms []chatstore.Message) string {
	out := ""
	for _, m := range ms {
		out += fmt.Sprintf("%s/%s/%s ", m.Chat, m.ID, m.Message.Body)
	}
	return out
}

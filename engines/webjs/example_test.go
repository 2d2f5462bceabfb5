package webjs_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/wagate/wagate/engines/webjs"
)

// A session's life: launch, show the QR, wait until working, use it.
func Example() {
	ctx := context.Background()
	d, err := webjs.Launch(ctx, webjs.Config{ProfileDir: "data/sessions/default/chromium"})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()

	go func() {
		for ev := range d.Events() {
			switch ev.Type {
			case webjs.EventQR:
				fmt.Println("scan:", ev.QR)
			case webjs.EventMessage:
				fmt.Println("from", *ev.Message.From, ":", ev.Message.Body)
			}
		}
	}()
	go func() {
		<-d.Died()
		log.Printf("session failed: %v", d.Err()) // restart with backoff
	}()

	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if _, err := d.WaitStatus(wctx, webjs.StatusWorking); err != nil {
		log.Fatal(err)
	}
	chats, err := d.ListChats(ctx, webjs.ListChatsOptions{Limit: 20, SortBy: webjs.SortByTimestamp})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range chats {
		fmt.Println(c.ID, c.UnreadCount)
	}
	if _, err := d.SendText(ctx, webjs.SendTextRequest{ChatID: "12025550108", Text: "hello"}); err != nil {
		log.Fatal(err)
	}
}

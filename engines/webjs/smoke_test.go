package webjs

import (
	"testing"
	"time"

	"github.com/wagate/wagate/engines/webjs/fakeweb"
)

func TestSmoke(t *testing.T) {
	fw := startFake(t, fakeweb.Options{}, fakeweb.Account{Chats: 30, MessagesPerChat: 5})
	h := launch(t, fw, t.TempDir(), Config{})
	h.pairByQR(t)
	chats, err := h.d.ListChats(ctxT(t, 10*time.Second), ListChatsOptions{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", chats)
	for _, e := range h.ev.since(0) {
		t.Logf("%s %s %s", e.Type, e.State, e.QR)
	}
}

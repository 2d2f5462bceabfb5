package webjs

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/wagate/wagate/engines/webjs/fakeweb"
	"github.com/wagate/wagate/engines/webjs/fakeweb/wwebjs"
)

// peerAccount is the fake account both sides run on: 5,000 chats, the
// first with a long history, so its first 100 messages need paging.
func peerAccount() fakeweb.Account {
	return fakeweb.Account{Chats: 5000, MessagesPerChat: 2, GroupEvery: 10, FirstChatMessages: 300, Seed: 11, Now: time.Now().Unix()}
}

// peerFigures are one side's measurements.
type peerFigures struct {
	idle, listed   MemoryUsage // the browser's process tree right after ready, after listing
	list, fetch100 time.Duration
	chats, msgs    int
}

// BenchmarkPeersWEBJS is the WEBJS half of the side-by-side benchmark: on
// the same fake account, one after the other on this machine, our WEBJS
// engine (its Driver: Go → CDP → injected JS → Go structs) and stock
// whatsapp-web.js 1.34.7 (Node → puppeteer → its injected JS → Node
// objects), each in its own Chromium. It prints Markdown rows
// `| row | wagate | whatsapp-web.js | ratio |` (ratio = wagate / peer).
// One run: -benchtime 1x.
//
//	go test ./engines/webjs -run '^$' -bench PeersWEBJS -benchtime 1x
func BenchmarkPeersWEBJS(b *testing.B) {
	browser := browserPath(b)
	for b.Loop() {
		acc := peerAccount()
		ours := benchOurs(b, acc)
		peer := benchWWebJS(b, browser, acc)
		if ours.chats != 5000 || peer.chats != 5000 || ours.msgs != 100 || peer.msgs != 100 {
			b.Fatalf("listed %d/%d chats, fetched %d/%d messages", ours.chats, peer.chats, ours.msgs, peer.msgs)
		}
		mib := func(m MemoryUsage) float64 { return float64(m.PSS) / (1 << 20) }
		ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
		// The header make bench-peers prints once for this table and NOWEB's.
		fmt.Println("| measure | wagate | peer | wagate/peer |")
		fmt.Println("|---|---|---|---|")
		fmt.Println("| **WEBJS vs whatsapp-web.js 1.34.7** (5,000 chats) | | | |")
		row := func(name, unit string, a, p float64) {
			fmt.Printf("| %s | %.1f %s | %.1f %s | %.2f |\n", name, a, unit, p, unit, a/p)
		}
		row("browser PSS, idle after ready", "MiB", mib(ours.idle), mib(peer.idle))
		row("browser PSS, after listing 5,000 chats", "MiB", mib(ours.listed), mib(peer.listed))
		row("list 5,000 chats", "ms", ms(ours.list), ms(peer.list))
		row("fetch the first 100 messages", "ms", ms(ours.fetch100), ms(peer.fetch100))
		b.ReportMetric(mib(ours.idle), "wagate-idle-pss-MiB")
		b.ReportMetric(mib(peer.idle), "wwebjs-idle-pss-MiB")
		b.ReportMetric(mib(ours.listed), "wagate-listed-pss-MiB")
		b.ReportMetric(mib(peer.listed), "wwebjs-listed-pss-MiB")
		b.ReportMetric(ms(ours.list), "wagate-list-ms")
		b.ReportMetric(ms(peer.list), "wwebjs-list-ms")
		b.ReportMetric(ms(ours.fetch100), "wagate-fetch100-ms")
		b.ReportMetric(ms(peer.fetch100), "wwebjs-fetch100-ms")
	}
}

func benchOurs(b *testing.B, acc fakeweb.Account) peerFigures {
	fw := startFake(b, fakeweb.Options{}, acc)
	h := launch(b, fw, b.TempDir(), Config{})
	defer h.d.Close()
	h.pairByQR(b)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var f peerFigures
	var err error
	if f.idle, err = h.d.Memory(); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	chats, err := h.d.ListChats(ctx, ListChatsOptions{Limit: 5000})
	f.list = time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	f.chats = len(chats)
	if f.listed, err = h.d.Memory(); err != nil {
		b.Fatal(err)
	}
	start = time.Now()
	msgs, err := h.d.ListMessages(ctx, chatN(0), ListMessagesOptions{Limit: 100})
	f.fetch100 = time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	f.msgs = len(msgs)
	return f
}

func benchWWebJS(b *testing.B, browser string, acc fakeweb.Account) peerFigures {
	// On fakeweb's default (realistic) latencies: whatsapp-web.js races
	// faster ones (see fakeweb.Options).
	fw := fakeweb.New(fakeweb.Options{Logger: testLogger()})
	fw.SetAccount(acc)
	if err := fw.Start(); err != nil {
		b.Fatal(err)
	}
	defer fw.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r, err := wwebjs.Start(ctx, wwebjs.Options{
		Scenario: "bench", FakewebAddr: fw.TLSAddr(), Chromium: browser, DataDir: b.TempDir(), Stderr: os.Stderr,
		OnEvent: func(l wwebjs.Line) {
			var qr string
			if l.Type == "event" && l.Name == "qr" && len(l.Args) == 1 && json.Unmarshal(l.Args[0], &qr) == nil {
				go func() {
					if err := fw.ScanQR(ctx, qr); err != nil {
						b.Errorf("scanning the QR: %v", err)
					}
				}()
			}
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	var f peerFigures
	var ready struct {
		BrowserPid int `json:"browserPid"`
	}
	if _, err := r.Step(ctx, "ready", &ready); err != nil {
		b.Fatal(err)
	}
	if f.idle, err = processTreeMemory(ready.BrowserPid); err != nil {
		b.Fatal(err)
	}
	if err := r.Continue(nil); err != nil {
		b.Fatal(err)
	}
	var list struct {
		ListMs float64 `json:"listMs"`
		Count  int     `json:"count"`
	}
	if _, err := r.Step(ctx, "getChats", &list); err != nil {
		b.Fatal(err)
	}
	f.list, f.chats = time.Duration(list.ListMs*float64(time.Millisecond)), list.Count
	if f.listed, err = processTreeMemory(ready.BrowserPid); err != nil {
		b.Fatal(err)
	}
	if err := r.Continue(map[string]any{"chatId": chatN(0), "limit": 100}); err != nil {
		b.Fatal(err)
	}
	var fetch struct {
		FetchMs float64 `json:"fetchMs"`
		Count   int     `json:"count"`
	}
	if _, err := r.Step(ctx, "fetchMessages", &fetch); err != nil {
		b.Fatal(err)
	}
	f.fetch100, f.msgs = time.Duration(fetch.FetchMs*float64(time.Millisecond)), fetch.Count
	if err := r.Continue(nil); err != nil {
		b.Fatal(err)
	}
	if done, err := r.Wait(ctx); err != nil || !done.OK {
		b.Fatalf("whatsapp-web.js run: %v %s", err, done.Raw)
	}
	return f
}

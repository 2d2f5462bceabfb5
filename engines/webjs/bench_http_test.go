package webjs

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/enginetest"
	"github.com/wagate/wagate/engines/webjs/fakeweb"
	"github.com/wagate/wagate/media"
	"github.com/wagate/wagate/sessions"
)

// gatewaySession is a test gateway with one WEBJS session "b", paired to
// the fake account acc, its data dir under dataDir.
func gatewaySession(b testing.TB, acc fakeweb.Account, dataDir string) (*enginetest.Gateway, *fakeweb.Server) {
	b.Helper()
	fw := startFake(b, fakeweb.Options{}, acc)
	files, err := media.NewFiles(media.Options{Dir: filepath.Join(dataDir, "media"), BaseURL: "http://gw.test", Download: true})
	if err != nil {
		b.Fatal(err)
	}
	f, err := NewFactory(context.Background(), Options{BrowserPath: browserPath(b), URL: fw.URL(), DataDir: dataDir, Media: files, Log: testLogger()})
	if err != nil {
		b.Fatal(err)
	}
	g := enginetest.NewGateway(b, enginetest.GatewayOptions{Media: files, Factories: map[engines.Name]sessions.Factory{engines.WEBJS: f}})
	g.Expect(g.Do("POST", "/api/sessions", map[string]any{"name": "b", "engine": "WEBJS"}), 201)
	g.WaitStatus("b", engines.StatusScanQRCode, 30*time.Second)
	var qr map[string]string
	g.Expect(g.Do("GET", "/api/b/auth/qr?format=raw", nil), 200).JSON(b, &qr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := fw.ScanQR(ctx, qr["value"]); err != nil {
		b.Fatal(err)
	}
	g.WaitStatus("b", engines.StatusWorking, 60*time.Second)
	return g, fw
}

// reportMemory reports the session's browser memory from the session info
// (GET /api/sessions/b, engine.memory), as clients see it.
func reportMemory(b *testing.B, g *enginetest.Gateway, label string) {
	b.Helper()
	s := g.Session(g.Expect(g.Do("GET", "/api/sessions/b", nil), 200))
	mem, _ := s.Engine["memory"].(map[string]any)
	mib := func(k string) float64 { v, _ := mem[k].(float64); return v / (1 << 20) }
	b.Logf("%s: PSS %.0f MiB, RSS %.0f MiB, peak RSS %.0f MiB, %v processes", label, mib("pss"), mib("rss"), mib("peakRss"), mem["processes"])
	b.ReportMetric(mib("peakRss"), label+"-peak-rss-MiB")
	b.ReportMetric(mib("pss"), label+"-pss-MiB")
}

// BenchmarkHTTPListChats measures GET /api/{session}/chats?limit=100 on a
// 5,000-chat account through the whole gateway (echo, capability gate,
// Manager, engine, CDP, page, JSON), without the test client's OpenAPI
// validation.
//
//	go test ./engines/webjs -run '^$' -bench HTTPListChats -benchtime 300x
func BenchmarkHTTPListChats(b *testing.B) {
	g, _ := gatewaySession(b, fakeweb.Account{Chats: 5000, MessagesPerChat: 2, GroupEvery: 10, PictureEvery: 3}, b.TempDir())
	reportMemory(b, g, "5000-chats")
	var durs []time.Duration
	for b.Loop() {
		req := httptest.NewRequest("GET", "/api/b/chats?limit=100", nil)
		req.Header.Set("X-Api-Key", enginetest.APIKey)
		rec := httptest.NewRecorder()
		start := time.Now()
		g.Handler.ServeHTTP(rec, req)
		durs = append(durs, time.Since(start))
		var chats []engines.Chat
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &chats) != nil || len(chats) != 100 {
			b.Fatalf("status %d, %d chats: %.300s", rec.Code, len(chats), rec.Body.Bytes())
		}
	}
	slices.Sort(durs)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(durs[len(durs)/2]), "p50-ms")
	b.ReportMetric(ms(durs[len(durs)*99/100]), "p99-ms")
}

// BenchmarkSessionMemory reports one session's browser memory idle after
// pairing, then after the conformance suite's operations on it through
// the API (send, list, overview, edit, revoke, archive, unread, read, pin,
// picture, screenshot, clear, delete), 20 rounds.
//
//	go test ./engines/webjs -run '^$' -bench SessionMemory -benchtime 1x
func BenchmarkSessionMemory(b *testing.B) {
	g, fw := gatewaySession(b, fakeweb.Account{Chats: 60, MessagesPerChat: 20, GroupEvery: 10, PictureEvery: 3}, b.TempDir())
	time.Sleep(5 * time.Second) // let the page settle: idle means idle
	reportMemory(b, g, "idle")
	ctx := context.Background()
	for b.Loop() {
		for i := range 20 {
			contact := "4915200000" + string(rune('0'+i%10))
			chat := "/api/b/chats/" + contact + "@c.us"
			var sent engines.Message
			g.Expect(g.Do("POST", "/api/sendText", map[string]string{"session": "b", "chatId": contact + "@c.us", "text": "ping"}), 201).JSON(b, &sent)
			in, err := fw.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: contact + "@c.us", Body: "pong"})
			if err != nil {
				b.Fatal(err)
			}
			g.Expect(g.Do("GET", "/api/b/chats?limit=100", nil), 200)
			g.Expect(g.Do("GET", "/api/b/chats/overview?limit=20", nil), 200)
			g.Expect(g.Do("GET", chat+"/messages?limit=20", nil), 200)
			g.Expect(g.Do("PUT", chat+"/messages/"+sent.ID, map[string]string{"text": "ping!"}), 200)
			g.Expect(g.Do("POST", chat+"/messages/"+sent.ID+"/pin", map[string]int{"duration": 86400}), 201)
			g.Expect(g.Do("POST", chat+"/messages/"+sent.ID+"/unpin", nil), 201)
			g.Expect(g.Do("POST", chat+"/messages/read", nil), 201)
			g.Expect(g.Do("GET", chat+"/messages/"+in, nil), 200)
			g.Expect(g.Do("DELETE", chat+"/messages/"+sent.ID, nil), 200)
			g.Expect(g.Do("POST", chat+"/archive", nil), 201)
			g.Expect(g.Do("POST", chat+"/unarchive", nil), 201)
			g.Expect(g.Do("POST", chat+"/unread", nil), 201)
			g.Expect(g.Do("GET", chat+"/picture", nil), 200)
			g.Expect(g.Do("GET", "/api/screenshot?session=b", nil), 200)
			if i%5 == 4 {
				g.Expect(g.Do("DELETE", chat+"/messages", nil), 200)
				g.Expect(g.Do("DELETE", chat, nil), 200)
			}
		}
	}
	reportMemory(b, g, "after")
}

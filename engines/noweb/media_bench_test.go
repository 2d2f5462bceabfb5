package noweb

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/enginetest"
	"github.com/wagate/wagate/engines/noweb/simnet"
	"github.com/wagate/wagate/media"
	"github.com/wagate/wagate/sessions"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// mediaBench is a gateway with one NOWEB session paired on a simnet, and the
// contact it sends to; media up to 64 MiB, as configured by default.
type mediaBench struct {
	g       *enginetest.Gateway
	srv     *simnet.Server
	contact *simnet.Phone
	chat    string
}

func newMediaBench(b *testing.B) *mediaBench {
	b.Helper()
	key := testRootKey
	srv, err := simnet.New(simnet.Options{Logger: testLogger(), RootPrivateKey: &key, DataDir: b.TempDir(), RequestTimeout: 60 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	trustOnce.Do(func() { simnet.TrustRootKeyForProcess(srv.RootPublicKey(), nil) })
	if err := srv.Start(b.Context(), "127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const me, them = "491530000001", "491530000002"
	if _, err := srv.CreateAccount(ctx, me, "Bench"); err != nil {
		b.Fatal(err)
	}
	contact, err := srv.CreateAccount(ctx, them, "Contact")
	if err != nil {
		b.Fatal(err)
	}
	st, _ := storetest.Open(b, store.SQLite)
	files, err := media.NewFiles(media.Options{Dir: b.TempDir(), BaseURL: enginetest.MediaBaseURL, Download: true})
	if err != nil {
		b.Fatal(err)
	}
	f, err := NewFactory(ctx, Options{DB: st.SQL(), Devices: st.NOWEBDevices(), Dialect: string(st.Dialect()), Log: testLogger(), StoreEnabled: true,
		Chats: st.ChatStore(), Media: files, ConfigureClient: simnetClient(srv.Addr())})
	if err != nil {
		b.Fatal(err)
	}
	g := enginetest.NewGateway(b, enginetest.GatewayOptions{Store: st, Media: files, Factories: map[engines.Name]sessions.Factory{engines.NOWEB: f}})
	g.Expect(g.Raw("POST", "/api/sessions", map[string]any{"name": "bench", "engine": "NOWEB"}), 201)
	g.WaitStatus("bench", engines.StatusScanQRCode, 30*time.Second)
	var qr map[string]string
	g.Expect(g.Raw("GET", "/api/bench/auth/qr?format=raw", nil), 200).JSON(b, &qr)
	if _, err := srv.ScanQR(ctx, me, qr["value"]); err != nil {
		b.Fatal(err)
	}
	g.WaitStatus("bench", engines.StatusWorking, 30*time.Second)
	return &mediaBench{g: g, srv: srv, contact: contact, chat: them + "@c.us"}
}

// post sends a body through the gateway's handler and returns the status.
func (m *mediaBench) post(path string, body io.Reader) (int, []byte) {
	req := httptest.NewRequest("POST", path, body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Api-Key", enginetest.APIKey)
	rec := httptest.NewRecorder()
	m.g.Handler.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// waitReceived waits until the contact's phone has downloaded n media messages.
func (m *mediaBench) waitReceived(b *testing.B, n int) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	count := 0
	if _, err := m.contact.WaitFor(ctx, func(e simnet.Event) bool {
		if e.Type == "message" && e.Media != nil && e.Media.Error == "" && e.Media.SHA256 != "" {
			count++
		}
		return count >= n
	}); err != nil {
		b.Fatalf("the contact got %d of %d files: %v", count, n, err)
	}
}

// benchJPEG is a JPEG of about size bytes (noise compresses badly).
func benchJPEG(b *testing.B, size int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	for side := 200; ; side += 20 {
		img := image.NewRGBA(image.Rect(0, 0, side, side))
		for i := range img.Pix {
			img.Pix[i] = byte(r.IntN(256))
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
			b.Fatal(err)
		}
		if buf.Len() >= size {
			return buf.Bytes()
		}
	}
}

// procStatus reads a kB field of /proc/self/status.
func procStatus(field string) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// resetPeak lowers the process's peak RSS (VmHWM) to its RSS now (Linux).
func resetPeak() {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// BenchmarkSendImageAPI: WAGATE_MEDIA_SENDS (default 1,000) sends of a 200 KiB
// JPEG through POST /api/sendImage (base64 in the body) to a contact on simnet,
// WAGATE_MEDIA_CONCURRENCY (default 4) at a time; it waits until the contact's
// phone has downloaded and decrypted every one, and reports sends per second and
// the process's peak RSS (the contact's phone and simnet included: one process).
//
//	go test ./engines/noweb -run '^$' -bench SendImageAPI -benchtime 1x -timeout 30m
func BenchmarkSendImageAPI(b *testing.B) {
	sends := envInt("WAGATE_MEDIA_SENDS", 1000)
	workers := envInt("WAGATE_MEDIA_CONCURRENCY", 4)
	m := newMediaBench(b)
	img := benchJPEG(b, 200<<10)
	body, _ := json.Marshal(map[string]any{"session": "bench", "chatId": m.chat, "caption": "bench",
		"file": map[string]any{"mimetype": "image/jpeg", "filename": "bench.jpg", "data": base64.StdEncoding.EncodeToString(img)}})
	for range b.N {
		resetPeak()
		before := procStatus("VmRSS")
		start := time.Now()
		var next atomic.Int64
		var wg sync.WaitGroup
		var failed atomic.Value
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(sends) {
					if code, out := m.post("/api/sendImage", bytes.NewReader(body)); code != http.StatusCreated {
						failed.Store(fmt.Sprintf("%d %s", code, out))
						return
					}
				}
			}()
		}
		wg.Wait()
		if f := failed.Load(); f != nil {
			b.Fatalf("send failed: %v", f)
		}
		took := time.Since(start)
		m.waitReceived(b, sends)
		peak := procStatus("VmHWM")
		b.ReportMetric(float64(sends)/took.Seconds(), "sends/s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
		b.Logf("%d sends of a %d KiB JPEG, %d at a time, in %s (%.1f/s); all received; RSS %d MiB before, peak %d MiB",
			sends, len(img)>>10, workers, took.Round(time.Millisecond), float64(sends)/took.Seconds(), before>>20, peak>>20)
	}
}

// BenchmarkSendFileMemory sends one document of 1, 16 and 60 MiB through POST
// /api/sendFile, the body streamed in (its base64 made as it is read), and
// reports how far the process's RSS peaked above where it was: the file passes
// through on disk (gate spool, spooled file, encrypted copy, media host, the
// contact's download), so the peak must not grow with the file.
//
//	go test ./engines/noweb -run '^$' -bench SendFileMemory -benchtime 1x
func BenchmarkSendFileMemory(b *testing.B) {
	m := newMediaBench(b)
	received := 0
	for _, size := range []int{1 << 20, 16 << 20, 60 << 20} {
		b.Run(media.FormatBytes(int64(size)), func(b *testing.B) {
			for range b.N {
				resetPeak()
				before := procStatus("VmRSS")
				pr, pw := io.Pipe()
				go func() {
					fmt.Fprintf(pw, `{"session":"bench","chatId":%q,"file":{"mimetype":"application/octet-stream","filename":"big.bin","data":"`, m.chat)
					enc := base64.NewEncoder(base64.StdEncoding, pw)
					_, err := io.CopyN(enc, rand.NewChaCha8([32]byte{byte(size >> 20)}), int64(size))
					if err == nil {
						err = enc.Close()
					}
					if err == nil {
						_, err = io.WriteString(pw, `"}}`)
					}
					pw.CloseWithError(err)
				}()
				start := time.Now()
				if code, out := m.post("/api/sendFile", pr); code != http.StatusCreated {
					b.Fatalf("%d %s", code, out)
				}
				took := time.Since(start)
				received++
				m.waitReceived(b, received)
				peak := procStatus("VmHWM")
				b.ReportMetric(float64(peak-before)/(1<<20), "peak-over-RSS-MiB")
				b.Logf("%s sent in %s, received; RSS %d MiB, peak %d MiB (+%d MiB)", media.FormatBytes(int64(size)),
					took.Round(time.Millisecond), before>>20, peak>>20, (peak-before)>>20)
			}
		})
	}
}

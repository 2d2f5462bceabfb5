package baileys

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/engines/noweb/simnet"
	"github.com/wagate/wagate/internal/wait"
)

// Baileys' shapes, as much of them as the checks read.
type (
	key struct {
		RemoteJid string `json:"remoteJid"`
		FromMe    bool   `json:"fromMe"`
		ID        string `json:"id"`
	}
	waMessage struct {
		Key     key             `json:"key"`
		Message json.RawMessage `json:"message"`
		// Status: 2 server ack, 3 delivered, 4 read (a number in updates, a
		// name in upserts).
		Status any `json:"status"`
	}
	connUpdate struct {
		Connection     string `json:"connection"`
		QR             string `json:"qr"`
		LastDisconnect *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"lastDisconnect"`
	}
)

func testLogger(t *testing.T) *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("SIMNET_VERBOSE") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// startSimnet starts a simnet with the default first-response delay: Baileys
// needs it.
func startSimnet(t *testing.T) *simnet.Server {
	t.Helper()
	srv, err := simnet.New(simnet.Options{Logger: testLogger(t), DataDir: t.TempDir(), RequestTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	simnet.TrustRootKeyForProcess(srv.RootPublicKey(), nil)
	if err := srv.Start(context.WithoutCancel(t.Context()), "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

func startPeer(t *testing.T, pkg, addr string) *Peer {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute) // npm ci on a cold cache
	defer cancel()
	verbose := os.Getenv("BAILEYS_VERBOSE") != ""
	p, err := Start(ctx, Options{Package: pkg, SimnetAddr: addr, LogLevel: os.Getenv("BAILEYS_LOG_LEVEL"), Log: func(l string) {
		if verbose {
			t.Log(l)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, e := range p.AllEvents() {
				t.Logf("event %s %s: %.600s", e.Sock, e.Name, e.Data)
			}
			t.Logf("problems: %s", strings.Join(p.Problems(), "\n"))
		}
		_ = p.Close()
	})
	return p
}

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decoding %.300s: %v", raw, err)
	}
	return v
}

// waitConn waits for a connection update of sock that match accepts,
// failing on a close other than the 515 restart.
func waitConn(t *testing.T, ctx context.Context, p *Peer, sock string, match func(connUpdate) bool) connUpdate {
	t.Helper()
	var got connUpdate
	_, err := p.WaitEvent(ctx, sock, "connection.update", func(e Event) bool {
		u := decode[connUpdate](t, e.Data)
		if u.Connection == "close" && (u.LastDisconnect == nil || u.LastDisconnect.Code != 515) {
			got = u
			return true
		}
		if match(u) {
			got = u
			return true
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Connection == "close" && (got.LastDisconnect == nil || got.LastDisconnect.Code != 515) {
		t.Fatalf("%s closed: %+v", sock, got.LastDisconnect)
	}
	return got
}

// waitMessage waits for an event of sock, messages.upsert or
// messages.update (any of names), naming message id, for which match holds.
// Baileys' event buffer folds an update that comes while the message's
// upsert is still buffered into the upsert.
func waitMessage(t *testing.T, ctx context.Context, p *Peer, sock, id string, match func(m waMessage, raw string) bool, names ...string) waMessage {
	t.Helper()
	var got waMessage
	_, err := p.WaitEvent(ctx, sock, "", func(e Event) bool {
		if !slices.Contains(names, e.Name) {
			return false
		}
		var list []json.RawMessage
		if e.Name == "messages.upsert" {
			list = decode[struct {
				Messages []json.RawMessage `json:"messages"`
			}](t, e.Data).Messages
		} else {
			list = decode[[]json.RawMessage](t, e.Data)
		}
		for _, raw := range list {
			var m waMessage
			if e.Name == "messages.update" {
				u := decode[struct {
					Key    key             `json:"key"`
					Update json.RawMessage `json:"update"`
				}](t, raw)
				m = decode[waMessage](t, u.Update)
				m.Key = u.Key
				raw = u.Update
			} else {
				m = decode[waMessage](t, raw)
			}
			if m.Key.ID == id && (match == nil || match(m, string(raw))) {
				got = m
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("%s: no %s of message %s: %v", sock, strings.Join(names, " or "), id, err)
	}
	return got
}

func jpegBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// TestBaileysOnSimnet runs stock Baileys, the current 6.x and 6.7.x, on
// simnet: both logins, history sync, text and media both ways, edit,
// revoke, read receipts both ways, an archive made by the phone. Every
// step is checked on the other side (the simulated phone, or Baileys'
// events), and Baileys logs no error or warning but the 515 restart.
func TestBaileysOnSimnet(t *testing.T) {
	for i, pkg := range []string{Current, Legacy} {
		t.Run(pkg, func(t *testing.T) { runScenario(t, pkg, i) })
	}
}

func runScenario(t *testing.T, pkg string, n int) {
	srv := startSimnet(t)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	mePN, codePN, bobPN := fmt.Sprintf("4915200%05d", n*10+1), fmt.Sprintf("4915200%05d", n*10+2), fmt.Sprintf("4915200%05d", n*10+3)
	me, err := srv.CreateAccount(ctx, mePN, "Me")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.CreateAccount(ctx, codePN, "Coder"); err != nil {
		t.Fatal(err)
	}
	bob, err := srv.CreateAccount(ctx, bobPN, "Bob")
	if err != nil {
		t.Fatal(err)
	}
	bobJID := bobPN + "@s.whatsapp.net"
	// Before the pairing: the history sync carries it.
	before, err := bob.SendText(ctx, mePN, "before you paired")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := me.WaitFor(ctx, func(e simnet.Event) bool { return e.Type == "message" && e.ID == before }); err != nil {
		t.Fatal(err)
	}

	p := startPeer(t, pkg, srv.Addr())

	// QR login: the phone scans the QR Baileys shows; 515; open.
	if err := p.Call(ctx, "start", map[string]any{"sock": "qr", "authDir": filepath.Join(t.TempDir(), "qr")}, nil); err != nil {
		t.Fatal(err)
	}
	qr := waitConn(t, ctx, p, "qr", func(u connUpdate) bool { return u.QR != "" }).QR
	if _, err := srv.ScanQR(ctx, mePN, qr); err != nil {
		t.Fatalf("ScanQR: %v", err)
	}
	waitConn(t, ctx, p, "qr", func(u connUpdate) bool { return u.Connection == "open" })

	// The history sync arrives, with the message from before.
	hist, err := p.WaitEvent(ctx, "qr", "messaging-history.set", func(e Event) bool { return strings.Contains(string(e.Data), before) })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(hist.Data), "before you paired") {
		t.Errorf("history sync lacks the text of %s: %.500s", before, hist.Data)
	}

	// A text from Bob.
	hello, err := bob.SendText(ctx, mePN, "hello baileys")
	if err != nil {
		t.Fatal(err)
	}
	waitMessage(t, ctx, p, "qr", hello, func(m waMessage, raw string) bool {
		return strings.Contains(string(m.Message), "hello baileys")
	}, "messages.upsert")

	// A text to Bob, as his phone sees it.
	var sent key
	if err := p.Call(ctx, "sendText", map[string]any{"sock": "qr", "jid": bobJID, "text": "hi bob"}, &sent); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.WaitFor(ctx, func(e simnet.Event) bool { return e.Type == "message" && e.ID == sent.ID && e.Text == "hi bob" }); err != nil {
		t.Fatalf("Bob's phone never got Baileys' text: %v", err)
	}

	// Read receipts: Baileys reads Bob's message; Bob reads Baileys'.
	if err := p.Call(ctx, "read", map[string]any{"sock": "qr", "keys": []key{{RemoteJid: bobJID, ID: hello}}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.WaitFor(ctx, func(e simnet.Event) bool {
		return e.Type == "receipt" && e.ReceiptType == "read" && strings.Contains(strings.Join(e.IDs, ","), hello)
	}); err != nil {
		t.Fatalf("Bob never saw Baileys read his message: %v", err)
	}
	if err := bob.MarkRead(ctx, mePN, "", sent.ID); err != nil {
		t.Fatal(err)
	}
	waitMessage(t, ctx, p, "qr", sent.ID, func(m waMessage, _ string) bool { return m.Status == 4.0 || m.Status == "READ" }, "messages.update", "messages.upsert")

	// Edits both ways.
	if err := p.Call(ctx, "edit", map[string]any{"sock": "qr", "jid": bobJID, "key": sent, "text": "hi bob!"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.WaitFor(ctx, func(e simnet.Event) bool { return e.Type == "edit" && e.ID == sent.ID && e.Text == "hi bob!" }); err != nil {
		t.Fatalf("Bob never saw Baileys' edit: %v", err)
	}
	if err := bob.Edit(ctx, mePN, hello, "hello, baileys"); err != nil {
		t.Fatal(err)
	}
	waitMessage(t, ctx, p, "qr", hello, func(_ waMessage, raw string) bool {
		return strings.Contains(raw, "editedMessage") && strings.Contains(raw, "hello, baileys")
	}, "messages.update")

	// Revokes both ways.
	if err := p.Call(ctx, "revoke", map[string]any{"sock": "qr", "jid": bobJID, "key": sent}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.WaitFor(ctx, func(e simnet.Event) bool { return e.Type == "revoke" && e.ID == sent.ID }); err != nil {
		t.Fatalf("Bob never saw Baileys' revoke: %v", err)
	}
	if err := bob.Revoke(ctx, mePN, hello); err != nil {
		t.Fatal(err)
	}
	waitMessage(t, ctx, p, "qr", hello, func(_ waMessage, raw string) bool {
		return strings.Contains(raw, `"messageStubType":1`)
	}, "messages.update")

	// Media both ways: an image from Bob, downloaded by Baileys; one from
	// Baileys, downloaded and decrypted by Bob's phone.
	pic := jpegBytes(t)
	picID, err := bob.SendMedia(ctx, mePN, simnet.Media{Data: pic, Mimetype: "image/jpeg", Caption: "a picture"})
	if err != nil {
		t.Fatal(err)
	}
	waitMessage(t, ctx, p, "qr", picID, func(m waMessage, _ string) bool {
		return strings.Contains(string(m.Message), "imageMessage")
	}, "messages.upsert")
	var dl struct {
		Data string `json:"data"`
	}
	if err := p.Call(ctx, "download", map[string]any{"sock": "qr", "id": picID}, &dl); err != nil {
		t.Fatal(err)
	}
	if got, _ := base64.StdEncoding.DecodeString(dl.Data); !bytes.Equal(got, pic) {
		t.Errorf("Baileys downloaded %d bytes (sha256 %s), want Bob's %d (%s)", len(got), sha(got), len(pic), sha(pic))
	}
	var sentPic key
	if err := p.Call(ctx, "sendImage", map[string]any{"sock": "qr", "jid": bobJID, "data": base64.StdEncoding.EncodeToString(pic),
		"mimetype": "image/jpeg", "caption": "from baileys", "thumbnail": base64.StdEncoding.EncodeToString(pic)}, &sentPic); err != nil {
		t.Fatal(err)
	}
	got, err := bob.WaitFor(ctx, func(e simnet.Event) bool { return e.Type == "message" && e.ID == sentPic.ID })
	if err != nil {
		t.Fatalf("Bob never got Baileys' image: %v", err)
	}
	if m := got.Media; m == nil || m.Error != "" || m.SHA256 != sha(pic) || m.Caption != "from baileys" || m.Type != "image" {
		t.Errorf("Bob's phone got Baileys' image as %+v, want an image of sha256 %s captioned \"from baileys\"", m, sha(pic))
	}

	// An archive made on the phone reaches Baileys as a chat update.
	if err := me.Archive(ctx, bobJID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := p.WaitEvent(ctx, "qr", "chats.update", func(e Event) bool {
		for _, c := range decode[[]struct {
			ID       string `json:"id"`
			Archived *bool  `json:"archived"`
		}](t, e.Data) {
			if c.ID == bobJID && c.Archived != nil && *c.Archived {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("the phone's archive never reached Baileys: %v", err)
	}

	// Pairing-code login of another account.
	if err := p.Call(ctx, "start", map[string]any{"sock": "code", "authDir": filepath.Join(t.TempDir(), "code")}, nil); err != nil {
		t.Fatal(err)
	}
	waitConn(t, ctx, p, "code", func(u connUpdate) bool { return u.QR != "" })
	var code struct {
		Code string `json:"code"`
	}
	if err := p.Call(ctx, "requestPairingCode", map[string]any{"sock": "code", "phone": codePN}, &code); err != nil {
		t.Fatal(err)
	}
	// requestPairingCode returns once its request is written, maybe before
	// simnet has read it: the phone's user types the code when it is shown,
	// here until simnet knows it.
	wait.Context(t, ctx, func() error {
		_, err := srv.EnterPairingCode(ctx, codePN, code.Code)
		if err != nil && !errors.Is(err, simnet.ErrNoPendingPair) {
			t.Fatalf("EnterPairingCode(%q): %v", code.Code, err)
		}
		return err
	})
	waitConn(t, ctx, p, "code", func(u connUpdate) bool { return u.Connection == "open" })
	var meCode struct {
		ID string `json:"id"`
	}
	if err := p.Call(ctx, "me", map[string]any{"sock": "code"}, &meCode); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(meCode.ID, codePN+":") {
		t.Errorf("the pairing-code socket is %q, want a device of %s", meCode.ID, codePN)
	}

	// The history sync was processed once.
	var hs int
	for _, e := range p.Events("qr", "messaging-history.set") {
		if strings.Contains(string(e.Data), before) {
			hs++
		}
	}
	if hs != 1 {
		t.Errorf("Baileys processed the history sync %d times, want once", hs)
	}

	for _, s := range []string{"qr", "code"} {
		if err := p.Call(ctx, "end", map[string]any{"sock": s}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if probs := p.Problems(); len(probs) > 0 {
		t.Errorf("Baileys %s logged %d errors or warnings:\n%s", pkg, len(probs), strings.Join(probs, "\n"))
	}
}

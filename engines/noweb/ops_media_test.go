package noweb

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/noweb/simnet"
	"github.com/wagate/wagate/media"
	"github.com/wagate/wagate/store"
)

// testFiles is a media directory for a test, its URLs under base.
func testFiles(t testing.TB, base string) *media.Files {
	t.Helper()
	f, err := media.NewFiles(media.Options{Dir: t.TempDir(), BaseURL: base, Download: true, MaxBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// mediaFactory is the env's factory with a media directory.
func (e *env) mediaFactory(t *testing.T, files *media.Files) *Factory {
	t.Helper()
	f, err := NewFactory(t.Context(), Options{
		DB: e.db.SQL(), Devices: e.db.NOWEBDevices(), Dialect: string(e.db.Dialect()), Log: e.log, StoreEnabled: true, Chats: e.db.ChatStore(),
		Media: files, ConfigureClient: simnetClient(e.srv.Addr()),
	})
	if err != nil {
		t.Fatal(err)
	}
	return f.(*Factory)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestSendMedia: every kind of media message reaches the contact's phone, which
// decrypts the file to what was sent, with its caption, type, thumbnail, length
// and waveform; the sent file becomes the message's media file.
func TestSendMedia(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx := testCtx(t)
	const me, them = "491510000041", "491510000042"
	if _, err := e.srv.CreateAccount(ctx, me, "Alice"); err != nil {
		t.Fatal(err)
	}
	bob, err := e.srv.CreateAccount(ctx, them, "Bob")
	if err != nil {
		t.Fatal(err)
	}
	files := testFiles(t, "http://gw.example")
	eng, h := newEngine(t, e.mediaFactory(t, files), "media")
	pairByQR(t, ctx, e, eng, h, me)
	chat, _ := engines.ParseChatID(them)
	quoted, err := bob.SendText(ctx, me, "send me the files")
	if err != nil {
		t.Fatal(err)
	}
	waitMessages(t, ctx, eng, chat.String(), hasBody("send me the files"))
	reply := engines.MessageID{FromMe: false, Chat: chat, ID: string(quoted)}

	for _, c := range []struct {
		kind     engines.MediaKind
		mimetype string
		asNote   bool
		want     string // the phone's media type
	}{
		{engines.MediaImage, "image/jpeg", false, "image"},
		{engines.MediaDocument, "application/pdf", false, "document"},
		{engines.MediaVoice, media.VoiceMimetype, false, "ptt"},
		{engines.MediaVideo, "video/mp4", false, "video"},
		{engines.MediaVideo, "video/mp4", true, "ptv"},
	} {
		data := bytes.Repeat([]byte(c.want), 50_000)
		file, err := files.Spool(bytes.NewReader(data), c.mimetype, "report."+c.want)
		if err != nil {
			t.Fatal(err)
		}
		req := engines.SendMedia{Chat: chat, Kind: c.kind, Caption: "about " + c.want, ReplyTo: &reply, AsNote: c.asNote,
			Mentions: []engines.ChatID{chat},
			File: engines.MediaFile{Path: file.Path, Size: file.Size, Mimetype: c.mimetype, Filename: file.Filename,
				Thumbnail: []byte("\xff\xd8 thumb"), Width: 640, Height: 480, Seconds: 7, Waveform: []byte{0, 50, 100}}}
		m, err := eng.SendMedia(ctx, req)
		if err != nil {
			t.Fatalf("%s: %v", c.want, err)
		}
		if !m.HasMedia || !m.FromMe || m.Media == nil || m.Media.URL == nil || *m.Media.Mimetype != c.mimetype || m.Ack != engines.AckServer {
			t.Fatalf("%s: answered %+v (media %+v)", c.want, m, m.Media)
		}
		raw := m.ID[strings.LastIndex(m.ID, "_")+1:]
		ev, err := bob.WaitFor(ctx, func(ev simnet.Event) bool { return ev.Type == "message" && ev.ID == raw })
		if err != nil {
			t.Fatalf("%s: the contact got nothing: %v", c.want, err)
		}
		got := ev.Media
		if got == nil || got.Error != "" || got.Type != c.want || got.SHA256 != sha(data) || got.Mimetype != c.mimetype || got.ReplyTo != string(quoted) ||
			len(got.Mentions) != 1 || got.Mentions[0] != them+"@s.whatsapp.net" {
			t.Fatalf("%s: the contact got %+v", c.want, got)
		}
		switch c.want {
		case "image", "video":
			if got.Caption != "about "+c.want || string(got.Thumbnail) != "\xff\xd8 thumb" || got.Width != 640 || got.Height != 480 {
				t.Errorf("%s: %+v", c.want, got)
			}
		case "ptt":
			if got.Seconds != 7 || !bytes.Equal(got.Waveform, []byte{0, 50, 100}) || got.Caption != "" {
				t.Errorf("voice note: %+v", got)
			}
		case "document":
			if got.Caption != "about document" || got.Filename != "report.document" {
				t.Errorf("document: %+v", got)
			}
		case "ptv":
			if got.Caption != "" || got.Seconds != 7 {
				t.Errorf("video note: %+v", got)
			}
		}
		// The sent file is the message's media file now: served, not downloaded back.
		name := (*m.Media.URL)[strings.LastIndex(*m.Media.URL, "/")+1:]
		if kept, err := os.ReadFile(files.Path("media", name)); err != nil || !bytes.Equal(kept, data) {
			t.Fatalf("%s: kept file %d bytes, %v", c.want, len(kept), err)
		}
		stored, err := eng.GetMessage(ctx, chat, engines.MessageID{ID: raw, Bare: true}, true)
		if err != nil || stored.Media == nil || stored.Media.URL == nil || *stored.Media.URL != *m.Media.URL {
			t.Fatalf("%s: stored %+v, %v", c.want, stored, err)
		}
	}
}

// TestIncomingMedia: a contact's media is downloaded before its events go out,
// so they carry media.url; a file over the limit carries media.error, and with
// downloads off media is null. A file the sweep removed is fetched again.
func TestIncomingMedia(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx := testCtx(t)
	const me, them = "491510000043", "491510000044"
	if _, err := e.srv.CreateAccount(ctx, me, "Alice"); err != nil {
		t.Fatal(err)
	}
	bob, err := e.srv.CreateAccount(ctx, them, "Bob")
	if err != nil {
		t.Fatal(err)
	}
	files, err := media.NewFiles(media.Options{Dir: t.TempDir(), BaseURL: "http://gw", Download: true, MaxBytes: 20_000, Lifetime: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	eng, h := newEngine(t, e.mediaFactory(t, files), "in")
	pairByQR(t, ctx, e, eng, h, me)
	chat := them + "@c.us"

	for _, typ := range simnet.MediaTypes {
		data := bytes.Repeat([]byte(typ), 2000)
		id, err := bob.SendMedia(ctx, me, simnet.Media{Data: data, Mimetype: "application/octet-stream", Type: typ, Caption: "c"})
		if err != nil {
			t.Fatal(err)
		}
		full := "false_" + chat + "_" + string(id)
		p := h.waitEmitted(t, ctx, "message", func(p any) bool { m, ok := p.(engines.Message); return ok && m.ID == full }).(engines.Message)
		if !p.HasMedia || p.Media == nil || p.Media.URL == nil || p.MediaURL == nil || *p.MediaURL != *p.Media.URL || p.Media.Error != nil {
			t.Fatalf("%s: message event %+v, media %+v", typ, p, p.Media)
		}
		name := (*p.Media.URL)[strings.LastIndex(*p.Media.URL, "/")+1:]
		if got, err := os.ReadFile(files.Path("in", name)); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s: file %d bytes, %v", typ, len(got), err)
		}
		if ev := h.waitEmitted(t, ctx, "message.any", func(p any) bool { m, ok := p.(engines.Message); return ok && m.ID == full }).(engines.Message); ev.Media == nil || ev.Media.URL == nil {
			t.Fatalf("%s: message.any without media: %+v", typ, ev)
		}
	}

	// Over the limit: the event says why there is no file.
	big, err := bob.SendMedia(ctx, me, simnet.Media{Data: make([]byte, 20_001), Mimetype: "image/png"})
	if err != nil {
		t.Fatal(err)
	}
	p := h.waitEmitted(t, ctx, "message", func(p any) bool { m, ok := p.(engines.Message); return ok && strings.HasSuffix(m.ID, string(big)) }).(engines.Message)
	if p.Media == nil || p.Media.URL != nil || p.Media.Error == nil || !strings.Contains(p.Media.Error.Message, "media.maxBytes") {
		t.Fatalf("over the limit: %+v", p.Media)
	}

	// Swept: reading the message with downloadMedia fetches it again.
	small, _ := bob.SendMedia(ctx, me, simnet.Media{Data: []byte("tiny image"), Mimetype: "image/png"})
	p = h.waitEmitted(t, ctx, "message", func(p any) bool { m, ok := p.(engines.Message); return ok && strings.HasSuffix(m.ID, string(small)) }).(engines.Message)
	name := (*p.Media.URL)[strings.LastIndex(*p.Media.URL, "/")+1:]
	old := time.Now().Add(-2 * time.Minute)
	os.Chtimes(files.Path("in", name), old, old)
	if files.Sweep(time.Now()) == 0 || files.Exists("in", name) {
		t.Fatal("sweep removed nothing")
	}
	c, _ := engines.ParseChatID(chat)
	m, err := eng.GetMessage(ctx, c, engines.MessageID{ID: string(small), Bare: true}, true)
	if err != nil || m.Media == nil || m.Media.URL == nil || !files.Exists("in", name) {
		t.Fatalf("after the sweep: %+v, %v", m, err)
	}
	if m, _ := eng.GetMessage(ctx, c, engines.MessageID{ID: string(small), Bare: true}, false); m.Media != nil {
		t.Fatalf("downloadMedia=false: %+v", m.Media)
	}
}

// TestIncomingMediaNotDownloaded: with downloads off, a media message's events
// carry hasMedia and media null, as WAHA's with WHATSAPP_DOWNLOAD_MEDIA=false.
func TestIncomingMediaNotDownloaded(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx := testCtx(t)
	const me, them = "491510000045", "491510000046"
	if _, err := e.srv.CreateAccount(ctx, me, "Alice"); err != nil {
		t.Fatal(err)
	}
	bob, _ := e.srv.CreateAccount(ctx, them, "Bob")
	files, _ := media.NewFiles(media.Options{Dir: t.TempDir(), BaseURL: "http://gw", Download: false})
	eng, h := newEngine(t, e.mediaFactory(t, files), "off")
	pairByQR(t, ctx, e, eng, h, me)
	id, err := bob.SendMedia(ctx, me, simnet.Media{Data: []byte("img"), Mimetype: "image/png"})
	if err != nil {
		t.Fatal(err)
	}
	p := h.waitEmitted(t, ctx, "message", func(p any) bool { m, ok := p.(engines.Message); return ok && strings.HasSuffix(m.ID, string(id)) }).(engines.Message)
	if !p.HasMedia || p.Media != nil || p.MediaURL != nil {
		t.Fatalf("downloads off: %+v", p)
	}
}

package webjs

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/wagate/wagate/engines"
)

// TestSendMediaKeepsTheFile: the file sent becomes the message's media file,
// kept under the id the page chose before it sent; media.url links to it.
func TestSendMediaKeepsTheFile(t *testing.T) {
	e, pg, _ := started(t)
	files := e.f.opts.Media
	tmp, err := files.TempFile("in-*")
	if err != nil {
		t.Fatal(err)
	}
	tmp.WriteString("jpeg bytes")
	tmp.Close()
	m, err := e.SendMedia(context.Background(), engines.SendMedia{Chat: chatID(t, "1@c.us"), Kind: engines.MediaImage, Caption: "c",
		File: engines.MediaFile{Path: tmp.Name(), Size: 10, Mimetype: "image/jpeg"}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Media == nil || m.Media.URL == nil || *m.Media.URL != "http://gw.test/api/files/s1/3EB0M.jpeg" || m.Source != "api" {
		t.Fatalf("sent %+v, media %+v", m, m.Media)
	}
	if b, err := os.ReadFile(files.Path("s1", "3EB0M.jpeg")); err != nil || string(b) != "jpeg bytes" {
		t.Fatalf("kept %q, %v", b, err)
	}
	if c := pg.Calls(); !strings.HasPrefix(c[len(c)-1], "sendMedia image 1@c.us") {
		t.Fatalf("calls %v", c)
	}
	// A video note is not something WhatsApp Web sends.
	if _, err := e.SendMedia(context.Background(), engines.SendMedia{Chat: chatID(t, "1@c.us"), Kind: engines.MediaVideo, AsNote: true}); !errors.Is(err, engines.ErrNotAllowed) {
		t.Fatalf("asNote: %v", err)
	}
}

// TestIncomingMediaByConfig: a new message's media is downloaded before its
// event when media.* wants it; over the size limit its event says why not.
func TestIncomingMediaByConfig(t *testing.T) {
	e, pg, _ := started(t)
	pg.media = Media{Data: []byte("png"), Mimetype: "image/png"}
	m := Message{ID: "false_1@c.us_IN", HasMedia: true, Media: &MediaInfo{Mimetype: "image/png", Size: 3}}
	out := e.incoming(context.Background(), pg, m)
	if out.Media == nil || out.Media.URL == nil || *out.MediaURL != "http://gw.test/api/files/s1/IN.png" {
		t.Fatalf("downloaded: %+v", out.Media)
	}
	big := Message{ID: "false_1@c.us_BIG", HasMedia: true, Media: &MediaInfo{Mimetype: "image/png", Size: e.f.opts.Media.MaxBytes() + 1}}
	out = e.incoming(context.Background(), pg, big)
	if out.Media == nil || out.Media.URL != nil || out.Media.Error == nil || !strings.Contains(out.Media.Error.Message, "media.maxBytes") {
		t.Fatalf("over the limit: %+v", out.Media)
	}
	for _, c := range pg.Calls() {
		if strings.Contains(c, "BIG") {
			t.Fatalf("downloaded a file over the limit: %v", pg.Calls())
		}
	}
	if out := e.incoming(context.Background(), pg, Message{ID: "false_1@c.us_TXT", Body: "hi"}); out.Media != nil {
		t.Fatalf("text with media %+v", out.Media)
	}
}

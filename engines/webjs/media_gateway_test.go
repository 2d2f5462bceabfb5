package webjs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/webjs/fakeweb"
)

// TestMediaThroughGateway: an incoming image is downloaded and decrypted
// in the page, saved under <data dir>/media/<session>/, and its media.url
// names the file under /api/files/{session}/.
func TestMediaThroughGateway(t *testing.T) {
	dataDir := t.TempDir()
	g, fw := gatewaySession(t, fakeweb.Account{}, dataDir)
	img := []byte("\xFF\xD8\xFF\xE0 a small jpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	id, err := fw.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: "491520000001@c.us", Body: "look",
		Media: &fakeweb.Media{Type: "image", Mimetype: "image/jpeg", Data: img}})
	if err != nil {
		t.Fatal(err)
	}
	var m engines.Message
	g.Expect(g.Do("GET", "/api/b/chats/491520000001@c.us/messages/"+id+"?downloadMedia=true", nil), 200).JSON(t, &m)
	raw := id[strings.LastIndex(id, "_")+1:]
	if !m.HasMedia || m.Media == nil || m.Media.URL == nil || *m.Media.URL != "http://gw.test/api/files/b/"+raw+".jpeg" || m.Body != "look" {
		t.Fatalf("message %+v, media %+v", m, m.Media)
	}
	got, err := os.ReadFile(filepath.Join(dataDir, "media", "b", raw+".jpeg"))
	if err != nil || !bytes.Equal(got, img) {
		t.Fatalf("saved media %q, %v", got, err)
	}
	// Without downloadMedia the message says it has media and downloads nothing.
	var ms []engines.Message
	g.Expect(g.Do("GET", "/api/b/chats/491520000001@c.us/messages?downloadMedia=false", nil), 200).JSON(t, &ms)
	if len(ms) != 1 || !ms[0].HasMedia || ms[0].Media != nil {
		t.Fatalf("listed without download: %+v", ms)
	}
}

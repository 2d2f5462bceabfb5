package simnet

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.mau.fi/whatsmeow/types/events"
)

// TestMediaFromContact: a contact sends an image and a document; the session gets
// the messages and downloads and decrypts the files from simnet's media host.
func TestMediaFromContact(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	alice, err := srv.CreateAccount(ctx, "491510000021", "Alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := srv.CreateAccount(ctx, "491510000022", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	c := newCompanion(t, srv, "alice-media")
	pairByQR(t, srv, "491510000021", c)

	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 3000)...)
	id, err := bob.SendMedia(ctx, alice.JID().String(), Media{Data: png, Mimetype: "image/png", Caption: "a picture"})
	if err != nil {
		t.Fatalf("SendMedia: %v", err)
	}
	msg := waitEvent(t, ctx, c.rec, func(m *events.Message) bool { return m.Info.ID == id })
	img := msg.Message.GetImageMessage()
	if img == nil || img.GetCaption() != "a picture" || img.GetMimetype() != "image/png" {
		t.Fatalf("session got %v", msg.Message)
	}
	data, err := c.cli.Download(ctx, img)
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	if !bytes.Equal(data, png) {
		t.Fatalf("downloaded %d bytes, not the %d sent", len(data), len(png))
	}

	pdf := []byte("%PDF-1.4 simnet")
	id, err = bob.SendMedia(ctx, alice.JID().String(), Media{Data: pdf, Mimetype: "application/pdf", Filename: "terms.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	msg = waitEvent(t, ctx, c.rec, func(m *events.Message) bool { return m.Info.ID == id })
	doc := msg.Message.GetDocumentMessage()
	if doc == nil || doc.GetFileName() != "terms.pdf" {
		t.Fatalf("session got %v", msg.Message)
	}
	if data, err := c.cli.Download(ctx, doc); err != nil || !bytes.Equal(data, pdf) {
		t.Fatalf("document download: %v", err)
	}
	if _, err := bob.SendMedia(ctx, alice.JID().String(), Media{}); err == nil {
		t.Fatal("empty media sent")
	}

	// The same through the control API: the file as base64 in JSON.
	body, _ := json.Marshal(map[string]any{"to": "491510000021", "text": "via http",
		"media": map[string]any{"mimetype": "image/jpeg", "data": []byte("\xff\xd8\xff jpeg")}})
	res, err := http.Post("http://"+srv.Addr()+"/simnet/api/accounts/491510000022/messages", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]string
	json.NewDecoder(res.Body).Decode(&out)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || out["id"] == "" {
		t.Fatalf("control API media send: %d %v", res.StatusCode, out)
	}
	msg = waitEvent(t, ctx, c.rec, func(m *events.Message) bool { return m.Info.ID == out["id"] })
	if msg.Message.GetImageMessage().GetCaption() != "via http" {
		t.Fatalf("session got %v", msg.Message)
	}
}

// TestPhonesExchangeEveryMediaType: a phone sends each kind of media message; the
// other phone downloads and decrypts each as it arrives, and its events (and the
// control API) show what arrived.
func TestPhonesExchangeEveryMediaType(t *testing.T) {
	srv := newTestServer(t)
	ctx := testCtx(t)
	alice, err := srv.CreateAccount(ctx, "491510000031", "Alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := srv.CreateAccount(ctx, "491510000032", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	for i, typ := range MediaTypes {
		data := bytes.Repeat([]byte{byte(i + 1)}, 1000+i)
		m := Media{Data: data, Mimetype: map[string]string{"image": "image/jpeg", "sticker": "image/webp", "video": "video/mp4",
			"ptv": "video/mp4", "audio": "audio/mpeg", "ptt": "audio/ogg; codecs=opus", "document": "application/pdf"}[typ],
			Type: typ, Filename: "f.pdf", Caption: "cap " + typ, Seconds: 3, Waveform: []byte{1, 2, 3}, Width: 4, Height: 5}
		id, err := bob.SendMedia(ctx, alice.JID().String(), m)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		ev, err := alice.WaitFor(ctx, func(e Event) bool { return e.Type == "message" && e.ID == string(id) })
		if err != nil {
			t.Fatal(err)
		}
		got := ev.Media
		sum := sha256.Sum256(data)
		if got == nil || got.Error != "" || got.Type != typ || got.Mimetype != m.Mimetype || got.SHA256 != hex.EncodeToString(sum[:]) || got.Size != int64(len(data)) {
			t.Fatalf("%s arrived as %+v", typ, got)
		}
		switch typ {
		case "image", "video", "document":
			if got.Caption != "cap "+typ {
				t.Errorf("%s caption %q", typ, got.Caption)
			}
		case "ptt":
			if got.Seconds != 3 || !bytes.Equal(got.Waveform, []byte{1, 2, 3}) {
				t.Errorf("voice note %+v", got)
			}
		}
		res, err := http.Get("http://" + srv.Addr() + got.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Equal(body, data) {
			t.Fatalf("%s: control API served %d, %d bytes", typ, res.StatusCode, len(body))
		}
	}
	res, _ := http.Get("http://" + srv.Addr() + "/simnet/api/accounts/491510000031/media/NOSUCHID")
	if res.StatusCode != 404 {
		t.Fatalf("unknown media: %d", res.StatusCode)
	}
	res.Body.Close()

	// Through the control API, as a script does it.
	body, _ := json.Marshal(map[string]any{"to": "491510000031", "type": "ptt", "mimetype": "audio/ogg; codecs=opus", "data": []byte("OggS voice"), "seconds": 2})
	res, err = http.Post("http://"+srv.Addr()+"/simnet/api/accounts/491510000032/media", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]string
	json.NewDecoder(res.Body).Decode(&out)
	res.Body.Close()
	if res.StatusCode != 200 || out["id"] == "" {
		t.Fatalf("control API media send: %d %v", res.StatusCode, out)
	}
	ev, err := alice.WaitFor(ctx, func(e Event) bool { return e.ID == out["id"] })
	if err != nil || ev.Media == nil || ev.Media.Type != "ptt" || ev.Media.Seconds != 2 {
		t.Fatalf("voice note via control API: %+v, %v", ev.Media, err)
	}
	for _, bad := range []map[string]any{{"type": "ptt", "mimetype": "audio/ogg", "data": []byte("x")}, {"to": "491510000031", "type": "gif", "mimetype": "video/mp4", "data": []byte("x")}} {
		body, _ := json.Marshal(bad)
		res, _ := http.Post("http://"+srv.Addr()+"/simnet/api/accounts/491510000032/media", "application/json", bytes.NewReader(body))
		res.Body.Close()
		if res.StatusCode != 400 {
			t.Errorf("%v: %d, want 400", bad, res.StatusCode)
		}
	}
}

// TestMediaHostChecksUploads: as WhatsApp's, the media host refuses an upload
// whose token is not its hash, or without the media_conn auth. The token may
// come without its base64 padding, as Baileys sends it.
func TestMediaHostChecksUploads(t *testing.T) {
	srv := newTestServer(t)
	body := []byte("encrypted bytes")
	sum := sha256.Sum256(body)
	token := base64.URLEncoding.EncodeToString(sum[:])
	wrong := base64.URLEncoding.EncodeToString(make([]byte, 32))
	for _, c := range []struct {
		path string
		want int
	}{
		{"/mms/image/" + token + "?auth=simnet&token=" + token, 200},
		{"/mms/image/" + strings.TrimRight(token, "=") + "?auth=simnet&token=" + strings.TrimRight(token, "="), 200},
		{"/mms/image/" + wrong + "?auth=simnet&token=" + wrong, 400},
		{"/mms/image/" + token + "?auth=other&token=" + token, 401},
	} {
		res, err := http.Post("http://"+srv.Addr()+c.path, "application/octet-stream", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]string
		json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Fatalf("%s: %d, want %d", c.path, res.StatusCode, c.want)
		}
		if c.want != 200 {
			continue
		}
		res, _ = http.Get("http://" + srv.Addr() + out["direct_path"] + "&hash=x")
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !bytes.Equal(got, body) {
			t.Fatalf("download: %q", got)
		}
	}
}

package simnet

import (
	"bytes"
	"encoding/json"
	"net/http"
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

package enginetest

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wagate/wagate/engines"
)

// Media is a file a phone sends, or what it received: Type is image, video,
// audio, ptt (a voice note), document or sticker.
type Media struct {
	Type     string
	Mimetype string
	Filename string
	Caption  string
	Data     []byte
	// What came with a received message: length, waveform, a thumbnail.
	Seconds   int
	Waveform  []byte
	Thumbnail bool
}

// MediaMaxBytes is media.maxBytes of the suite's gateways: small, so that the
// 413 for a file over it is cheap to provoke.
const MediaMaxBytes = 2 << 20

// mediaOps are the media operations the suite drives.
var mediaOps = []string{"messages.sendImage", "messages.sendFile", "messages.sendVoice", "messages.sendVideo"}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// rawOf is the key id of a serialized message id.
func rawOf(id string) string {
	parts := strings.Split(id, "_")
	if len(parts) < 3 {
		return id
	}
	return parts[2]
}

// mediaPNG is a w×h PNG: red left, blue right.
func mediaPNG(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{R: 220, G: 30, B: 30, A: 255}
			if x >= w/2 {
				c = color.RGBA{R: 30, G: 30, B: 220, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testWAV is a 16-bit mono WAV of a tone, loud for its first half.
func testWAV(seconds float64) []byte {
	const rate = 8000
	n := int(seconds * rate)
	var pcm bytes.Buffer
	for i := range n {
		amp := 12000.0
		if i > n/2 {
			amp = 600
		}
		binary.Write(&pcm, binary.LittleEndian, int16(amp*math.Sin(2*math.Pi*440*float64(i)/rate)))
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+pcm.Len()))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(rate * 2), uint16(2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(pcm.Len()))
	b.Write(pcm.Bytes())
	return b.Bytes()
}

// testClip is a one-second WebM (VP8 and Opus) made by ffmpeg: a video that
// is not what WhatsApp plays until converted.
func testClip(t *testing.T) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "clip.webm")
	cmd := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10",
		"-f", "lavfi", "-i", "sine=duration=1", "-t", "1", "-c:v", "libvpx", "-c:a", "libopus", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg (.ci/run installs Debian's ffmpeg): %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fileHost serves files for file.url: /name answers files[name], /missing 404,
// anything else 500; /big a file one byte over MediaMaxBytes; /to-metadata
// redirects to the cloud metadata address, which the gateway never reaches.
func fileHost(t *testing.T, files map[string][]byte) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		switch {
		case name == "missing":
			http.NotFound(w, r)
		case name == "big":
			w.Write(make([]byte, MediaMaxBytes+1))
		case name == "to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case files[name] != nil:
			w.Write(files[name])
		default:
			http.Error(w, "broken", http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// filePath is the gateway path of a media.url.
func filePath(t *testing.T, mediaURL string) string {
	t.Helper()
	u, err := url.Parse(mediaURL)
	if err != nil || !strings.HasPrefix(u.Path, "/api/files/") {
		t.Fatalf("media.url %q is not a file of the gateway", mediaURL)
	}
	return u.Path
}

// mediaOf reads an event payload's media object.
func mediaOf(p map[string]any) (url, mimetype string, ok bool) {
	m, _ := p["media"].(map[string]any)
	if m == nil {
		return "", "", false
	}
	url, _ = m["url"].(string)
	mimetype, _ = m["mimetype"].(string)
	return url, mimetype, url != ""
}

// sendMedia: every media send reaches the contact, whose phone decrypts what
// was sent (converted where asked), with its caption and what WhatsApp shows
// before the download; the message.any of each links to the file the gateway
// kept.
func (s *suite) sendMedia(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "sm")
	if !ok || !s.supports(t, p, append(mediaOps, "chats.messages")...) {
		return
	}
	_, theirs := s.converse(t, p)
	chat := p.cNum + "@c.us"
	img := mediaPNG(t, 120, 80)
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("report "), 3000)...)
	host := fileHost(t, map[string][]byte{"report.pdf": pdf, "clip.webm": testClip(t)})

	send := func(op string, body map[string]any) engines.Message {
		t.Helper()
		body["session"], body["chatId"] = "sm", chat
		var m engines.Message
		g.Expect(g.Do("POST", "/api/"+op, body), 201).JSON(t, &m)
		if !strings.HasPrefix(m.ID, "true_"+chat+"_") || !m.FromMe || !m.HasMedia {
			t.Fatalf("%s answered %+v", op, m)
		}
		return m
	}
	arrived := func(m engines.Message) Media {
		t.Helper()
		got, err := p.contact.WaitMedia(ctx(t, stepWithin), p.meNum, rawOf(m.ID))
		if err != nil {
			t.Fatalf("the contact did not get %s: %v", m.ID, err)
		}
		// Its message.any links to the file the gateway kept, as sent.
		ev := g.WaitEvent("sm", "message.any", idIs(m.ID), stepWithin)
		g.CheckSchema("WAMessage", ev.Payload)
		if u, _, ok := mediaOf(ev.Payload); !ok || !bytes.Equal(g.Expect(g.Do("GET", filePath(t, u), nil), 200).Body, got.Data) {
			t.Fatalf("message.any of %s: media %v", m.ID, ev.Payload["media"])
		}
		return got
	}

	// An image as base64, replying to the contact's message.
	m := send("sendImage", map[string]any{"caption": "a picture", "reply_to": theirs,
		"file": map[string]any{"mimetype": "image/png", "filename": "pic.png", "data": b64(img)}})
	got := arrived(m)
	if got.Type != "image" || got.Mimetype != "image/png" || !bytes.Equal(got.Data, img) || got.Caption != "a picture" || !got.Thumbnail {
		t.Fatalf("image arrived as %+v (%d bytes)", got.Type, len(got.Data))
	}

	// A document by URL.
	m = send("sendFile", map[string]any{"caption": "the report",
		"file": map[string]any{"mimetype": "application/pdf", "filename": "report.pdf", "url": host.URL + "/report.pdf"}})
	got = arrived(m)
	if got.Type != "document" || got.Mimetype != "application/pdf" || got.Filename != "report.pdf" || !bytes.Equal(got.Data, pdf) || got.Caption != "the report" {
		t.Fatalf("document arrived as %s %q %q %q (%d bytes)", got.Type, got.Mimetype, got.Filename, got.Caption, len(got.Data))
	}

	// A WAV made a voice note: Ogg/Opus with its length and waveform.
	m = send("sendVoice", map[string]any{"convert": true, "file": map[string]any{"mimetype": "audio/wav", "data": b64(testWAV(2))}})
	got = arrived(m)
	if got.Type != "ptt" || !strings.HasPrefix(got.Mimetype, "audio/ogg") || !bytes.HasPrefix(got.Data, []byte("OggS")) ||
		got.Seconds < 1 || len(got.Waveform) != 64 || got.Waveform[5] <= got.Waveform[60] {
		t.Fatalf("voice note arrived as %s %q, %d s, waveform %v", got.Type, got.Mimetype, got.Seconds, got.Waveform)
	}

	// A WebM by URL made an H.264 MP4, with its first frame as thumbnail.
	m = send("sendVideo", map[string]any{"convert": true, "caption": "a clip",
		"file": map[string]any{"mimetype": "video/webm", "filename": "clip.webm", "url": host.URL + "/clip.webm"}})
	got = arrived(m)
	if got.Type != "video" || got.Mimetype != "video/mp4" || len(got.Data) < 12 || string(got.Data[4:8]) != "ftyp" ||
		got.Caption != "a clip" || !got.Thumbnail || got.Seconds != 1 {
		t.Fatalf("video arrived as %s %q, caption %q, %d s, thumbnail %v", got.Type, got.Mimetype, got.Caption, got.Seconds, got.Thumbnail)
	}
	// A sent message read back with downloadMedia links to the same file.
	var one engines.Message
	g.Expect(g.Do("GET", "/api/sm/chats/"+chat+"/messages/"+m.ID+"?downloadMedia=true", nil), 200).JSON(t, &one)
	if one.Media == nil || one.Media.URL == nil || !bytes.Equal(g.Expect(g.Do("GET", filePath(t, *one.Media.URL), nil), 200).Body, got.Data) {
		t.Fatalf("sent video read back: %+v", one.Media)
	}
}

// receiveMedia: every kind of media a contact sends arrives as message and
// message.any with a valid WAMessage payload whose media.url serves the file,
// downloaded before the event went out.
func (s *suite) receiveMedia(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "rm")
	if !ok || !s.supports(t, p, append(mediaOps, "chats.messages", "chats.message")...) {
		return
	}
	chat := p.cNum + "@c.us"
	for _, m := range []Media{
		{Type: "image", Mimetype: "image/png", Caption: "look", Data: mediaPNG(t, 30, 20)},
		{Type: "video", Mimetype: "video/mp4", Caption: "watch", Data: append([]byte("\x00\x00\x00\x18ftypmp42"), bytes.Repeat([]byte{1}, 5000)...)},
		{Type: "audio", Mimetype: "audio/mpeg", Data: append([]byte("ID3"), bytes.Repeat([]byte{2}, 4000)...)},
		{Type: "ptt", Mimetype: "audio/ogg; codecs=opus", Data: append([]byte("OggS"), bytes.Repeat([]byte{3}, 3000)...)},
		{Type: "document", Mimetype: "application/pdf", Filename: "terms.pdf", Caption: "read this", Data: []byte("%PDF-1.4 terms")},
		{Type: "sticker", Mimetype: "image/webp", Data: append([]byte("RIFF\x00\x00\x00\x00WEBP"), bytes.Repeat([]byte{4}, 800)...)},
	} {
		raw, err := p.contact.SendMedia(ctx(t, stepWithin), p.meNum, m)
		if err != nil {
			t.Fatalf("%s: %v", m.Type, err)
		}
		id := "false_" + chat + "_" + raw
		for _, name := range []string{"message", "message.any"} {
			ev := g.WaitEvent("rm", name, idIs(id), stepWithin)
			g.CheckSchema("WAMessage", ev.Payload)
			u, mt, ok := mediaOf(ev.Payload)
			if ev.Payload["hasMedia"] != true || !ok || mt != m.Mimetype || ev.Payload["mediaUrl"] != u {
				t.Fatalf("%s %s of a %s: %v", name, id, m.Type, ev.Payload)
			}
			if body, _ := ev.Payload["body"].(string); m.Caption != "" && body != m.Caption {
				t.Errorf("%s of a %s: body %q, want the caption %q", name, m.Type, body, m.Caption)
			}
			if m.Filename != "" {
				if fn, _ := ev.Payload["media"].(map[string]any)["filename"].(string); fn != m.Filename {
					t.Errorf("%s of a %s: filename %q", name, m.Type, fn)
				}
			}
			if got := g.Expect(g.Do("GET", filePath(t, u), nil), 200).Body; !bytes.Equal(got, m.Data) {
				t.Fatalf("%s: the file at media.url is %d bytes, not the %d sent", m.Type, len(got), len(m.Data))
			}
		}
		var one engines.Message
		g.Expect(g.Do("GET", "/api/rm/chats/"+chat+"/messages/"+id+"?downloadMedia=true", nil), 200).JSON(t, &one)
		if !one.HasMedia || one.Media == nil || one.Media.URL == nil {
			t.Fatalf("%s by id: %+v", m.Type, one)
		}
	}
	var list []engines.Message
	g.Expect(g.Do("GET", "/api/rm/chats/"+chat+"/messages?limit=10&downloadMedia=false", nil), 200).JSON(t, &list)
	if len(list) != 6 {
		t.Fatalf("listed %d messages, want 6", len(list))
	}
	for _, m := range list {
		if !m.HasMedia || m.Media != nil {
			t.Errorf("without downloadMedia: %s has media %v, %+v", m.ID, m.HasMedia, m.Media)
		}
	}
}

// mediaBadInput: each bad file is a 400 naming the field, a URL that fails a
// 422 with what it answered, a file over media.maxBytes a 413 naming the limit,
// and a conversion without ffmpeg a 422 naming it. Nothing is sent.
func (s *suite) mediaBadInput(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "mb")
	if !ok || !s.supports(t, p, mediaOps...) {
		return
	}
	chat := p.cNum + "@c.us"
	host := fileHost(t, nil)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	png := b64(mediaPNG(t, 4, 4))
	for _, c := range []struct {
		op     string
		body   map[string]any
		status int
		says   string
	}{
		{"sendImage", map[string]any{}, 400, "file: required"},
		{"sendImage", map[string]any{"file": "pic.png"}, 400, "file: expected an object"},
		{"sendImage", map[string]any{"file": map[string]any{"mimetype": "image/png"}}, 400, "file: needs file.url"},
		{"sendImage", map[string]any{"file": map[string]any{"mimetype": "image/png", "data": png, "url": host.URL + "/x.png"}}, 400, "not both"},
		{"sendImage", map[string]any{"file": map[string]any{"mimetype": "image/png", "data": "not*base64"}}, 400, "file.data: not valid base64"},
		{"sendImage", map[string]any{"file": map[string]any{"mimetype": "image/png", "data": 42}}, 400, "file.data"},
		{"sendImage", map[string]any{"file": map[string]any{"mimetype": "not a type", "data": png}}, 400, "file.mimetype"},
		{"sendImage", map[string]any{"file": map[string]any{"mimetype": "application/pdf", "data": png}}, 400, "file.mimetype"},
		{"sendImage", map[string]any{"file": map[string]any{"data": b64([]byte{0, 1, 2, 3, 4, 5})}}, 400, "file.mimetype"},
		{"sendVoice", map[string]any{"file": map[string]any{"mimetype": "video/mp4", "data": png}}, 400, "file.mimetype"},
		{"sendImage", map[string]any{"chatId": "nobody", "file": map[string]any{"mimetype": "image/png", "data": png}}, 400, "chatId"},
		{"sendImage", map[string]any{"reply_to": "maybe_x", "file": map[string]any{"mimetype": "image/png", "data": png}}, 400, "reply_to"},
		{"sendVideo", map[string]any{"convert": "yes", "file": map[string]any{"mimetype": "video/mp4", "data": png}}, 400, "convert"},
		{"sendFile", map[string]any{"file": map[string]any{"mimetype": "application/pdf", "url": "ftp://example.com/x.pdf"}}, 400, "file.url"},
		{"sendFile", map[string]any{"file": map[string]any{"mimetype": "application/pdf", "url": "http://169.254.169.254/latest/meta-data/"}}, 400, "file.url"},
		{"sendFile", map[string]any{"file": map[string]any{"mimetype": "application/pdf", "url": host.URL + "/to-metadata"}}, 400, "file.url"},
		{"sendFile", map[string]any{"file": map[string]any{"mimetype": "application/pdf", "url": host.URL + "/missing"}}, 422, "404"},
		{"sendFile", map[string]any{"file": map[string]any{"mimetype": "application/pdf", "url": host.URL + "/broken"}}, 422, "500"},
		{"sendFile", map[string]any{"file": map[string]any{"mimetype": "application/pdf", "url": deadURL + "/x.pdf"}}, 422, "file.url"},
		{"sendFile", map[string]any{"file": map[string]any{"mimetype": "application/pdf", "url": host.URL + "/big"}}, 413, "2 MiB (media.maxBytes)"},
		{"sendFile", map[string]any{"file": map[string]any{"mimetype": "application/pdf", "data": b64(make([]byte, MediaMaxBytes+1))}}, 413, "2 MiB (media.maxBytes)"},
	} {
		body := map[string]any{"session": "mb", "chatId": chat}
		for k, v := range c.body {
			body[k] = v
		}
		e := g.Expect(g.Do("POST", "/api/"+c.op, body), c.status).Err(t)
		if msg, _ := e["message"].(string); !strings.Contains(msg, c.says) {
			t.Errorf("%s %v: %d %q, want it to say %q", c.op, c.body, c.status, msg, c.says)
		}
	}
	// A body over the limit is refused before it is read.
	huge := fmt.Sprintf(`{"session":"mb","chatId":%q,"file":{"mimetype":"application/pdf","data":"%s"}}`, chat, strings.Repeat("A", MediaMaxBytes*4/3+2<<20))
	if e := g.Expect(g.Do("POST", "/api/sendFile", huge), 413).Err(t); !strings.Contains(e["message"].(string), "media.maxBytes") {
		t.Errorf("huge body: %v", e)
	}
	// Not JSON, or no session.
	g.Expect(g.Do("POST", "/api/sendImage", `{"session": "mb", "file": {`), 400)
	if e := g.Expect(g.Do("POST", "/api/sendImage", map[string]any{"chatId": chat}), 400).Err(t); !strings.Contains(e["message"].(string), "session") {
		t.Errorf("no session: %v", e)
	}
	// Converting needs ffmpeg: without it, a 422 that says so.
	t.Setenv("PATH", t.TempDir())
	e := g.Expect(g.Do("POST", "/api/sendVoice", map[string]any{"session": "mb", "chatId": chat, "convert": true,
		"file": map[string]any{"mimetype": "audio/wav", "data": b64(testWAV(0.5))}}), 422).Err(t)
	if msg, _ := e["message"].(string); !strings.Contains(msg, "ffmpeg is not installed") {
		t.Errorf("without ffmpeg: %v", e)
	}
	// Nothing of it reached the contact: the chat has no messages (WEBJS: there
	// is no chat at all).
	r := g.Do("GET", "/api/mb/chats/"+chat+"/messages?downloadMedia=false", nil)
	var msgs []engines.Message
	if r.Status != http.StatusNotFound {
		g.Expect(r, 200).JSON(t, &msgs)
	}
	if len(msgs) != 0 {
		t.Fatalf("bad input sent %d messages: %+v", len(msgs), msgs)
	}
}

// convertMedia: the Media conversions answer the converted file, as bytes or as
// Base64File JSON.
func (s *suite) convertMedia(t *testing.T) {
	g := s.gateway(t, nil)
	p, ok := s.pair(t, g, "cv")
	if !ok || !s.supports(t, p, "media.convertVoice", "media.convertVideo") {
		return
	}
	host := fileHost(t, map[string][]byte{"clip.webm": testClip(t)})
	r := g.Expect(g.Do("POST", "/api/cv/media/convert/voice", map[string]any{"data": b64(testWAV(1))}), 200)
	if r.Header.Get("Content-Type") != "audio/ogg; codecs=opus" || !bytes.HasPrefix(r.Body, []byte("OggS")) {
		t.Fatalf("voice: %q, %.8q", r.Header.Get("Content-Type"), r.Body)
	}
	var file struct{ Mimetype, Data string }
	g.Expect(g.Do("POST", "/api/cv/media/convert/voice", map[string]any{"data": b64(testWAV(1))}, "Accept", "application/json"), 200).JSON(t, &file)
	if data, err := base64.StdEncoding.DecodeString(file.Data); err != nil || file.Mimetype != "audio/ogg; codecs=opus" || !bytes.HasPrefix(data, []byte("OggS")) {
		t.Fatalf("voice as JSON: %q, %v", file.Mimetype, err)
	}
	r = g.Expect(g.Do("POST", "/api/cv/media/convert/video", map[string]any{"url": host.URL + "/clip.webm"}), 200)
	if r.Header.Get("Content-Type") != "video/mp4" || len(r.Body) < 12 || string(r.Body[4:8]) != "ftyp" {
		t.Fatalf("video: %q, %.12q", r.Header.Get("Content-Type"), r.Body)
	}
	for _, c := range []struct {
		body   map[string]any
		status int
		says   string
	}{
		{map[string]any{}, 400, "url or data"},
		{map[string]any{"data": "AAAA", "url": host.URL + "/clip.webm"}, 400, "not both"},
		{map[string]any{"url": host.URL + "/missing"}, 422, "404"},
		{map[string]any{"data": b64([]byte("no sound here"))}, 422, "cannot convert"},
	} {
		e := g.Expect(g.Do("POST", "/api/cv/media/convert/voice", c.body), c.status).Err(t)
		if msg, _ := e["message"].(string); !strings.Contains(msg, c.says) {
			t.Errorf("convert %v: %q, want %q", c.body, msg, c.says)
		}
	}
	raw, _ := json.Marshal(map[string]any{"data": b64(testWAV(1))})
	t.Setenv("PATH", t.TempDir())
	if e := g.Expect(g.Do("POST", "/api/cv/media/convert/voice", raw), 422).Err(t); !strings.Contains(e["message"].(string), "ffmpeg") {
		t.Errorf("without ffmpeg: %v", e)
	}
}

package media

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/engines"
)

func newFiles(t *testing.T, max int64) *Files {
	t.Helper()
	f, err := NewFiles(Options{Dir: t.TempDir(), BaseURL: "http://gw:3000/", MaxBytes: max, Download: true})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestBase64WriterDecodesInPieces(t *testing.T) {
	data := make([]byte, 10_001)
	rand.Read(data)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding} {
		text := enc.EncodeToString(data)
		// With line breaks, as MIME writes it.
		var wrapped strings.Builder
		for i := 0; i < len(text); i += 76 {
			wrapped.WriteString(text[i:min(i+76, len(text))] + "\r\n")
		}
		for _, in := range []string{text, wrapped.String()} {
			for _, piece := range []int{1, 3, 7, 4096} {
				var out bytes.Buffer
				w := &Base64Writer{W: &out}
				for i := 0; i < len(in); i += piece {
					if _, err := w.Write([]byte(in[i:min(i+piece, len(in))])); err != nil {
						t.Fatalf("piece %d: %v", piece, err)
					}
				}
				if err := w.Close(); err != nil {
					t.Fatalf("close: %v", err)
				}
				if !bytes.Equal(out.Bytes(), data) {
					t.Fatalf("piece %d: decoded %d bytes, not the %d encoded", piece, out.Len(), len(data))
				}
			}
		}
	}
}

func TestBase64WriterRefusesWhatIsNot(t *testing.T) {
	for _, in := range []string{"AAAA*AAA", "A", "AAAAA", "AA=A", "A===", "AAA==", "AA=", "=AAA", "data:image/png;base64,AAAA"} {
		w := &Base64Writer{W: &bytes.Buffer{}}
		_, err := w.Write([]byte(in))
		if err == nil {
			err = w.Close()
		}
		var be *Base64Error
		if !errors.As(err, &be) {
			t.Errorf("%q: err %v, want a Base64Error", in, err)
		}
	}
}

func TestSpoolRefusesOverTheLimit(t *testing.T) {
	f := newFiles(t, 1000)
	file, err := f.Spool(bytes.NewReader(make([]byte, 1000)), "application/pdf", "a.pdf")
	if err != nil || file.Size != 1000 || file.Mimetype != "application/pdf" {
		t.Fatalf("at the limit: %+v, %v", file, err)
	}
	file.Remove()
	_, err = f.Spool(bytes.NewReader(make([]byte, 1001)), "", "")
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Limit != 1000 || !strings.Contains(err.Error(), "1000 bytes") {
		t.Fatalf("over the limit: %v", err)
	}
	if left, _ := os.ReadDir(filepath.Join(f.Dir(), ".spool")); len(left) != 0 {
		t.Fatalf("spool directory keeps %d files", len(left))
	}
	// No mimetype given: sniffed.
	pngFile, err := f.Spool(bytes.NewReader(pngBytes(t, 10, 10)), "", "")
	if err != nil || pngFile.Mimetype != "image/png" {
		t.Fatalf("sniffed %+v, %v", pngFile, err)
	}
}

func TestFetch(t *testing.T) {
	f := newFiles(t, 1<<20)
	img := pngBytes(t, 20, 10)
	mux := http.NewServeMux()
	mux.HandleFunc("/pics/cat.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(img)
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusGone) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 1<<20+1)) })
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush() // no Content-Length: the limit is found while copying
		for range 20 {
			w.Write(make([]byte, 64<<10))
		}
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/pics/cat.png", http.StatusFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx := context.Background()

	file, err := f.Fetch(ctx, srv.Client(), srv.URL+"/moved?token=secret", "", "")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(file.Path)
	if !bytes.Equal(got, img) || file.Mimetype != "image/png" || file.Filename != "cat.png" {
		t.Fatalf("fetched %+v (%d bytes)", file, len(got))
	}
	file.Remove()
	_, err = f.Fetch(ctx, srv.Client(), srv.URL+"/gone?token=secret", "", "")
	var fe *FetchError
	if !errors.As(err, &fe) || fe.Status != 410 || strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "410") {
		t.Fatalf("410: %v", err)
	}
	for _, p := range []string{"/big", "/chunked"} {
		var tl *TooLargeError
		if _, err := f.Fetch(ctx, srv.Client(), srv.URL+p, "", ""); !errors.As(err, &tl) {
			t.Fatalf("%s: %v, want too large", p, err)
		}
	}
	// Nothing listens there.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	if _, err := f.Fetch(ctx, srv.Client(), deadURL+"/x", "", ""); !errors.As(err, &fe) || fe.Status != 0 {
		t.Fatalf("no answer: %v", err)
	}
	if _, err := f.Fetch(ctx, srv.Client(), "ftp://example.com/x", "", ""); !errors.Is(err, ErrBadURL) {
		t.Fatalf("ftp: %v", err)
	}
	if left, _ := os.ReadDir(filepath.Join(f.Dir(), ".spool")); len(left) != 0 {
		t.Fatalf("spool directory keeps %d files", len(left))
	}
}

func TestWants(t *testing.T) {
	f, _ := NewFiles(Options{Dir: t.TempDir(), MaxBytes: 100, Download: true, Mimetypes: []string{"image", "audio/ogg"}})
	for _, c := range []struct {
		mt     string
		size   int64
		ok     bool
		reason bool
	}{
		{"image/jpeg", 10, true, false},
		{"audio/ogg; codecs=opus", 10, true, false},
		{"video/mp4", 10, false, false},
		{"image/png", 101, false, true},
	} {
		ok, reason := f.Wants(c.mt, c.size)
		if ok != c.ok || (reason != "") != c.reason {
			t.Errorf("Wants(%s, %d) = %v, %q", c.mt, c.size, ok, reason)
		}
	}
	off, _ := NewFiles(Options{Dir: t.TempDir()})
	if ok, _ := off.Wants("image/png", 1); ok {
		t.Error("downloads off, yet wanted")
	}
}

func TestSweepRemovesOldFiles(t *testing.T) {
	f, _ := NewFiles(Options{Dir: t.TempDir(), Lifetime: time.Minute})
	p, err := f.Create("s1", "old.jpeg")
	if err != nil {
		t.Fatal(err)
	}
	p.Write([]byte("x"))
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	p, _ = f.Create("s1", "new.jpeg")
	p.Commit()
	old := time.Now().Add(-2 * time.Minute)
	os.Chtimes(f.Path("s1", "old.jpeg"), old, old)
	if n := f.Sweep(time.Now()); n != 1 || f.Exists("s1", "old.jpeg") || !f.Exists("s1", "new.jpeg") {
		t.Fatalf("swept %d; old there %v, new there %v", n, f.Exists("s1", "old.jpeg"), f.Exists("s1", "new.jpeg"))
	}
	if u := f.URL("s1", "new.jpeg"); u != "/api/files/s1/new.jpeg" {
		t.Fatalf("url %s", u)
	}
}

func TestImageThumbnail(t *testing.T) {
	f := newFiles(t, 1<<20)
	file, _ := f.Spool(bytes.NewReader(pngBytes(t, 400, 200)), "image/png", "")
	_, mf, err := f.Prepare(context.Background(), engines.MediaImage, file, false)
	if err != nil {
		t.Fatal(err)
	}
	if mf.Width != 400 || mf.Height != 200 {
		t.Fatalf("size %dx%d", mf.Width, mf.Height)
	}
	img, err := jpeg.Decode(bytes.NewReader(mf.Thumbnail))
	if err != nil {
		t.Fatalf("thumbnail is not a JPEG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != thumbSide || b.Dy() != thumbSide/2 {
		t.Fatalf("thumbnail %v", b)
	}
	// The left half is red, the right half blue: so is the thumbnail.
	r, _, bl, _ := img.At(5, 20).RGBA()
	r2, _, bl2, _ := img.At(90, 20).RGBA()
	if r>>8 < 200 || bl>>8 > 60 || bl2>>8 < 200 || r2>>8 > 60 {
		t.Fatalf("thumbnail colours: left %d/%d right %d/%d", r>>8, bl>>8, r2>>8, bl2>>8)
	}
}

// pngBytes is a w×h PNG, red on the left half and blue on the right.
func pngBytes(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{R: 255, A: 255}
			if x >= w/2 {
				c = color.RGBA{B: 255, A: 255}
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

// lavfi makes a test file with ffmpeg's generators.
func lavfi(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	argv := append([]string{"-nostdin", "-loglevel", "error", "-y"}, args...)
	if b, err := exec.Command("ffmpeg", append(argv, out)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, b)
	}
	return out
}

func TestConvertVoice(t *testing.T) {
	needFFmpeg(t)
	f := newFiles(t, 1<<20)
	// Two seconds of a 440 Hz tone, loud in the first second only, as an MP3.
	src := lavfi(t, t.TempDir(), "tone.mp3", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
		"-af", "volume='if(lt(t,1),1,0.05)':eval=frame", "-c:a", "libmp3lame")
	in, _ := os.Open(src)
	file, err := f.Spool(in, "audio/mpeg", "tone.mp3")
	in.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, mf, err := f.Prepare(context.Background(), engines.MediaVoice, file, true)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Remove()
	if _, err := os.Stat(file.Path); !os.IsNotExist(err) {
		t.Error("the input of a conversion is kept")
	}
	if mf.Mimetype != VoiceMimetype || mf.Filename != "tone.ogg" {
		t.Fatalf("converted: %+v", mf)
	}
	if mt, _ := Sniff(out.Path); mt != VoiceMimetype {
		t.Fatalf("output sniffs as %q", mt)
	}
	p, err := ProbeFile(context.Background(), out.Path)
	if err != nil || !p.Audio || p.Video || p.Seconds < 1.9 || p.Seconds > 2.1 {
		t.Fatalf("probe %+v, %v", p, err)
	}
	if mf.Seconds != 2 || len(mf.Waveform) != 64 {
		t.Fatalf("seconds %d, waveform %v", mf.Seconds, mf.Waveform)
	}
	// Loud first half, quiet second half.
	if mf.Waveform[10] < 90 || mf.Waveform[50] > 20 {
		t.Fatalf("waveform %v", mf.Waveform)
	}
}

func TestConvertVideo(t *testing.T) {
	needFFmpeg(t)
	f := newFiles(t, 4<<20)
	src := lavfi(t, t.TempDir(), "clip.webm", "-f", "lavfi", "-i", "testsrc=size=161x121:rate=10", "-f", "lavfi",
		"-i", "sine=duration=1", "-t", "1", "-c:v", "libvpx", "-c:a", "libopus")
	in, _ := os.Open(src)
	file, _ := f.Spool(in, "video/webm", "clip.webm")
	in.Close()
	out, mf, err := f.Prepare(context.Background(), engines.MediaVideo, file, true)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Remove()
	if mf.Mimetype != VideoMimetype || mf.Filename != "clip.mp4" || mf.Seconds != 1 || mf.Width != 160 || mf.Height != 120 {
		t.Fatalf("converted: %+v", mf)
	}
	codecs, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", out.Path).Output()
	if err != nil || strings.Fields(string(codecs))[0] != "h264" || strings.Fields(string(codecs))[1] != "aac" {
		t.Fatalf("codecs %q, %v", codecs, err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(mf.Thumbnail)); err != nil {
		t.Fatalf("thumbnail: %v", err)
	}
	// Not a video at all.
	junk, _ := f.Spool(strings.NewReader("not a video"), "video/mp4", "")
	_, _, err = f.Prepare(context.Background(), engines.MediaVideo, junk, true)
	var ce *ConvertError
	if !errors.As(err, &ce) {
		t.Fatalf("junk: %v", err)
	}
}

func TestConvertWithoutFFmpeg(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	f := newFiles(t, 1<<20)
	file, _ := f.Spool(strings.NewReader("ID3"), "audio/mpeg", "")
	_, _, err := f.Prepare(context.Background(), engines.MediaVoice, file, true)
	var mt *MissingToolError
	if !errors.As(err, &mt) || mt.Tool != "ffmpeg" || !strings.Contains(err.Error(), "ffmpeg") {
		t.Fatalf("err %v", err)
	}
	// Without converting, a voice note goes without its waveform.
	_, mf, err := f.Prepare(context.Background(), engines.MediaVoice, file, false)
	if err != nil || mf.Waveform != nil {
		t.Fatalf("no convert: %+v, %v", mf, err)
	}
}

func TestCheckKind(t *testing.T) {
	for _, c := range []struct {
		kind    engines.MediaKind
		mt      string
		convert bool
		ok      bool
	}{
		{engines.MediaImage, "image/png", false, true},
		{engines.MediaImage, "application/pdf", false, false},
		{engines.MediaImage, "not a type", false, false},
		{engines.MediaVoice, "audio/ogg; codecs=opus", false, true},
		{engines.MediaVoice, "video/mp4", false, false},
		{engines.MediaVoice, "video/mp4", true, true},
		{engines.MediaVideo, "video/mp4", false, true},
		{engines.MediaDocument, "application/x-whatever", false, true},
	} {
		if err := CheckKind(c.kind, c.mt, c.convert); (err == nil) != c.ok {
			t.Errorf("CheckKind(%s, %q, %v) = %v", c.kind, c.mt, c.convert, err)
		}
	}
}

func needFFmpeg(t *testing.T) {
	t.Helper()
	if !HaveFFmpeg() {
		t.Fatal("ffmpeg is not installed: .ci/run installs Debian's ffmpeg")
	}
}

package simnet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"
)

// Media is a file a phone sends.
type Media struct {
	Data     []byte
	Mimetype string
	Filename string // documents show it; optional
	Caption  string
	// Type is what the file is sent as: image, video, ptv (a round video note),
	// audio, ptt (a voice note), document or sticker; empty: by its mimetype
	// (image, video, audio, else document).
	Type string
	// What WhatsApp shows before the download; optional.
	Seconds       int
	Waveform      []byte
	Thumbnail     []byte
	Width, Height int
}

// MediaTypes are the kinds of media message a phone sends and receives.
var MediaTypes = []string{"image", "video", "ptv", "audio", "ptt", "document", "sticker"}

func (m Media) kind() string {
	if m.Type != "" {
		return m.Type
	}
	switch {
	case strings.HasPrefix(m.Mimetype, "image/"):
		return "image"
	case strings.HasPrefix(m.Mimetype, "video/"):
		return "video"
	case strings.HasPrefix(m.Mimetype, "audio/"):
		return "audio"
	}
	return "document"
}

// SendMedia uploads a file to simnet's media host, encrypted as WhatsApp does, and
// sends it to chat as the message its Type (or mimetype) says.
func (p *Phone) SendMedia(ctx context.Context, chat string, m Media) (types.MessageID, error) {
	if len(m.Data) == 0 || m.Mimetype == "" {
		return "", fmt.Errorf("simnet: media needs data and a mimetype")
	}
	kind := m.kind()
	mt := map[string]whatsmeow.MediaType{
		"image": whatsmeow.MediaImage, "sticker": whatsmeow.MediaImage, "video": whatsmeow.MediaVideo,
		"ptv": whatsmeow.MediaVideo, "audio": whatsmeow.MediaAudio, "ptt": whatsmeow.MediaAudio,
		"document": whatsmeow.MediaDocument,
	}[kind]
	if mt == "" {
		return "", fmt.Errorf("simnet: unknown media type %q (want one of %s)", kind, strings.Join(MediaTypes, ", "))
	}
	up, err := p.client.Upload(ctx, m.Data, mt)
	if err != nil {
		return "", fmt.Errorf("simnet: phone %s upload %s: %w", p.pn.User, m.Mimetype, err)
	}
	size, ts := proto.Uint64(up.FileLength), proto.Int64(time.Now().Unix())
	var msg *waE2E.Message
	switch kind {
	case "image":
		msg = &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: size, Mimetype: &m.Mimetype, Caption: optional(m.Caption),
			MediaKeyTimestamp: ts, JPEGThumbnail: m.Thumbnail, Width: u32(m.Width), Height: u32(m.Height),
		}}
	case "sticker":
		msg = &waE2E.Message{StickerMessage: &waE2E.StickerMessage{
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: size, Mimetype: &m.Mimetype, MediaKeyTimestamp: ts,
			Width: u32(m.Width), Height: u32(m.Height),
		}}
	case "video", "ptv":
		v := &waE2E.VideoMessage{
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: size, Mimetype: &m.Mimetype, Caption: optional(m.Caption),
			MediaKeyTimestamp: ts, JPEGThumbnail: m.Thumbnail, Seconds: u32(m.Seconds), Width: u32(m.Width), Height: u32(m.Height),
		}
		msg = &waE2E.Message{VideoMessage: v}
		if kind == "ptv" {
			msg = &waE2E.Message{PtvMessage: v}
		}
	case "audio", "ptt":
		msg = &waE2E.Message{AudioMessage: &waE2E.AudioMessage{
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: size, Mimetype: &m.Mimetype, MediaKeyTimestamp: ts,
			PTT: proto.Bool(kind == "ptt"), Seconds: u32(m.Seconds), Waveform: m.Waveform,
		}}
	default:
		msg = &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: size, Mimetype: &m.Mimetype, FileName: optional(m.Filename),
			Caption: optional(m.Caption), MediaKeyTimestamp: ts,
		}}
		if m.Caption != "" {
			msg = &waE2E.Message{DocumentWithCaptionMessage: &waE2E.FutureProofMessage{Message: msg}}
		}
	}
	return p.sendRemembered(ctx, chat, msg)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func u32(n int) *uint32 {
	if n <= 0 {
		return nil
	}
	return proto.Uint32(uint32(n))
}

// ReceivedMedia is the file of a media message as a phone received it: what
// the message says of it and what its download decrypted to, kept on disk (the
// control API serves it at URL).
type ReceivedMedia struct {
	Type      string `json:"type"` // image, video, ptv, audio, ptt, document or sticker
	Mimetype  string `json:"mimetype"`
	Filename  string `json:"filename,omitempty"`
	Caption   string `json:"caption,omitempty"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"` // hex, of the decrypted file
	Seconds   int    `json:"seconds,omitempty"`
	Waveform  []byte `json:"waveform,omitempty"`
	Thumbnail []byte `json:"thumbnail,omitempty"` // JPEG
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
	// Mentions and ReplyTo are from the message's context.
	Mentions []string `json:"mentions,omitempty"`
	ReplyTo  string   `json:"replyTo,omitempty"`
	URL      string   `json:"url,omitempty"` // control API path of the decrypted file
	Error    string   `json:"error,omitempty"`
}

// mediaOf describes a media message; nil when it is none.
func mediaOf(m *waE2E.Message) (whatsmeow.DownloadableMessage, *ReceivedMedia) {
	var ci *waE2E.ContextInfo
	var d whatsmeow.DownloadableMessage
	r := &ReceivedMedia{}
	switch {
	case m.GetImageMessage() != nil:
		x := m.GetImageMessage()
		d, ci = x, x.GetContextInfo()
		*r = ReceivedMedia{Type: "image", Caption: x.GetCaption(), Thumbnail: x.GetJPEGThumbnail(), Width: int(x.GetWidth()), Height: int(x.GetHeight())}
	case m.GetStickerMessage() != nil:
		x := m.GetStickerMessage()
		d, ci = x, x.GetContextInfo()
		*r = ReceivedMedia{Type: "sticker", Width: int(x.GetWidth()), Height: int(x.GetHeight())}
	case m.GetVideoMessage() != nil || m.GetPtvMessage() != nil:
		x, typ := m.GetVideoMessage(), "video"
		if x == nil {
			x, typ = m.GetPtvMessage(), "ptv"
		}
		d, ci = x, x.GetContextInfo()
		*r = ReceivedMedia{Type: typ, Caption: x.GetCaption(), Thumbnail: x.GetJPEGThumbnail(), Seconds: int(x.GetSeconds()),
			Width: int(x.GetWidth()), Height: int(x.GetHeight())}
	case m.GetAudioMessage() != nil:
		x, typ := m.GetAudioMessage(), "audio"
		if x.GetPTT() {
			typ = "ptt"
		}
		d, ci = x, x.GetContextInfo()
		*r = ReceivedMedia{Type: typ, Seconds: int(x.GetSeconds()), Waveform: x.GetWaveform()}
	case m.GetDocumentMessage() != nil:
		x := m.GetDocumentMessage()
		d, ci = x, x.GetContextInfo()
		*r = ReceivedMedia{Type: "document", Caption: x.GetCaption(), Filename: x.GetFileName()}
	default:
		return nil, nil
	}
	type mimetyped interface{ GetMimetype() string }
	r.Mimetype = d.(mimetyped).GetMimetype()
	r.Mentions, r.ReplyTo = ci.GetMentionedJID(), ci.GetStanzaID()
	return d, r
}

// mediaFileID is a message id safe as a file name.
var mediaFileID = regexp.MustCompile(`^[0-9A-Za-z]{1,64}$`)

func (p *Phone) mediaPath(id string) string {
	return filepath.Join(p.srv.dir, "phone-media", p.pn.User, id)
}

// receiveMedia downloads and decrypts the file of a media message the phone
// got, as a phone does when it shows it, into the phone's media directory.
func (p *Phone) receiveMedia(v *events.Message) *ReceivedMedia {
	d, r := mediaOf(v.Message)
	if r == nil {
		return nil
	}
	if !mediaFileID.MatchString(v.Info.ID) {
		r.Error = "message id is not a file name"
		return r
	}
	ctx, cancel := context.WithTimeout(p.srv.ctx, p.srv.opts.RequestTimeout)
	defer cancel()
	if err := p.download(ctx, d, v.Info.ID, r); err != nil {
		p.log.Warn("simnet: phone media download failed", "id", v.Info.ID, "err", err)
		r.Error = err.Error()
	}
	return r
}

func (p *Phone) download(ctx context.Context, d whatsmeow.DownloadableMessage, id string, r *ReceivedMedia) error {
	path := p.mediaPath(id)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".download-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := p.client.DownloadToFile(ctx, d, f); err != nil {
		return fmt.Errorf("download: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	r.Size, r.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	r.URL = "/simnet/api/accounts/" + p.pn.User + "/media/" + id
	return nil
}

// ReceivedFile opens the decrypted file of a media message the phone received.
func (p *Phone) ReceivedFile(id string) (*os.File, error) {
	if !mediaFileID.MatchString(id) {
		return nil, fmt.Errorf("simnet: bad message id %q", id)
	}
	f, err := os.Open(p.mediaPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: phone %s received no media in message %s", ErrUnknownMessage, p.pn.User, id)
	}
	return f, err
}

// ErrUnknownMessage is a message id a phone does not know.
var ErrUnknownMessage = errors.New("simnet: unknown message")

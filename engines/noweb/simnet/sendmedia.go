package simnet

import (
	"context"
	"fmt"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"
)

// Media is a file a phone sends.
type Media struct {
	Data     []byte
	Mimetype string
	Filename string // documents show it; optional
	Caption  string
}

// SendMedia uploads a file to simnet's media host, encrypted as WhatsApp does, and
// sends it to chat as an image, video, audio or document message by its mimetype.
func (p *Phone) SendMedia(ctx context.Context, chat string, m Media) (types.MessageID, error) {
	if len(m.Data) == 0 || m.Mimetype == "" {
		return "", fmt.Errorf("simnet: media needs data and a mimetype")
	}
	kind := whatsmeow.MediaDocument
	switch {
	case strings.HasPrefix(m.Mimetype, "image/"):
		kind = whatsmeow.MediaImage
	case strings.HasPrefix(m.Mimetype, "video/"):
		kind = whatsmeow.MediaVideo
	case strings.HasPrefix(m.Mimetype, "audio/"):
		kind = whatsmeow.MediaAudio
	}
	up, err := p.client.Upload(ctx, m.Data, kind)
	if err != nil {
		return "", fmt.Errorf("simnet: phone %s upload %s: %w", p.pn.User, m.Mimetype, err)
	}
	size := proto.Uint64(up.FileLength)
	var msg *waE2E.Message
	switch kind {
	case whatsmeow.MediaImage:
		msg = &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: size, Mimetype: &m.Mimetype, Caption: optional(m.Caption),
		}}
	case whatsmeow.MediaVideo:
		msg = &waE2E.Message{VideoMessage: &waE2E.VideoMessage{
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: size, Mimetype: &m.Mimetype, Caption: optional(m.Caption),
		}}
	case whatsmeow.MediaAudio:
		msg = &waE2E.Message{AudioMessage: &waE2E.AudioMessage{
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: size, Mimetype: &m.Mimetype,
		}}
	default:
		msg = &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: size, Mimetype: &m.Mimetype, FileName: optional(m.Filename),
			Caption: optional(m.Caption),
		}}
	}
	return p.sendRemembered(ctx, chat, msg)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

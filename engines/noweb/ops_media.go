package noweb

import (
	"context"
	"fmt"
	"os"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/media"
)

var _ engines.MediaSender = (*Engine)(nil)

// mediaTypes is what whatsmeow encrypts and uploads each kind of message as.
var mediaTypes = map[engines.MediaKind]whatsmeow.MediaType{
	engines.MediaImage:    whatsmeow.MediaImage,
	engines.MediaDocument: whatsmeow.MediaDocument,
	engines.MediaVoice:    whatsmeow.MediaAudio,
	engines.MediaVideo:    whatsmeow.MediaVideo,
}

// SendMedia encrypts and uploads the file to WhatsApp's media host, streaming it
// from disk through an encrypted temporary copy, then sends the message that
// points at it. The sent file is kept as the message's media file.
func (e *Engine) SendMedia(ctx context.Context, req engines.SendMedia) (*engines.Message, error) {
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	mt, ok := mediaTypes[req.Kind]
	if !ok {
		return nil, fmt.Errorf("%w: media kind %q", engines.ErrInvalid, req.Kind)
	}
	up, err := e.upload(ctx, cli, req.File.Path, mt)
	if err != nil {
		return nil, err
	}
	to := toJID(req.Chat)
	f := req.File
	ci := e.contextInfo(ctx, cli, req.Chat, req.ReplyTo, req.Mentions)
	size, now := proto.Uint64(up.FileLength), proto.Int64(time.Now().Unix())
	var msg *waE2E.Message
	switch req.Kind {
	case engines.MediaImage:
		msg = &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, MediaKeyTimestamp: now,
			FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: size,
			Mimetype: &f.Mimetype, Caption: optional(req.Caption), JPEGThumbnail: f.Thumbnail,
			Width: dim(f.Width), Height: dim(f.Height), ContextInfo: ci,
		}}
	case engines.MediaVideo:
		v := &waE2E.VideoMessage{
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, MediaKeyTimestamp: now,
			FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: size,
			Mimetype: &f.Mimetype, Caption: optional(req.Caption), JPEGThumbnail: f.Thumbnail,
			Width: dim(f.Width), Height: dim(f.Height), Seconds: dim(f.Seconds), ContextInfo: ci,
		}
		msg = &waE2E.Message{VideoMessage: v}
		if req.AsNote {
			// A round video note: no caption, as WhatsApp records them.
			v.Caption = nil
			msg = &waE2E.Message{PtvMessage: v}
		}
	case engines.MediaVoice:
		msg = &waE2E.Message{AudioMessage: &waE2E.AudioMessage{
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, MediaKeyTimestamp: now,
			FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: size,
			Mimetype: &f.Mimetype, PTT: proto.Bool(true), Seconds: dim(f.Seconds), Waveform: f.Waveform, ContextInfo: ci,
		}}
	case engines.MediaDocument:
		name := f.Filename
		if name == "" {
			name = "file." + media.Extension(f.Mimetype, "")
		}
		doc := &waE2E.DocumentMessage{
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, MediaKeyTimestamp: now,
			FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: size,
			Mimetype: &f.Mimetype, FileName: &name, Title: &name, Caption: optional(req.Caption), ContextInfo: ci,
		}
		msg = &waE2E.Message{DocumentMessage: doc}
		if req.Caption != "" {
			// WhatsApp's phones send a captioned document wrapped, and show the
			// caption only so.
			msg = &waE2E.Message{DocumentWithCaptionMessage: &waE2E.FutureProofMessage{Message: msg}}
		}
	}
	id := cli.GenerateMessageID()
	// The sent file becomes the message's media file: no download back.
	keep := ""
	if files := e.f.opts.Media; files != nil {
		ref, _, _ := mediaOf(msg)
		name := fileName(id, *ref)
		if err := files.Keep(e.name, name, f.Path); err == nil {
			keep = name
		} else {
			e.log.Warn("keep sent file", "id", id, "err", err)
		}
	}
	return e.sendStored(ctx, cli, to, id, msg, keep)
}

// upload encrypts the file at path into a temporary copy and uploads that.
func (e *Engine) upload(ctx context.Context, cli *whatsmeow.Client, path string, mt whatsmeow.MediaType) (whatsmeow.UploadResponse, error) {
	in, err := os.Open(path)
	if err != nil {
		return whatsmeow.UploadResponse{}, fmt.Errorf("open file to send: %w", err)
	}
	defer in.Close()
	var tmp *os.File
	if files := e.f.opts.Media; files != nil {
		tmp, err = files.TempFile("upload-*")
	} else {
		tmp, err = os.CreateTemp("", "wagate-upload-*")
	}
	if err != nil {
		return whatsmeow.UploadResponse{}, fmt.Errorf("create upload file: %w", err)
	}
	defer func() { _ = tmp.Close(); _ = os.Remove(tmp.Name()) }()
	up, err := cli.UploadReader(ctx, in, tmp, mt)
	if err != nil {
		return up, fmt.Errorf("upload %s: %w", mt, err)
	}
	return up, nil
}

// contextInfo quotes the message a send replies to and lists whom it mentions.
func (e *Engine) contextInfo(ctx context.Context, cli *whatsmeow.Client, chat engines.ChatID, replyTo *engines.MessageID, mentions []engines.ChatID) *waE2E.ContextInfo {
	if replyTo == nil && len(mentions) == 0 {
		return nil
	}
	ci := &waE2E.ContextInfo{}
	if r := replyTo; r != nil {
		ci.StanzaID = proto.String(r.ID)
		if s := sender(cli, *r, toJID(chat)); !r.Bare {
			ci.Participant = proto.String(s.String())
		}
		if e.chats != nil {
			if q, err := e.chats.GetMessage(ctx, e.name, chat.String(), r.ID); err == nil && q.Message.Body != "" {
				ci.QuotedMessage = &waE2E.Message{Conversation: proto.String(q.Message.Body)}
			}
		}
	}
	for _, m := range mentions {
		ci.MentionedJID = append(ci.MentionedJID, toJID(m).String())
	}
	return ci
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// dim is a picture size or length, absent when unknown.
func dim(n int) *uint32 {
	if n <= 0 {
		return nil
	}
	return proto.Uint32(uint32(n))
}

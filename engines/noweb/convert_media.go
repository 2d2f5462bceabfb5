package noweb

import (
	"context"
	"encoding/json"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
)

// mediaRef is what it takes to download a message's media again; stored as the
// message's opaque media locator.
type mediaRef struct {
	Type          string `json:"type"` // whatsmeow.MediaType
	DirectPath    string `json:"directPath"`
	MediaKey      []byte `json:"mediaKey"`
	FileSHA256    []byte `json:"fileSha256"`
	FileEncSHA256 []byte `json:"fileEncSha256"`
	FileLength    int    `json:"fileLength"`
	Mimetype      string `json:"mimetype"`
	Filename      string `json:"filename,omitempty"`
}

// downloadable is the part every whatsmeow media message has.
type downloadable interface {
	GetDirectPath() string
	GetMediaKey() []byte
	GetFileSHA256() []byte
	GetFileEncSHA256() []byte
	GetFileLength() uint64
	GetMimetype() string
}

func refOf(t whatsmeow.MediaType, d downloadable, filename string) *mediaRef {
	return &mediaRef{
		Type: string(t), DirectPath: d.GetDirectPath(), MediaKey: d.GetMediaKey(),
		FileSHA256: d.GetFileSHA256(), FileEncSHA256: d.GetFileEncSHA256(),
		FileLength: int(d.GetFileLength()), Mimetype: d.GetMimetype(), Filename: filename,
	}
}

// mediaOf reads the file, caption and context of a media message (image, video,
// video note, voice note or audio, document, sticker); nil when it has none.
// whatsmeow has already unwrapped view-once and document-with-caption messages.
func mediaOf(m *waE2E.Message) (ref *mediaRef, caption string, ctx *waE2E.ContextInfo) {
	// The account's own sends are stored as built, still wrapped.
	for _, w := range []*waE2E.FutureProofMessage{m.GetDocumentWithCaptionMessage(), m.GetViewOnceMessage(),
		m.GetViewOnceMessageV2(), m.GetViewOnceMessageV2Extension(), m.GetEphemeralMessage()} {
		if inner := w.GetMessage(); inner != nil {
			return mediaOf(inner)
		}
	}
	switch {
	case m.ImageMessage != nil:
		x := m.GetImageMessage()
		return refOf(whatsmeow.MediaImage, x, ""), x.GetCaption(), x.GetContextInfo()
	case m.VideoMessage != nil:
		x := m.GetVideoMessage()
		return refOf(whatsmeow.MediaVideo, x, ""), x.GetCaption(), x.GetContextInfo()
	case m.PtvMessage != nil:
		x := m.GetPtvMessage()
		return refOf(whatsmeow.MediaVideo, x, ""), x.GetCaption(), x.GetContextInfo()
	case m.AudioMessage != nil:
		x := m.GetAudioMessage()
		return refOf(whatsmeow.MediaAudio, x, ""), "", x.GetContextInfo()
	case m.DocumentMessage != nil:
		x := m.GetDocumentMessage()
		return refOf(whatsmeow.MediaDocument, x, x.GetFileName()), x.GetCaption(), x.GetContextInfo()
	case m.StickerMessage != nil:
		x := m.GetStickerMessage()
		return refOf(whatsmeow.MediaImage, x, ""), "", x.GetContextInfo()
	}
	return nil, "", nil
}

// incomingMedia is the media of a message that just arrived, as its events show
// it: downloaded first (into the session's media directory, the stored row
// recording the file) when media.* wants it, so the payload carries media.url as
// WAHA's does. Not wanted (downloads off, a type not listed): null, as WAHA;
// over the size limit or failed: the reason in media.error, and a later read
// with downloadMedia tries again.
func (e *Engine) incomingMedia(ctx context.Context, m *chatstore.Message) (*engines.Media, *string) {
	var ref mediaRef
	files := e.f.opts.Media
	if m.Media == "" || files == nil || json.Unmarshal([]byte(m.Media), &ref) != nil {
		return nil, nil
	}
	ok, reason := files.Wants(ref.Mimetype, int64(ref.FileLength))
	if !ok {
		if reason == "" {
			return nil, nil
		}
		info := mediaInfo(ref, nil, nil)
		info.Error = &engines.MediaError{Message: reason}
		return info, nil
	}
	if e.chats != nil {
		// Delivered again: the first delivery downloaded it.
		if old, err := e.chats.GetMessage(ctx, e.name, m.Chat, m.ID); err == nil && files.Exists(e.name, old.MediaFile) {
			url := files.URL(e.name, old.MediaFile)
			return mediaInfo(ref, &url, nil), &url
		}
	}
	file, err := e.download(ctx, m.ID, ref)
	if err != nil {
		e.log.Warn("download incoming media", "id", m.ID, "err", err)
		return mediaInfo(ref, nil, err), nil
	}
	m.MediaFile = file
	url := files.URL(e.name, file)
	return mediaInfo(ref, &url, nil), &url
}

// sentMedia is a message the account sends as its events show it: with the
// media file it was sent from linked.
func (e *Engine) sentMedia(m chatstore.Message) engines.Message {
	out := m.Message
	var ref mediaRef
	files := e.f.opts.Media
	if m.MediaFile == "" || files == nil || json.Unmarshal([]byte(m.Media), &ref) != nil {
		return out
	}
	url := files.URL(e.name, m.MediaFile)
	out.Media, out.MediaURL = mediaInfo(ref, &url, nil), &url
	return out
}

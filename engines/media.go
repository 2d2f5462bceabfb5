package engines

import "context"

// MediaKind is what a file is sent as: WAHA's sendImage, sendFile, sendVoice and
// sendVideo.
type MediaKind string

const (
	MediaImage    MediaKind = "image"
	MediaDocument MediaKind = "file"
	MediaVoice    MediaKind = "voice"
	MediaVideo    MediaKind = "video"
)

// MediaFile is a file ready to send: on disk (the server spooled and, if asked,
// converted it), with what WhatsApp shows of it before it is downloaded. Engines
// read it from Path and never hold it in memory whole.
type MediaFile struct {
	Path     string
	Size     int64
	Mimetype string
	Filename string
	// Thumbnail is a small JPEG of an image or a video's first frame; Width and
	// Height the picture's size. Zero when unknown.
	Thumbnail     []byte
	Width, Height int
	// Seconds is the length of a voice note or video; Waveform a voice note's
	// 64 loudness samples (0-100) as WhatsApp draws them. Zero when unknown.
	Seconds  int
	Waveform []byte
}

// SendMedia is POST /api/sendImage, sendFile, sendVoice and sendVideo.
type SendMedia struct {
	Chat     ChatID
	Kind     MediaKind
	File     MediaFile
	Caption  string // images, videos and documents
	ReplyTo  *MessageID
	Mentions []ChatID
	AsNote   bool // a video as a round video note
}

// MediaSender sends images, documents, voice notes and videos.
type MediaSender interface {
	SendMedia(ctx context.Context, req SendMedia) (*Message, error)
}

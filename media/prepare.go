package media

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/wagate/wagate/engines"
)

// KindError is a file whose type the kind of message cannot carry; the API
// answers 400 naming file.mimetype.
type KindError struct {
	Kind     engines.MediaKind
	Mimetype string
}

func (e *KindError) Error() string {
	want := map[engines.MediaKind]string{
		engines.MediaImage: "an image/* type (image/jpeg, image/png, ...)",
		engines.MediaVoice: "an audio/* type (audio/ogg; codecs=opus), or convert: true",
		engines.MediaVideo: "a video/* type (video/mp4), or convert: true",
	}[e.Kind]
	return fmt.Sprintf("a %s message needs %s, got %q", e.Kind, want, e.Mimetype)
}

// CheckKind refuses a mimetype the kind of message cannot carry: sendImage takes
// images, sendVoice audio, sendVideo video (any file with convert), sendFile anything.
func CheckKind(kind engines.MediaKind, mimetype string, convert bool) error {
	base := BaseType(mimetype)
	if base == "" {
		return &KindError{Kind: kind, Mimetype: mimetype}
	}
	ok := true
	switch kind {
	case engines.MediaImage:
		ok = strings.HasPrefix(base, "image/")
	case engines.MediaVoice:
		ok = convert || strings.HasPrefix(base, "audio/")
	case engines.MediaVideo:
		ok = convert || strings.HasPrefix(base, "video/")
	}
	if !ok {
		return &KindError{Kind: kind, Mimetype: mimetype}
	}
	return nil
}

// Prepare makes a spooled file ready to send as kind: converted when asked (the
// file it returns replaces in, which is removed), with the thumbnail, size,
// length and waveform WhatsApp shows. What cannot be measured (no ffmpeg for a
// video's frame) is left out, as WhatsApp's own clients do; a conversion that
// cannot run is an error (*MissingToolError, *ConvertError).
func (f *Files) Prepare(ctx context.Context, kind engines.MediaKind, in *File, convert bool) (*File, engines.MediaFile, error) {
	file := in
	if convert && (kind == engines.MediaVoice || kind == engines.MediaVideo) {
		var out *File
		var err error
		if kind == engines.MediaVoice {
			out, err = f.ConvertVoice(ctx, in)
		} else {
			out, err = f.ConvertVideo(ctx, in)
		}
		if err != nil {
			return in, engines.MediaFile{}, err
		}
		in.Remove()
		file = out
	}
	mf := engines.MediaFile{Path: file.Path, Size: file.Size, Mimetype: file.Mimetype, Filename: file.Filename}
	switch kind {
	case engines.MediaImage:
		if w, h, err := ImageSize(file.Path); err == nil {
			mf.Width, mf.Height = w, h
		}
		thumb, err := ImageThumbnail(file.Path)
		if err != nil && HaveFFmpeg() {
			thumb, err = FrameThumbnail(ctx, file.Path)
		}
		if err == nil {
			mf.Thumbnail = thumb
		}
	case engines.MediaVideo:
		if !HaveFFmpeg() {
			break
		}
		if p, err := ProbeFile(ctx, file.Path); err == nil {
			mf.Width, mf.Height, mf.Seconds = p.Width, p.Height, int(math.Round(p.Seconds))
		}
		if thumb, err := FrameThumbnail(ctx, file.Path); err == nil {
			mf.Thumbnail = thumb
		}
	case engines.MediaVoice:
		if !HaveFFmpeg() {
			break
		}
		wave, secs, err := Waveform(ctx, file.Path)
		if err == nil {
			mf.Waveform, mf.Seconds = wave, max(1, int(math.Round(secs)))
		} else if ctx.Err() != nil {
			return file, mf, ctx.Err()
		}
	}
	if err := ctx.Err(); err != nil {
		return file, mf, err
	}
	return file, mf, nil
}

// IsMissingTool reports whether err is a conversion without its program.
func IsMissingTool(err error) bool {
	var mt *MissingToolError
	return errors.As(err, &mt)
}

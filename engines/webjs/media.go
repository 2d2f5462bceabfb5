package webjs

import (
	"context"
	"fmt"
	"mime"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/wagate/wagate/engines"
)

// attachMedia downloads a message's media through the page (WA decrypts
// it there), saves it as <media dir>/<raw id>.<ext> and points media.url
// at {PublicURL}/api/files/{session}/{file}. A failed download is reported
// in media.error, as WAHA does, rather than failing the whole list.
func (e *Engine) attachMedia(ctx context.Context, pg browserPage, out *engines.Message, m Message) {
	info := MediaInfo{}
	if m.Media != nil {
		info = *m.Media
	}
	file, mimetype, err := e.saveMedia(ctx, pg, m, info)
	media := &engines.Media{}
	if mimetype != "" {
		media.Mimetype = &mimetype
	}
	if info.Filename != "" {
		fn := info.Filename
		media.Filename = &fn
	}
	if err != nil {
		media.Error = &engines.MediaError{Message: err.Error()}
		e.log.Warn("download media", "message", m.ID, "err", err)
	} else {
		u := e.fileURL(file)
		media.URL = &u
		out.MediaURL = &u
	}
	out.Media = media
}

// saveMedia returns the file name of the message's media in the media
// dir, downloading it unless an earlier call did.
func (e *Engine) saveMedia(ctx context.Context, pg browserPage, m Message, info MediaInfo) (file, mimetype string, err error) {
	key, err := ParseMessageID(m.ID)
	if err != nil {
		return "", info.Mimetype, err
	}
	if matches, _ := filepath.Glob(filepath.Join(e.media, key.ID+".*")); len(matches) > 0 && info.Mimetype != "" {
		return filepath.Base(matches[0]), info.Mimetype, nil
	}
	md, err := pg.DownloadMedia(ctx, m.ID)
	if err != nil {
		return "", info.Mimetype, e.mapErr("download media of "+m.ID, err)
	}
	if md.Mimetype == "" {
		md.Mimetype = info.Mimetype
	}
	file = key.ID + "." + mediaExt(md.Mimetype, md.Filename)
	if err := os.MkdirAll(e.media, 0o700); err != nil {
		return "", md.Mimetype, fmt.Errorf("create media dir: %w", err)
	}
	tmp, err := os.CreateTemp(e.media, ".download-*")
	if err != nil {
		return "", md.Mimetype, fmt.Errorf("save media: %w", err)
	}
	_, werr := tmp.Write(md.Data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		_ = os.Remove(tmp.Name())
		return "", md.Mimetype, fmt.Errorf("save media: %w", firstErr(werr, cerr))
	}
	if err := os.Rename(tmp.Name(), filepath.Join(e.media, file)); err != nil {
		_ = os.Remove(tmp.Name())
		return "", md.Mimetype, fmt.Errorf("save media: %w", err)
	}
	return file, md.Mimetype, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// fileURL is where clients fetch a saved media file.
func (e *Engine) fileURL(file string) string {
	return e.f.opts.PublicURL + "/api/files/" + url.PathEscape(e.name) + "/" + url.PathEscape(file)
}

// mediaExt picks a file extension: the sender's file name wins, then the
// mime type, then "bin". Only letters and digits survive, since the
// extension ends up in a path.
func mediaExt(mimetype, filename string) string {
	ext := strings.TrimPrefix(filepath.Ext(filename), ".")
	if ext == "" {
		if base, _, err := mime.ParseMediaType(mimetype); err == nil {
			switch base {
			case "image/jpeg":
				ext = "jpeg"
			case "audio/ogg":
				ext = "oga"
			default:
				if exts, _ := mime.ExtensionsByType(base); len(exts) > 0 {
					ext = strings.TrimPrefix(exts[0], ".")
				}
			}
		}
	}
	ext = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, strings.ToLower(ext))
	if ext == "" || len(ext) > 10 {
		return "bin"
	}
	return ext
}

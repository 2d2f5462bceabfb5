package webjs

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/media"
)

// attachMedia downloads a message's media through the page (WA decrypts
// it there), saves it as <media dir>/<session>/<raw id>.<ext> and points
// media.url at the gateway's file route. A failed download is reported in
// media.error, as WAHA does, rather than failing the whole list.
func (e *Engine) attachMedia(ctx context.Context, pg browserPage, out *engines.Message, m Message) {
	info := MediaInfo{}
	if m.Media != nil {
		info = *m.Media
	}
	file, mimetype, err := e.saveMedia(ctx, pg, m, info)
	md := &engines.Media{}
	if mimetype != "" {
		md.Mimetype = &mimetype
	}
	if info.Filename != "" {
		fn := info.Filename
		md.Filename = &fn
	}
	if err != nil {
		md.Error = &engines.MediaError{Message: err.Error()}
		e.log.Warn("download media", "message", m.ID, "err", err)
	} else {
		u := e.f.opts.Media.URL(e.name, file)
		md.URL = &u
		out.MediaURL = &u
	}
	out.Media = md
}

// saveMedia returns the file name of the message's media in the session's
// media directory, downloading it unless it is there (an earlier download, or
// the file the message was sent from).
func (e *Engine) saveMedia(ctx context.Context, pg browserPage, m Message, info MediaInfo) (file, mimetype string, err error) {
	files := e.f.opts.Media
	if files == nil {
		return "", info.Mimetype, fmt.Errorf("the gateway keeps no media files")
	}
	key, err := ParseMessageID(m.ID)
	if err != nil {
		return "", info.Mimetype, err
	}
	if matches, _ := filepath.Glob(files.Path(e.name, key.ID+".*")); len(matches) > 0 && info.Mimetype != "" {
		return filepath.Base(matches[0]), info.Mimetype, nil
	}
	if info.Size > files.MaxBytes() {
		return "", info.Mimetype, &media.TooLargeError{Limit: files.MaxBytes()}
	}
	md, err := pg.DownloadMedia(ctx, m.ID)
	if err != nil {
		return "", info.Mimetype, e.mapErr("download media of "+m.ID, err)
	}
	if md.Mimetype == "" {
		md.Mimetype = info.Mimetype
	}
	file = key.ID + "." + media.Extension(md.Mimetype, md.Filename)
	p, err := files.Create(e.name, file)
	if err != nil {
		return "", md.Mimetype, err
	}
	if _, err := p.Write(md.Data); err != nil {
		p.Abort()
		return "", md.Mimetype, fmt.Errorf("save media: %w", err)
	}
	if err := p.Commit(); err != nil {
		return "", md.Mimetype, err
	}
	return file, md.Mimetype, nil
}

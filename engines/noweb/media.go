package noweb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.mau.fi/whatsmeow"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/media"
)

// withMedia is a stored message as the API shows it; with download set, its media
// is downloaded (once, or again after the sweep removed the file) and media.url
// points at the gateway's file route.
func (e *Engine) withMedia(ctx context.Context, r chatstore.Message, download bool) engines.Message {
	m := r.Message
	if !download || r.Media == "" {
		return m
	}
	var ref mediaRef
	if err := json.Unmarshal([]byte(r.Media), &ref); err != nil {
		return m
	}
	files := e.f.opts.Media
	if files == nil {
		m.Media = mediaInfo(ref, nil, errors.New("the gateway keeps no media files"))
		return m
	}
	file := r.MediaFile
	if !files.Exists(e.name, file) {
		var err error
		if file, err = e.download(ctx, r.ID, ref); err != nil {
			e.log.Warn("download media", "id", r.ID, "err", err)
			m.Media = mediaInfo(ref, nil, err)
			return m
		}
		if err := e.chats.SetMediaFile(ctx, e.name, r.Chat, r.ID, file); err != nil {
			e.log.Warn("record media file", "id", r.ID, "err", err)
		}
	}
	url := files.URL(e.name, file)
	m.Media, m.MediaURL = mediaInfo(ref, &url, nil), &url
	return m
}

// mediaInfo is WAHA's media object: the file's url once downloaded, or why not.
func mediaInfo(ref mediaRef, url *string, err error) *engines.Media {
	out := &engines.Media{URL: url}
	if ref.Mimetype != "" {
		out.Mimetype = strPtr(ref.Mimetype)
	}
	if ref.Filename != "" {
		out.Filename = strPtr(ref.Filename)
	}
	if err != nil {
		out.Error = &engines.MediaError{Message: err.Error()}
	}
	return out
}

// fileName is the name a message's media file is kept under.
func fileName(id string, ref mediaRef) string {
	return id + "." + media.Extension(ref.Mimetype, ref.Filename)
}

// download fetches and decrypts a message's media into the session's media
// directory, streaming it to the file, and returns the file's name.
func (e *Engine) download(ctx context.Context, id string, ref mediaRef) (string, error) {
	files := e.f.opts.Media
	if files == nil {
		return "", errors.New("the gateway keeps no media files")
	}
	if ref.FileLength > 0 && int64(ref.FileLength) > files.MaxBytes() {
		return "", &media.TooLargeError{Limit: files.MaxBytes()}
	}
	cli, err := e.client()
	if err != nil {
		return "", err
	}
	file := fileName(id, ref)
	p, err := files.Create(e.name, file)
	if err != nil {
		return "", err
	}
	defer p.Abort()
	if err := cli.DownloadMediaWithPathToFile(ctx, ref.DirectPath, ref.FileEncSHA256, ref.FileSHA256, ref.MediaKey,
		ref.FileLength, whatsmeow.MediaType(ref.Type), "", p.File); err != nil {
		return "", fmt.Errorf("download: %w", err)
	}
	if err := p.Commit(); err != nil {
		return "", err
	}
	return file, nil
}

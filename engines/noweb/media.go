package noweb

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"strings"

	"go.mau.fi/whatsmeow"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
)

// MediaPath is where a session's media file is stored under dir; the file route
// serves from here.
func MediaPath(dir, session, file string) string {
	return filepath.Join(dir, session, filepath.Base(file))
}

// withMedia is a stored message as the API shows it; with download set, its media
// is downloaded (once) and media.url points at the gateway's file route.
func (e *Engine) withMedia(ctx context.Context, r chatstore.Message, download bool) engines.Message {
	m := r.Message
	if !download || r.Media == "" {
		return m
	}
	var ref mediaRef
	if err := json.Unmarshal([]byte(r.Media), &ref); err != nil {
		return m
	}
	media := &engines.Media{}
	if ref.Mimetype != "" {
		media.Mimetype = strPtr(ref.Mimetype)
	}
	if ref.Filename != "" {
		media.Filename = strPtr(ref.Filename)
	}
	file := r.MediaFile
	if file == "" {
		var err error
		if file, err = e.download(ctx, r.ID, ref); err != nil {
			e.log.Warn("download media", "id", r.ID, "err", err)
			media.Error = &engines.MediaError{Message: err.Error()}
			m.Media = media
			return m
		}
		if err := e.chats.SetMediaFile(ctx, e.name, r.Chat, r.ID, file); err != nil {
			e.log.Warn("record media file", "id", r.ID, "err", err)
		}
	}
	url := strings.TrimRight(e.f.opts.BaseURL, "/") + "/api/files/" + e.name + "/" + file
	media.URL = &url
	m.Media, m.MediaURL = media, &url
	return m
}

// download fetches and decrypts a message's media into the session's media
// directory and returns the file's name.
func (e *Engine) download(ctx context.Context, id string, ref mediaRef) (string, error) {
	if e.f.opts.MediaDir == "" {
		return "", fmt.Errorf("no media directory configured")
	}
	cli, err := e.client()
	if err != nil {
		return "", err
	}
	data, err := cli.DownloadMediaWithPath(ctx, ref.DirectPath, ref.FileEncSHA256, ref.FileSHA256, ref.MediaKey,
		ref.FileLength, whatsmeow.MediaType(ref.Type), "")
	if err != nil {
		return "", fmt.Errorf("download: %w", err)
	}
	ext := ".bin"
	if exts, _ := mime.ExtensionsByType(strings.Split(ref.Mimetype, ";")[0]); len(exts) > 0 {
		ext = exts[0]
	}
	file := id + ext
	path := MediaPath(e.f.opts.MediaDir, e.name, file)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("create media directory: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return "", fmt.Errorf("write media: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("write media: %w", err)
	}
	return file, nil
}

// Package media keeps the files of messages: what sessions download (served at
// /api/files/{session}/{file} and linked from media.url) and what clients send,
// spooled to disk on the way to WhatsApp so that no file is ever held in memory
// whole. It fetches files by URL, converts voice notes and videos to what
// WhatsApp plays with ffmpeg, and makes the thumbnails WhatsApp shows.
package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultMaxBytes is media.maxBytes when unset: 64 MiB.
const DefaultMaxBytes = 64 << 20

// Options configure Files.
type Options struct {
	// Dir holds one directory per session (data/media); spooled files go in
	// Dir/.spool, on the same file system, so a sent file moves into its
	// session's directory without a copy.
	Dir string
	// BaseURL is the gateway's public URL; media.url is {BaseURL}/api/files/{session}/{file}.
	BaseURL string
	// MaxBytes bounds every file sent, fetched or downloaded (media.maxBytes).
	MaxBytes int64
	// Download: incoming media is downloaded before its event goes out
	// (WHATSAPP_DOWNLOAD_MEDIA). Mimetypes, when set, downloads only types with
	// one of these prefixes (WHATSAPP_FILES_MIMETYPES).
	Download  bool
	Mimetypes []string
	// Lifetime: files older than this are removed by Run (WHATSAPP_FILES_LIFETIME);
	// 0 keeps them. A message's media is downloaded again when asked for.
	Lifetime time.Duration
	Log      *slog.Logger
}

// Files is the gateway's media directory.
type Files struct {
	o Options
}

// NewFiles makes the media directory's keeper; nothing is created until a file is.
func NewFiles(o Options) (*Files, error) {
	if o.Dir == "" {
		return nil, errors.New("media: no directory")
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	return &Files{o: o}, nil
}

// Dir is the media directory.
func (f *Files) Dir() string { return f.o.Dir }

// MaxBytes is the largest file sent, fetched or downloaded.
func (f *Files) MaxBytes() int64 { return f.o.MaxBytes }

// Path is where a session's file is kept; file is one path element.
func (f *Files) Path(session, file string) string {
	return filepath.Join(f.o.Dir, session, filepath.Base(file))
}

// SessionDir is the directory of a session's files.
func (f *Files) SessionDir(session string) string {
	return filepath.Join(f.o.Dir, filepath.Base(session))
}

// URL is where clients fetch a session's file (media.url).
func (f *Files) URL(session, file string) string {
	return f.o.BaseURL + "/api/files/" + url.PathEscape(session) + "/" + url.PathEscape(file)
}

// Exists reports whether a session's file is there (the sweep may have removed it).
func (f *Files) Exists(session, file string) bool {
	if file == "" {
		return false
	}
	st, err := os.Stat(f.Path(session, file))
	return err == nil && st.Mode().IsRegular()
}

// Wants decides whether an incoming file is downloaded as it arrives: not when
// downloads are off or its type is not among media.mimetypes (reason empty: the
// client chose so), nor when it is over the size limit (reason says so).
func (f *Files) Wants(mimetype string, size int64) (ok bool, reason string) {
	if !f.o.Download {
		return false, ""
	}
	if len(f.o.Mimetypes) > 0 {
		mt := strings.ToLower(strings.TrimSpace(mimetype))
		match := false
		for _, p := range f.o.Mimetypes {
			if strings.HasPrefix(mt, strings.ToLower(strings.TrimSpace(p))) {
				match = true
				break
			}
		}
		if !match {
			return false, ""
		}
	}
	if size > f.o.MaxBytes {
		return false, fmt.Sprintf("the file is %d bytes, over the limit of %s (media.maxBytes)", size, FormatBytes(f.o.MaxBytes))
	}
	return true, ""
}

// Pending is a session's file being written; Commit puts it in place under its
// name, Abort removes it. Until Commit nothing can serve it.
type Pending struct {
	*os.File
	path string
	done bool
}

// Create starts writing a session's file.
func (f *Files) Create(session, file string) (*Pending, error) {
	path := f.Path(session, file)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create media directory: %w", err)
	}
	// A hidden name: the file route serves no name that starts with a dot.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".partial-*")
	if err != nil {
		return nil, fmt.Errorf("create media file: %w", err)
	}
	return &Pending{File: tmp, path: path}, nil
}

// Commit closes the file and gives it its name.
func (p *Pending) Commit() error {
	if p.done {
		return errors.New("media: file already committed or aborted")
	}
	p.done = true
	if err := p.File.Close(); err != nil {
		_ = os.Remove(p.File.Name())
		return fmt.Errorf("write media file: %w", err)
	}
	if err := os.Rename(p.File.Name(), p.path); err != nil {
		_ = os.Remove(p.File.Name())
		return fmt.Errorf("write media file: %w", err)
	}
	return nil
}

// Abort removes the unfinished file; after Commit it does nothing.
func (p *Pending) Abort() {
	if p.done {
		return
	}
	p.done = true
	_ = p.File.Close()
	_ = os.Remove(p.File.Name())
}

// Keep moves a file the gateway spooled (a sent file, its path as the server
// handed it to the engine) into a session's directory under name, so that its
// media.url works without downloading it back.
func (f *Files) Keep(session, file, spooled string) error {
	if filepath.Dir(spooled) != filepath.Join(f.o.Dir, ".spool") {
		return fmt.Errorf("keep sent file: %s is not a spooled file", spooled)
	}
	path := f.Path(session, file)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create media directory: %w", err)
	}
	if err := os.Rename(spooled, path); err != nil {
		return fmt.Errorf("keep sent file: %w", err)
	}
	return nil
}

// Remove deletes a session's file (a kept file whose message failed to send).
func (f *Files) Remove(session, file string) {
	_ = os.Remove(f.Path(session, file))
}

// spoolDir holds files on their way in or out.
func (f *Files) spoolDir() (string, error) {
	dir := filepath.Join(f.o.Dir, ".spool")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create spool directory: %w", err)
	}
	return dir, nil
}

// Sweep removes the sessions' files older than the lifetime, and spooled files
// left behind (a crash mid-request) an hour old.
func (f *Files) Sweep(now time.Time) (removed int) {
	entries, err := os.ReadDir(f.o.Dir)
	if err != nil {
		return 0
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		maxAge := f.o.Lifetime
		if e.Name() == ".spool" {
			maxAge = time.Hour
		} else if maxAge <= 0 {
			continue
		}
		dir := filepath.Join(f.o.Dir, e.Name())
		files, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, file := range files {
			info, err := file.Info()
			if err != nil || !info.Mode().IsRegular() || now.Sub(info.ModTime()) < maxAge {
				continue
			}
			// A file being written is young; an old partial one was abandoned.
			if err := os.Remove(filepath.Join(dir, file.Name())); err == nil {
				removed++
			} else if !errors.Is(err, fs.ErrNotExist) {
				f.o.Log.Warn("remove old media file", "file", file.Name(), "err", err)
			}
		}
	}
	return removed
}

// Run sweeps the directory until ctx ends.
func (f *Files) Run(ctx context.Context) {
	every := time.Minute
	if l := f.o.Lifetime; l > 0 && l/2 < every {
		every = max(l/2, time.Second)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if n := f.Sweep(now); n > 0 {
				f.o.Log.Debug("removed old media files", "count", n)
			}
		}
	}
}

// FormatBytes writes a size as the config does: 64 MiB, 512 KiB, 100 bytes.
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// copyLimited copies at most limit bytes; more is a *TooLargeError.
func copyLimited(w io.Writer, r io.Reader, limit int64) (int64, error) {
	n, err := io.Copy(w, io.LimitReader(r, limit+1))
	if err != nil {
		return n, err
	}
	if n > limit {
		return n, &TooLargeError{Limit: limit}
	}
	return n, nil
}

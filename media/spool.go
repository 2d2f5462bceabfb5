package media

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
)

// File is a spooled file: on disk, with its type and name. The one who has it
// removes it when done (Remove), unless Files.Keep moved it into a session.
type File struct {
	Path     string
	Size     int64
	Mimetype string
	Filename string
	kept     bool
}

// Open opens the file for reading.
func (f *File) Open() (*os.File, error) { return os.Open(f.Path) }

// Remove deletes the spooled file; a kept or removed file is left alone.
func (f *File) Remove() {
	if f == nil || f.kept || f.Path == "" {
		return
	}
	_ = os.Remove(f.Path)
	f.kept = true
}

// TooLargeError is a file over media.maxBytes; the API answers 413 naming the limit.
type TooLargeError struct {
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the file is larger than the limit of %s (media.maxBytes)", FormatBytes(e.Limit))
}

// Spooler writes one file into the spool directory, at most MaxBytes of it.
type Spooler struct {
	f     *os.File
	n     int64
	limit int64
	err   error
}

// NewSpool starts a spooled file.
func (f *Files) NewSpool() (*Spooler, error) {
	dir, err := f.spoolDir()
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, "in-*")
	if err != nil {
		return nil, fmt.Errorf("create spool file: %w", err)
	}
	return &Spooler{f: tmp, limit: f.o.MaxBytes}, nil
}

// Write appends to the file; past the limit it fails with *TooLargeError.
func (s *Spooler) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.n+int64(len(p)) > s.limit {
		s.err = &TooLargeError{Limit: s.limit}
		return 0, s.err
	}
	n, err := s.f.Write(p)
	s.n += int64(n)
	if err != nil {
		s.err = fmt.Errorf("write spool file: %w", err)
	}
	return n, s.err
}

// ReadFrom copies r into the file, up to the limit.
func (s *Spooler) ReadFrom(r io.Reader) (int64, error) {
	n, err := copyLimited(s.f, r, s.limit-s.n)
	s.n += n
	if err != nil && s.err == nil {
		var tl *TooLargeError
		if errors.As(err, &tl) {
			err = &TooLargeError{Limit: s.limit}
		}
		s.err = err
	}
	return n, s.err
}

// Size is what was written so far.
func (s *Spooler) Size() int64 { return s.n }

// Finish closes the file and returns it; an empty mimetype is sniffed from the
// file's first bytes.
func (s *Spooler) Finish(mimetype, filename string) (*File, error) {
	if s.err != nil {
		s.Abort()
		return nil, s.err
	}
	if err := s.f.Close(); err != nil {
		_ = os.Remove(s.f.Name())
		return nil, fmt.Errorf("write spool file: %w", err)
	}
	file := &File{Path: s.f.Name(), Size: s.n, Mimetype: strings.TrimSpace(mimetype), Filename: filename}
	if file.Mimetype == "" {
		mt, err := Sniff(file.Path)
		if err != nil {
			file.Remove()
			return nil, err
		}
		file.Mimetype = mt
	}
	return file, nil
}

// Abort removes the unfinished file.
func (s *Spooler) Abort() {
	_ = s.f.Close()
	_ = os.Remove(s.f.Name())
}

// TempFile creates a temporary file in the spool directory (a request body on its
// way to its handler); the caller removes it.
func (f *Files) TempFile(pattern string) (*os.File, error) {
	dir, err := f.spoolDir()
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, fmt.Errorf("create temporary file: %w", err)
	}
	return tmp, nil
}

// Spool copies r into a spooled file.
func (f *Files) Spool(r io.Reader, mimetype, filename string) (*File, error) {
	s, err := f.NewSpool()
	if err != nil {
		return nil, err
	}
	if _, err := s.ReadFrom(r); err != nil {
		s.Abort()
		return nil, err
	}
	return s.Finish(mimetype, filename)
}

// Sniff guesses a file's type from its first bytes, as browsers do.
func Sniff(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("sniff file type: %w", err)
	}
	defer fh.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(fh, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("sniff file type: %w", err)
	}
	head = head[:n]
	// What DetectContentType does not know but WhatsApp sends.
	switch {
	case len(head) >= 36 && string(head[:4]) == "OggS" && strings.Contains(string(head[28:min(len(head), 64)]), "OpusHead"):
		return "audio/ogg; codecs=opus", nil
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		return "video/mp4", nil
	}
	return http.DetectContentType(head), nil
}

// BaseType is a mimetype without its parameters, lower case ("" if it does not parse).
func BaseType(mimetype string) string {
	mt, _, err := mime.ParseMediaType(mimetype)
	if err != nil {
		return ""
	}
	return mt
}

// Extension is the file extension for a file (no dot): the sender's file name
// wins, then the mimetype, then "bin". Only letters and digits survive, since it
// ends up in a path.
func Extension(mimetype, filename string) string {
	ext := ""
	if i := strings.LastIndexByte(filename, '.'); i >= 0 {
		ext = filename[i+1:]
	}
	if ext == "" {
		switch base := BaseType(mimetype); base {
		case "image/jpeg":
			ext = "jpeg"
		case "audio/ogg":
			ext = "oga"
		case "video/mp4":
			ext = "mp4"
		case "audio/mpeg":
			ext = "mp3"
		case "":
		default:
			if exts, _ := mime.ExtensionsByType(base); len(exts) > 0 {
				ext = strings.TrimPrefix(exts[0], ".")
			}
		}
	}
	ext = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, strings.ToLower(ext))
	if ext == "" || len(ext) > 10 {
		return "bin"
	}
	return ext
}

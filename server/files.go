package server

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/engines"
)

// fileNotFound is WAHA's body for a missing file.
var fileNotFound = map[string]any{"error": map[string]any{
	"code": 404, "key": "FILE_NOT_FOUND", "message": "File not found",
	"details": "File not found or no longer available",
}}

// maxFileName is the longest file name a file system takes (NAME_MAX).
const maxFileName = 255

// getFile serves a media file an engine downloaded (media.url). Only a regular
// file directly in the session's directory is served: never a symlink, which
// could point anywhere, nor anything the name could reach outside the directory.
func (s *Server) getFile(c echo.Context) error {
	session, file := c.Param("session"), c.Param("file")
	if err := engines.ValidateSessionName(session); err != nil {
		return badRequest("session: %s", err.Error())
	}
	if err := validFileName(file); err != nil {
		return err
	}
	dir := s.media.SessionDir(session)
	if st, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) || err == nil && !st.IsDir() {
		return c.JSON(http.StatusNotFound, fileNotFound)
	} else if err != nil {
		return fmt.Errorf("look up media directory of session %s: %w", session, err)
	}
	// The root refuses any path that leaves the directory, even through a
	// symlink swapped in between the check and the open.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("open media directory of session %s: %w", session, err)
	}
	defer root.Close()
	st, err := root.Lstat(file)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !st.Mode().IsRegular() {
		return c.JSON(http.StatusNotFound, fileNotFound)
	}
	if err != nil {
		return fmt.Errorf("look up media file %s of session %s: %w", file, session, err)
	}
	f, err := root.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return c.JSON(http.StatusNotFound, fileNotFound)
	}
	if err != nil {
		return fmt.Errorf("open media file %s of session %s: %w", file, session, err)
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil || !st.Mode().IsRegular() {
		return c.JSON(http.StatusNotFound, fileNotFound)
	}
	// A large file on a slow link takes longer than an API answer may.
	_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(s.limits.FileWriteTimeout))
	http.ServeContent(c.Response(), c.Request(), file, st.ModTime(), f)
	return nil
}

// validFileName accepts the names engines give media files: one path element
// of letters, digits, "_", "-", "@" and ".", not hidden, not a partial download,
// no longer than a file system takes.
func validFileName(file string) error {
	bad := func() error {
		return badRequest("file: expected a file name such as 3EB0ABCD.jpg, got %q", file)
	}
	if file == "" || strings.HasPrefix(file, ".") || strings.HasSuffix(file, ".tmp") {
		return bad()
	}
	if len(file) > maxFileName {
		return badRequest("file: a file name is at most %d bytes, got %d", maxFileName, len(file))
	}
	for _, r := range file {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-@.", r)) {
			return bad()
		}
	}
	return nil
}

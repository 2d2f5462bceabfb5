package server

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/engines"
)

// fileNotFound is WAHA's body for a missing file.
var fileNotFound = map[string]any{"error": map[string]any{
	"code": 404, "key": "FILE_NOT_FOUND", "message": "File not found",
	"details": "File not found or no longer available",
}}

// MediaDir is where engines put downloaded media: one directory per session under
// the data directory.
func MediaDir(dataDir string) string { return filepath.Join(dataDir, "media") }

// getFile serves a media file an engine downloaded (media.url).
func (s *Server) getFile(c echo.Context) error {
	session, file := c.Param("session"), c.Param("file")
	if err := engines.ValidateSessionName(session); err != nil {
		return badRequest("session: %s", err.Error())
	}
	// One path element, no hidden or partial files: nothing outside the session's directory.
	if file == "" || file != filepath.Base(file) || strings.HasPrefix(file, ".") || strings.HasSuffix(file, ".tmp") {
		return badRequest("file: expected a file name such as 3EB0ABCD.jpg, got %q", file)
	}
	path := filepath.Join(MediaDir(s.cfg.Data.Dir), session, file)
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !st.Mode().IsRegular() {
		return c.JSON(http.StatusNotFound, fileNotFound)
	}
	if err != nil {
		return err
	}
	return c.File(path)
}

package server

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/server/picture"
)

const (
	// maxPictureBytes bounds a picture downloaded from a URL or decoded from base64.
	maxPictureBytes     = 16 << 20
	pictureFetchTimeout = 30 * time.Second
)

func (s *Server) getProfile(c echo.Context) error {
	e, err := engineAs[engines.ProfileEditor](s, c)
	if err != nil {
		return err
	}
	p, err := e.Profile(c.Request().Context())
	if err != nil {
		return fmt.Errorf("get profile: %w", err)
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) setProfileName(c echo.Context) error {
	// WhatsApp's push names are at most 25 characters.
	name, err := textBody(c, "name", 25, false)
	if err != nil {
		return err
	}
	e, err := engineAs[engines.ProfileEditor](s, c)
	if err != nil {
		return err
	}
	if err := e.SetProfileName(c.Request().Context(), name); err != nil {
		return fmt.Errorf("set profile name: %w", err)
	}
	return c.JSON(http.StatusOK, success)
}

func (s *Server) setProfileStatus(c echo.Context) error {
	// WhatsApp's about is at most 139 characters.
	about, err := textBody(c, "status", 139, true)
	if err != nil {
		return err
	}
	e, err := engineAs[engines.ProfileEditor](s, c)
	if err != nil {
		return err
	}
	if err := e.SetProfileAbout(c.Request().Context(), about); err != nil {
		return fmt.Errorf("set about: %w", err)
	}
	return c.JSON(http.StatusOK, success)
}

func (s *Server) setProfilePicture(c echo.Context) error {
	pic, err := s.pictureBody(c)
	if err != nil {
		return err
	}
	e, err := engineAs[engines.ProfileEditor](s, c)
	if err != nil {
		return err
	}
	if err := e.SetProfilePicture(c.Request().Context(), pic); err != nil {
		return fmt.Errorf("set profile picture: %w", err)
	}
	return c.JSON(http.StatusOK, success)
}

// pictureBody reads WAHA's ProfilePictureRequest ({file: {url} or {data,
// mimetype}}) and prepares the picture as WhatsApp wants it.
func (s *Server) pictureBody(c echo.Context) (engines.ProfilePicture, error) {
	var body struct {
		File *struct {
			Mimetype string `json:"mimetype"`
			Filename string `json:"filename"`
			URL      string `json:"url"`
			Data     string `json:"data"`
		} `json:"file"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return engines.ProfilePicture{}, err
	}
	f := body.File
	if f == nil {
		return engines.ProfilePicture{}, badRequest("file: required ({url} or {data} with the image's mimetype)")
	}
	var raw []byte
	switch {
	case f.URL != "" && f.Data != "":
		return engines.ProfilePicture{}, badRequest("file: give url or data, not both")
	case f.URL != "":
		var err error
		if raw, err = s.fetchPicture(c.Request().Context(), f.URL); err != nil {
			return engines.ProfilePicture{}, err
		}
	case f.Data != "":
		if len(f.Data) > base64.StdEncoding.EncodedLen(maxPictureBytes) {
			return engines.ProfilePicture{}, badRequest("file.data: larger than %d MB", maxPictureBytes>>20)
		}
		var err error
		if raw, err = base64.StdEncoding.DecodeString(f.Data); err != nil {
			return engines.ProfilePicture{}, badRequest("file.data: not base64: %s", err.Error())
		}
	default:
		return engines.ProfilePicture{}, badRequest("file: needs url or data")
	}
	if f.Mimetype != "" && !strings.HasPrefix(strings.ToLower(f.Mimetype), "image/") {
		return engines.ProfilePicture{}, badRequest("file.mimetype: %q is not an image", f.Mimetype)
	}
	return preparePicture(raw)
}

func (s *Server) deleteProfilePicture(c echo.Context) error {
	e, err := engineAs[engines.ProfileEditor](s, c)
	if err != nil {
		return err
	}
	if err := e.DeleteProfilePicture(c.Request().Context()); err != nil {
		return fmt.Errorf("delete profile picture: %w", err)
	}
	return c.JSON(http.StatusOK, success)
}

// fetchPicture downloads a picture given by URL: http(s) only, to a host the
// gateway's network guard allows (the API key's holder names the URL: no cloud
// metadata, not the gateway itself), bounded in size and time; a failure is
// the client's 400, naming the URL.
func (s *Server) fetchPicture(ctx context.Context, raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, badRequest("file.url: %q is not an http or https URL", raw)
	}
	if err := s.guard.CheckURL(ctx, u.String()); err != nil {
		return nil, badRequest("file.url: %s", err.Error())
	}
	ctx, cancel := context.WithTimeout(ctx, pictureFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, badRequest("file.url: %s", err.Error())
	}
	res, err := s.guard.Client(pictureFetchTimeout).Do(req)
	if err != nil {
		return nil, badRequest("file.url: download %s: %s", u.Redacted(), err.Error())
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, badRequest("file.url: download %s: status %d", u.Redacted(), res.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, maxPictureBytes+1))
	if err != nil {
		return nil, badRequest("file.url: download %s: %s", u.Redacted(), err.Error())
	}
	if len(data) > maxPictureBytes {
		return nil, badRequest("file.url: %s is larger than %d MB", u.Redacted(), maxPictureBytes>>20)
	}
	return data, nil
}

// preparePicture is the picture and thumbnail WhatsApp wants; bad bytes are a 400.
func preparePicture(raw []byte) (engines.ProfilePicture, error) {
	pic, thumb, err := picture.Prepare(raw)
	if errors.Is(err, picture.ErrNotImage) {
		return engines.ProfilePicture{}, badRequest("file: %s", err.Error())
	}
	if err != nil {
		return engines.ProfilePicture{}, fmt.Errorf("prepare profile picture: %w", err)
	}
	return engines.ProfilePicture{JPEG: pic, Thumbnail: thumb}, nil
}

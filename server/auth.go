package server

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/skip2/go-qrcode"

	"github.com/wagate/wagate/engines"
)

// wantsJSON reports whether the client asked for JSON instead of an image.
func wantsJSON(c echo.Context) bool {
	return strings.Contains(c.Request().Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON)
}

// image answers PNG bytes, or WAHA's Base64File when the client accepts JSON.
func image(c echo.Context, png []byte) error {
	if wantsJSON(c) {
		return c.JSON(http.StatusOK, map[string]string{"mimetype": "image/png", "data": base64.StdEncoding.EncodeToString(png)})
	}
	return c.Blob(http.StatusOK, "image/png", png)
}

func (s *Server) authQR(c echo.Context) error {
	format := c.QueryParam("format")
	if format == "" {
		format = "image"
	}
	if format != "image" && format != "raw" {
		return badRequest("format: expected image or raw, got %q", format)
	}
	name, _ := c.Get(ctxSession).(string)
	e, err := engineAs[engines.Engine](s, c)
	if err != nil {
		return err
	}
	qr, err := e.QR(c.Request().Context())
	if err != nil {
		return fmt.Errorf("get QR of session %s: %w", name, err)
	}
	if format == "raw" {
		return c.JSON(http.StatusOK, map[string]string{"value": qr.Value})
	}
	png, err := qrcode.Encode(qr.Value, qrcode.Medium, 512)
	if err != nil {
		return fmt.Errorf("render QR of session %s: %w", name, err)
	}
	return image(c, png)
}

type requestCodeRequest struct {
	PhoneNumber *string `json:"phoneNumber"`
	Method      *string `json:"method"`
}

func (s *Server) authRequestCode(c echo.Context) error {
	var req requestCodeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.PhoneNumber == nil || *req.PhoneNumber == "" {
		return badRequest("phoneNumber: required field is missing")
	}
	phone, err := engines.ParseChatID(*req.PhoneNumber)
	if err != nil || phone.Server != engines.ServerUser || strings.Contains(*req.PhoneNumber, "@") {
		return badRequest("phoneNumber: expected a phone number in international format such as 12132132130, got %q", *req.PhoneNumber)
	}
	if req.Method != nil && *req.Method != "" {
		return badRequest("method: only pairing with WhatsApp on the phone is supported; leave method empty (got %q)", *req.Method)
	}
	name, _ := c.Get(ctxSession).(string)
	e, err := engineAs[engines.Engine](s, c)
	if err != nil {
		return err
	}
	code, err := e.RequestCode(c.Request().Context(), phone.User)
	if err != nil {
		return fmt.Errorf("request pairing code for session %s: %w", name, err)
	}
	return c.JSON(http.StatusCreated, map[string]string{"code": code})
}

func (s *Server) screenshot(c echo.Context) error {
	name, _ := c.Get(ctxSession).(string)
	shooter, err := engineAs[engines.Screenshotter](s, c)
	if err != nil {
		return err
	}
	png, err := shooter.Screenshot(c.Request().Context())
	if err != nil {
		return fmt.Errorf("screenshot of session %s: %w", name, err)
	}
	return image(c, png)
}

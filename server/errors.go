package server

import (
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/sessions"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/engines"
)

// APIError is WAHA's error envelope; the extra fields appear only where they apply.
type APIError struct {
	StatusCode int    `json:"statusCode"`
	Error_     string `json:"error"`
	Message    string `json:"message"`
	// 422, session not in the expected status.
	Session  string           `json:"session,omitempty"`
	Status   engines.Status   `json:"status,omitempty"`
	Expected []engines.Status `json:"expected,omitempty"`
	// 501, operation not supported by the session's engine.
	Engine         engines.Name `json:"engine,omitempty"`
	Operation      string       `json:"operation,omitempty"`
	FeatureRequest string       `json:"featureRequest,omitempty"`
}

func (e *APIError) Error() string { return fmt.Sprintf("%d %s: %s", e.StatusCode, e.Error_, e.Message) }

func newError(code int, format string, args ...any) *APIError {
	return &APIError{StatusCode: code, Error_: http.StatusText(code), Message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *APIError {
	return newError(http.StatusBadRequest, format, args...)
}

// notWorking answers a session that is not in the status a call needs: WAHA's
// 404 for one that is not running (STOPPED), else its 422, whose message says what
// to do about the status it is in.
func (s *Server) notWorking(c echo.Context, e *engines.NotWorkingError) *APIError {
	if e.Status == engines.StatusStopped {
		return newError(http.StatusNotFound, "We didn't find a session with name '%s'.\nPlease start it first by using POST /api/sessions/%s/start request", e.Session, e.Session)
	}
	var hint string
	switch {
	case e.Status == engines.StatusFailed:
		reason := "no reason was given"
		if info, err := s.manager.Get(c.Request().Context(), e.Session); err == nil && info.Failure != "" {
			reason = info.Failure
		}
		hint = fmt.Sprintf("It failed: %s. It restarts by itself after a while; restart it now with POST /api/sessions/%s/restart.", reason, e.Session)
	case e.Status == engines.StatusWorking && slices.Contains(e.Expected, engines.StatusScanQRCode):
		hint = fmt.Sprintf("It is already paired: there is nothing to scan. To pair it with another phone, log out first with POST /api/sessions/%s/logout.", e.Session)
	case e.Status == engines.StatusScanQRCode:
		hint = fmt.Sprintf("It is not paired yet: scan the QR code of GET /api/%s/auth/qr with WhatsApp on your phone, or pair by code with POST /api/%s/auth/request-code.", e.Session, e.Session)
	case e.Status == engines.StatusStarting:
		hint = "It is still starting: try again in a few seconds."
	default:
		hint = "Try again later or restart the session."
	}
	return &APIError{
		StatusCode: http.StatusUnprocessableEntity, Error_: http.StatusText(http.StatusUnprocessableEntity),
		Message: fmt.Sprintf("Session status is not as expected: session '%s' is %s, expected %s. %s",
			e.Session, e.Status, joinStatuses(e.Expected), hint),
		Session: e.Session, Status: e.Status, Expected: e.Expected,
	}
}

func joinStatuses(ss []engines.Status) string {
	out := make([]string, len(ss))
	for i, st := range ss {
		out[i] = string(st)
	}
	return strings.Join(out, " or ")
}

// errorHandler writes every error as the envelope. Errors we did not anticipate are
// logged with the request id and answered 500 without their text, which may carry
// internals.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	apiErr := s.toAPIError(err, c)
	if apiErr.StatusCode == http.StatusNotImplemented && apiErr.FeatureRequest != "" {
		c.Response().Header().Set("Link", fmt.Sprintf("<%s>; rel=\"help\"", apiErr.FeatureRequest))
	}
	err = c.JSON(apiErr.StatusCode, apiErr) // a HEAD's body is dropped by headWriter
	if err != nil {
		s.log.Error("write error response", "err", err)
	}
}

func (s *Server) toAPIError(err error, c echo.Context) *APIError {
	var (
		apiErr  *APIError
		httpErr *echo.HTTPError
		idErr   *engines.IDError
		nwErr   *engines.NotWorkingError
		sdErr   *chatstore.DisabledError
	)
	switch {
	case errors.As(err, &apiErr):
		return apiErr
	case errors.As(err, &nwErr):
		return s.notWorking(c, nwErr)
	case errors.As(err, &idErr):
		return badRequest("%s", idErr.Error())
	case errors.As(err, &sdErr):
		return newError(http.StatusUnprocessableEntity, "%s", sdErr.Error())
	case errors.Is(err, sessions.ErrNotFound):
		return newError(http.StatusNotFound, "Session not found")
	case errors.Is(err, engines.ErrNotFound):
		return newError(http.StatusNotFound, "%s", err.Error())
	case errors.Is(err, engines.ErrNoQR), errors.Is(err, engines.ErrNotAllowed):
		return newError(http.StatusUnprocessableEntity, "%s", err.Error())
	case errors.Is(err, engines.ErrInvalid):
		return badRequest("%s", err.Error())
	case errors.Is(err, engines.ErrNotSupported):
		return s.notImplemented(c)
	case errors.Is(err, context.DeadlineExceeded):
		s.log.Error("request timed out", "request_id", requestID(c), "err", err)
		return newError(http.StatusGatewayTimeout, "The engine did not answer in time")
	case errors.As(err, &httpErr):
		code := httpErr.Code
		msg := http.StatusText(code)
		switch code {
		case http.StatusNotFound:
			msg = fmt.Sprintf("Cannot %s %s", c.Request().Method, c.Request().URL.Path)
		case http.StatusRequestEntityTooLarge:
			msg = fmt.Sprintf("Request body is larger than the limit of %d MB", s.cfg.Server.BodyLimitMB)
		default:
			if m, ok := httpErr.Message.(string); ok && code < 500 {
				msg = m
			}
		}
		return newError(code, "%s", msg)
	}
	if lost := s.sessionGone(c); lost != nil {
		s.log.Info("request failed as its session stopped under it", "request_id", requestID(c), "operation", c.Get(ctxOperation), "err", err, "answer", lost.StatusCode)
		return lost
	}
	s.log.Error("request failed", "request_id", requestID(c), "operation", c.Get(ctxOperation), "err", err)
	return newError(http.StatusInternalServerError, "Internal error; see the gateway log for request %s", requestID(c))
}

// sessionGone is the answer for an engine call that failed because its session
// was deleted, stopped or logged out while the call ran (the gate had let it
// through): the 404 or 422 the request would get now, instead of a 500 for what
// the engine said about losing its connection. nil when the session is still in
// a status the operation needs, and the error is the engine's own.
func (s *Server) sessionGone(c echo.Context) *APIError {
	name, _ := c.Get(ctxSession).(string)
	if name == "" {
		return nil
	}
	info, err := s.manager.Get(c.Request().Context(), name)
	if errors.Is(err, sessions.ErrNotFound) {
		return newError(http.StatusNotFound, "We didn't find a session with name '%s': it was deleted while the request ran.", name)
	}
	if err != nil {
		return nil
	}
	id, _ := c.Get(ctxOperation).(string)
	op, _ := s.matrix.Operation(id)
	if len(op.Needs) == 0 || slices.Contains(op.Needs, info.Status) {
		return nil
	}
	return s.notWorking(c, &engines.NotWorkingError{Session: name, Status: info.Status, Expected: op.Needs})
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// decodeJSON reads the body into v and turns every decoding problem into a 400 that
// names the field or the position.
func decodeJSON(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	if err := dec.Decode(v); err != nil {
		var (
			syn  *json.SyntaxError
			typ  *json.UnmarshalTypeError
			http *http.MaxBytesError
		)
		switch {
		case errors.As(err, &http):
			return echo.ErrStatusRequestEntityTooLarge
		case errors.As(err, &syn):
			if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" && !strings.Contains(strings.ToLower(ct), "json") {
				// A form post (curl -d's default) reads as broken JSON; say what to send.
				return badRequest("Invalid JSON at byte %d: %s (the body was sent as %s; send JSON with Content-Type: application/json)", syn.Offset, syn.Error(), ct)
			}
			return badRequest("Invalid JSON at byte %d: %s", syn.Offset, syn.Error())
		case errors.As(err, &typ):
			return typeError(typ)
		case err.Error() == "EOF":
			return badRequest("Request body is empty; expected a JSON object")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return badRequest("Invalid JSON: the body ends before the value does")
		default:
			return badRequest("Invalid JSON: %s", err.Error())
		}
	}
	// Only white space may follow the value: dec.More alone would let a stray
	// "}" or "]" and whatever follows it through.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("Invalid JSON at byte %d: unexpected data after the value", dec.InputOffset())
	}
	return nil
}

// typeError is the 400 for a JSON value of the wrong type: the field's path and
// the JSON type it wants, never the Go type it is decoded into (a client knows
// "an object", not "engines.SessionConfig"). A wrong type for the whole body has
// no field: it is the body that must be an object.
func typeError(typ *json.UnmarshalTypeError) *APIError {
	if typ.Field == "" {
		return badRequest("Request body: expected %s, got %s", jsonTypeName(typ.Type), typ.Value)
	}
	return badRequest("%s: expected %s, got %s", typ.Field, jsonTypeName(typ.Type), typ.Value)
}

// jsonTypeName says which JSON value decodes into t.
func jsonTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if e := t.Elem(); e.Kind() != reflect.Slice && e.Kind() != reflect.Array {
			if name := jsonTypeName(e); name != "a value" {
				return "a list of " + plural(name)
			}
		}
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a value"
}

// plural turns "a string" into "strings", "an object" into "objects".
func plural(name string) string {
	switch name {
	case "true or false":
		return "true or false values"
	}
	name = strings.TrimPrefix(strings.TrimPrefix(name, "an "), "a ")
	return name + "s"
}

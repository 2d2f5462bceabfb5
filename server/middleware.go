package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/dashboard"
	"github.com/wagate/wagate/engines"
)

// accessLog logs one line per request. It logs the path without the query, which
// may carry the API key.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		op, _ := c.Get(ctxOperation).(string)
		elapsed := time.Since(start)
		s.metrics.observe(op, method(c), status, elapsed)
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.log.Log(c.Request().Context(), level, "http",
			"request_id", requestID(c), "method", method(c), "path", c.Request().URL.Path,
			"operation", op, "status", status, "duration_ms", float64(elapsed.Microseconds())/1000,
			"bytes", c.Response().Size)
		return nil
	}
}

// publicPaths need no API key.
var publicPaths = map[string]bool{"/ping": true, "/health": true, "/": true}

// authenticate checks the API key from the X-Api-Key header or x-api-key query.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if publicPaths[c.Request().URL.Path] {
			return next(c)
		}
		r := c.Request()
		if s.dash != nil && (r.URL.Path == dashboard.Prefix || strings.HasPrefix(r.URL.Path, dashboard.Prefix+"/")) {
			return next(c) // the dashboard's pages check its login themselves
		}
		key := r.Header.Get("X-Api-Key")
		if key == "" {
			key = c.QueryParam("x-api-key")
		}
		if key == "" && s.dash != nil {
			// The dashboard's browser: its login cookie, and for a state change its
			// CSRF token, stand for the key.
			switch err := s.dash.Authorize(r); {
			case err == nil:
				return next(c)
			case errors.Is(err, dashboard.ErrCSRF):
				c.Response().Header().Set(echo.HeaderConnection, "close")
				return newError(http.StatusForbidden, "Forbidden: %s", err.Error())
			}
		}
		if key == "" || !s.key.Matches(key) {
			// The body is never read. After the handler net/http would still read
			// up to 256 KB of it to reuse the connection, which a client trickling
			// its body makes last as long as it likes: the read deadline ends that
			// at once, and the connection is closed after the answer.
			c.Response().Header().Set(echo.HeaderConnection, "close")
			_ = http.NewResponseController(c.Response()).SetReadDeadline(time.Now())
			return newError(http.StatusUnauthorized, "Unauthorized: send the API key in the X-Api-Key header")
		}
		return next(c)
	}
}

// gate resolves the session of a session-scoped operation (path, query or JSON
// body "session"), answers 404 for an unknown one and 501 when its engine does not
// support the operation. The handler then validates its input and asks engineAs
// for the engine, which applies the rest of the matrix's row.
func (s *Server) gate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		name, cleanup, err := s.requestSession(c)
		defer cleanup()
		if err != nil {
			return err
		}
		if err := engines.ValidateSessionName(name); err != nil {
			return badRequest("session: %s", err.Error())
		}
		engine, err := s.manager.EngineName(name)
		if err != nil {
			return newError(http.StatusNotFound, "We didn't find a session with name '%s'. Create it with POST /api/sessions and start it.", name)
		}
		op, _ := c.Get(ctxOperation).(string)
		if !s.matrix.Supports(op, engine) {
			return s.notImplementedFor(op, engine)
		}
		c.Set(ctxSession, name)
		return next(c)
	}
}

// sessionName finds the session a request is for.
func sessionName(c echo.Context) (string, error) {
	if p := c.Param("session"); p != "" {
		name, err := url.PathUnescape(p)
		if err != nil {
			return "", badRequest("session: invalid escape in %q", p)
		}
		return name, nil
	}
	if q := c.QueryParam("session"); q != "" {
		return q, nil
	}
	if c.Request().Method == http.MethodGet {
		return "", badRequest("session: required query parameter is missing")
	}
	// Read the body once and put it back for the handler.
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", echo.ErrStatusRequestEntityTooLarge
		}
		return "", badRequest("read body: %s", err.Error())
	}
	c.Request().Body = io.NopCloser(bytes.NewReader(body))
	var peek struct {
		Session *string `json:"session"`
	}
	if err := json.Unmarshal(body, &peek); err != nil {
		return "", decodeJSON(c, &peek) // the same 400 the handler would give
	}
	if peek.Session == nil || *peek.Session == "" {
		return "", badRequest("session: required field is missing")
	}
	return *peek.Session, nil
}

// unbuilt answers an operation of the matrix that no engine supports yet: after the
// gate, a session operation's 501 names the session's engine; a gateway one's names
// none.
func (s *Server) unbuilt(c echo.Context) error {
	return s.notImplemented(c)
}

func (s *Server) notImplemented(c echo.Context) *APIError {
	op, _ := c.Get(ctxOperation).(string)
	name, _ := c.Get(ctxSession).(string)
	engine, _ := s.manager.EngineName(name)
	return s.notImplementedFor(op, engine)
}

func (s *Server) notImplementedFor(op string, engine engines.Name) *APIError {
	if engine == "" {
		e := newError(http.StatusNotImplemented, "%s is not implemented by wagate yet. Ask for it, or vote for it, at the feature request link.", op)
		e.Operation, e.FeatureRequest = op, s.matrix.FeatureRequest(op, "")
		return e
	}
	e := newError(http.StatusNotImplemented, "%s is not implemented by the %s engine yet. Ask for it, or vote for it, at the feature request link.", op, engine)
	if why := s.matrix.Why(op, engine); why != "" {
		e.Message = fmt.Sprintf("%s is not available on the %s engine: %s.", op, engine, why)
	}
	e.Engine, e.Operation, e.FeatureRequest = engine, op, s.matrix.FeatureRequest(op, engine)
	return e
}

// engineAs is the engine of the request's session once it is in a status the
// operation needs (the matrix's needs: WORKING for most; it waits briefly for a
// session on its way there, else answers 422), as the optional interface T the
// operation calls. Handlers call it after validating their input, so bad input is
// a 400 whatever the session's status. The matrix and the engines' types agree (a
// test checks it), so a missing interface is a 501 like the matrix's, never a panic.
func engineAs[T any](s *Server, c echo.Context) (T, error) {
	var t T
	name, _ := c.Get(ctxSession).(string)
	id, _ := c.Get(ctxOperation).(string)
	op, _ := s.matrix.Operation(id)
	e, _, err := s.manager.Await(c.Request().Context(), name, op.Needs...)
	if err != nil {
		return t, err
	}
	t, ok := e.(T)
	if !ok {
		return t, s.notImplemented(c)
	}
	return t, nil
}

package server

import (
	"github.com/wagate/wagate/sessions"

	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/engines"
)

// sessionInfo is WAHA's SessionInfo plus our engine object and failure reason.
// What has no value is left out: me before pairing, presence (wagate sets none),
// failureReason unless FAILED.
type sessionInfo struct {
	Name          string                `json:"name"`
	Status        engines.Status        `json:"status"`
	Config        engines.SessionConfig `json:"config"`
	Me            *engines.MeInfo       `json:"me,omitempty"`
	Timestamps    sessionTimestamps     `json:"timestamps"`
	Engine        map[string]any        `json:"engine"`
	FailureReason *string               `json:"failureReason,omitempty"`
	// The replica that runs the session, when replicas share a PostgreSQL.
	AssignedWorker *string `json:"assignedWorker,omitempty"`
	// Why the session cannot leave its replica (a WEBJS browser profile on its disk).
	Pinned *pinnedInfo `json:"pinned,omitempty"`
}

type pinnedInfo struct {
	Replica string `json:"replica"`
	Reason  string `json:"reason"`
}

type sessionTimestamps struct {
	Activity *int64 `json:"activity"`
}

func toSessionInfo(in sessions.Info) sessionInfo {
	out := sessionInfo{
		Name: in.Name, Status: in.Status, Config: in.Config, Me: in.Me,
		Engine: map[string]any{"engine": in.Engine},
	}
	for k, v := range in.EngineInfo {
		if k != "engine" {
			out.Engine[k] = v
		}
	}
	if in.Activity != nil {
		ms := in.Activity.UnixMilli()
		out.Timestamps.Activity = &ms
	}
	if in.Status == engines.StatusFailed && in.Failure != "" {
		r := in.Failure
		out.FailureReason = &r
	}
	if in.Replica != "" {
		r := in.Replica
		out.AssignedWorker = &r
	}
	if in.PinnedTo != "" {
		out.Pinned = &pinnedInfo{Replica: in.PinnedTo, Reason: in.PinReason}
	}
	return out
}

// sessionRequest is SessionCreateRequest and SessionUpdateRequest, plus our engine.
type sessionRequest struct {
	Name   *string                `json:"name"`
	Start  *bool                  `json:"start"`
	Engine *string                `json:"engine"`
	Config *engines.SessionConfig `json:"config"`
	Apps   []any                  `json:"apps"`
}

// validate checks the request and returns its engine (empty when not given) and config.
func (r sessionRequest) validate() (engines.Name, engines.SessionConfig, error) {
	var name engines.Name
	if r.Engine != nil {
		n, err := engines.ParseName(*r.Engine)
		if err != nil {
			return "", engines.SessionConfig{}, badRequest("engine: %s", err.Error())
		}
		name = n
	}
	if len(r.Apps) > 0 {
		return "", engines.SessionConfig{}, badRequest("apps: apps are not supported; leave the field out")
	}
	var cfg engines.SessionConfig
	if r.Config != nil {
		cfg = *r.Config
	}
	if err := cfg.Validate(); err != nil {
		return "", cfg, badRequest("%s", err.Error())
	}
	return name, cfg, nil
}

// checkWebhooks refuses a session's webhooks the gateway must not send to (cloud
// metadata, its own API, credentials in the URL; webhook.allowedHosts), naming
// the webhook. Deliveries are checked again when dialled.
func (s *Server) checkWebhooks(ctx context.Context, cfg engines.SessionConfig) error {
	for i, w := range cfg.Webhooks {
		if err := s.guard.CheckURL(ctx, w.URL); err != nil {
			return badRequest("config.webhooks[%d].url: %s", i, err.Error())
		}
	}
	return nil
}

// sessionParam is the {session} of /api/sessions/{session}/...
func sessionParam(c echo.Context) (string, error) {
	name, err := sessionName(c)
	if err != nil {
		return "", err
	}
	if err := engines.ValidateSessionName(name); err != nil {
		return "", badRequest("session: %s", err.Error())
	}
	return name, nil
}

func parseBool(c echo.Context, field string, def bool) (bool, error) {
	v := c.QueryParam(field)
	if v == "" {
		return def, nil
	}
	switch strings.ToLower(v) {
	case "true", "1", "yes":
		return true, nil
	case "false", "0", "no":
		return false, nil
	}
	return false, badRequest("%s: expected true or false, got %q", field, v)
}

func (s *Server) listSessions(c echo.Context) error {
	all, err := parseBool(c, "all", false)
	if err != nil {
		return err
	}
	infos := s.manager.List(c.Request().Context(), all)
	out := make([]sessionInfo, 0, len(infos))
	for _, in := range infos {
		out = append(out, toSessionInfo(in))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) createSession(c echo.Context) error {
	var req sessionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	engine, cfg, err := req.validate()
	if err != nil {
		return err
	}
	if err := s.checkWebhooks(c.Request().Context(), cfg); err != nil {
		return err
	}
	if engine == "" {
		engine = s.cfg.Engines.Default
	}
	name := ""
	if req.Name != nil {
		name = *req.Name
	} else {
		b := make([]byte, 6)
		rand.Read(b)
		name = "session_" + hex.EncodeToString(b)
	}
	if err := engines.ValidateSessionName(name); err != nil {
		return badRequest("name: %s", err.Error())
	}
	start := req.Start == nil || *req.Start
	info, err := s.manager.Create(c.Request().Context(), name, engine, cfg, start)
	if errors.Is(err, sessions.ErrExists) {
		return newError(http.StatusUnprocessableEntity, "Session '%s' already exists. Use PUT to update it.", name)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toSessionInfo(info))
}

func (s *Server) getSession(c echo.Context) error {
	name, err := sessionParam(c)
	if err != nil {
		return err
	}
	info, err := s.manager.Get(c.Request().Context(), name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSessionInfo(info))
}

func (s *Server) updateSession(c echo.Context) error {
	name, err := sessionParam(c)
	if err != nil {
		return err
	}
	var req sessionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Name != nil && *req.Name != name {
		return badRequest("name: a session cannot be renamed (%q in the body, %q in the path)", *req.Name, name)
	}
	engine, cfg, err := req.validate()
	if err != nil {
		return err
	}
	if err := s.checkWebhooks(c.Request().Context(), cfg); err != nil {
		return err
	}
	info, err := s.manager.Update(c.Request().Context(), name, engine, cfg)
	if errors.Is(err, sessions.ErrPaired) {
		return newError(http.StatusConflict, "Session '%s' is paired with its %s engine; log out first (POST /api/sessions/%s/logout), then change the engine.", name, s.engineOf(name), name)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSessionInfo(info))
}

// engineOf is the engine of a session known to exist (for messages).
func (s *Server) engineOf(name string) engines.Name {
	n, _ := s.manager.EngineName(name)
	return n
}

func (s *Server) deleteSession(c echo.Context) error {
	name, err := sessionParam(c)
	if err != nil {
		return err
	}
	if err := s.manager.Delete(c.Request().Context(), name); err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
}

// sessionAction serves start, stop, restart and logout, which all answer 201 with the info.
func (s *Server) sessionAction(act func(ctx context.Context, name string) (sessions.Info, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		name, err := sessionParam(c)
		if err != nil {
			return err
		}
		info, err := act(c.Request().Context(), name)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, toSessionInfo(info))
	}
}

func (s *Server) sessionMe(c echo.Context) error {
	name, err := sessionParam(c)
	if err != nil {
		return err
	}
	info, err := s.manager.Get(c.Request().Context(), name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, info.Me)
}

// The deprecated forms take the session name in the body.

type deprecatedRequest struct {
	Name   *string                `json:"name"`
	Config *engines.SessionConfig `json:"config"`
	Logout bool                   `json:"logout"`
}

func (s *Server) deprecatedName(c echo.Context) (deprecatedRequest, string, error) {
	var req deprecatedRequest
	if err := decodeJSON(c, &req); err != nil {
		return req, "", err
	}
	if req.Name == nil {
		return req, "", badRequest("name: required field is missing")
	}
	if err := engines.ValidateSessionName(*req.Name); err != nil {
		return req, "", badRequest("name: %s", err.Error())
	}
	return req, *req.Name, nil
}

// startDeprecated creates or updates the session with the config, then starts it.
func (s *Server) startDeprecated(c echo.Context) error {
	req, name, err := s.deprecatedName(c)
	if err != nil {
		return err
	}
	var cfg engines.SessionConfig
	if req.Config != nil {
		cfg = *req.Config
	}
	if err := cfg.Validate(); err != nil {
		return badRequest("%s", err.Error())
	}
	ctx := c.Request().Context()
	if err := s.checkWebhooks(ctx, cfg); err != nil {
		return err
	}
	info, err := s.manager.Get(ctx, name)
	switch {
	case errors.Is(err, sessions.ErrNotFound):
		info, err = s.manager.Create(ctx, name, s.cfg.Engines.Default, cfg, true)
	case err != nil:
	case info.Status != engines.StatusStopped:
		return newError(http.StatusUnprocessableEntity, "Session '%s' is already started.", name)
	default:
		if _, err = s.manager.Update(ctx, name, "", cfg); err == nil {
			info, err = s.manager.Start(ctx, name)
		}
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"name": info.Name, "status": info.Status, "config": info.Config})
}

// stopDeprecated stops the session; with logout it also logs out and deletes it.
func (s *Server) stopDeprecated(c echo.Context) error {
	req, name, err := s.deprecatedName(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if req.Logout {
		err = s.manager.Delete(ctx, name)
	} else {
		_, err = s.manager.Stop(ctx, name)
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusCreated)
}

// logoutDeprecated stops, logs out and deletes the session.
func (s *Server) logoutDeprecated(c echo.Context) error {
	_, name, err := s.deprecatedName(c)
	if err != nil {
		return err
	}
	if err := s.manager.Delete(c.Request().Context(), name); err != nil {
		return err
	}
	return c.NoContent(http.StatusCreated)
}

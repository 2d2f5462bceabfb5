package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/server/apidocs"
	"github.com/wagate/wagate/webhooks"
)

func (s *Server) ping(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"message": "pong"})
}

type databaseCheck struct {
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

type sessionsCheck struct {
	Status string         `json:"status"`
	Counts map[string]int `json:"counts"`
}

// health is for probes: whether the database answers and how many sessions are in
// each status. It names no session and shows no error text, since it is public.
func (s *Server) health(c echo.Context) error {
	db := databaseCheck{Status: "up"}
	if err := s.store.Ping(c.Request().Context()); err != nil {
		s.log.Error("health: database", "err", err)
		db = databaseCheck{Status: "down", Error: "the database does not answer"}
	}
	counts := map[string]int{}
	for _, info := range s.manager.Snapshot() {
		counts[string(info.Status)]++
	}
	status, code := "ok", http.StatusOK
	if db.Status != "up" {
		status, code = "error", http.StatusServiceUnavailable
	}
	return c.JSON(code, map[string]any{
		"status": status,
		"checks": map[string]any{"database": db, "sessions": sessionsCheck{Status: "up", Counts: counts}},
	})
}

func (s *Server) metricsHandler(reg prometheus.Gatherer) echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
}

// versionInfo is WAHA's WAHAEnvironment, also the "environment" of every event.
func (s *Server) versionInfo() webhooks.Environment {
	return webhooks.NewEnvironment(s.cfg, s.version, s.manager.Supports(engines.WEBJS))
}

func (s *Server) serverVersion(c echo.Context) error {
	return c.JSON(http.StatusOK, s.versionInfo())
}

func (s *Server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, apidocs.Spec())
}

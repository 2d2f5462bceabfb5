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

// leasesCheck is a replica's session leases (replicas on one PostgreSQL).
type leasesCheck struct {
	Status      string `json:"status"`
	Replica     string `json:"replica"`
	Owned       int    `json:"owned"`
	LastRenewal int64  `json:"lastRenewal,omitempty"` // unix ms
	Deadline    int64  `json:"deadline,omitempty"`    // unix ms: sessions stop unless renewed by then
	Lost        int    `json:"lost"`
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
		if info.Local { // with replicas, the sessions this one runs
			counts[string(info.Status)]++
		}
	}
	status, code := "ok", http.StatusOK
	if db.Status != "up" {
		status, code = "error", http.StatusServiceUnavailable
	}
	checks := map[string]any{"database": db, "sessions": sessionsCheck{Status: "up", Counts: counts}}
	if s.manager.Clustered() {
		ls := s.manager.LeaseState()
		lc := leasesCheck{Status: "up", Replica: ls.Replica, Owned: ls.Owned, Lost: ls.Lost}
		if !ls.LastRenew.IsZero() {
			lc.LastRenewal, lc.Deadline = ls.LastRenew.UnixMilli(), ls.Deadline.UnixMilli()
		}
		if !ls.Healthy {
			// Its sessions are stopped or about to be: send the traffic elsewhere.
			lc.Status, status, code = "down", "error", http.StatusServiceUnavailable
		}
		checks["leases"] = lc
	}
	return c.JSON(code, map[string]any{"status": status, "checks": checks})
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

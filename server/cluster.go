package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/sessions"
)

// Replicas on one PostgreSQL serve every request: one for a session another
// replica runs is proxied to that replica (headers, streamed bodies and websocket
// upgrades included, by httputil.ReverseProxy), and a session about to start goes
// to the replica with the most room. Behind a plain load balancer, a client can
// use any replica.

// forwardedHeader marks a request a replica proxied: the replica it reaches
// serves it, whatever it believes about leases, so a request never loops.
const forwardedHeader = "X-Wagate-Forwarded-By"

func forwarded(c echo.Context) bool { return c.Request().Header.Get(forwardedHeader) != "" }

// replicaHeader names, on every answer of a replica, the replica that served it:
// behind a load balancer, where a request went is otherwise unknown. The answer
// to a proxied request names the replica it was proxied to.
const replicaHeader = "X-Wagate-Replica"

func (s *Server) nameReplica(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.manager.Clustered() {
			c.Response().Header().Set(replicaHeader, s.manager.ReplicaID())
		}
		return next(c)
	}
}

// routeToOwner proxies the request to the replica that runs session name, or, for
// an operation that starts it, to the one with the most room; handled is false
// when this replica serves it.
func (s *Server) routeToOwner(c echo.Context, name string) (handled bool, err error) {
	if !s.manager.Clustered() || forwarded(c) {
		return false, nil
	}
	ctx := c.Request().Context()
	lease, remote, err := s.manager.Owner(ctx, name)
	if err != nil {
		return false, fmt.Errorf("find the replica that runs session %q: %w", name, err)
	}
	if remote {
		return true, s.proxy(c, lease.Owner, lease.Address)
	}
	op, _ := c.Get(ctxOperation).(string)
	if op != "sessions.start" && op != "sessions.restart" || lease.HeldAt(time.Now()) {
		return false, nil
	}
	return s.placeRequest(c, lease.Pinned)
}

// placeRequest proxies a request that starts a session to the replica with the
// most room, unless that is this one (or the session is pinned here).
func (s *Server) placeRequest(c echo.Context, pinned string) (bool, error) {
	if pinned != "" {
		return false, nil // AcquireLease refuses it here if it is pinned elsewhere
	}
	to, self, err := s.manager.Place(c.Request().Context())
	if errors.Is(err, sessions.ErrNoRoom) {
		return true, newError(http.StatusServiceUnavailable, "Every replica runs as many sessions as sessions.max allows; add a replica or raise sessions.max")
	}
	if err != nil {
		return false, fmt.Errorf("place session: %w", err)
	}
	if self {
		return false, nil
	}
	return true, s.proxy(c, to.ID, to.Address)
}

// sessionRoute sends a gateway operation on the session its path names to the
// replica that runs it (or, to start it, to the one with most room).
func (s *Server) sessionRoute(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !s.manager.Clustered() || forwarded(c) {
			return next(c)
		}
		name, err := url.PathUnescape(c.Param("session"))
		if err != nil || name == "" {
			return next(c) // the handler answers the 400
		}
		if _, err := s.manager.EngineName(name); err != nil {
			// Created on another replica since this one last read the sessions.
			if err := s.manager.Refresh(c.Request().Context()); err != nil {
				return err
			}
		}
		if handled, err := s.routeToOwner(c, name); handled || err != nil {
			return err
		}
		return next(c)
	}
}

// placeNew sends a request that creates and starts a session (or upserts and
// starts one) to the replica that should run it: its owner when it runs already,
// else the one with the most room. The deprecated stop and logout, which name
// their session in the body, go to its owner.
func (s *Server) placeNew(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !s.manager.Clustered() || forwarded(c) || c.Request().Body == nil {
			return next(c)
		}
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return s.bodyErr(err)
		}
		c.Request().Body = io.NopCloser(bytes.NewReader(body))
		var peek struct {
			Name  *string `json:"name"`
			Start *bool   `json:"start"`
		}
		if json.Unmarshal(body, &peek) != nil {
			return next(c) // the handler answers the 400
		}
		op, _ := c.Get(ctxOperation).(string)
		pinned := ""
		if peek.Name != nil && *peek.Name != "" {
			lease, remote, err := s.manager.Owner(c.Request().Context(), *peek.Name)
			if err != nil {
				return err
			}
			if remote {
				return s.proxy(c, lease.Owner, lease.Address)
			}
			pinned = lease.Pinned
		}
		starts := op == "sessions.startDeprecated" || op == "sessions.create" && (peek.Start == nil || *peek.Start)
		if !starts {
			return next(c)
		}
		if handled, err := s.placeRequest(c, pinned); handled || err != nil {
			return err
		}
		return next(c)
	}
}

// proxy hands the request to replica id at base and streams its answer back.
func (s *Server) proxy(c echo.Context, id, base string) error {
	target, err := url.Parse(base)
	if err != nil || target.Host == "" {
		return newError(http.StatusBadGateway, "Replica %s advertises an unusable address %q", id, base)
	}
	self := s.manager.ReplicaID()
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host
			r.SetXForwarded()
			r.Out.Header.Set(forwardedHeader, self)
		},
		// Event streams and downloads go out as they come.
		FlushInterval: -1,
		// The answer is the other replica's, with its own replicaHeader, which the
		// proxy adds to this one's: this one's goes.
		ModifyResponse: func(res *http.Response) error {
			c.Response().Header().Del(replicaHeader)
			res.Header.Set(replicaHeader, id)
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) {
				return
			}
			s.log.Warn("proxy to replica", "replica", id, "address", base, "path", r.URL.Path, "err", err)
			e := newError(http.StatusBadGateway, "Replica %s, which runs this session, did not answer; try again in a few seconds (its sessions move to another replica when it is gone)", id)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(e.StatusCode)
			json.NewEncoder(w).Encode(e)
		},
	}
	rp.ServeHTTP(c.Response(), c.Request())
	return nil
}

// moveRequest is the body of POST /api/sessions/{session}/move.
type moveRequest struct {
	Replica *string `json:"replica"`
}

// moveSession hands a session to another replica (wagate's own operation):
// sessionRoute has proxied it to the session's owner, which stops it and hands
// its lease over; the target starts it on its next lease round.
func (s *Server) moveSession(c echo.Context) error {
	// A gateway operation: no gate has put the session in the context.
	name, err := sessionParam(c)
	if err != nil {
		return err
	}
	var req moveRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Replica == nil || *req.Replica == "" {
		return badRequest("replica: required field is missing (the id of a live replica, see GET /api/server/status)")
	}
	if !s.manager.Clustered() {
		return newError(http.StatusUnprocessableEntity, "Sessions move between replicas sharing a PostgreSQL; this gateway runs on SQLite, alone")
	}
	info, err := s.manager.Move(c.Request().Context(), name, *req.Replica)
	switch {
	case errors.Is(err, sessions.ErrNoReplica):
		return newError(http.StatusUnprocessableEntity, "replica: no live replica has the id '%s'", *req.Replica)
	case errors.Is(err, sessions.ErrPinned):
		return newError(http.StatusConflict, "%s", err.Error())
	case errors.Is(err, sessions.ErrLeaseHeld):
		return newError(http.StatusConflict, "Session '%s' is being moved or taken over by another replica; try again", name)
	case err != nil:
		return err
	}
	out := toSessionInfo(info)
	out.AssignedWorker = req.Replica
	return c.JSON(http.StatusCreated, out)
}

// replicaInfo is one replica in GET /api/server/status.
type replicaInfo struct {
	ID        string `json:"id"`
	Address   string `json:"address"`
	Sessions  int    `json:"sessions"`
	Max       int    `json:"max"`
	StartedAt int64  `json:"startedAt"`
	ExpiresAt int64  `json:"expiresAt"`
}

// serverStatus is WAHA's ServerStatusResponse, with the replicas sharing the
// database.
type serverStatus struct {
	StartTimestamp int64         `json:"startTimestamp"`
	Uptime         int64         `json:"uptime"`
	Worker         workerInfo    `json:"worker"`
	Replicas       []replicaInfo `json:"replicas"`
}

type workerInfo struct {
	ID string `json:"id"`
}

func (s *Server) serverStatus(c echo.Context) error {
	now := time.Now()
	out := serverStatus{StartTimestamp: s.started.UnixMilli(), Uptime: now.Sub(s.started).Milliseconds(), Worker: workerInfo{ID: "wagate"}, Replicas: []replicaInfo{}}
	if s.manager.Clustered() {
		out.Worker.ID = s.manager.ReplicaID()
		reps, err := s.manager.Replicas(c.Request().Context())
		if err != nil {
			return err
		}
		for _, r := range reps {
			out.Replicas = append(out.Replicas, replicaInfo{ID: r.ID, Address: r.Address, Sessions: r.Sessions, Max: r.Max,
				StartedAt: r.StartedAt.UnixMilli(), ExpiresAt: r.ExpiresAt.UnixMilli()})
		}
	}
	return c.JSON(http.StatusOK, out)
}

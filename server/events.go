package server

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/webhooks"
)

// deliveryJSON is one webhook delivery as the API shows it: never its HMAC key or
// custom header values.
type deliveryJSON struct {
	ID             string  `json:"id"`
	EventID        string  `json:"eventId"`
	Session        string  `json:"session"`
	URL            string  `json:"url"`
	Event          string  `json:"event"`
	Status         string  `json:"status"`
	Attempts       int     `json:"attempts"`
	MaxAttempts    int     `json:"maxAttempts"`
	RetryPolicy    string  `json:"retryPolicy"`
	NextAttemptAt  *int64  `json:"nextAttemptAt"`
	LastError      *string `json:"lastError"`
	LastStatusCode *int    `json:"lastStatusCode"`
	Signed         bool    `json:"signed"`
	CreatedAt      int64   `json:"createdAt"`
	UpdatedAt      int64   `json:"updatedAt"`
}

func toDeliveryJSON(d store.Delivery) deliveryJSON {
	out := deliveryJSON{
		ID: d.ID, EventID: d.EventID, Session: d.Session, URL: d.URL, Event: d.Event,
		Status: string(d.Status), Attempts: d.Attempts, MaxAttempts: d.Retries.Attempts,
		RetryPolicy: d.Retries.Policy, Signed: d.HMACKey != "",
		CreatedAt: d.CreatedAt.UnixMilli(), UpdatedAt: d.UpdatedAt.UnixMilli(),
	}
	if d.Status == store.DeliveryPending {
		ms := d.NextAttemptAt.UnixMilli()
		out.NextAttemptAt = &ms
	}
	if d.LastError != "" {
		e := d.LastError
		out.LastError = &e
	}
	if d.LastCode != 0 {
		c := d.LastCode
		out.LastStatusCode = &c
	}
	return out
}

func (s *Server) eventsEnabled() error {
	if s.events == nil {
		return newError(http.StatusServiceUnavailable, "Webhook deliveries and the event stream are not running in this gateway")
	}
	return nil
}

// listDeliveries is GET /api/webhooks/deliveries?session=&status=&limit=&offset=.
func (s *Server) listDeliveries(c echo.Context) error {
	if err := s.eventsEnabled(); err != nil {
		return err
	}
	f := store.DeliveryFilter{Session: c.QueryParam("session")}
	if f.Session != "" {
		if err := engines.ValidateSessionName(f.Session); err != nil {
			return badRequest("session: %s", err.Error())
		}
	}
	switch st := store.DeliveryStatus(c.QueryParam("status")); st {
	case "", store.DeliveryPending, store.DeliveryDelivered, store.DeliveryFailed:
		f.Status = st
	default:
		return badRequest("status: expected pending, delivered or failed, got %q", st)
	}
	var err error
	if f.Limit, err = queryInt(c, "limit", 100, 1, 1000); err != nil {
		return err
	}
	if f.Offset, err = queryInt(c, "offset", 0, 0, 1<<31-1); err != nil {
		return err
	}
	ds, err := s.events.Deliveries(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := make([]deliveryJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, toDeliveryJSON(d))
	}
	return c.JSON(http.StatusOK, out)
}

// retryDelivery is POST /api/webhooks/deliveries/{id}/retry.
func (s *Server) retryDelivery(c echo.Context) error {
	if err := s.eventsEnabled(); err != nil {
		return err
	}
	d, err := s.events.Retry(c.Request().Context(), c.Param("id"))
	if errors.Is(err, store.ErrDeliveryNotFound) {
		return newError(http.StatusNotFound, "No webhook delivery with id %q", c.Param("id"))
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toDeliveryJSON(d))
}

// isUpgrade reports whether r asks for a websocket.
func isUpgrade(r *http.Request) bool {
	if !strings.EqualFold(strings.TrimSpace(r.Header.Get("Upgrade")), "websocket") {
		return false
	}
	for _, v := range r.Header.Values("Connection") {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "upgrade") {
				return true
			}
		}
	}
	return false
}

// eventStream is GET /ws: the websocket stream of event envelopes. The API key
// was checked by the middleware, from the X-Api-Key header or the x-api-key query.
func (s *Server) eventStream(c echo.Context) error {
	if err := s.eventsEnabled(); err != nil {
		return err
	}
	q := c.QueryParams()
	f, err := webhooks.ParseFilter(q["session"], q["events"])
	if err != nil {
		return badRequest("%s", err.Error())
	}
	if !isUpgrade(c.Request()) {
		c.Response().Header().Set("Upgrade", "websocket")
		return newError(http.StatusUpgradeRequired, "GET /ws is a websocket: connect with a websocket client (Connection: Upgrade, Upgrade: websocket)")
	}
	// A stream lasts as long as the client wants it: the server's read and write
	// timeouts are for requests (the stream pings, and drops clients that lag).
	rc := http.NewResponseController(c.Response())
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	s.events.Stream(c.Response(), c.Request(), f, s.peerEvents(c.Request()))
	return nil
}

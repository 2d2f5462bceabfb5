package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/engines"
)

func (s *Server) rejectCall(c echo.Context) error {
	var body struct {
		From string `json:"from"`
		ID   string `json:"id"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	from, err := personID("from", body.From)
	if err != nil {
		return err
	}
	if from.IsGroup() {
		return badRequest("from: the caller is a person, not the group %s", from)
	}
	id := strings.TrimSpace(body.ID)
	if id == "" || len(id) > 128 || strings.ContainsAny(id, " \t\r\n") {
		return badRequest("id: expected the call id of call.received, got %q", body.ID)
	}
	e, err := engineAs[engines.CallRejecter](s, c)
	if err != nil {
		return err
	}
	if err := e.RejectCall(c.Request().Context(), from, id); err != nil {
		return fmt.Errorf("reject call %s from %s: %w", id, from, err)
	}
	return c.NoContent(http.StatusCreated)
}

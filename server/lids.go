package server

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/engines"
)

func (s *Server) listLIDs(c echo.Context) error {
	limit, err := queryInt(c, "limit", 100, 1, maxPage)
	if err != nil {
		return err
	}
	offset, err := queryInt(c, "offset", 0, 0, 1<<31-1)
	if err != nil {
		return err
	}
	e, err := engineAs[engines.LIDResolver](s, c)
	if err != nil {
		return err
	}
	out, err := e.ListLIDs(c.Request().Context(), limit, offset)
	if err != nil {
		return fmt.Errorf("list lids: %w", err)
	}
	return c.JSON(http.StatusOK, nonNil(out))
}

func (s *Server) countLIDs(c echo.Context) error {
	e, err := engineAs[engines.LIDResolver](s, c)
	if err != nil {
		return err
	}
	n, err := e.CountLIDs(c.Request().Context())
	if err != nil {
		return fmt.Errorf("count lids: %w", err)
	}
	return c.JSON(http.StatusOK, map[string]int{"count": n})
}

// lidParam is the {lid} of the path: 123@lid, or its digits.
func lidParam(c echo.Context) (engines.ChatID, error) {
	raw, err := pathParam(c, "lid")
	if err != nil {
		return engines.ChatID{}, err
	}
	if isDigits(raw) {
		raw += "@" + engines.ServerLID
	}
	id, err := engines.ParseChatID(raw)
	if err != nil || id.Server != engines.ServerLID {
		return id, badRequest("lid: %q is not a LID (want 123@lid or its digits)", raw)
	}
	return id, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (s *Server) pnByLID(c echo.Context) error {
	lid, err := lidParam(c)
	if err != nil {
		return err
	}
	e, err := engineAs[engines.LIDResolver](s, c)
	if err != nil {
		return err
	}
	m, err := e.PNForLID(c.Request().Context(), lid)
	if err != nil {
		return fmt.Errorf("phone number of %s: %w", lid, err)
	}
	return c.JSON(http.StatusOK, m)
}

func (s *Server) lidByPN(c echo.Context) error {
	raw, err := pathParam(c, "phoneNumber")
	if err != nil {
		return err
	}
	phone, err := phoneNumber("phoneNumber", raw)
	if err != nil {
		return err
	}
	e, err := engineAs[engines.LIDResolver](s, c)
	if err != nil {
		return err
	}
	pn := engines.ChatID{User: phone, Server: engines.ServerUser}
	m, err := e.LIDForPN(c.Request().Context(), pn)
	if err != nil {
		return fmt.Errorf("lid of %s: %w", pn, err)
	}
	return c.JSON(http.StatusOK, m)
}

package server

import (
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// checkQuery refuses a query string that does not decode. url.Values drops a
// pair it cannot decode, so a filter such as filter.ack=%ZZ would be ignored and
// the answer would be unfiltered, as if the client had not asked: a 400 naming
// the parameter instead.
func (s *Server) checkQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		raw := c.Request().URL.RawQuery
		if raw == "" {
			return next(c)
		}
		if _, err := url.ParseQuery(raw); err == nil {
			return next(c)
		}
		for pair := range strings.SplitSeq(raw, "&") {
			if strings.Contains(pair, ";") {
				return badRequest("query: %q: separate parameters with &, not ; (and send a ; in a value as %%3B)", truncateQuery(pair))
			}
			key, value, _ := strings.Cut(pair, "=")
			name, err := url.QueryUnescape(key)
			if err != nil {
				return badRequest("query: parameter name %q is not URL-encoded correctly: %s", truncateQuery(key), err.Error())
			}
			if _, err := url.QueryUnescape(value); err != nil {
				return badRequest("%s: the value %q is not URL-encoded correctly: %s", truncateQuery(name), truncateQuery(value), err.Error())
			}
		}
		return badRequest("query: %q does not decode", truncateQuery(raw))
	}
}

// truncateQuery keeps an echoed part of a query short.
func truncateQuery(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

package server

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/engines"
)

// queryInt reads an optional whole-number query parameter within [lo, hi].
func queryInt(c echo.Context, field string, def, lo, hi int) (int, error) {
	v := c.QueryParam(field)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("%s: expected a whole number from %d to %d, got %q", field, lo, hi, v)
	}
	return n, nil
}

// queryInt64 reads an optional int64 query parameter.
func queryInt64(c echo.Context, field string) (*int64, error) {
	v := c.QueryParam(field)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return nil, badRequest("%s: expected a unix timestamp in seconds, got %q", field, v)
	}
	return &n, nil
}

// queryBoolPtr reads an optional boolean; absent is nil.
func queryBoolPtr(c echo.Context, field string) (*bool, error) {
	if c.QueryParam(field) == "" {
		return nil, nil
	}
	b, err := parseBool(c, field, false)
	return &b, err
}

func sortOrder(c echo.Context) (engines.SortOrder, error) {
	switch o := strings.ToLower(c.QueryParam("sortOrder")); o {
	case "", "desc":
		return engines.SortDesc, nil
	case "asc":
		return engines.SortAsc, nil
	default:
		return "", badRequest("sortOrder: expected desc or asc, got %q", c.QueryParam("sortOrder"))
	}
}

// chatParam is the {chatId} of the path, with %40 or @.
func chatParam(c echo.Context) (engines.ChatID, error) {
	raw, err := url.PathUnescape(c.Param("chatId"))
	if err != nil {
		return engines.ChatID{}, badRequest("chatId: invalid escape in %q", c.Param("chatId"))
	}
	id, err := engines.ParseChatID(raw)
	if err != nil {
		return id, badRequest("chatId: %s", err.Error())
	}
	return id, nil
}

// messageParam is the {messageId} of the path: a full serialized id or a bare one.
func messageParam(c echo.Context) (engines.MessageID, error) {
	raw, err := url.PathUnescape(c.Param("messageId"))
	if err != nil {
		return engines.MessageID{}, badRequest("messageId: invalid escape in %q", c.Param("messageId"))
	}
	id, err := engines.ParseMessageID(raw)
	if err != nil {
		return id, badRequest("messageId: %s", err.Error())
	}
	return id, nil
}

// chatIDs parses a list of chat ids (or phone numbers), naming the field on error.
func chatIDs(field string, raw []string) ([]engines.ChatID, error) {
	var out []engines.ChatID
	for _, r := range raw {
		for _, part := range strings.Split(r, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			id, err := engines.ParseChatID(part)
			if err != nil {
				return nil, badRequest("%s: %s", field, err.Error())
			}
			out = append(out, id)
		}
	}
	return out, nil
}

// textBody reads the one string field a PUT of a profile or group text carries.
// The other fields are read as raw values: a client's extra field of any type
// (WAHA ignores them) must not fail the one this call reads.
func textBody(c echo.Context, field string, maxLen int, allowEmpty bool) (string, error) {
	var body map[string]json.RawMessage
	if err := decodeJSON(c, &body); err != nil {
		return "", err
	}
	raw, ok := body[field]
	if !ok || string(raw) == "null" {
		return "", badRequest("%s: required", field)
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", badRequest("%s: expected a string, got %s", field, raw)
	}
	return trimmedText(field, v, maxLen, allowEmpty)
}

// trimmedText is v without surrounding spaces, refused when empty (unless
// allowEmpty) or longer than maxLen characters.
func trimmedText(field, v string, maxLen int, allowEmpty bool) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" && !allowEmpty {
		return "", badRequest("%s: must not be empty", field)
	}
	if n := len([]rune(v)); n > maxLen {
		return "", badRequest("%s: at most %d characters, got %d", field, maxLen, n)
	}
	return v, nil
}

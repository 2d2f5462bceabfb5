package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/engines"
)

// listMessages serves GET /chats/{chatId}/messages; chatId "all" lists every chat.
func (s *Server) listMessages(c echo.Context) error {
	raw, _ := url.PathUnescape(c.Param("chatId"))
	var chat engines.ChatID
	if raw != "all" {
		var err error
		if chat, err = chatParam(c); err != nil {
			return err
		}
	}
	return s.serveMessages(c, chat)
}

// serveMessages answers a page of chat's messages (every chat's when chat is
// zero), filtered and ordered by the query.
func (s *Server) serveMessages(c echo.Context, chat engines.ChatID) error {
	q := engines.MessageQuery{Chat: chat}
	var err error
	if q.Limit, err = queryInt(c, "limit", 10, 1, maxPage); err != nil {
		return err
	}
	if q.Offset, err = queryInt(c, "offset", 0, 0, 1<<31-1); err != nil {
		return err
	}
	if q.DownloadMedia, err = parseBool(c, "downloadMedia", true); err != nil {
		return err
	}
	switch by := c.QueryParam("sortBy"); by {
	case "", "timestamp", "messageTimestamp":
	default:
		return badRequest("sortBy: expected timestamp or messageTimestamp, got %q", by)
	}
	if q.Order, err = sortOrder(c); err != nil {
		return err
	}
	if _, err := parseBool(c, "merge", true); err != nil {
		return err
	}
	if q.TimestampGTE, err = queryInt64(c, "filter.timestamp.gte"); err != nil {
		return err
	}
	if q.TimestampLTE, err = queryInt64(c, "filter.timestamp.lte"); err != nil {
		return err
	}
	if q.FromMe, err = queryBoolPtr(c, "filter.fromMe"); err != nil {
		return err
	}
	if v := c.QueryParam("filter.ack"); v != "" {
		ack, err := engines.ParseAck(v)
		if err != nil {
			return badRequest("filter.ack: %s", err.Error())
		}
		q.Ack = &ack
	}
	e, err := engineAs[engines.MessageLister](s, c)
	if err != nil {
		return err
	}
	msgs, err := e.ListMessages(c.Request().Context(), q)
	if err != nil {
		return fmt.Errorf("list messages: %w", err)
	}
	return c.JSON(http.StatusOK, nonNil(msgs))
}

// messageTarget parses the chat and message of a message route; chat "all" is allowed
// only for reading, and then the message id says which chat it is in.
func messageTarget(c echo.Context, allowAll bool) (engines.ChatID, engines.MessageID, error) {
	msg, err := messageParam(c)
	if err != nil {
		return engines.ChatID{}, msg, err
	}
	if raw, _ := url.PathUnescape(c.Param("chatId")); raw == "all" && allowAll {
		return msg.Chat, msg, nil
	}
	chat, err := chatParam(c)
	return chat, msg, err
}

func (s *Server) getMessage(c echo.Context) error {
	chat, id, err := messageTarget(c, true)
	if err != nil {
		return err
	}
	download, err := parseBool(c, "downloadMedia", true)
	if err != nil {
		return err
	}
	if _, err := parseBool(c, "merge", true); err != nil {
		return err
	}
	e, err := engineAs[engines.MessageLister](s, c)
	if err != nil {
		return err
	}
	m, err := e.GetMessage(c.Request().Context(), chat, id, download)
	if err != nil {
		return fmt.Errorf("get message %s: %w", id, err)
	}
	if m == nil {
		return newError(http.StatusNotFound, "Message not found")
	}
	return c.JSON(http.StatusOK, m)
}

func (s *Server) editMessage(c echo.Context) error {
	chat, id, err := messageTarget(c, false)
	if err != nil {
		return err
	}
	var body struct {
		Text *string `json:"text"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if body.Text == nil || *body.Text == "" {
		return badRequest("text: required, and must not be empty")
	}
	e, err := engineAs[engines.MessageEditor](s, c)
	if err != nil {
		return err
	}
	m, err := e.EditMessage(c.Request().Context(), chat, id, *body.Text)
	if err != nil {
		return fmt.Errorf("edit message %s: %w", id, err)
	}
	return c.JSON(http.StatusOK, m)
}

// messageAction serves the message endpoints that take no body and answer
// {"success": true}, on an engine with the optional interface T.
func messageAction[T any](s *Server, status int, what string, act func(e T, ctx context.Context, chat engines.ChatID, id engines.MessageID) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		chat, id, err := messageTarget(c, false)
		if err != nil {
			return err
		}
		e, err := engineAs[T](s, c)
		if err != nil {
			return err
		}
		if err := act(e, c.Request().Context(), chat, id); err != nil {
			return fmt.Errorf("%s %s: %w", what, id, err)
		}
		return c.JSON(status, success)
	}
}

func (s *Server) deleteMessage() echo.HandlerFunc {
	return messageAction(s, http.StatusOK, "delete message", engines.MessageDeleter.DeleteMessage)
}

func (s *Server) unpinMessage() echo.HandlerFunc {
	return messageAction(s, http.StatusCreated, "unpin message", engines.MessagePinner.UnpinMessage)
}

// pinDurations are the only durations WhatsApp offers: 24 hours, 7 days, 30 days.
var pinDurations = map[int]bool{86400: true, 604800: true, 2592000: true}

func (s *Server) pinMessage(c echo.Context) error {
	chat, id, err := messageTarget(c, false)
	if err != nil {
		return err
	}
	var body struct {
		Duration *int `json:"duration"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if body.Duration == nil || !pinDurations[*body.Duration] {
		return badRequest("duration: expected 86400 (24 hours), 604800 (7 days) or 2592000 (30 days)")
	}
	e, err := engineAs[engines.MessagePinner](s, c)
	if err != nil {
		return err
	}
	if err := e.PinMessage(c.Request().Context(), chat, id, time.Duration(*body.Duration)*time.Second); err != nil {
		return fmt.Errorf("pin message %s: %w", id, err)
	}
	return c.JSON(http.StatusCreated, success)
}

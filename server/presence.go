package server

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/engines"
)

func (s *Server) setPresence(c echo.Context) error {
	var body struct {
		ChatID   string `json:"chatId"`
		Presence string `json:"presence"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	p, ok := engines.ParsePresence(body.Presence)
	if !ok {
		return badRequest("presence: expected online, offline, typing, recording or paused, got %q", body.Presence)
	}
	var chat engines.ChatID
	if p.ChatScoped() {
		if body.ChatID == "" {
			return badRequest("chatId: required for presence %q", p)
		}
		var err error
		if chat, err = personID("chatId", body.ChatID); err != nil {
			return err
		}
	} else if body.ChatID != "" {
		// WAHA takes online and offline for the whole account, whatever the chat.
		if _, err := personID("chatId", body.ChatID); err != nil {
			return err
		}
	}
	e, err := engineAs[engines.PresenceSender](s, c)
	if err != nil {
		return err
	}
	if err := e.SetPresence(c.Request().Context(), p, chat); err != nil {
		return fmt.Errorf("set presence %s: %w", p, err)
	}
	return c.NoContent(http.StatusCreated)
}

func (s *Server) presenceChat(c echo.Context) (engines.ChatID, error) {
	raw, err := pathParam(c, "chatId")
	if err != nil {
		return engines.ChatID{}, err
	}
	return personID("chatId", raw)
}

func (s *Server) getPresenceAll(c echo.Context) error {
	e, err := engineAs[engines.PresenceWatcher](s, c)
	if err != nil {
		return err
	}
	out, err := e.Presences(c.Request().Context())
	if err != nil {
		return fmt.Errorf("list presences: %w", err)
	}
	return c.JSON(http.StatusOK, nonNil(out))
}

func (s *Server) getPresence(c echo.Context) error {
	chat, err := s.presenceChat(c)
	if err != nil {
		return err
	}
	e, err := engineAs[engines.PresenceWatcher](s, c)
	if err != nil {
		return err
	}
	p, err := e.Presence(c.Request().Context(), chat)
	if err != nil {
		return fmt.Errorf("presence of %s: %w", chat, err)
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) subscribePresence(c echo.Context) error {
	chat, err := s.presenceChat(c)
	if err != nil {
		return err
	}
	e, err := engineAs[engines.PresenceWatcher](s, c)
	if err != nil {
		return err
	}
	if err := e.SubscribePresence(c.Request().Context(), chat); err != nil {
		return fmt.Errorf("subscribe to presence of %s: %w", chat, err)
	}
	return c.NoContent(http.StatusCreated)
}

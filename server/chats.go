package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/engines"
)

// maxPage bounds list pages so one request cannot ask an engine for everything.
const maxPage = 10000

var success = map[string]bool{"success": true}

func (s *Server) listChats(c echo.Context) error {
	var q engines.ChatQuery
	var err error
	if q.Limit, err = queryInt(c, "limit", 0, 0, maxPage); err != nil {
		return err
	}
	if q.Offset, err = queryInt(c, "offset", 0, 0, 1<<31-1); err != nil {
		return err
	}
	switch by := c.QueryParam("sortBy"); by {
	case "", "conversationTimestamp", "messageTimestamp":
		q.SortBy = engines.SortByConversationTimestamp
	case "id", "name":
		q.SortBy = engines.ChatSort(by)
	default:
		return badRequest("sortBy: expected conversationTimestamp, messageTimestamp, id or name, got %q", by)
	}
	if q.SortOrder, err = sortOrder(c); err != nil {
		return err
	}
	if _, err := parseBool(c, "merge", true); err != nil {
		return err
	}
	e, err := engineAs[engines.ChatLister](s, c)
	if err != nil {
		return err
	}
	chats, err := e.ListChats(c.Request().Context(), q)
	if err != nil {
		return fmt.Errorf("list chats: %w", err)
	}
	return c.JSON(http.StatusOK, nonNil(chats))
}

func (s *Server) chatsOverview(c echo.Context) error {
	var q engines.OverviewQuery
	var err error
	if q.Limit, err = queryInt(c, "limit", 20, 1, maxPage); err != nil {
		return err
	}
	if q.Offset, err = queryInt(c, "offset", 0, 0, 1<<31-1); err != nil {
		return err
	}
	params := c.QueryParams()
	if q.IDs, err = chatIDs("ids", append(params["ids"], params["ids[]"]...)); err != nil {
		return err
	}
	if _, err := parseBool(c, "merge", true); err != nil {
		return err
	}
	return s.overview(c, q, http.StatusOK)
}

type overviewBody struct {
	Pagination *struct {
		Limit  *int  `json:"limit"`
		Offset *int  `json:"offset"`
		Merge  *bool `json:"merge"`
	} `json:"pagination"`
	Filter *struct {
		IDs []string `json:"ids"`
	} `json:"filter"`
}

func (s *Server) chatsOverviewPost(c echo.Context) error {
	var body overviewBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	q := engines.OverviewQuery{Limit: 20}
	if p := body.Pagination; p != nil {
		if p.Limit != nil {
			if *p.Limit < 1 || *p.Limit > maxPage {
				return badRequest("pagination.limit: expected 1 to %d, got %d", maxPage, *p.Limit)
			}
			q.Limit = *p.Limit
		}
		if p.Offset != nil {
			if *p.Offset < 0 {
				return badRequest("pagination.offset: expected 0 or more, got %d", *p.Offset)
			}
			q.Offset = *p.Offset
		}
	}
	if body.Filter != nil {
		var err error
		if q.IDs, err = chatIDs("filter.ids", body.Filter.IDs); err != nil {
			return err
		}
	}
	return s.overview(c, q, http.StatusCreated)
}

func (s *Server) overview(c echo.Context, q engines.OverviewQuery, status int) error {
	e, err := engineAs[engines.ChatLister](s, c)
	if err != nil {
		return err
	}
	out, err := e.ChatsOverview(c.Request().Context(), q)
	if err != nil {
		return fmt.Errorf("chats overview: %w", err)
	}
	for i := range out {
		if out[i].Raw == nil {
			out[i].Raw = []byte("{}")
		}
	}
	return c.JSON(status, nonNil(out))
}

// chatAction serves the chat endpoints that act and answer {"success": true},
// on an engine with the optional interface T.
func chatAction[T any](s *Server, status int, what string, act func(T, echo.Context, engines.ChatID) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		chat, err := chatParam(c)
		if err != nil {
			return err
		}
		e, err := engineAs[T](s, c)
		if err != nil {
			return err
		}
		if err := act(e, c, chat); err != nil {
			return fmt.Errorf("%s %s: %w", what, chat, err)
		}
		return c.JSON(status, success)
	}
}

func (s *Server) archiveChat(archive bool) echo.HandlerFunc {
	what := "archive chat"
	if !archive {
		what = "unarchive chat"
	}
	return chatAction(s, http.StatusCreated, what, func(e engines.ChatArchiver, c echo.Context, chat engines.ChatID) error {
		return e.ArchiveChat(c.Request().Context(), chat, archive)
	})
}

func (s *Server) unreadChat() echo.HandlerFunc {
	return chatAction(s, http.StatusCreated, "mark unread chat", func(e engines.ChatUnreader, c echo.Context, chat engines.ChatID) error {
		return e.MarkChatUnread(c.Request().Context(), chat)
	})
}

func (s *Server) deleteChat() echo.HandlerFunc {
	return chatAction(s, http.StatusOK, "delete chat", func(e engines.ChatDeleter, c echo.Context, chat engines.ChatID) error {
		return e.DeleteChat(c.Request().Context(), chat)
	})
}

func (s *Server) clearMessages() echo.HandlerFunc {
	return chatAction(s, http.StatusOK, "clear chat", func(e engines.ChatClearer, c echo.Context, chat engines.ChatID) error {
		return e.ClearMessages(c.Request().Context(), chat)
	})
}

func (s *Server) chatPicture(c echo.Context) error {
	return servePicture(s, c, chatParam, "chat", engines.ChatPictures.ChatPicture)
}

// servePicture answers a picture URL ({"url": …, null when none}) of the chat or
// group the path names (param parses it), with the refresh query parameter.
func servePicture[T any](s *Server, c echo.Context, param func(echo.Context) (engines.ChatID, error), what string,
	get func(T, context.Context, engines.ChatID, bool) (*string, error)) error {
	id, err := param(c)
	if err != nil {
		return err
	}
	refresh, err := parseBool(c, "refresh", false)
	if err != nil {
		return err
	}
	e, err := engineAs[T](s, c)
	if err != nil {
		return err
	}
	u, err := get(e, c.Request().Context(), id, refresh)
	if err != nil {
		return fmt.Errorf("picture of %s %s: %w", what, id, err)
	}
	return c.JSON(http.StatusOK, map[string]*string{"url": u})
}

// readMessages takes messages and days from the query (the spec) or the body (the docs).
func (s *Server) readMessages(c echo.Context) error {
	chat, err := chatParam(c)
	if err != nil {
		return err
	}
	var q engines.ReadQuery
	if q.Messages, err = queryInt(c, "messages", 0, 1, maxPage); err != nil {
		return err
	}
	if q.Days, err = queryInt(c, "days", 7, 1, 3650); err != nil {
		return err
	}
	if c.Request().ContentLength != 0 {
		var body struct {
			Messages *int `json:"messages"`
			Days     *int `json:"days"`
		}
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
		if body.Messages != nil {
			if *body.Messages < 1 || *body.Messages > maxPage {
				return badRequest("messages: expected 1 to %d, got %d", maxPage, *body.Messages)
			}
			q.Messages = *body.Messages
		}
		if body.Days != nil {
			if *body.Days < 1 || *body.Days > 3650 {
				return badRequest("days: expected 1 to 3650, got %d", *body.Days)
			}
			q.Days = *body.Days
		}
	}
	e, err := engineAs[engines.MessageReader](s, c)
	if err != nil {
		return err
	}
	ids, err := e.ReadMessages(c.Request().Context(), chat, q)
	if err != nil {
		return fmt.Errorf("read messages of chat %s: %w", chat, err)
	}
	return c.JSON(http.StatusCreated, map[string][]string{"ids": nonNil(ids)})
}

// nonNil makes an empty list marshal as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

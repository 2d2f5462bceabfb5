package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/engines"
)

// personID parses the id of a person (or group) as the contact endpoints take
// it: a phone number, 123@c.us, 123@lid or 123@g.us; field names it on error.
func personID(field, raw string) (engines.ChatID, error) {
	if raw == "" {
		return engines.ChatID{}, badRequest("%s: required", field)
	}
	id, err := engines.ParseChatID(raw)
	if err != nil {
		return id, badRequest("%s: %s", field, err.Error())
	}
	switch id.Server {
	case engines.ServerUser, engines.ServerLID, engines.ServerGroup:
		return id, nil
	}
	return id, badRequest("%s: %q is not a person or group id (want 123@c.us, 123@lid or 123@g.us)", field, raw)
}

// phoneNumber parses a phone number given as digits (with the usual
// punctuation) or as 123@c.us.
func phoneNumber(field, raw string) (string, error) {
	if raw == "" {
		return "", badRequest("%s: required", field)
	}
	id, err := engines.ParseChatID(raw)
	if err != nil || id.Server != engines.ServerUser {
		return "", badRequest("%s: %q is not a phone number (want international digits such as 12132132130, or 12132132130@c.us)", field, raw)
	}
	return id.User, nil
}

// pathParam is a path parameter, %40 or @.
func pathParam(c echo.Context, name string) (string, error) {
	raw, err := url.PathUnescape(c.Param(name))
	if err != nil {
		return "", badRequest("%s: invalid escape in %q", name, c.Param(name))
	}
	return raw, nil
}

func (s *Server) checkExists(c echo.Context) error {
	phone, err := phoneNumber("phone", c.QueryParam("phone"))
	if err != nil {
		return err
	}
	e, err := engineAs[engines.NumberChecker](s, c)
	if err != nil {
		return err
	}
	st, err := e.CheckNumber(c.Request().Context(), phone)
	if err != nil {
		return fmt.Errorf("check number %s: %w", phone, err)
	}
	return c.JSON(http.StatusOK, st)
}

func (s *Server) contactProfilePicture(c echo.Context) error {
	id, err := personID("contactId", c.QueryParam("contactId"))
	if err != nil {
		return err
	}
	refresh, err := parseBool(c, "refresh", false)
	if err != nil {
		return err
	}
	e, err := engineAs[engines.ChatPictures](s, c)
	if err != nil {
		return err
	}
	u, err := e.ChatPicture(c.Request().Context(), id, refresh)
	if err != nil {
		return fmt.Errorf("profile picture of %s: %w", id, err)
	}
	return c.JSON(http.StatusOK, map[string]*string{"profilePictureURL": u})
}

func (s *Server) listContacts(c echo.Context) error {
	var q engines.ContactQuery
	var err error
	if q.Limit, err = queryInt(c, "limit", 0, 0, maxPage); err != nil {
		return err
	}
	if q.Offset, err = queryInt(c, "offset", 0, 0, 1<<31-1); err != nil {
		return err
	}
	switch by := c.QueryParam("sortBy"); by {
	case "", "id":
		q.SortBy = engines.ContactSortID
	case "name":
		q.SortBy = engines.ContactSortName
	default:
		return badRequest("sortBy: expected id or name, got %q", by)
	}
	// Contacts list A to Z unless asked otherwise (WAHA's docs call desc "A-Z",
	// but its engines sort ascending by default).
	if c.QueryParam("sortOrder") == "" {
		q.SortOrder = engines.SortAsc
	} else if q.SortOrder, err = sortOrder(c); err != nil {
		return err
	}
	e, err := engineAs[engines.ContactLister](s, c)
	if err != nil {
		return err
	}
	out, err := e.ListContacts(c.Request().Context(), q)
	if err != nil {
		return fmt.Errorf("list contacts: %w", err)
	}
	return c.JSON(http.StatusOK, nonNil(out))
}

func (s *Server) getContact(c echo.Context, raw, field string) error {
	id, err := personID(field, raw)
	if err != nil {
		return err
	}
	e, err := engineAs[engines.ContactLister](s, c)
	if err != nil {
		return err
	}
	k, err := e.GetContact(c.Request().Context(), id)
	if err != nil {
		return fmt.Errorf("get contact %s: %w", id, err)
	}
	return c.JSON(http.StatusOK, k)
}

func (s *Server) contactByQuery(c echo.Context) error {
	return s.getContact(c, c.QueryParam("contactId"), "contactId")
}

func (s *Server) contactByPath(c echo.Context) error {
	raw, err := pathParam(c, "id")
	if err != nil {
		return err
	}
	return s.getContact(c, raw, "id")
}

func (s *Server) contactAbout(c echo.Context) error {
	id, err := personID("contactId", c.QueryParam("contactId"))
	if err != nil {
		return err
	}
	if id.IsGroup() {
		return badRequest("contactId: %s is a group; groups have a description, not an about", id)
	}
	e, err := engineAs[engines.ContactAbout](s, c)
	if err != nil {
		return err
	}
	about, err := e.About(c.Request().Context(), id)
	if err != nil {
		return fmt.Errorf("about of %s: %w", id, err)
	}
	return c.JSON(http.StatusOK, map[string]*string{"about": about})
}

type contactRequest struct {
	ContactID string `json:"contactId"`
	Session   string `json:"session"`
}

func (s *Server) blockContact(block bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		var body contactRequest
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
		id, err := personID("contactId", body.ContactID)
		if err != nil {
			return err
		}
		if id.IsGroup() {
			return badRequest("contactId: %s is a group; only people can be blocked", id)
		}
		e, err := engineAs[engines.ContactBlocker](s, c)
		if err != nil {
			return err
		}
		if err := e.Block(c.Request().Context(), id, block); err != nil {
			if block {
				return fmt.Errorf("block %s: %w", id, err)
			}
			return fmt.Errorf("unblock %s: %w", id, err)
		}
		return c.NoContent(http.StatusCreated)
	}
}

func (s *Server) updateContact(c echo.Context) error {
	// WAHA names it chatId; the route shares its segment with GET's {id}.
	raw, err := pathParam(c, "id")
	if err != nil {
		return err
	}
	id, err := personID("chatId", raw)
	if err != nil {
		return err
	}
	if id.IsGroup() {
		return badRequest("chatId: %s is a group; only people are saved as contacts", id)
	}
	var body struct {
		FirstName *string `json:"firstName"`
		LastName  *string `json:"lastName"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if body.FirstName == nil || strings.TrimSpace(*body.FirstName) == "" {
		return badRequest("firstName: required")
	}
	last := ""
	if body.LastName != nil {
		last = strings.TrimSpace(*body.LastName)
	}
	e, err := engineAs[engines.ContactSaver](s, c)
	if err != nil {
		return err
	}
	if err := e.SaveContact(c.Request().Context(), id, strings.TrimSpace(*body.FirstName), last); err != nil {
		return fmt.Errorf("save contact %s: %w", id, err)
	}
	return c.JSON(http.StatusOK, success)
}

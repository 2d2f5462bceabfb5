package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/engines"
)

// WhatsApp's limits on a group's texts and size.
const (
	maxGroupSubject     = 100
	maxGroupDescription = 2048
	// maxGroupParticipants bounds one request's participants (WhatsApp's groups
	// hold at most 1,024 members).
	maxGroupParticipants = 1024
)

// groupParam is the {id} of the path: a group id, %40 or @.
func groupParam(c echo.Context) (engines.ChatID, error) {
	raw, err := pathParam(c, "id")
	if err != nil {
		return engines.ChatID{}, err
	}
	id, err := engines.ParseChatID(raw)
	if err != nil {
		return id, badRequest("id: %s", err.Error())
	}
	if !id.IsGroup() {
		return id, badRequest("id: %q is not a group id (want 123@g.us)", raw)
	}
	return id, nil
}

// participantsField parses WAHA's [{id}] list of people, naming the field and
// index of a bad one; a person is a phone number, 123@c.us or 123@lid.
func participantsField(field string, raw []struct {
	ID *string `json:"id"`
}, allowEmpty bool) ([]engines.ChatID, error) {
	if raw == nil {
		return nil, badRequest("%s: required (a list of {\"id\": \"123@c.us\"})", field)
	}
	if len(raw) == 0 && !allowEmpty {
		return nil, badRequest("%s: must name at least one participant", field)
	}
	if len(raw) > maxGroupParticipants {
		return nil, badRequest("%s: at most %d participants, got %d", field, maxGroupParticipants, len(raw))
	}
	out := make([]engines.ChatID, 0, len(raw))
	seen := map[engines.ChatID]bool{}
	for i, p := range raw {
		name := fmt.Sprintf("%s[%d].id", field, i)
		if p.ID == nil {
			return nil, badRequest("%s: required", name)
		}
		id, err := engines.ParseChatID(*p.ID)
		if err != nil {
			return nil, badRequest("%s: %s", name, err.Error())
		}
		if id.Server != engines.ServerUser && id.Server != engines.ServerLID {
			return nil, badRequest("%s: %q is not a person (want 123@c.us or 123@lid)", name, *p.ID)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

func (s *Server) createGroup(c echo.Context) error {
	var body struct {
		Name         *string `json:"name"`
		Participants []struct {
			ID *string `json:"id"`
		} `json:"participants"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if body.Name == nil {
		return badRequest("name: required")
	}
	name, err := trimmedText("name", *body.Name, maxGroupSubject, false)
	if err != nil {
		return err
	}
	people, err := participantsField("participants", body.Participants, true)
	if err != nil {
		return err
	}
	e, err := engineAs[engines.GroupMembership](s, c)
	if err != nil {
		return err
	}
	g, err := e.CreateGroup(c.Request().Context(), name, people)
	if err != nil {
		return fmt.Errorf("create group: %w", err)
	}
	return c.JSON(http.StatusCreated, groupOut(g))
}

// groupOut keeps participants a list in the JSON, never null.
func groupOut(g *engines.GroupInfo) *engines.GroupInfo {
	if g.Participants == nil {
		g.Participants = []engines.GroupParticipant{}
	}
	return g
}

func (s *Server) listGroups(c echo.Context) error {
	var q engines.GroupQuery
	var err error
	if q.Limit, err = queryInt(c, "limit", 0, 0, maxPage); err != nil {
		return err
	}
	if q.Offset, err = queryInt(c, "offset", 0, 0, 1<<31-1); err != nil {
		return err
	}
	switch by := c.QueryParam("sortBy"); by {
	case "":
	case "id", "subject":
		q.SortBy = engines.GroupSort(by)
	default:
		return badRequest("sortBy: expected id or subject, got %q", by)
	}
	if q.SortOrder, err = sortOrder(c); err != nil {
		return err
	}
	switch {
	case c.QueryParam("sortOrder") == "" && q.SortBy != "":
		// WAHA's default order of a sorted list is ascending by that field.
		q.SortOrder = engines.SortAsc
	case c.QueryParam("sortOrder") != "" && q.SortBy == "":
		q.SortBy = engines.GroupSortID
	}
	params := c.QueryParams()
	for _, raw := range append(params["exclude"], params["exclude[]"]...) {
		for _, v := range strings.Split(raw, ",") {
			switch strings.TrimSpace(v) {
			case "":
			case "participants":
				q.ExcludeParticipants = true
			default:
				return badRequest("exclude: expected participants, got %q", v)
			}
		}
	}
	e, err := engineAs[engines.GroupLister](s, c)
	if err != nil {
		return err
	}
	groups, err := e.ListGroups(c.Request().Context(), q)
	if err != nil {
		return fmt.Errorf("list groups: %w", err)
	}
	for i := range groups {
		groupOut(&groups[i])
	}
	return c.JSON(http.StatusOK, nonNil(groups))
}

func (s *Server) countGroups(c echo.Context) error {
	e, err := engineAs[engines.GroupLister](s, c)
	if err != nil {
		return err
	}
	n, err := e.CountGroups(c.Request().Context())
	if err != nil {
		return fmt.Errorf("count groups: %w", err)
	}
	return c.JSON(http.StatusOK, map[string]int{"count": n})
}

func (s *Server) refreshGroups(c echo.Context) error {
	e, err := engineAs[engines.GroupLister](s, c)
	if err != nil {
		return err
	}
	if err := e.RefreshGroups(c.Request().Context()); err != nil {
		return fmt.Errorf("refresh groups: %w", err)
	}
	return c.JSON(http.StatusOK, success)
}

func (s *Server) getGroup(c echo.Context) error {
	id, err := groupParam(c)
	if err != nil {
		return err
	}
	e, err := engineAs[engines.GroupLister](s, c)
	if err != nil {
		return err
	}
	g, err := e.GetGroup(c.Request().Context(), id)
	if err != nil {
		return fmt.Errorf("get group %s: %w", id, err)
	}
	return c.JSON(http.StatusOK, groupOut(g))
}

// groupAction is a handler that takes the group of the path and answers
// {"success": true}.
func groupAction[T any](s *Server, what string, act func(e T, c echo.Context, id engines.ChatID) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := groupParam(c)
		if err != nil {
			return err
		}
		e, err := engineAs[T](s, c)
		if err != nil {
			return err
		}
		if err := act(e, c, id); err != nil {
			return fmt.Errorf("%s %s: %w", what, id, err)
		}
		return c.JSON(http.StatusOK, success)
	}
}

func (s *Server) leaveGroup() echo.HandlerFunc {
	return groupAction(s, "leave group", func(e engines.GroupMembership, c echo.Context, id engines.ChatID) error {
		return e.LeaveGroup(c.Request().Context(), id)
	})
}

func (s *Server) deleteGroup() echo.HandlerFunc {
	return groupAction(s, "delete group", func(e engines.GroupMembership, c echo.Context, id engines.ChatID) error {
		return e.DeleteGroup(c.Request().Context(), id)
	})
}

// inviteCodeField reads a code or an invite link.
func inviteCodeField(field, raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", badRequest("%s: required (an invite code, or a link https://chat.whatsapp.com/CODE)", field)
	}
	code, ok := engines.ParseInviteCode(raw)
	if !ok {
		return "", badRequest("%s: %q is not an invite code or https://chat.whatsapp.com/ link", field, truncateText(raw, 80))
	}
	return code, nil
}

func truncateText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func (s *Server) joinGroup(c echo.Context) error {
	var body struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	code, err := inviteCodeField("code", body.Code)
	if err != nil {
		return err
	}
	e, err := engineAs[engines.GroupMembership](s, c)
	if err != nil {
		return err
	}
	id, err := e.JoinGroup(c.Request().Context(), code)
	if err != nil {
		return fmt.Errorf("join group: %w", err)
	}
	return c.JSON(http.StatusOK, map[string]string{"id": id.String()})
}

func (s *Server) joinInfoGroup(c echo.Context) error {
	code, err := inviteCodeField("code", c.QueryParam("code"))
	if err != nil {
		return err
	}
	e, err := engineAs[engines.GroupMembership](s, c)
	if err != nil {
		return err
	}
	g, err := e.GroupJoinInfo(c.Request().Context(), code)
	if err != nil {
		return fmt.Errorf("group join info: %w", err)
	}
	return c.JSON(http.StatusOK, groupOut(g))
}

func (s *Server) groupPicture(c echo.Context) error {
	return servePicture(s, c, groupParam, "group", engines.GroupPictures.GroupPicture)
}

func (s *Server) setGroupPicture(c echo.Context) error {
	id, err := groupParam(c)
	if err != nil {
		return err
	}
	pic, err := s.pictureBody(c)
	if err != nil {
		return err
	}
	e, err := engineAs[engines.GroupPictures](s, c)
	if err != nil {
		return err
	}
	if err := e.SetGroupPicture(c.Request().Context(), id, pic); err != nil {
		return fmt.Errorf("set picture of group %s: %w", id, err)
	}
	return c.JSON(http.StatusOK, success)
}

func (s *Server) deleteGroupPicture() echo.HandlerFunc {
	return groupAction(s, "delete picture of group", func(e engines.GroupPictures, c echo.Context, id engines.ChatID) error {
		return e.DeleteGroupPicture(c.Request().Context(), id)
	})
}

func (s *Server) setGroupSubject(c echo.Context) error {
	id, err := groupParam(c)
	if err != nil {
		return err
	}
	subject, err := textBody(c, "subject", maxGroupSubject, false)
	if err != nil {
		return err
	}
	e, err := engineAs[engines.GroupEditor](s, c)
	if err != nil {
		return err
	}
	if err := e.SetGroupSubject(c.Request().Context(), id, subject); err != nil {
		return fmt.Errorf("set subject of group %s: %w", id, err)
	}
	return c.JSON(http.StatusOK, success)
}

func (s *Server) setGroupDescription(c echo.Context) error {
	id, err := groupParam(c)
	if err != nil {
		return err
	}
	// An empty description removes it, as in WhatsApp's apps.
	desc, err := textBody(c, "description", maxGroupDescription, true)
	if err != nil {
		return err
	}
	e, err := engineAs[engines.GroupEditor](s, c)
	if err != nil {
		return err
	}
	if err := e.SetGroupDescription(c.Request().Context(), id, desc); err != nil {
		return fmt.Errorf("set description of group %s: %w", id, err)
	}
	return c.JSON(http.StatusOK, success)
}

func (s *Server) getGroupSetting(setting engines.GroupSetting) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := groupParam(c)
		if err != nil {
			return err
		}
		e, err := engineAs[engines.GroupEditor](s, c)
		if err != nil {
			return err
		}
		v, err := e.GroupSetting(c.Request().Context(), id, setting)
		if err != nil {
			return fmt.Errorf("%s of group %s: %w", setting, id, err)
		}
		return c.JSON(http.StatusOK, v)
	}
}

func (s *Server) setGroupSetting(setting engines.GroupSetting) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := groupParam(c)
		if err != nil {
			return err
		}
		var body map[string]json.RawMessage
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
		// WAHA's SettingsSecurityChangeInfo defaults adminsOnly to true.
		adminsOnly := true
		if raw, ok := body["adminsOnly"]; ok && string(raw) != "null" {
			if err := json.Unmarshal(raw, &adminsOnly); err != nil {
				return badRequest("adminsOnly: expected true or false, got %s", truncateText(string(raw), 40))
			}
		}
		e, err := engineAs[engines.GroupEditor](s, c)
		if err != nil {
			return err
		}
		if err := e.SetGroupSetting(c.Request().Context(), id, setting, adminsOnly); err != nil {
			return fmt.Errorf("set %s of group %s: %w", setting, id, err)
		}
		return c.JSON(http.StatusOK, success)
	}
}

// The invite code answers are the invite link, a JSON string (WAHA's schema).
func (s *Server) groupInviteCode(revoke bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := groupParam(c)
		if err != nil {
			return err
		}
		e, err := engineAs[engines.GroupInvites](s, c)
		if err != nil {
			return err
		}
		var code string
		if revoke {
			code, err = e.RevokeGroupInvite(c.Request().Context(), id)
		} else {
			code, err = e.GroupInviteCode(c.Request().Context(), id)
		}
		if err != nil {
			return fmt.Errorf("invite code of group %s: %w", id, err)
		}
		return c.JSON(http.StatusOK, engines.InviteURL(code))
	}
}

func (s *Server) groupParticipants(v2 bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := groupParam(c)
		if err != nil {
			return err
		}
		e, err := engineAs[engines.GroupParticipants](s, c)
		if err != nil {
			return err
		}
		ps, err := e.Participants(c.Request().Context(), id)
		if err != nil {
			return fmt.Errorf("participants of group %s: %w", id, err)
		}
		if v2 {
			return c.JSON(http.StatusOK, nonNil(ps))
		}
		return c.JSON(http.StatusOK, engines.LegacyParticipants(ps))
	}
}

func (s *Server) updateParticipants(action engines.ParticipantAction) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := groupParam(c)
		if err != nil {
			return err
		}
		var body struct {
			Participants []struct {
				ID *string `json:"id"`
			} `json:"participants"`
		}
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
		people, err := participantsField("participants", body.Participants, false)
		if err != nil {
			return err
		}
		e, err := engineAs[engines.GroupParticipants](s, c)
		if err != nil {
			return err
		}
		res, err := e.UpdateParticipants(c.Request().Context(), id, action, people)
		if err != nil {
			return fmt.Errorf("%s participants of group %s: %w", action, id, err)
		}
		return c.JSON(http.StatusOK, nonNil(res))
	}
}

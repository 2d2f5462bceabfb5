package webjs

import (
	"errors"
	"fmt"

	"github.com/wagate/wagate/engines"
)

// This file maps the driver's shapes onto the gateway's unified ones. The
// driver already speaks WAHA's field names; what changes is nullability,
// the ack type, and the few places where the unified DTO is shared with
// NOWEB and must mean the same thing on both engines.

// toChat maps a chat row. A chat marked unread without a count (WA keeps
// unreadCount -1) is one unread for clients, so `unreadCount > 0` means
// "unread" on every engine; the raw -1 stays under _chat.
func toChat(c Chat) engines.Chat {
	unread := c.UnreadCount
	if unread < 0 {
		unread = 1
	}
	out := engines.Chat{
		ID:                    c.ID,
		Name:                  c.Name,
		IsGroup:               c.IsGroup,
		ConversationTimestamp: c.ConversationTimestamp,
		UnreadCount:           unread,
		Archived:              c.Archived,
		Pinned:                c.Pinned,
		Muted:                 c.IsMuted,
		MuteExpiration:        c.MuteExpiration,
		Raw:                   c.Raw,
	}
	if c.LastMessage != nil {
		m := toMessage(*c.LastMessage)
		out.LastMessage = &m
	}
	return out
}

func toChats(cs []Chat) []engines.Chat {
	out := make([]engines.Chat, len(cs))
	for i, c := range cs {
		out[i] = toChat(c)
	}
	return out
}

func toSummary(s ChatSummary) engines.ChatSummary {
	out := engines.ChatSummary{ID: s.ID, Name: s.Name, Picture: s.Picture, Raw: s.Raw}
	if s.LastMessage != nil {
		m := toMessage(*s.LastMessage)
		out.LastMessage = &m
	}
	return out
}

// toMessage maps a message. Source is "api" or "app" as the page saw it
// (events of own messages); messages read back from history are "app".
func toMessage(m Message) engines.Message {
	from := ""
	if m.From != nil {
		from = *m.From
	}
	ack := engines.AckPending
	if m.Ack != nil {
		ack = engines.Ack(*m.Ack)
	}
	source := m.Source
	if source == "" {
		source = "app"
	}
	out := engines.Message{
		ID:          m.ID,
		Timestamp:   m.Timestamp,
		From:        from,
		FromMe:      m.FromMe,
		Source:      source,
		Participant: m.Participant,
		Body:        m.Body,
		HasMedia:    m.HasMedia,
		Ack:         ack,
		AckName:     ack.Name(),
		Edited:      m.Edited,
		Data:        m.Raw,
	}
	if m.To != nil {
		out.To = *m.To
	}
	if l := m.Location; l != nil {
		out.Location = &engines.Location{Latitude: l.Latitude, Longitude: l.Longitude, Live: l.Live, Name: l.Name, Address: l.Address, URL: l.URL}
	}
	if len(m.VCards) > 0 {
		out.VCards = m.VCards
	}
	if m.ReplyTo != nil {
		r := &engines.ReplyTo{ID: m.ReplyTo.ID, HasMedia: m.ReplyTo.HasMedia}
		if m.ReplyTo.Participant != nil {
			r.Participant = *m.ReplyTo.Participant
		}
		if qb := m.ReplyTo.Body; qb != "" {
			r.Body = &qb
		}
		out.ReplyTo = r
	}
	return out
}

// messageQuery maps GET /chats/{id}/messages onto the driver's options.
// Messages deleted for everyone are left out, as NOWEB's store drops them.
func messageQuery(q engines.MessageQuery) ListMessagesOptions {
	o := ListMessagesOptions{
		Limit: q.Limit, Offset: q.Offset,
		TimestampGTE: q.TimestampGTE, TimestampLTE: q.TimestampLTE,
		FromMe: q.FromMe, ExcludeRevoked: true,
	}
	if q.Ack != nil {
		a := int(*q.Ack)
		o.Ack = &a
	}
	if q.Order == engines.SortAsc {
		o.SortOrder = "asc"
	} else {
		o.SortOrder = "desc"
	}
	return o
}

func chatQuery(q engines.ChatQuery) ListChatsOptions {
	o := ListChatsOptions{Limit: q.Limit, Offset: q.Offset, SortOrder: string(q.SortOrder)}
	switch q.SortBy {
	case engines.SortByID:
		o.SortBy = SortByID
	case engines.SortByName:
		o.SortBy = SortByName
	default:
		o.SortBy = SortByTimestamp
	}
	if o.SortOrder == "" {
		o.SortOrder = string(engines.SortDesc)
	}
	return o
}

func overviewQuery(q engines.OverviewQuery) OverviewOptions {
	o := OverviewOptions{Limit: q.Limit, Offset: q.Offset}
	for _, id := range q.IDs {
		o.IDs = append(o.IDs, id.String())
	}
	return o
}

func toMeInfo(me *Me) *engines.MeInfo {
	if me == nil || me.ID == "" {
		return nil
	}
	return &engines.MeInfo{ID: me.ID, PushName: me.PushName, LID: me.LID}
}

// messageIDFor is the serialized id the page looks messages up by. A bare
// id (WAHA accepts "3EB0…" alone) is completed with the chat of the route;
// fromMe is then unknown, so candidates lists both forms.
func messageIDFor(chat engines.ChatID, id engines.MessageID) (candidates []string, err error) {
	if !id.Bare {
		if !chat.IsZero() && id.Chat != chat {
			return nil, fmt.Errorf("message %s is not in chat %s: %w", id, chat, engines.ErrNotFound)
		}
		return []string{id.String()}, nil
	}
	if chat.IsZero() {
		return nil, fmt.Errorf("message %s: a bare id needs its chat: %w", id.ID, engines.ErrNotFound)
	}
	return []string{
		engines.MessageID{FromMe: false, Chat: chat, ID: id.ID}.String(),
		engines.MessageID{FromMe: true, Chat: chat, ID: id.ID}.String(),
	}, nil
}

// mapErr says what was being done and maps the driver's errors onto the
// ones the API answers with a status of its own: not found 404, a WA build
// without the module 501, an argument the page refuses 400, an action WhatsApp
// forbids 422, not ready 422, a timeout 504 (ErrTimeout already matches
// context.DeadlineExceeded).
func (e *Engine) mapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("%s: %w: %w", what, engines.ErrNotFound, err)
	case errors.Is(err, ErrUnsupported):
		return fmt.Errorf("%s: %w: %w", what, engines.ErrNotSupported, err)
	case errors.Is(err, ErrInvalid):
		return fmt.Errorf("%s: %w: %w", what, engines.ErrInvalid, err)
	case errors.Is(err, ErrNotAllowed):
		return fmt.Errorf("%s: %w: %w", what, engines.ErrNotAllowed, err)
	case errors.Is(err, ErrNotReady), errors.Is(err, ErrClosed):
		return fmt.Errorf("%s: %w", what, &engines.NotWorkingError{
			Session: e.name, Status: e.status(), Expected: []engines.Status{engines.StatusWorking},
		})
	}
	return fmt.Errorf("%s: %w", what, err)
}

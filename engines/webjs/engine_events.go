package webjs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/sessions"
)

// watch follows the page of run gen: its events until the driver closes,
// or its death.
func (e *Engine) watch(gen int, pg browserPage) {
	events, died := pg.Events(), pg.Died()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			e.onEvent(gen, pg, ev)
		case <-died:
			if e.current(gen) == nil {
				return // stopped meanwhile
			}
			// Chromium exited or the renderer crashed: FAILED, and the
			// Manager starts a new browser on the same profile with backoff.
			e.host.Failed(fmt.Errorf("whatsapp web browser: %w", pg.Err()), true)
			go e.teardown(gen)
			return
		}
	}
}

// onEvent maps one page event onto the Host: statuses, me, WAHA events.
func (e *Engine) onEvent(gen int, pg browserPage, ev Event) {
	if e.current(gen) == nil {
		return
	}
	ctx := context.Background()
	switch ev.Type {
	case EventQR:
		if pg.Status().Status == StatusScanQR {
			e.host.NewQR()
		}
	case EventLoaded, EventState, EventDisconnected:
		e.syncStatus(pg)
	case EventReady:
		me := toMeInfo(ev.Me)
		e.mu.Lock()
		e.me = me
		e.mu.Unlock()
		e.host.SetMe(me)
		e.host.SetStatus(engines.StatusWorking, "")
	case EventLoggedOut:
		e.mu.Lock()
		ours := e.loggingOut
		e.me = nil
		e.mu.Unlock()
		if ours {
			return
		}
		// Unlinked from the phone: a restart would only show a new QR to
		// nobody, so the session stays FAILED until the user starts it.
		e.host.SetMe(nil)
		e.host.Failed(errors.New("logged out from the phone; start the session to pair it again"), false)
		go e.teardown(gen)
	case EventFailed:
		e.host.Failed(fmt.Errorf("whatsapp web: %s", ev.Reason), true)
		go e.teardown(gen)
	case EventMessage:
		if ev.Message != nil {
			e.emit(ctx, gen, "message", e.incoming(ctx, pg, *ev.Message))
		}
	case EventMessageCreate:
		if ev.Message != nil {
			e.emit(ctx, gen, "message.any", e.incoming(ctx, pg, *ev.Message))
		}
	case EventAck:
		if ev.Ack != nil {
			name, p := ackPayloadOf(*ev.Ack)
			e.emit(ctx, gen, name, p)
		}
	case EventEdit:
		if ev.Edit != nil && ev.Edit.Message != nil {
			e.emit(ctx, gen, "message.edited", editedPayloadOf(*ev.Edit))
		}
	case EventRevoke:
		if ev.Revoke != nil {
			e.emit(ctx, gen, "message.revoked", revokedPayloadOf(*ev.Revoke))
		}
	case EventChatArchive:
		if ev.Archive != nil {
			e.emit(ctx, gen, "chat.archive", *ev.Archive)
		}
	case EventPresence:
		if ev.Presence != nil {
			e.emit(ctx, gen, "presence.update", *ev.Presence)
		}
	case EventCall:
		if c := ev.Call; c != nil {
			e.emit(ctx, gen, "call.received", engines.Call{
				ID: c.ID, From: c.From, Timestamp: c.Timestamp, IsVideo: c.IsVideo, IsGroup: c.IsGroup, Data: c.Raw,
			})
		}
	case EventWaiting:
		if ev.Message != nil {
			m := toMessage(*ev.Message)
			m.Body = "" // nothing readable yet
			e.emit(ctx, gen, "message.waiting", m)
		}
	case EventReaction:
		if ev.Reaction != nil {
			e.emit(ctx, gen, "message.reaction", *ev.Reaction)
		}
	case EventGroup:
		if g := ev.Group; g != nil {
			if ems := groupEmissions(*g); len(ems) > 0 {
				e.record(ctx, gen, ems...)
			}
		}
	case EventPollVote:
		if v := ev.Vote; v != nil {
			name := "poll.vote"
			if v.Failed {
				name = "poll.vote.failed"
			}
			e.emit(ctx, gen, name, engines.PollVotePayload{Vote: v.Vote, Poll: v.Poll})
		}
	}
}

// emit records one event of the page. WhatsApp Web is the store here, so the
// event is all there is to record. A failed write is tried again (the page
// waits meanwhile, keeping its later events), until the run ends.
func (e *Engine) emit(ctx context.Context, gen int, event string, payload any) {
	e.record(ctx, gen, sessions.Emission{Event: event, Payload: payload})
}

// record records events of the page together (one change, one transaction).
func (e *Engine) record(ctx context.Context, gen int, ems ...sessions.Emission) {
	rec := sessions.Events(ems...)
	event := ems[0].Event
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		err := e.host.Record(ctx, rec)
		if err == nil || errors.Is(err, sessions.ErrStale) || e.current(gen) == nil {
			return
		}
		e.log.Error("record event; trying again", "event", event, "in", wait, "err", err)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return
		}
	}
}

// syncStatus reports the driver's status. A FAILED page (CONFLICT: WA
// open elsewhere) may recover by itself, so it is reported without asking
// for a restart; the driver goes back to WORKING when WA reconnects.
func (e *Engine) syncStatus(pg browserPage) {
	st := pg.Status()
	switch st.Status {
	case StatusStarting:
		e.host.SetStatus(engines.StatusStarting, "")
	case StatusScanQR:
		e.host.SetStatus(engines.StatusScanQRCode, "")
	case StatusWorking:
		e.host.SetStatus(engines.StatusWorking, "")
	case StatusFailed:
		e.host.SetStatus(engines.StatusFailed, "whatsapp web disconnected: "+st.Reason)
	}
}

// ackPayload is WAHA's message.ack payload.
type ackPayload struct {
	ID          string          `json:"id"`
	From        *string         `json:"from,omitempty"`
	To          *string         `json:"to,omitempty"`
	Participant *string         `json:"participant,omitempty"` // groups: who read it
	FromMe      bool            `json:"fromMe"`
	Ack         engines.Ack     `json:"ack"`
	AckName     string          `json:"ackName"`
	Data        json.RawMessage `json:"_data,omitempty"`
}

// ackPayloadOf maps an ack; groups' acks are message.ack.group, as WAHA
// has sent them since 2025.12.
func ackPayloadOf(a AckEvent) (string, ackPayload) {
	ack := engines.Ack(a.Ack)
	p := ackPayload{ID: a.ID, From: a.From, To: a.To, Participant: a.Participant, FromMe: a.FromMe, Ack: ack, AckName: ack.Name()}
	name := "message.ack"
	if parts := strings.Split(a.ID, "_"); len(parts) >= 2 && strings.HasSuffix(parts[1], "@g.us") {
		name = "message.ack.group"
	}
	return name, p
}

// editedPayload is WAHA's message.edited: the message with its new body
// and the raw id of the message that was edited.
type editedPayload struct {
	engines.Message
	EditedMessageID string `json:"editedMessageId"`
}

func editedPayloadOf(ed EditEvent) editedPayload {
	m := toMessage(*ed.Message)
	m.Body = ed.NewBody
	return editedPayload{Message: m, EditedMessageID: ed.EditedMessageID}
}

// revokedPayload is WAHA's message.revoked.
type revokedPayload struct {
	After            *engines.Message `json:"after,omitempty"`
	Before           *engines.Message `json:"before,omitempty"`
	RevokedMessageID string           `json:"revokedMessageId"`
}

func revokedPayloadOf(r RevokeEvent) revokedPayload {
	p := revokedPayload{RevokedMessageID: r.RevokedMessageID}
	if r.After != nil {
		m := toMessage(*r.After)
		p.After = &m
	}
	if r.Before != nil {
		m := toMessage(*r.Before)
		p.Before = &m
	}
	return p
}

// groupEmissions maps a group notification to WAHA's group events: the
// account joining (group.v2.join and the deprecated group.join), leaving
// (group.v2.leave, group.leave), members changing (group.v2.participants)
// and the info changing (group.v2.update).
func groupEmissions(g GroupEvent) []sessions.Emission {
	var data any = g.Raw
	if len(g.Raw) == 0 {
		data = map[string]any{}
	}
	ref := engines.GroupRef{ID: g.Group}
	switch g.Kind {
	case "join":
		if g.Info == nil {
			return nil
		}
		return []sessions.Emission{
			{Event: engines.EventGroupV2Join, Payload: engines.GroupJoinPayload{Timestamp: g.Timestamp, Group: *g.Info, Data: data}},
			{Event: engines.EventGroupJoin, Payload: *g.Info},
		}
	case "leave":
		return []sessions.Emission{
			{Event: engines.EventGroupV2Leave, Payload: engines.GroupLeavePayload{Timestamp: g.Timestamp, Group: ref, Author: g.Author, Data: data}},
			{Event: engines.EventGroupLeave, Payload: ref},
		}
	case "participants":
		ps := g.Participants
		if ps == nil {
			ps = []engines.GroupParticipant{}
		}
		return []sessions.Emission{{Event: engines.EventGroupV2Participants, Payload: engines.GroupParticipantsPayload{
			Type: g.Type, Timestamp: g.Timestamp, Group: ref, Participants: ps, Author: g.Author, Data: data,
		}}}
	case "update":
		if g.Change == nil {
			return nil
		}
		ch := *g.Change
		ch.ID = g.Group
		return []sessions.Emission{{Event: engines.EventGroupV2Update, Payload: engines.GroupUpdatePayload{
			Timestamp: g.Timestamp, Group: ch, Author: g.Author, Data: data,
		}}}
	}
	return nil
}

package noweb

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/sessions"
)

// chatPresence is what the session knows of one chat's presences; guarded by
// Engine.mu.
type chatPresence struct {
	subscribed bool
	by         map[string]engines.PresenceData // participant → their last presence
}

func (c *chatPresence) api(id string) engines.ChatPresences {
	out := engines.ChatPresences{ID: id, Presences: make([]engines.PresenceData, 0, len(c.by))}
	for _, p := range c.by {
		out.Presences = append(out.Presences, p)
	}
	sort.Slice(out.Presences, func(i, j int) bool { return out.Presences[i].Participant < out.Presences[j].Participant })
	return out
}

// SetPresence sends the account's presence (online, offline) or a chat state
// (typing, recording, paused) to chat. A presence carries the push name, which
// is how WhatsApp's server learns it.
func (e *Engine) SetPresence(ctx context.Context, p engines.Presence, chat engines.ChatID) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	switch p {
	case engines.PresenceOnline, engines.PresenceOffline:
		state := types.PresenceAvailable
		if p == engines.PresenceOffline {
			state = types.PresenceUnavailable
		}
		if err := cli.SendPresence(ctx, state); err != nil {
			return fmt.Errorf("send presence: %w", err)
		}
		e.mu.Lock()
		e.online = p == engines.PresenceOnline
		e.mu.Unlock()
		return nil
	case engines.PresenceTyping:
		err = cli.SendChatPresence(ctx, toJID(chat), types.ChatPresenceComposing, types.ChatPresenceMediaText)
	case engines.PresenceRecording:
		err = cli.SendChatPresence(ctx, toJID(chat), types.ChatPresenceComposing, types.ChatPresenceMediaAudio)
	case engines.PresencePaused:
		err = cli.SendChatPresence(ctx, toJID(chat), types.ChatPresencePaused, "")
	default:
		return fmt.Errorf("%w: presence %q", engines.ErrInvalid, p)
	}
	if err != nil {
		return fmt.Errorf("send chat state: %w", err)
	}
	return nil
}

// SubscribePresence asks WhatsApp for the person's presence updates (a
// presence subscription; WhatsApp answers with their current presence).
func (e *Engine) SubscribePresence(ctx context.Context, chat engines.ChatID) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	if chat.IsGroup() {
		// Group members' chat states come with the group; nothing to ask for.
		e.presenceOf(chat.String(), true)
		return nil
	}
	j := canonical(ctx, cli, toJID(chat))
	if err := cli.SubscribePresence(ctx, j); err != nil {
		return fmt.Errorf("subscribe to presence: %w", err)
	}
	e.presenceOf(wahaID(j), true)
	return nil
}

// presenceOf is the chat's entry, made if missing; subscribe marks it subscribed.
func (e *Engine) presenceOf(chat string, subscribe bool) *chatPresence {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.presences == nil {
		e.presences = map[string]*chatPresence{}
	}
	c := e.presences[chat]
	if c == nil {
		c = &chatPresence{by: map[string]engines.PresenceData{}}
		e.presences[chat] = c
	}
	if subscribe {
		c.subscribed = true
	}
	return c
}

func (e *Engine) Presences(ctx context.Context) ([]engines.ChatPresences, error) {
	if _, err := e.client(); err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := make([]string, 0, len(e.presences))
	for id, c := range e.presences {
		if c.subscribed || len(c.by) > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := make([]engines.ChatPresences, len(ids))
	for i, id := range ids {
		out[i] = e.presences[id].api(id)
	}
	return out, nil
}

// Presence is what is known of the chat's presences; a chat not subscribed to
// yet is subscribed first, as WAHA does.
func (e *Engine) Presence(ctx context.Context, chat engines.ChatID) (engines.ChatPresences, error) {
	cli, err := e.client()
	if err != nil {
		return engines.ChatPresences{}, err
	}
	id := chat.String()
	if !chat.IsGroup() {
		id = wahaID(canonical(ctx, cli, toJID(chat)))
	}
	e.mu.Lock()
	c := e.presences[id]
	subscribed := c != nil && c.subscribed
	e.mu.Unlock()
	if !subscribed {
		if err := e.SubscribePresence(ctx, chat); err != nil {
			return engines.ChatPresences{}, err
		}
	}
	c = e.presenceOf(id, false)
	e.mu.Lock()
	defer e.mu.Unlock()
	return c.api(id), nil
}

// onPresence records a person's online state (events.Presence) or chat state
// (events.ChatPresence) and emits presence.update with the chat's presences.
func (e *Engine) onPresence(ctx context.Context, cli *whatsmeow.Client, evt any) error {
	var chat, participant string
	var p engines.PresenceData
	switch v := evt.(type) {
	case *events.Presence:
		from := wahaID(canonical(ctx, cli, v.From))
		chat, participant = from, from
		p = engines.PresenceData{Participant: from, LastKnownPresence: engines.PresenceOnline}
		if v.Unavailable {
			p.LastKnownPresence = engines.PresenceOffline
		}
		if !v.LastSeen.IsZero() {
			ts := v.LastSeen.Unix()
			p.LastSeen = &ts
		}
	case *events.ChatPresence:
		chat = wahaID(canonical(ctx, cli, v.Chat))
		participant = wahaID(canonical(ctx, cli, v.Sender))
		p = engines.PresenceData{Participant: participant, LastKnownPresence: engines.PresencePaused}
		if v.State == types.ChatPresenceComposing {
			p.LastKnownPresence = engines.PresenceTyping
			if v.Media == types.ChatPresenceMediaAudio {
				p.LastKnownPresence = engines.PresenceRecording
			}
		}
	default:
		return nil
	}
	if chat == "" || participant == "" {
		return nil
	}
	c := e.presenceOf(chat, false)
	e.mu.Lock()
	if old, ok := c.by[participant]; ok && p.LastSeen == nil {
		p.LastSeen = old.LastSeen
	}
	c.by[participant] = p
	payload := engines.ChatPresences{ID: chat, Presences: []engines.PresenceData{p}}
	e.mu.Unlock()
	return e.host.Record(ctx, sessions.Events(sessions.Emission{Event: "presence.update", Payload: payload}))
}

// resendPresence tells WhatsApp the account's presence again (with the push
// name, which is how the server learns a new one).
func (e *Engine) resendPresence(ctx context.Context, cli *whatsmeow.Client) error {
	e.mu.Lock()
	online := e.online
	e.mu.Unlock()
	state := types.PresenceUnavailable
	if online {
		state = types.PresenceAvailable
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return cli.SendPresence(ctx, state)
}

package noweb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
	"github.com/wagate/wagate/sessions"
)

// readLimit is how many unread messages ReadMessages marks when the caller does not
// say: WAHA's 30 for a person, 100 for a group.
func readLimit(chat engines.ChatID) int {
	if chat.IsGroup() {
		return 100
	}
	return 30
}

func (e *Engine) ListChats(ctx context.Context, q engines.ChatQuery) ([]engines.Chat, error) {
	st, err := e.store("listing chats")
	if err != nil {
		return nil, err
	}
	rows, err := st.ListChats(ctx, e.name, q)
	if err != nil {
		return nil, err
	}
	now := time.Now().Unix()
	out := make([]engines.Chat, len(rows))
	var withLast []engines.ChatID
	for i, r := range rows {
		out[i] = r.API(now)
		if r.LastMessageID != "" {
			if id, err := engines.ParseChatID(r.ID); err == nil {
				withLast = append(withLast, id)
			}
		}
	}
	if len(withLast) == 0 {
		return out, nil
	}
	// Each row carries its last message, as WAHA's WEBJS rows do: one more query
	// for the page, through the overview's lookup of last messages.
	last, err := st.ChatsOverview(ctx, e.name, engines.OverviewQuery{IDs: withLast})
	if err != nil {
		return nil, fmt.Errorf("last messages of the chats: %w", err)
	}
	byID := make(map[string]*chatstore.Message, len(last))
	for _, r := range last {
		byID[r.ID] = r.LastMessage
	}
	for i := range out {
		if m := byID[out[i].ID]; m != nil {
			lm := e.withMedia(ctx, *m, false)
			out[i].LastMessage = &lm
		}
	}
	return out, nil
}

func (e *Engine) ChatsOverview(ctx context.Context, q engines.OverviewQuery) ([]engines.ChatSummary, error) {
	st, err := e.store("the chats overview")
	if err != nil {
		return nil, err
	}
	rows, err := st.ChatsOverview(ctx, e.name, q)
	if err != nil {
		return nil, err
	}
	now := time.Now().Unix()
	out := make([]engines.ChatSummary, len(rows))
	for i, r := range rows {
		c := r.API(now)
		s := engines.ChatSummary{ID: c.ID, Name: c.Name}
		s.Picture, _ = e.cachedPicture(c.ID)
		if r.LastMessage != nil {
			m := e.withMedia(ctx, *r.LastMessage, false)
			s.LastMessage = &m
		}
		if raw, err := json.Marshal(c); err == nil {
			s.Raw = raw
		}
		out[i] = s
	}
	return out, nil
}

// lastKey is the chat's last message as app-state patches reference it; zero
// values when unknown, which WhatsApp accepts.
func (e *Engine) lastKey(ctx context.Context, cli *whatsmeow.Client, chat engines.ChatID) (time.Time, *waCommon.MessageKey) {
	if e.chats == nil {
		return time.Time{}, nil
	}
	c, err := e.chats.GetChat(ctx, e.name, chat.String())
	if err != nil || c.LastMessageID == "" {
		return time.Time{}, nil
	}
	m, err := e.chats.GetMessage(ctx, e.name, chat.String(), c.LastMessageID)
	if err != nil {
		return time.Time{}, nil
	}
	jid := toJID(chat)
	s := jid
	if m.FromMe {
		s = cli.Store.ID.ToNonAD()
	}
	return time.Unix(m.Timestamp, 0), cli.BuildMessageKey(jid, s, m.ID)
}

// patch sends an app-state patch, then applies its change to the store at once;
// whatsmeow's resync after the send brings the mutation back as an event, which
// applies it again (idempotent) and records its WAHA event.
func (e *Engine) patch(ctx context.Context, what string, build func(cli *whatsmeow.Client) appstate.PatchInfo, apply func(st chatstore.Store) error) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	if err := cli.SendAppState(ctx, build(cli)); err != nil {
		return fmt.Errorf("%s: send app state patch: %w", what, err)
	}
	if e.chats == nil {
		return nil
	}
	return e.host.Record(ctx, func(tx chatstore.Store) ([]sessions.Emission, error) { return nil, apply(tx) })
}

func (e *Engine) ArchiveChat(ctx context.Context, chat engines.ChatID, archive bool) error {
	return e.patch(ctx, "archive chat", func(cli *whatsmeow.Client) appstate.PatchInfo {
		ts, key := e.lastKey(ctx, cli, chat)
		return appstate.BuildArchive(toJID(chat), archive, ts, key)
	}, func(st chatstore.Store) error {
		return st.UpdateChat(ctx, e.name, chat.String(), chatstore.ChatChange{Archived: &archive})
	})
}

func (e *Engine) MarkChatUnread(ctx context.Context, chat engines.ChatID) error {
	unread := true
	return e.patch(ctx, "mark chat unread", func(cli *whatsmeow.Client) appstate.PatchInfo {
		ts, key := e.lastKey(ctx, cli, chat)
		return appstate.BuildMarkChatAsRead(toJID(chat), false, ts, key)
	}, func(st chatstore.Store) error {
		return st.UpdateChat(ctx, e.name, chat.String(), chatstore.ChatChange{MarkedUnread: &unread})
	})
}

func (e *Engine) DeleteChat(ctx context.Context, chat engines.ChatID) error {
	return e.patch(ctx, "delete chat", func(cli *whatsmeow.Client) appstate.PatchInfo {
		ts, key := e.lastKey(ctx, cli, chat)
		return appstate.BuildDeleteChat(toJID(chat), ts, key)
	}, func(st chatstore.Store) error {
		return st.DeleteChat(ctx, e.name, chat.String())
	})
}

// clearChatPatch is the clearChat mutation; whatsmeow has no builder for it. The
// index is ["clearChat", jid, deleteStarred, deleteMedia].
func clearChatPatch(chat types.JID, ts time.Time, key *waCommon.MessageKey) appstate.PatchInfo {
	r := &waSyncAction.SyncActionMessageRange{LastMessageTimestamp: proto.Int64(ts.Unix())}
	if key != nil {
		r.Messages = []*waSyncAction.SyncActionMessage{{Key: key, Timestamp: proto.Int64(ts.Unix())}}
	}
	return appstate.PatchInfo{
		Type: appstate.WAPatchRegularHigh,
		Mutations: []appstate.MutationInfo{{
			Index:   []string{appstate.IndexClearChat, chat.String(), "1", "0"},
			Version: 6,
			Value: &waSyncAction.SyncActionValue{
				ClearChatAction: &waSyncAction.ClearChatAction{MessageRange: r},
			},
		}},
	}
}

func (e *Engine) ClearMessages(ctx context.Context, chat engines.ChatID) error {
	now := time.Now()
	return e.patch(ctx, "clear chat", func(cli *whatsmeow.Client) appstate.PatchInfo {
		ts, key := e.lastKey(ctx, cli, chat)
		if ts.IsZero() {
			ts = now
		}
		return clearChatPatch(toJID(chat), ts, key)
	}, func(st chatstore.Store) error {
		return st.ClearChat(ctx, e.name, chat.String(), now.Unix())
	})
}

func (e *Engine) ReadMessages(ctx context.Context, chat engines.ChatID, q engines.ReadQuery) ([]string, error) {
	st, err := e.store("marking messages read")
	if err != nil {
		return nil, err
	}
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	limit := q.Messages
	if limit <= 0 {
		limit = readLimit(chat)
	}
	days := q.Days
	if days <= 0 {
		days = 7
	}
	since := time.Now().Add(-time.Duration(days) * 24 * time.Hour).Unix()
	fromMe, ack := false, engines.AckDevice
	unread, err := st.ListMessages(ctx, e.name, engines.MessageQuery{
		Chat: chat, Limit: limit, TimestampGTE: &since, FromMe: &fromMe, Ack: &ack,
	})
	if err != nil {
		return nil, err
	}
	jid := toJID(chat)
	// One receipt per sender: in groups every participant gets their own.
	bySender := map[types.JID][]types.MessageID{}
	var order []types.JID
	for _, m := range unread {
		s := jid
		if p := m.Message.Participant; p != nil {
			if pc, err := engines.ParseChatID(*p); err == nil {
				s = toJID(pc)
			}
		}
		if _, ok := bySender[s]; !ok {
			order = append(order, s)
		}
		bySender[s] = append(bySender[s], m.ID)
	}
	ids := make([]string, 0, len(unread))
	for _, s := range order {
		if err := cli.MarkRead(ctx, bySender[s], time.Now(), jid, s); err != nil {
			return nil, fmt.Errorf("send read receipts: %w", err)
		}
		raw := make([]string, len(bySender[s]))
		for i, id := range bySender[s] {
			raw[i] = string(id)
		}
		if _, err := st.SetAck(ctx, e.name, chat.String(), raw, engines.AckRead); err != nil {
			return nil, err
		}
	}
	for _, m := range unread {
		ids = append(ids, m.Message.ID)
	}
	if err := st.UpdateChat(ctx, e.name, chat.String(), chatstore.ChatChange{Read: true}); err != nil {
		return nil, err
	}
	return ids, nil
}

// pictureTTL is how long a chat picture URL is reused, as WAHA does.
const pictureTTL = 24 * time.Hour

type cachedPicture struct {
	url *string
	at  time.Time
}

// cachedPicture is a chat's picture URL if it was fetched within pictureTTL.
func (e *Engine) cachedPicture(chat string) (*string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.pictures[chat]; ok && time.Since(p.at) < pictureTTL {
		return p.url, true
	}
	return nil, false
}

func (e *Engine) ChatPicture(ctx context.Context, chat engines.ChatID, refresh bool) (*string, error) {
	key := chat.String()
	if url, ok := e.cachedPicture(key); ok && !refresh {
		return url, nil
	}
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	var url *string
	info, err := cli.GetProfilePictureInfo(ctx, toJID(chat), &whatsmeow.GetProfilePictureParams{})
	switch {
	case errors.Is(err, whatsmeow.ErrProfilePictureNotSet), errors.Is(err, whatsmeow.ErrProfilePictureUnauthorized):
	case err != nil:
		return nil, fmt.Errorf("get profile picture: %w", err)
	case info != nil && info.URL != "":
		url = &info.URL
	}
	e.mu.Lock()
	if e.pictures == nil {
		e.pictures = map[string]cachedPicture{}
	}
	e.pictures[key] = cachedPicture{url: url, at: time.Now()}
	e.mu.Unlock()
	return url, nil
}

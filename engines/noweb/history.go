package noweb

import (
	"context"
	"fmt"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
)

// downloadedHistory turns a history-sync notification into the history it points
// to. The engine downloads it itself (whatsmeow's ManualHistorySyncDownload), in
// the event handler: the notification's ack then waits until the history is
// stored, and no whatsmeow goroutine outlives the client (whatsmeow's own
// download loop waits on a channel nothing closes). Other events pass as they are.
func downloadedHistory(ctx context.Context, cli *whatsmeow.Client, evt any) (any, error) {
	m, ok := evt.(*events.Message)
	if !ok || !m.Info.IsFromMe {
		return evt, nil
	}
	n := m.Message.GetProtocolMessage().GetHistorySyncNotification()
	if n == nil {
		return evt, nil
	}
	ctx, cancel := context.WithTimeout(ctx, ingestTimeout)
	defer cancel()
	data, err := cli.DownloadHistorySync(ctx, n, false)
	if err != nil {
		return nil, fmt.Errorf("download history sync: %w", err)
	}
	return &events.HistorySync{Data: data}, nil
}

// onHistorySync stores one chunk of history: its chats with their state, then its
// messages in batches. whatsmeow hands chunks over one at a time.
func (e *Engine) onHistorySync(ctx context.Context, cli *whatsmeow.Client, evt *events.HistorySync) error {
	if e.chats == nil || evt.Data == nil {
		return nil
	}
	h := evt.Data
	// The chunk's own PN↔LID pairs, so its LID chats land on phone numbers even
	// before whatsmeow's LID map has them.
	pnOf := map[string]types.JID{}
	for _, m := range h.GetPhoneNumberToLidMappings() {
		lid, err1 := types.ParseJID(m.GetLidJID())
		pn, err2 := types.ParseJID(m.GetPnJID())
		if err1 == nil && err2 == nil {
			pnOf[lid.ToNonAD().String()] = pn.ToNonAD()
		}
	}
	resolve := func(j types.JID) types.JID {
		if pn, ok := pnOf[j.ToNonAD().String()]; ok {
			return pn
		}
		return canonical(ctx, cli, j)
	}
	pushNames := map[string]string{}
	for _, p := range h.GetPushnames() {
		if j, err := types.ParseJID(p.GetID()); err == nil {
			pushNames[wahaID(resolve(j))] = p.GetPushname()
		}
	}
	own := me(cli)
	var chats []chatstore.Chat
	var msgs []chatstore.Message
	for _, conv := range h.GetConversations() {
		raw, err := types.ParseJID(conv.GetID())
		if err != nil {
			e.log.Warn("history sync: bad chat id", "id", conv.GetID(), "err", err)
			continue
		}
		chat := resolve(raw)
		id := wahaID(chat)
		name := conv.GetName()
		if name == "" {
			name = conv.GetDisplayName()
		}
		if name == "" {
			name = pushNames[id]
		}
		mute := int64(conv.GetMuteEndTime())
		if mute > 1e12 {
			mute /= 1000
		}
		chats = append(chats, chatstore.Chat{
			ID: id, Name: name, ConversationTimestamp: int64(conv.GetConversationTimestamp()),
			UnreadCount: int(conv.GetUnreadCount()), MarkedUnread: conv.GetMarkedAsUnread(),
			Archived: conv.GetArchived(), Pinned: conv.GetPinned() > 0, MuteUntil: mute,
		})
		for _, hm := range conv.GetMessages() {
			wm := hm.GetMessage()
			evt, err := cli.ParseWebMessage(raw, wm)
			if err != nil || !isContent(evt.Message) {
				continue
			}
			participant := evt.Info.Sender
			if evt.Info.IsGroup {
				participant = resolve(participant)
			}
			ack := engines.AckDevice
			if evt.Info.IsFromMe {
				ack = ackOfStatus(wm.GetStatus())
			}
			msgs = append(msgs, e.stored(evt, chat, participant, own, ack, "app"))
		}
	}
	if err := e.chats.SaveChats(ctx, e.name, chats); err != nil {
		return fmt.Errorf("history sync chunk %d: %w", h.GetChunkOrder(), err)
	}
	if _, err := e.chats.SaveMessages(ctx, e.name, msgs, false); err != nil {
		return fmt.Errorf("history sync chunk %d: %w", h.GetChunkOrder(), err)
	}
	e.log.Info("history sync chunk stored", "type", h.GetSyncType().String(), "chunk", h.GetChunkOrder(),
		"chats", len(chats), "messages", len(msgs))
	return nil
}

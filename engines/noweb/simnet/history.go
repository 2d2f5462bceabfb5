package simnet

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"slices"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"
)

// sendHistorySync builds the initial history sync from what the phone
// has seen, uploads it to simnet's media host encrypted as WhatsApp media
// ("WhatsApp History Keys", done by whatsmeow's Upload) and notifies the
// account's devices with a HISTORY_SYNC_NOTIFICATION.
func (p *Phone) sendHistorySync(ctx context.Context) error {
	hs := p.buildHistorySync()
	raw, err := proto.Marshal(hs)
	if err != nil {
		return fmt.Errorf("marshal history sync: %w", err)
	}
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	if _, err := zw.Write(raw); err != nil {
		return fmt.Errorf("compress history sync: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compress history sync: %w", err)
	}
	up, err := p.client.Upload(ctx, buf.Bytes(), whatsmeow.MediaHistory)
	if err != nil {
		return fmt.Errorf("upload history sync: %w", err)
	}
	msg := &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
		Type: waE2E.ProtocolMessage_HISTORY_SYNC_NOTIFICATION.Enum(),
		HistorySyncNotification: &waE2E.HistorySyncNotification{
			FileSHA256:    up.FileSHA256,
			FileLength:    proto.Uint64(up.FileLength),
			MediaKey:      up.MediaKey,
			FileEncSHA256: up.FileEncSHA256,
			DirectPath:    proto.String(up.DirectPath),
			SyncType:      waE2E.HistorySyncType_INITIAL_BOOTSTRAP.Enum(),
			ChunkOrder:    proto.Uint32(1),
			Progress:      proto.Uint32(100),
		},
	}}
	if err := p.sendToSelf(ctx, msg); err != nil {
		return fmt.Errorf("send history sync notification: %w", err)
	}
	return nil
}

func (p *Phone) buildHistorySync() *waHistorySync.HistorySync {
	p.mu.Lock()
	defer p.mu.Unlock()
	chats := make([]types.JID, 0, len(p.history))
	for chat := range p.history {
		chats = append(chats, chat)
	}
	slices.SortFunc(chats, func(a, b types.JID) int {
		return int(lastTS(p.history[b]) - lastTS(p.history[a]))
	})
	hs := &waHistorySync.HistorySync{
		SyncType:   waHistorySync.HistorySync_INITIAL_BOOTSTRAP.Enum(),
		ChunkOrder: proto.Uint32(1),
		Progress:   proto.Uint32(100),
	}
	for _, chat := range chats {
		msgs := p.history[chat]
		conv := &waHistorySync.Conversation{
			ID:                    proto.String(chat.String()),
			ConversationTimestamp: proto.Uint64(lastTS(msgs)),
			LastMsgTimestamp:      proto.Uint64(lastTS(msgs)),
		}
		// History lists newest first; msgOrderID orders them.
		for i := len(msgs) - 1; i >= 0; i-- {
			conv.Messages = append(conv.Messages, &waHistorySync.HistorySyncMsg{
				Message: proto.Clone(msgs[i]).(*waWeb.WebMessageInfo), MsgOrderID: proto.Uint64(uint64(i + 1)),
			})
		}
		hs.Conversations = append(hs.Conversations, conv)
	}
	// The address book part: the account and its contacts (as on the real
	// server, not every account on the network), in a stable order.
	p.srv.mu.Lock()
	self := p.srv.byPN[p.pn.User]
	book := []*account{}
	if self != nil {
		book = append(book, self)
		for c := range self.contacts {
			book = append(book, c)
		}
	}
	slices.SortFunc(book, func(a, b *account) int { return strings.Compare(a.pn.User, b.pn.User) })
	for _, acc := range book {
		hs.PhoneNumberToLidMappings = append(hs.PhoneNumberToLidMappings, &waHistorySync.PhoneNumberToLIDMapping{
			PnJID: proto.String(acc.pn.String()), LidJID: proto.String(acc.lid.String()),
		})
		if acc.name != "" {
			hs.Pushnames = append(hs.Pushnames, &waHistorySync.Pushname{ID: proto.String(acc.pn.String()), Pushname: proto.String(acc.name)})
		}
	}
	p.srv.mu.Unlock()
	return hs
}

func lastTS(msgs []*waWeb.WebMessageInfo) uint64 {
	if len(msgs) == 0 {
		return 0
	}
	return msgs[len(msgs)-1].GetMessageTimestamp()
}

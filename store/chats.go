package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
)

// ChatStore is the chatstore.Store on this database.
func (s *Store) ChatStore() chatstore.Store { return chatStore{s: s} }

// chatStore works on s's database, or, when tx is set, in that transaction
// (Record); its own transactions then become savepoints.
type chatStore struct {
	s  *Store
	tx *gorm.DB
}

var _ chatstore.Store = chatStore{}

type chatRow struct {
	Session        string
	ID             string
	Name           string
	ConversationTS int64 `gorm:"column:conversation_ts"`
	LastMessageTS  int64 `gorm:"column:last_message_ts"`
	LastMessageID  string
	UnreadCount    int
	MarkedUnread   bool
	Archived       bool
	Pinned         bool
	MuteUntil      int64
}

func (chatRow) TableName() string { return "wagate_chats" }

func (r chatRow) chat() chatstore.Chat {
	return chatstore.Chat{
		ID: r.ID, Name: r.Name, ConversationTimestamp: r.ConversationTS,
		LastMessageTimestamp: r.LastMessageTS, LastMessageID: r.LastMessageID,
		UnreadCount: r.UnreadCount, MarkedUnread: r.MarkedUnread, Archived: r.Archived,
		Pinned: r.Pinned, MuteUntil: r.MuteUntil,
	}
}

// clean makes text storable as PostgreSQL TEXT, which refuses NUL bytes and
// invalid UTF-8; WhatsApp delivers whatever the sender's client put in.
func clean(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func (c chatStore) db(ctx context.Context) *gorm.DB {
	if c.tx != nil {
		return c.tx.WithContext(ctx)
	}
	return c.s.db.WithContext(ctx)
}

// chatUpsert creates a chat or moves its timestamps, last message and unread count
// forward. Every SET expression reads the row's old values, on both databases.
const chatUpsert = `INSERT INTO wagate_chats
	(session, id, name, conversation_ts, last_message_ts, last_message_id, unread_count)
	VALUES (?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (session, id) DO UPDATE SET
	name = CASE WHEN wagate_chats.name = '' THEN excluded.name ELSE wagate_chats.name END,
	conversation_ts = CASE WHEN excluded.conversation_ts > wagate_chats.conversation_ts
		THEN excluded.conversation_ts ELSE wagate_chats.conversation_ts END,
	last_message_id = CASE WHEN excluded.last_message_ts >= wagate_chats.last_message_ts AND excluded.last_message_id <> ''
		THEN excluded.last_message_id ELSE wagate_chats.last_message_id END,
	last_message_ts = CASE WHEN excluded.last_message_ts > wagate_chats.last_message_ts
		THEN excluded.last_message_ts ELSE wagate_chats.last_message_ts END,
	unread_count = CASE WHEN ? THEN excluded.unread_count ELSE wagate_chats.unread_count + excluded.unread_count END,
	marked_unread = CASE WHEN ? THEN FALSE ELSE wagate_chats.marked_unread END`

// chatUpsertHistory is chatUpsert for many chats of a history batch at once,
// which leaves unread counts alone.
var chatUpsertHistory = strings.Replace(
	chatUpsert[:strings.Index(chatUpsert, "\tunread_count = CASE")], "VALUES (?, ?, ?, ?, ?, ?, ?)", "VALUES VALUES_LIST", 1) +
	"\tunread_count = wagate_chats.unread_count + excluded.unread_count"

func (c chatStore) SaveChats(ctx context.Context, session string, chats []chatstore.Chat) error {
	if len(chats) == 0 {
		return nil
	}
	err := c.db(ctx).Transaction(func(tx *gorm.DB) error {
		for _, ch := range chats {
			err := tx.Exec(`INSERT INTO wagate_chats
				(session, id, name, conversation_ts, last_message_ts, last_message_id, unread_count, marked_unread, archived, pinned, mute_until)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (session, id) DO UPDATE SET
				name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE wagate_chats.name END,
				conversation_ts = CASE WHEN excluded.conversation_ts > wagate_chats.conversation_ts
					THEN excluded.conversation_ts ELSE wagate_chats.conversation_ts END`,
				session, clean(ch.ID), clean(ch.Name), ch.ConversationTimestamp, ch.LastMessageTimestamp,
				clean(ch.LastMessageID), ch.UnreadCount, ch.MarkedUnread, ch.Archived, ch.Pinned, ch.MuteUntil).Error
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save %d chats of session %q: %w", len(chats), session, err)
	}
	return nil
}

func (c chatStore) UpdateChat(ctx context.Context, session, chat string, ch chatstore.ChatChange) error {
	set := map[string]any{}
	if ch.Name != nil {
		if ch.NameIfEmpty {
			set["name"] = gorm.Expr("CASE WHEN name = '' THEN ? ELSE name END", clean(*ch.Name))
		} else {
			set["name"] = clean(*ch.Name)
		}
	}
	if ch.Archived != nil {
		set["archived"] = *ch.Archived
	}
	if ch.Pinned != nil {
		set["pinned"] = *ch.Pinned
	}
	if ch.MuteUntil != nil {
		set["mute_until"] = *ch.MuteUntil
	}
	if ch.MarkedUnread != nil {
		set["marked_unread"] = *ch.MarkedUnread
	}
	if ch.Read {
		set["unread_count"] = 0
		set["marked_unread"] = false
	}
	if len(set) == 0 {
		return nil
	}
	err := c.db(ctx).Model(&chatRow{}).Where("session = ? AND id = ?", session, clean(chat)).Updates(set).Error
	if err != nil {
		return fmt.Errorf("update chat %s of session %q: %w", chat, session, err)
	}
	return nil
}

func (c chatStore) ClearChat(ctx context.Context, session, chat string, before int64) error {
	err := c.db(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM wagate_messages WHERE session = ? AND chat = ? AND ts <= ?`, session, chat, before).Error; err != nil {
			return err
		}
		// The newest message left, if any, becomes the last one.
		var last messageRow
		err := tx.Where("session = ? AND chat = ?", session, chat).Order("ts DESC, seq DESC").Limit(1).Take(&last).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		return tx.Model(&chatRow{}).Where("session = ? AND id = ?", session, chat).Updates(map[string]any{
			"last_message_id": last.ID, "last_message_ts": last.Ts, "unread_count": 0, "marked_unread": false,
		}).Error
	})
	if err != nil {
		return fmt.Errorf("clear chat %s of session %q: %w", chat, session, err)
	}
	return nil
}

func (c chatStore) DeleteChat(ctx context.Context, session, chat string) error {
	err := c.db(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM wagate_messages WHERE session = ? AND chat = ?`, session, chat).Error; err != nil {
			return err
		}
		return tx.Exec(`DELETE FROM wagate_chats WHERE session = ? AND id = ?`, session, chat).Error
	})
	if err != nil {
		return fmt.Errorf("delete chat %s of session %q: %w", chat, session, err)
	}
	return nil
}

func (c chatStore) DeleteSessionData(ctx context.Context, session string) error {
	err := c.db(ctx).Transaction(func(tx *gorm.DB) error {
		for _, table := range []string{"wagate_messages", "wagate_chats", "wagate_contacts", "wagate_groups", "wagate_group_participants", "wagate_group_receipts"} {
			if err := tx.Exec(`DELETE FROM `+table+` WHERE session = ?`, session).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete chats, messages, contacts and groups of session %q: %w", session, err)
	}
	return nil
}

func (c chatStore) MergeChat(ctx context.Context, session, from, to string) error {
	if from == to {
		return nil
	}
	err := c.db(ctx).Transaction(func(tx *gorm.DB) error {
		// Messages never exist without their chat: no row, nothing to merge.
		var old chatRow
		err := tx.Where("session = ? AND id = ?", session, from).Take(&old).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		var rows []messageRow
		if err := tx.Where("session = ? AND chat = ?", session, from).Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			m, err := r.message()
			if err != nil {
				return err
			}
			m.Message.ID = strings.Replace(m.Message.ID, "_"+from+"_", "_"+to+"_", 1)
			if m.Message.From == from {
				m.Message.From = to
			}
			if m.Message.To == from {
				m.Message.To = to
			}
			m.Chat = to
			nr, err := toMessageRow(session, m)
			if err != nil {
				return err
			}
			if err := tx.Exec(`INSERT INTO wagate_messages (session, chat, id, from_me, ts, ack, payload, media, media_file, seq)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session, chat, id) DO NOTHING`,
				nr.Session, nr.Chat, nr.ID, nr.FromMe, nr.Ts, nr.Ack, nr.Payload, nr.Media, nr.MediaFile, r.Seq).Error; err != nil {
				return err
			}
		}
		if err := tx.Exec(`DELETE FROM wagate_messages WHERE session = ? AND chat = ?`, session, from).Error; err != nil {
			return err
		}
		if err := tx.Exec(chatUpsert, session, to, old.Name, old.ConversationTS, old.LastMessageTS, old.LastMessageID,
			old.UnreadCount, false, false).Error; err != nil {
			return err
		}
		return tx.Exec(`DELETE FROM wagate_chats WHERE session = ? AND id = ?`, session, from).Error
	})
	if err != nil {
		return fmt.Errorf("merge chat %s into %s of session %q: %w", from, to, session, err)
	}
	return nil
}

var chatOrder = map[engines.ChatSort]string{
	"": "conversation_ts", engines.SortByConversationTimestamp: "conversation_ts",
	engines.SortByID: "id", engines.SortByName: "name",
}

func (c chatStore) ListChats(ctx context.Context, session string, q engines.ChatQuery) ([]chatstore.Chat, error) {
	col, ok := chatOrder[q.SortBy]
	if !ok {
		return nil, fmt.Errorf("list chats: unknown sort %q", q.SortBy)
	}
	dir := "DESC"
	if q.SortOrder == engines.SortAsc {
		dir = "ASC"
	}
	db := c.db(ctx).Where("session = ?", session).Order(col + " " + dir + ", id " + dir).Offset(q.Offset)
	if q.Limit > 0 {
		db = db.Limit(q.Limit)
	}
	var rows []chatRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list chats of session %q: %w", session, err)
	}
	out := make([]chatstore.Chat, len(rows))
	for i, r := range rows {
		out[i] = r.chat()
	}
	return out, nil
}

func (c chatStore) ChatsOverview(ctx context.Context, session string, q engines.OverviewQuery) ([]chatstore.Chat, error) {
	db := c.db(ctx).Where("session = ?", session)
	if len(q.IDs) > 0 {
		ids := make([]string, len(q.IDs))
		for i, id := range q.IDs {
			ids[i] = id.String()
		}
		db = db.Where("id IN ?", ids)
	}
	db = db.Order("last_message_ts DESC, id DESC").Offset(q.Offset)
	if q.Limit > 0 {
		db = db.Limit(q.Limit)
	}
	var rows []chatRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("chats overview of session %q: %w", session, err)
	}
	out := make([]chatstore.Chat, len(rows))
	var ids []string
	for i, r := range rows {
		out[i] = r.chat()
		if r.LastMessageID != "" {
			ids = append(ids, r.LastMessageID)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	// By (session, id): a handful of index lookups; the chat is matched below.
	var msgs []messageRow
	if err := c.db(ctx).Where("session = ? AND id IN ?", session, ids).Find(&msgs).Error; err != nil {
		return nil, fmt.Errorf("last messages of session %q: %w", session, err)
	}
	last := make(map[string]*chatstore.Message, len(msgs))
	for _, r := range msgs {
		m, err := r.message()
		if err != nil {
			return nil, err
		}
		last[r.Chat+"\x00"+r.ID] = &m
	}
	for i := range out {
		out[i].LastMessage = last[out[i].ID+"\x00"+out[i].LastMessageID]
	}
	return out, nil
}

func (c chatStore) GetChat(ctx context.Context, session, chat string) (*chatstore.Chat, error) {
	var r chatRow
	err := c.db(ctx).Where("session = ? AND id = ?", session, chat).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("chat %s: %w", chat, engines.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get chat %s of session %q: %w", chat, session, err)
	}
	ch := r.chat()
	return &ch, nil
}

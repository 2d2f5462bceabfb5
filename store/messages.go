package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
)

type messageRow struct {
	Session   string
	Chat      string
	ID        string
	FromMe    bool
	Ts        int64
	Ack       int
	Payload   string
	Media     string
	MediaFile string
	Seq       int64
}

func (messageRow) TableName() string { return "wagate_messages" }

func toMessageRow(session string, m chatstore.Message) (messageRow, error) {
	// JSON escapes NUL and replaces invalid UTF-8, so any text fits a TEXT column.
	p, err := json.Marshal(m.Message)
	if err != nil {
		return messageRow{}, fmt.Errorf("encode message %s: %w", m.ID, err)
	}
	return messageRow{
		Session: session, Chat: clean(m.Chat), ID: clean(m.ID), FromMe: m.FromMe, Ts: m.Timestamp,
		Ack: int(m.Ack), Payload: string(p), Media: clean(m.Media), MediaFile: clean(m.MediaFile),
	}, nil
}

func (r messageRow) message() (chatstore.Message, error) {
	m := chatstore.Message{
		Chat: r.Chat, ID: r.ID, FromMe: r.FromMe, Timestamp: r.Ts, Ack: engines.Ack(r.Ack),
		Media: r.Media, MediaFile: r.MediaFile,
	}
	if err := json.Unmarshal([]byte(r.Payload), &m.Message); err != nil {
		return m, fmt.Errorf("decode message %s: %w", r.ID, err)
	}
	m.Message.Ack, m.Message.AckName = m.Ack, m.Ack.Name()
	return m, nil
}

// insertBatch bounds the rows of one INSERT (10 parameters a row; SQLite allows 32766).
const insertBatch = 500

func (c chatStore) SaveMessages(ctx context.Context, session string, msgs []chatstore.Message, live bool) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	rows := make([]messageRow, len(msgs))
	seq := time.Now().UnixNano()
	for i, m := range msgs {
		r, err := toMessageRow(session, m)
		if err != nil {
			return 0, err
		}
		r.Seq = seq + int64(i)
		rows[i] = r
	}
	inserted := make(map[string]bool, len(rows))
	err := c.db(ctx).Transaction(func(tx *gorm.DB) error {
		if err := insertMessageRows(ctx, tx, rows, inserted); err != nil {
			return err
		}
		return updateChatsFor(tx, session, msgs, rows, inserted, live)
	})
	if err != nil {
		return 0, fmt.Errorf("save %d messages of session %q: %w", len(msgs), session, err)
	}
	return len(inserted), nil
}

// updateChatsFor moves each chat of a batch of new messages forward: last message,
// conversation time, unread count and, for a chat not seen before, its name.
func updateChatsFor(tx *gorm.DB, session string, msgs []chatstore.Message, rows []messageRow, inserted map[string]bool, live bool) error {
	type agg struct {
		name           string
		lastTS         int64
		lastID         string
		lastSeq        int64
		unread         int
		answered       bool
		newestAnswered int64
	}
	chats := map[string]*agg{}
	var order []string
	for i, r := range rows {
		if !inserted[r.Chat+"\x00"+r.ID] {
			continue
		}
		a := chats[r.Chat]
		if a == nil {
			a = &agg{}
			chats[r.Chat] = a
			order = append(order, r.Chat)
		}
		if a.name == "" {
			a.name = clean(msgs[i].ChatName)
		}
		if r.Ts > a.lastTS || r.Ts == a.lastTS && r.Seq >= a.lastSeq {
			a.lastTS, a.lastID, a.lastSeq = r.Ts, r.ID, r.Seq
		}
		if !live {
			continue
		}
		if r.FromMe {
			a.answered = true
			a.newestAnswered = max(a.newestAnswered, r.Ts)
		}
	}
	if live {
		for _, r := range rows {
			a := chats[r.Chat]
			if a != nil && inserted[r.Chat+"\x00"+r.ID] && !r.FromMe && r.Ack < int(engines.AckRead) && r.Ts >= a.newestAnswered {
				a.unread++
			}
		}
	}
	if live {
		for _, chat := range order {
			a := chats[chat]
			if err := tx.Exec(chatUpsert, session, chat, a.name, a.lastTS, a.lastTS, a.lastID, a.unread, a.answered, a.answered).Error; err != nil {
				return err
			}
		}
		return nil
	}
	// History: no unread counting, so many chats go in one statement.
	for start := 0; start < len(order); start += insertBatch {
		part := order[start:min(start+insertBatch, len(order))]
		var sb strings.Builder
		args := make([]any, 0, len(part)*6)
		for i, chat := range part {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, ?, ?, ?, 0)")
			a := chats[chat]
			args = append(args, session, chat, a.name, a.lastTS, a.lastTS, a.lastID)
		}
		q := strings.Replace(chatUpsertHistory, "VALUES_LIST", sb.String(), 1)
		if err := tx.Exec(q, args...).Error; err != nil {
			return err
		}
	}
	return nil
}

func (c chatStore) SetAck(ctx context.Context, session, chat string, ids []string, ack engines.Ack) ([]chatstore.Message, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []messageRow
	err := c.db(ctx).Raw(`UPDATE wagate_messages SET ack = ?
		WHERE session = ? AND chat = ? AND id IN ? AND (ack < ? OR ? = -1) AND ack <> ?
		RETURNING session, chat, id, from_me, ts, ack, payload, media, media_file, seq`,
		int(ack), session, chat, ids, int(ack), int(ack), int(ack)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("set ack of %d messages in %s of session %q: %w", len(ids), chat, session, err)
	}
	return messages(rows)
}

func (c chatStore) EditMessage(ctx context.Context, session, chat, id, body string) (*chatstore.Message, error) {
	var out *chatstore.Message
	err := c.db(ctx).Transaction(func(tx *gorm.DB) error {
		var r messageRow
		if err := tx.Where("session = ? AND chat = ? AND id = ?", session, chat, id).Take(&r).Error; err != nil {
			return err
		}
		m, err := r.message()
		if err != nil {
			return err
		}
		m.Message.Body, m.Message.Edited = body, true
		nr, err := toMessageRow(session, m)
		if err != nil {
			return err
		}
		out = &m
		return tx.Model(&messageRow{}).Where("session = ? AND chat = ? AND id = ?", session, chat, id).
			Update("payload", nr.Payload).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("message %s in %s: %w", id, chat, engines.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("edit message %s in %s of session %q: %w", id, chat, session, err)
	}
	return out, nil
}

func (c chatStore) DeleteMessage(ctx context.Context, session, chat, id string) error {
	err := c.db(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM wagate_messages WHERE session = ? AND chat = ? AND id = ?`, session, chat, id).Error; err != nil {
			return err
		}
		// The chat's last message may be gone: the newest one left takes its place.
		var last messageRow
		err := tx.Where("session = ? AND chat = ?", session, chat).Order("ts DESC, seq DESC").Limit(1).Take(&last).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		return tx.Model(&chatRow{}).Where("session = ? AND id = ? AND last_message_id = ?", session, chat, id).
			Updates(map[string]any{"last_message_id": last.ID, "last_message_ts": last.Ts}).Error
	})
	if err != nil {
		return fmt.Errorf("delete message %s in %s of session %q: %w", id, chat, session, err)
	}
	return nil
}

func (c chatStore) SetMediaFile(ctx context.Context, session, chat, id, file string) error {
	err := c.db(ctx).Model(&messageRow{}).Where("session = ? AND chat = ? AND id = ?", session, chat, id).
		Update("media_file", clean(file)).Error
	if err != nil {
		return fmt.Errorf("record media file of message %s: %w", id, err)
	}
	return nil
}

func (c chatStore) ListMessages(ctx context.Context, session string, q engines.MessageQuery) ([]chatstore.Message, error) {
	where := []string{"session = ?"}
	args := []any{session}
	if !q.Chat.IsZero() {
		where, args = append(where, "chat = ?"), append(args, q.Chat.String())
	}
	if q.TimestampGTE != nil {
		where, args = append(where, "ts >= ?"), append(args, *q.TimestampGTE)
	}
	if q.TimestampLTE != nil {
		where, args = append(where, "ts <= ?"), append(args, *q.TimestampLTE)
	}
	if q.FromMe != nil {
		where, args = append(where, "from_me = ?"), append(args, *q.FromMe)
	}
	if q.Ack != nil {
		where, args = append(where, "ack = ?"), append(args, int(*q.Ack))
	}
	dir := "DESC"
	if q.Order == engines.SortAsc {
		dir = "ASC"
	}
	cond := strings.Join(where, " AND ")
	var rows []messageRow
	var err error
	if q.Offset > 0 && q.Limit > 0 {
		// A deep page: the paging indexes hold every filter column and the key, so
		// the rows the offset skips are counted on the index alone (an index-only
		// scan), and only the page's rows are read from the table.
		err = c.db(ctx).Raw(`SELECT m.session, m.chat, m.id, m.from_me, m.ts, m.ack, m.payload, m.media, m.media_file, m.seq
			FROM (SELECT chat, id, ts, seq FROM wagate_messages WHERE `+cond+`
				ORDER BY ts `+dir+`, seq `+dir+` LIMIT ? OFFSET ?) p
			JOIN wagate_messages m ON m.session = ? AND m.chat = p.chat AND m.id = p.id
			ORDER BY p.ts `+dir+`, p.seq `+dir,
			append(args, q.Limit, q.Offset, session)...).Scan(&rows).Error
	} else {
		db := c.db(ctx).Where(cond, args...).Order("ts " + dir + ", seq " + dir).Offset(q.Offset)
		if q.Limit > 0 {
			db = db.Limit(q.Limit)
		}
		err = db.Find(&rows).Error
	}
	if err != nil {
		return nil, fmt.Errorf("list messages of session %q: %w", session, err)
	}
	return messages(rows)
}

func (c chatStore) GetMessage(ctx context.Context, session, chat, id string) (*chatstore.Message, error) {
	db := c.db(ctx).Where("session = ? AND id = ?", session, id)
	if chat != "" {
		db = db.Where("chat = ?", chat)
	}
	var r messageRow
	err := db.Order("ts DESC, seq DESC").Limit(1).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("message %s: %w", id, engines.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get message %s of session %q: %w", id, session, err)
	}
	m, err := r.message()
	if err != nil {
		return nil, err
	}
	return &m, nil
}

func messages(rows []messageRow) ([]chatstore.Message, error) {
	out := make([]chatstore.Message, 0, len(rows))
	for _, r := range rows {
		m, err := r.message()
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

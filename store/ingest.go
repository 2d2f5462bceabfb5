package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// insertRows is the rows of one multi-row message INSERT: big statements, as each
// costs SQLite a statement step and PostgreSQL a round trip.
const insertRows = 500

// insertMessagesSQL is the INSERT of n message rows, placeholders as the driver
// wants them (? for SQLite, $n for PostgreSQL), returning the keys it inserted.
func insertMessagesSQL(postgres bool, n int) string {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO wagate_messages (session, chat, id, from_me, ts, ack, payload, media, media_file, seq) VALUES `)
	p := 0
	for i := range n {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := range 10 {
			if c > 0 {
				sb.WriteString(", ")
			}
			p++
			if postgres {
				sb.WriteByte('$')
				sb.WriteString(strconv.Itoa(p))
			} else {
				sb.WriteByte('?')
			}
		}
		sb.WriteByte(')')
	}
	sb.WriteString(` ON CONFLICT (session, chat, id) DO NOTHING RETURNING chat, id`)
	return sb.String()
}

// insertMessageRows inserts rows in multi-row statements, the full-size one
// prepared once for the transaction, and marks each inserted row (chat NUL id) in
// inserted; rows already stored are left as they are. It goes to database/sql
// directly: gorm's per-statement work (SQL rebuilding, tracing every argument)
// cost more than SQLite's own.
func insertMessageRows(ctx context.Context, tx *gorm.DB, rows []messageRow, inserted map[string]bool) error {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return fmt.Errorf("insert messages: not in a database/sql transaction (%T)", tx.Statement.ConnPool)
	}
	postgres := tx.Dialector.Name() == "postgres"
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, insertRows*10)
	for start := 0; start < len(rows); start += insertRows {
		part := rows[start:min(start+insertRows, len(rows))]
		args = args[:0]
		for _, r := range part {
			args = append(args, r.Session, r.Chat, r.ID, r.FromMe, r.Ts, r.Ack, r.Payload, r.Media, r.MediaFile, r.Seq)
		}
		var res *sql.Rows
		var err error
		if len(part) == insertRows {
			if full == nil {
				if full, err = sqlTx.PrepareContext(ctx, insertMessagesSQL(postgres, insertRows)); err != nil {
					return err
				}
			}
			res, err = full.QueryContext(ctx, args...)
		} else {
			res, err = sqlTx.QueryContext(ctx, insertMessagesSQL(postgres, len(part)), args...)
		}
		if err != nil {
			return err
		}
		for res.Next() {
			var chat, id string
			if err := res.Scan(&chat, &id); err != nil {
				res.Close()
				return err
			}
			inserted[chat+"\x00"+id] = true
		}
		if err := res.Close(); err != nil {
			return err
		}
		if err := res.Err(); err != nil {
			return err
		}
	}
	return nil
}

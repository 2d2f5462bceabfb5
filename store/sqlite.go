//go:build cgo

package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/mattn/go-sqlite3"
)

// OpenSQLite opens the SQLite file at path with wagate's pragmas, on one
// connection: with several, a write that loses a race for the WAL lock fails at
// once with SQLITE_BUSY whatever the busy timeout (whatsmeow then loses a Signal
// session update, and a message counter is reused). The driver is SQLite's C
// library (cgo): its prepared statements run without being parsed again, which
// history-sync ingest depends on.
func OpenSQLite(path string) *sql.DB {
	// WAL lets readers run beside the writer; the busy timeout makes a write wait
	// its turn instead of failing with "database is locked". A 64 MiB page cache
	// (the default is 2 MiB) keeps the message indexes' pages in memory while a
	// history sync inserts into them, and checkpointing every 40 MiB of WAL
	// instead of every 4 MiB writes an index page the sync keeps changing back to
	// the database file once, not once per batch.
	pragmas := []string{
		"PRAGMA journal_mode = WAL",
		"PRAGMA busy_timeout = 10000",
		"PRAGMA foreign_keys = ON",
		"PRAGMA synchronous = NORMAL",
		"PRAGMA cache_size = -65536",
		"PRAGMA temp_store = MEMORY",
		"PRAGMA wal_autocheckpoint = 10000",
	}
	db := sql.OpenDB(sqliteConnector{
		dsn: "file:" + path,
		drv: &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
			for _, p := range pragmas {
				if _, err := c.Exec(p, nil); err != nil {
					return fmt.Errorf("%s: %w", p, err)
				}
			}
			return nil
		}},
	})
	db.SetMaxOpenConns(1)
	return db
}

// sqliteConnector hands database/sql the driver with its connect hook, without
// registering a driver name process-wide.
type sqliteConnector struct {
	dsn string
	drv *sqlite3.SQLiteDriver
}

func (c sqliteConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }

func (c sqliteConnector) Driver() driver.Driver { return c.drv }

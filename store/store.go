// Package store keeps wagate's data in SQLite (embedded default) or PostgreSQL
// through gorm: sessions, chats, messages, contacts, the NOWEB devices and the
// webhook outbox, behind the storage interfaces the sessions, webhooks and engines
// packages define. Its schema is the versioned migrations in migrations/, which
// Open applies (migrate.go says how they are written).
package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect is the SQL database behind a Store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is wagate's database.
type Store struct {
	db      *gorm.DB
	dialect Dialect
	lock    *os.File // SQLite: the lock that keeps a second process off the file
}

// Open connects to PostgreSQL when dsn is a postgres:// URL (or key=value DSN), and
// otherwise opens the SQLite file dsn names, or dataDir/wagate.db when dsn is empty.
// It runs the migrations before returning.
func Open(ctx context.Context, dsn, dataDir string, log *slog.Logger) (*Store, error) {
	cfg := &gorm.Config{Logger: logger.Discard, TranslateError: true}
	var s Store
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"), strings.Contains(dsn, "host="):
		db, err := gorm.Open(postgres.Open(withIdleTxTimeout(dsn)), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		// database/sql keeps 2 idle connections by default: with sessions, the
		// webhook dispatcher and the API writing at once, every other query would
		// pay for a new connection.
		sqlDB.SetMaxIdleConns(16)
		// Unbounded, a burst (a hundred sends at once, ten thousand sessions
		// starting) opens a connection per goroutine and runs into PostgreSQL's
		// max_connections (100 by default, shared by every replica): queue instead.
		sqlDB.SetMaxOpenConns(24)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		s = Store{db: db, dialect: Postgres}
	default:
		path := strings.TrimPrefix(dsn, "sqlite://")
		if path == "" {
			if err := os.MkdirAll(dataDir, 0o700); err != nil {
				return nil, fmt.Errorf("create data dir: %w", err)
			}
			path = filepath.Join(dataDir, "wagate.db")
		}
		lock, err := lockFile(path)
		if err != nil {
			return nil, err
		}
		sqlDB := OpenSQLite(path)
		db, err := gorm.Open(sqlite.New(sqlite.Config{Conn: sqlDB}), cfg)
		if err != nil {
			sqlDB.Close()
			if lock != nil {
				lock.Close()
			}
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		s = Store{db: db, dialect: SQLite, lock: lock}
	}
	if err := s.migrate(ctx, log); err != nil {
		s.Close()
		return nil, err
	}
	log.Info("store ready", "dialect", s.dialect)
	return &s, nil
}

// idleTxTimeout ends a transaction left idle that long: a replica paused in the
// middle of one (SIGSTOP, a VM frozen) would otherwise keep its row locks, a
// session's lease row among them, and no other replica could take its sessions
// over. Shorter than a lease, so the locks are gone before the lease expires.
const idleTxTimeout = 10 * time.Second

// withIdleTxTimeout sets idle_in_transaction_session_timeout on every connection,
// unless the DSN sets it.
func withIdleTxTimeout(dsn string) string {
	const param = "idle_in_transaction_session_timeout"
	if strings.Contains(dsn, param) {
		return dsn
	}
	ms := strconv.FormatInt(idleTxTimeout.Milliseconds(), 10)
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set(param, ms)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " " + param + "=" + ms
}

// Dialect says which database this is.
func (s *Store) Dialect() Dialect { return s.dialect }

// SQL is the underlying connection pool, for libraries that share the database
// (whatsmeow's device store).
func (s *Store) SQL() *sql.DB {
	db, _ := s.db.DB()
	return db
}

// Ping checks the database answers, for /health.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return s.SQL().PingContext(ctx)
}

// Close closes the database (and lets another process open a SQLite file).
func (s *Store) Close() error {
	err := s.SQL().Close()
	if s.lock != nil {
		s.lock.Close()
	}
	return err
}

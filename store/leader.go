package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"
)

// dispatchLockClass is the first key of the PostgreSQL advisory lock the webhook
// dispatcher holds (7215406 guards migrations); the second is the schema's hash, so
// gateways that keep their tables in different schemas of one database do not
// wait for each other.
const dispatchLockClass = 7215407

// DispatchLock is held by the one gateway process that delivers webhooks from this
// database, so replicas sharing a PostgreSQL do not send the same rows twice or out
// of order. On SQLite, whose file one process owns, it is always granted.
type DispatchLock struct {
	conn *sql.Conn // the session holding the lock; nil on SQLite
}

// TryDispatchLock takes the dispatch lock if no other process holds it; it returns
// nil when another one does.
func (s *Store) TryDispatchLock(ctx context.Context) (*DispatchLock, error) {
	if s.dialect != Postgres {
		return &DispatchLock{}, nil
	}
	// A session-level lock lives as long as its connection: a crashed holder
	// releases it when PostgreSQL notices the connection is gone.
	conn, err := s.SQL().Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("take dispatch lock: %w", err)
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, hashtext(current_schema()))`, dispatchLockClass).Scan(&ok); err != nil {
		conn.Close()
		return nil, fmt.Errorf("take dispatch lock: %w", err)
	}
	if !ok {
		conn.Close()
		return nil, nil
	}
	return &DispatchLock{conn: conn}, nil
}

// Check reports whether the lock is still held. A session lock is released only
// by its session, so the lock is held as long as its connection answers.
func (l *DispatchLock) Check(ctx context.Context) error {
	if l.conn == nil {
		return nil
	}
	if err := l.conn.PingContext(ctx); err != nil {
		return fmt.Errorf("check dispatch lock: %w", err)
	}
	return nil
}

// Release gives the lock up.
func (l *DispatchLock) Release() {
	if l == nil || l.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := l.conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1, hashtext(current_schema()))`, dispatchLockClass); err != nil {
		// The session may still hold the lock: it must not go back to the pool.
		l.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	l.conn.Close()
}

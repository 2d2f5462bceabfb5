package store

import (
	"context"
	"fmt"
)

// Analyze refreshes the planner's statistics of the chat and message tables, as
// autovacuum (PostgreSQL) or PRAGMA optimize (SQLite) would after a large import;
// `wagate bench store` calls it between generating an account and timing reads.
func (s *Store) Analyze(ctx context.Context) error {
	q := `ANALYZE`
	if s.dialect == Postgres {
		q = `VACUUM ANALYZE wagate_chats, wagate_messages`
	}
	if err := s.db.WithContext(ctx).Exec(q).Error; err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/sessions"
)

type leaseRow struct {
	Session   string `gorm:"primaryKey"`
	Owner     string
	Address   string
	Token     int64
	ExpiresAt int64
	Pinned    string
	UpdatedAt int64 `gorm:"autoUpdateTime:false"`
}

func (leaseRow) TableName() string { return "wagate_leases" }

func (r leaseRow) lease() sessions.Lease {
	return sessions.Lease{Session: r.Session, Owner: r.Owner, Address: r.Address, Token: r.Token, ExpiresAt: time.UnixMilli(r.ExpiresAt), Pinned: r.Pinned}
}

type replicaRow struct {
	ID          string `gorm:"primaryKey"`
	Address     string
	MaxSessions int
	StartedAt   int64
	ExpiresAt   int64
}

func (replicaRow) TableName() string { return "wagate_replicas" }

// AcquireLease makes me the owner of session's lease if it is free, expired or
// already mine, until now+ttl; a new owner gets the next fencing token. With pin,
// the session is pinned to me (its state lives on my disk) unless it is already:
// a pinned lease goes to no other replica. A lease another replica holds, or
// one pinned to another, is sessions.ErrLeaseHeld, with that lease.
func (s *Store) AcquireLease(ctx context.Context, session string, me sessions.Replica, now time.Time, ttl time.Duration, pin bool) (sessions.Lease, error) {
	var out leaseRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockTimeout(tx); err != nil {
			return err
		}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&leaseRow{Session: session, UpdatedAt: now.UnixMilli()}).Error; err != nil {
			return err
		}
		var prev leaseRow
		if err := tx.Where("session = ?", session).Take(&prev).Error; err != nil {
			return err
		}
		res := tx.Exec(`UPDATE wagate_leases SET
				token = CASE WHEN owner = ? THEN token ELSE token + 1 END,
				pinned = CASE WHEN ? AND pinned = '' THEN ? ELSE pinned END,
				owner = ?, address = ?, expires_at = ?, updated_at = ?
			WHERE session = ? AND (owner = ? OR owner = '' OR expires_at <= ?) AND (pinned = '' OR pinned = ?)`,
			me.ID, pin, me.ID, me.ID, me.Address, now.Add(ttl).UnixMilli(), now.UnixMilli(), session, me.ID, now.UnixMilli(), me.ID)
		if res.Error != nil {
			return res.Error
		}
		if err := tx.Where("session = ?", session).Take(&out).Error; err != nil {
			return err
		}
		if res.RowsAffected == 0 {
			return sessions.ErrLeaseHeld
		}
		if out.Token != prev.Token {
			return markStarting(tx, session)
		}
		return nil
	})
	if errors.Is(err, sessions.ErrLeaseHeld) {
		return out.lease(), fmt.Errorf("lease of session %q: held by replica %s until %s: %w", session, out.Owner, time.UnixMilli(out.ExpiresAt).UTC().Format(time.RFC3339), err)
	}
	if err != nil {
		return sessions.Lease{}, fmt.Errorf("acquire lease of session %q: %w", session, err)
	}
	return out.lease(), nil
}

// AssignLease hands session's lease to replica to, with the next token, if it still
// has the token seen and is free or expired, or is held by from (a move: the
// owner hands it over), and is not pinned to another replica. It reports false
// when the lease changed meanwhile.
func (s *Store) AssignLease(ctx context.Context, session string, token int64, from string, to sessions.Replica, now time.Time, ttl time.Duration) (bool, error) {
	var assigned bool
	err := s.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		if err := s.lockTimeout(db); err != nil {
			return err
		}
		if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&leaseRow{Session: session, UpdatedAt: now.UnixMilli()}).Error; err != nil {
			return err
		}
		q := `UPDATE wagate_leases SET token = token + 1, owner = ?, address = ?, expires_at = ?, updated_at = ?
		WHERE session = ? AND token = ? AND (pinned = '' OR pinned = ?) AND (owner = '' OR expires_at <= ?`
		args := []any{to.ID, to.Address, now.Add(ttl).UnixMilli(), now.UnixMilli(), session, token, to.ID, now.UnixMilli()}
		if from != "" {
			q += ` OR owner = ?`
			args = append(args, from)
		}
		res := db.Exec(q+`)`, args...)
		if res.Error != nil {
			return res.Error
		}
		if assigned = res.RowsAffected == 1; assigned {
			return markStarting(db, session)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("assign lease of session %q to replica %s: %w", session, to.ID, err)
	}
	return assigned, nil
}

// assignChunk bounds the sessions one AssignLeases statement names (two
// parameters each, well under either database's limit).
const assignChunk = 500

// AssignLeases is AssignLease of many sessions to replica to, none a move:
// each lease is handed over, with its next token, only if it still has the
// token in seen and is free or expired and not pinned to another replica, as
// AssignLease checks row by row. It takes one transaction a chunk of sessions
// instead of one each: a replica booting on ten thousand sessions hands their
// leases out in a few statements, not ten thousand commits. It returns the
// sessions assigned with their new tokens.
func (s *Store) AssignLeases(ctx context.Context, seen map[string]int64, to sessions.Replica, now time.Time, ttl time.Duration) (map[string]int64, error) {
	names := make([]string, 0, len(seen))
	for name := range seen {
		names = append(names, name)
	}
	slices.Sort(names) // rows locked in one order: two replicas handing out at once cannot deadlock
	out := make(map[string]int64, len(names))
	for chunk := range slices.Chunk(names, assignChunk) {
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := s.lockTimeout(tx); err != nil {
				return err
			}
			rows := make([]leaseRow, len(chunk))
			for i, name := range chunk {
				rows[i] = leaseRow{Session: name, UpdatedAt: now.UnixMilli()}
			}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
				return err
			}
			var sb strings.Builder
			args := []any{to.ID, to.Address, now.Add(ttl).UnixMilli(), now.UnixMilli()}
			sb.WriteString(`UPDATE wagate_leases SET token = token + 1, owner = ?, address = ?, expires_at = ?, updated_at = ?
				WHERE (session, token) IN (VALUES `)
			for i, name := range chunk {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString("(?, CAST(? AS BIGINT))")
				args = append(args, name, seen[name])
			}
			sb.WriteString(`) AND (pinned = '' OR pinned = ?) AND (owner = '' OR expires_at <= ?) RETURNING session, token`)
			args = append(args, to.ID, now.UnixMilli())
			var got []struct {
				Session string
				Token   int64
			}
			if err := tx.Raw(sb.String(), args...).Scan(&got).Error; err != nil {
				return err
			}
			assigned := make([]string, len(got))
			for i, g := range got {
				assigned[i] = g.Session
			}
			if err := markStarting(tx, assigned...); err != nil {
				return err
			}
			for _, g := range got {
				out[g.Session] = g.Token
			}
			return nil
		})
		if err != nil {
			return out, fmt.Errorf("assign %d leases to replica %s: %w", len(chunk), to.ID, err)
		}
	}
	return out, nil
}

// markStarting says, in the transaction that gives a session's lease to a new
// owner, that the session is starting: the status its last owner saved (WORKING,
// say) is not true of the new one until that one has started it and says so.
func markStarting(tx *gorm.DB, names ...string) error {
	if len(names) == 0 {
		return nil
	}
	err := tx.Exec(`UPDATE wagate_sessions SET status = ? WHERE name IN ? AND status IN (?, ?)`,
		engines.StatusStarting, names, engines.StatusWorking, engines.StatusScanQRCode).Error
	if err != nil {
		return fmt.Errorf("mark %d sessions (%s…) starting on their new owner: %w", len(names), names[0], err)
	}
	return nil
}

// lockTimeout bounds how long a lease change waits for a row lock: the lease
// rounds must go on renewing while a row is locked by a transaction that is
// stuck (its replica paused), until the database ends that transaction.
func (s *Store) lockTimeout(tx *gorm.DB) error {
	if s.dialect != Postgres {
		return nil
	}
	return tx.Exec(`SET LOCAL lock_timeout = '2s'`).Error
}

// RenewLeases says me is alive until now+ttl and extends every lease it holds as
// long; it returns those leases.
func (s *Store) RenewLeases(ctx context.Context, me sessions.Replica, now time.Time, ttl time.Duration) ([]sessions.Lease, error) {
	var rows []leaseRow
	exp := now.Add(ttl).UnixMilli()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockTimeout(tx); err != nil {
			return err
		}
		row := replicaRow{ID: me.ID, Address: me.Address, MaxSessions: me.Max, StartedAt: now.UnixMilli(), ExpiresAt: exp}
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "id"}},
			DoUpdates: clause.AssignmentColumns([]string{"address", "max_sessions", "expires_at"}),
		}).Create(&row).Error; err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE wagate_leases SET expires_at = ?, address = ? WHERE owner = ?`, exp, me.Address, me.ID).Error; err != nil {
			return err
		}
		return tx.Where("owner = ?", me.ID).Order("session").Find(&rows).Error
	})
	if err != nil {
		return nil, fmt.Errorf("renew leases of replica %s: %w", me.ID, err)
	}
	out := make([]sessions.Lease, len(rows))
	for i, r := range rows {
		out[i] = r.lease()
	}
	return out, nil
}

// ReleaseLeases gives up owner's leases of the sessions named, or all of them
// when none is named, so another replica can take them at once.
func (s *Store) ReleaseLeases(ctx context.Context, owner string, names ...string) error {
	q := s.db.WithContext(ctx).Model(&leaseRow{}).Where("owner = ?", owner)
	if len(names) > 0 {
		q = q.Where("session IN ?", names)
	}
	if err := q.Updates(map[string]any{"owner": "", "address": "", "expires_at": 0}).Error; err != nil {
		return fmt.Errorf("release leases of replica %s: %w", owner, err)
	}
	return nil
}

// UnpinLease lets session's lease go to any replica again: the state that tied it
// to one is gone (logged out, deleted).
func (s *Store) UnpinLease(ctx context.Context, session string) error {
	if err := s.db.WithContext(ctx).Model(&leaseRow{}).Where("session = ?", session).Update("pinned", "").Error; err != nil {
		return fmt.Errorf("unpin lease of session %q: %w", session, err)
	}
	return nil
}

// RemoveReplica forgets a replica that is shutting down.
func (s *Store) RemoveReplica(ctx context.Context, id string) error {
	if err := s.db.WithContext(ctx).Where("id = ?", id).Delete(&replicaRow{}).Error; err != nil {
		return fmt.Errorf("remove replica %s: %w", id, err)
	}
	return nil
}

// ListLeases returns every session's lease, held or not.
func (s *Store) ListLeases(ctx context.Context) ([]sessions.Lease, error) {
	var rows []leaseRow
	if err := s.db.WithContext(ctx).Order("session").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list leases: %w", err)
	}
	out := make([]sessions.Lease, len(rows))
	for i, r := range rows {
		out[i] = r.lease()
	}
	return out, nil
}

// GetLease returns one session's lease; a session never leased has the zero one.
func (s *Store) GetLease(ctx context.Context, session string) (sessions.Lease, error) {
	var rows []leaseRow
	if err := s.db.WithContext(ctx).Where("session = ?", session).Limit(1).Find(&rows).Error; err != nil {
		return sessions.Lease{}, fmt.Errorf("get lease of session %q: %w", session, err)
	}
	if len(rows) == 0 {
		return sessions.Lease{Session: session}, nil
	}
	return rows[0].lease(), nil
}

// ListReplicas returns the replicas alive at now, by id, with the number of live
// leases each holds.
func (s *Store) ListReplicas(ctx context.Context, now time.Time) ([]sessions.Replica, error) {
	var rows []struct {
		ID          string
		Address     string
		MaxSessions int
		StartedAt   int64
		ExpiresAt   int64
		Sessions    int
	}
	err := s.db.WithContext(ctx).Raw(`SELECT r.id, r.address, r.max_sessions, r.started_at, r.expires_at,
			(SELECT COUNT(*) FROM wagate_leases l WHERE l.owner = r.id) AS sessions
		FROM wagate_replicas r WHERE r.expires_at > ? ORDER BY r.id`, now.UnixMilli()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list replicas: %w", err)
	}
	out := make([]sessions.Replica, len(rows))
	for i, r := range rows {
		out[i] = sessions.Replica{ID: r.ID, Address: r.Address, Max: r.MaxSessions, Sessions: r.Sessions,
			StartedAt: time.UnixMilli(r.StartedAt), ExpiresAt: time.UnixMilli(r.ExpiresAt)}
	}
	return out, nil
}

// checkFence refuses a write of session made under a fencing token that is no
// longer its lease's: another replica owns the session now. On PostgreSQL the
// lease row stays share-locked until the transaction ends, so no takeover
// commits between this check and the write. Token 0 is an unfenced write (SQLite,
// one process).
func checkFence(tx *gorm.DB, dialect Dialect, session string, token int64) error {
	if token == 0 {
		return nil
	}
	q := `SELECT token FROM wagate_leases WHERE session = ?`
	if dialect == Postgres {
		q += ` FOR SHARE`
	}
	var cur []int64
	if err := tx.Raw(q, session).Scan(&cur).Error; err != nil {
		return fmt.Errorf("check the lease of session %q: %w", session, err)
	}
	if len(cur) == 0 || cur[0] != token {
		now := int64(0)
		if len(cur) > 0 {
			now = cur[0]
		}
		return fmt.Errorf("write of session %q with fencing token %d, the lease's is %d: %w", session, token, now, sessions.ErrFenced)
	}
	return nil
}

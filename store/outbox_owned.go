package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ErrLaneBusy is returned by ClaimPendingDeliveries when another replica holds
// some of the lane's first rows claimed at this moment: a lease is changing hands,
// and sending the rows after them now would break the lane's order.
var ErrLaneBusy = errors.New("another replica is claiming this webhook's deliveries")

// LiveLeaseOwners returns the owner of every session whose lease is held at now.
// The webhook dispatcher of a replica sends the rows of the sessions it owns.
func (s *Store) LiveLeaseOwners(ctx context.Context, now time.Time) (map[string]string, error) {
	var rows []struct{ Session, Owner string }
	err := s.db.WithContext(ctx).Raw(`SELECT session, owner FROM wagate_leases WHERE owner <> '' AND expires_at > ?`,
		now.UnixMilli()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list live session leases: %w", err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Session] = r.Owner
	}
	return out, nil
}

// ClaimPendingDeliveries is PendingDeliveries for replica me sharing a PostgreSQL:
// it returns the lane's first pending rows only while me holds the lease of their
// session (or, with orphans, while no replica holds it: a stopped or deleted
// session's last events, a dead replica's before another takes its sessions). The
// rows are read FOR UPDATE SKIP LOCKED, so two replicas that both believe they own
// the session during a handover never read the same rows at once; the one that
// finds some of the lane's first rows locked gets ErrLaneBusy rather than the rows
// after them, which would go out of order.
func (s *Store) ClaimPendingDeliveries(ctx context.Context, me string, orphans bool, session, url string, now time.Time, limit int) ([]Delivery, error) {
	if s.dialect != Postgres {
		return s.PendingDeliveries(ctx, session, url, limit)
	}
	var rows []deliveryRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Raw(`SELECT d.* FROM wagate_webhook_deliveries d
			WHERE d.status = 'pending' AND d.session = ? AND d.url = ?
			  AND NOT EXISTS (SELECT 1 FROM wagate_leases l WHERE l.session = d.session AND l.owner <> '' AND l.owner <> ? AND l.expires_at > ?)
			  AND (? OR EXISTS (SELECT 1 FROM wagate_leases l WHERE l.session = d.session AND l.owner = ? AND l.expires_at > ?))
			ORDER BY d.id LIMIT ? FOR UPDATE OF d SKIP LOCKED`,
			session, url, me, now.UnixMilli(), orphans, me, now.UnixMilli(), limit).Scan(&rows).Error
		if err != nil || len(rows) == 0 {
			return err
		}
		// Locked rows were skipped, not waited for: the rows read are the lane's
		// first only if no pending row before the last one read is missing.
		var n int64
		if err := tx.Raw(`SELECT COUNT(*) FROM wagate_webhook_deliveries WHERE status = 'pending' AND session = ? AND url = ? AND id <= ?`,
			session, url, rows[len(rows)-1].ID).Scan(&n).Error; err != nil {
			return err
		}
		if n != int64(len(rows)) {
			return ErrLaneBusy
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim pending deliveries of session %q: %w", session, err)
	}
	return deliveries(rows)
}

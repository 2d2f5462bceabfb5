package store

import (
	"github.com/wagate/wagate/sessions"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wagate/wagate/engines"
	"gorm.io/gorm"
)

type sessionRow struct {
	Name      string `gorm:"primaryKey"`
	Engine    string
	Config    string
	Running   bool
	Status    string
	Me        *string
	Failure   string
	CreatedAt int64 `gorm:"autoCreateTime:false"`
	UpdatedAt int64 `gorm:"autoUpdateTime:false"`
}

func (sessionRow) TableName() string { return "wagate_sessions" }

func toRow(rec sessions.Record) (sessionRow, error) {
	cfg, err := json.Marshal(rec.Config)
	if err != nil {
		return sessionRow{}, fmt.Errorf("encode config: %w", err)
	}
	row := sessionRow{
		Name: rec.Name, Engine: string(rec.Engine), Config: string(cfg), Running: rec.Running,
		Status: string(rec.Status), Failure: rec.Failure,
		CreatedAt: rec.CreatedAt.UnixMilli(), UpdatedAt: rec.UpdatedAt.UnixMilli(),
	}
	if rec.Me != nil {
		me, err := json.Marshal(rec.Me)
		if err != nil {
			return sessionRow{}, fmt.Errorf("encode me: %w", err)
		}
		s := string(me)
		row.Me = &s
	}
	return row, nil
}

func (r sessionRow) record() (sessions.Record, error) {
	rec := sessions.Record{
		Name: r.Name, Engine: engines.Name(r.Engine), Running: r.Running,
		Status: engines.Status(r.Status), Failure: r.Failure,
		CreatedAt: time.UnixMilli(r.CreatedAt), UpdatedAt: time.UnixMilli(r.UpdatedAt),
	}
	if err := json.Unmarshal([]byte(r.Config), &rec.Config); err != nil {
		return rec, fmt.Errorf("decode config of session %q: %w", r.Name, err)
	}
	if r.Me != nil {
		rec.Me = new(engines.MeInfo)
		if err := json.Unmarshal([]byte(*r.Me), rec.Me); err != nil {
			return rec, fmt.Errorf("decode me of session %q: %w", r.Name, err)
		}
	}
	return rec, nil
}

// ListSessions returns every session, by name.
func (s *Store) ListSessions(ctx context.Context) ([]sessions.Record, error) {
	var rows []sessionRow
	if err := s.db.WithContext(ctx).Order("name").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	out := make([]sessions.Record, 0, len(rows))
	for _, r := range rows {
		rec, err := r.record()
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// CreateSession inserts a session; a taken name is sessions.ErrExists.
func (s *Store) CreateSession(ctx context.Context, rec sessions.Record) error {
	row, err := toRow(rec)
	if err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Create(&row).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return sessions.ErrExists
	}
	if err != nil {
		return fmt.Errorf("insert session %q: %w", rec.Name, err)
	}
	return nil
}

// SaveSession updates a session; a missing one is sessions.ErrNotFound.
func (s *Store) SaveSession(ctx context.Context, rec sessions.Record) error {
	return s.SaveSessionFenced(ctx, rec, 0)
}

// SaveSessionFenced is SaveSession by the run holding the session's lease under
// token: a token the lease no longer has is sessions.ErrFenced and changes
// nothing. Token 0 writes unfenced.
func (s *Store) SaveSessionFenced(ctx context.Context, rec sessions.Record, token int64) error {
	row, err := toRow(rec)
	if err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkFence(tx, s.dialect, rec.Name, token); err != nil {
			return err
		}
		res := tx.Model(&sessionRow{}).Where("name = ?", rec.Name).Updates(map[string]any{
			"engine": row.Engine, "config": row.Config, "running": row.Running, "status": row.Status,
			"me": row.Me, "failure": row.Failure, "updated_at": row.UpdatedAt,
		})
		if res.Error != nil {
			return fmt.Errorf("update session %q: %w", rec.Name, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("update session %q: %w", rec.Name, sessions.ErrNotFound)
		}
		return nil
	})
}

// GetSession returns one session as the store has it.
func (s *Store) GetSession(ctx context.Context, name string) (sessions.Record, error) {
	var rows []sessionRow
	if err := s.db.WithContext(ctx).Where("name = ?", name).Limit(1).Find(&rows).Error; err != nil {
		return sessions.Record{}, fmt.Errorf("get session %q: %w", name, err)
	}
	if len(rows) == 0 {
		return sessions.Record{}, fmt.Errorf("get session %q: %w", name, sessions.ErrNotFound)
	}
	return rows[0].record()
}

// DeleteSession removes a session; deleting a missing one is not an error.
func (s *Store) DeleteSession(ctx context.Context, name string) error {
	if err := s.db.WithContext(ctx).Where("name = ?", name).Delete(&sessionRow{}).Error; err != nil {
		return fmt.Errorf("delete session %q: %w", name, err)
	}
	return nil
}

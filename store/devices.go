package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// NOWEBDevices records the whatsmeow device each NOWEB session paired
// (wagate_noweb_devices), so a session finds its pairing again after a restart;
// the device's keys are in whatsmeow's own tables.
type NOWEBDevices struct{ s *Store }

// NOWEBDevices is the NOWEB engine's session → device record (noweb.Options.Devices).
func (s *Store) NOWEBDevices() NOWEBDevices { return NOWEBDevices{s: s} }

type nowebDeviceRow struct {
	Session string `gorm:"primaryKey"`
	JID     string `gorm:"column:jid"`
}

func (nowebDeviceRow) TableName() string { return "wagate_noweb_devices" }

// DeviceJID is the device JID recorded for a session; ok is false when it has none.
func (d NOWEBDevices) DeviceJID(ctx context.Context, session string) (jid string, ok bool, err error) {
	var row nowebDeviceRow
	err = d.s.db.WithContext(ctx).Where("session = ?", session).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read device of session %q: %w", session, err)
	}
	return row.JID, true, nil
}

// SaveDeviceJID records the device a session paired, replacing an earlier one.
func (d NOWEBDevices) SaveDeviceJID(ctx context.Context, session, jid string) error {
	// Every login records its device again: the same one needs only a read, not
	// a commit (on PostgreSQL, an fsync each for ten thousand restarting sessions).
	if cur, ok, err := d.DeviceJID(ctx, session); err == nil && ok && cur == jid {
		return nil
	}
	err := d.s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "session"}},
		DoUpdates: clause.AssignmentColumns([]string{"jid"}),
	}).Create(&nowebDeviceRow{Session: session, JID: jid}).Error
	if err != nil {
		return fmt.Errorf("save device of session %q: %w", session, err)
	}
	return nil
}

// ForgetDevice removes a session's device record; none is not an error.
func (d NOWEBDevices) ForgetDevice(ctx context.Context, session string) error {
	if err := d.s.db.WithContext(ctx).Where("session = ?", session).Delete(&nowebDeviceRow{}).Error; err != nil {
		return fmt.Errorf("forget device of session %q: %w", session, err)
	}
	return nil
}

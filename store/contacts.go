package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
)

type contactRow struct {
	Session      string
	ID           string
	LID          string `gorm:"column:lid"`
	Name         string
	ShortName    string
	PushName     string
	BusinessName string
	UpdatedAt    int64
}

func (contactRow) TableName() string { return "wagate_contacts" }

func (r contactRow) contact() chatstore.Contact {
	return chatstore.Contact{ID: r.ID, LID: r.LID, Name: r.Name, ShortName: r.ShortName, PushName: r.PushName, BusinessName: r.BusinessName}
}

func isLID(id string) bool { return strings.HasSuffix(id, "@"+engines.ServerLID) }

// contactUpsert creates a contact or replaces the fields given non-empty.
const contactUpsert = `INSERT INTO wagate_contacts
	(session, id, lid, name, short_name, push_name, business_name, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (session, id) DO UPDATE SET
	lid = CASE WHEN excluded.lid <> '' THEN excluded.lid ELSE wagate_contacts.lid END,
	name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE wagate_contacts.name END,
	short_name = CASE WHEN excluded.short_name <> '' THEN excluded.short_name ELSE wagate_contacts.short_name END,
	push_name = CASE WHEN excluded.push_name <> '' THEN excluded.push_name ELSE wagate_contacts.push_name END,
	business_name = CASE WHEN excluded.business_name <> '' THEN excluded.business_name ELSE wagate_contacts.business_name END,
	updated_at = excluded.updated_at
	RETURNING session, id, lid, name, short_name, push_name, business_name, updated_at`

// contactFill gives a contact the fields it lacks from another one (a contact
// stored under the person's LID before the phone number was known).
const contactFill = `UPDATE wagate_contacts SET
	name = CASE WHEN name = '' THEN ? ELSE name END,
	short_name = CASE WHEN short_name = '' THEN ? ELSE short_name END,
	push_name = CASE WHEN push_name = '' THEN ? ELSE push_name END,
	business_name = CASE WHEN business_name = '' THEN ? ELSE business_name END
	WHERE session = ? AND id = ?
	RETURNING session, id, lid, name, short_name, push_name, business_name, updated_at`

func (c chatStore) SaveContacts(ctx context.Context, session string, contacts []chatstore.Contact) error {
	if len(contacts) == 0 {
		return nil
	}
	now := time.Now().UnixMilli()
	err := c.db(ctx).Transaction(func(tx *gorm.DB) error {
		for _, in := range contacts {
			if err := saveContact(tx, session, in, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save %d contacts of session %q: %w", len(contacts), session, err)
	}
	return nil
}

func saveContact(tx *gorm.DB, session string, in chatstore.Contact, now int64) error {
	k := chatstore.Contact{
		ID: clean(in.ID), LID: clean(in.LID), Name: clean(in.Name), ShortName: clean(in.ShortName),
		PushName: clean(in.PushName), BusinessName: clean(in.BusinessName),
	}
	if k.ID == "" {
		return nil
	}
	if isLID(k.ID) {
		// A LID is the LID of the contact itself, not of another one.
		k.LID = ""
		// Known under its phone number: that contact is the person.
		var pn contactRow
		err := tx.Where("session = ? AND lid = ?", session, k.ID).Take(&pn).Error
		if err == nil {
			k.ID, k.LID = pn.ID, k.ID
		} else if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
	} else if k.LID != "" && !isLID(k.LID) {
		k.LID = ""
	}
	var rows []contactRow
	if err := tx.Raw(contactUpsert, session, k.ID, k.LID, k.Name, k.ShortName, k.PushName, k.BusinessName, now).Scan(&rows).Error; err != nil {
		return err
	}
	if len(rows) != 1 {
		return fmt.Errorf("upsert contact %s: %d rows", k.ID, len(rows))
	}
	row := rows[0]
	if k.LID != "" {
		// The person seen before under the LID alone: one contact from now on.
		var old contactRow
		err := tx.Where("session = ? AND id = ?", session, k.LID).Take(&old).Error
		switch {
		case err == nil:
			rows = rows[:0]
			if err := tx.Raw(contactFill, old.Name, old.ShortName, old.PushName, old.BusinessName, session, k.ID).Scan(&rows).Error; err != nil {
				return err
			}
			if len(rows) == 1 {
				row = rows[0]
			}
			if err := tx.Exec(`DELETE FROM wagate_contacts WHERE session = ? AND id = ?`, session, k.LID).Error; err != nil {
				return err
			}
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
	}
	return nameChats(tx, session, row.contact())
}

// nameChats gives the person's chats (under either id) the contact's name: an
// address-book or business name always, a push name only to a chat without one.
func nameChats(tx *gorm.DB, session string, k chatstore.Contact) error {
	ids := []string{k.ID}
	if k.LID != "" {
		ids = append(ids, k.LID)
	}
	name := k.DisplayName()
	switch {
	case name == "":
		return nil
	case k.Name != "" || k.BusinessName != "":
		return tx.Exec(`UPDATE wagate_chats SET name = ? WHERE session = ? AND id IN ? AND name <> ?`, name, session, ids, name).Error
	default:
		return tx.Exec(`UPDATE wagate_chats SET name = ? WHERE session = ? AND id IN ? AND name = ''`, name, session, ids).Error
	}
}

func (c chatStore) GetContact(ctx context.Context, session, id string) (*chatstore.Contact, error) {
	var r contactRow
	db := c.db(ctx).Where("session = ? AND id = ?", session, id)
	if isLID(id) {
		db = c.db(ctx).Where("session = ? AND (id = ? OR lid = ?)", session, id, id)
	}
	err := db.Order("id").Limit(1).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("contact %s: %w", id, engines.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get contact %s of session %q: %w", id, session, err)
	}
	k := r.contact()
	return &k, nil
}

func (c chatStore) ListContacts(ctx context.Context, session string, q engines.ContactQuery) ([]chatstore.Contact, error) {
	dir := "ASC"
	if q.SortOrder == engines.SortDesc {
		dir = "DESC"
	}
	order := "id " + dir
	if q.SortBy == engines.ContactSortName {
		// The name a contact shows, as DisplayName picks it; nameless ones last.
		order = "CASE WHEN name <> '' THEN name WHEN business_name <> '' THEN business_name WHEN push_name <> '' THEN push_name ELSE NULL END " +
			dir + " NULLS LAST, id " + dir
	}
	db := c.db(ctx).Where("session = ?", session).Order(order).Offset(q.Offset)
	if q.Limit > 0 {
		db = db.Limit(q.Limit)
	}
	return findContacts(db, session)
}

func findContacts(db *gorm.DB, session string) ([]chatstore.Contact, error) {
	var rows []contactRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list contacts of session %q: %w", session, err)
	}
	out := make([]chatstore.Contact, len(rows))
	for i, r := range rows {
		out[i] = r.contact()
	}
	return out, nil
}

func (c chatStore) ListLIDs(ctx context.Context, session string, limit, offset int) ([]chatstore.Contact, error) {
	db := c.db(ctx).Where("session = ? AND lid <> ''", session).Order("lid").Offset(offset)
	if limit > 0 {
		db = db.Limit(limit)
	}
	return findContacts(db, session)
}

func (c chatStore) CountLIDs(ctx context.Context, session string) (int, error) {
	var n int64
	if err := c.db(ctx).Model(&contactRow{}).Where("session = ? AND lid <> ''", session).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count lids of session %q: %w", session, err)
	}
	return int(n), nil
}

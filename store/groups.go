package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
)

type groupRow struct {
	Session     string
	ID          string
	Subject     string
	Description string
	Owner       string
	Creation    int64
	Announce    bool
	Locked      bool
	AdminsAdd   bool
	Approval    bool
	InviteCode  string
	PictureID   string
	Size        int
}

func (groupRow) TableName() string { return "wagate_groups" }

func (r groupRow) group() chatstore.Group {
	return chatstore.Group{
		ID: r.ID, Subject: r.Subject, Description: r.Description, Owner: r.Owner, Creation: r.Creation,
		Announce: r.Announce, Locked: r.Locked, AdminsAdd: r.AdminsAdd, Approval: r.Approval,
		InviteCode: r.InviteCode, PictureID: r.PictureID, Size: r.Size,
	}
}

type participantRow struct {
	Session string
	GroupID string
	ID      string
	PN      string `gorm:"column:pn"`
	Role    string
}

func (participantRow) TableName() string { return "wagate_group_participants" }

func (r participantRow) participant() engines.GroupParticipant {
	p := engines.GroupParticipant{ID: r.ID, Role: engines.GroupRole(r.Role)}
	if r.PN != "" && r.PN != r.ID {
		pn := r.PN
		p.PN = &pn
	}
	return p
}

func (c chatStore) SaveGroups(ctx context.Context, session string, groups []chatstore.Group, all bool) error {
	err := c.db(ctx).Transaction(func(tx *gorm.DB) error {
		if all {
			keep := make([]string, len(groups))
			for i, g := range groups {
				keep[i] = clean(g.ID)
			}
			for _, table := range []struct{ name, col string }{{"wagate_group_participants", "group_id"}, {"wagate_groups", "id"}} {
				var err error
				if len(keep) > 0 {
					err = tx.Exec(`DELETE FROM `+table.name+` WHERE session = ? AND `+table.col+` NOT IN ?`, session, keep).Error
				} else {
					err = tx.Exec(`DELETE FROM `+table.name+` WHERE session = ?`, session).Error
				}
				if err != nil {
					return err
				}
			}
		}
		for _, g := range groups {
			id := clean(g.ID)
			err := tx.Exec(`INSERT INTO wagate_groups
				(session, id, subject, description, owner, creation, announce, locked, admins_add, approval, invite_code, picture_id, size)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (session, id) DO UPDATE SET
				subject = excluded.subject, description = excluded.description,
				owner = CASE WHEN excluded.owner <> '' THEN excluded.owner ELSE wagate_groups.owner END,
				creation = CASE WHEN excluded.creation <> 0 THEN excluded.creation ELSE wagate_groups.creation END,
				announce = excluded.announce, locked = excluded.locked, admins_add = excluded.admins_add,
				approval = excluded.approval,
				invite_code = CASE WHEN excluded.invite_code <> '' THEN excluded.invite_code ELSE wagate_groups.invite_code END,
				picture_id = CASE WHEN excluded.picture_id <> '' THEN excluded.picture_id ELSE wagate_groups.picture_id END,
				size = excluded.size`,
				session, id, clean(g.Subject), clean(g.Description), clean(g.Owner), g.Creation, g.Announce, g.Locked,
				g.AdminsAdd, g.Approval, clean(g.InviteCode), clean(g.PictureID), len(g.Participants)).Error
			if err != nil {
				return err
			}
			if err := tx.Exec(`DELETE FROM wagate_group_participants WHERE session = ? AND group_id = ?`, session, id).Error; err != nil {
				return err
			}
			if err := insertParticipants(tx, session, id, g.Participants); err != nil {
				return err
			}
			// WhatsApp lists a group among the chats from its creation on, named by its subject.
			if err := tx.Exec(chatUpsert, session, id, clean(g.Subject), g.Creation, 0, "", 0, false, false).Error; err != nil {
				return err
			}
			if g.Subject != "" {
				if err := tx.Exec(`UPDATE wagate_chats SET name = ? WHERE session = ? AND id = ?`, clean(g.Subject), session, id).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save %d groups of session %q: %w", len(groups), session, err)
	}
	return nil
}

// insertParticipants upserts participants in batches (a group has up to 1,024).
func insertParticipants(tx *gorm.DB, session, group string, ps []engines.GroupParticipant) error {
	const batch = 200
	for len(ps) > 0 {
		n := min(len(ps), batch)
		rows := make([]participantRow, 0, n)
		for _, p := range ps[:n] {
			r := participantRow{Session: session, GroupID: group, ID: clean(p.ID), Role: string(p.Role)}
			if p.PN != nil {
				r.PN = clean(*p.PN)
			}
			if r.Role == "" {
				r.Role = string(engines.RoleParticipant)
			}
			rows = append(rows, r)
		}
		sql := `INSERT INTO wagate_group_participants (session, group_id, id, pn, role) VALUES `
		args := make([]any, 0, 5*len(rows))
		for i, r := range rows {
			if i > 0 {
				sql += ", "
			}
			sql += "(?, ?, ?, ?, ?)"
			args = append(args, r.Session, r.GroupID, r.ID, r.PN, r.Role)
		}
		sql += ` ON CONFLICT (session, group_id, id) DO UPDATE SET role = excluded.role,
			pn = CASE WHEN excluded.pn <> '' THEN excluded.pn ELSE wagate_group_participants.pn END`
		if err := tx.Exec(sql, args...).Error; err != nil {
			return err
		}
		ps = ps[n:]
	}
	return nil
}

// resize sets a group's size to its participant rows.
func resize(tx *gorm.DB, session, group string) error {
	return tx.Exec(`UPDATE wagate_groups SET size = (SELECT COUNT(*) FROM wagate_group_participants
		WHERE session = ? AND group_id = ?) WHERE session = ? AND id = ?`, session, group, session, group).Error
}

func (c chatStore) UpdateGroup(ctx context.Context, session, id string, ch chatstore.GroupChange) error {
	set := map[string]any{}
	str := func(col string, v *string) {
		if v != nil {
			set[col] = clean(*v)
		}
	}
	flag := func(col string, v *bool) {
		if v != nil {
			set[col] = *v
		}
	}
	str("subject", ch.Subject)
	str("description", ch.Description)
	str("invite_code", ch.InviteCode)
	str("picture_id", ch.PictureID)
	flag("announce", ch.Announce)
	flag("locked", ch.Locked)
	flag("admins_add", ch.AdminsAdd)
	flag("approval", ch.Approval)
	err := c.db(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&groupRow{}).Where("session = ? AND id = ?", session, id).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("group %s: %w", id, engines.ErrNotFound)
		}
		if len(set) == 0 {
			return nil
		}
		if err := tx.Model(&groupRow{}).Where("session = ? AND id = ?", session, id).Updates(set).Error; err != nil {
			return err
		}
		if ch.Subject != nil {
			return tx.Model(&chatRow{}).Where("session = ? AND id = ?", session, id).Update("name", clean(*ch.Subject)).Error
		}
		return nil
	})
	if errors.Is(err, engines.ErrNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("update group %s of session %q: %w", id, session, err)
	}
	return nil
}

func (c chatStore) SetParticipants(ctx context.Context, session, group string, ps []engines.GroupParticipant) error {
	err := c.db(ctx).Transaction(func(tx *gorm.DB) error {
		// A member known by phone id before the group named their LID (or the
		// other way round) is one member: the old row goes.
		for _, p := range ps {
			if p.PN != nil && *p.PN != p.ID {
				if err := tx.Exec(`DELETE FROM wagate_group_participants WHERE session = ? AND group_id = ? AND id = ?`,
					session, group, clean(*p.PN)).Error; err != nil {
					return err
				}
			}
		}
		if err := insertParticipants(tx, session, group, ps); err != nil {
			return err
		}
		return resize(tx, session, group)
	})
	if err != nil {
		return fmt.Errorf("set %d participants of group %s of session %q: %w", len(ps), group, session, err)
	}
	return nil
}

func (c chatStore) RemoveParticipants(ctx context.Context, session, group string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	err := c.db(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM wagate_group_participants WHERE session = ? AND group_id = ? AND (id IN ? OR pn IN ?)`,
			session, group, ids, ids).Error; err != nil {
			return err
		}
		return resize(tx, session, group)
	})
	if err != nil {
		return fmt.Errorf("remove %d participants of group %s of session %q: %w", len(ids), group, session, err)
	}
	return nil
}

func (c chatStore) DeleteGroup(ctx context.Context, session, id string) error {
	err := c.db(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM wagate_group_participants WHERE session = ? AND group_id = ?`, session, id).Error; err != nil {
			return err
		}
		return tx.Exec(`DELETE FROM wagate_groups WHERE session = ? AND id = ?`, session, id).Error
	})
	if err != nil {
		return fmt.Errorf("delete group %s of session %q: %w", id, session, err)
	}
	return nil
}

var groupOrder = map[engines.GroupSort]string{"": "id", engines.GroupSortID: "id", engines.GroupSortSubject: "subject"}

func (c chatStore) ListGroups(ctx context.Context, session string, q engines.GroupQuery) ([]chatstore.Group, error) {
	col, ok := groupOrder[q.SortBy]
	if !ok {
		return nil, fmt.Errorf("list groups: unknown sort %q", q.SortBy)
	}
	dir := "ASC"
	if q.SortBy != "" && q.SortOrder == engines.SortDesc {
		dir = "DESC"
	}
	db := c.db(ctx).Where("session = ?", session).Order(col + " " + dir + ", id " + dir).Offset(q.Offset)
	if q.Limit > 0 {
		db = db.Limit(q.Limit)
	}
	var rows []groupRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list groups of session %q: %w", session, err)
	}
	out := make([]chatstore.Group, len(rows))
	ids := make([]string, len(rows))
	for i, r := range rows {
		out[i], ids[i] = r.group(), r.ID
	}
	if q.ExcludeParticipants || len(rows) == 0 {
		return out, nil
	}
	members, err := c.participants(ctx, session, ids...)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Participants = nonNilParticipants(members[out[i].ID])
	}
	return out, nil
}

func nonNilParticipants(ps []engines.GroupParticipant) []engines.GroupParticipant {
	if ps == nil {
		return []engines.GroupParticipant{}
	}
	return ps
}

// participants loads the members of groups, by group: admins first, then by id.
func (c chatStore) participants(ctx context.Context, session string, groups ...string) (map[string][]engines.GroupParticipant, error) {
	var rows []participantRow
	err := c.db(ctx).Where("session = ? AND group_id IN ?", session, groups).
		Order("group_id, CASE role WHEN 'superadmin' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("participants of %d groups of session %q: %w", len(groups), session, err)
	}
	out := make(map[string][]engines.GroupParticipant, len(groups))
	for _, r := range rows {
		out[r.GroupID] = append(out[r.GroupID], r.participant())
	}
	return out, nil
}

func (c chatStore) CountGroups(ctx context.Context, session string) (int, error) {
	var n int64
	if err := c.db(ctx).Model(&groupRow{}).Where("session = ?", session).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count groups of session %q: %w", session, err)
	}
	return int(n), nil
}

func (c chatStore) GetGroup(ctx context.Context, session, id string) (*chatstore.Group, error) {
	var r groupRow
	err := c.db(ctx).Where("session = ? AND id = ?", session, id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("group %s: %w", id, engines.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get group %s of session %q: %w", id, session, err)
	}
	members, err := c.participants(ctx, session, id)
	if err != nil {
		return nil, err
	}
	g := r.group()
	g.Participants = nonNilParticipants(members[id])
	return &g, nil
}

func (c chatStore) SetGroupAck(ctx context.Context, session, chat, id, participant string, ack engines.Ack) (bool, engines.Ack, error) {
	var rose bool
	var all engines.Ack
	err := c.db(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`INSERT INTO wagate_group_receipts (session, chat, id, participant, ack) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (session, chat, id, participant) DO UPDATE SET ack = excluded.ack
			WHERE excluded.ack > wagate_group_receipts.ack`, session, chat, clean(id), clean(participant), int(ack))
		if res.Error != nil {
			return res.Error
		}
		rose = res.RowsAffected > 0
		var size int
		if err := tx.Raw(`SELECT size FROM wagate_groups WHERE session = ? AND id = ?`, session, chat).Scan(&size).Error; err != nil {
			return err
		}
		others := size - 1
		if others <= 0 {
			return nil
		}
		// The highest level that at least `others` receipts reach.
		var acks []int
		if err := tx.Raw(`SELECT ack FROM wagate_group_receipts WHERE session = ? AND chat = ? AND id = ? ORDER BY ack DESC`,
			session, chat, clean(id)).Scan(&acks).Error; err != nil {
			return err
		}
		if len(acks) >= others {
			all = engines.Ack(acks[others-1])
		}
		return nil
	})
	if err != nil {
		return false, 0, fmt.Errorf("group receipt of %s in %s of session %q: %w", id, chat, session, err)
	}
	return rose, all, nil
}

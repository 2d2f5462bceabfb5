-- v10: groups and participants
-- The groups a session's account is in and their members. A member's id is the
-- one the group addresses them by (123@lid in LID groups), pn their phone id when
-- known; size is kept so lists without participants need no count.
CREATE TABLE wagate_groups (
	session     TEXT NOT NULL,
	id          TEXT NOT NULL,
	subject     TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	owner       TEXT NOT NULL DEFAULT '',
	creation    BIGINT NOT NULL DEFAULT 0,
	announce    BOOLEAN NOT NULL DEFAULT FALSE,
	locked      BOOLEAN NOT NULL DEFAULT FALSE,
	admins_add  BOOLEAN NOT NULL DEFAULT FALSE,
	approval    BOOLEAN NOT NULL DEFAULT FALSE,
	invite_code TEXT NOT NULL DEFAULT '',
	picture_id  TEXT NOT NULL DEFAULT '',
	size        INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (session, id)
);
CREATE INDEX wagate_groups_subject ON wagate_groups (session, subject, id);
CREATE TABLE wagate_group_participants (
	session  TEXT NOT NULL,
	group_id TEXT NOT NULL,
	id       TEXT NOT NULL,
	pn       TEXT NOT NULL DEFAULT '',
	role     TEXT NOT NULL,
	PRIMARY KEY (session, group_id, id)
);
-- Each member's receipt of the account's group messages: the message's own ack
-- rises when every other member has reached it.
CREATE TABLE wagate_group_receipts (
	session     TEXT NOT NULL,
	chat        TEXT NOT NULL,
	id          TEXT NOT NULL,
	participant TEXT NOT NULL,
	ack         INTEGER NOT NULL,
	PRIMARY KEY (session, chat, id, participant)
);

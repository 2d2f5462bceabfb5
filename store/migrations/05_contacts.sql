-- v5: contacts
-- The people a session knows, one row a person: id is the phone-number id
-- (123@c.us), or the LID while the number is unknown; lid links the two, so a person
-- seen under both ids stays one contact.
CREATE TABLE wagate_contacts (
	session       TEXT NOT NULL,
	id            TEXT NOT NULL,
	lid           TEXT NOT NULL DEFAULT '',
	name          TEXT NOT NULL DEFAULT '',
	short_name    TEXT NOT NULL DEFAULT '',
	push_name     TEXT NOT NULL DEFAULT '',
	business_name TEXT NOT NULL DEFAULT '',
	updated_at    BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (session, id)
);
CREATE INDEX wagate_contacts_lid ON wagate_contacts (session, lid);

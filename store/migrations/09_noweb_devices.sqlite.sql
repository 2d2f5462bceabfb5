-- v9: NOWEB devices
-- The whatsmeow device each NOWEB session paired, so a session finds its pairing
-- again after a restart. IF NOT EXISTS: before this migration the NOWEB engine
-- created the table itself, so databases it ran on already have it.
CREATE TABLE IF NOT EXISTS wagate_noweb_devices (
	session TEXT PRIMARY KEY,
	jid     TEXT NOT NULL
);

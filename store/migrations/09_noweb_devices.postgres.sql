-- v9: NOWEB devices
-- The whatsmeow device each NOWEB session paired, so a session finds its pairing
-- again after a restart. IF NOT EXISTS: before this migration the NOWEB engine
-- created these tables itself, so databases it ran on already have them.
CREATE TABLE IF NOT EXISTS wagate_noweb_devices (
	session TEXT PRIMARY KEY,
	jid     TEXT NOT NULL
);
-- whatsmeow's own migrator (go.mau.fi/util/dbutil) asks information_schema whether
-- its version table exists in any schema, not in ours: with another gateway's tables
-- in a sibling schema it would skip creating it here, then fail to read it. Created
-- here as dbutil creates it, whatsmeow finds it and runs its migrations.
CREATE TABLE IF NOT EXISTS whatsmeow_version (version INTEGER, compat INTEGER);

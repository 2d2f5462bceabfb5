-- v1: sessions
-- One row a session: what it runs, whether it should run, and what it last reported.
CREATE TABLE wagate_sessions (
	name       TEXT PRIMARY KEY,
	engine     TEXT NOT NULL,
	config     TEXT NOT NULL DEFAULT '{}',
	running    BOOLEAN NOT NULL DEFAULT FALSE,
	status     TEXT NOT NULL,
	me         TEXT,
	failure    TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

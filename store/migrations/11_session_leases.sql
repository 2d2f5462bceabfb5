-- v11: session leases and the replicas holding them
-- Replicas sharing one PostgreSQL run each session on at most one of them: the one
-- holding its lease. A released lease keeps its row (owner '') so its fencing token
-- goes on growing across owners; pinned names the replica a session cannot leave
-- (a WEBJS profile on its disk). Times are unix ms. Not compatible with older
-- binaries: one that knows no leases would run every session beside the replicas.
CREATE TABLE wagate_leases (
	session    TEXT PRIMARY KEY,
	owner      TEXT NOT NULL DEFAULT '',
	address    TEXT NOT NULL DEFAULT '',
	token      BIGINT NOT NULL DEFAULT 0,
	expires_at BIGINT NOT NULL DEFAULT 0,
	pinned     TEXT NOT NULL DEFAULT '',
	updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX wagate_leases_owner ON wagate_leases (owner);
-- The replicas alive now and then: a row whose expires_at passed is a dead one.
CREATE TABLE wagate_replicas (
	id           TEXT PRIMARY KEY,
	address      TEXT NOT NULL,
	max_sessions INTEGER NOT NULL DEFAULT 0,
	started_at   BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL
);

-- v2: webhook deliveries
-- The webhook outbox: one row per event and webhook, written before anything is
-- sent. id sorts in enqueue order, which is the delivery order of a lane (session
-- and url). The webhook's settings are copied so a later config change does not
-- alter what an already-queued delivery does.
CREATE TABLE wagate_webhook_deliveries (
	id              TEXT PRIMARY KEY,
	event_id        TEXT NOT NULL,
	session         TEXT NOT NULL,
	url             TEXT NOT NULL,
	event           TEXT NOT NULL,
	hmac_key        TEXT NOT NULL DEFAULT '',
	retry_policy    TEXT NOT NULL DEFAULT '',
	retry_delay     INTEGER NOT NULL DEFAULT 0,
	retry_attempts  INTEGER NOT NULL DEFAULT 0,
	headers         TEXT NOT NULL DEFAULT '[]',
	body            TEXT NOT NULL,
	status          TEXT NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at BIGINT NOT NULL,
	last_error      TEXT NOT NULL DEFAULT '',
	last_code       INTEGER NOT NULL DEFAULT 0,
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL
);
-- The dispatcher reads a lane's pending rows in id order.
CREATE INDEX wagate_webhook_deliveries_lane ON wagate_webhook_deliveries (status, session, url, id);
-- The listing filters by session and status, newest first.
CREATE INDEX wagate_webhook_deliveries_session ON wagate_webhook_deliveries (session, status, id);
-- Listing by status alone, and pruning old rows (ids sort by creation time).
CREATE INDEX wagate_webhook_deliveries_status ON wagate_webhook_deliveries (status, id);

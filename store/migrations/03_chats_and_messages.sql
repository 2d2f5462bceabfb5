-- v3: chats and messages
-- The NOWEB message store. A chat row carries what list views show, so lists never
-- aggregate over messages; messages are paged through (session, chat, ts, id) and,
-- for every chat at once, (session, ts, id). payload is the API's message as JSON
-- (escaped, so any text fits TEXT on PostgreSQL).
CREATE TABLE wagate_chats (
	session         TEXT NOT NULL,
	id              TEXT NOT NULL,
	name            TEXT NOT NULL DEFAULT '',
	conversation_ts BIGINT NOT NULL DEFAULT 0,
	last_message_ts BIGINT NOT NULL DEFAULT 0,
	last_message_id TEXT NOT NULL DEFAULT '',
	unread_count    INTEGER NOT NULL DEFAULT 0,
	marked_unread   BOOLEAN NOT NULL DEFAULT FALSE,
	archived        BOOLEAN NOT NULL DEFAULT FALSE,
	pinned          BOOLEAN NOT NULL DEFAULT FALSE,
	mute_until      BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (session, id)
);
CREATE INDEX wagate_chats_conversation ON wagate_chats (session, conversation_ts, id);
CREATE INDEX wagate_chats_last_message ON wagate_chats (session, last_message_ts, id);
CREATE INDEX wagate_chats_name ON wagate_chats (session, name, id);
CREATE TABLE wagate_messages (
	session    TEXT NOT NULL,
	chat       TEXT NOT NULL,
	id         TEXT NOT NULL,
	from_me    BOOLEAN NOT NULL,
	ts         BIGINT NOT NULL,
	ack        INTEGER NOT NULL,
	payload    TEXT NOT NULL,
	media      TEXT NOT NULL DEFAULT '',
	media_file TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (session, chat, id)
);
CREATE INDEX wagate_messages_chat_ts ON wagate_messages (session, chat, ts, id);
CREATE INDEX wagate_messages_ts ON wagate_messages (session, ts, id);
CREATE INDEX wagate_messages_id ON wagate_messages (session, id);

package store_test

// legacyMigrations are the migrations of the runner wagate had before the
// migration files (store/migrate.go and store/outbox_migrate.go at 2026-12-01),
// verbatim: the tests build the databases that runner made and open them.
var legacyMigrations = []struct {
	version int
	name    string
	sql     []string
}{
	{1, "sessions", []string{
		`CREATE TABLE wagate_sessions (
			name       TEXT PRIMARY KEY,
			engine     TEXT NOT NULL,
			config     TEXT NOT NULL DEFAULT '{}',
			running    BOOLEAN NOT NULL DEFAULT FALSE,
			status     TEXT NOT NULL,
			me         TEXT,
			failure    TEXT NOT NULL DEFAULT '',
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL
		)`,
	}},
	// The webhook outbox: one row per event and webhook, written before anything is
	// sent. id sorts in enqueue order, which is the delivery order of a lane (session
	// and url). The webhook's settings are copied so a later config change does not
	// alter what an already-queued delivery does.
	{2, "webhook deliveries", []string{
		`CREATE TABLE wagate_webhook_deliveries (
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
		)`,
		// The dispatcher reads a lane's pending rows in id order.
		`CREATE INDEX wagate_webhook_deliveries_lane ON wagate_webhook_deliveries (status, session, url, id)`,
		// The listing filters by session and status, newest first.
		`CREATE INDEX wagate_webhook_deliveries_session ON wagate_webhook_deliveries (session, status, id)`,
		// Listing by status alone, and pruning old rows (ids sort by creation time).
		`CREATE INDEX wagate_webhook_deliveries_status ON wagate_webhook_deliveries (status, id)`,
	}},
	// The NOWEB message store. A chat row carries what list views show, so lists
	// never aggregate over messages; messages are paged through (session, chat, ts,
	// id) and, for every chat at once, (session, ts, id). payload is the API's
	// message as JSON (escaped, so any text fits TEXT on PostgreSQL).
	{10, "chats and messages", []string{
		`CREATE TABLE wagate_chats (
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
		)`,
		`CREATE INDEX wagate_chats_conversation ON wagate_chats (session, conversation_ts, id)`,
		`CREATE INDEX wagate_chats_last_message ON wagate_chats (session, last_message_ts, id)`,
		`CREATE INDEX wagate_chats_name ON wagate_chats (session, name, id)`,
		`CREATE TABLE wagate_messages (
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
		)`,
		`CREATE INDEX wagate_messages_chat_ts ON wagate_messages (session, chat, ts, id)`,
		`CREATE INDEX wagate_messages_ts ON wagate_messages (session, ts, id)`,
		`CREATE INDEX wagate_messages_id ON wagate_messages (session, id)`,
	}},
	// Messages of one second keep their arrival order: seq breaks timestamp ties
	// (unix nanoseconds when stored), and the paging indexes end with it.
	{11, "message arrival order", []string{
		`ALTER TABLE wagate_messages ADD COLUMN seq BIGINT NOT NULL DEFAULT 0`,
		`DROP INDEX wagate_messages_chat_ts`,
		`DROP INDEX wagate_messages_ts`,
		`CREATE INDEX wagate_messages_chat_ts_seq ON wagate_messages (session, chat, ts, seq)`,
		`CREATE INDEX wagate_messages_ts_seq ON wagate_messages (session, ts, seq)`,
	}},
	// The people a session knows, one row a person: id is the phone-number id
	// (123@c.us), or the LID while the number is unknown; lid links the two, so a
	// person seen under both ids stays one contact.
	{12, "contacts", []string{
		`CREATE TABLE wagate_contacts (
			session       TEXT NOT NULL,
			id            TEXT NOT NULL,
			lid           TEXT NOT NULL DEFAULT '',
			name          TEXT NOT NULL DEFAULT '',
			short_name    TEXT NOT NULL DEFAULT '',
			push_name     TEXT NOT NULL DEFAULT '',
			business_name TEXT NOT NULL DEFAULT '',
			updated_at    BIGINT NOT NULL DEFAULT 0,
			PRIMARY KEY (session, id)
		)`,
		`CREATE INDEX wagate_contacts_lid ON wagate_contacts (session, lid)`,
	}},
	// Message pages filter by fromMe and ack: with both in the paging indexes (after
	// the order columns, so every filter combination keeps the order), the filters
	// are decided on index entries, and the rows an offset skips are never read.
	{13, "message filters in the paging indexes", []string{
		`DROP INDEX wagate_messages_chat_ts_seq`,
		`DROP INDEX wagate_messages_ts_seq`,
		`CREATE INDEX wagate_messages_chat_page ON wagate_messages (session, chat, ts, seq, from_me, ack)`,
		`CREATE INDEX wagate_messages_page ON wagate_messages (session, ts, seq, from_me, ack)`,
	}},
	// The paging indexes end with the key, so a deep page finds its rows on the
	// index alone and reads only those from the table.
	{14, "message keys in the paging indexes", []string{
		`DROP INDEX wagate_messages_chat_page`,
		`DROP INDEX wagate_messages_page`,
		`CREATE INDEX wagate_messages_chat_page ON wagate_messages (session, chat, ts, seq, from_me, ack, id)`,
		`CREATE INDEX wagate_messages_page ON wagate_messages (session, ts, seq, from_me, ack, chat, id)`,
	}},
	{20, "lean webhook delivery indexes", []string{
		// Every delivery is written once pending and updated once delivered, so
		// each index costs on both. The lane index holds pending rows only (what
		// the dispatcher reads, and rows leave it when delivered); listing goes by
		// session and id, and by id alone; failed rows, which the deliveries API
		// asks for by status, have their own small index. Pruning walks ids.
		`DROP INDEX wagate_webhook_deliveries_lane`,
		`DROP INDEX wagate_webhook_deliveries_session`,
		`DROP INDEX wagate_webhook_deliveries_status`,
		`CREATE INDEX wagate_webhook_deliveries_pending ON wagate_webhook_deliveries (session, url, id) WHERE status = 'pending'`,
		`CREATE INDEX wagate_webhook_deliveries_failed ON wagate_webhook_deliveries (id) WHERE status = 'failed'`,
		`CREATE INDEX wagate_webhook_deliveries_by_session ON wagate_webhook_deliveries (session, id)`,
	}},
}

// legacyMigrationsTable is how that runner recorded what it applied.
const legacyMigrationsTable = `CREATE TABLE IF NOT EXISTS wagate_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at BIGINT NOT NULL
	)`

// legacyNOWEBDevices is the table the NOWEB engine created for itself then.
const legacyNOWEBDevices = `CREATE TABLE IF NOT EXISTS wagate_noweb_devices (session TEXT PRIMARY KEY, jid TEXT NOT NULL)`

-- v4: message arrival order
-- Messages of one second keep their arrival order: seq breaks timestamp ties (unix
-- nanoseconds when stored), and the paging indexes end with it.
ALTER TABLE wagate_messages ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
DROP INDEX wagate_messages_chat_ts;
DROP INDEX wagate_messages_ts;
CREATE INDEX wagate_messages_chat_ts_seq ON wagate_messages (session, chat, ts, seq);
CREATE INDEX wagate_messages_ts_seq ON wagate_messages (session, ts, seq);

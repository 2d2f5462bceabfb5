-- v6: message filters in the paging indexes
-- Message pages filter by fromMe and ack: with both in the paging indexes (after the
-- order columns, so every filter combination keeps the order), the filters are
-- decided on index entries, and the rows an offset skips are never read.
DROP INDEX wagate_messages_chat_ts_seq;
DROP INDEX wagate_messages_ts_seq;
CREATE INDEX wagate_messages_chat_page ON wagate_messages (session, chat, ts, seq, from_me, ack);
CREATE INDEX wagate_messages_page ON wagate_messages (session, ts, seq, from_me, ack);

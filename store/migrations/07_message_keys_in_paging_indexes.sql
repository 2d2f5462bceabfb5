-- v7: message keys in the paging indexes
-- The paging indexes end with the key, so a deep page finds its rows on the index
-- alone and reads only those from the table.
DROP INDEX wagate_messages_chat_page;
DROP INDEX wagate_messages_page;
CREATE INDEX wagate_messages_chat_page ON wagate_messages (session, chat, ts, seq, from_me, ack, id);
CREATE INDEX wagate_messages_page ON wagate_messages (session, ts, seq, from_me, ack, chat, id);

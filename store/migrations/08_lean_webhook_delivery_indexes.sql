-- v8: lean webhook delivery indexes
-- Every delivery is written once pending and updated once delivered, so each index
-- costs on both. The lane index holds pending rows only (what the dispatcher reads,
-- and rows leave it when delivered); listing goes by session and id, and by id
-- alone; failed rows, which the deliveries API asks for by status, have their own
-- small index. Pruning walks ids.
DROP INDEX wagate_webhook_deliveries_lane;
DROP INDEX wagate_webhook_deliveries_session;
DROP INDEX wagate_webhook_deliveries_status;
CREATE INDEX wagate_webhook_deliveries_pending ON wagate_webhook_deliveries (session, url, id) WHERE status = 'pending';
CREATE INDEX wagate_webhook_deliveries_failed ON wagate_webhook_deliveries (id) WHERE status = 'failed';
CREATE INDEX wagate_webhook_deliveries_by_session ON wagate_webhook_deliveries (session, id);

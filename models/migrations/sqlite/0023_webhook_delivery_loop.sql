-- Webhook delivery loop (issue 18): deliveries are claimed from their own
-- table rather than through one job each. due_ms is when a delivery may be
-- claimed next, in Unix milliseconds of the wall clock: its creation for a
-- new one, its next attempt for a retrying one, the end of the claimer's
-- lease while an attempt runs; NULL once it is finished. The partial index
-- holds only the unfinished deliveries. (Times are stored in UTC; the
-- first 19 characters are the second.) (Wake-ups on SQLite are in-process:
-- the connection's commit hook.)
ALTER TABLE webhook_deliveries ADD COLUMN due_ms INTEGER;
-- claimed_ms: when the running lease was taken (NULL when none is); on
-- SQLite (one process) a process starting takes back the claims made
-- before it started.
ALTER TABLE webhook_deliveries ADD COLUMN claimed_ms INTEGER;
UPDATE webhook_deliveries
   SET due_ms = COALESCE(CAST((julianday(substr(COALESCE(next_attempt_at, created_at), 1, 19)) - 2440587.5) * 86400000 AS INTEGER), 0)
 WHERE status IN ('pending', 'retrying');
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (due_ms) WHERE due_ms IS NOT NULL;

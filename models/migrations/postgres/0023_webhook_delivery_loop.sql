-- Webhook delivery loop (issue 18): deliveries are claimed from their own
-- table rather than through one job each. due_ms is when a delivery may be
-- claimed next, in Unix milliseconds of the wall clock: its creation for a
-- new one, its next attempt for a retrying one, the end of the claimer's
-- lease while an attempt runs (a crashed process's claims come back when
-- it passes); NULL once it is finished. The partial index holds only the
-- unfinished deliveries.
ALTER TABLE webhook_deliveries ADD COLUMN due_ms bigint;
-- claimed_ms: when the running lease was taken (NULL when none is); on
-- SQLite (one process) a process starting takes back the claims made
-- before it started.
ALTER TABLE webhook_deliveries ADD COLUMN claimed_ms bigint;
UPDATE webhook_deliveries
   SET due_ms = (extract(epoch FROM COALESCE(next_attempt_at, created_at)) * 1000)::bigint
 WHERE status IN ('pending', 'retrying');
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (due_ms) WHERE due_ms IS NOT NULL;

-- Wake-ups: a committed event or delivery notifies linkgate_webhooks (the
-- payload names the table), once per statement; PostgreSQL sends it at
-- commit and folds repeats within a transaction.
CREATE FUNCTION linkgate_webhooks_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('linkgate_webhooks', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;
CREATE TRIGGER webhook_events_notify AFTER INSERT ON webhook_events
    FOR EACH STATEMENT EXECUTE FUNCTION linkgate_webhooks_notify();
CREATE TRIGGER webhook_deliveries_notify AFTER INSERT ON webhook_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION linkgate_webhooks_notify();

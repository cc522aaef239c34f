-- Webhooks: subscriber endpoints (secrets encrypted with the key ring, the
-- endpoint id as associated data) and the event outbox, written in the
-- same transaction as the change each event reports.
CREATE TABLE webhook_endpoints (
    id                          TEXT PRIMARY KEY NOT NULL,
    client_id                   TEXT REFERENCES clients (id) ON DELETE CASCADE,
    url                         TEXT NOT NULL,
    events                      TEXT NOT NULL,
    key_id                      TEXT NOT NULL,
    secret_ciphertext           BLOB NOT NULL,
    previous_key_id             TEXT NOT NULL DEFAULT '',
    previous_secret_ciphertext  BLOB NOT NULL DEFAULT x'',
    previous_expires_at         DATETIME,
    enabled                     BOOLEAN NOT NULL DEFAULT 1,
    disabled_reason             TEXT NOT NULL DEFAULT '',
    failing_since               DATETIME,
    created_at                  DATETIME NOT NULL,
    updated_at                  DATETIME NOT NULL
);
CREATE INDEX webhook_endpoints_client_id_idx ON webhook_endpoints (client_id, id);

CREATE TABLE webhook_events (
    id             TEXT PRIMARY KEY NOT NULL,
    type           TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    payload        TEXT NOT NULL,
    created_at     DATETIME NOT NULL,
    dispatched_at  DATETIME
);
CREATE INDEX webhook_events_undispatched_idx ON webhook_events (id) WHERE dispatched_at IS NULL;
CREATE INDEX webhook_events_client_id_idx ON webhook_events (client_id, id);

-- Webhooks: subscriber endpoints (secrets encrypted with the key ring, the
-- endpoint id as associated data) and the event outbox, written in the
-- same transaction as the change each event reports.
CREATE TABLE webhook_endpoints (
    id                          text PRIMARY KEY,
    client_id                   text REFERENCES clients (id) ON DELETE CASCADE,
    url                         text NOT NULL,
    events                      text NOT NULL,
    key_id                      text NOT NULL,
    secret_ciphertext           bytea NOT NULL,
    previous_key_id             text NOT NULL DEFAULT '',
    previous_secret_ciphertext  bytea NOT NULL DEFAULT ''::bytea,
    previous_expires_at         timestamptz,
    enabled                     boolean NOT NULL DEFAULT true,
    disabled_reason             text NOT NULL DEFAULT '',
    failing_since               timestamptz,
    created_at                  timestamptz NOT NULL,
    updated_at                  timestamptz NOT NULL
);
CREATE INDEX webhook_endpoints_client_id_idx ON webhook_endpoints (client_id, id);

CREATE TABLE webhook_events (
    id             text PRIMARY KEY,
    type           text NOT NULL,
    client_id      text NOT NULL,
    payload        text NOT NULL,
    created_at     timestamptz NOT NULL,
    dispatched_at  timestamptz
);
CREATE INDEX webhook_events_undispatched_idx ON webhook_events (id) WHERE dispatched_at IS NULL;
CREATE INDEX webhook_events_client_id_idx ON webhook_events (client_id, id);

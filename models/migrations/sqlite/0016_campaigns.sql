-- Campaigns (API.md "Campaigns", DESIGN §10): a client's bulk SMS send,
-- its message variants, its recipients (one row per phone number, which
-- later also carries the message's delivery) and its timeline. The
-- originator is a plain TEXT column until the originators table lands.
CREATE TABLE campaigns (
    id                     TEXT PRIMARY KEY,
    client_id              TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    name                   TEXT NOT NULL,
    tags                   TEXT NOT NULL DEFAULT '[]',
    status                 TEXT NOT NULL,
    status_reason          TEXT NOT NULL DEFAULT '',
    messaging_service_sid  TEXT NOT NULL DEFAULT '',
    originator_id          TEXT,
    pool_id                TEXT,
    domain_ids             TEXT NOT NULL DEFAULT '[]',
    active_domain_id       TEXT,
    link_shortening        BOOLEAN NOT NULL DEFAULT 1,
    tracking               TEXT NOT NULL DEFAULT 'off',
    scheduled_at           DATETIME,
    recipient_count        INTEGER NOT NULL DEFAULT 0,
    created_at             DATETIME NOT NULL,
    updated_at             DATETIME NOT NULL,
    started_at             DATETIME,
    finished_at            DATETIME,
    version                INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX campaigns_client_id_id_idx ON campaigns (client_id, id);
CREATE INDEX campaigns_status_id_idx ON campaigns (status, id);

CREATE TABLE campaign_variants (
    id           TEXT PRIMARY KEY,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    body         TEXT NOT NULL,
    ratio        INTEGER NOT NULL,
    position     INTEGER NOT NULL
);
CREATE INDEX campaign_variants_campaign_id_idx ON campaign_variants (campaign_id, position);

CREATE TABLE campaign_recipients (
    id           TEXT PRIMARY KEY,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    phone        TEXT NOT NULL,
    vars         TEXT NOT NULL DEFAULT '{}',
    variant_id   TEXT,
    status       TEXT NOT NULL,
    domain_id    TEXT,
    twilio_sid   TEXT NOT NULL DEFAULT '',
    error_code   TEXT NOT NULL DEFAULT '',
    segments     INTEGER NOT NULL DEFAULT 0,
    price        TEXT NOT NULL DEFAULT '',
    sent_at      DATETIME,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);
CREATE UNIQUE INDEX campaign_recipients_phone_key ON campaign_recipients (campaign_id, phone);
CREATE INDEX campaign_recipients_status_idx ON campaign_recipients (campaign_id, status, id);

CREATE TABLE campaign_events (
    id           TEXT PRIMARY KEY,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    from_status  TEXT NOT NULL,
    to_status    TEXT NOT NULL,
    reason       TEXT NOT NULL,
    actor        TEXT NOT NULL,
    at           DATETIME NOT NULL
);
CREATE INDEX campaign_events_campaign_id_idx ON campaign_events (campaign_id, id);

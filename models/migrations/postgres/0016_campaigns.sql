-- Campaigns (API.md "Campaigns", DESIGN §10): a client's bulk SMS send,
-- its message variants, its recipients (one row per phone number, which
-- later also carries the message's delivery) and its timeline. The
-- originator is a plain text column until the originators table lands.
CREATE TABLE campaigns (
    id                     text PRIMARY KEY,
    client_id              text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    name                   text NOT NULL,
    tags                   text NOT NULL DEFAULT '[]',
    status                 text NOT NULL,
    status_reason          text NOT NULL DEFAULT '',
    messaging_service_sid  text NOT NULL DEFAULT '',
    originator_id          text,
    pool_id                text,
    domain_ids             text NOT NULL DEFAULT '[]',
    active_domain_id       text,
    link_shortening        boolean NOT NULL DEFAULT true,
    tracking               text NOT NULL DEFAULT 'off',
    scheduled_at           timestamptz,
    recipient_count        bigint NOT NULL DEFAULT 0,
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    started_at             timestamptz,
    finished_at            timestamptz,
    version                bigint NOT NULL DEFAULT 0
);
CREATE INDEX campaigns_client_id_id_idx ON campaigns (client_id, id);
CREATE INDEX campaigns_status_id_idx ON campaigns (status, id);

CREATE TABLE campaign_variants (
    id           text PRIMARY KEY,
    campaign_id  text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    body         text NOT NULL,
    ratio        integer NOT NULL,
    position     integer NOT NULL
);
CREATE INDEX campaign_variants_campaign_id_idx ON campaign_variants (campaign_id, position);

CREATE TABLE campaign_recipients (
    id           text PRIMARY KEY,
    campaign_id  text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    phone        text NOT NULL,
    vars         text NOT NULL DEFAULT '{}',
    variant_id   text,
    status       text NOT NULL,
    domain_id    text,
    twilio_sid   text NOT NULL DEFAULT '',
    error_code   text NOT NULL DEFAULT '',
    segments     integer NOT NULL DEFAULT 0,
    price        text NOT NULL DEFAULT '',
    sent_at      timestamptz,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE UNIQUE INDEX campaign_recipients_phone_key ON campaign_recipients (campaign_id, phone);
CREATE INDEX campaign_recipients_status_idx ON campaign_recipients (campaign_id, status, id);

CREATE TABLE campaign_events (
    id           text PRIMARY KEY,
    campaign_id  text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    from_status  text NOT NULL,
    to_status    text NOT NULL,
    reason       text NOT NULL,
    actor        text NOT NULL,
    at           timestamptz NOT NULL
);
CREATE INDEX campaign_events_campaign_id_idx ON campaign_events (campaign_id, id);

-- Campaign sending (DESIGN §10): the client's rotation policy, when a
-- recipient's send was attempted (a crashed send is resolved by asking
-- Twilio for messages to that number since then), and the counters the
-- stats are served from (kept up to date by the sender and the Twilio
-- callbacks, never computed by scanning messages).
ALTER TABLE clients ADD COLUMN rotation TEXT NOT NULL DEFAULT 'on_limit';
ALTER TABLE campaign_recipients ADD COLUMN attempted_at DATETIME;

CREATE TABLE campaign_stats (
    campaign_id       TEXT PRIMARY KEY NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    sent              INTEGER NOT NULL DEFAULT 0,
    delivered         INTEGER NOT NULL DEFAULT 0,
    failed            INTEGER NOT NULL DEFAULT 0,
    undelivered       INTEGER NOT NULL DEFAULT 0,
    segments          INTEGER NOT NULL DEFAULT 0,
    cost_micros       INTEGER NOT NULL DEFAULT 0,
    currency          TEXT NOT NULL DEFAULT '',
    clicks            INTEGER NOT NULL DEFAULT 0,
    unique_clicks     INTEGER NOT NULL DEFAULT 0,
    automated_clicks  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE campaign_domain_stats (
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    domain_id    TEXT NOT NULL,
    sent         INTEGER NOT NULL DEFAULT 0,
    clicks       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, domain_id)
);
CREATE INDEX campaign_domain_stats_domain_idx ON campaign_domain_stats (domain_id);

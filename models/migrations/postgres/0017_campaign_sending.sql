-- Campaign sending (DESIGN §10): the client's rotation policy, when a
-- recipient's send was attempted (a crashed send is resolved by asking
-- Twilio for messages to that number since then), and the counters the
-- stats are served from (kept up to date by the sender and the Twilio
-- callbacks, never computed by scanning messages).
ALTER TABLE clients ADD COLUMN rotation text NOT NULL DEFAULT 'on_limit';
ALTER TABLE campaign_recipients ADD COLUMN attempted_at timestamptz;

CREATE TABLE campaign_stats (
    campaign_id       text PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
    sent              bigint NOT NULL DEFAULT 0,
    delivered         bigint NOT NULL DEFAULT 0,
    failed            bigint NOT NULL DEFAULT 0,
    undelivered       bigint NOT NULL DEFAULT 0,
    segments          bigint NOT NULL DEFAULT 0,
    cost_micros       bigint NOT NULL DEFAULT 0,
    currency          text NOT NULL DEFAULT '',
    clicks            bigint NOT NULL DEFAULT 0,
    unique_clicks     bigint NOT NULL DEFAULT 0,
    automated_clicks  bigint NOT NULL DEFAULT 0
);

CREATE TABLE campaign_domain_stats (
    campaign_id  text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    domain_id    text NOT NULL,
    sent         bigint NOT NULL DEFAULT 0,
    clicks       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, domain_id)
);
CREATE INDEX campaign_domain_stats_domain_idx ON campaign_domain_stats (domain_id);

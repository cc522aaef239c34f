-- Tracked links (API.md "Tracked links", DESIGN §10): a client's tracking
-- settings; every short link linkgate made (ref -> the stored URL, on the
-- host it was made for, with its campaign message when it has one); every
-- click the redirector answered, written before its 302. Links and clicks
-- are deleted after LINKGATE_LINK_RETENTION (links by created_at, clicks by
-- their id: a ULID of the click's time). Clicks are written on every
-- redirect: they carry no index beyond their key and their campaign's.
ALTER TABLE clients ADD COLUMN tracking_mode TEXT NOT NULL DEFAULT 'off';
ALTER TABLE clients ADD COLUMN tracking_prefix TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN tracking_domain_id TEXT;

CREATE TABLE tracked_links (
    ref           TEXT PRIMARY KEY NOT NULL,
    client_id     TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    host          TEXT NOT NULL,
    url           TEXT NOT NULL,
    campaign_id   TEXT,
    recipient_id  TEXT,
    created_at    DATETIME NOT NULL
);
CREATE INDEX tracked_links_campaign_idx ON tracked_links (campaign_id) WHERE campaign_id IS NOT NULL;
CREATE INDEX tracked_links_created_idx ON tracked_links (created_at);

CREATE TABLE link_clicks (
    id            TEXT PRIMARY KEY NOT NULL,
    ref           TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    campaign_id   TEXT,
    recipient_id  TEXT,
    kind          TEXT NOT NULL,
    method        TEXT NOT NULL,
    user_agent    TEXT NOT NULL,
    clicked_at    DATETIME NOT NULL
);
CREATE INDEX link_clicks_campaign_idx ON link_clicks (campaign_id, id) WHERE campaign_id IS NOT NULL;

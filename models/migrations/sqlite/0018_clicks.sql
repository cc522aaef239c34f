-- Twilio's callbacks (API.md "Twilio callbacks"): messages are found by
-- their Twilio SID; a recipient remembers when its message was delivered
-- (clicks right after it are a scanner's, not a person's) and when it was
-- first clicked by a person (its campaign's unique clicks count it once).
-- clicks holds every click Twilio reported, human or automated; event_key
-- (SHA-256 of the event's fields) makes a repeat of one event a no-op.
ALTER TABLE campaign_recipients ADD COLUMN delivered_at DATETIME;
ALTER TABLE campaign_recipients ADD COLUMN first_clicked_at DATETIME;
CREATE INDEX campaign_recipients_twilio_sid_idx ON campaign_recipients (twilio_sid);

CREATE TABLE clicks (
    id            TEXT PRIMARY KEY NOT NULL,
    campaign_id   TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    recipient_id  TEXT NOT NULL,
    domain_id     TEXT,
    kind          TEXT NOT NULL,
    event_type    TEXT NOT NULL,
    link          TEXT NOT NULL,
    user_agent    TEXT NOT NULL,
    event_key     TEXT NOT NULL,
    clicked_at    DATETIME NOT NULL,
    created_at    DATETIME NOT NULL
);
CREATE UNIQUE INDEX clicks_event_key ON clicks (event_key);
CREATE INDEX clicks_campaign_id_idx ON clicks (campaign_id, id);
CREATE INDEX clicks_recipient_id_idx ON clicks (recipient_id);

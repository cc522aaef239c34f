-- link_clicks becomes a WITHOUT ROWID table keyed by its id: a click was
-- a row in the table and an entry in the id's own index, two b-trees
-- written per click; now it is one. Ids grow with time (ULIDs), so the
-- redirector's inserts land at the tree's right edge, and the retention
-- job's deletes (by id) at its left. The columns are unchanged.
CREATE TABLE link_clicks_keyed (
    id            TEXT NOT NULL PRIMARY KEY,
    ref           TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    campaign_id   TEXT,
    recipient_id  TEXT,
    kind          TEXT NOT NULL,
    method        TEXT NOT NULL,
    user_agent    TEXT NOT NULL,
    clicked_at    DATETIME NOT NULL
) WITHOUT ROWID;
INSERT INTO link_clicks_keyed (id, ref, client_id, campaign_id, recipient_id, kind, method, user_agent, clicked_at)
    SELECT id, ref, client_id, campaign_id, recipient_id, kind, method, user_agent, clicked_at FROM link_clicks;
DROP TABLE link_clicks;
ALTER TABLE link_clicks_keyed RENAME TO link_clicks;
CREATE INDEX link_clicks_campaign_idx ON link_clicks (campaign_id, id) WHERE campaign_id IS NOT NULL;

-- The SQLite migration 0030 rebuilds link_clicks as a WITHOUT ROWID
-- table; PostgreSQL's heap and primary key index stay. This migration
-- only records that, so that both engines carry version 30.
SELECT 1;

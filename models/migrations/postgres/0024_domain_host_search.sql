-- Host search through an index (issue 18): on PostgreSQL ?q= was already
-- answered by the pg_trgm GIN indexes domains_host_trgm (0001) and
-- domains_status_host_trgm (0003, with btree_gin), which serve
-- host LIKE '%q%' with or without a status. This migration only records
-- that, so that both engines carry version 24; the SQLite one builds the
-- FTS5 trigram index.
SELECT 1;

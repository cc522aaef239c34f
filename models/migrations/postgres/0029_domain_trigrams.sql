-- The SQLite migration 0029 replaces its FTS5 host index with trigram
-- postings; PostgreSQL's pg_trgm indexes (0001, 0003) answer every
-- search. This migration only records that, so that both engines carry
-- version 29.
SELECT 1;

-- The SQLite migration 0028 adds covering indexes for the walk of a
-- common word's search page; PostgreSQL's pg_trgm indexes (0001, 0003)
-- answer every search. This migration only records that, so that both
-- engines carry version 28.
SELECT 1;

-- PostgreSQL adds a trigram index here; SQLite searches with LIKE on the
-- (status, id) index and needs nothing new. Kept so both engines share
-- their migration versions.
SELECT 1;

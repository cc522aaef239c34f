-- Search within a status (GET /domains?status=pending&q=acme): one GIN index
-- on (status, host trigrams) instead of combining two bitmaps.
CREATE EXTENSION IF NOT EXISTS btree_gin WITH SCHEMA public;
CREATE INDEX domains_status_host_trgm ON domains USING gin (status, host public.gin_trgm_ops);

-- Optimistic concurrency: every workflow change bumps the version, so a
-- step and a human action that race cannot both apply.
ALTER TABLE domains ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

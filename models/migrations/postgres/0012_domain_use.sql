-- Domain use (issue 14): a client's per-domain messaging limit, and what a
-- domain's use and archiving need: the quota counter (one row update per
-- message), when it was last used, when it became configured (auto-archive
-- counts from then when it was never used), when and from what status it
-- was archived, and when the client was warned of an auto-archive.
ALTER TABLE clients ADD COLUMN domain_limit bigint;
ALTER TABLE domains ADD COLUMN messages_sent bigint NOT NULL DEFAULT 0;
ALTER TABLE domains ADD COLUMN last_used_at timestamptz;
ALTER TABLE domains ADD COLUMN archived_at timestamptz;
ALTER TABLE domains ADD COLUMN archived_from text NOT NULL DEFAULT '';
ALTER TABLE domains ADD COLUMN configured_at timestamptz;
ALTER TABLE domains ADD COLUMN archive_warned_at timestamptz;
UPDATE domains SET configured_at = updated_at WHERE status = 'configured';
-- Auto-archive looks for configured domains by when they were last used.
CREATE INDEX domains_status_last_use ON domains (status, (COALESCE(last_used_at, configured_at, updated_at)));

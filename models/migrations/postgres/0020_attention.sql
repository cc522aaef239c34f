-- The console's Attention page and Domains page (issue 17): when a domain
-- entered its current status (the age in step), backfilled from the
-- timeline's last entry into that status, or when the domain was added;
-- the index that finds domains stuck in a step, and the one that finds
-- certificates about to expire.
ALTER TABLE domains ADD COLUMN status_changed_at timestamptz NOT NULL DEFAULT now();
UPDATE domains SET status_changed_at = COALESCE(
    (SELECT MAX(e.at) FROM domain_events e WHERE e.domain_id = domains.id AND e.to_status = domains.status),
    created_at);
ALTER TABLE domains ALTER COLUMN status_changed_at DROP DEFAULT;
CREATE INDEX domains_status_changed_idx ON domains (status, status_changed_at);
CREATE INDEX domains_cert_expires_idx ON domains (cert_expires_at) WHERE cert_expires_at IS NOT NULL;

-- Self setup keeps the zone found when the client's DNS credentials were
-- checked, so that the job creating the CNAME does not look it up again.
-- Empty for credentials kept before: the job then looks the zone up.
ALTER TABLE dns_credentials ADD COLUMN zone_id text NOT NULL DEFAULT '';
ALTER TABLE dns_credentials ADD COLUMN zone_name text NOT NULL DEFAULT '';

-- API keys can expire (set at creation, or a grace period after a
-- rotation) and be revoked; a revoked or expired key no longer
-- authenticates. The row stays, for the list and the audit.
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
ALTER TABLE api_keys ADD COLUMN revoked_at timestamptz;

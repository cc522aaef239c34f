-- Onboarding: where a failed domain resumes, the client's fallback URL,
-- encrypted DNS credentials, and attached Messaging Services.
ALTER TABLE domains ADD COLUMN failed_step text NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN fallback_url text NOT NULL DEFAULT '';

CREATE TABLE dns_credentials (
    domain_id   text PRIMARY KEY REFERENCES domains (id) ON DELETE CASCADE,
    provider    text NOT NULL,
    key_id      text NOT NULL,
    ciphertext  bytea NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE domain_messaging_services (
    messaging_service_sid  text PRIMARY KEY,
    domain_id              text NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    attached_at            timestamptz NOT NULL
);
CREATE INDEX domain_messaging_services_domain_id_idx ON domain_messaging_services (domain_id);

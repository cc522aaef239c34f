-- Onboarding: where a failed domain resumes, the client's fallback URL,
-- encrypted DNS credentials, and attached Messaging Services.
ALTER TABLE domains ADD COLUMN failed_step TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN fallback_url TEXT NOT NULL DEFAULT '';

CREATE TABLE dns_credentials (
    domain_id   TEXT PRIMARY KEY NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    provider    TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    ciphertext  BLOB NOT NULL,
    created_at  DATETIME NOT NULL
);

CREATE TABLE domain_messaging_services (
    messaging_service_sid  TEXT PRIMARY KEY NOT NULL,
    domain_id              TEXT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    attached_at            DATETIME NOT NULL
);
CREATE INDEX domain_messaging_services_domain_id_idx ON domain_messaging_services (domain_id);

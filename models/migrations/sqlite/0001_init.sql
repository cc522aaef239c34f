-- linkgate initial schema (SQLite)
CREATE TABLE clients (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    plan        TEXT NOT NULL DEFAULT 'basic' CHECK (plan IN ('basic', 'premium', 'enterprise')),
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX clients_email_key ON clients (email);

CREATE TABLE users (
    id             TEXT PRIMARY KEY NOT NULL,
    email          TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'client')),
    client_id      TEXT REFERENCES clients (id) ON DELETE CASCADE,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_client_id_idx ON users (client_id);

CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY NOT NULL,
    key_hash      TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'client')),
    client_id     TEXT REFERENCES clients (id) ON DELETE CASCADE,
    name          TEXT NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL,
    last_used_at  DATETIME
);
CREATE UNIQUE INDEX api_keys_key_hash_key ON api_keys (key_hash);
CREATE INDEX api_keys_client_id_idx ON api_keys (client_id);

CREATE TABLE domains (
    id             TEXT PRIMARY KEY NOT NULL,
    client_id      TEXT NOT NULL REFERENCES clients (id) ON DELETE RESTRICT,
    host           TEXT NOT NULL,
    apex           TEXT NOT NULL,
    subdomain      TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    setup_mode     TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    status_reason  TEXT NOT NULL DEFAULT '',
    dns_status     TEXT NOT NULL,
    ssl_status     TEXT NOT NULL,
    cname_target   TEXT NOT NULL,
    cname_ttl      INTEGER NOT NULL,
    domain_sid     TEXT NOT NULL DEFAULT '',
    cert_expires_at DATETIME,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL
);
CREATE UNIQUE INDEX domains_host_key ON domains (host);
CREATE INDEX domains_client_id_id_idx ON domains (client_id, id);
CREATE INDEX domains_status_id_idx ON domains (status, id);

CREATE TABLE domain_events (
    id           TEXT PRIMARY KEY NOT NULL,
    domain_id    TEXT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    from_status  TEXT NOT NULL,
    to_status    TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    actor        TEXT NOT NULL DEFAULT '',
    at           DATETIME NOT NULL
);
CREATE INDEX domain_events_domain_id_id_idx ON domain_events (domain_id, id);

-- linkgate initial schema (PostgreSQL)
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE TABLE clients (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    email       text NOT NULL,
    plan        text NOT NULL DEFAULT 'basic' CHECK (plan IN ('basic', 'premium', 'enterprise')),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX clients_email_key ON clients (email);
CREATE INDEX clients_name_trgm ON clients USING gin (lower(name) public.gin_trgm_ops);
CREATE INDEX clients_email_trgm ON clients USING gin (email public.gin_trgm_ops);

CREATE TABLE users (
    id             text PRIMARY KEY,
    email          text NOT NULL,
    password_hash  text NOT NULL,
    role           text NOT NULL CHECK (role IN ('admin', 'client')),
    client_id      text REFERENCES clients (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_client_id_idx ON users (client_id);

CREATE TABLE api_keys (
    id            text PRIMARY KEY,
    key_hash      text NOT NULL,
    prefix        text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'client')),
    client_id     text REFERENCES clients (id) ON DELETE CASCADE,
    name          text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz
);
CREATE UNIQUE INDEX api_keys_key_hash_key ON api_keys (key_hash);
CREATE INDEX api_keys_client_id_idx ON api_keys (client_id);

CREATE TABLE domains (
    id             text PRIMARY KEY,
    client_id      text NOT NULL REFERENCES clients (id) ON DELETE RESTRICT,
    host           text NOT NULL,
    apex           text NOT NULL,
    subdomain      text NOT NULL,
    purpose        text NOT NULL,
    setup_mode     text NOT NULL DEFAULT '',
    status         text NOT NULL,
    status_reason  text NOT NULL DEFAULT '',
    dns_status     text NOT NULL,
    ssl_status     text NOT NULL,
    cname_target   text NOT NULL,
    cname_ttl      integer NOT NULL,
    domain_sid     text NOT NULL DEFAULT '',
    cert_expires_at timestamptz,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX domains_host_key ON domains (host);
CREATE INDEX domains_client_id_id_idx ON domains (client_id, id);
CREATE INDEX domains_status_id_idx ON domains (status, id);
CREATE INDEX domains_host_trgm ON domains USING gin (host public.gin_trgm_ops);

CREATE TABLE domain_events (
    id           text PRIMARY KEY,
    domain_id    text NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    from_status  text NOT NULL,
    to_status    text NOT NULL,
    reason       text NOT NULL DEFAULT '',
    actor        text NOT NULL DEFAULT '',
    at           timestamptz NOT NULL
);
CREATE INDEX domain_events_domain_id_id_idx ON domain_events (domain_id, id);

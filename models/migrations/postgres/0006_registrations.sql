-- Forward login: single-use registration links e-mailed to clients, and
-- console/registration sessions.
CREATE TABLE registrations (
    id                text PRIMARY KEY,
    domain_id         text NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    email             text NOT NULL,
    token_hash        text NOT NULL,
    status            text NOT NULL,
    user_id           text REFERENCES users (id) ON DELETE SET NULL,
    expires_at        timestamptz NOT NULL,
    reminders_sent    integer NOT NULL DEFAULT 0,
    last_reminder_at  timestamptz,
    opened_at         timestamptz,
    completed_at      timestamptz,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE UNIQUE INDEX registrations_token_hash_key ON registrations (token_hash);
CREATE INDEX registrations_domain_id_idx ON registrations (domain_id, id);
CREATE INDEX registrations_user_id_idx ON registrations (user_id);
CREATE INDEX registrations_status_expires_idx ON registrations (status, expires_at);

CREATE TABLE sessions (
    id_hash     text PRIMARY KEY,
    user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token  text NOT NULL,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

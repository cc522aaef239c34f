-- Forward login: single-use registration links e-mailed to clients, and
-- console/registration sessions.
CREATE TABLE registrations (
    id                TEXT PRIMARY KEY NOT NULL,
    domain_id         TEXT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    email             TEXT NOT NULL,
    token_hash        TEXT NOT NULL,
    status            TEXT NOT NULL,
    user_id           TEXT REFERENCES users (id) ON DELETE SET NULL,
    expires_at        DATETIME NOT NULL,
    reminders_sent    INTEGER NOT NULL DEFAULT 0,
    last_reminder_at  DATETIME,
    opened_at         DATETIME,
    completed_at      DATETIME,
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL
);
CREATE UNIQUE INDEX registrations_token_hash_key ON registrations (token_hash);
CREATE INDEX registrations_domain_id_idx ON registrations (domain_id, id);
CREATE INDEX registrations_user_id_idx ON registrations (user_id);
CREATE INDEX registrations_status_expires_idx ON registrations (status, expires_at);

CREATE TABLE sessions (
    id_hash     TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    expires_at  DATETIME NOT NULL,
    created_at  DATETIME NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

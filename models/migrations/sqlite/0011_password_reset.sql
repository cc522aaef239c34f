-- Console password resets: single-use links e-mailed to a user who forgot
-- their password. Only the SHA-256 of the token is kept.
CREATE TABLE password_resets (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL,
    expires_at  DATETIME NOT NULL,
    used_at     DATETIME,
    revoked_at  DATETIME,
    created_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX password_resets_token_hash_key ON password_resets (token_hash);
CREATE INDEX password_resets_user_id_idx ON password_resets (user_id);
CREATE INDEX password_resets_expires_at_idx ON password_resets (expires_at);

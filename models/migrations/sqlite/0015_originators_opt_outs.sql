-- Originators (who a client's SMS is from: a mobile number in E.164, a
-- short code or an alphanumeric sender id) and opt-outs (numbers that
-- replied STOP to one of a client's senders; never messaged again by
-- that client until they reply START).
CREATE TABLE originators (
    id          TEXT PRIMARY KEY NOT NULL,
    client_id   TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    type        TEXT NOT NULL,
    value       TEXT NOT NULL,
    created_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX originators_value_key ON originators (client_id, type, value);
CREATE INDEX originators_value_idx ON originators (value);

CREATE TABLE opt_outs (
    client_id   TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    phone       TEXT NOT NULL,
    created_at  DATETIME NOT NULL,
    PRIMARY KEY (client_id, phone)
);

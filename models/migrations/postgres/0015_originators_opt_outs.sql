-- Originators (who a client's SMS is from: a mobile number in E.164, a
-- short code or an alphanumeric sender id) and opt-outs (numbers that
-- replied STOP to one of a client's senders; never messaged again by
-- that client until they reply START).
CREATE TABLE originators (
    id          text PRIMARY KEY,
    client_id   text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    type        text NOT NULL,
    value       text NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX originators_value_key ON originators (client_id, type, value);
CREATE INDEX originators_value_idx ON originators (value);

CREATE TABLE opt_outs (
    client_id   text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    phone       text NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (client_id, phone)
);

-- State of the built-in fakes in sandbox mode, so a restart finds the same
-- zones, records, Twilio domains and outbox.
CREATE TABLE sandbox_states (
    name        TEXT PRIMARY KEY NOT NULL,
    data        BLOB NOT NULL,
    updated_at  DATETIME NOT NULL
);

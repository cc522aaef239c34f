-- State of the built-in fakes in sandbox mode, so a restart finds the same
-- zones, records, Twilio domains and outbox.
CREATE TABLE sandbox_states (
    name        text PRIMARY KEY,
    data        bytea NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- E-mail notifications (issue 17): one row per event a client (and the
-- admins of LINKGATE_NOTIFY_ADMINS) was told about, so that each event is
-- mailed once: a domain that failed (its failure's timeline event), a
-- certificate that expires within 14 days (the domain and the expiry), a
-- registration link that expired unused (the registration). No foreign
-- keys: the record outlives what it was about.
CREATE TABLE notifications (
    id           TEXT PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL,
    subject_key  TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    domain_id    TEXT NOT NULL,
    created_at   DATETIME NOT NULL
);
CREATE UNIQUE INDEX notifications_kind_subject_key ON notifications (kind, subject_key);

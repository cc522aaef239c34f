-- Pools (issue 14): named, ordered sets of one client's domains, used in
-- rotation order. A domain may be in several pools of its client.
CREATE TABLE pools (
    id          TEXT PRIMARY KEY NOT NULL,
    client_id   TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX pools_name_key ON pools (client_id, name);
CREATE INDEX pools_client_id_id_idx ON pools (client_id, id);

CREATE TABLE pool_domains (
    pool_id    TEXT NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    domain_id  TEXT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (pool_id, domain_id)
);
CREATE INDEX pool_domains_domain_id_idx ON pool_domains (domain_id);

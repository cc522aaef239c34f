-- Pools (issue 14): named, ordered sets of one client's domains, used in
-- rotation order. A domain may be in several pools of its client.
CREATE TABLE pools (
    id          text PRIMARY KEY,
    client_id   text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX pools_name_key ON pools (client_id, name);
CREATE INDEX pools_client_id_id_idx ON pools (client_id, id);

CREATE TABLE pool_domains (
    pool_id    text NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    domain_id  text NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    position   integer NOT NULL,
    PRIMARY KEY (pool_id, domain_id)
);
CREATE INDEX pool_domains_domain_id_idx ON pool_domains (domain_id);

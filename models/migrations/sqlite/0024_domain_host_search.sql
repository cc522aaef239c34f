-- Host search through an index (issue 18): ?q= matched host LIKE '%q%'
-- row by row. An FTS5 trigram index answers LIKE '%q%' (q of three
-- characters or more) from the index. domain_hosts gives every domain a
-- stable integer rowid (domains has a text key, and the implicit rowid of
-- such a table may change on VACUUM), and domain_hosts_fts indexes its
-- host as external content. Triggers keep both in step with domains.
CREATE TABLE domain_hosts (
    rowid      INTEGER PRIMARY KEY,
    domain_id  TEXT NOT NULL UNIQUE,
    host       TEXT NOT NULL
);
CREATE VIRTUAL TABLE domain_hosts_fts USING fts5 (
    host, content = 'domain_hosts', content_rowid = 'rowid', tokenize = 'trigram'
);
-- Merge the index's segments early (2 per level rather than 4): domains are
-- written seldom and searched often, and a query reads every segment.
INSERT INTO domain_hosts_fts (domain_hosts_fts, rank) VALUES ('automerge', 2);

CREATE TRIGGER domain_hosts_fts_insert AFTER INSERT ON domain_hosts BEGIN
    INSERT INTO domain_hosts_fts (rowid, host) VALUES (new.rowid, new.host);
END;
CREATE TRIGGER domain_hosts_fts_delete AFTER DELETE ON domain_hosts BEGIN
    INSERT INTO domain_hosts_fts (domain_hosts_fts, rowid, host) VALUES ('delete', old.rowid, old.host);
END;
CREATE TRIGGER domain_hosts_fts_update AFTER UPDATE OF host ON domain_hosts BEGIN
    INSERT INTO domain_hosts_fts (domain_hosts_fts, rowid, host) VALUES ('delete', old.rowid, old.host);
    INSERT INTO domain_hosts_fts (rowid, host) VALUES (new.rowid, new.host);
END;

CREATE TRIGGER domains_host_insert AFTER INSERT ON domains BEGIN
    INSERT INTO domain_hosts (domain_id, host) VALUES (new.id, new.host);
END;
CREATE TRIGGER domains_host_delete AFTER DELETE ON domains BEGIN
    DELETE FROM domain_hosts WHERE domain_id = old.id;
END;
CREATE TRIGGER domains_host_update AFTER UPDATE OF id, host ON domains BEGIN
    UPDATE domain_hosts SET domain_id = new.id, host = new.host WHERE domain_id = old.id;
END;

INSERT INTO domain_hosts (domain_id, host) SELECT id, host FROM domains ORDER BY id;
INSERT INTO domain_hosts_fts (domain_hosts_fts) VALUES ('optimize');

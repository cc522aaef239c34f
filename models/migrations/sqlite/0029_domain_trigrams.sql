-- Host search through trigram postings (issue 18), in place of the FTS5
-- index of 0024 and the walk of 0028. domain_trigrams holds, for every
-- three-character substring of a host, the domains whose host has it, in
-- id order under the substring: a search walks the postings of its
-- rarest trigram (domain_trigram_counts) from the newest domain, skips
-- those of another status (each posting carries its domain's), tests
-- each host for the whole word, and stops when the page is full. A common
-- word fills its page within a few dozen postings, a rare one has few.
-- The FTS5 phrase query read every matching host's five-odd trigram
-- position lists, however few the page needed, and in an order unrelated
-- to the domains' ids.
DROP TRIGGER IF EXISTS domains_host_insert;
DROP TRIGGER IF EXISTS domains_host_delete;
DROP TRIGGER IF EXISTS domains_host_update;
DROP TRIGGER IF EXISTS domain_hosts_fts_insert;
DROP TRIGGER IF EXISTS domain_hosts_fts_delete;
DROP TRIGGER IF EXISTS domain_hosts_fts_update;
DROP TABLE IF EXISTS domain_hosts_fts;
DROP TABLE IF EXISTS domain_hosts;
-- The walk's covering indexes: no statement reads them now.
DROP INDEX IF EXISTS domains_status_id_host_idx;
DROP INDEX IF EXISTS domains_id_host_idx;

-- The positions a trigram of a host can start at (a host has at most 253
-- characters): triggers cannot use a recursive WITH.
CREATE TABLE search_positions (pos INTEGER PRIMARY KEY);
INSERT INTO search_positions (pos)
    SELECT a.d + 10 * b.d + 100 * c.d + 1
    FROM (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
          UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) a,
         (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
          UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) b,
         (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2) c
    WHERE a.d + 10 * b.d + 100 * c.d + 1 <= 253;

CREATE TABLE domain_trigrams (
    tri            TEXT NOT NULL,
    domain_id      TEXT NOT NULL,
    domain_status  TEXT NOT NULL,
    PRIMARY KEY (tri, domain_id)
) WITHOUT ROWID;

-- How many domains hold each trigram (0 once none does).
CREATE TABLE domain_trigram_counts (
    tri  TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER domains_trigrams_insert AFTER INSERT ON domains BEGIN
    INSERT OR IGNORE INTO domain_trigrams (tri, domain_id, domain_status)
        SELECT substr(new.host, pos, 3), new.id, new.status FROM search_positions WHERE pos <= length(new.host) - 2;
    INSERT INTO domain_trigram_counts (tri, n)
        SELECT DISTINCT substr(new.host, pos, 3), 1 FROM search_positions WHERE pos <= length(new.host) - 2
        ON CONFLICT (tri) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER domains_trigrams_delete AFTER DELETE ON domains BEGIN
    DELETE FROM domain_trigrams WHERE domain_id = old.id
        AND tri IN (SELECT substr(old.host, pos, 3) FROM search_positions WHERE pos <= length(old.host) - 2);
    UPDATE domain_trigram_counts SET n = n - 1
        WHERE tri IN (SELECT substr(old.host, pos, 3) FROM search_positions WHERE pos <= length(old.host) - 2);
END;

CREATE TRIGGER domains_trigrams_update AFTER UPDATE OF id, host ON domains
    WHEN old.id IS NOT new.id OR old.host IS NOT new.host BEGIN
    DELETE FROM domain_trigrams WHERE domain_id = old.id
        AND tri IN (SELECT substr(old.host, pos, 3) FROM search_positions WHERE pos <= length(old.host) - 2);
    UPDATE domain_trigram_counts SET n = n - 1
        WHERE tri IN (SELECT substr(old.host, pos, 3) FROM search_positions WHERE pos <= length(old.host) - 2);
    INSERT OR IGNORE INTO domain_trigrams (tri, domain_id, domain_status)
        SELECT substr(new.host, pos, 3), new.id, new.status FROM search_positions WHERE pos <= length(new.host) - 2;
    INSERT INTO domain_trigram_counts (tri, n)
        SELECT DISTINCT substr(new.host, pos, 3), 1 FROM search_positions WHERE pos <= length(new.host) - 2
        ON CONFLICT (tri) DO UPDATE SET n = n + 1;
END;

-- A status change: whichever of this and the trigger above runs first,
-- the postings end with the new status.
CREATE TRIGGER domains_trigrams_status AFTER UPDATE OF status ON domains
    WHEN old.status IS NOT new.status BEGIN
    UPDATE domain_trigrams SET domain_status = new.status WHERE domain_id = new.id
        AND tri IN (SELECT substr(new.host, pos, 3) FROM search_positions WHERE pos <= length(new.host) - 2);
END;

INSERT OR IGNORE INTO domain_trigrams (tri, domain_id, domain_status)
    SELECT substr(d.host, p.pos, 3), d.id, d.status FROM domains d JOIN search_positions p ON p.pos <= length(d.host) - 2;
INSERT INTO domain_trigram_counts (tri, n)
    SELECT tri, count(*) FROM domain_trigrams GROUP BY tri;

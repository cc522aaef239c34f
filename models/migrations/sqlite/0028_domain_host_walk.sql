-- A common word's search page without the trigram index (issue 18): the
-- newest domains in the filter are walked in id order and their host
-- tested, until the page is full, from these indexes alone (no row of
-- domains read but the page's). A word in 1 % of the hosts fills a page
-- within a few thousand entries; the FTS5 index (0024) reads every
-- matching host's trigrams first, and stays for rare words.
CREATE INDEX domains_status_id_host_idx ON domains (status, id, host);
CREATE INDEX domains_id_host_idx ON domains (id, host);

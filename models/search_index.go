package models

import (
	"context"
)

// searchMergeStep is how many leaf pages of the host search index one
// merge step writes at most (milliseconds: the step holds SQLite's
// connection, and other work goes between steps).
const searchMergeStep = 256

// MergeSearchIndex merges the segments of the host search index (SQLite's
// FTS5 trigram index, migration 0024) into one, one short step of at
// most searchMergeStep pages at a time, until nothing is left to merge or
// steps steps have run; it reports whether work is left. A search reads
// every segment of the index: after many domains were added (a bulk add,
// a migration) a merged index answers several times faster
// (BenchmarkDomainSearchSQLite). Automerge keeps the segments few as
// domains are written; this finishes the job (an incremental 'optimize':
// FTS5's 'merge' with a negative page count). On PostgreSQL, whose
// pg_trgm index needs no such care, it does nothing.
func (s *Store) MergeSearchIndex(ctx context.Context, steps int) (more bool, err error) {
	if s.db.Dialect != SQLite {
		return false, nil
	}
	for range steps {
		n, err := s.mergeSearchStep(ctx)
		if err != nil {
			return false, internal("merge the search index", err)
		}
		// FTS5: a merge that did no work changes fewer than 2 rows.
		if n < 2 {
			return false, nil
		}
	}
	return true, nil
}

// mergeSearchStep runs one merge step and returns how many rows it
// changed (total_changes counts per connection: all three statements run
// on one).
func (s *Store) mergeSearchStep(ctx context.Context) (int64, error) {
	conn, err := s.db.SQL.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var before, after int64
	if err := conn.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&before); err != nil {
		return 0, err
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO domain_hosts_fts (domain_hosts_fts, rank) VALUES ('merge', ?)`, -searchMergeStep); err != nil {
		return 0, err
	}
	if err := conn.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&after); err != nil {
		return 0, err
	}
	return after - before, nil
}

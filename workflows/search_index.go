package workflows

// Search index upkeep (issue 18): on SQLite a periodic job merges the
// host search index's segments (models.Store.MergeSearchIndex), so a
// domain search after a bulk add reads one segment rather than dozens.

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

const kindSearchIndexMerge = "search_index_merge"

// searchIndexInterval is how often the merge pass runs on SQLite.
const searchIndexInterval = 10 * time.Minute

// searchIndexSteps bounds one pass (each step at most a few hundred
// pages); what is left waits for the next pass.
const searchIndexSteps = 1000

// SearchIndexArgs runs one merge pass of the host search index (a
// periodic job, SQLite only).
type SearchIndexArgs struct{}

// Kind implements river.JobArgs.
func (SearchIndexArgs) Kind() string { return kindSearchIndexMerge }

type searchIndexWorker struct {
	river.WorkerDefaults[SearchIndexArgs]
	e *Engine
}

func (w *searchIndexWorker) Work(ctx context.Context, _ *river.Job[SearchIndexArgs]) error {
	more, err := w.e.store.MergeSearchIndex(ctx, searchIndexSteps)
	if more {
		w.e.log.InfoContext(ctx, "search index merge continues at the next pass")
	}
	return err
}

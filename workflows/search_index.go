package workflows

// A retired job: until migration 0029, SQLite's host search index was an
// FTS5 index whose segments a periodic job merged (search_index_merge).
// The trigram postings that replaced it need no upkeep. The worker stays,
// doing nothing, so that a job queued before an upgrade completes rather
// than failing as a job of an unknown kind.

import (
	"context"

	"github.com/riverqueue/river"
)

const kindSearchIndexMerge = "search_index_merge"

// SearchIndexArgs is the retired merge job's (it does nothing).
type SearchIndexArgs struct{}

// Kind implements river.JobArgs.
func (SearchIndexArgs) Kind() string { return kindSearchIndexMerge }

type searchIndexWorker struct {
	river.WorkerDefaults[SearchIndexArgs]
}

func (searchIndexWorker) Work(context.Context, *river.Job[SearchIndexArgs]) error { return nil }

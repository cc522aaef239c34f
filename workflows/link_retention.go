package workflows

// Link retention (API.md "Tracked links"): tracked links and their clicks
// are kept LinkRetention (LINKGATE_LINK_RETENTION, default 400 days),
// then a periodic job deletes them in batches, so no statement holds the
// tables long. An expired link's ref is unknown from then on: the
// redirector sends it to the client's fallback URL.

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

const kindLinkRetention = "link_retention"

// DefaultLinkRetention is how long tracked links and clicks are kept.
const DefaultLinkRetention = 400 * 24 * time.Hour

// linkRetentionBatch is how many rows of each table one statement deletes.
const linkRetentionBatch = 5000

// LinkRetentionArgs runs one retention pass (a periodic job).
type LinkRetentionArgs struct{}

// Kind implements river.JobArgs.
func (LinkRetentionArgs) Kind() string { return kindLinkRetention }

// DeleteExpiredLinks deletes the tracked links and clicks older than the
// retention, batch by batch, and returns how many rows went.
func (e *Engine) DeleteExpiredLinks(ctx context.Context) (int64, error) {
	keep := e.cfg.LinkRetention
	if keep <= 0 {
		keep = DefaultLinkRetention
	}
	cutoff := e.store.Now().Add(-keep)
	var total int64
	for {
		n, err := e.store.DeleteExpiredLinks(ctx, cutoff, linkRetentionBatch)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

type linkRetentionWorker struct {
	river.WorkerDefaults[LinkRetentionArgs]
	e *Engine
}

func (w *linkRetentionWorker) Work(ctx context.Context, _ *river.Job[LinkRetentionArgs]) error {
	n, err := w.e.DeleteExpiredLinks(ctx)
	if n > 0 {
		w.e.log.InfoContext(ctx, "expired tracked links deleted", "rows", n)
	}
	return err
}

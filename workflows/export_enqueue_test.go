package workflows

import (
	"context"

	"github.com/riverqueue/river"
)

// EnqueueTx enqueues jobs (no options, as the webhook notices are) in a
// transaction of its own, committed, the way every insert in a caller's
// transaction goes.
func (e *Engine) EnqueueTx(ctx context.Context, jobs ...river.JobArgs) error {
	tx, err := e.store.DB().SQL.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		params[i] = river.InsertManyParams{Args: j}
	}
	if err := e.enqueue(ctx, tx, params...); err != nil {
		return err
	}
	return tx.Commit()
}

// Enqueue enqueues jobs (one pending per step) with no transaction of the
// caller's, the way the sweeps' fan-out does.
func (e *Engine) Enqueue(ctx context.Context, jobs ...river.JobArgs) error {
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		params[i] = river.InsertManyParams{Args: j, InsertOpts: &river.InsertOpts{UniqueOpts: uniqueStep}}
	}
	return e.enqueue(ctx, nil, params...)
}

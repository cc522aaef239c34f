package workflows

import "context"

// WorkerLockSpace is workerLockSpace, for tests that play another worker.
const WorkerLockSpace = workerLockSpace

// ResumeOrphans runs one look for orphaned steps.
func (e *Engine) ResumeOrphans(ctx context.Context) (int, error) { return e.resumeOrphans(ctx) }

// ListeningForInserts reports whether River's listener (PostgreSQL) is
// listening for insert notifications.
func (e *Engine) ListeningForInserts() bool {
	d, ok := e.driver.(*listeningDriver)
	return ok && d.listening("river_insert")
}

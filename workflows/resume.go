package workflows

// Resuming the steps a crash orphaned.
//
// A River job in state running belongs to the client that fetched it last
// (the last entry of its attempted_by). When that process dies (kill -9,
// OOM, a lost machine) the row stays running; River's own rescuer would
// only pick it up after RescueStuckJobsAfter (minutes, since a step's
// provider calls may legitimately take that long). linkgate knows sooner:
//
//   - SQLite is one process by design: at Start every running job is
//     orphaned and is made available again.
//   - On PostgreSQL every engine holds a session advisory lock named after
//     its River client ID, on a connection of its own, for as long as it
//     runs. PostgreSQL drops the lock with the connection when the process
//     dies. At Start and then every Intervals.Resume each engine looks at
//     the running jobs of other clients and, in one transaction that holds
//     that client's lock (so it cannot be alive), makes them available.
//
// Either way the domain's status_reason and timeline say the step is
// resuming. A resumed step runs again from the start; every step looks
// before it acts (the CNAME, the certificate request, the configuration),
// so running one twice does no harm. River's rescuer stays as the fallback
// for a client whose lock could not be checked.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
)

// workerLockSpace is the first key of the workers' advisory locks
// (pg_advisory_lock(int, int)); the second is hashtext(client ID). Locks
// with one bigint key (models' resource locks) live in another space.
const workerLockSpace = 0x6c67

// orphan is a job made available again after its worker died.
type orphan struct {
	kind string
	args []byte
}

// holdIdentity takes this engine's worker lock on a connection of its own
// (PostgreSQL only). The connection leaves the pool for the engine's life.
func (e *Engine) holdIdentity(ctx context.Context) error {
	conn, err := e.store.DB().SQL.Conn(ctx)
	if err != nil {
		return fmt.Errorf("workflows: worker lock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1, hashtext($2))`, workerLockSpace, e.client.ID()); err != nil {
		_ = conn.Close()
		return fmt.Errorf("workflows: worker lock: %w", err)
	}
	e.identity = conn
	return nil
}

// keepIdentity re-takes the worker lock when its connection broke (the
// database restarted): until then other engines may resume this one's
// running steps, which is safe because steps look before they act.
func (e *Engine) keepIdentity(ctx context.Context) {
	if e.identity != nil && e.identity.PingContext(ctx) == nil {
		return
	}
	if e.identity != nil {
		_ = e.identity.Close() // broken: database/sql discards it
		e.identity = nil
	}
	if err := e.holdIdentity(ctx); err != nil && ctx.Err() == nil {
		e.log.Error("worker lock lost", slog.String("error", err.Error()))
	}
}

// releaseIdentity gives the worker lock back before its connection
// returns to the pool (a session lock outlives Close otherwise).
func (e *Engine) releaseIdentity() {
	if e.identity == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = e.identity.ExecContext(ctx, `SELECT pg_advisory_unlock($1, hashtext($2))`, workerLockSpace, e.client.ID())
	_ = e.identity.Close()
	e.identity = nil
}

// resumeOrphans makes the jobs of dead workers available again and notes
// it on their domains. It reports how many it resumed.
func (e *Engine) resumeOrphans(ctx context.Context) (int, error) {
	db := e.store.DB()
	var owners []string
	if db.Dialect == models.Postgres {
		rows, err := db.SQL.QueryContext(ctx, `SELECT DISTINCT attempted_by[array_length(attempted_by, 1)]
			FROM river_job WHERE state = 'running' AND attempted_by IS NOT NULL`)
		if err != nil {
			return 0, fmt.Errorf("workflows: running jobs: %w", err)
		}
		for rows.Next() {
			var o sql.NullString
			if err := rows.Scan(&o); err != nil {
				_ = rows.Close()
				return 0, fmt.Errorf("workflows: running jobs: %w", err)
			}
			if o.Valid && o.String != e.client.ID() {
				owners = append(owners, o.String)
			}
		}
		if err := rows.Close(); err != nil {
			return 0, fmt.Errorf("workflows: running jobs: %w", err)
		}
	} else {
		owners = []string{""} // one process: every running job is orphaned
	}
	total := 0
	for _, owner := range owners {
		var resumed []orphan
		err := e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sql.Tx) error {
			var rows *sql.Rows
			var err error
			if db.Dialect == models.Postgres {
				var dead bool
				if err := sqlTx.QueryRowContext(ctx, `SELECT pg_try_advisory_xact_lock($1, hashtext($2))`, workerLockSpace, owner).Scan(&dead); err != nil {
					return err
				}
				if !dead {
					return nil
				}
				rows, err = sqlTx.QueryContext(ctx, `UPDATE river_job SET state = 'available', scheduled_at = now()
					WHERE state = 'running' AND attempted_by[array_length(attempted_by, 1)] = $1 RETURNING kind, args`, owner)
			} else {
				rows, err = sqlTx.QueryContext(ctx, `UPDATE river_job SET state = 'available', scheduled_at = CURRENT_TIMESTAMP
					WHERE state = 'running' RETURNING kind, args`)
			}
			if err != nil {
				return err
			}
			for rows.Next() {
				var o orphan
				if err := rows.Scan(&o.kind, &o.args); err != nil {
					_ = rows.Close()
					return err
				}
				resumed = append(resumed, o)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			for _, o := range resumed {
				if err := e.noteResumingTx(tx, o); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("workflows: resume jobs: %w", err)
		}
		for _, o := range resumed {
			e.log.Warn("resuming a step its worker left running", slog.String("kind", o.kind), slog.String("worker", owner))
		}
		total += len(resumed)
	}
	return total, nil
}

// noteResumingTx says on the job's domain (onboarding steps carry one)
// that the step is resuming.
func (e *Engine) noteResumingTx(tx *gorm.DB, o orphan) error {
	var a struct {
		DomainID string `json:"domain_id"`
	}
	if json.Unmarshal(o.args, &a) != nil || a.DomainID == "" {
		return nil
	}
	d, err := e.store.DomainByID(tx.Statement.Context, tx, a.DomainID)
	if err != nil {
		return nil // deleted since: nothing to say
	}
	reason := fmt.Sprintf("resuming %s: linkgate stopped while it ran", strings.ReplaceAll(strings.TrimPrefix(o.kind, "onboarding_"), "_", " "))
	return e.store.ApplyTx(tx, d, models.Change{Reason: reason, Actor: actorWorkflow, StatusReason: &reason})
}

// resumeLoop looks for orphaned steps every Intervals.Resume until ctx
// ends (PostgreSQL: other processes may die at any time).
func (e *Engine) resumeLoop(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(e.cfg.Intervals.Resume)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		e.keepIdentity(ctx)
		if _, err := e.resumeOrphans(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("resume orphaned steps", slog.String("error", err.Error()))
		}
	}
}

package workflows_test

import (
	"context"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/workflows"
)

// configureSelf starts the self setup of domain id (its ensure_cname step
// is enqueued; the workers may not be running).
func configureSelf(t *testing.T, b *regBundle, id, apex string) {
	t.Helper()
	_, token := b.cf.AddZone(apex)
	if _, err := b.engine.Configure(context.Background(), models.Scope{}, id, workflows.ConfigureInput{
		Mode: models.SetupSelf, Provider: "cloudflare", Credentials: map[string]string{"api_token": token},
	}, "test"); err != nil {
		t.Fatal(err)
	}
}

// orphanStep marks the domain's ensure_cname job as running on worker,
// as a worker that fetched it and then died would leave it.
func orphanStep(t *testing.T, db *models.DB, domainID, worker string) {
	t.Helper()
	q := `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now(), attempted_by = ARRAY[$1]
		WHERE kind = 'onboarding_ensure_cname' AND args->>'domain_id' = $2`
	args := []any{worker, domainID}
	if db.Dialect == models.SQLite {
		q = `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = CURRENT_TIMESTAMP, attempted_by = json_array(?)
			WHERE kind = 'onboarding_ensure_cname'`
		args = args[:1]
	}
	res, err := db.SQL.ExecContext(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("orphaned %d jobs, want 1", n)
	}
}

func jobState(t *testing.T, db *models.DB, domainID string) string {
	t.Helper()
	var state string
	if err := db.SQL.QueryRowContext(context.Background(),
		`SELECT state FROM river_job WHERE kind = 'onboarding_ensure_cname' AND args->>'domain_id' = $1`, domainID).Scan(&state); err != nil {
		t.Fatal(err)
	}
	return state
}

func assertResumedOnTimeline(t *testing.T, b *regBundle, domainID string) {
	t.Helper()
	evs, err := b.store.DomainEvents(context.Background(), models.Scope{}, domainID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if strings.Contains(e.Reason, "resuming ensure cname") {
			return
		}
	}
	t.Errorf("no timeline entry says the step is resuming: %+v", evs)
}

// A step left running by a worker that died (kill -9) is run again as
// soon as a worker starts, not after River's rescue delay (5 minutes),
// and the timeline says it resumed (issue 13, recovery).
func TestOrphanedStepResumesAtStart(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		t.Parallel()
		b := newBundle(t, db, nil)
		configureSelf(t, b, b.domain.ID, "acme.com")
		orphanStep(t, db, b.domain.ID, "worker-that-died")
		b.start(t)
		b.waitStatus(t, models.StatusAwaitingDomainSID)
		assertResumedOnTimeline(t, b, b.domain.ID)
	})
}

// On PostgreSQL several processes share the jobs: a running engine resumes
// the steps of a worker whose lock is gone, and leaves alone those of a
// worker that still holds its lock, whatever their age.
func TestOrphanedStepResumesOnlyWhenItsWorkerIsGone(t *testing.T) {
	t.Parallel()
	db := dbtest.Postgres(t)
	ctx := context.Background()
	b := newBundle(t, db, nil)
	configureSelf(t, b, b.domain.ID, "acme.com")

	// A live worker on another connection, as another process would be.
	live, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = live.Close() }()
	var pid int
	if err := live.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := live.ExecContext(ctx, `SELECT pg_advisory_lock($1, hashtext($2))`, workflows.WorkerLockSpace, "worker-alive"); err != nil {
		t.Fatal(err)
	}
	orphanStep(t, db, b.domain.ID, "worker-alive")
	b.start(t)

	// Resume runs at start and every second (sandbox intervals): after
	// three looks the live worker's step is still its own.
	for range 3 {
		if _, err := b.engine.ResumeOrphans(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if s := jobState(t, db, b.domain.ID); s != "running" {
		t.Fatalf("a live worker's step was taken from it: %s", s)
	}

	// The worker dies: its connection ends and the lock goes with it.
	if _, err := db.SQL.ExecContext(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	b.waitStatus(t, models.StatusAwaitingDomainSID)
	assertResumedOnTimeline(t, b, b.domain.ID)
}

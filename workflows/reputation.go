package workflows

// Reputation: a domain flagged as malicious by a reputation source
// (Config.Reputation: DNS blocklists in production, the sandbox's fake)
// is refused when it is added (422 domain_flagged) and, when it is live,
// moved to under_review by the daily check, with the source named in its
// status_reason; an admin then decides (clear or decline).

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers"
)

const (
	jobReputation       = "reputation_check"
	jobReputationDomain = "reputation_check_domain"
	actorReputation     = "reputation"
)

// ScreenHost asks the reputation sources about a host about to be added:
// a listing refuses it with 422 domain_flagged naming the source. A
// source that cannot answer does not stop the add (it is logged; the
// daily check asks again). With no sources configured every host passes.
func (e *Engine) ScreenHost(ctx context.Context, host string) error {
	if e.cfg.Reputation == nil {
		return nil
	}
	v, err := e.cfg.Reputation.Check(ctx, host)
	if err != nil {
		e.log.WarnContext(ctx, "reputation check failed; the domain is added and checked again daily", "host", host, "error", err.Error())
		return nil
	}
	if !v.Listed {
		return nil
	}
	return models.Invalid("domain_flagged", "domain", fmt.Sprintf("%s is flagged as malicious: %s", host, v))
}

// ReputationArgs: the daily job that enqueues one ReputationDomainArgs per
// live domain.
type ReputationArgs struct{}

// Kind implements river.JobArgs.
func (ReputationArgs) Kind() string { return jobReputation }

// ReputationDomainArgs: check one domain's reputation.
type ReputationDomainArgs struct {
	DomainID string `json:"domain_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (ReputationDomainArgs) Kind() string { return jobReputationDomain }

type reputationWorker struct {
	river.WorkerDefaults[ReputationArgs]
	e *Engine
}

func (w *reputationWorker) Work(ctx context.Context, _ *river.Job[ReputationArgs]) error {
	return w.e.fanOut(ctx, models.Screened, func(id string) river.JobArgs { return ReputationDomainArgs{DomainID: id} })
}

type reputationDomainWorker struct {
	river.WorkerDefaults[ReputationDomainArgs]
	e *Engine
}

func (w *reputationDomainWorker) Work(ctx context.Context, job *river.Job[ReputationDomainArgs]) error {
	_, err := w.e.CheckReputation(ctx, job.Args.DomainID)
	return w.e.endJob(ctx, "reputation check failed", job.Args.DomainID, err)
}

// CheckReputation asks the reputation sources about one live domain and,
// when it is listed, moves it to under_review with the source named. It
// reports whether the domain was flagged.
func (e *Engine) CheckReputation(ctx context.Context, domainID string) (bool, error) {
	if e.cfg.Reputation == nil {
		return false, nil
	}
	d, err := e.store.DomainByID(ctx, nil, domainID)
	if errors.Is(err, models.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !models.Screened.Has(d.Status) {
		return false, nil
	}
	v, err := e.cfg.Reputation.Check(ctx, d.Host)
	if err != nil {
		return false, err
	}
	if !v.Listed {
		return false, nil
	}
	reason := "flagged as malicious: " + v.String()
	err = e.store.Tx(ctx, func(tx *gorm.DB, _ *sqlTxAlias) error {
		cur, err := e.store.DomainByID(ctx, tx, domainID)
		if err != nil {
			return err
		}
		if !models.Screened.Has(cur.Status) {
			return nil
		}
		return e.store.ApplyTx(tx, cur, models.Change{To: models.StatusUnderReview, Reason: reason, Actor: actorReputation,
			StatusReason: &reason, EventData: map[string]any{"source": v.Source}})
	})
	return err == nil, err
}

// fanOut enqueues one job per domain whose status is in set, a page at a
// time (one pending job per domain: a run that has not finished is not
// queued twice).
func (e *Engine) fanOut(ctx context.Context, set models.StatusSet, job func(id string) river.JobArgs) error {
	return e.eachDomainPage(ctx, set, func(ids []string) error {
		params := make([]river.InsertManyParams, len(ids))
		for i, id := range ids {
			params[i] = river.InsertManyParams{Args: job(id), InsertOpts: &river.InsertOpts{UniqueOpts: uniqueStep}}
		}
		return e.enqueue(ctx, nil, params...)
	})
}

// eachDomainPage hands fn the ids of the domains whose status is in set,
// a page of reconcilePage at a time in id order, until fn fails or the
// domains run out.
func (e *Engine) eachDomainPage(ctx context.Context, set models.StatusSet, fn func(ids []string) error) error {
	after := ""
	for {
		ids, err := e.store.DomainIDsIn(ctx, set, after, reconcilePage)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			if err := fn(ids); err != nil {
				return err
			}
		}
		if len(ids) < reconcilePage {
			return nil
		}
		after = ids[len(ids)-1]
	}
}

// endJob is how a fan-out job's error ends it: transient provider errors
// and conflicts (the domain changed meanwhile) are retried by River; any
// other error is logged and cancels the job, since the next periodic run
// checks the domain again.
func (e *Engine) endJob(ctx context.Context, what, domainID string, err error) error {
	if err != nil && !providers.IsTransient(err) && !errors.Is(err, models.ErrConflict) {
		e.log.WarnContext(ctx, what, "domain_id", domainID, "error", err.Error())
		return river.JobCancel(err)
	}
	return err
}

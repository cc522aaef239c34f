package workflows

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
)

// RestoreDomain brings a domain back (API.md "Domain management"):
// archived → the status it was archived from, reached_limit → configured
// once the client's limit allows (models.PlanRestore decides). A
// configured domain whose certificate expired while archived goes back
// through the certificate step, and a domain archived in the middle of
// onboarding resumes its step: the move and the job are one transaction.
func (e *Engine) RestoreDomain(ctx context.Context, sc models.Scope, domainID, actor string) (*models.Domain, error) {
	p, err := e.store.PlanRestore(ctx, sc, domainID)
	if err != nil {
		return nil, err
	}
	d := p.Domain
	c := models.Change{To: p.To, Reason: "restored", Actor: actor}
	var next river.JobArgs
	switch {
	case p.RenewCert:
		c.Reason = "restored; the certificate expired while archived: requesting a new one"
		c.SSLStatus = models.SSLExpiring
		next = RequestCertArgs{DomainID: d.ID}
	case d.Status == models.StatusArchived:
		next = e.resumeStep(d, p.To)
	case d.Status == models.StatusReachedLimit:
		empty := "" // the limit's reason no longer holds
		c.StatusReason = &empty
		c.Reason = fmt.Sprintf("restored by %s: the limit allows more than the %d messages sent", actor, d.MessagesSent)
	}
	err = e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
		if err := e.store.ApplyTx(tx, d, c); err != nil {
			return err
		}
		if next == nil {
			return nil
		}
		return e.insertTx(ctx, sqlTx, next)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// resumeStep is the onboarding job that a domain restored to an
// onboarding status needs (its job ended as a no-op while it was
// archived), or nil when the status waits for a person.
//
// The job carries a Resume token of its own, so that it is not taken for
// the step's old job: that job may be running at this very moment (it
// read the domain while archived and is about to end as a no-op), and a
// job unique with it would be skipped as its duplicate, leaving none.
// Should the old job be still waiting instead, both run; whichever moves
// the domain first wins and the other finds nothing to do.
func (e *Engine) resumeStep(d *models.Domain, to models.Status) river.JobArgs {
	now := time.Now()
	iv := e.cfg.Intervals
	token := fmt.Sprintf("restore-%d", d.Version+1) // the version the restore writes
	switch to {
	case models.StatusDNSPending:
		if d.SetupMode == models.SetupSelf && d.DNSStatus == models.DNSCreating {
			return EnsureCNAMEArgs{DomainID: d.ID, Resume: token}
		}
		return VerifyDNSArgs{DomainID: d.ID, Started: now, Deadline: now.Add(iv.DNSDeadline), Resume: token}
	case models.StatusSSLPending:
		switch d.SSLStatus {
		case models.SSLNone:
			return ValidateTwilioDNSArgs{DomainID: d.ID, Started: now, Deadline: now.Add(iv.DNSDeadline), Resume: token}
		case models.SSLRequested, models.SSLPendingValidation:
			return PollCertArgs{DomainID: d.ID, Started: now, Deadline: now.Add(iv.CertDeadline), Resume: token}
		case models.SSLActive:
			return ConfigureDomainArgs{DomainID: d.ID, Resume: token}
		default:
			return RequestCertArgs{DomainID: d.ID, Resume: token}
		}
	}
	return nil
}

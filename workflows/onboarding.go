package workflows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers"
)

// The onboarding process (DESIGN §4): one job kind per step. Once DNS is
// verified, the domain's purpose decides (onboardingPlan): link
// shortening goes on to Twilio, URL tracking is configured.
//
//	configure (self)   → ensure_cname → verify_dns ─┐
//	configure (manual) → verify_dns ────────────────┤
//	                                                 ├→ awaiting_domain_sid (human: SubmitDomainSID)
//	                                                 ├→ validate_twilio_dns → request_cert → poll_cert → configure_domain → configured
//	                                                 └→ configured (url_tracking)
const (
	stepEnsureCNAME       = "onboarding_ensure_cname"
	stepVerifyDNS         = "onboarding_verify_dns"
	stepValidateTwilioDNS = "onboarding_validate_twilio_dns"
	stepRequestCert       = "onboarding_request_cert"
	stepPollCert          = "onboarding_poll_cert"
	stepConfigureDomain   = "onboarding_configure_domain"
)

const actorWorkflow = "linkgate"

// EnsureCNAMEArgs: create the CNAME through the client's DNS provider.
type EnsureCNAMEArgs struct {
	DomainID string `json:"domain_id" river:"unique"`
	Resume   string `json:"resume,omitempty" river:"unique"` // set by a restore (resumeStep)
}

// Kind implements river.JobArgs.
func (EnsureCNAMEArgs) Kind() string { return stepEnsureCNAME }

// QueueDNSHosts is the queue of the steps that call a client's DNS host.
// A DNS host's rate limit is waited for inside the step (the adapters
// pace each token), so while a token's budget is spent its steps hold
// only this queue's workers: DNS checks, Twilio steps and everything else
// keep running beside them.
const QueueDNSHosts = "dns_hosts"

// InsertOpts implements river.JobArgsWithInsertOpts.
func (EnsureCNAMEArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueDNSHosts} }

// VerifyDNSArgs: poll DNS until the CNAME answers, until Deadline.
type VerifyDNSArgs struct {
	DomainID string    `json:"domain_id" river:"unique"`
	Started  time.Time `json:"started"`
	Deadline time.Time `json:"deadline"`
	Resume   string    `json:"resume,omitempty" river:"unique"` // set by a restore (resumeStep)
}

// Kind implements river.JobArgs.
func (VerifyDNSArgs) Kind() string { return stepVerifyDNS }

// ValidateTwilioDNSArgs: have Twilio validate the DNS, until Deadline.
type ValidateTwilioDNSArgs struct {
	DomainID string    `json:"domain_id" river:"unique"`
	Started  time.Time `json:"started"`
	Deadline time.Time `json:"deadline"`
	Resume   string    `json:"resume,omitempty" river:"unique"` // set by a restore (resumeStep)
}

// Kind implements river.JobArgs.
func (ValidateTwilioDNSArgs) Kind() string { return stepValidateTwilioDNS }

// RequestCertArgs: ask Twilio for a managed certificate.
type RequestCertArgs struct {
	DomainID string `json:"domain_id" river:"unique"`
	Resume   string `json:"resume,omitempty" river:"unique"` // set by a restore (resumeStep)
}

// Kind implements river.JobArgs.
func (RequestCertArgs) Kind() string { return stepRequestCert }

// PollCertArgs: poll the certificate until issued, until Deadline.
type PollCertArgs struct {
	DomainID string    `json:"domain_id" river:"unique"`
	Started  time.Time `json:"started"`
	Deadline time.Time `json:"deadline"`
	Resume   string    `json:"resume,omitempty" river:"unique"` // set by a restore (resumeStep)
}

// Kind implements river.JobArgs.
func (PollCertArgs) Kind() string { return stepPollCert }

// ConfigureDomainArgs: set Twilio's domain config (callback, fallback).
type ConfigureDomainArgs struct {
	DomainID string `json:"domain_id" river:"unique"`
	Resume   string `json:"resume,omitempty" river:"unique"` // set by a restore (resumeStep)
}

// Kind implements river.JobArgs.
func (ConfigureDomainArgs) Kind() string { return stepConfigureDomain }

// ---- shared step machinery ----

// load reads the domain a job is about; a deleted domain cancels the job,
// and a domain no longer in the step's status makes it a no-op (nil, nil
// is never returned: ok=false means "nothing to do").
func (e *Engine) load(ctx context.Context, id string, want models.Status) (*models.Domain, bool, error) {
	d, err := e.store.DomainByID(ctx, nil, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, false, river.JobCancel(fmt.Errorf("domain %s was deleted", id))
	}
	if err != nil {
		return nil, false, err
	}
	return d, d.Status == want, nil
}

// advance ends a step: applies c, enqueues next (if any) and completes
// job, in one transaction.
func advance[T river.JobArgs](ctx context.Context, e *Engine, job *river.Job[T], d *models.Domain, c models.Change, next river.JobArgs) error {
	return e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
		err := e.store.ApplyTx(tx, d, c)
		if errors.Is(err, models.ErrConflict) {
			// Someone changed the domain while the step ran (a Domain SID
			// arrived, say). If it is still in the step's status, the
			// step's result stands: apply it to the fresh row rather than
			// repeat the provider calls.
			cur, rerr := e.store.DomainByID(ctx, tx, d.ID)
			if rerr != nil {
				return rerr
			}
			if cur.Status != d.Status {
				return err
			}
			*d = *cur
			err = e.store.ApplyTx(tx, d, c)
		}
		if err != nil {
			return err
		}
		if next != nil {
			if err := e.insertTx(ctx, sqlTx, next); err != nil {
				return err
			}
		}
		return completeTx(ctx, sqlTx, job)
	})
}

// fail moves the domain to failed with a reason (kept raw) and its kind
// (for people: models.FailureKind), and completes the job.
func fail[T river.JobArgs](ctx context.Context, e *Engine, job *river.Job[T], d *models.Domain, kind models.FailureKind, reason string, extra models.Change) error {
	step := job.Kind
	extra.To, extra.Reason, extra.Actor = models.StatusFailed, reason, actorWorkflow
	extra.StatusReason, extra.FailedStep, extra.FailureKind = &reason, &step, &kind
	e.log.WarnContext(ctx, "onboarding step failed", "domain_id", d.ID, "step", step, "reason", reason)
	return advance(ctx, e, job, d, extra, nil)
}

// providerError decides what a provider error means for a step: a
// transient one is retried (snoozed for Retry-After when given) and shown
// as status_reason until the attempts run out; a permanent one fails the
// domain.
func providerError[T river.JobArgs](ctx context.Context, e *Engine, job *river.Job[T], d *models.Domain, what string, err error, onFail models.Change) error {
	if providers.IsTransient(err) && job.Attempt < job.MaxAttempts {
		_ = e.store.SetStatusReason(ctx, d.ID, fmt.Sprintf("%s: %v (retrying)", what, err))
		if wait, ok := providers.RetryAfter(err); ok {
			return river.JobSnooze(wait)
		}
		return err
	}
	kind, detail := failureKind(err)
	onFail.FailureDetail = detail
	return fail(ctx, e, job, d, kind, fmt.Sprintf("%s: %v", what, err), onFail)
}

// lateGrace is how late a polling step's run may start and still count
// as on time (at least its first poll interval).
const lateGrace = 5 * time.Second

// pastDeadline reports whether a polling step whose deadline has passed
// may fail now. Only a run that started on time may: one that waited in
// the queue (behind a DNS host's rate limit, a busy engine, a restart)
// past its due time looks once more on schedule before giving up, so time
// the step spent waiting on linkgate is not counted against the provider.
func pastDeadline(job *rivertype.JobRow, deadline, now time.Time, first time.Duration) bool {
	if !now.After(deadline) {
		return false
	}
	if job == nil || job.AttemptedAt == nil {
		return true
	}
	return job.AttemptedAt.Sub(job.ScheduledAt) <= max(lateGrace, first)
}

// failureKind classifies a provider's permanent error by its type (never
// by its text), with the kind's detail (a record conflict's record type):
// what the console then words for people.
func failureKind(err error) (models.FailureKind, string) {
	var conflict *providers.ConflictingRecordError
	switch {
	case errors.As(err, &conflict):
		return models.FailureRecordConflict, models.FailureRecordType(strings.ToUpper(conflict.Existing.Type))
	case errors.Is(err, providers.ErrInvalidCredentials):
		return models.FailureDNSCredentials, ""
	case errors.Is(err, providers.ErrZoneNotFound):
		return models.FailureZoneNotFound, ""
	}
	return models.FailureProvider, ""
}

// backoff returns the next poll interval: first for fast, then doubling
// up to max.
func backoff(started, now time.Time, first, fast, max time.Duration) time.Duration {
	elapsed := now.Sub(started)
	if elapsed < fast {
		return first
	}
	d := first
	for t := fast; t < elapsed && d < max; t += d {
		d *= 2
	}
	return min(d, max)
}

// ---- the steps ----

type ensureCNAMEWorker struct {
	river.WorkerDefaults[EnsureCNAMEArgs]
	e *Engine
}

func (w *ensureCNAMEWorker) Work(ctx context.Context, job *river.Job[EnsureCNAMEArgs]) error {
	e := w.e
	d, ok, err := e.load(ctx, job.Args.DomainID, models.StatusDNSPending)
	if !ok || err != nil {
		return err
	}
	dnsFailed := models.Change{DNSStatus: models.DNSFailed}
	dns, zone, err := e.dnsFor(ctx, d)
	if err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return fail(ctx, e, job, d, models.FailureDNSCredentials, "no DNS provider credentials are stored for this domain; configure it again", dnsFailed)
		}
		return providerError(ctx, e, job, d, "DNS provider", err, dnsFailed)
	}
	rec, created, err := dns.EnsureCNAME(ctx, zone, providers.CNAME{Name: d.Host, Target: d.CNAMETarget, TTL: d.CNAMETTL, Comment: dnsRecordComment})
	if err != nil {
		return providerError(ctx, e, job, d, "create the CNAME "+d.Host, err, dnsFailed)
	}
	reason := fmt.Sprintf("CNAME %s → %s created in zone %s", d.Host, rec.Content, zone.Name)
	if !created {
		reason = fmt.Sprintf("CNAME %s → %s already present in zone %s", d.Host, rec.Content, zone.Name)
	}
	empty := ""
	now := time.Now()
	return advance(ctx, e, job, d, models.Change{Reason: reason, Actor: actorWorkflow, DNSStatus: models.DNSPropagating, StatusReason: &empty},
		VerifyDNSArgs{DomainID: d.ID, Started: now, Deadline: now.Add(e.cfg.Intervals.DNSDeadline)})
}

type verifyDNSWorker struct {
	river.WorkerDefaults[VerifyDNSArgs]
	e *Engine
}

func (w *verifyDNSWorker) Work(ctx context.Context, job *river.Job[VerifyDNSArgs]) error {
	e := w.e
	d, ok, err := e.load(ctx, job.Args.DomainID, models.StatusDNSPending)
	if !ok || err != nil {
		return err
	}
	dnsFailed := models.Change{DNSStatus: models.DNSFailed}
	check, err := e.cfg.Resolver.CheckCNAME(ctx, d.Host, d.Apex, d.CNAMETarget)
	if err != nil && !providers.IsTransient(err) {
		return fail(ctx, e, job, d, models.FailureDNSCheck, "check DNS: "+err.Error(), dnsFailed)
	}
	now := time.Now()
	if err == nil && check.OK {
		empty := ""
		c, next := planOf(d).dnsVerified(e, d, now)
		if c.Reason == "" {
			c.Reason = "DNS verified: " + d.Host + " answers CNAME " + d.CNAMETarget
		}
		c.Actor, c.DNSStatus, c.StatusReason = actorWorkflow, models.DNSVerified, &empty
		return e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
			// The credentials were needed only to create the record.
			if err := e.store.DeleteDNSCredentialsTx(tx, d.ID); err != nil {
				return err
			}
			if err := e.store.ApplyTx(tx, d, c); err != nil {
				return err
			}
			if next != nil {
				if err := e.insertTx(ctx, sqlTx, next); err != nil {
					return err
				}
			}
			return completeTx(ctx, sqlTx, job)
		})
	}
	what := describeFindings(check, err)
	iv := e.cfg.Intervals
	if pastDeadline(job.JobRow, job.Args.Deadline, now, iv.DNSFirst) {
		return fail(ctx, e, job, d, models.FailureDNSTimeout, "DNS was not verified in time: "+what, dnsFailed)
	}
	if what != d.StatusReason {
		_ = e.store.SetStatusReason(ctx, d.ID, what)
	}
	return river.JobSnooze(backoff(job.Args.Started, now, iv.DNSFirst, iv.DNSFastPhase, iv.DNSMax))
}

func describeFindings(check providers.DNSCheck, err error) string {
	if err != nil {
		return "waiting for DNS: " + err.Error()
	}
	if len(check.Findings) == 0 {
		return "waiting for the CNAME to answer"
	}
	msgs := make([]string, len(check.Findings))
	for i, f := range check.Findings {
		msgs[i] = f.Message
	}
	return "waiting for DNS: " + strings.Join(msgs, " ")
}

type validateTwilioDNSWorker struct {
	river.WorkerDefaults[ValidateTwilioDNSArgs]
	e *Engine
}

func (w *validateTwilioDNSWorker) Work(ctx context.Context, job *river.Job[ValidateTwilioDNSArgs]) error {
	e := w.e
	d, ok, err := e.load(ctx, job.Args.DomainID, models.StatusSSLPending)
	if !ok || err != nil {
		return err
	}
	v, err := e.cfg.LinkShortening.ValidateDNS(ctx, d.DomainSID)
	if err != nil {
		return providerError(ctx, e, job, d, "Twilio DNS validation", err, models.Change{})
	}
	now := time.Now()
	if !v.Valid {
		if pastDeadline(job.JobRow, job.Args.Deadline, now, e.cfg.Intervals.DNSFirst) {
			return fail(ctx, e, job, d, models.FailureTwilioValidation, "Twilio did not validate the DNS in time: "+v.Reason, models.Change{})
		}
		_ = e.store.SetStatusReason(ctx, d.ID, "waiting for Twilio to validate the DNS: "+v.Reason)
		iv := e.cfg.Intervals
		return river.JobSnooze(backoff(job.Args.Started, now, iv.DNSFirst, iv.DNSFastPhase, iv.DNSMax))
	}
	return advance(ctx, e, job, d, models.Change{Reason: "Twilio validated the DNS", Actor: actorWorkflow},
		RequestCertArgs{DomainID: d.ID})
}

type requestCertWorker struct {
	river.WorkerDefaults[RequestCertArgs]
	e *Engine
}

func (w *requestCertWorker) Work(ctx context.Context, job *river.Job[RequestCertArgs]) error {
	e := w.e
	d, ok, err := e.load(ctx, job.Args.DomainID, models.StatusSSLPending)
	if !ok || err != nil {
		return err
	}
	if err := e.cfg.LinkShortening.RequestManagedCert(ctx, d.DomainSID); err != nil {
		return providerError(ctx, e, job, d, "request the certificate", err, models.Change{SSLStatus: models.SSLFailed})
	}
	now := time.Now()
	return advance(ctx, e, job, d, models.Change{Reason: "managed certificate requested from Twilio", Actor: actorWorkflow, SSLStatus: models.SSLRequested},
		PollCertArgs{DomainID: d.ID, Started: now, Deadline: now.Add(e.cfg.Intervals.CertDeadline)})
}

type pollCertWorker struct {
	river.WorkerDefaults[PollCertArgs]
	e *Engine
}

func (w *pollCertWorker) Work(ctx context.Context, job *river.Job[PollCertArgs]) error {
	e := w.e
	d, ok, err := e.load(ctx, job.Args.DomainID, models.StatusSSLPending)
	if !ok || err != nil {
		return err
	}
	sslFailed := models.Change{SSLStatus: models.SSLFailed}
	cert, err := e.cfg.LinkShortening.Certificate(ctx, d.DomainSID)
	if err != nil {
		return providerError(ctx, e, job, d, "fetch the certificate", err, sslFailed)
	}
	switch cert.State {
	case providers.CertIssued:
		c := models.Change{Reason: "certificate issued", Actor: actorWorkflow, SSLStatus: models.SSLActive, CertExpires: cert.ExpiresAt}
		return advance(ctx, e, job, d, c, ConfigureDomainArgs{DomainID: d.ID})
	case providers.CertFailed:
		return fail(ctx, e, job, d, models.FailureCertificate, "Twilio could not issue the certificate: "+cert.FailureReason, sslFailed)
	}
	now := time.Now()
	iv := e.cfg.Intervals
	if pastDeadline(job.JobRow, job.Args.Deadline, now, iv.CertFirst) {
		return fail(ctx, e, job, d, models.FailureCertificate, "the certificate was not issued in time", sslFailed)
	}
	if cert.State == providers.CertValidating && d.SSLStatus != models.SSLPendingValidation {
		err := e.store.Tx(ctx, func(tx *gorm.DB, _ *sqlTxAlias) error {
			return e.store.ApplyTx(tx, d, models.Change{Reason: "certificate in validation", Actor: actorWorkflow, SSLStatus: models.SSLPendingValidation})
		})
		if err != nil {
			return err
		}
	}
	return river.JobSnooze(backoff(job.Args.Started, now, iv.CertFirst, iv.CertFirst, iv.CertMax))
}

type configureDomainWorker struct {
	river.WorkerDefaults[ConfigureDomainArgs]
	e *Engine
}

func (w *configureDomainWorker) Work(ctx context.Context, job *river.Job[ConfigureDomainArgs]) error {
	e := w.e
	d, ok, err := e.load(ctx, job.Args.DomainID, models.StatusSSLPending)
	if !ok || err != nil {
		return err
	}
	want, err := e.wantedConfig(ctx, d)
	if err != nil {
		return err
	}
	if _, err = e.cfg.LinkShortening.UpdateDomainConfig(ctx, want); err != nil {
		return providerError(ctx, e, job, d, "set the Twilio domain config", err, models.Change{})
	}
	empty, none := "", models.FailureNone
	return advance(ctx, e, job, d, models.Change{To: models.StatusConfigured, Reason: "domain configured for link shortening",
		Actor: actorWorkflow, StatusReason: &empty, FailedStep: &empty, FailureKind: &none}, nil)
}

// wantedConfig is the Twilio domain config linkgate sets (and the
// reconciler keeps): clicks reported to linkgate, broken links sent to the
// client's fallback URL, HTTPS on, no "continue on failure".
func (e *Engine) wantedConfig(ctx context.Context, d *models.Domain) (providers.DomainConfig, error) {
	fallback, err := e.store.ClientFallbackURL(ctx, d.ClientID)
	if err != nil {
		return providers.DomainConfig{}, err
	}
	return providers.DomainConfig{DomainSID: d.DomainSID, CallbackURL: strings.TrimRight(e.cfg.PublicURL, "/") + ClickPath,
		FallbackURL: fallback}, nil
}

// dnsFor connects to the domain's DNS provider with its stored credentials
// and returns the zone that holds the domain's host, as kept at configure
// time.
func (e *Engine) dnsFor(ctx context.Context, d *models.Domain) (providers.DNS, providers.Zone, error) {
	access, err := e.store.DNSCredentials(ctx, e.cfg.Keys, d.ID)
	if err != nil {
		return nil, providers.Zone{}, err
	}
	host, ok := e.cfg.DNS.Get(access.Provider)
	f := host.Factory
	if !ok {
		return nil, providers.Zone{}, &providers.Error{Provider: access.Provider, Message: "this DNS provider is not supported", Err: providers.ErrInvalidCredentials}
	}
	dns, err := f(access.Credentials)
	if err != nil {
		return nil, providers.Zone{}, err
	}
	// The zone was found when the credentials were checked and is kept with
	// them; rows stored before zones were kept are looked up once more.
	if access.ZoneID != "" {
		return dns, providers.Zone{ID: access.ZoneID, Name: access.ZoneName}, nil
	}
	zone, err := dns.Zone(ctx, d.Host)
	if err != nil {
		return nil, providers.Zone{}, fmt.Errorf("find the zone of %s: %w", d.Host, err)
	}
	return dns, zone, nil
}

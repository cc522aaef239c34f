package workflows

// The reconciler compares linkgate's view of each live domain with what
// Twilio and DNS say, repairs what linkgate owns and records every repair
// on the domain's timeline with a domain.drift_repaired event. Drift it
// cannot repair (a Messaging Service someone attached elsewhere in the
// Twilio Console, a CNAME removed at a DNS host linkgate holds no
// credentials for, a Twilio domain that no longer exists) is written to
// the domain's status_reason once, with a timeline entry and a
// domain.drift_detected event, and cleared when it is gone.
//
// What is compared, for domains in models.Reconciled:
//   - each Messaging Service linkgate attached: Twilio must map it to the
//     domain (detached → attached again, under the service's lock);
//   - the Twilio domain config: the click callback, the client's fallback
//     URL and HTTPS as configure set them (changed → set again);
//   - the certificate: issued (gone or failed → requested again and the
//     domain goes back through the certificate step; renewed → the new
//     expiry recorded);
//   - the CNAME: it still answers (missing and credentials held →
//     created again; otherwise drift for the client to fix).
//
// A url_tracking domain is not at Twilio: only its CNAME (to the
// tracking target) is checked.
//
// A periodic job (Config.ReconcileInterval) fans out one job per domain;
// `linkgate reconcile` runs the same checks once, optionally as a dry run
// that changes nothing anywhere.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers"
)

const (
	jobReconcile       = "reconcile"
	jobReconcileDomain = "reconcile_domain"
	actorReconciler    = "reconciler"
	// driftPrefix starts the status_reason the reconciler writes, so that
	// it clears only its own words.
	driftPrefix = "drift: "
	// reconcilePage is how many domain jobs one insert enqueues.
	reconcilePage = 500
)

// The checks a Drift names.
const (
	CheckMessagingService = "messaging_service"
	CheckDomainConfig     = "domain_config"
	CheckCertificate      = "certificate"
	CheckCNAME            = "cname"
	CheckTwilioDomain     = "twilio_domain"
)

// Drift is one difference between linkgate's view of a domain and a
// provider's.
type Drift struct {
	DomainID string
	Host     string
	Check    string // one of the Check constants
	Found    string // what the provider says, in words
	// Repair is what was done (or, in a dry run, would be done); "" when
	// linkgate cannot repair it.
	Repair   string
	Repaired bool
}

func (d Drift) String() string {
	s := fmt.Sprintf("%s %s: %s", d.Host, d.Check, d.Found)
	switch {
	case d.Repaired:
		s += "; repaired: " + d.Repair
	case d.Repair != "":
		s += "; would repair: " + d.Repair
	default:
		s += "; cannot repair"
	}
	return s
}

// ReconcileOptions choose what Reconcile checks.
type ReconcileOptions struct {
	DomainID string // "" = every live domain
	DryRun   bool   // report only: no provider call that changes anything, no write
}

// ReconcileReport is what a run found.
type ReconcileReport struct {
	Checked int
	Drifts  []Drift
	// Errors are domains that could not be checked (a provider was
	// unreachable): they are checked again on the next run.
	Errors []error
}

// Reconcile runs the checks now, in the caller's goroutine (the
// `linkgate reconcile` command). One domain's provider error does not stop
// the run: it is reported in Errors.
func (e *Engine) Reconcile(ctx context.Context, opts ReconcileOptions) (ReconcileReport, error) {
	var rep ReconcileReport
	check := func(id string) {
		drifts, err := e.reconcileDomain(ctx, id, opts.DryRun)
		rep.Checked++
		rep.Drifts = append(rep.Drifts, drifts...)
		if err != nil {
			rep.Errors = append(rep.Errors, fmt.Errorf("%s: %w", id, err))
		}
	}
	if opts.DomainID != "" {
		d, err := e.store.GetDomain(ctx, models.Scope{}, opts.DomainID)
		if err != nil {
			return rep, err
		}
		if !models.Reconciled.Has(d.Status) {
			return rep, models.Conflict("invalid_state", "domain",
				fmt.Sprintf("the domain is %s; only %s domains are reconciled", d.Status, models.Reconciled))
		}
		check(d.ID)
		return rep, nil
	}
	err := e.eachDomainPage(ctx, models.Reconciled, func(ids []string) error {
		for _, id := range ids {
			if err := ctx.Err(); err != nil {
				return err
			}
			check(id)
		}
		return nil
	})
	return rep, err
}

// reconcileDomain checks one domain and, unless dry, repairs it.
func (e *Engine) reconcileDomain(ctx context.Context, id string, dry bool) ([]Drift, error) {
	d, err := e.store.GetDomain(ctx, models.Scope{}, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// A tracking domain (not at Twilio) has only its CNAME to check.
	if !models.Reconciled.Has(d.Status) || (d.DomainSID == "" && d.Purpose.AtTwilio()) {
		return nil, nil
	}
	var drifts []Drift
	// Each Messaging Service under its own lock (Store.Locked takes one
	// key per operation), read again inside it.
	for _, sid := range d.MessagingServiceSIDs {
		var dr *Drift
		err := e.store.Locked(ctx, messagingServiceLock(sid), func(ctx context.Context) error {
			var err error
			dr, err = e.reconcileMessagingService(ctx, d.ID, sid, dry)
			return err
		})
		if err != nil {
			return drifts, err
		}
		if dr != nil {
			drifts = append(drifts, *dr)
		}
	}
	// The domain's own state under the domain's lock, so that two runs
	// (the periodic job and the command) never repair it twice.
	err = e.store.Locked(ctx, "domain:"+d.ID, func(ctx context.Context) error {
		more, err := e.reconcileDomainLocked(ctx, d.ID, dry)
		drifts = append(drifts, more...)
		return err
	})
	return drifts, err
}

// reconcileMessagingService checks that Twilio maps sid to the domain
// linkgate records as its owner.
func (e *Engine) reconcileMessagingService(ctx context.Context, domainID, sid string, dry bool) (*Drift, error) {
	owner, err := e.store.MessagingServiceOwner(ctx, sid)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil // detached meanwhile
	}
	if err != nil {
		return nil, err
	}
	if owner.ID != domainID || owner.DomainSID == "" {
		return nil, nil // moved meanwhile; its new domain's run checks it
	}
	at, err := e.cfg.LinkShortening.MessagingServiceDomain(ctx, sid)
	if errors.Is(err, providers.ErrNotFound) {
		at, err = "", nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up messaging service %s at Twilio: %w", sid, err)
	}
	if at == owner.DomainSID {
		return nil, nil
	}
	dr := &Drift{DomainID: owner.ID, Host: owner.Host, Check: CheckMessagingService}
	if at != "" {
		dr.Found = fmt.Sprintf("Twilio has messaging service %s on domain %s, not on this domain", sid, at)
		return dr, nil // someone chose that at Twilio: a person decides
	}
	dr.Found = fmt.Sprintf("Twilio has messaging service %s on no domain", sid)
	dr.Repair = "attached it again"
	if dry {
		return dr, nil
	}
	err = e.cfg.LinkShortening.AttachMessagingService(ctx, owner.DomainSID, sid)
	var iu *providers.InUseError
	if errors.As(err, &iu) {
		dr.Found, dr.Repair = fmt.Sprintf("Twilio has messaging service %s on domain %s, not on this domain", sid, iu.DomainSID), ""
		return dr, nil
	}
	if err != nil {
		return nil, fmt.Errorf("attach messaging service %s again: %w", sid, err)
	}
	dr.Repaired = true
	return dr, e.recordRepair(ctx, owner.ID, *dr, map[string]any{"messaging_service_sid": sid}, nil)
}

// reconcileDomainLocked checks the Twilio domain, its config, its
// certificate and the CNAME, then records the drift it cannot repair.
func (e *Engine) reconcileDomainLocked(ctx context.Context, id string, dry bool) ([]Drift, error) {
	d, err := e.store.DomainByID(ctx, nil, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !models.Reconciled.Has(d.Status) {
		return nil, nil
	}
	var drifts []Drift
	add := func(dr *Drift) {
		if dr != nil {
			drifts = append(drifts, *dr)
		}
	}
	if moved, err := e.reconcileTwilio(ctx, d, dry, add); err != nil || moved {
		return drifts, err // moved: back in the certificate step, nothing to record here
	}
	dr, err := e.reconcileCNAME(ctx, d, dry)
	add(dr)
	if err != nil {
		return drifts, err
	}
	if dry {
		return drifts, nil
	}
	return drifts, e.recordUnrepaired(ctx, d.ID, drifts)
}

// reconcileTwilio checks the Twilio domain, its config and its
// certificate (nothing for a domain that is not at Twilio); moved means
// the domain went back to the certificate step.
func (e *Engine) reconcileTwilio(ctx context.Context, d *models.Domain, dry bool, add func(*Drift)) (moved bool, err error) {
	if !d.Purpose.AtTwilio() {
		return false, nil
	}
	cert, err := e.cfg.LinkShortening.Certificate(ctx, d.DomainSID)
	if errors.Is(err, providers.ErrNotFound) {
		// The Twilio domain itself is gone: nothing else at Twilio can
		// be checked or repaired.
		add(&Drift{DomainID: d.ID, Host: d.Host, Check: CheckTwilioDomain,
			Found: fmt.Sprintf("Twilio no longer has domain %s; create and verify %s in the Twilio Console again", d.DomainSID, d.Host)})
	} else if err != nil {
		return false, fmt.Errorf("fetch the certificate: %w", err)
	} else {
		dr, err := e.reconcileConfig(ctx, d, dry)
		add(dr)
		if err != nil {
			return false, err
		}
		dr, moved, err := e.reconcileCertificate(ctx, d, cert, dry)
		add(dr)
		return moved, err
	}
	return false, nil
}

// reconcileConfig sets the Twilio domain config again when it differs.
func (e *Engine) reconcileConfig(ctx context.Context, d *models.Domain, dry bool) (*Drift, error) {
	want, err := e.wantedConfig(ctx, d)
	if err != nil {
		return nil, err
	}
	got, err := e.cfg.LinkShortening.DomainConfig(ctx, d.DomainSID)
	if err != nil {
		return nil, fmt.Errorf("fetch the domain config: %w", err)
	}
	var diffs []string
	if got.CallbackURL != want.CallbackURL {
		diffs = append(diffs, fmt.Sprintf("click callback %q (want %q)", got.CallbackURL, want.CallbackURL))
	}
	if got.FallbackURL != want.FallbackURL {
		diffs = append(diffs, fmt.Sprintf("fallback URL %q (want %q)", got.FallbackURL, want.FallbackURL))
	}
	if got.ContinueOnFailure != want.ContinueOnFailure {
		diffs = append(diffs, fmt.Sprintf("continue on failure %t", got.ContinueOnFailure))
	}
	if got.DisableHTTPS != want.DisableHTTPS {
		diffs = append(diffs, fmt.Sprintf("HTTPS disabled %t", got.DisableHTTPS))
	}
	if len(diffs) == 0 {
		return nil, nil
	}
	dr := &Drift{DomainID: d.ID, Host: d.Host, Check: CheckDomainConfig,
		Found: "the Twilio domain config has " + strings.Join(diffs, ", "), Repair: "set the domain config again"}
	if dry {
		return dr, nil
	}
	if _, err := e.cfg.LinkShortening.UpdateDomainConfig(ctx, want); err != nil {
		return nil, fmt.Errorf("set the domain config again: %w", err)
	}
	dr.Repaired = true
	return dr, e.recordRepair(ctx, d.ID, *dr, nil, nil)
}

// reconcileCertificate compares Twilio's certificate with the record: a
// renewal is recorded; a certificate that is gone or failed is requested
// again and the domain goes back through the certificate step (moved =
// true), since links on it no longer work over HTTPS.
func (e *Engine) reconcileCertificate(ctx context.Context, d *models.Domain, cert providers.Certificate, dry bool) (dr *Drift, moved bool, err error) {
	switch cert.State {
	case providers.CertIssued:
		if cert.ExpiresAt == nil || (d.CertExpiresAt != nil && d.CertExpiresAt.Equal(*cert.ExpiresAt) && d.SSLStatus == models.SSLActive) {
			return nil, false, nil
		}
		dr := &Drift{DomainID: d.ID, Host: d.Host, Check: CheckCertificate,
			Found:  "Twilio's certificate expires " + cert.ExpiresAt.UTC().Format(time.RFC3339),
			Repair: "recorded the certificate's new expiry"}
		if dry {
			return dr, false, nil
		}
		dr.Repaired = true
		active := models.SSLActive
		return dr, false, e.recordRepair(ctx, d.ID, *dr, nil, func(c *models.Change) { c.CertExpires, c.SSLStatus = cert.ExpiresAt, active })
	case providers.CertRequesting, providers.CertValidating, providers.CertNone, providers.CertFailed:
	default:
		return nil, false, nil
	}
	found := "Twilio has no certificate for the domain"
	switch cert.State {
	case providers.CertFailed:
		found = "Twilio's certificate failed: " + cert.FailureReason
	case providers.CertRequesting, providers.CertValidating:
		found = "Twilio is issuing a new certificate for the domain"
	}
	dr = &Drift{DomainID: d.ID, Host: d.Host, Check: CheckCertificate, Found: found}
	if !d.Status.CanTransitionTo(models.StatusSSLPending) {
		return dr, false, nil // e.g. reached_limit: shown until a person acts
	}
	request := cert.State == providers.CertNone || cert.State == providers.CertFailed
	dr.Repair = "waits for the certificate again"
	if request {
		dr.Repair = "requested the managed certificate again"
	}
	if dry {
		return dr, false, nil
	}
	if request {
		if err := e.cfg.LinkShortening.RequestManagedCert(ctx, d.DomainSID); err != nil {
			return nil, false, fmt.Errorf("request the certificate again: %w", err)
		}
	}
	dr.Repaired = true
	now := time.Now()
	next := PollCertArgs{DomainID: d.ID, Started: now, Deadline: now.Add(e.cfg.Intervals.CertDeadline)}
	err = e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
		cur, err := e.store.DomainByID(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		reason := "reconciler: " + dr.Found + "; " + dr.Repair
		c := models.Change{To: models.StatusSSLPending, SSLStatus: models.SSLRequested, Reason: reason, Actor: actorReconciler,
			Event: models.EventDomainDriftRepaired, EventData: map[string]any{"check": dr.Check}}
		if err := e.store.ApplyTx(tx, cur, c); err != nil {
			return err
		}
		return e.insertTx(ctx, sqlTx, next)
	})
	return dr, err == nil, err
}

// reconcileCNAME checks that the CNAME still answers; with the client's DNS
// credentials still stored it creates the record again.
func (e *Engine) reconcileCNAME(ctx context.Context, d *models.Domain, dry bool) (*Drift, error) {
	check, err := e.cfg.Resolver.CheckCNAME(ctx, d.Host, d.Apex, d.CNAMETarget)
	if err != nil {
		return nil, fmt.Errorf("check DNS: %w", err)
	}
	if check.OK {
		return nil, nil
	}
	dr := &Drift{DomainID: d.ID, Host: d.Host, Check: CheckCNAME,
		Found: strings.TrimPrefix(describeFindings(check, nil), "waiting for DNS: ")}
	if dr.Found == "waiting for the CNAME to answer" {
		dr.Found = "the CNAME " + d.Host + " → " + d.CNAMETarget + " does not answer"
	}
	dns, zone, err := e.dnsFor(ctx, d)
	if errors.Is(err, models.ErrNotFound) {
		dr.Found += "; add it again at the DNS host"
		return dr, nil // no credentials: the client fixes it
	}
	if err != nil {
		return dr, nil // the credentials no longer work: the client fixes it
	}
	dr.Repair = "created the CNAME again"
	if dry {
		return dr, nil
	}
	if _, _, err := dns.EnsureCNAME(ctx, zone, providers.CNAME{Name: d.Host, Target: d.CNAMETarget, TTL: d.CNAMETTL, Comment: "managed by linkgate"}); err != nil {
		if providers.IsTransient(err) {
			return nil, fmt.Errorf("create the CNAME again: %w", err)
		}
		dr.Repair, dr.Found = "", dr.Found+"; creating it again failed: "+err.Error()
		return dr, nil
	}
	dr.Repaired = true
	return dr, e.recordRepair(ctx, d.ID, *dr, nil, nil)
}

// recordRepair writes a repair's timeline entry and its
// domain.drift_repaired event, on the domain as it is now.
func (e *Engine) recordRepair(ctx context.Context, domainID string, dr Drift, data map[string]any, mod func(*models.Change)) error {
	return e.store.Tx(ctx, func(tx *gorm.DB, _ *sqlTxAlias) error {
		d, err := e.store.DomainByID(ctx, tx, domainID)
		if err != nil {
			return err
		}
		ev := map[string]any{"check": dr.Check, "found": dr.Found, "repair": dr.Repair}
		for k, v := range data {
			ev[k] = v
		}
		c := models.Change{Reason: "reconciler: " + dr.Found + "; " + dr.Repair, Actor: actorReconciler,
			Event: models.EventDomainDriftRepaired, EventData: ev}
		if mod != nil {
			mod(&c)
		}
		return e.store.ApplyTx(tx, d, c)
	})
}

// recordUnrepaired writes the drift linkgate cannot repair to the domain's
// status_reason, once (a timeline entry and domain.drift_detected when it
// changes), and clears the reconciler's words when the drift is gone.
func (e *Engine) recordUnrepaired(ctx context.Context, domainID string, drifts []Drift) error {
	var open []string
	var checks []string
	for _, dr := range drifts {
		if !dr.Repaired {
			open = append(open, dr.Found)
			checks = append(checks, dr.Check)
		}
	}
	reason := ""
	if len(open) > 0 {
		reason = driftPrefix + strings.Join(open, "; ")
	}
	return e.store.Tx(ctx, func(tx *gorm.DB, _ *sqlTxAlias) error {
		d, err := e.store.DomainByID(ctx, tx, domainID)
		if err != nil {
			return err
		}
		if d.StatusReason == reason || (reason == "" && !strings.HasPrefix(d.StatusReason, driftPrefix)) {
			return nil
		}
		c := models.Change{StatusReason: &reason, Actor: actorReconciler}
		if reason == "" {
			c.Reason = "reconciler: the drift found earlier is gone"
		} else {
			c.Reason = "reconciler found drift it cannot repair: " + strings.Join(open, "; ")
			c.Event, c.EventData = models.EventDomainDriftDetected, map[string]any{"checks": checks, "found": open}
		}
		return e.store.ApplyTx(tx, d, c)
	})
}

// ReconcileArgs: the periodic job that enqueues one ReconcileDomainArgs
// per live domain.
type ReconcileArgs struct{}

// Kind implements river.JobArgs.
func (ReconcileArgs) Kind() string { return jobReconcile }

// ReconcileDomainArgs: reconcile one domain.
type ReconcileDomainArgs struct {
	DomainID string `json:"domain_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (ReconcileDomainArgs) Kind() string { return jobReconcileDomain }

type reconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	e *Engine
}

func (w *reconcileWorker) Work(ctx context.Context, _ *river.Job[ReconcileArgs]) error {
	return w.e.fanOut(ctx, models.Reconciled, func(id string) river.JobArgs { return ReconcileDomainArgs{DomainID: id} })
}

type reconcileDomainWorker struct {
	river.WorkerDefaults[ReconcileDomainArgs]
	e *Engine
}

// Work reconciles one domain; a provider error is retried by River with
// backoff (the next periodic run would check it anyway).
func (w *reconcileDomainWorker) Work(ctx context.Context, job *river.Job[ReconcileDomainArgs]) error {
	drifts, err := w.e.reconcileDomain(ctx, job.Args.DomainID, false)
	for _, dr := range drifts {
		w.e.log.InfoContext(ctx, "reconciler", "domain_id", dr.DomainID, "check", dr.Check, "found", dr.Found,
			"repaired", dr.Repaired)
	}
	return w.e.endJob(ctx, "reconciler could not check a domain", job.Args.DomainID, err)
}

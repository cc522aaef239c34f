package workflows

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

// The human steps of onboarding: each checks its input (with the provider
// when needed), then moves the domain and enqueues the next job in one
// transaction.

// ConfigureInput chooses how the DNS record gets made.
type ConfigureInput struct {
	Mode        models.SetupMode
	Provider    string
	Credentials map[string]string
}

// Configure starts onboarding: "self" checks the credentials with the
// provider (and that it holds the domain's zone) before anything is
// stored; "manual" starts watching DNS for the record the client adds.
func (e *Engine) Configure(ctx context.Context, sc models.Scope, domainID string, in ConfigureInput, actor string) (*models.Domain, error) {
	return e.setUp(ctx, sc, domainID, in, actor, false)
}

// SwitchSetup is Configure that also takes a failed domain whose DNS step
// failed (CanSwitchSetup): the console's remedies "set it up another way"
// and "give a new token". The failure is forgotten as the setup starts.
// (The API's configure keeps refusing failed domains: there, retry.)
func (e *Engine) SwitchSetup(ctx context.Context, sc models.Scope, domainID string, in ConfigureInput, actor string) (*models.Domain, error) {
	return e.setUp(ctx, sc, domainID, in, actor, true)
}

func (e *Engine) setUp(ctx context.Context, sc models.Scope, domainID string, in ConfigureInput, actor string, afterFailure bool) (*models.Domain, error) {
	d, err := e.store.GetDomain(ctx, sc, domainID)
	if err != nil {
		return nil, err
	}
	if err := checkSetup(d, "configured", afterFailure); err != nil {
		return nil, err
	}
	return e.configure(ctx, d, in, actor, nil)
}

// CanSwitchSetup reports whether a failed domain may be set up again,
// another way or with new credentials (Configure, ForwardLogin): its DNS
// step failed, so nothing past the DNS record was done.
func CanSwitchSetup(d *models.Domain) bool {
	if d.Status != models.StatusFailed {
		return false
	}
	switch d.FailedStep {
	case "", stepEnsureCNAME, stepVerifyDNS:
		return true
	}
	return false
}

// checkSetup allows a setup choice for a domain that waits for one, and
// with afterFailure a failed domain whose DNS step failed.
func checkSetup(d *models.Domain, what string, afterFailure bool) error {
	if afterFailure && CanSwitchSetup(d) {
		return nil
	}
	if afterFailure && d.Status == models.StatusFailed {
		return models.Conflict("invalid_state", "mode",
			"this domain failed after its DNS was set up; retry it, or delete it and add it again")
	}
	return models.Configurable.Check(d.Status, what)
}

// clearFailure makes c, the change that sets a failed domain up again,
// forget the failure.
func clearFailure(c *models.Change, d *models.Domain) {
	if d.Status != models.StatusFailed {
		return
	}
	empty, none := "", models.FailureNone
	c.StatusReason, c.FailedStep, c.FailureKind = &empty, &empty, &none
}

// configure checks the input and starts the setup; hook, if set, runs in
// the same transaction (a registration completes with it).
func (e *Engine) configure(ctx context.Context, d *models.Domain, in ConfigureInput, actor string, hook func(tx *gorm.DB) error) (*models.Domain, error) {
	switch in.Mode {
	case models.SetupSelf:
		return e.configureSelf(ctx, d, in, actor, hook)
	case models.SetupManual:
		now := time.Now()
		return d, e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
			if hook != nil {
				if err := hook(tx); err != nil {
					return err
				}
			}
			c := models.Change{To: models.StatusDNSPending, SetupMode: models.SetupManual,
				DNSStatus: models.DNSPropagating, Reason: "manual setup: waiting for the client's CNAME", Actor: actor}
			clearFailure(&c, d)
			if err := e.store.ApplyTx(tx, d, c); err != nil {
				return err
			}
			return e.insertTx(ctx, sqlTx, VerifyDNSArgs{DomainID: d.ID, Started: now, Deadline: now.Add(e.cfg.Intervals.DNSDeadline)})
		})
	case models.SetupForwardLogin:
		return nil, models.Invalid("invalid_mode", "mode", "to forward the setup to the client, use POST /domains/{id}/forward-login")
	}
	return nil, models.Invalid("invalid_mode", "mode", "must be self or manual")
}

func (e *Engine) configureSelf(ctx context.Context, d *models.Domain, in ConfigureInput, actor string, hook func(tx *gorm.DB) error) (*models.Domain, error) {
	access, err := e.checkDNSCredentials(ctx, d, in)
	if err != nil {
		return nil, err
	}
	return d, e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
		if hook != nil {
			if err := hook(tx); err != nil {
				return err
			}
		}
		if err := e.store.SaveDNSCredentialsTx(tx, e.cfg.Keys, d.ID, access); err != nil {
			return err
		}
		c := models.Change{To: models.StatusDNSPending, SetupMode: models.SetupSelf,
			DNSStatus: models.DNSCreating, Reason: "self setup with " + in.Provider + ": creating the CNAME", Actor: actor}
		clearFailure(&c, d)
		if err := e.store.ApplyTx(tx, d, c); err != nil {
			return err
		}
		return e.insertTx(ctx, sqlTx, EnsureCNAMEArgs{DomainID: d.ID})
	})
}

// credentialError is the problem for a refusal of host's credentials,
// reported on its first field.
func credentialError(err error, host providers.DNSHost) error {
	if providers.IsTransient(err) {
		return unavailable(err)
	}
	field := "credentials." + host.FirstField()
	// A credential of the wrong shape, named by the adapter when it
	// connects ("region: ..."): on its own field.
	var pe *providers.Error
	if errors.As(err, &pe) && pe.Op == "connect" {
		for _, f := range host.Fields {
			if msg, ok := strings.CutPrefix(pe.Message, f.Name+": "); ok {
				return models.Invalid("invalid_credentials", "credentials."+f.Name, msg)
			}
		}
	}
	if errors.Is(err, providers.ErrInvalidCredentials) {
		return models.Invalid("invalid_credentials", field, "the DNS provider refused these credentials")
	}
	return models.Invalid("invalid_credentials", field, err.Error())
}

func unavailable(err error) error {
	return &models.Error{Kind: models.KindUnavailable, Code: "provider_unavailable",
		Detail: "a provider did not answer; try again shortly", Err: err}
}

// SubmitDomainSID records the Twilio Domain SID after confirming with
// Twilio that it exists and names this domain's host. Once DNS is
// verified it moves the domain on to the certificate.
func (e *Engine) SubmitDomainSID(ctx context.Context, sc models.Scope, domainID, sid, actor string) (*models.Domain, error) {
	// Any case and surrounding space are accepted: "dn…" is "DN…".
	sid = canonicalSID(strings.TrimSpace(sid))
	if !providers.ValidDomainSID(sid) {
		return nil, models.Invalid("invalid_domain_sid", "domain_sid", "must be DN followed by 32 hexadecimal characters, as shown in the Twilio Console")
	}
	d, err := e.store.GetDomain(ctx, sc, domainID)
	if err != nil {
		return nil, err
	}
	if err := d.CheckAtTwilio("domain_sid", "a Twilio Domain SID"); err != nil {
		return nil, err
	}
	if !models.AcceptsDomainSID.Has(d.Status) {
		if d.DomainSID == sid {
			return d, nil
		}
		return nil, models.AcceptsDomainSID.Check(d.Status, "given a Domain SID")
	}
	cert, err := e.cfg.LinkShortening.Certificate(ctx, sid)
	switch {
	case errors.Is(err, providers.ErrNotFound):
		return nil, models.Invalid("domain_sid_mismatch", "domain_sid", "Twilio knows no domain with this SID in this account")
	case err != nil && providers.IsTransient(err):
		return nil, unavailable(err)
	case err != nil:
		return nil, &models.Error{Kind: models.KindInternal, Code: "internal", Detail: "check the Domain SID", Err: err}
	case !providers.SameHost(cert.DomainName, d.Host):
		return nil, models.Invalid("domain_sid_mismatch", "domain_sid",
			fmt.Sprintf("this SID is for %s, not %s", cert.DomainName, d.Host))
	}
	// A step may move the domain while Twilio is asked (DNS verified,
	// say): record the SID on the row as it is then, a few times over.
	var err2 error
	for range 5 {
		err2 = e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
			cur, err := e.store.DomainByID(ctx, tx, d.ID)
			if err != nil {
				return err
			}
			if !models.AcceptsDomainSID.Has(cur.Status) {
				if cur.DomainSID == sid {
					return nil
				}
				return models.AcceptsDomainSID.Check(cur.Status, "given a Domain SID")
			}
			*d = *cur
			c := models.Change{DomainSID: &sid, Reason: "Twilio Domain SID " + sid + " recorded", Actor: actor}
			if d.Status != models.StatusAwaitingDomainSID {
				return e.store.ApplyTx(tx, d, c)
			}
			c.To = models.StatusSSLPending
			if err := e.store.ApplyTx(tx, d, c); err != nil {
				return err
			}
			now := time.Now()
			return e.insertTx(ctx, sqlTx, ValidateTwilioDNSArgs{DomainID: d.ID, Started: now, Deadline: now.Add(e.cfg.Intervals.DNSDeadline)})
		})
		if !models.IsStale(err2) {
			break
		}
	}
	if err2 != nil {
		return nil, err2
	}
	return d, nil
}

// Retry resumes a failed domain from the step that failed.
func (e *Engine) Retry(ctx context.Context, sc models.Scope, domainID, actor string) (*models.Domain, error) {
	d, err := e.store.GetDomain(ctx, sc, domainID)
	if err != nil {
		return nil, err
	}
	if err := models.Retryable.Check(d.Status, "retried"); err != nil {
		return nil, err
	}
	now := time.Now()
	iv := e.cfg.Intervals
	var (
		to   models.Status
		next river.JobArgs
		c    models.Change
	)
	step := d.FailedStep
	if !planOf(d).has(step) {
		step = "" // not a step of this domain's onboarding: start again
	}
	switch step {
	case stepEnsureCNAME:
		to, next, c.DNSStatus = models.StatusDNSPending, EnsureCNAMEArgs{DomainID: d.ID}, models.DNSCreating
	case stepVerifyDNS:
		to, next, c.DNSStatus = models.StatusDNSPending, VerifyDNSArgs{DomainID: d.ID, Started: now, Deadline: now.Add(iv.DNSDeadline)}, models.DNSPropagating
	case stepValidateTwilioDNS:
		to, next = models.StatusSSLPending, ValidateTwilioDNSArgs{DomainID: d.ID, Started: now, Deadline: now.Add(iv.DNSDeadline)}
	case stepRequestCert:
		to, next, c.SSLStatus = models.StatusSSLPending, RequestCertArgs{DomainID: d.ID}, models.SSLNone
	case stepPollCert:
		to, next, c.SSLStatus = models.StatusSSLPending, PollCertArgs{DomainID: d.ID, Started: now, Deadline: now.Add(iv.CertDeadline)}, models.SSLRequested
	case stepConfigureDomain:
		to, next = models.StatusSSLPending, ConfigureDomainArgs{DomainID: d.ID}
	default:
		to = models.StatusPending
	}
	empty, none := "", models.FailureNone
	c.To, c.Reason, c.Actor, c.StatusReason, c.FailedStep, c.FailureKind = to, "retry", actor, &empty, &empty, &none
	return d, e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
		if err := e.store.ApplyTx(tx, d, c); err != nil {
			return err
		}
		if next == nil {
			return nil
		}
		return e.insertTx(ctx, sqlTx, next)
	})
}

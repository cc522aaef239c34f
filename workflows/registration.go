package workflows

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers"
)

// The forward-login process: an admin forwards a domain's setup to the
// client; the client opens the e-mailed link, creates an account (or signs
// in), proves control of the DNS (connects the DNS provider, or chooses to
// add the record by hand) and finalizes, which hands over to onboarding.

//go:embed templates
var templateFS embed.FS

var (
	mailHTML = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/registration.html.tmpl"))
	mailText = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/registration.txt.tmpl"))
)

const (
	kindSendRegistration = "registration_send_email"
	kindSweep            = "registration_sweep"
)

// SendRegistrationArgs e-mails a registration link. The token travels
// sealed with the key ring (the registration row keeps only its hash).
type SendRegistrationArgs struct {
	RegistrationID string `json:"registration_id" river:"unique"`
	Reminder       int    `json:"reminder" river:"unique"` // 0 = the invitation, n = the nth reminder
	KeyID          string `json:"key_id"`
	SealedToken    []byte `json:"sealed_token"`
}

// Kind implements river.JobArgs.
func (SendRegistrationArgs) Kind() string { return kindSendRegistration }

// SweepArgs expires overdue registrations (a periodic job).
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return kindSweep }

// ForwardLoginResult is the new registration and its link.
type ForwardLoginResult struct {
	Registration *models.Registration
	Link         string
}

// ForwardLogin creates a registration for the domain (revoking earlier
// links), moves the domain to awaiting_client and queues the e-mail, all
// in one transaction.
func (e *Engine) ForwardLogin(ctx context.Context, sc models.Scope, domainID, email, actor string) (ForwardLoginResult, error) {
	return e.forwardLogin(ctx, sc, domainID, email, actor, false)
}

// SwitchToForwardLogin is ForwardLogin that also takes a failed domain
// whose DNS step failed (CanSwitchSetup; the console's remedy): it goes
// back to pending, its failure forgotten, and on to awaiting_client.
func (e *Engine) SwitchToForwardLogin(ctx context.Context, sc models.Scope, domainID, email, actor string) (ForwardLoginResult, error) {
	return e.forwardLogin(ctx, sc, domainID, email, actor, true)
}

func (e *Engine) forwardLogin(ctx context.Context, sc models.Scope, domainID, email, actor string, afterFailure bool) (ForwardLoginResult, error) {
	if e.cfg.Mailer == nil {
		return ForwardLoginResult{}, &models.Error{Kind: models.KindUnavailable, Code: "mail_unavailable", Detail: "no mailer is configured"}
	}
	var fields []models.FieldError
	email = models.NormalizeEmail("email", email, &fields)
	if len(fields) > 0 {
		return ForwardLoginResult{}, &models.Error{Kind: models.KindInvalid, Code: "invalid_email", Detail: fields[0].Message, Fields: fields}
	}
	d, err := e.store.GetDomain(ctx, sc, domainID)
	if err != nil {
		return ForwardLoginResult{}, err
	}
	if err := checkSetup(d, "forwarded to the client", afterFailure); err != nil {
		return ForwardLoginResult{}, err
	}
	var res ForwardLoginResult
	err = e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
		if d.Status == models.StatusFailed {
			// Set up again: back to pending, the failure forgotten.
			c := models.Change{To: models.StatusPending,
				Reason: "setup switched to forwarding the login to the client", Actor: actor}
			clearFailure(&c, d)
			if err := e.store.ApplyTx(tx, d, c); err != nil {
				return err
			}
		}
		r, token, err := e.store.CreateRegistrationTx(tx, d.ID, email, e.cfg.RegistrationTTL)
		if err != nil {
			return err
		}
		c := models.Change{SetupMode: models.SetupForwardLogin, Reason: "registration link sent to " + email, Actor: actor}
		if d.Status == models.StatusPending {
			c.To = models.StatusAwaitingClient
		}
		if err := e.store.ApplyTx(tx, d, c); err != nil {
			return err
		}
		if err := e.emitRegistrationTx(ctx, tx, models.EventRegistrationSent, r.ID); err != nil {
			return err
		}
		keyID, sealed := e.cfg.Keys.Seal(r.ID, []byte(token))
		if err := e.insertTx(ctx, sqlTx, SendRegistrationArgs{RegistrationID: r.ID, KeyID: keyID, SealedToken: sealed}); err != nil {
			return err
		}
		for i, after := range e.cfg.Reminders {
			if after >= e.cfg.RegistrationTTL {
				continue
			}
			err := e.enqueue(ctx, sqlTx, river.InsertManyParams{Args: SendRegistrationArgs{RegistrationID: r.ID, Reminder: i + 1, KeyID: keyID, SealedToken: sealed},
				InsertOpts: &river.InsertOpts{ScheduledAt: r.CreatedAt.Add(after), UniqueOpts: uniqueStep}})
			if err != nil {
				return err
			}
		}
		res = ForwardLoginResult{Registration: r, Link: e.registrationLink(token)}
		return nil
	})
	return res, err
}

func (e *Engine) registrationLink(token string) string {
	return strings.TrimRight(e.cfg.PublicURL, "/") + "/register/" + token
}

type sendRegistrationWorker struct {
	river.WorkerDefaults[SendRegistrationArgs]
	e *Engine
}

func (w *sendRegistrationWorker) Work(ctx context.Context, job *river.Job[SendRegistrationArgs]) error {
	e := w.e
	r, err := e.store.RegistrationByID(ctx, nil, job.Args.RegistrationID)
	if errors.Is(err, models.ErrNotFound) {
		return nil // the domain was deleted
	}
	if err != nil {
		return err
	}
	if !r.Open(e.store.Now()) || (job.Args.Reminder > 0 && r.Status == models.RegAuthenticated) {
		return nil // used, revoked or expired: nothing to remind of
	}
	d, err := e.store.DomainByID(ctx, nil, r.DomainID)
	if err != nil {
		return err
	}
	token, err := e.cfg.Keys.Open(job.Args.KeyID, r.ID, job.Args.SealedToken)
	if err != nil {
		return river.JobCancel(err)
	}
	data := map[string]any{
		"Platform": e.cfg.PlatformName, "Host": d.Host, "Link": e.registrationLink(string(token)),
		"Expires": r.ExpiresAt.UTC().Format("Monday 2 January 2006, 15:04 UTC"), "Reminder": job.Args.Reminder > 0,
	}
	var html, text bytes.Buffer
	if err := mailHTML.Execute(&html, data); err != nil {
		return err
	}
	if err := mailText.Execute(&text, data); err != nil {
		return err
	}
	subject := "Set up " + d.Host + " for branded links"
	if job.Args.Reminder > 0 {
		subject = "Reminder: " + subject
	}
	if err := e.cfg.Mailer.Send(ctx, providers.Message{To: r.Email, Subject: subject, Text: text.String(), HTML: html.String()}); err != nil {
		if providers.IsTransient(err) && job.Attempt < job.MaxAttempts {
			return err
		}
		e.log.WarnContext(ctx, "registration e-mail not delivered", "registration_id", r.ID, "error", err.Error())
		return river.JobCancel(err)
	}
	if job.Args.Reminder > 0 {
		now := e.store.Now()
		return e.store.Tx(ctx, func(tx *gorm.DB, _ *sqlTxAlias) error {
			return tx.Model(&models.Registration{}).Where("id = ?", r.ID).
				Updates(map[string]any{"reminders_sent": gorm.Expr("reminders_sent + 1"), "last_reminder_at": now}).Error
		})
	}
	return nil
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	e *Engine
}

// Work expires overdue registrations; a domain still waiting for its
// client goes back to pending with a reason.
func (w *sweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	e := w.e
	due, err := e.store.OpenRegistrationsDue(ctx, time.Time{}, 500)
	if err != nil {
		return err
	}
	for _, r := range due {
		err := e.store.Tx(ctx, func(tx *gorm.DB, _ *sqlTxAlias) error {
			res := tx.Model(&models.Registration{}).Where("id = ? AND status IN ?", r.ID, models.RegistrationOpen).
				Updates(map[string]any{"status": models.RegExpired, "updated_at": e.store.Now()})
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			if err := e.emitRegistrationTx(ctx, tx, models.EventRegistrationExpired, r.ID); err != nil {
				return err
			}
			d, err := e.store.DomainByID(ctx, tx, r.DomainID)
			if err != nil {
				return err
			}
			if d.Status != models.StatusAwaitingClient {
				return nil
			}
			reason := fmt.Sprintf("the registration link sent to %s expired unused; forward the login again or set the domain up yourself", r.Email)
			return e.store.ApplyTx(tx, d, models.Change{To: models.StatusPending, Reason: reason, StatusReason: &reason, Actor: actorWorkflow})
		})
		if err != nil {
			return err
		}
	}
	// Webhook history past its retention goes, a batch per sweep.
	_, err = e.store.PruneWebhookHistory(ctx, e.store.Now().Add(-e.cfg.WebhookRetention), 1000)
	return err
}

// ---- the client's side (registration pages) ----

// ErrRegistrationGone is returned for a link that was used, revoked or
// has expired: the client must ask for a new one.
var ErrRegistrationGone = &models.Error{Kind: models.KindGone, Code: "registration_gone",
	Detail: "this link was already used, replaced by a newer one, or has expired; ask for a new link"}

// RegistrationState is what a registration page shows.
type RegistrationState struct {
	Registration *models.Registration
	Domain       *models.Domain
	UserExists   bool
}

// OpenRegistration looks a link up and marks it opened. It never consumes
// the link (mail scanners fetch links before people do).
func (e *Engine) OpenRegistration(ctx context.Context, token string) (*RegistrationState, error) {
	r, err := e.store.RegistrationByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if !r.Open(e.store.Now()) {
		return nil, ErrRegistrationGone
	}
	if r.Status == models.RegSent {
		err := e.store.Tx(ctx, func(tx *gorm.DB, _ *sqlTxAlias) error {
			ok, err := e.store.AdvanceRegistrationTx(tx, r.ID, []models.RegistrationStatus{models.RegSent}, models.RegOpened, nil)
			if err != nil || !ok {
				return err
			}
			r.Status = models.RegOpened
			if err := e.emitRegistrationTx(ctx, tx, models.EventRegistrationOpened, r.ID); err != nil {
				return err
			}
			return e.registrationEventTx(ctx, tx, r.DomainID, "registration link opened by "+r.Email, "registration:"+r.ID)
		})
		if err != nil {
			return nil, err
		}
	}
	d, err := e.store.DomainByID(ctx, nil, r.DomainID)
	if err != nil {
		return nil, err
	}
	exists, err := e.store.UserExists(ctx, r.Email)
	if err != nil {
		return nil, err
	}
	return &RegistrationState{Registration: r, Domain: d, UserExists: exists}, nil
}

// RegistrationAccount creates the client user for the link's e-mail, or
// signs them in if the account exists, and returns the user.
func (e *Engine) RegistrationAccount(ctx context.Context, token, password string) (*models.User, error) {
	st, err := e.OpenRegistration(ctx, token)
	if err != nil {
		return nil, err
	}
	r, d := st.Registration, st.Domain
	var u *models.User
	if st.UserExists {
		u, err = e.store.VerifyPassword(ctx, r.Email, password)
		if err != nil {
			return nil, err
		}
		if u.ClientID == nil || *u.ClientID != d.ClientID {
			return nil, models.Invalid("wrong_account", "password", "this e-mail belongs to another account; ask for a link to another address")
		}
	} else {
		u, err = e.store.CreateUser(ctx, models.UserInput{Email: r.Email, Password: password, Role: models.RoleClient, ClientID: d.ClientID})
		if err != nil {
			return nil, err
		}
	}
	err = e.store.Tx(ctx, func(tx *gorm.DB, _ *sqlTxAlias) error {
		ok, err := e.store.AdvanceRegistrationTx(tx, r.ID, []models.RegistrationStatus{models.RegSent, models.RegOpened},
			models.RegAccountCreated, map[string]any{"user_id": u.ID})
		if err != nil || !ok {
			return err
		}
		return e.registrationEventTx(ctx, tx, r.DomainID, "the client signed in as "+u.Email, "user:"+u.ID)
	})
	return u, err
}

// RegistrationConnectDNS proves control of the DNS with the client's
// provider token (checked live: valid, and it sees the domain's zone), or
// records the choice of a manual setup (mode "manual").
func (e *Engine) RegistrationConnectDNS(ctx context.Context, token, userID string, in ConfigureInput) error {
	st, err := e.registrationFor(ctx, token, userID)
	if err != nil {
		return err
	}
	r, d := st.Registration, st.Domain
	var save func(tx *gorm.DB) error
	switch in.Mode {
	case models.SetupSelf:
		access, err := e.checkDNSCredentials(ctx, d, in)
		if err != nil {
			return err
		}
		save = func(tx *gorm.DB) error { return e.store.SaveDNSCredentialsTx(tx, e.cfg.Keys, d.ID, access) }
	case models.SetupManual:
		save = func(tx *gorm.DB) error { return e.store.DeleteDNSCredentialsTx(tx, d.ID) }
	default:
		return models.Invalid("invalid_mode", "mode", "choose to connect your DNS provider or to add the record yourself")
	}
	return e.store.Tx(ctx, func(tx *gorm.DB, _ *sqlTxAlias) error {
		if err := save(tx); err != nil {
			return err
		}
		ok, err := e.store.AdvanceRegistrationTx(tx, r.ID, []models.RegistrationStatus{models.RegAccountCreated, models.RegAuthenticated},
			models.RegAuthenticated, nil)
		if err != nil || !ok {
			return err
		}
		how := "the client connected " + in.Provider
		if in.Mode == models.SetupManual {
			how = "the client chose to add the DNS record by hand"
		}
		return e.registrationEventTx(ctx, tx, r.DomainID, how, "user:"+userID)
	})
}

// RegistrationDNSDoctor diagnoses the domain's CNAME for the manual path.
func (e *Engine) RegistrationDNSDoctor(ctx context.Context, token, userID string) (providers.DNSCheck, *models.Domain, error) {
	st, err := e.registrationFor(ctx, token, userID)
	if err != nil {
		return providers.DNSCheck{}, nil, err
	}
	d := st.Domain
	check, err := e.cfg.Resolver.CheckCNAME(ctx, d.Host, d.Apex, d.CNAMETarget)
	return check, d, err
}

// FinishRegistration completes the registration and starts onboarding in
// one transaction: of two browsers finishing at once, exactly one wins
// (a conditional UPDATE); the other gets ErrRegistrationGone.
func (e *Engine) FinishRegistration(ctx context.Context, token, userID string) (*models.Domain, error) {
	st, err := e.registrationFor(ctx, token, userID)
	if err != nil {
		return nil, err
	}
	r, d := st.Registration, st.Domain
	if r.Status != models.RegAuthenticated {
		return nil, &models.Error{Kind: models.KindConflict, Code: "registration_incomplete", Detail: "connect your DNS provider or choose to add the record yourself first"}
	}
	in := ConfigureInput{Mode: models.SetupManual}
	if access, err := e.store.DNSCredentials(ctx, e.cfg.Keys, d.ID); err == nil {
		in = ConfigureInput{Mode: models.SetupSelf, Provider: access.Provider, Credentials: access.Credentials}
	} else if !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}
	if !models.Configurable.Has(d.Status) {
		// Set up meanwhile (another browser finished first): this link
		// has done its work.
		return nil, ErrRegistrationGone
	}
	complete := func(tx *gorm.DB) error {
		ok, err := e.store.AdvanceRegistrationTx(tx, r.ID, []models.RegistrationStatus{models.RegAuthenticated}, models.RegCompleted, nil)
		if err != nil {
			return err
		}
		if !ok {
			return ErrRegistrationGone
		}
		if err := e.emitRegistrationTx(ctx, tx, models.EventRegistrationCompleted, r.ID); err != nil {
			return err
		}
		if err := e.registrationEventTx(ctx, tx, d.ID, "registration completed by the client", "user:"+userID); err != nil {
			return err
		}
		// configure applies its change to d: take the version just written.
		fresh, err := e.store.DomainByID(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		*d = *fresh
		return nil
	}
	return e.configure(ctx, d, in, "user:"+userID, complete)
}

// emitRegistrationTx writes a registration.* webhook event (data: the
// registration and its domain's host) in the caller's transaction.
func (e *Engine) emitRegistrationTx(ctx context.Context, tx *gorm.DB, eventType, regID string) error {
	r, err := e.store.RegistrationByID(ctx, tx, regID)
	if err != nil {
		return err
	}
	d, err := e.store.DomainByID(ctx, tx, r.DomainID)
	if err != nil {
		return err
	}
	return e.store.EmitTx(tx, eventType, d.ClientID, map[string]any{"registration": r.View(), "domain_id": d.ID, "host": d.Host})
}

// registrationEventTx writes a registration step on the domain's
// timeline (the status does not change).
func (e *Engine) registrationEventTx(ctx context.Context, tx *gorm.DB, domainID, reason, actor string) error {
	d, err := e.store.DomainByID(ctx, tx, domainID)
	if err != nil {
		return err
	}
	return e.store.ApplyTx(tx, d, models.Change{Reason: reason, Actor: actor})
}

// registrationFor checks that the link is open and belongs to the signed-in
// user.
func (e *Engine) registrationFor(ctx context.Context, token, userID string) (*RegistrationState, error) {
	r, err := e.store.RegistrationByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if !r.Open(e.store.Now()) {
		return nil, ErrRegistrationGone
	}
	if r.UserID == nil || *r.UserID != userID {
		return nil, &models.Error{Kind: models.KindUnauthorized, Code: "sign_in_required", Detail: "sign in to continue"}
	}
	d, err := e.store.DomainByID(ctx, nil, r.DomainID)
	if err != nil {
		return nil, err
	}
	return &RegistrationState{Registration: r, Domain: d, UserExists: true}, nil
}

// checkDNSCredentials checks a DNS provider token live, as Configure does,
// and returns what to keep: the credentials and the zone that holds the
// domain's host (so the job creating the record need not look it up).
func (e *Engine) checkDNSCredentials(ctx context.Context, d *models.Domain, in ConfigureInput) (models.DNSAccess, error) {
	host, ok := e.cfg.DNS.Get(in.Provider)
	if !ok {
		return models.DNSAccess{}, models.Invalid("invalid_provider", "provider",
			"must be one of: "+strings.Join(e.cfg.DNS.Names(), ", "))
	}
	creds, missing := host.Credentials(in.Credentials)
	if missing != "" {
		return models.DNSAccess{}, models.Invalid("invalid_credentials", "credentials."+missing, "is required")
	}
	f := host.Factory
	dns, err := f(creds)
	if err != nil {
		return models.DNSAccess{}, credentialError(err, host)
	}
	if err := dns.CheckCredentials(ctx); err != nil {
		return models.DNSAccess{}, credentialError(err, host)
	}
	zone, err := dns.Zone(ctx, d.Host)
	if err != nil {
		if errors.Is(err, providers.ErrZoneNotFound) {
			return models.DNSAccess{}, models.Invalid("zone_not_found", "credentials."+host.FirstField(),
				fmt.Sprintf("these credentials cannot see a zone that holds %s; give credentials for the %s zone", d.Host, d.Apex))
		}
		return models.DNSAccess{}, credentialError(err, host)
	}
	return models.DNSAccess{Provider: in.Provider, Credentials: creds, ZoneID: zone.ID, ZoneName: zone.Name}, nil
}

package workflows_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/workflows"
)

// dpWaitDomain polls a domain until it has status want.
func dpWaitDomain(t *testing.T, s *models.Store, id string, want models.Status) *models.Domain {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := s.GetDomain(context.Background(), models.Scope{}, id)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status == want {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("domain is %s (%s), want %s", d.Status, d.StatusReason, want)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// The remedies of a failed domain: the failure's kind is recorded from
// the provider's typed error (an A record in the CNAME's way at
// Cloudflare); a domain whose DNS step failed may be set up by hand or
// forwarded to the client instead (the failure forgotten); a domain that
// failed past its DNS may not; a registration link is revoked (the
// domain back to pending), once, and only within scope.
func TestFailedDomainRemedies(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		b := setupRegistration(t, db, nil)
		e, s := b.engine, b.store
		fail := func(apex string) *models.Domain {
			t.Helper()
			d, err := s.CreateDomain(ctx, models.Scope{}, b.domain.ClientID, models.DomainInput{Domain: apex}, models.DNSDefaults{}, "test")
			if err != nil {
				t.Fatal(err)
			}
			zone, tok := b.cf.AddZone(apex)
			b.cf.AddRecord(zone, providers.Record{Type: "A", Name: d.Host, Content: "192.0.2.10"})
			in := workflows.ConfigureInput{Mode: models.SetupSelf, Provider: "cloudflare", Credentials: map[string]string{"api_token": tok}}
			if _, err := e.Configure(ctx, models.Scope{}, d.ID, in, "test"); err != nil {
				t.Fatal(err)
			}
			return dpWaitDomain(t, s, d.ID, models.StatusFailed)
		}

		// Classified by type, the raw reason kept.
		d := fail("manual-acme.com")
		if d.FailureKind != models.FailureRecordConflict || d.FailureDetail != "A" || d.StatusReason == "" || !workflows.CanSwitchSetup(d) {
			t.Fatalf("failed: kind %q reason %q step %q", d.FailureKind, d.StatusReason, d.FailedStep)
		}
		// The API's configure and forward-login keep refusing it (retry).
		if _, err := e.Configure(ctx, models.Scope{}, d.ID, workflows.ConfigureInput{Mode: models.SetupManual}, "test"); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("Configure of a failed domain: %v", err)
		}
		if _, err := e.ForwardLogin(ctx, models.Scope{}, d.ID, "a@manual-acme.com", "test"); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("ForwardLogin of a failed domain: %v", err)
		}
		// Set up by hand instead: the failure is forgotten.
		if _, err := e.SwitchSetup(ctx, models.Scope{}, d.ID, workflows.ConfigureInput{Mode: models.SetupManual}, "test"); err != nil {
			t.Fatal(err)
		}
		d = dpWaitDomain(t, s, d.ID, models.StatusDNSPending)
		if d.SetupMode != models.SetupManual || d.FailureKind != models.FailureNone || d.FailureDetail != "" || d.FailedStep != "" {
			t.Fatalf("after manual: mode %q kind %q step %q", d.SetupMode, d.FailureKind, d.FailedStep)
		}

		// Forward the login instead, then revoke the link.
		f := fail("forward-acme.com")
		if f.DNSStatus != models.DNSFailed {
			t.Fatalf("failed at the CNAME: dns %q", f.DNSStatus)
		}
		res, err := e.SwitchToForwardLogin(ctx, models.Scope{}, f.ID, "owner@forward-acme.com", "test")
		if err != nil {
			t.Fatal(err)
		}
		f = dpWaitDomain(t, s, f.ID, models.StatusAwaitingClient)
		if f.SetupMode != models.SetupForwardLogin || f.FailureKind != models.FailureNone || f.StatusReason != "" || f.DNSStatus != models.DNSNotStarted {
			t.Fatalf("after forwarding: mode %q kind %q reason %q dns %q", f.SetupMode, f.FailureKind, f.StatusReason, f.DNSStatus)
		}
		other := models.Scope{ClientID: "cli_other"}
		if err := e.RevokeRegistration(ctx, other, f.ID, res.Registration.ID, "test"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another client's revoke: %v", err)
		}
		if err := e.RevokeRegistration(ctx, models.Scope{}, b.domain.ID, res.Registration.ID, "test"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("revoke through another domain: %v", err)
		}
		if err := e.RevokeRegistration(ctx, models.Scope{}, f.ID, res.Registration.ID, "test"); err != nil {
			t.Fatal(err)
		}
		if r, _ := s.RegistrationByID(ctx, nil, res.Registration.ID); r.Status != models.RegRevoked {
			t.Fatalf("registration %s", r.Status)
		}
		dpWaitDomain(t, s, f.ID, models.StatusPending)
		if err := e.RevokeRegistration(ctx, models.Scope{}, f.ID, res.Registration.ID, "test"); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("second revoke: %v", err)
		}

		// Failed past its DNS: no other setup; Retry is the remedy.
		late, err := s.CreateDomain(ctx, models.Scope{}, b.domain.ClientID, models.DomainInput{Domain: "late-acme.com"}, models.DNSDefaults{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		step, kind := "onboarding_poll_cert", models.FailureCertificate
		if err := s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
			return s.ApplyTx(tx, late, models.Change{To: models.StatusFailed, FailedStep: &step, FailureKind: &kind, Reason: "test", Actor: "test"})
		}); err != nil {
			t.Fatal(err)
		}
		if workflows.CanSwitchSetup(late) {
			t.Error("a certificate failure offers another setup")
		}
		if _, err := e.SwitchSetup(ctx, models.Scope{}, late.ID, workflows.ConfigureInput{Mode: models.SetupManual}, "test"); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("configure after a certificate failure: %v", err)
		}
		if _, err := e.SwitchToForwardLogin(ctx, models.Scope{}, late.ID, "a@late-acme.com", "test"); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("forward after a certificate failure: %v", err)
		}
	})
}

package workflows_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/workflows"
)

const trackingTarget = "track.linkgate.example."

// twilioOps are every operation of the fake Twilio's Link Shortening API.
var twilioOps = []string{
	mocks.TwilioOpCertificate, mocks.TwilioOpCertificateV1, mocks.TwilioOpRequestManagedCert, mocks.TwilioOpValidateDNS,
	mocks.TwilioOpFetchConfig, mocks.TwilioOpUpdateConfig, mocks.TwilioOpAttachMessagingService,
	mocks.TwilioOpDetachMessagingService, mocks.TwilioOpMessagingServiceDomain,
}

// newTrackingDomain adds a url_tracking domain for the bundle's client.
func newTrackingDomain(t *testing.T, b *regBundle, apex string) *models.Domain {
	t.Helper()
	d, err := b.store.CreateDomain(context.Background(), models.Scope{}, b.domain.ClientID,
		models.DomainInput{Domain: apex, Purpose: models.PurposeURLTracking}, models.DNSDefaults{TrackingTarget: trackingTarget}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if d.CNAMETarget != trackingTarget {
		t.Fatalf("tracking domain's CNAME target %q, want %q", d.CNAMETarget, trackingTarget)
	}
	return d
}

// wantTrackingConfigured checks a configured tracking domain: DNS
// verified, no certificate, no Domain SID, and a timeline that went from
// dns_pending straight to configured.
func wantTrackingConfigured(t *testing.T, b *regBundle, d *models.Domain) {
	t.Helper()
	if d.DNSStatus != models.DNSVerified || d.SSLStatus != models.SSLNone || d.DomainSID != "" || d.CertExpiresAt != nil ||
		d.StatusReason != "" || d.ConfiguredAt == nil {
		t.Errorf("configured tracking domain: %+v", d)
	}
	evs, err := b.store.DomainEvents(context.Background(), models.Scope{}, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	var path []models.Status
	for _, ev := range evs {
		if len(path) == 0 || path[len(path)-1] != ev.To {
			path = append(path, ev.To)
		}
	}
	want := []models.Status{models.StatusPending, models.StatusDNSPending, models.StatusConfigured}
	if len(path) != len(want) {
		t.Fatalf("timeline %v, want %v", path, want)
	}
	for i := range want {
		if path[i] != want[i] {
			t.Fatalf("timeline %v, want %v", path, want)
		}
	}
}

// wantNoTwilioCalls: the fake Twilio answered nothing at all (the
// bundle's own link-shortening domain is never configured in these tests).
func wantNoTwilioCalls(t *testing.T, b *regBundle) {
	t.Helper()
	for _, op := range twilioOps {
		if n := b.tw.Calls(op, ""); n != 0 {
			t.Errorf("the fake Twilio answered %d %s calls, want none", n, op)
		}
	}
	if len(b.tw.Domains()) != 0 || len(b.tw.CertRequests()) != 0 {
		t.Errorf("Twilio knows domains %v, cert requests %v", b.tw.Domains(), b.tw.CertRequests())
	}
}

// A url_tracking domain onboards through self setup (linkgate creates
// the CNAME to the tracking target in the fake Cloudflare) and manual
// setup (the client adds it) to configured as soon as DNS answers, with
// no Twilio step and no Twilio call; a Domain SID or a Messaging Service
// for it is refused naming the field.
func TestTrackingDomainOnboarding(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		t.Parallel()
		b := setupRegistration(t, db, nil)
		ctx := context.Background()

		// Self setup.
		self := newTrackingDomain(t, b, "trackself.com")
		configureSelf(t, b, self.ID, "trackself.com")
		got := waitDomain(t, b, self.ID, models.StatusConfigured)
		wantTrackingConfigured(t, b, got)
		recs := b.cf.RecordsAt(self.Host)
		if len(recs) != 1 || recs[0].Type != "CNAME" || !providers.SameHost(recs[0].Content, trackingTarget) {
			t.Errorf("records at %s: %+v, want one CNAME to %s", self.Host, recs, trackingTarget)
		}
		if _, ok := b.dns.LookupCNAME(self.Host); !ok {
			t.Errorf("the fake DNS does not answer the CNAME of %s", self.Host)
		}

		// Manual setup: the client adds the record by hand.
		manual := newTrackingDomain(t, b, "trackhand.com")
		if _, err := b.engine.Configure(ctx, models.Scope{}, manual.ID, workflows.ConfigureInput{Mode: models.SetupManual}, "test"); err != nil {
			t.Fatal(err)
		}
		if err := b.dns.AddManual(manual.Host, "CNAME", trackingTarget); err != nil {
			t.Fatal(err)
		}
		got = waitDomain(t, b, manual.ID, models.StatusConfigured)
		wantTrackingConfigured(t, b, got)

		// Twilio-only actions are refused naming their field.
		_, err := b.engine.SubmitDomainSID(ctx, models.Scope{}, manual.ID, "DN0123456789abcdef0123456789abcdef", "test")
		wantFieldError(t, err, "domain_sid")
		_, _, err = b.engine.AttachMessagingService(ctx, models.Scope{}, self.ID, reconcileMS, false, "test")
		wantFieldError(t, err, "messaging_service_sid")
		if got, err := b.store.GetDomain(ctx, models.Scope{}, self.ID); err != nil || len(got.MessagingServiceSIDs) != 0 {
			t.Errorf("messaging services after the refusal: %v, %v", got.MessagingServiceSIDs, err)
		}

		// The reconciler leaves them alone at Twilio.
		reconcileNow(t, b, false)
		wantNoTwilioCalls(t, b)
		if n := countEvents(t, db, models.EventDomainConfigured); n != 2 {
			t.Errorf("%d domain.configured events, want 2", n)
		}

		// ...but checks their CNAMEs: the hand-made one removed is drift
		// the client fixes, named with the tracking target, still with
		// no Twilio call; back, the drift clears.
		if err := b.dns.RemoveManual(manual.Host, "CNAME", trackingTarget); err != nil {
			t.Fatal(err)
		}
		rep := reconcileNow(t, b, false)
		if dr := checks(rep)[workflows.CheckCNAME]; len(rep.Drifts) != 1 || dr.DomainID != manual.ID || dr.Repaired {
			t.Fatalf("drifts after the tracking CNAME went: %+v", rep.Drifts)
		}
		wantNoTwilioCalls(t, b)
		got, err = b.store.GetDomain(ctx, models.Scope{}, manual.ID)
		if err != nil || got.Status != models.StatusConfigured || !strings.HasPrefix(got.StatusReason, "drift: ") ||
			!strings.Contains(got.StatusReason, strings.TrimSuffix(trackingTarget, ".")) {
			t.Fatalf("tracking domain after the drift: %+v, %v", got, err)
		}
		if err := b.dns.AddManual(manual.Host, "CNAME", trackingTarget); err != nil {
			t.Fatal(err)
		}
		if rep := reconcileNow(t, b, false); len(rep.Drifts) != 0 {
			t.Fatalf("after the CNAME came back: %+v", rep.Drifts)
		}
		if got, _ := b.store.GetDomain(ctx, models.Scope{}, manual.ID); got.StatusReason != "" {
			t.Fatalf("status_reason %q after the drift is gone", got.StatusReason)
		}
	})
}

// A tracking domain whose CNAME points elsewhere waits, with the finding
// naming the tracking target, until the record is fixed.
func TestTrackingDomainWaitsForTheTrackingTarget(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		t.Parallel()
		b := setupRegistration(t, db, nil)
		ctx := context.Background()
		d := newTrackingDomain(t, b, "trackwrong.com")
		// The Twilio target is the wrong one for a tracking domain.
		if err := b.dns.AddManual(d.Host, "CNAME", mocks.DefaultTwilioCNAMETarget); err != nil {
			t.Fatal(err)
		}
		if _, err := b.engine.Configure(ctx, models.Scope{}, d.ID, workflows.ConfigureInput{Mode: models.SetupManual}, "test"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() (*models.Domain, bool, error) {
			got, err := b.store.GetDomain(ctx, models.Scope{}, d.ID)
			return got, err == nil && got.Status == models.StatusDNSPending && strings.Contains(got.StatusReason, strings.TrimSuffix(trackingTarget, ".")), err
		}, func(got *models.Domain) string {
			return "status reason " + got.StatusReason + " never named " + trackingTarget
		})
		if err := b.dns.RemoveManual(d.Host, "CNAME", mocks.DefaultTwilioCNAMETarget); err != nil {
			t.Fatal(err)
		}
		if err := b.dns.AddManual(d.Host, "CNAME", trackingTarget); err != nil {
			t.Fatal(err)
		}
		wantTrackingConfigured(t, b, waitDomain(t, b, d.ID, models.StatusConfigured))
		wantNoTwilioCalls(t, b)
	})
}

func wantFieldError(t *testing.T, err error, field string) {
	t.Helper()
	var e *models.Error
	if !errors.As(err, &e) || e.Kind != models.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != field {
		t.Errorf("got %v, want a validation error naming %s", err, field)
	}
}

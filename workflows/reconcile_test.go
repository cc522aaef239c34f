package workflows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/workflows"
)

const reconcileMS = "MG0123456789abcdef0123456789abcdef"

// onboardConfigured takes the bundle's domain through self setup to
// configured, with one Messaging Service attached, and returns the
// Cloudflare zone id and the Domain SID.
func onboardConfigured(t *testing.T, b *regBundle) (zoneID, domainSID string) {
	t.Helper()
	ctx := context.Background()
	zoneID, token := b.cf.AddZone("acme.com")
	if _, err := b.engine.Configure(ctx, models.Scope{}, b.domain.ID, workflows.ConfigureInput{
		Mode: models.SetupSelf, Provider: "cloudflare", Credentials: map[string]string{"api_token": token},
	}, "test"); err != nil {
		t.Fatal(err)
	}
	domainSID = b.tw.RegisterDomain("ls.acme.com")
	b.waitStatus(t, models.StatusAwaitingDomainSID)
	if _, err := b.engine.SubmitDomainSID(ctx, models.Scope{}, b.domain.ID, domainSID, "test"); err != nil {
		t.Fatal(err)
	}
	b.waitStatus(t, models.StatusConfigured)
	if _, _, err := b.engine.AttachMessagingService(ctx, models.Scope{}, b.domain.ID, reconcileMS, false, "test"); err != nil {
		t.Fatal(err)
	}
	return zoneID, domainSID
}

func (b *regBundle) timeline(t *testing.T) []models.DomainEvent {
	t.Helper()
	evs, err := b.store.DomainEvents(context.Background(), models.Scope{}, b.domain.ID)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func countEvents(t *testing.T, db *models.DB, typ string) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm.Model(&models.WebhookEvent{}).Where("type = ?", typ).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func reconcileNow(t *testing.T, b *regBundle, dry bool) workflows.ReconcileReport {
	t.Helper()
	rep, err := b.engine.Reconcile(context.Background(), workflows.ReconcileOptions{DryRun: dry})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) > 0 {
		t.Fatalf("reconcile errors: %v", rep.Errors)
	}
	return rep
}

func checks(rep workflows.ReconcileReport) map[string]workflows.Drift {
	out := map[string]workflows.Drift{}
	for _, d := range rep.Drifts {
		out[d.Check] = d
	}
	return out
}

// TestReconcileRepairsDrift breaks a configured domain behind linkgate's
// back at the fake Twilio and DNS and checks what the reconciler finds,
// what a dry run leaves alone, what it repairs (timeline entry and event
// each) and what it can only report.
func TestReconcileRepairsDrift(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		b := setupRegistration(t, db, nil)
		zoneID, dn := onboardConfigured(t, b)
		ls := b.world.LinkShortening

		if rep := reconcileNow(t, b, false); rep.Checked != 1 || len(rep.Drifts) != 0 {
			t.Fatalf("a domain in order: %+v", rep)
		}

		// Behind linkgate's back: the Messaging Service detached and the
		// click callback changed in the Twilio Console.
		if err := ls.DetachMessagingService(ctx, dn, reconcileMS); err != nil {
			t.Fatal(err)
		}
		cfg, err := ls.DomainConfig(ctx, dn)
		if err != nil {
			t.Fatal(err)
		}
		cfg.CallbackURL = "https://elsewhere.example.com/clicks"
		if _, err := ls.UpdateDomainConfig(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		before := len(b.timeline(t))

		// A dry run reports both and changes nothing anywhere.
		rep := reconcileNow(t, b, true)
		got := checks(rep)
		if len(rep.Drifts) != 2 || got[workflows.CheckMessagingService].Repaired || got[workflows.CheckDomainConfig].Repaired ||
			got[workflows.CheckMessagingService].Repair == "" || !strings.Contains(got[workflows.CheckDomainConfig].Found, "elsewhere.example.com") {
			t.Fatalf("dry run: %+v", rep.Drifts)
		}
		if _, err := ls.MessagingServiceDomain(ctx, reconcileMS); err == nil {
			t.Fatal("the dry run attached the Messaging Service")
		}
		if c, _ := ls.DomainConfig(ctx, dn); c.CallbackURL != cfg.CallbackURL {
			t.Fatal("the dry run changed the domain config")
		}
		if n := len(b.timeline(t)); n != before {
			t.Fatalf("the dry run wrote %d timeline entries", n-before)
		}

		// The real run repairs both, each with its timeline entry and event.
		rep = reconcileNow(t, b, false)
		got = checks(rep)
		if len(rep.Drifts) != 2 || !got[workflows.CheckMessagingService].Repaired || !got[workflows.CheckDomainConfig].Repaired {
			t.Fatalf("repair: %+v", rep.Drifts)
		}
		if at, err := ls.MessagingServiceDomain(ctx, reconcileMS); err != nil || at != dn {
			t.Fatalf("Twilio maps the service to %q (%v), want %s", at, err, dn)
		}
		if c, _ := ls.DomainConfig(ctx, dn); c.CallbackURL != "https://links.example.com"+workflows.ClickPath {
			t.Fatalf("callback is %q after the repair", c.CallbackURL)
		}
		evs := b.timeline(t)
		if len(evs) != before+2 {
			t.Fatalf("%d timeline entries written, want 2", len(evs)-before)
		}
		for _, ev := range evs[before:] {
			if ev.Actor != "reconciler" || !strings.HasPrefix(ev.Reason, "reconciler: ") || ev.From != models.StatusConfigured || ev.To != models.StatusConfigured {
				t.Fatalf("timeline entry %+v", ev)
			}
		}
		if n := countEvents(t, db, models.EventDomainDriftRepaired); n != 2 {
			t.Fatalf("%d domain.drift_repaired events, want 2", n)
		}
		if rep := reconcileNow(t, b, false); len(rep.Drifts) != 0 {
			t.Fatalf("after the repair: %+v", rep.Drifts)
		}

		// The CNAME removed at the DNS host: linkgate no longer holds the
		// client's credentials, so the drift is the client's to fix; it is
		// written to status_reason once and cleared when it is gone.
		zone := b.cf.Records(zoneID)
		var rec providers.Record
		for _, r := range zone {
			if r.Name == "ls.acme.com" {
				rec = r
			}
		}
		if rec.ID == "" {
			t.Fatalf("no CNAME in the fake Cloudflare: %+v", zone)
		}
		if !b.cf.RemoveRecord(zoneID, rec.ID) {
			t.Fatal("record not removed")
		}
		before = len(b.timeline(t))
		for range 2 {
			rep = reconcileNow(t, b, false)
			if dr := checks(rep)[workflows.CheckCNAME]; len(rep.Drifts) != 1 || dr.Repaired || dr.Repair != "" {
				t.Fatalf("CNAME drift: %+v", rep.Drifts)
			}
		}
		d, _ := b.store.GetDomain(ctx, models.Scope{}, b.domain.ID)
		if !strings.HasPrefix(d.StatusReason, "drift: ") || !strings.Contains(d.StatusReason, "add it again") || d.Status != models.StatusConfigured {
			t.Fatalf("status_reason %q (%s)", d.StatusReason, d.Status)
		}
		if n := len(b.timeline(t)) - before; n != 1 {
			t.Fatalf("%d timeline entries for one unrepaired drift, want 1", n)
		}
		if n := countEvents(t, db, models.EventDomainDriftDetected); n != 1 {
			t.Fatalf("%d domain.drift_detected events, want 1", n)
		}
		b.cf.AddRecord(zoneID, providers.Record{Type: "CNAME", Name: "ls.acme.com", Content: rec.Content, TTL: rec.TTL})
		if rep := reconcileNow(t, b, false); len(rep.Drifts) != 0 {
			t.Fatalf("after the CNAME came back: %+v", rep.Drifts)
		}
		if d, _ := b.store.GetDomain(ctx, models.Scope{}, b.domain.ID); d.StatusReason != "" {
			t.Fatalf("status_reason %q after the drift is gone", d.StatusReason)
		}

		// The certificate gone at Twilio: requested again, and the domain
		// goes back through the certificate step to configured.
		if !b.tw.DropCertificate(dn) {
			t.Fatal("no certificate to drop")
		}
		requests := b.tw.CertRequests()[dn]
		rep = reconcileNow(t, b, false)
		if dr := checks(rep)[workflows.CheckCertificate]; !dr.Repaired {
			t.Fatalf("certificate drift: %+v", rep.Drifts)
		}
		if n := b.tw.CertRequests()[dn]; n != requests+1 {
			t.Fatalf("certificate requests %d → %d, want one more", requests, n)
		}
		b.waitStatus(t, models.StatusConfigured)
		if rep := reconcileNow(t, b, false); len(rep.Drifts) != 0 {
			t.Fatalf("after the certificate came back: %+v", rep.Drifts)
		}
	})
}

// TestReconcilePeriodic: with ReconcileInterval set, the engine finds and
// repairs drift on its own.
func TestReconcilePeriodic(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		b := setupRegistration(t, db, func(c *workflows.Config) { c.ReconcileInterval = 200 * time.Millisecond })
		_, dn := onboardConfigured(t, b)
		ls := b.world.LinkShortening
		if err := ls.DetachMessagingService(ctx, dn, reconcileMS); err != nil {
			t.Fatal(err)
		}
		// The repair reaches Twilio first, then the timeline: wait for both.
		deadline := time.Now().Add(20 * time.Second)
		for {
			at, err := ls.MessagingServiceDomain(ctx, reconcileMS)
			found := false
			for _, ev := range b.timeline(t) {
				found = found || (ev.Actor == "reconciler" && strings.Contains(ev.Reason, reconcileMS))
			}
			if err == nil && at == dn && found {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the periodic reconciler did not repair: Twilio has %q (%v), timeline entry %v", at, err, found)
			}
			time.Sleep(25 * time.Millisecond)
		}
	})
}

// TestReconcileOneDomain: -domain checks that domain only, and refuses a
// domain that is not live.
func TestReconcileOneDomain(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		b := setupRegistration(t, db, nil)
		if _, err := b.engine.Reconcile(ctx, workflows.ReconcileOptions{DomainID: b.domain.ID}); err == nil {
			t.Fatal("a pending domain was reconciled")
		}
		if _, err := b.engine.Reconcile(ctx, workflows.ReconcileOptions{DomainID: "dom_nope"}); err == nil {
			t.Fatal("an unknown domain was reconciled")
		}
		onboardConfigured(t, b)
		rep, err := b.engine.Reconcile(ctx, workflows.ReconcileOptions{DomainID: b.domain.ID})
		if err != nil || rep.Checked != 1 {
			t.Fatalf("%+v %v", rep, err)
		}
	})
}

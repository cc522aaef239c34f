package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

const testTrackingTarget = "track.example.net."

// A url_tracking domain gets the tracking CNAME target; without one
// configured, or with an unknown purpose, it is refused naming purpose
// and nothing is stored.
func TestCreateTrackingDomain(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		c := mustClient(t, s, "Acme", "owner@acme.com")
		dns := models.DNSDefaults{Target: "lsct.example.", TrackingTarget: testTrackingTarget}

		sub := "t"
		d, err := s.CreateDomain(ctx, admin, c.ID, models.DomainInput{Domain: "acme.com", Subdomain: &sub, Purpose: models.PurposeURLTracking}, dns, "test")
		if err != nil {
			t.Fatal(err)
		}
		if d.Purpose != models.PurposeURLTracking || d.CNAMETarget != testTrackingTarget || d.Host != "t.acme.com" || d.Status != models.StatusPending {
			t.Errorf("created %+v", d)
		}
		v := d.View()
		if v.Purpose != models.PurposeURLTracking || len(v.DNSRecords) != 1 || v.DNSRecords[0].Value != testTrackingTarget {
			t.Errorf("view: purpose %s, records %+v", v.Purpose, v.DNSRecords)
		}
		// Link shortening beside it keeps the Twilio target.
		ls, err := s.CreateDomain(ctx, admin, c.ID, models.DomainInput{Domain: "acme.com"}, dns, "test")
		if err != nil || ls.CNAMETarget != "lsct.example." || ls.Purpose != models.PurposeLinkShortening {
			t.Fatalf("link shortening: %+v, %v", ls, err)
		}

		before := countRows(t, db, "domains")
		_, err = s.CreateDomain(ctx, admin, c.ID, models.DomainInput{Domain: "beta.com", Purpose: models.PurposeURLTracking},
			models.DNSDefaults{Target: "lsct.example."}, "test")
		e := wantError(t, err, models.KindInvalid, "invalid_purpose", "purpose")
		if !strings.Contains(e.Detail, "LINKGATE_TRACKING_CNAME_TARGET") {
			t.Errorf("no tracking target: %q does not say what is missing", e.Detail)
		}
		_, err = s.CreateDomain(ctx, admin, c.ID, models.DomainInput{Domain: "beta.com", Purpose: "marketing"}, dns, "test")
		e = wantError(t, err, models.KindInvalid, "invalid_purpose", "purpose")
		if !strings.Contains(e.Detail, "link_shortening") || !strings.Contains(e.Detail, "url_tracking") {
			t.Errorf("unknown purpose: %q does not list both purposes", e.Detail)
		}
		// A bad name too: both fields named.
		_, err = s.CreateDomain(ctx, admin, c.ID, models.DomainInput{Domain: "co.uk", Purpose: "marketing"}, dns, "test")
		wantError(t, err, models.KindInvalid, "invalid_purpose", "domain", "purpose")
		if n := countRows(t, db, "domains"); n != before {
			t.Errorf("%d domains stored, want %d", n, before)
		}
	})
}

// The transition table per purpose: a tracking domain goes from
// dns_pending straight to configured and never through the Twilio
// statuses; a link-shortening domain cannot skip them.
func TestTrackingTransitions(t *testing.T) {
	t.Parallel()
	track, ls := models.PurposeURLTracking, models.PurposeLinkShortening
	for _, tc := range []struct {
		p        models.Purpose
		from, to models.Status
		ok       bool
	}{
		{track, models.StatusDNSPending, models.StatusConfigured, true},
		{track, models.StatusPending, models.StatusDNSPending, true},
		{track, models.StatusConfigured, models.StatusArchived, true},
		{track, models.StatusArchived, models.StatusConfigured, true},
		{track, models.StatusDNSPending, models.StatusAwaitingDomainSID, false},
		{track, models.StatusDNSPending, models.StatusSSLPending, false},
		{track, models.StatusConfigured, models.StatusSSLPending, false},
		{track, models.StatusFailed, models.StatusSSLPending, false},
		{ls, models.StatusDNSPending, models.StatusConfigured, false},
		{ls, models.StatusDNSPending, models.StatusAwaitingDomainSID, true},
		{ls, models.StatusSSLPending, models.StatusConfigured, true},
	} {
		err := tc.p.CheckTransition(tc.from, tc.to)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %s → %s: %v, want allowed=%t", tc.p, tc.from, tc.to, err, tc.ok)
		}
		if err != nil && !errors.Is(err, models.ErrIllegalTransition) {
			t.Errorf("%s: %s → %s: %v does not wrap ErrIllegalTransition", tc.p, tc.from, tc.to, err)
		}
	}
	for _, p := range models.Purposes {
		if !p.Valid() {
			t.Errorf("%s is listed but not valid", p)
		}
	}
	if models.Purpose("marketing").Valid() || track.AtTwilio() || !ls.AtTwilio() {
		t.Error("Valid/AtTwilio disagree with the purposes")
	}
}

// ApplyTx checks the domain's purpose: a tracking domain is configured
// from dns_pending (with its event), a link-shortening domain is not.
func TestApplyTxByPurpose(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		c := mustClient(t, s, "Acme", "owner@acme.com")
		dns := models.DNSDefaults{TrackingTarget: testTrackingTarget}
		track, err := s.CreateDomain(ctx, admin, c.ID, models.DomainInput{Domain: "acme.com", Purpose: models.PurposeURLTracking}, dns, "test")
		if err != nil {
			t.Fatal(err)
		}
		ls, err := s.CreateDomain(ctx, admin, c.ID, models.DomainInput{Domain: "beta.com"}, dns, "test")
		if err != nil {
			t.Fatal(err)
		}
		apply := func(d *models.Domain, to models.Status) error {
			return db.Gorm.Transaction(func(tx *gorm.DB) error {
				return s.ApplyTx(tx, d, models.Change{To: to, Reason: "test", Actor: "test"})
			})
		}
		for _, d := range []*models.Domain{track, ls} {
			if err := apply(d, models.StatusDNSPending); err != nil {
				t.Fatal(err)
			}
		}
		if err := apply(track, models.StatusConfigured); err != nil {
			t.Fatalf("tracking dns_pending → configured: %v", err)
		}
		got, err := s.GetDomain(ctx, admin, track.ID)
		if err != nil || got.Status != models.StatusConfigured || got.ConfiguredAt == nil {
			t.Errorf("tracking domain after the change: %+v, %v", got, err)
		}
		wantError(t, apply(ls, models.StatusConfigured), models.KindConflict, "invalid_state")
	})
}

// TestTrackingDomainNeverSends: a url_tracking domain is refused in pools
// and campaign domain lists (it has no Messaging Service to send through).
func TestTrackingDomainNeverSends(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db, nil)
		cl, err := s.CreateClient(ctx, models.ClientInput{Name: "Acme", Email: "ops@acme.com"})
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.CreateDomain(ctx, models.Scope{}, cl.ID, models.DomainInput{Domain: "go.acme.com", Purpose: models.PurposeURLTracking},
			models.DNSDefaults{TrackingTarget: "track.linkgate.test."}, "test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreatePool(ctx, models.Scope{}, cl.ID, models.PoolInput{Name: "p", DomainIDs: []string{d.ID}}); err == nil {
			t.Fatal("a pool took a tracking domain")
		}
		_, err = s.CreateCampaign(ctx, models.Scope{}, cl.ID, models.CampaignInput{Name: "c",
			Domains: &models.CampaignDomainsInput{DomainIDs: []string{d.ID}}})
		wantError(t, err, models.KindInvalid, "unknown_domain", "domains.domain_ids")
	})
}

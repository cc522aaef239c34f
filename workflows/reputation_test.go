package workflows_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/net/publicsuffix"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/workflows"
)

// TestReputation: a flagged host is refused when added (domain_flagged,
// nothing stored); a live domain flagged later goes to under_review with
// the source named, once; an unlisted one is left alone.
func TestReputation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		rep, err := mocks.NewReputation(mocks.ReputationConfig{Source: "Test DBL", Reason: "phishing domain",
			RegistrableDomain: publicsuffix.EffectiveTLDPlusOne})
		if err != nil {
			t.Fatal(err)
		}
		b := setupRegistration(t, db, func(c *workflows.Config) { c.Reputation = rep })
		if err := rep.Flag("evil.com", "", ""); err != nil {
			t.Fatal(err)
		}
		_, err = b.store.CreateDomain(ctx, models.Scope{}, b.domain.ClientID,
			models.DomainInput{Domain: "evil.com", Screen: b.engine.ScreenHost}, models.DNSDefaults{}, "test")
		var me *models.Error
		if !errors.As(err, &me) || me.Code != "domain_flagged" || len(me.Fields) != 1 || me.Fields[0].Field != "domain" ||
			!strings.Contains(me.Detail, "Test DBL") {
			t.Fatalf("flagged host: %v", err)
		}
		page, _ := b.store.ListDomains(ctx, models.Scope{}, models.DomainQuery{Q: "evil"})
		if len(page.Domains) != 0 {
			t.Fatal("a flagged host was stored")
		}
		if _, err := b.store.CreateDomain(ctx, models.Scope{}, b.domain.ClientID,
			models.DomainInput{Domain: "clean.com", Screen: b.engine.ScreenHost}, models.DNSDefaults{}, "test"); err != nil {
			t.Fatalf("clean host: %v", err)
		}

		onboardConfigured(t, b)
		if flagged, err := b.engine.CheckReputation(ctx, b.domain.ID); err != nil || flagged {
			t.Fatalf("unlisted domain: %v %v", flagged, err)
		}
		if err := rep.Flag("acme.com", "", ""); err != nil { // the registrable domain: ls.acme.com is listed through it
			t.Fatal(err)
		}
		for i := range 2 {
			flagged, err := b.engine.CheckReputation(ctx, b.domain.ID)
			if err != nil || flagged != (i == 0) {
				t.Fatalf("check %d: flagged=%v %v", i, flagged, err)
			}
		}
		d, _ := b.store.GetDomain(ctx, models.Scope{}, b.domain.ID)
		if d.Status != models.StatusUnderReview || !strings.Contains(d.StatusReason, "Test DBL") || !strings.Contains(d.StatusReason, "phishing") {
			t.Fatalf("domain %s (%q), want under_review naming the source", d.Status, d.StatusReason)
		}
		evs := b.timeline(t)
		last := evs[len(evs)-1]
		if last.Actor != "reputation" || last.To != models.StatusUnderReview {
			t.Fatalf("last timeline entry %+v", last)
		}
		if n := countEvents(t, db, models.EventDomainStatusChanged); n == 0 {
			t.Fatal("no domain.status_changed event")
		}
	})
}

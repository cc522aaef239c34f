package models_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// TestArchiveDomains: one transaction for the list, yet every row is
// decided alone: another client's and unknown ids are not found, an
// archived one is invalid_state, the rest are archived, each with its
// timeline entry and domain.archived event.
func TestArchiveDomains(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db, nil)
		a := newTestClient(t, s, "owner@acme.com")
		b := newTestClient(t, s, "owner@bravo.com")
		names := make([]string, 5)
		for i := range names {
			names[i] = fmt.Sprintf("arch%d.com", i)
		}
		rows, err := s.CreateDomains(ctx, models.Scope{}, a.ID, names, nil, nil, models.DNSDefaults{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateDomain(ctx, models.Scope{}, b.ID, models.DomainInput{Domain: "bravo.com"}, models.DNSDefaults{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ArchiveDomain(ctx, models.Scope{}, rows[1].Domain.ID, "test"); err != nil {
			t.Fatal(err)
		}
		sc := models.Scope{ClientID: a.ID}
		ids := []string{rows[0].Domain.ID, rows[1].Domain.ID, other.ID, models.NewID(models.PrefixDomain), rows[2].Domain.ID}
		out, err := s.ArchiveDomains(ctx, sc, ids, "api_key:test")
		if err != nil {
			t.Fatal(err)
		}
		wantErr := []error{nil, models.ErrConflict, models.ErrNotFound, models.ErrNotFound, nil}
		for i, r := range out {
			if r.DomainID != ids[i] || (wantErr[i] == nil) != (r.Err == nil) || (r.Err != nil && !errors.Is(r.Err, wantErr[i])) {
				t.Fatalf("row %d: %+v", i, r)
			}
			if r.Err == nil && (r.Domain == nil || r.Domain.Status != models.StatusArchived || r.Domain.ArchivedAt == nil) {
				t.Fatalf("row %d domain: %+v", i, r.Domain)
			}
		}
		for _, id := range []string{rows[0].Domain.ID, rows[2].Domain.ID} {
			evs, err := s.DomainEvents(ctx, sc, id)
			if err != nil || len(evs) != 2 || evs[1].To != models.StatusArchived || evs[1].Actor != "api_key:test" {
				t.Fatalf("timeline of %s: %+v %v", id, evs, err)
			}
		}
		if d, _ := s.GetDomain(ctx, models.Scope{}, other.ID); d.Status != models.StatusPending {
			t.Fatalf("another client's domain is %s", d.Status)
		}
		if d, _ := s.GetDomain(ctx, models.Scope{}, rows[3].Domain.ID); d.Status != models.StatusPending {
			t.Fatalf("a domain not listed is %s", d.Status)
		}
		var n int64
		if err := db.Gorm.Model(&models.WebhookEvent{}).Where("type = ?", models.EventDomainArchived).Count(&n).Error; err != nil || n != 3 {
			t.Fatalf("%d domain.archived events (%v), want 3", n, err)
		}
	})
}

package models_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// TestRecordCarrierFiltered: other codes do not count; 40 concurrent
// filtered reports against a threshold of 10 block a configured domain
// exactly once, with the evidence and the domain.blocked event.
func TestRecordCarrierFiltered(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db, nil)
		c := newTestClient(t, s, "owner@acme.com")
		d, err := s.CreateDomain(ctx, models.Scope{}, c.ID, models.DomainInput{Domain: "acme.com"}, models.DNSDefaults{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		// Pending: counted, never blocked.
		for range 3 {
			if blocked, err := s.RecordCarrierFiltered(ctx, d.ID, models.ErrorCodeFiltered, 2); err != nil || blocked {
				t.Fatalf("pending domain: %v %v", blocked, err)
			}
		}
		if err := db.Gorm.Exec("UPDATE domains SET status = ?, carrier_filtered = 0 WHERE id = ?", models.StatusConfigured, d.ID).Error; err != nil {
			t.Fatal(err)
		}
		if blocked, err := s.RecordCarrierFiltered(ctx, d.ID, 30003, 1); err != nil || blocked {
			t.Fatalf("an unrelated code: %v %v", blocked, err)
		}
		var blocks atomic.Int32
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Go(func() {
				code := models.ErrorCodeFiltered
				if i%2 == 1 {
					code = models.ErrorCodeCarrierBlocked
				}
				blocked, err := s.RecordCarrierFiltered(ctx, d.ID, code, 10)
				if err != nil {
					t.Error(err)
				}
				if blocked {
					blocks.Add(1)
				}
			})
		}
		wg.Wait()
		if n := blocks.Load(); n != 1 {
			t.Fatalf("blocked %d times, want once", n)
		}
		got, _ := s.GetDomain(ctx, models.Scope{}, d.ID)
		if got.Status != models.StatusBlocked || !strings.Contains(got.StatusReason, "filtered") {
			t.Fatalf("domain %s %q", got.Status, got.StatusReason)
		}
		var n int64
		if err := db.Gorm.Model(&models.WebhookEvent{}).Where("type = ?", models.EventDomainBlocked).Count(&n).Error; err != nil || n != 1 {
			t.Fatalf("%d domain.blocked events (%v)", n, err)
		}
		if _, err := s.RecordCarrierFiltered(ctx, "dom_unknown", models.ErrorCodeFiltered, 10); err == nil {
			t.Fatal("an unknown domain was counted")
		}
	})
}

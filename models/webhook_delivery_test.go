package models_test

import (
	"database/sql"
	"slices"
	"sort"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// TestDispatchWebhookEvents: the fan-out matches filters, owners, plans
// and enabled, marks events dispatched once, and old finished history is
// pruned while unfinished deliveries keep theirs.
func TestDispatchWebhookEvents(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		kr, _ := models.ParseKeyRing(models.NewKeyRingValue("k1"))
		clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		s := models.NewStore(db, clk.Now)
		a, err := s.CreateClient(ctx, models.ClientInput{Name: "A", Email: "a@a.io", Plan: models.PlanPremium})
		if err != nil {
			t.Fatal(err)
		}
		b := mustClient(t, s, "B", "b@b.io")
		mk := func(clientID string, events ...string) string {
			t.Helper()
			ep, _, err := s.CreateWebhookEndpoint(ctx, kr, admin, models.WebhookEndpointInput{URL: "https://h.example/" + clientID, Events: events, ClientID: clientID})
			if err != nil {
				t.Fatal(err)
			}
			return ep.ID
		}
		aDomains := mk(a.ID, "domain.*")
		aOff := mk(a.ID, "*")
		off := false
		if _, err := s.UpdateWebhookEndpoint(ctx, admin, aOff, models.WebhookEndpointPatch{Enabled: &off}); err != nil {
			t.Fatal(err)
		}
		wideReg := mk("", "registration.*")
		wideAll := mk("", "*")

		emit := func(typ, clientID string) {
			t.Helper()
			if err := s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error { return s.EmitTx(tx, typ, clientID, map[string]any{"n": 1}) }); err != nil {
				t.Fatal(err)
			}
		}
		dispatch := func() (int, []string) {
			t.Helper()
			var got []string
			var n int
			err := s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
				var err error
				n, err = s.DispatchWebhookEventsTx(tx, 100, func(ds []*models.WebhookDelivery) error {
					for _, d := range ds {
						got = append(got, d.EventType+">"+d.EndpointID)
					}
					return nil
				})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			sort.Strings(got)
			return n, got
		}
		emit(models.EventDomainCreated, a.ID)
		emit(models.EventDomainCreated, b.ID)
		emit(models.EventRegistrationSent, a.ID)
		n, got := dispatch()
		want := []string{"domain.created>" + aDomains, "domain.created>" + wideAll, "domain.created>" + wideAll,
			"registration.sent>" + wideAll, "registration.sent>" + wideReg}
		sort.Strings(want)
		if n != 3 || !slices.Equal(got, want) {
			t.Fatalf("dispatched %d: %v\nwant %v", n, got, want)
		}
		if n, got := dispatch(); n != 0 || len(got) != 0 {
			t.Fatalf("dispatched again: %d %v", n, got)
		}
		// A client moved to the basic plan stops receiving.
		basic := models.PlanBasic
		if _, err := s.UpdateClient(ctx, admin, a.ID, models.ClientPatch{Plan: &basic}); err != nil {
			t.Fatal(err)
		}
		emit(models.EventDomainFailed, a.ID)
		if _, got := dispatch(); !slices.Equal(got, []string{"domain.failed>" + wideAll}) {
			t.Fatalf("after the downgrade: %v", got)
		}

		// Pruning: finish every delivery but one, then age everything.
		var ds []models.WebhookDelivery
		db.Gorm.Order("id").Find(&ds)
		if len(ds) != 6 {
			t.Fatalf("%d deliveries", len(ds))
		}
		keep := ds[0].EventID // stays pending
		db.Gorm.Model(&models.WebhookDelivery{}).Where("event_id <> ?", keep).Update("status", models.DeliverySucceeded)
		if n, err := s.PruneWebhookHistory(ctx, clk.Now().Add(-time.Hour), 100); err != nil || n != 0 {
			t.Fatalf("pruned young history: %d %v", n, err)
		}
		clk.Advance(31 * 24 * time.Hour)
		n64, err := s.PruneWebhookHistory(ctx, clk.Now().Add(-30*24*time.Hour), 100)
		if err != nil || n64 != 3 {
			t.Fatalf("pruned %d events, want 3: %v", n64, err)
		}
		var left []models.WebhookDelivery
		db.Gorm.Find(&left)
		for _, d := range left {
			if d.EventID != keep {
				t.Fatalf("a delivery of a pruned event is left: %+v", d)
			}
		}
		if len(left) == 0 {
			t.Fatal("the unfinished delivery was pruned")
		}
	})
}

package models_test

import (
	"database/sql"
	"sort"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// TestClaimWebhookDeliveries: a claim takes due deliveries once until its
// lease ends (a crashed claimer's deliveries come back then), a stale
// claimer's record logs its attempt but does not overwrite the delivery,
// retries are due at their time, and finished deliveries are never claimed.
func TestClaimWebhookDeliveries(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		kr, _ := models.ParseKeyRing(models.NewKeyRingValue("k1"))
		s := models.NewStore(db, nil)
		if err := s.PrepareWebhookDelivery(ctx); err != nil {
			t.Fatal(err)
		}
		c, err := s.CreateClient(ctx, models.ClientInput{Name: "A", Email: "a@a.io", Plan: models.PlanPremium})
		if err != nil {
			t.Fatal(err)
		}
		ep, _, err := s.CreateWebhookEndpoint(ctx, kr, admin, models.WebhookEndpointInput{URL: "https://h.example/", Events: []string{"*"}, ClientID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
			for range 5 {
				if err := s.EmitTx(tx, models.EventDomainCreated, c.ID, map[string]any{"n": 1}); err != nil {
					return err
				}
			}
			_, err := s.DispatchWebhookEventsTx(tx, 100, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		first, err := s.ClaimWebhookDeliveries(ctx, now, time.Hour, 3)
		if err != nil || len(first) != 3 {
			t.Fatalf("first claim: %d %v", len(first), err)
		}
		rest, err := s.ClaimWebhookDeliveries(ctx, now, time.Hour, 10)
		if err != nil || len(rest) != 2 {
			t.Fatalf("second claim: %d %v (want the 2 not yet claimed)", len(rest), err)
		}
		if again, err := s.ClaimWebhookDeliveries(ctx, now.Add(59*time.Minute), time.Hour, 10); err != nil || len(again) != 0 {
			t.Fatalf("claimed %d leased deliveries: %v", len(again), err)
		}
		// The first claimer "crashed": after its lease the deliveries are
		// due again, with what they were (no attempt yet).
		later := now.Add(61 * time.Minute)
		back, err := s.ClaimWebhookDeliveries(ctx, later, time.Hour, 10)
		if err != nil || len(back) != 5 {
			t.Fatalf("after the leases: %d %v", len(back), err)
		}
		ids := func(cs []models.ClaimedDelivery) []string {
			var out []string
			for _, c := range cs {
				if c.EndpointID != ep.ID || c.Attempts != 0 || c.Status != models.DeliveryPending {
					t.Fatalf("claimed %+v", c)
				}
				out = append(out, c.ID)
			}
			sort.Strings(out)
			return out
		}
		if got, want := ids(back), ids(append(first, rest...)); !equal(got, want) {
			t.Fatalf("reclaimed %v, want %v", got, want)
		}
		work, err := s.WebhookWorkFor(ctx, back)
		if err != nil || len(work.Payloads) != 5 || work.Endpoints[ep.ID] == nil {
			t.Fatalf("work: %+v %v", work, err)
		}

		// Record: the stale claim (first[0]) and the live one of the same
		// delivery both log their attempt; only the live one sets the state.
		stale := first[0]
		var live models.ClaimedDelivery
		for _, b := range back {
			if b.ID == stale.ID {
				live = b
			}
		}
		attempt := func(code int) *models.WebhookAttempt {
			return &models.WebhookAttempt{Attempt: 1, StartedAt: time.Now(), StatusCode: code, LatencyMS: 3, ResponseBody: "ok\x00"}
		}
		next := time.Now().Add(time.Hour)
		outs := []models.DeliveryOutcome{
			{Claim: stale, Attempt: attempt(500), Result: models.AttemptResult{Status: models.DeliveryRetrying, NextAttemptAt: &next, Error: "HTTP 500"}, RetryAt: later.Add(time.Hour)},
			{Claim: live, Attempt: attempt(204), Result: models.AttemptResult{Status: models.DeliverySucceeded}},
		}
		// The others: one retries at later+5m, one is given back, the rest fail (no attempt).
		var retry, released models.ClaimedDelivery
		for _, b := range back {
			switch {
			case b.ID == live.ID:
			case retry.ID == "":
				retry = b
				outs = append(outs, models.DeliveryOutcome{Claim: b, Attempt: attempt(503),
					Result: models.AttemptResult{Status: models.DeliveryRetrying, NextAttemptAt: &next, Error: "HTTP 503"}, RetryAt: later.Add(5 * time.Minute)})
			case released.ID == "":
				released = b
				outs = append(outs, models.DeliveryOutcome{Claim: b, Release: true, DueAt: later.Add(time.Second)})
			default:
				outs = append(outs, models.DeliveryOutcome{Claim: b, Result: models.AttemptResult{Status: models.DeliveryFailed, Error: "not sent: the endpoint is disabled"}})
			}
		}
		if err := s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error { return s.RecordWebhookOutcomesTx(ctx, tx, outs) }); err != nil {
			t.Fatal(err)
		}
		dv, err := s.GetWebhookDelivery(ctx, admin, live.ID)
		if err != nil {
			t.Fatal(err)
		}
		if dv.Status != models.DeliverySucceeded || dv.CompletedAt == nil || len(dv.Attempts) != 2 || dv.AttemptCount != 1 {
			t.Fatalf("the live claim's delivery: %+v", dv)
		}
		for _, a := range dv.Attempts {
			if a.ResponseBody != "ok\uFFFD" {
				t.Fatalf("attempt body %q", a.ResponseBody)
			}
		}
		rv, _ := s.GetWebhookDelivery(ctx, admin, retry.ID)
		if rv.Status != models.DeliveryRetrying || rv.NextAttemptAt == nil || rv.AttemptCount != 1 || *rv.LastStatusCode != 503 {
			t.Fatalf("retrying delivery %+v", rv)
		}
		// Due: the released one at later+1s, the retry at later+5m; the
		// finished ones never.
		if got, err := s.ClaimWebhookDeliveries(ctx, later.Add(2*time.Second), time.Hour, 10); err != nil || len(got) != 1 || got[0].ID != released.ID {
			t.Fatalf("due after 2 s: %+v %v", got, err)
		}
		got, err := s.ClaimWebhookDeliveries(ctx, later.Add(6*time.Minute), time.Hour, 10)
		if err != nil || len(got) != 1 || got[0].ID != retry.ID || got[0].Attempts != 1 || got[0].Status != models.DeliveryRetrying {
			t.Fatalf("due after 6 min: %+v %v", got, err)
		}
		if got, err := s.ClaimWebhookDeliveries(ctx, later.Add(24*time.Hour), time.Hour, 10); err != nil || len(got) != 2 {
			t.Fatalf("a day later (the two leased again): %+v %v", got, err)
		}

		// A process that started after these claims were made takes them
		// back at once on SQLite (one process: they are a dead one's); on
		// PostgreSQL replicas wait for the leases.
		if n, err := s.ResumeWebhookClaims(ctx, time.Now()); err != nil || n != 0 {
			t.Fatalf("resumed this process's own claims: %d %v", n, err)
		}
		if err := db.Gorm.Exec("UPDATE webhook_deliveries SET claimed_ms = claimed_ms - 3*86400000 WHERE claimed_ms IS NOT NULL").Error; err != nil {
			t.Fatal(err)
		}
		n, err := s.ResumeWebhookClaims(ctx, time.Now())
		want := int64(2)
		if db.Dialect == models.Postgres {
			want = 0
		}
		if err != nil || n != want {
			t.Fatalf("resumed %d claims of an ended process, want %d: %v", n, want, err)
		}
		if got, err := s.ClaimWebhookDeliveries(ctx, time.Now(), time.Hour, 10); err != nil || int64(len(got)) != want {
			t.Fatalf("due after the resume: %d, want %d: %v", len(got), want, err)
		}
	})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

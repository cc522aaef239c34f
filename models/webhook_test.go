package models_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

type eventBody struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      struct {
		Domain              models.DomainView `json:"domain"`
		PreviousStatus      models.Status     `json:"previous_status"`
		MessagingServiceSID string            `json:"messaging_service_sid"`
	} `json:"data"`
}

func eventsOf(t *testing.T, s *models.Store, clientID string) ([]models.WebhookEvent, []eventBody) {
	t.Helper()
	evs, err := s.WebhookEvents(ctx, clientID)
	if err != nil {
		t.Fatal(err)
	}
	bodies := make([]eventBody, len(evs))
	for i, e := range evs {
		if err := json.Unmarshal([]byte(e.Payload), &bodies[i]); err != nil {
			t.Fatalf("payload %s: %v", e.Payload, err)
		}
		if bodies[i].Type != e.Type || !strings.HasPrefix(e.ID, models.PrefixWebhookEvent) || e.ClientID != clientID || e.DispatchedAt != nil {
			t.Errorf("event row %+v does not match its payload %+v", e, bodies[i])
		}
	}
	return evs, bodies
}

func types(evs []models.WebhookEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func apply(t *testing.T, s *models.Store, d *models.Domain, c models.Change) {
	t.Helper()
	if err := s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error { return s.ApplyTx(tx, d, c) }); err != nil {
		t.Fatalf("apply %+v: %v", c, err)
	}
}

func TestApplyTxEmitsWebhookEvents(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		c := mustClient(t, s, "Acme", "ops@acme.com")
		d := mustDomain(t, s, c.ID, "acme.com")
		evs, bodies := eventsOf(t, s, c.ID)
		if !slices.Equal(types(evs), []string{models.EventDomainCreated}) || bodies[0].Data.Domain.ID != d.ID ||
			bodies[0].Data.Domain.Status != models.StatusPending {
			t.Fatalf("after create: %v %+v", types(evs), bodies)
		}

		// A step within a status emits nothing.
		apply(t, s, d, models.Change{Reason: "waiting", Actor: "test"})
		if evs, _ := eventsOf(t, s, c.ID); len(evs) != 1 {
			t.Fatalf("a step without a status change emitted %v", types(evs))
		}

		// A rolled-back transaction leaves no event.
		boom := errors.New("boom")
		err := s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
			dd := *d
			if err := s.ApplyTx(tx, &dd, models.Change{To: models.StatusDNSPending, Actor: "test"}); err != nil {
				return err
			}
			var n int64
			if err := tx.Model(&models.WebhookEvent{}).Where("client_id = ?", c.ID).Count(&n).Error; err != nil {
				return err
			}
			if n != 2 {
				t.Errorf("inside the transaction %d events, want 2", n)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("tx: %v", err)
		}
		if evs, _ := eventsOf(t, s, c.ID); len(evs) != 1 {
			t.Fatalf("a rolled-back change left events %v", types(evs))
		}

		apply(t, s, d, models.Change{To: models.StatusDNSPending, Actor: "test", DNSStatus: models.DNSPropagating})
		apply(t, s, d, models.Change{To: models.StatusAwaitingDomainSID, Actor: "test", DNSStatus: models.DNSVerified})
		sid := "DN0123456789abcdef0123456789abcdef"
		apply(t, s, d, models.Change{To: models.StatusSSLPending, Actor: "test", DomainSID: &sid, SSLStatus: models.SSLRequested})
		if err := s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
			return s.AttachMessagingServiceTx(tx, d, "MG0123456789abcdef0123456789abcdef", "test")
		}); err != nil {
			t.Fatal(err)
		}
		if d.MessagingServiceSIDs != nil {
			t.Errorf("ApplyTx changed the caller's MessagingServiceSIDs: %v", d.MessagingServiceSIDs)
		}
		apply(t, s, d, models.Change{Actor: "test", SSLStatus: models.SSLActive})
		apply(t, s, d, models.Change{To: models.StatusConfigured, Actor: "test"})
		if err := s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
			_, err := s.DetachMessagingServiceTx(tx, d, "MG0123456789abcdef0123456789abcdef", "test")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		apply(t, s, d, models.Change{To: models.StatusSSLPending, Actor: "test", SSLStatus: models.SSLExpiring})
		evs, bodies = eventsOf(t, s, c.ID)
		want := []string{
			models.EventDomainCreated,
			models.EventDomainStatusChanged,                                // → dns_pending
			models.EventDomainStatusChanged, models.EventDomainDNSVerified, // → awaiting_domain_sid
			models.EventDomainStatusChanged,            // → ssl_pending
			models.EventDomainMessagingServiceAttached, // step
			models.EventDomainCertificateIssued,        // step
			models.EventDomainStatusChanged, models.EventDomainConfigured,
			models.EventDomainMessagingServiceDetached,
			models.EventDomainStatusChanged, // configured → ssl_pending
		}
		if !slices.Equal(types(evs), want) {
			t.Fatalf("events %v, want %v", types(evs), want)
		}
		if b := bodies[2]; b.Data.PreviousStatus != models.StatusDNSPending || b.Data.Domain.Status != models.StatusAwaitingDomainSID ||
			b.Data.Domain.DNSStatus != models.DNSVerified {
			t.Errorf("status_changed body %+v", b)
		}
		if b := bodies[5]; b.Data.MessagingServiceSID != "MG0123456789abcdef0123456789abcdef" ||
			!slices.Equal(b.Data.Domain.MessagingServiceSIDs, []string{"MG0123456789abcdef0123456789abcdef"}) {
			t.Errorf("attached body %+v", b)
		}
		if b := bodies[7]; b.Data.PreviousStatus != models.StatusSSLPending || b.Data.Domain.Status != models.StatusConfigured ||
			len(b.Data.Domain.MessagingServiceSIDs) != 1 || b.Data.Domain.DomainSID == nil || *b.Data.Domain.DomainSID != sid {
			t.Errorf("configured body %+v", b)
		}
		if b := bodies[9]; len(b.Data.Domain.MessagingServiceSIDs) != 0 {
			t.Errorf("detached body %+v", b)
		}
		for i, b := range bodies {
			if b.Timestamp.IsZero() || b.Data.Domain.ID != d.ID {
				t.Errorf("event %d body %+v", i, b)
			}
		}

		// → failed.
		apply(t, s, d, models.Change{To: models.StatusFailed, Actor: "test", SSLStatus: models.SSLFailed})
		evs, _ = eventsOf(t, s, c.ID)
		if got := types(evs)[len(want):]; !slices.Equal(got, []string{models.EventDomainStatusChanged, models.EventDomainFailed}) {
			t.Errorf("→ failed emitted %v", got)
		}

		// registration.* events come through EmitTx.
		if err := s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
			return s.EmitTx(tx, models.EventRegistrationSent, c.ID, map[string]any{"registration": map[string]string{"id": "reg_1"}})
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error { return s.EmitTx(tx, "domain.bogus", c.ID, nil) }); err == nil {
			t.Error("an unknown event type was emitted")
		}
	})
}

func TestWebhookEndpoints(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		kr, err := models.ParseKeyRing(models.NewKeyRingValue("k1"))
		if err != nil {
			t.Fatal(err)
		}
		clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		s := models.NewStore(db, clk.Now)
		basic := mustClient(t, s, "Basic", "basic@acme.com")
		prem, err := s.CreateClient(ctx, models.ClientInput{Name: "Prem", Email: "prem@acme.com", Plan: models.PlanPremium})
		if err != nil {
			t.Fatal(err)
		}
		ps := models.Scope{ClientID: prem.ID}

		_, _, err = s.CreateWebhookEndpoint(ctx, kr, admin, models.WebhookEndpointInput{URL: "https://a.example/h", Events: []string{"*"}, ClientID: basic.ID})
		wantError(t, err, models.KindForbidden, "plan_required")
		_, _, err = s.CreateWebhookEndpoint(ctx, kr, models.Scope{ClientID: basic.ID}, models.WebhookEndpointInput{URL: "https://a.example/h", Events: []string{"*"}})
		wantError(t, err, models.KindForbidden, "plan_required")
		_, _, err = s.CreateWebhookEndpoint(ctx, kr, ps, models.WebhookEndpointInput{URL: "https://a.example/h", Events: []string{"*"}, ClientID: basic.ID})
		wantError(t, err, models.KindNotFound, "not_found")
		for _, u := range []string{"", "/relative", "ftp://a.example/", "https://user:pw@a.example/", "https:///nohost", "mailto:x@a.example"} {
			_, _, err = s.CreateWebhookEndpoint(ctx, kr, ps, models.WebhookEndpointInput{URL: u, Events: []string{"domain.*"}})
			wantError(t, err, models.KindInvalid, "invalid_webhook_endpoint", "url")
		}
		for _, evs := range [][]string{nil, {}, {"domain.bogus"}, {"bogus.*"}, {".*"}, {"domain"}, {"domain.*", "nope"}} {
			_, _, err = s.CreateWebhookEndpoint(ctx, kr, ps, models.WebhookEndpointInput{URL: "https://a.example/h", Events: evs})
			wantError(t, err, models.KindInvalid, "invalid_webhook_endpoint", "events")
		}

		w, secret, err := s.CreateWebhookEndpoint(ctx, kr, ps, models.WebhookEndpointInput{URL: "https://a.example/h",
			Events: []string{"domain.*", "registration.completed", "domain.*"}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "whsec_") || w.ClientID == nil || *w.ClientID != prem.ID || !w.Enabled ||
			!slices.Equal(w.EventFilter(), []string{"domain.*", "registration.completed"}) {
			t.Fatalf("endpoint %+v secret %q", w, secret)
		}
		if !w.Wants(models.EventDomainFailed) || !w.Wants(models.EventRegistrationCompleted) || w.Wants(models.EventRegistrationSent) {
			t.Error("filter matching is wrong")
		}
		// The secret is not stored in clear.
		var raw []byte
		if err := db.SQL.QueryRowContext(ctx, "SELECT secret_ciphertext FROM webhook_endpoints WHERE id = $1", w.ID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(secret)) || bytes.Contains(raw, []byte(strings.TrimPrefix(secret, "whsec_"))) {
			t.Error("the secret is stored in clear")
		}
		got, err := s.GetWebhookEndpoint(ctx, ps, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if secs, err := got.Secrets(kr, clk.Now()); err != nil || !slices.Equal(secs, []string{secret}) {
			t.Fatalf("secrets %v %v", secs, err)
		}
		if _, err := s.GetWebhookEndpoint(ctx, models.Scope{ClientID: basic.ID}, w.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("another client sees the endpoint: %v", err)
		}

		// Rotation: both secrets sign for 24 h.
		_, secret2, err := s.RotateWebhookSecret(ctx, kr, ps, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetWebhookEndpoint(ctx, admin, w.ID)
		if secs, err := got.Secrets(kr, clk.Now()); err != nil || !slices.Equal(secs, []string{secret2, secret}) {
			t.Fatalf("secrets after rotation %v %v", secs, err)
		}
		clk.Advance(models.SecretRotationOverlap + time.Second)
		if secs, err := got.Secrets(kr, clk.Now()); err != nil || !slices.Equal(secs, []string{secret2}) {
			t.Fatalf("secrets after the overlap %v %v", secs, err)
		}

		// Admin-wide endpoint; list scoping.
		aw, _, err := s.CreateWebhookEndpoint(ctx, kr, admin, models.WebhookEndpointInput{URL: "http://hooks.example/", Events: []string{"*"}})
		if err != nil || aw.ClientID != nil {
			t.Fatalf("admin-wide %+v %v", aw, err)
		}
		page, err := s.ListWebhookEndpoints(ctx, ps, models.WebhookEndpointQuery{})
		if err != nil || len(page.Endpoints) != 1 || page.Endpoints[0].ID != w.ID {
			t.Fatalf("client list %+v %v", page, err)
		}
		page, err = s.ListWebhookEndpoints(ctx, admin, models.WebhookEndpointQuery{PageQuery: models.PageQuery{Limit: 1}})
		if err != nil || len(page.Endpoints) != 1 || page.Endpoints[0].ID != aw.ID || page.Next == "" {
			t.Fatalf("admin list %+v %v", page, err)
		}

		// Update: disable, re-enable, bad input.
		off := false
		u, err := s.UpdateWebhookEndpoint(ctx, ps, w.ID, models.WebhookEndpointPatch{Enabled: &off, Events: []string{"*"}})
		if err != nil || u.Enabled || u.DisabledReason == "" || !slices.Equal(u.EventFilter(), []string{"*"}) {
			t.Fatalf("disable %+v %v", u, err)
		}
		bad := "ftp://x"
		_, err = s.UpdateWebhookEndpoint(ctx, ps, w.ID, models.WebhookEndpointPatch{URL: &bad})
		wantError(t, err, models.KindInvalid, "invalid_webhook_endpoint", "url")
		if err := s.DeleteWebhookEndpoint(ctx, models.Scope{ClientID: basic.ID}, w.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("another client deleted the endpoint: %v", err)
		}
		if err := s.DeleteWebhookEndpoint(ctx, ps, w.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetWebhookEndpoint(ctx, admin, w.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("deleted endpoint still there: %v", err)
		}
	})
}

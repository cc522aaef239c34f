package models_test

import (
	"database/sql"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// The operations the bulk actions call per row, at the store: scope
// isolation, the state rules and what they remember.
func TestArchiveReviewRestorePlan(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		clk := &clock{t: testTime}
		s := models.NewStore(db, clk.Now)
		a := mustClient(t, s, "Acme", "owner@acme.com")
		b := mustClient(t, s, "Bravo", "owner@bravo.com")
		d := configured(t, s, a.ID, "acme.com")
		if d.ConfiguredAt == nil || !d.ConfiguredAt.Equal(testTime) {
			t.Fatalf("configured_at = %v, want %v", d.ConfiguredAt, testTime)
		}
		other := models.Scope{ClientID: b.ID}
		own := models.Scope{ClientID: a.ID}

		_, err := s.ArchiveDomain(ctx, other, d.ID, "x")
		wantError(t, err, models.KindNotFound, "not_found")
		_, err = s.PlanRestore(ctx, other, d.ID)
		wantError(t, err, models.KindNotFound, "not_found")
		_, err = s.ReviewDomain(ctx, own, d.ID, models.ReviewClear, "", "x")
		wantError(t, err, models.KindForbidden, "forbidden")
		_, err = s.PlanRestore(ctx, own, d.ID)
		wantError(t, err, models.KindConflict, "invalid_state")

		clk.Advance(time.Hour)
		got, err := s.ArchiveDomain(ctx, own, d.ID, "owner")
		if err != nil || got.Status != models.StatusArchived || got.ArchivedFrom != models.StatusConfigured ||
			got.ArchivedAt == nil || !got.ArchivedAt.Equal(clk.Now()) {
			t.Fatalf("archive = %+v, %v", got, err)
		}
		_, err = s.ArchiveDomain(ctx, own, d.ID, "owner")
		wantError(t, err, models.KindConflict, "invalid_state")
		p, err := s.PlanRestore(ctx, own, d.ID)
		if err != nil || p.To != models.StatusConfigured || p.RenewCert {
			t.Fatalf("plan = %+v, %v", p, err)
		}
		// An expired certificate sends it back through the certificate step.
		past := clk.Now().Add(-time.Minute)
		if err := db.Gorm.Exec("UPDATE domains SET cert_expires_at = ? WHERE id = ?", past, d.ID).Error; err != nil {
			t.Fatal(err)
		}
		if p, err := s.PlanRestore(ctx, own, d.ID); err != nil || p.To != models.StatusSSLPending || !p.RenewCert {
			t.Fatalf("plan with an expired certificate = %+v, %v", p, err)
		}

		// review: only under_review; the decision is checked first.
		u := configured(t, s, a.ID, "under.com")
		_, err = s.ReviewDomain(ctx, admin, u.ID, "approve", "", "admin")
		wantError(t, err, models.KindInvalid, "invalid_review", "decision")
		_, err = s.ReviewDomain(ctx, admin, u.ID, models.ReviewClear, "", "admin")
		wantError(t, err, models.KindConflict, "invalid_state")
		moveTo(t, s, u, models.StatusUnderReview)
		got, err = s.ReviewDomain(ctx, admin, u.ID, models.ReviewDecline, "phishing kit", "admin")
		if err != nil || got.Status != models.StatusDeclined || got.StatusReason != "review: decline: phishing kit" {
			t.Fatalf("decline = %+v, %v", got, err)
		}
	})
}

// Auto-archive re-reads the domain in its transaction: a take between the
// listing and the archive keeps the domain.
func TestAutoArchiveSeesATakeInBetween(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		clk := &clock{t: testTime}
		s := models.NewStore(db, clk.Now)
		c := mustClient(t, s, "Acme", "owner@acme.com")
		d := configured(t, s, c.ID, "acme.com")
		clk.Advance(100 * 24 * time.Hour)
		warnSince := clk.Now().Add(-(models.DefaultAutoArchiveAfter - models.ArchiveWarning))
		ds, err := s.DomainsToWarn(ctx, warnSince, 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("to warn: %d, %v", len(ds), err)
		}
		if err := s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
			ok, err := s.WarnArchiveTx(tx, ds[0], warnSince, clk.Now().Add(models.ArchiveWarning))
			if !ok {
				t.Error("not warned")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(models.ArchiveWarning)
		since := clk.Now().Add(-models.DefaultAutoArchiveAfter)
		ds, err = s.DomainsToArchive(ctx, since, clk.Now().Add(-models.ArchiveWarning), 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("to archive: %d, %v", len(ds), err)
		}
		if _, err := s.TakeQuota(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
			ok, err := s.AutoArchiveTx(tx, ds[0], since)
			if ok {
				t.Error("archived a domain used a moment ago")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.DomainByID(ctx, nil, d.ID); got.Status != models.StatusConfigured || got.ArchiveWarnedAt != nil {
			t.Fatalf("after the take: %s, warned %v", got.Status, got.ArchiveWarnedAt)
		}
	})
}

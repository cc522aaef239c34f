package models_test

import (
	"database/sql"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// NotificationsDue finds each kind of event until it is recorded, and no
// longer afterwards; a renewed certificate's expiry, and a new failure,
// are new events; events older than the lookback are not mailed.
func TestNotificationsDue(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		clk := &clock{t: testTime}
		s := models.NewStore(db, clk.Now)
		a := mustClient(t, s, "Acme", "owner@acme.com")
		due := func() map[models.NotificationKind][]models.NotificationDue {
			t.Helper()
			ns, err := s.NotificationsDue(ctx, clk.Now(), 50)
			if err != nil {
				t.Fatal(err)
			}
			out := map[models.NotificationKind][]models.NotificationDue{}
			for _, n := range ns {
				out[n.Kind] = append(out[n.Kind], n)
			}
			return out
		}
		record := func(n models.NotificationDue) bool {
			t.Helper()
			var ok bool
			err := s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
				var err error
				ok, err = s.RecordNotificationTx(tx, n)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}

		// Nothing yet.
		if got := due(); len(got) != 0 {
			t.Fatalf("due at the start: %v", got)
		}

		// A failure: due once, with its reason; recorded twice, once.
		f, err := s.CreateDomain(ctx, admin, a.ID, models.DomainInput{Domain: "fail.com"}, models.DNSDefaults{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		moveTo(t, s, f, models.StatusDNSPending)
		err = s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
			return s.ApplyTx(tx, f, models.Change{To: models.StatusFailed, Reason: "cloudflare said no", Actor: "test"})
		})
		if err != nil {
			t.Fatal(err)
		}
		got := due()[models.NotifyDomainFailed]
		if len(got) != 1 || got[0].DomainID != f.ID || got[0].Reason != "cloudflare said no" || got[0].Host != "ls.fail.com" || got[0].ClientID != a.ID {
			t.Fatalf("failures due: %+v", got)
		}
		if !record(got[0]) || record(got[0]) {
			t.Error("recording the failure twice: want true then false")
		}
		if got := due()[models.NotifyDomainFailed]; len(got) != 0 {
			t.Errorf("a recorded failure is due again: %+v", got)
		}
		// Retried and failed again: a new event.
		moveTo(t, s, f, models.StatusDNSPending)
		err = s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
			return s.ApplyTx(tx, f, models.Change{To: models.StatusFailed, Reason: "again", Actor: "test"})
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := due()[models.NotifyDomainFailed]; len(got) != 1 || got[0].Reason != "again" {
			t.Errorf("the second failure: %+v", got)
		}

		// A certificate: due within 14 days of its expiry, not before.
		live := configured(t, s, a.ID, "live.com")
		expires := clk.Now().Add(20 * 24 * time.Hour)
		if err := db.Gorm.Exec("UPDATE domains SET cert_expires_at = ? WHERE id = ?", expires, live.ID).Error; err != nil {
			t.Fatal(err)
		}
		if got := due()[models.NotifyCertExpiring]; len(got) != 0 {
			t.Errorf("a certificate 20 days from expiry is due: %+v", got)
		}
		clk.Advance(7 * 24 * time.Hour)
		got = due()[models.NotifyCertExpiring]
		if len(got) != 1 || got[0].DomainID != live.ID || !got[0].At.Equal(expires) {
			t.Fatalf("certificates due: %+v", got)
		}
		record(got[0])
		if got := due()[models.NotifyCertExpiring]; len(got) != 0 {
			t.Errorf("a recorded expiry is due again: %+v", got)
		}
		// Renewed, then near its new expiry: due again.
		renewed := clk.Now().Add(10 * 24 * time.Hour)
		if err := db.Gorm.Exec("UPDATE domains SET cert_expires_at = ? WHERE id = ?", renewed, live.ID).Error; err != nil {
			t.Fatal(err)
		}
		if got := due()[models.NotifyCertExpiring]; len(got) != 1 || !got[0].At.Equal(renewed) {
			t.Errorf("the renewed certificate: %+v", got)
		}

		// A registration that expired unused: due once; old ones are not.
		r := &models.Registration{}
		err = s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
			var err error
			r, _, err = s.CreateRegistrationTx(tx, live.ID, "someone@acme.com", time.Hour)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.Exec("UPDATE registrations SET status = ? WHERE id = ?", models.RegExpired, r.ID).Error; err != nil {
			t.Fatal(err)
		}
		got = due()[models.NotifyRegistrationExpired]
		if len(got) != 1 || got[0].SubjectKey != r.ID || got[0].Reason != "someone@acme.com" {
			t.Fatalf("registrations due: %+v", got)
		}
		clk.Advance(models.NotificationLookback + 2*time.Hour)
		if got := due(); len(got[models.NotifyRegistrationExpired]) != 0 || len(got[models.NotifyDomainFailed]) != 0 {
			t.Errorf("events older than the lookback are due: %+v", got)
		}
	})
}

package models_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// A reset link is stored as a hash, works once and for its lifetime only,
// is revoked by a newer one, and spending it sets the password, ends the
// user's sessions and revokes their other links, all or nothing.
func TestPasswordReset(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		t.Parallel()
		var mu sync.Mutex
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
		s := models.NewStore(db, clock)
		const oldPassword, newPassword = "old password 1", "new password 2"
		u, err := s.CreateUser(ctx, models.UserInput{Email: "admin@acme.com", Password: oldPassword, Role: models.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.UserByEmail(ctx, " Admin@ACME.com "); err != nil || got.ID != u.ID {
			t.Fatalf("UserByEmail: %+v, %v", got, err)
		}
		for _, bad := range []string{"nobody@acme.com", "not an address", ""} {
			if _, err := s.UserByEmail(ctx, bad); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("UserByEmail(%q): %v, want not found", bad, err)
			}
		}

		first, token1, err := s.CreatePasswordReset(ctx, u.ID, models.PasswordResetTTL)
		if err != nil {
			t.Fatal(err)
		}
		if len(token1) < 43 || first.TokenHash != models.HashKey(token1) || !first.ExpiresAt.Equal(now.Add(30*time.Minute)) {
			t.Fatalf("token %q, row %+v", token1, first)
		}
		var n int64
		if err := db.Gorm.Raw("SELECT count(*) FROM password_resets WHERE token_hash = ?", token1).Scan(&n).Error; err != nil || n != 0 {
			t.Fatalf("the token is stored in clear (%d, %v)", n, err)
		}
		// Asking again revokes the first link.
		_, token2, err := s.CreatePasswordReset(ctx, u.ID, models.PasswordResetTTL)
		if err != nil || token2 == token1 {
			t.Fatalf("second link: %v", err)
		}
		if r, err := s.PasswordResetByToken(ctx, token1); err != nil || r.Open(s.Now()) {
			t.Fatalf("the first link is still open: %+v, %v", r, err)
		}
		if _, err := s.ResetPassword(ctx, token1, newPassword); !errors.Is(err, models.ErrPasswordResetGone) {
			t.Fatalf("revoked link: %v, want gone", err)
		}
		for _, bad := range []string{models.NewToken(), "", "short"} {
			if _, err := s.ResetPassword(ctx, bad, newPassword); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("unknown token %q: %v, want not found", bad, err)
			}
		}

		// A bad password changes nothing and leaves the link open.
		if _, err := s.ResetPassword(ctx, token2, "short"); !isInvalidField(err, "password") {
			t.Fatalf("short password: %v", err)
		}
		if r, _ := s.PasswordResetByToken(ctx, token2); !r.Open(s.Now()) {
			t.Fatal("a refused password spent the link")
		}

		sessID, _, err := s.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.ResetPassword(ctx, token2, newPassword)
		if err != nil || got.ID != u.ID {
			t.Fatalf("ResetPassword: %+v, %v", got, err)
		}
		if _, err := s.VerifyPassword(ctx, u.Email, oldPassword); err == nil {
			t.Error("the old password still works")
		}
		if _, err := s.VerifyPassword(ctx, u.Email, newPassword); err != nil {
			t.Errorf("the new password: %v", err)
		}
		if _, err := s.SessionByID(ctx, sessID); !errors.Is(err, models.ErrNoSession) {
			t.Errorf("an old session survived the reset: %v", err)
		}
		// Single use.
		if _, err := s.ResetPassword(ctx, token2, "third password 3"); !errors.Is(err, models.ErrPasswordResetGone) {
			t.Fatalf("second use: %v, want gone", err)
		}

		// Expiry, on the injected clock.
		_, token3, err := s.CreatePasswordReset(ctx, u.ID, models.PasswordResetTTL)
		if err != nil {
			t.Fatal(err)
		}
		advance(models.PasswordResetTTL)
		if _, err := s.ResetPassword(ctx, token3, "third password 3"); !errors.Is(err, models.ErrPasswordResetGone) {
			t.Fatalf("expired link: %v, want gone", err)
		}
		if _, err := s.VerifyPassword(ctx, u.Email, newPassword); err != nil {
			t.Errorf("an expired link changed the password: %v", err)
		}

		// Two uses at once: exactly one wins.
		_, token4, err := s.CreatePasswordReset(ctx, u.ID, models.PasswordResetTTL)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() { _, errs[i] = s.ResetPassword(ctx, token4, "racing password "+string(rune('a'+i))) })
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, models.ErrPasswordResetGone):
				t.Errorf("a concurrent use: %v", err)
			}
		}
		if won != 1 {
			t.Errorf("%d concurrent uses won, want 1", won)
		}

		// Old links go after a day.
		advance(25 * time.Hour)
		if _, _, err := s.CreatePasswordReset(ctx, u.ID, models.PasswordResetTTL); err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.Raw("SELECT count(*) FROM password_resets").Scan(&n).Error; err != nil || n != 1 {
			t.Errorf("%d links kept, want 1 (%v)", n, err)
		}
		if _, _, err := s.CreatePasswordReset(ctx, "usr_nope", time.Minute); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("link for an unknown user: %v", err)
		}
	})
}

func isInvalidField(err error, field string) bool {
	var e *models.Error
	if !errors.As(err, &e) || e.Kind != models.KindInvalid {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

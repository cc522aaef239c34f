package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// An expiring key stops authenticating when the clock passes its expiry.
func TestAPIKeyExpires(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		now := time.Now()
		s := models.NewStore(db, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
		c, err := s.CreateClient(ctx, models.ClientInput{Name: "Acme", Email: "ops@acme.com"})
		if err != nil {
			t.Fatal(err)
		}
		at := now.Add(time.Hour)
		key, k, err := s.CreateClientKey(ctx, models.Scope{}, c.ID, models.APIKeyInput{ExpiresAt: &at})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, key); err != nil {
			t.Fatalf("before expiry: %v", err)
		}
		mu.Lock()
		now = now.Add(time.Hour + time.Second)
		mu.Unlock()
		if _, err := s.Authenticate(ctx, key); !errors.Is(err, models.ErrBadKey) {
			t.Fatalf("after expiry: %v, want ErrBadKey", err)
		}
		if st := k.Status(s.Now()); st != models.KeyExpired {
			t.Errorf("status %s, want expired", st)
		}
		far := s.Now().Add(3 * 365 * 24 * time.Hour)
		if _, _, err := s.CreateClientKey(ctx, models.Scope{}, c.ID, models.APIKeyInput{ExpiresAt: &far}); !isCode(err, "invalid_expires_at") {
			t.Errorf("an expiry three years out: %v", err)
		}
	})
}

func isCode(err error, code string) bool {
	var e *models.Error
	return errors.As(err, &e) && e.Code == code
}

package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// waitKeyCache waits until db's key cache answers (on PostgreSQL, once its
// listener is connected).
func waitKeyCache(t *testing.T, db *models.DB) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !db.KeyCacheUsable() {
		if time.Now().After(deadline) {
			t.Fatal("the key cache's listener did not connect")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Keys are answered from the cache, and revoking or rotating a key through
// the Store refuses it at once in the same process.
func TestAPIKeyCacheInvalidatedAtOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		t.Parallel()
		ctx := context.Background()
		s := models.NewStore(db, nil)
		c, err := s.CreateClient(ctx, models.ClientInput{Name: "Acme", Email: "ops@acme.com"})
		if err != nil {
			t.Fatal(err)
		}
		key1, k1, err := s.CreateClientKey(ctx, models.Scope{}, c.ID, models.APIKeyInput{})
		if err != nil {
			t.Fatal(err)
		}
		key2, k2, err := s.CreateClientKey(ctx, models.Scope{}, c.ID, models.APIKeyInput{})
		if err != nil {
			t.Fatal(err)
		}
		waitKeyCache(t, db)
		for _, key := range []string{key1, key2} {
			if _, err := s.Authenticate(ctx, key); err != nil {
				t.Fatalf("fresh key: %v", err)
			}
		}
		// The cache answers: a change behind the Store's back (no
		// invalidation) is not seen yet.
		if _, err := db.SQL.ExecContext(ctx, `UPDATE api_keys SET name = 'renamed behind the back' WHERE id = `+placeholder(db), k1.ID); err != nil {
			t.Fatal(err)
		}
		if k, err := s.Authenticate(ctx, key1); err != nil || k.Name == "renamed behind the back" {
			t.Fatalf("second authentication read the row again (%v, %q): no cache", err, k.Name)
		}

		if _, err := s.RevokeAPIKey(ctx, models.Scope{ClientID: c.ID}, k1.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, key1); !errors.Is(err, models.ErrBadKey) {
			t.Fatalf("revoked key right after the revocation: %v, want ErrBadKey", err)
		}
		// Another Store on the same DB (another request's) sees it too.
		if _, err := models.NewStore(db, nil).Authenticate(ctx, key1); !errors.Is(err, models.ErrBadKey) {
			t.Fatalf("revoked key, another Store: %v, want ErrBadKey", err)
		}
		// A rotation that stops the old key now refuses it at once.
		if _, _, _, err := s.RotateClientKey(ctx, models.Scope{}, k2.ID, -1); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, key2); !errors.Is(err, models.ErrBadKey) {
			t.Fatalf("rotated key (no grace) right after the rotation: %v, want ErrBadKey", err)
		}
	})
}

// On PostgreSQL a key revoked through one process's Store is refused by
// another process (another DB: its own pool, cache and listener) within a
// deadline, by NOTIFY.
func TestAPIKeyRevokedInOtherProcess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.PostgresURL(t)
	open := func() *models.DB {
		db, err := models.Open(ctx, models.DBConfig{DatabaseURL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	dbA, dbB := open(), open()
	if _, err := models.Migrate(ctx, dbA); err != nil {
		t.Fatal(err)
	}
	a, b := models.NewStore(dbA, nil), models.NewStore(dbB, nil)
	c, err := a.CreateClient(ctx, models.ClientInput{Name: "Acme", Email: "ops@acme.com"})
	if err != nil {
		t.Fatal(err)
	}
	key1, k1, err := a.CreateClientKey(ctx, models.Scope{}, c.ID, models.APIKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	key2, k2, err := a.CreateClientKey(ctx, models.Scope{}, c.ID, models.APIKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	waitKeyCache(t, dbB)
	for _, key := range []string{key1, key2} {
		if _, err := b.Authenticate(ctx, key); err != nil {
			t.Fatalf("fresh key in process B: %v", err)
		}
	}
	// Revoked behind the Stores' backs (no NOTIFY): B still believes its
	// cached copy, which is what the notice is for.
	if _, err := dbA.SQL.ExecContext(ctx, `UPDATE api_keys SET revoked_at = now() WHERE id = $1`, k1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, key1); err != nil {
		t.Fatalf("B read the key again without a notice (%v): no cache", err)
	}

	if _, err := a.RevokeAPIKey(ctx, models.Scope{}, k2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, key2); !errors.Is(err, models.ErrBadKey) {
		t.Fatalf("process A right after its revocation: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := b.Authenticate(ctx, key2)
		if errors.Is(err, models.ErrBadKey) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("process B still accepts the key revoked in process A after 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The notice emptied B's cache: the key revoked behind its back is
	// read afresh and refused too.
	if _, err := b.Authenticate(ctx, key1); !errors.Is(err, models.ErrBadKey) {
		t.Fatalf("key1 after the notice: %v", err)
	}
}

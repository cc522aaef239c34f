package models_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

func TestSessions(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		var mu sync.Mutex
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
		s := models.NewStore(db, clock)
		c := mustClient(t, s, "Acme", "owner@acme.com")
		u, err := s.CreateUser(ctx, models.UserInput{Email: "owner@acme.com", Password: "0123456789ab", Role: models.RoleClient, ClientID: c.ID})
		if err != nil {
			t.Fatal(err)
		}

		id, sess, err := s.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if len(id) < 43 || sess.IDHash != models.HashKey(id) || len(sess.CSRFToken) < 43 || sess.CSRFToken == id {
			t.Fatalf("session id %q, row %+v", id, sess)
		}
		// Only the hash is stored: the id itself is nowhere in the table.
		var n int64
		if err := db.Gorm.Raw("SELECT count(*) FROM sessions WHERE id_hash = ? OR csrf_token = ?", id, id).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatal("the session id is stored in clear")
		}
		got, err := s.SessionByID(ctx, id)
		if err != nil || got.UserID != u.ID || got.CSRFToken != sess.CSRFToken || !got.ExpiresAt.Equal(sess.ExpiresAt) {
			t.Fatalf("SessionByID: %+v, %v", got, err)
		}
		id2, sess2, err := s.CreateSession(ctx, u.ID, time.Hour)
		if err != nil || id2 == id || sess2.CSRFToken == sess.CSRFToken {
			t.Fatalf("a second session is not distinct: %v", err)
		}

		for name, bad := range map[string]string{"unknown": models.NewToken(), "empty": "", "short": "abc", "huge": strings.Repeat("a", 500), "hash as id": sess.IDHash} {
			if _, err := s.SessionByID(ctx, bad); !errors.Is(err, models.ErrNoSession) {
				t.Errorf("%s id: %v, want ErrNoSession", name, err)
			}
		}
		if _, _, err := s.CreateSession(ctx, "usr_nope", time.Hour); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("session for an unknown user: %v, want not found", err)
		}
		if _, _, err := s.CreateSession(ctx, u.ID, 0); err == nil {
			t.Error("a session without a lifetime was made")
		}

		// Expiry.
		advance(time.Hour)
		if _, err := s.SessionByID(ctx, id); !errors.Is(err, models.ErrNoSession) {
			t.Fatalf("expired session: %v", err)
		}
		id3, _, err := s.CreateSession(ctx, u.ID, 2*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := s.DeleteExpiredSessions(ctx); err != nil || n != 2 {
			t.Fatalf("DeleteExpiredSessions: %d, %v; want 2", n, err)
		}
		if _, err := s.SessionByID(ctx, id3); err != nil {
			t.Fatalf("the live session went with the expired ones: %v", err)
		}
		// Sign-out.
		if err := s.DeleteSession(ctx, id3); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionByID(ctx, id3); !errors.Is(err, models.ErrNoSession) {
			t.Fatalf("after sign-out: %v", err)
		}
		if err := s.DeleteSession(ctx, id3); err != nil {
			t.Fatalf("deleting twice: %v", err)
		}
		// Deleting the user ends their sessions.
		id4, _, _ := s.CreateSession(ctx, u.ID, time.Hour)
		if err := db.Gorm.Exec("DELETE FROM users WHERE id = ?", u.ID).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionByID(ctx, id4); !errors.Is(err, models.ErrNoSession) {
			t.Errorf("the session outlived its user: %v", err)
		}
	})
}

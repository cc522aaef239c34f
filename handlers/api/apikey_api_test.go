package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

type rotated struct {
	handlertest.APIKey
	ExpiresAt *time.Time        `json:"expires_at"`
	Previous  models.APIKeyView `json:"previous"`
}

// The key lifecycle through the API: create (optionally expiring), list
// with status, rotate with a grace period, revoke; scoped to the client;
// the last admin key is kept.
func TestAPIKeyLifecycle(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		acme := e.CreateClient(t, "Acme", "ops@acme.com")
		other := e.CreateClient(t, "Other", "ops@other.com")
		keys := "/api/v1/clients/" + acme.ID + "/api-keys"
		list := func(key string) []models.APIKeyView {
			t.Helper()
			return handlertest.Decode[handlers.List[models.APIKeyView]](t, e.Do(t, "GET", keys, key, nil).Want(t, http.StatusOK)).Data
		}
		works := func(key string) bool {
			t.Helper()
			return e.Do(t, "GET", "/api/v1/clients/"+acme.ID, key, nil).Status == http.StatusOK
		}

		// An expiry in the past is refused, naming the field; nothing stored.
		past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		handlertest.WantProblem(t, e.Do(t, "POST", keys, e.Admin, map[string]any{"expires_at": past}),
			http.StatusUnprocessableEntity, "invalid_expires_at", "expires_at")
		if got := list(e.Admin); len(got) != 0 {
			t.Fatalf("a refused key was stored: %+v", got)
		}

		// A key with an expiry: listed with its status, never with the key.
		soon := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
		k1 := handlertest.Decode[rotated](t, e.Do(t, "POST", keys, e.Admin, map[string]any{"name": "ci", "expires_at": soon}).Want(t, http.StatusCreated))
		if k1.ExpiresAt == nil || !k1.ExpiresAt.Equal(soon) {
			t.Errorf("expires_at %v, want %v", k1.ExpiresAt, soon)
		}
		got := list(k1.Key)
		if len(got) != 1 || got[0].ID != k1.ID || got[0].Status != models.KeyActive || got[0].Name != "ci" || got[0].LastUsedAt == nil {
			t.Fatalf("list: %+v", got)
		}

		// Another client's key sees none of it.
		ok := e.ClientKey(t, other.ID)
		handlertest.WantProblem(t, e.Do(t, "GET", keys, ok.Key, nil), http.StatusNotFound, "not_found")
		handlertest.WantProblem(t, e.Do(t, "DELETE", "/api/v1/api-keys/"+k1.ID, ok.Key, nil), http.StatusNotFound, "not_found")
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/api-keys/"+k1.ID+"/rotate", ok.Key, nil), http.StatusNotFound, "not_found")
		if !works(k1.Key) {
			t.Fatal("another client's calls changed the key")
		}

		// Rotation: a new key; the old one works through its grace period.
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/api-keys/"+k1.ID+"/rotate", k1.Key, map[string]any{"grace_seconds": 0}),
			http.StatusUnprocessableEntity, "invalid_grace", "grace_seconds")
		r := handlertest.Decode[rotated](t, e.Do(t, "POST", "/api/v1/api-keys/"+k1.ID+"/rotate", k1.Key, map[string]any{"grace_seconds": 600}).Want(t, http.StatusCreated))
		if r.ID == k1.ID || r.Key == k1.Key || r.Name != "ci" || r.ClientID != acme.ID || r.Previous.ID != k1.ID || r.Previous.ExpiresAt == nil {
			t.Fatalf("rotated: %+v", r)
		}
		if left := time.Until(*r.Previous.ExpiresAt); left <= 0 || left > 10*time.Minute {
			t.Errorf("the old key expires in %s, want the 10-minute grace", left)
		}
		if !works(k1.Key) || !works(r.Key) {
			t.Fatal("during the grace period both keys must work")
		}
		// grace -1 stops the old key at once.
		r2 := handlertest.Decode[rotated](t, e.Do(t, "POST", "/api/v1/api-keys/"+r.ID+"/rotate", r.Key, map[string]any{"grace_seconds": -1}).Want(t, http.StatusCreated))
		if works(r.Key) || !works(r2.Key) {
			t.Fatal("grace -1: the old key must stop, the new one work")
		}
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/api-keys/"+r.ID+"/rotate", r2.Key, nil), http.StatusConflict, "key_expired")

		// Revocation: at once, listed as revoked; again is a no-op.
		e.Do(t, "DELETE", "/api/v1/api-keys/"+k1.ID, r2.Key, nil).Want(t, http.StatusNoContent)
		e.Do(t, "DELETE", "/api/v1/api-keys/"+k1.ID, r2.Key, nil).Want(t, http.StatusNoContent)
		if works(k1.Key) {
			t.Fatal("a revoked key still works")
		}
		statuses := map[string]models.KeyStatus{}
		for _, k := range list(r2.Key) {
			statuses[k.ID] = k.Status
		}
		if statuses[k1.ID] != models.KeyRevoked || statuses[r.ID] != models.KeyExpired || statuses[r2.ID] != models.KeyActive {
			t.Errorf("statuses %v", statuses)
		}

		// The last active admin key stays; with another, it can go.
		handlertest.WantProblem(t, e.Do(t, "DELETE", "/api/v1/api-keys/"+e.AdminID, e.Admin, nil), http.StatusConflict, "last_admin_key")
		second, _, err := e.Store.CreateAPIKey(t.Context(), models.RoleAdmin, "", "second")
		if err != nil {
			t.Fatal(err)
		}
		e.Do(t, "DELETE", "/api/v1/api-keys/"+e.AdminID, second, nil).Want(t, http.StatusNoContent)
		if works(e.Admin) || !works(second) {
			t.Fatal("the revoked admin key must stop, the other work")
		}
		// A client key cannot revoke an admin key (it cannot see it).
		handlertest.WantProblem(t, e.Do(t, "DELETE", "/api/v1/api-keys/"+e.AdminID, r2.Key, nil), http.StatusNotFound, "not_found")
	})
}

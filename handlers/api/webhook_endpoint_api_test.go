package api_test

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

type webhookEndpointReply struct {
	models.WebhookEndpointView
	Secret *string `json:"secret"`
}

func withKeys(t *testing.T) func(*handlertest.Config) {
	t.Helper()
	kr, err := models.ParseKeyRing(models.NewKeyRingValue("test1"))
	if err != nil {
		t.Fatal(err)
	}
	return func(c *handlertest.Config) { c.Keys = kr }
}

func createPlanClient(t *testing.T, e *handlertest.Env, name, email string, plan models.Plan) models.ClientView {
	t.Helper()
	r := e.Do(t, "POST", "/api/v1/clients", e.Admin, map[string]any{"name": name, "email": email, "plan": plan}).Want(t, http.StatusCreated)
	return handlertest.Decode[models.ClientView](t, r)
}

func TestWebhookEndpointsAPI(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db, withKeys(t))
		prem := createPlanClient(t, e, "Prem", "prem@acme.com", models.PlanPremium)
		ent := createPlanClient(t, e, "Ent", "ent@acme.com", models.PlanEnterprise)
		basic := createPlanClient(t, e, "Basic", "basic@acme.com", models.PlanBasic)
		pk := e.ClientKey(t, prem.ID).Key
		ek := e.ClientKey(t, ent.ID).Key
		bk := e.ClientKey(t, basic.ID).Key
		const path = "/api/v1/webhooks/endpoints"

		// Basic plan: refused, for the client and for an admin acting for it.
		handlertest.WantProblem(t, e.Do(t, "POST", path, bk, map[string]any{"url": "https://hooks.acme.com/", "events": []string{"*"}}), 403, "plan_required")
		handlertest.WantProblem(t, e.Do(t, "POST", path, e.Admin, map[string]any{"url": "https://hooks.acme.com/", "events": []string{"*"}, "client_id": basic.ID}), 403, "plan_required")
		// Bad input names the field.
		handlertest.WantProblem(t, e.Do(t, "POST", path, pk, map[string]any{"url": "https://hooks.acme.com/", "events": []string{"domain.bogus"}}), 422, "invalid_webhook_endpoint", "events")
		handlertest.WantProblem(t, e.Do(t, "POST", path, pk, map[string]any{"url": "https://hooks.acme.com/", "events": []string{}}), 422, "invalid_webhook_endpoint", "events")
		// Production policy: https only, and no internal destinations.
		for _, u := range []string{"hooks.acme.com/x", "ftp://hooks.acme.com/", "https://u:p@hooks.acme.com/", "", "http://hooks.acme.com/",
			"https://127.0.0.1/h", "https://[::1]/h", "https://169.254.169.254/latest/meta-data", "https://10.0.0.1/h", "https://[::ffff:127.0.0.1]/h"} {
			handlertest.WantProblem(t, e.Do(t, "POST", path, pk, map[string]any{"url": u, "events": []string{"domain.*"}}), 422, "invalid_webhook_endpoint", "url")
		}
		handlertest.WantProblem(t, e.Do(t, "POST", path, pk, map[string]any{"url": "https://hooks.acme.com/", "events": []string{"*"}, "extra": 1}), 422, "unknown_field", "extra")
		// A client cannot create one for another client.
		handlertest.WantProblem(t, e.Do(t, "POST", path, pk, map[string]any{"url": "https://hooks.acme.com/", "events": []string{"*"}, "client_id": ent.ID}), 404, "not_found")

		r := e.Do(t, "POST", path, pk, map[string]any{"url": "https://hooks.acme.com/in", "events": []string{"domain.*", "registration.completed"}}).Want(t, http.StatusCreated)
		created := handlertest.Decode[webhookEndpointReply](t, r)
		if created.Secret == nil || !strings.HasPrefix(*created.Secret, "whsec_") || !created.Enabled ||
			created.ClientID == nil || *created.ClientID != prem.ID || r.Header.Get("Location") != path+"/"+created.ID ||
			!slices.Equal(created.Events, []string{"domain.*", "registration.completed"}) {
			t.Fatalf("created %s", r)
		}
		secret := *created.Secret

		other := handlertest.Decode[webhookEndpointReply](t, e.Do(t, "POST", path, ek, map[string]any{"url": "https://hooks.ent.com/", "events": []string{"*"}}).Want(t, http.StatusCreated))
		wide := handlertest.Decode[webhookEndpointReply](t, e.Do(t, "POST", path, e.Admin, map[string]any{"url": "https://ops.example/hooks", "events": []string{"*"}}).Want(t, http.StatusCreated))
		if wide.ClientID != nil {
			t.Errorf("admin-wide endpoint has client_id %v", *wide.ClientID)
		}
		byAdmin := handlertest.Decode[webhookEndpointReply](t, e.Do(t, "POST", path, e.Admin, map[string]any{"url": "https://hooks.acme.com/2", "events": []string{"domain.failed"}, "client_id": prem.ID}).Want(t, http.StatusCreated))

		noSecret := func(r handlertest.Reply) {
			t.Helper()
			if bytes.Contains(r.Body, []byte(`"secret"`)) || bytes.Contains(r.Body, []byte(strings.TrimPrefix(secret, "whsec_"))) {
				t.Errorf("a response shows a secret: %s", r)
			}
		}
		// List: scoped, newest first, paged, no secrets.
		r = e.Do(t, "GET", path, pk, nil).Want(t, 200)
		noSecret(r)
		l := handlertest.Decode[handlers.List[models.WebhookEndpointView]](t, r)
		if ids := endpointIDs(l.Data); !slices.Equal(ids, []string{byAdmin.ID, created.ID}) || l.NextCursor != nil {
			t.Errorf("client list %v", ids)
		}
		r = e.Do(t, "GET", path+"?limit=2", e.Admin, nil).Want(t, 200)
		noSecret(r)
		l = handlertest.Decode[handlers.List[models.WebhookEndpointView]](t, r)
		if ids := endpointIDs(l.Data); !slices.Equal(ids, []string{byAdmin.ID, wide.ID}) || l.NextCursor == nil {
			t.Fatalf("admin page 1 %v", ids)
		}
		l = handlertest.Decode[handlers.List[models.WebhookEndpointView]](t, e.Do(t, "GET", path+"?limit=2&cursor="+*l.NextCursor, e.Admin, nil).Want(t, 200))
		if ids := endpointIDs(l.Data); !slices.Equal(ids, []string{other.ID, created.ID}) || l.NextCursor != nil {
			t.Errorf("admin page 2 %v", ids)
		}
		handlertest.WantProblem(t, e.Do(t, "GET", path+"?cursor=nope", pk, nil), 400, "invalid_cursor")

		// Get: own only; no secret.
		r = e.Do(t, "GET", path+"/"+created.ID, pk, nil).Want(t, 200)
		noSecret(r)
		if got := handlertest.Decode[models.WebhookEndpointView](t, r); got.ID != created.ID || got.URL != "https://hooks.acme.com/in" {
			t.Errorf("get %s", r)
		}
		handlertest.WantProblem(t, e.Do(t, "GET", path+"/"+other.ID, pk, nil), 404, "not_found")
		handlertest.WantProblem(t, e.Do(t, "GET", path+"/"+wide.ID, pk, nil), 404, "not_found")
		handlertest.WantProblem(t, e.Do(t, "PATCH", path+"/"+other.ID, pk, map[string]any{"enabled": false}), 404, "not_found")
		handlertest.WantProblem(t, e.Do(t, "DELETE", path+"/"+other.ID, pk, nil), 404, "not_found")
		handlertest.WantProblem(t, e.Do(t, "POST", path+"/"+other.ID+"/rotate-secret", pk, nil), 404, "not_found")
		e.Do(t, "GET", path+"/"+other.ID, e.Admin, nil).Want(t, 200)

		// The secret is stored encrypted only.
		var raw []byte
		if err := db.SQL.QueryRowContext(bg, "SELECT secret_ciphertext FROM webhook_endpoints WHERE id = $1", created.ID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(secret)) || bytes.Contains(raw, []byte(strings.TrimPrefix(secret, "whsec_"))) {
			t.Error("the secret is in the database in clear")
		}
		var n int
		if err := db.SQL.QueryRowContext(bg, "SELECT count(*) FROM webhook_endpoints WHERE url LIKE '%whsec%' OR events LIKE '%whsec%' OR key_id LIKE '%whsec%'").Scan(&n); err != nil || n != 0 {
			t.Errorf("secret text in other columns: %d %v", n, err)
		}

		// Update.
		r = e.Do(t, "PATCH", path+"/"+created.ID, pk, map[string]any{"url": "https://hooks.acme.com/v2", "events": []string{"registration.*"}, "enabled": false}).Want(t, 200)
		noSecret(r)
		if u := handlertest.Decode[models.WebhookEndpointView](t, r); u.URL != "https://hooks.acme.com/v2" || u.Enabled || !slices.Equal(u.Events, []string{"registration.*"}) {
			t.Errorf("update %s", r)
		}
		handlertest.WantProblem(t, e.Do(t, "PATCH", path+"/"+created.ID, pk, map[string]any{"events": []string{"nope.*"}}), 422, "invalid_webhook_endpoint", "events")
		handlertest.WantProblem(t, e.Do(t, "PATCH", path+"/"+created.ID, pk, map[string]any{"url": "https://a:b@x.example/"}), 422, "invalid_webhook_endpoint", "url")
		if u := handlertest.Decode[models.WebhookEndpointView](t, e.Do(t, "PATCH", path+"/"+created.ID, pk, map[string]any{"enabled": true}).Want(t, 200)); !u.Enabled || u.URL != "https://hooks.acme.com/v2" {
			t.Errorf("re-enable %+v", u)
		}

		// Rotate: a new secret, shown once.
		r = e.Do(t, "POST", path+"/"+created.ID+"/rotate-secret", pk, nil).Want(t, 200)
		rot := handlertest.Decode[webhookEndpointReply](t, r)
		if rot.Secret == nil || !strings.HasPrefix(*rot.Secret, "whsec_") || *rot.Secret == secret || rot.ID != created.ID {
			t.Fatalf("rotate %s", r)
		}
		w, err := e.Store.GetWebhookEndpoint(bg, models.Scope{}, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		if secs, err := w.Secrets(e.Config.Keys, e.Store.Now()); err != nil || !slices.Equal(secs, []string{*rot.Secret, secret}) {
			t.Errorf("secrets after rotation %v %v", secs, err)
		}

		// Downgraded to basic: changes are refused.
		e.Do(t, "PATCH", "/api/v1/clients/"+prem.ID, e.Admin, map[string]any{"plan": "basic"}).Want(t, 200)
		handlertest.WantProblem(t, e.Do(t, "PATCH", path+"/"+created.ID, pk, map[string]any{"enabled": false}), 403, "plan_required")
		handlertest.WantProblem(t, e.Do(t, "POST", path+"/"+created.ID+"/rotate-secret", pk, nil), 403, "plan_required")

		// Delete.
		e.Do(t, "DELETE", path+"/"+created.ID, pk, nil).Want(t, http.StatusNoContent)
		handlertest.WantProblem(t, e.Do(t, "GET", path+"/"+created.ID, pk, nil), 404, "not_found")
		handlertest.WantProblem(t, e.Do(t, "DELETE", path+"/"+created.ID, pk, nil), 404, "not_found")
		e.Do(t, "DELETE", path+"/"+wide.ID, e.Admin, nil).Want(t, http.StatusNoContent)
	})
}

func TestWebhookEndpointsWithoutKeyRing(t *testing.T) {
	t.Parallel()
	e := handlertest.NewAPI(t, dbtest.SQLite(t))
	prem := createPlanClient(t, e, "Prem", "prem@acme.com", models.PlanPremium)
	handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/webhooks/endpoints", e.Admin,
		map[string]any{"url": "https://hooks.acme.com/", "events": []string{"*"}, "client_id": prem.ID}), 503, "secrets_unavailable")
}

func endpointIDs(ws []models.WebhookEndpointView) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.ID)
	}
	return out
}

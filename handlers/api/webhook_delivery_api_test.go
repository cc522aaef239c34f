package api_test

// The deliveries API (list with attempts, get, replay, ping) over HTTP
// with a running engine and a loopback receiver; every exchange is checked
// against the api.OpenAPI document by the validating transport.

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

type deliveryList struct {
	Data       []models.WebhookDeliveryView `json:"data"`
	NextCursor *string                      `json:"next_cursor"`
}

func TestWebhookDeliveriesAPI(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewWorkflowAPI(t, db)
		var hits atomic.Int64
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			if hits.Add(1) == 1 {
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = io.WriteString(w, "try later")
				return
			}
			w.WriteHeader(http.StatusOK)
		}))
		t.Cleanup(recv.Close)

		prem := createPlanClient(t, e.Env, "Prem", "prem@hooks.io", models.PlanPremium)
		other := createPlanClient(t, e.Env, "Other", "other@hooks.io", models.PlanPremium)
		pk, ok := e.ClientKey(t, prem.ID).Key, e.ClientKey(t, other.ID).Key
		ep := handlertest.Decode[webhookEndpointReply](t, e.Do(t, "POST", "/api/v1/webhooks/endpoints", pk,
			map[string]any{"url": recv.URL + "/in", "events": []string{"domain.created"}}).Want(t, http.StatusCreated))
		e.Do(t, "POST", "/api/v1/clients/"+prem.ID+"/domains", e.Admin, map[string]any{"domain": "hooks.io"}).Want(t, http.StatusCreated)

		list := func(key, query string) deliveryList {
			t.Helper()
			return handlertest.Decode[deliveryList](t, e.Do(t, "GET", "/api/v1/webhooks/deliveries"+query, key, nil).Want(t, http.StatusOK))
		}
		var d models.WebhookDeliveryView
		deadline := time.Now().Add(handlertest.WaitFor)
		for {
			l := list(pk, "?endpoint_id="+ep.ID+"&status=succeeded")
			if len(l.Data) == 1 {
				d = l.Data[0]
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no succeeded delivery; all: %+v", list(pk, ""))
			}
			time.Sleep(50 * time.Millisecond)
		}
		if d.EventType != "domain.created" || d.AttemptCount != 2 || len(d.Attempts) != 2 ||
			*d.Attempts[0].StatusCode != 500 || d.Attempts[0].ResponseBody != "try later" || *d.Attempts[1].StatusCode != 200 {
			t.Fatalf("delivery %+v", d)
		}
		// Filters and isolation.
		if l := list(pk, "?status=failed"); len(l.Data) != 0 {
			t.Fatalf("failed filter: %+v", l)
		}
		if l := list(ok, ""); len(l.Data) != 0 {
			t.Fatalf("another client sees %d deliveries", len(l.Data))
		}
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/webhooks/deliveries?status=late", pk, nil), 422, "invalid_query", "status")
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/webhooks/deliveries?endpoint_id=nope", pk, nil), 422, "invalid_query", "endpoint_id")
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/webhooks/deliveries/"+d.ID, ok, nil), 404, "not_found")
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/webhooks/deliveries/"+d.ID+"/replay", ok, nil), 404, "not_found")
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/webhooks/endpoints/"+ep.ID+"/ping", ok, nil), 404, "not_found")
		got := handlertest.Decode[models.WebhookDeliveryView](t, e.Do(t, "GET", "/api/v1/webhooks/deliveries/"+d.ID, e.Admin, nil).Want(t, http.StatusOK))
		if got.ID != d.ID || len(got.Attempts) != 2 {
			t.Fatalf("get %+v", got)
		}

		// Replay: a new delivery of the same event.
		r := e.Do(t, "POST", "/api/v1/webhooks/deliveries/"+d.ID+"/replay", pk, nil).Want(t, http.StatusAccepted)
		rep := handlertest.Decode[models.WebhookDeliveryView](t, r)
		if rep.EventID != d.EventID || rep.ReplayOf == nil || *rep.ReplayOf != d.ID || rep.Status != models.DeliveryPending ||
			r.Header.Get("Location") != "/api/v1/webhooks/deliveries/"+rep.ID {
			t.Fatalf("replay %s", r)
		}
		// Ping.
		ping := handlertest.Decode[models.WebhookDeliveryView](t, e.Do(t, "POST", "/api/v1/webhooks/endpoints/"+ep.ID+"/ping", pk, nil).Want(t, http.StatusAccepted))
		if ping.EventType != "webhook.ping" {
			t.Fatalf("ping %+v", ping)
		}
		for hits.Load() < 4 {
			if time.Now().After(deadline.Add(handlertest.WaitFor)) {
				t.Fatalf("receiver hits %d, want 4", hits.Load())
			}
			time.Sleep(20 * time.Millisecond)
		}
		// A disabled endpoint is neither pinged nor replayed to.
		e.Do(t, "PATCH", "/api/v1/webhooks/endpoints/"+ep.ID, pk, map[string]any{"enabled": false}).Want(t, http.StatusOK)
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/webhooks/endpoints/"+ep.ID+"/ping", pk, nil), 409, "endpoint_disabled")
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/webhooks/deliveries/"+d.ID+"/replay", pk, nil), 409, "endpoint_disabled")
		epv := handlertest.Decode[webhookEndpointReply](t, e.Do(t, "GET", "/api/v1/webhooks/endpoints/"+ep.ID, pk, nil).Want(t, http.StatusOK))
		if epv.DisabledReason == nil || *epv.DisabledReason != "disabled through the API" {
			t.Fatalf("endpoint %+v", epv)
		}
	})
}

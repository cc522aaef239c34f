package handlers

// The deliveries API (list with attempts, get, replay, ping) over HTTP
// with a running engine and a loopback receiver; every exchange is checked
// against the OpenAPI document by the validating transport.

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

type deliveryList struct {
	Data       []models.WebhookDeliveryView `json:"data"`
	NextCursor *string                      `json:"next_cursor"`
}

func TestWebhookDeliveriesAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newWorkflowAPI(t, db)
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

		prem := e.createPlanClient(t, "Prem", "prem@hooks.io", models.PlanPremium)
		other := e.createPlanClient(t, "Other", "other@hooks.io", models.PlanPremium)
		pk, ok := e.clientKey(t, prem.ID).Key, e.clientKey(t, other.ID).Key
		ep := decode[webhookEndpointReply](t, e.do(t, "POST", "/api/v1/webhooks/endpoints", pk,
			map[string]any{"url": recv.URL + "/in", "events": []string{"domain.created"}}).want(t, http.StatusCreated))
		e.do(t, "POST", "/api/v1/clients/"+prem.ID+"/domains", e.admin, map[string]any{"domain": "hooks.io"}).want(t, http.StatusCreated)

		list := func(key, query string) deliveryList {
			t.Helper()
			return decode[deliveryList](t, e.do(t, "GET", "/api/v1/webhooks/deliveries"+query, key, nil).want(t, http.StatusOK))
		}
		var d models.WebhookDeliveryView
		deadline := time.Now().Add(waitFor)
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
		wantProblem(t, e.do(t, "GET", "/api/v1/webhooks/deliveries?status=late", pk, nil), 422, "invalid_query", "status")
		wantProblem(t, e.do(t, "GET", "/api/v1/webhooks/deliveries?endpoint_id=nope", pk, nil), 422, "invalid_query", "endpoint_id")
		wantProblem(t, e.do(t, "GET", "/api/v1/webhooks/deliveries/"+d.ID, ok, nil), 404, "not_found")
		wantProblem(t, e.do(t, "POST", "/api/v1/webhooks/deliveries/"+d.ID+"/replay", ok, nil), 404, "not_found")
		wantProblem(t, e.do(t, "POST", "/api/v1/webhooks/endpoints/"+ep.ID+"/ping", ok, nil), 404, "not_found")
		got := decode[models.WebhookDeliveryView](t, e.do(t, "GET", "/api/v1/webhooks/deliveries/"+d.ID, e.admin, nil).want(t, http.StatusOK))
		if got.ID != d.ID || len(got.Attempts) != 2 {
			t.Fatalf("get %+v", got)
		}

		// Replay: a new delivery of the same event.
		r := e.do(t, "POST", "/api/v1/webhooks/deliveries/"+d.ID+"/replay", pk, nil).want(t, http.StatusAccepted)
		rep := decode[models.WebhookDeliveryView](t, r)
		if rep.EventID != d.EventID || rep.ReplayOf == nil || *rep.ReplayOf != d.ID || rep.Status != models.DeliveryPending ||
			r.Header.Get("Location") != "/api/v1/webhooks/deliveries/"+rep.ID {
			t.Fatalf("replay %s", r)
		}
		// Ping.
		ping := decode[models.WebhookDeliveryView](t, e.do(t, "POST", "/api/v1/webhooks/endpoints/"+ep.ID+"/ping", pk, nil).want(t, http.StatusAccepted))
		if ping.EventType != "webhook.ping" {
			t.Fatalf("ping %+v", ping)
		}
		for hits.Load() < 4 {
			if time.Now().After(deadline.Add(waitFor)) {
				t.Fatalf("receiver hits %d, want 4", hits.Load())
			}
			time.Sleep(20 * time.Millisecond)
		}
		// A disabled endpoint is neither pinged nor replayed to.
		e.do(t, "PATCH", "/api/v1/webhooks/endpoints/"+ep.ID, pk, map[string]any{"enabled": false}).want(t, http.StatusOK)
		wantProblem(t, e.do(t, "POST", "/api/v1/webhooks/endpoints/"+ep.ID+"/ping", pk, nil), 409, "endpoint_disabled")
		wantProblem(t, e.do(t, "POST", "/api/v1/webhooks/deliveries/"+d.ID+"/replay", pk, nil), 409, "endpoint_disabled")
		epv := decode[webhookEndpointReply](t, e.do(t, "GET", "/api/v1/webhooks/endpoints/"+ep.ID, pk, nil).want(t, http.StatusOK))
		if epv.DisabledReason == nil || *epv.DisabledReason != "disabled through the API" {
			t.Fatalf("endpoint %+v", epv)
		}
	})
}

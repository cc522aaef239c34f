package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// TestConsoleWebhookDeliveries: ping from the endpoints page, the
// deliveries page with its attempts, replay, the filters, and another
// client's deliveries out of reach; production policy refuses a loopback
// URL next to the field.
func TestConsoleWebhookDeliveries(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, true)
		ctx := context.Background()
		premium := models.PlanPremium
		if _, err := e.store.UpdateClient(ctx, models.Scope{}, e.acme.ID, models.ClientPatch{Plan: &premium}); err != nil {
			t.Fatal(err)
		}
		// The domains' events so far go nowhere: dispatch them before the
		// endpoint exists, so that the ping is its only delivery.
		if _, err := e.wf.Engine.DispatchWebhooks(ctx); err != nil {
			t.Fatal(err)
		}
		var hits atomic.Int64
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hits.Add(1) == 1 {
				http.Error(w, "not yet", http.StatusServiceUnavailable)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(recv.Close)

		b := newConsoleBrowser(t, e.base)
		b.login(t, "user@acme.com", consolePassword)
		p := b.follow(t, b.submit(t, "/console/webhooks", "/console/webhooks", url.Values{"url": {recv.URL + "/hook"}, "events": {"domain.*"}}))
		wantPage(t, p, http.StatusOK, recv.URL+"/hook")
		id := regexp.MustCompile(`/console/webhooks/(whe_[0-9A-Za-z]+)/ping`).FindStringSubmatch(p.Body)[1]
		p = b.submit(t, "/console/webhooks", "/console/webhooks/"+id+"/ping", nil)
		if p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "endpoint_id="+id) {
			t.Fatalf("ping: %d %q", p.Status, p.Location)
		}
		wantPage(t, b.get(t, p.Location), http.StatusOK, "Ping queued", "<code>webhook.ping</code>")

		// The first attempt gets 503, the retry 204: both listed.
		deadline := time.Now().Add(handlertest.WaitFor)
		var page string
		for {
			page = b.get(t, "/console/webhooks/deliveries?status=succeeded").Body
			if strings.Contains(page, `data-value="succeeded"`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no succeeded delivery:\n%s", b.get(t, "/console/webhooks/deliveries").Body)
			}
			time.Sleep(50 * time.Millisecond)
		}
		for _, want := range []string{"2 attempts", "HTTP 503", "not yet", "HTTP 204"} {
			if !strings.Contains(page, want) {
				t.Errorf("deliveries page lacks %q:\n%s", want, page)
			}
		}
		did := regexp.MustCompile(`/console/webhooks/deliveries/(whd_[0-9A-Za-z]+)/replay`).FindStringSubmatch(page)[1]

		// Another client's user sees nothing and cannot replay.
		other, err := e.store.CreateUser(ctx, models.UserInput{Email: "user@globex.com", Password: consolePassword, Role: models.RoleClient, ClientID: e.globex.ID})
		if err != nil {
			t.Fatal(err)
		}
		ob := newConsoleBrowser(t, e.base)
		ob.login(t, other.Email, consolePassword)
		wantPage(t, ob.get(t, "/console/webhooks/deliveries"), http.StatusOK, "No deliveries")
		if p := ob.submit(t, "/console/webhooks/deliveries", "/console/webhooks/deliveries/"+did+"/replay", nil); p.Status != http.StatusNotFound {
			t.Errorf("another client's replay: %d", p.Status)
		}

		p = b.submit(t, "/console/webhooks/deliveries", "/console/webhooks/deliveries/"+did+"/replay", nil)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("replay: %d\n%s", p.Status, p.Body)
		}
		wantPage(t, b.get(t, p.Location), http.StatusOK, "Delivery queued again", "replay of "+did)
		for hits.Load() < 3 {
			if time.Now().After(deadline.Add(handlertest.WaitFor)) {
				t.Fatalf("the replay never arrived (%d hits)", hits.Load())
			}
			time.Sleep(20 * time.Millisecond)
		}
		wantPage(t, b.get(t, "/console/webhooks/deliveries?status=bogus"), http.StatusUnprocessableEntity)
	})
}

func TestConsoleWebhookURLPolicy(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, false) // production policy: https, no internal addresses
		premium := models.PlanPremium
		if _, err := e.store.UpdateClient(context.Background(), models.Scope{}, e.acme.ID, models.ClientPatch{Plan: &premium}); err != nil {
			t.Fatal(err)
		}
		b := newConsoleBrowser(t, e.base)
		b.login(t, "user@acme.com", consolePassword)
		p := b.submit(t, "/console/webhooks", "/console/webhooks", url.Values{"url": {"https://169.254.169.254/latest"}, "events": {"nope.*"}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p.Body, "url"), "internal address") || fieldError(p.Body, "events") == "" {
			t.Fatalf("status %d; url error %q, events error %q", p.Status, fieldError(p.Body, "url"), fieldError(p.Body, "events"))
		}
	})
}

package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// The webhooks pages choose from lists: the admin's client choice offers
// the clients whose plan has webhooks, and the deliveries' endpoint
// filter the endpoints by URL; a delivery names its endpoint by URL; a
// client on the basic plan sees why it has no form instead of the form.
func TestConsoleWebhooksChoices(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		t.Parallel()
		e := newConsole(t, db, true)
		premium := models.PlanPremium
		if _, err := e.store.UpdateClient(bg, models.Scope{}, e.globex.ID, models.ClientPatch{Plan: &premium}); err != nil {
			t.Fatal(err)
		}
		admin := newConsoleBrowser(t, e.base)
		admin.login(t, "admin@example.com", consolePassword)
		p := admin.get(t, "/console/webhooks")
		wantPage(t, p, http.StatusOK, `<select id="client_id" name="client_id"`, `<option value="`+e.globex.ID+`">Globex</option>`)
		if strings.Contains(p.Body, `<option value="`+e.acme.ID+`"`) {
			t.Error("the basic-plan client is offered")
		}
		p = admin.follow(t, admin.submit(t, "/console/webhooks", "/console/webhooks", url.Values{"url": {"https://hooks.globex.com/x"}, "events": {"domain.*"}, "client_id": {e.globex.ID}}))
		wantPage(t, p, http.StatusOK, `<td data-label="Client">Globex</td>`)
		id := regexp.MustCompile(`/console/webhooks/(whe_[0-9A-Za-z]+)/ping`).FindStringSubmatch(p.Body)[1]
		p = admin.follow(t, admin.submit(t, "/console/webhooks", "/console/webhooks/"+id+"/ping", nil))
		wantPage(t, p, http.StatusOK, `<option value="`+id+`" selected>https://hooks.globex.com/x</option>`,
			`<code class="url">https://hooks.globex.com/x</code>`)
		if strings.Contains(p.Body, `<code>`+id+`</code>`) || regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC`).MatchString(p.Body) {
			t.Errorf("the deliveries show the endpoint id or ISO times:\n%s", p.Body)
		}

		// Acme is on the basic plan: a sentence, no form.
		cu := newConsoleBrowser(t, e.base)
		cu.login(t, "user@acme.com", consolePassword)
		p = cu.get(t, "/console/webhooks")
		wantPage(t, p, http.StatusOK, `id="no-plan"`, "Acme is on the basic plan")
		if strings.Contains(p.Body, `id="url"`) || strings.Contains(p.Body, `action="/console/webhooks" `) {
			t.Errorf("the basic-plan client is shown the form:\n%s", p.Body)
		}
		// Globex's endpoint is not Acme's to filter by.
		if p := cu.get(t, "/console/webhooks/deliveries"); strings.Contains(p.Body, "hooks.globex.com") {
			t.Error("another client's endpoint is offered")
		}
	})
}

package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

const consoleTrackingTarget = "track.linkgate.example."

// The "Add a domain" form offers both purposes with their targets; a
// url_tracking domain's page shows the tracking target and none of the
// Twilio panels (certificate, Domain SID, Messaging Services). A server
// without a tracking target refuses one next to the purpose field.
func TestConsoleTrackingDomain(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, false, func(c *handlertest.Config) {
			c.DNS = models.DNSDefaults{TrackingTarget: consoleTrackingTarget}
		})
		b := newConsoleBrowser(t, e.base)
		b.login(t, "admin@example.com", consolePassword)
		clientPage := "/console/clients/" + e.acme.ID
		newPath := clientPage + "/domains/new"

		wantPage(t, b.get(t, newPath), http.StatusOK, `<option value="link_shortening" data-target="`+models.DefaultCNAMETarget+`" selected>`,
			`<option value="url_tracking" data-target="`+consoleTrackingTarget+`">URL Tracking`)
		// An unknown purpose: the error next to the field, the form kept.
		p := b.submit(t, newPath, clientPage+"/domains", url.Values{"domain": {"tracky.com"}, "subdomain": {"t"}, "purpose": {"bogus"}})
		wantPage(t, p, http.StatusUnprocessableEntity, `value="tracky.com"`)
		if msg := fieldError(p.Body, "purpose"); !strings.Contains(msg, "url_tracking") {
			t.Errorf("unknown purpose: error %q next to the purpose field", msg)
		}

		p = b.submit(t, newPath, clientPage+"/domains", url.Values{"domain": {"tracky.com"}, "subdomain": {"t"}, "purpose": {"url_tracking"}})
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/console/domains/dom_") {
			t.Fatalf("add a tracking domain: %d %q\n%s", p.Status, p.Location, p.Body)
		}
		page := b.get(t, p.Location)
		wantPage(t, page, http.StatusOK, "t.tracky.com", `id="tracking-target">`+consoleTrackingTarget+`<`,
			`data-copy="`+consoleTrackingTarget+`"`, `id="tracking-note"`, "URL Tracking", "Connect the DNS provider")
		for _, twilioOnly := range []string{`id="messaging-services"`, `id="domain-sid"`, `id="status-ssl"`, `data-kind="ssl"`} {
			if strings.Contains(page.Body, twilioOnly) {
				t.Errorf("the tracking domain's page shows %s", twilioOnly)
			}
		}
		// A link-shortening domain's page still has them.
		ls := b.get(t, "/console/domains/"+e.acmeDomain.ID)
		wantPage(t, ls, http.StatusOK, `id="messaging-services"`, `id="status-ssl"`)
		if strings.Contains(ls.Body, `id="tracking-target"`) {
			t.Error("a link-shortening domain's page shows a tracking target")
		}
	})
}

func TestConsoleTrackingDomainWithoutTarget(t *testing.T) {
	t.Parallel()
	e := newConsole(t, dbtest.SQLite(t), false)
	b := newConsoleBrowser(t, e.base)
	b.login(t, "admin@example.com", consolePassword)
	clientPage := "/console/clients/" + e.acme.ID
	newPath := clientPage + "/domains/new"
	wantPage(t, b.get(t, newPath), http.StatusOK, `<option value="url_tracking" data-target="">`)
	p := b.submit(t, newPath, clientPage+"/domains", url.Values{"domain": {"tracky.com"}, "subdomain": {"t"}, "purpose": {"url_tracking"}})
	wantPage(t, p, http.StatusUnprocessableEntity, `<option value="url_tracking" data-target="" selected>`, "no target")
	if msg := fieldError(p.Body, "purpose"); !strings.Contains(msg, "LINKGATE_TRACKING_CNAME_TARGET") {
		t.Errorf("no tracking target: error %q next to the purpose field", msg)
	}
}

package console_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// The text rules on the pages: a form field or query parameter with a
// refused character is a 422 page naming the field, never a 5xx, and
// nothing is stored; what passes is stored in NFC; a bad path is 404.
func TestConsoleRefusesBadText(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, false)
		b := newConsoleBrowser(t, e.base)

		// Signing in with a NUL in the e-mail: refused, not a database error.
		p := b.submit(t, "/login", "/login", url.Values{"email": {"admin@example.com\x00"}, "password": {consolePassword}})
		wantPage(t, p, http.StatusUnprocessableEntity, "email", "NUL")
		b.login(t, "admin@example.com", consolePassword)

		clients := func() int {
			page, err := e.store.ListClients(bg, models.Scope{}, models.ClientQuery{})
			if err != nil {
				t.Fatal(err)
			}
			return len(page.Clients)
		}
		before := clients()
		for _, tc := range []struct{ name, email, want string }{
			{"Ac\x00me", "new@acme.com", "NUL"},
			{"\u202eevil", "new@acme.com", "bidirectional"},
			{"Ac\u200bme", "new@acme.com", "zero-width"},
			{"Acme", "new@acme.com\x07", "control"},
			{"Ac\xffme", "new@acme.com", "UTF-8"},
		} {
			p := b.submit(t, "/console/clients", "/console/clients", url.Values{"name": {tc.name}, "email": {tc.email}, "plan": {"basic"}})
			wantPage(t, p, http.StatusUnprocessableEntity, tc.want)
		}
		if n := clients(); n != before {
			t.Fatalf("refused forms stored clients: %d, was %d", n, before)
		}
		// A domain whose name mixes scripts names the field.
		newDomain := "/console/clients/" + e.acme.ID + "/domains/new"
		p = b.submit(t, newDomain, "/console/clients/"+e.acme.ID+"/domains", url.Values{"domain": {"\u0430pple.com"}, "subdomain": {"ls"}, "purpose": {"link_shortening"}})
		wantPage(t, p, http.StatusUnprocessableEntity, "mixes")

		wantPage(t, b.get(t, "/console/clients?q=a%00b"), http.StatusUnprocessableEntity, "NUL")
		wantPage(t, b.get(t, "/console/domains/a%00b"), http.StatusNotFound)
		wantPage(t, b.get(t, "/register/a%00b"), http.StatusNotFound)

		// What passes is stored in NFC.
		p = b.submit(t, "/console/clients", "/console/clients", url.Values{"name": {"Cafe\u0301"}, "email": {"cafe@acme.com"}, "plan": {"basic"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("create Café: %d\n%s", p.Status, p.Body)
		}
		page, err := e.store.ListClients(bg, models.Scope{}, models.ClientQuery{Q: "caf\u00e9"})
		if err != nil || len(page.Clients) != 1 || page.Clients[0].Name != "Caf\u00e9" {
			t.Fatalf("stored %+v, %v; want the name in NFC", page.Clients, err)
		}
	})
}

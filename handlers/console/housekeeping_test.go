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

// apiStatus calls the JSON API with a bearer key and returns the status.
func apiStatus(t *testing.T, base, key, path string) int {
	t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

var shownKey = regexp.MustCompile(`<code id="key-value">([^<]+)</code>`)

// Housekeeping over HTTP: editing a client (a bad field refused next to
// it, nothing changed), its users (add, remove, not oneself, a reset link
// mailed), its API keys (shown once, then only the prefix; revoked, the
// key gets 401) and deleting it (refused while it has domains, then with
// the box ticked). A client user manages their own client's users and
// keys, and gets 404 for the rest.
func TestConsoleHousekeeping(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		t.Parallel()
		e := newConsole(t, db, true)
		admin := newConsoleBrowser(t, e.base)
		admin.login(t, "admin@example.com", consolePassword)
		acme := "/console/clients/" + e.acme.ID

		// Edit: the client page links to it; a bad e-mail is refused next
		// to its field and nothing changes; then the changes are saved.
		wantPage(t, admin.get(t, acme), http.StatusOK, `href="`+acme+`/edit"`, `href="`+acme+`/users"`, `href="`+acme+`/api-keys"`, `href="`+acme+`/delete"`)
		wantPage(t, admin.get(t, acme+"/edit"), http.StatusOK, `value="Acme"`, `value="ops@acme.com"`)
		p := admin.submit(t, acme+"/edit", acme+"/edit", url.Values{"name": {"Acme Ltd"}, "email": {"not an address"}, "plan": {"premium"}})
		wantPage(t, p, http.StatusUnprocessableEntity, `value="Acme Ltd"`)
		if fieldError(p.Body, "client-email") == "" {
			t.Errorf("no error next to the e-mail:\n%s", p.Body)
		}
		if cl, _ := e.store.GetClient(bg, models.Scope{}, e.acme.ID); cl.Name != "Acme" || cl.Plan != models.PlanBasic {
			t.Errorf("a refused edit changed the client: %+v", cl)
		}
		p = admin.submit(t, acme+"/edit", acme+"/edit", url.Values{"name": {"Acme Ltd"}, "email": {"billing@acme.com"}, "plan": {"premium"}, "fallback_url": {""}})
		if p.Status != http.StatusSeeOther || p.Location != acme+"?done=client_saved" {
			t.Fatalf("save: %d %q\n%s", p.Status, p.Location, p.Body)
		}
		wantPage(t, admin.follow(t, p), http.StatusOK, "Client saved.", "Acme Ltd", "billing@acme.com", "premium")

		// Users: the one user is listed; add one from the page (a short
		// password next to its field first).
		wantPage(t, admin.get(t, acme+"/users"), http.StatusOK, "user@acme.com")
		p = admin.submit(t, acme+"/users", acme+"/users", url.Values{"back": {"users"}, "email": {"staff@acme.com"}, "password": {"short"}})
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "user-password") == "" || !strings.Contains(p.Body, "<h1>Users of") {
			t.Errorf("short password: %d %q", p.Status, fieldError(p.Body, "user-password"))
		}
		p = admin.submit(t, acme+"/users", acme+"/users", url.Values{"back": {"users"}, "email": {"staff@acme.com"}, "password": {consolePassword}})
		if p.Status != http.StatusSeeOther || p.Location != acme+"/users?done=user" {
			t.Fatalf("add user: %d %q\n%s", p.Status, p.Location, p.Body)
		}
		wantPage(t, admin.follow(t, p), http.StatusOK, "staff@acme.com", "user@acme.com")
		staff, err := e.store.UserByEmail(bg, "staff@acme.com")
		if err != nil {
			t.Fatal(err)
		}

		// A reset link by e-mail, through the reset workflow.
		p = admin.submit(t, acme+"/users", acme+"/users/"+staff.ID+"/reset", nil)
		if p.Status != http.StatusSeeOther || p.Location != acme+"/users?done=user_reset" {
			t.Fatalf("reset: %d %q\n%s", p.Status, p.Location, p.Body)
		}
		m, _ := waitMail(t, e.wf.Outbox, 1)
		if m.To != "staff@acme.com" || !strings.Contains(m.Subject, "Reset your") {
			t.Errorf("reset mail %+v", m)
		}

		// The client's own user: sees their users and keys, not another
		// client's, and none of the admin pages; cannot remove themselves.
		cu := newConsoleBrowser(t, e.base)
		cu.login(t, "user@acme.com", consolePassword)
		wantPage(t, cu.get(t, acme+"/users"), http.StatusOK, "staff@acme.com")
		globex := "/console/clients/" + e.globex.ID
		for _, path := range []string{globex + "/users", globex + "/api-keys", acme + "/edit", acme + "/delete", globex + "/edit"} {
			wantPage(t, cu.get(t, path), http.StatusNotFound, "Not found")
		}
		p = cu.submit(t, acme+"/users", acme+"/users/"+e.acmeUser.ID+"/delete", nil)
		wantPage(t, p, http.StatusConflict, "cannot remove your own account")
		p = cu.submit(t, acme+"/users", globex+"/api-keys", url.Values{"name": {"x"}})
		wantPage(t, p, http.StatusNotFound)
		p = cu.submit(t, acme+"/users", acme+"/edit", url.Values{"name": {"Mine now"}})
		wantPage(t, p, http.StatusNotFound)

		// The admin removes staff: gone from the list, and cannot sign in.
		p = admin.submit(t, acme+"/users", acme+"/users/"+staff.ID+"/delete", nil)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("remove: %d\n%s", p.Status, p.Body)
		}
		if p := admin.follow(t, p); strings.Contains(p.Body, "staff@acme.com") || !strings.Contains(p.Body, "User removed.") {
			t.Errorf("after removal:\n%s", p.Body)
		}
		if _, err := e.store.UserByEmail(bg, "staff@acme.com"); err == nil {
			t.Error("the removed user is still there")
		}
		// A user of another client through this client's path: 404.
		gu, err := e.store.CreateUser(bg, models.UserInput{Email: "user@globex.com", Password: consolePassword, Role: models.RoleClient, ClientID: e.globex.ID})
		if err != nil {
			t.Fatal(err)
		}
		wantPage(t, admin.submit(t, acme+"/users", acme+"/users/"+gu.ID+"/delete", nil), http.StatusNotFound)

		// API keys: made by the client user, shown once, then only its
		// prefix; it works on the API until it is revoked.
		p = cu.submit(t, acme+"/api-keys", acme+"/api-keys", url.Values{"name": {"CI"}})
		if p.Status != http.StatusSeeOther || p.Location != acme+"/api-keys" {
			t.Fatalf("make a key: %d %q\n%s", p.Status, p.Location, p.Body)
		}
		first := cu.follow(t, p)
		mk := shownKey.FindStringSubmatch(first.Body)
		if mk == nil {
			t.Fatalf("the new key is not shown:\n%s", first.Body)
		}
		key := mk[1]
		if first.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("the page with the key may be cached: %q", first.Header.Get("Cache-Control"))
		}
		again := cu.get(t, acme+"/api-keys")
		if strings.Contains(again.Body, key) || !strings.Contains(again.Body, key[:16]+"…") {
			t.Errorf("the key again, or its prefix missing:\n%s", again.Body)
		}
		if s := apiStatus(t, e.base, key, "/api/v1/clients/"+e.acme.ID); s != http.StatusOK {
			t.Fatalf("the new key on the API: %d", s)
		}
		keys, _, err := e.store.ListClientKeys(bg, models.Scope{}, e.acme.ID, models.PageQuery{})
		if err != nil || len(keys) != 1 {
			t.Fatalf("keys %v %v", keys, err)
		}
		// Not through another client's path.
		wantPage(t, admin.submit(t, acme+"/api-keys", globex+"/api-keys/"+keys[0].ID+"/revoke", nil), http.StatusNotFound)
		p = cu.submit(t, acme+"/api-keys", acme+"/api-keys/"+keys[0].ID+"/revoke", nil)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %d\n%s", p.Status, p.Body)
		}
		wantPage(t, cu.follow(t, p), http.StatusOK, "API key revoked.", "Revoked")
		if s := apiStatus(t, e.base, key, "/api/v1/clients/"+e.acme.ID); s != http.StatusUnauthorized {
			t.Errorf("the revoked key on the API: %d, want 401", s)
		}

		// Delete: refused while Acme has a domain, with a way to them.
		wantPage(t, admin.get(t, acme+"/delete"), http.StatusOK, "still has 1 domain", `href="/console/domains?client_id=`+e.acme.ID+`"`)
		if err := e.store.DeleteDomain(bg, models.Scope{}, e.acmeDomain.ID, "test"); err != nil {
			t.Fatal(err)
		}
		wantPage(t, admin.get(t, acme+"/delete"), http.StatusOK, "1 console user,", "1 API key,", "cannot be undone")
		p = admin.submit(t, acme+"/delete", acme+"/delete", nil)
		wantPage(t, p, http.StatusUnprocessableEntity)
		if fieldError(p.Body, "confirm") == "" {
			t.Errorf("no error next to the box:\n%s", p.Body)
		}
		if _, err := e.store.GetClient(bg, models.Scope{}, e.acme.ID); err != nil {
			t.Fatalf("an unconfirmed delete removed the client: %v", err)
		}
		p = admin.submit(t, acme+"/delete", acme+"/delete", url.Values{"confirm": {"yes"}})
		if p.Status != http.StatusSeeOther || p.Location != "/console/clients?done=client_deleted" {
			t.Fatalf("delete: %d %q\n%s", p.Status, p.Location, p.Body)
		}
		if p := admin.follow(t, p); strings.Contains(p.Body, "Acme Ltd") || !strings.Contains(p.Body, "Client deleted") {
			t.Errorf("after delete:\n%s", p.Body)
		}
		if _, err := e.store.UserByEmail(bg, "user@acme.com"); err == nil {
			t.Error("the client's user outlived it")
		}
		if p := cu.get(t, acme); p.Status == http.StatusOK {
			t.Errorf("the deleted client's user still sees its page")
		}
	})
}

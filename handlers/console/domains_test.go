package console_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// setStatus puts a domain in a status directly (a test shortcut past the
// onboarding steps).
func setStatus(t *testing.T, db *models.DB, id string, s models.Status) {
	t.Helper()
	if err := db.Gorm.Exec("UPDATE domains SET status = ? WHERE id = ?", string(s), id).Error; err != nil {
		t.Fatal(err)
	}
}

func domainStatus(t *testing.T, e *consoleEnv, id string) models.Status {
	t.Helper()
	d, err := e.store.GetDomain(bg, models.Scope{}, id)
	if err != nil {
		t.Fatal(err)
	}
	return d.Status
}

// TestConsoleDomainsPage: the list, its filters and scope.
func TestConsoleDomainsPage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, false)
		setStatus(t, db, e.globexDomain.ID, models.StatusConfigured)
		admin := newConsoleBrowser(t, e.base)
		admin.login(t, "admin@example.com", consolePassword)
		p := admin.get(t, "/console/domains")
		wantPage(t, p, http.StatusOK, `aria-current="page">Domains<`, e.acmeDomain.Host, e.globexDomain.Host, "Acme", "Globex",
			"0 / no limit", `name="domain_ids" value="`+e.acmeDomain.ID+`"`, `<option value="under_review">Under review</option>`,
			`data-value="pending" title="pending">Waiting to start</span>`, `<code class="machine">pending</code>`, "DNS: Not started · Certificate: Not requested yet")
		p = admin.get(t, "/console/domains?status=configured")
		wantPage(t, p, http.StatusOK, e.globexDomain.Host)
		if strings.Contains(p.Body, ">"+e.acmeDomain.Host+"<") {
			t.Error("the status filter kept a pending domain")
		}
		p = admin.get(t, "/console/domains?q=acme")
		if !strings.Contains(p.Body, ">"+e.acmeDomain.Host+"<") || strings.Contains(p.Body, ">"+e.globexDomain.Host+"<") {
			t.Errorf("search by host:\n%s", p.Body)
		}
		wantPage(t, admin.get(t, "/console/domains?status=nonsense"), http.StatusUnprocessableEntity)
		// One client's domains (linked from its page), with its pools to choose.
		if _, err := e.store.CreatePool(bg, models.Scope{}, e.globex.ID, models.PoolInput{Name: "Rotation"}); err != nil {
			t.Fatal(err)
		}
		wantPage(t, admin.get(t, "/console/clients/"+e.globex.ID), http.StatusOK, `href="/console/domains?client_id=`+e.globex.ID+`"`)
		p = admin.get(t, "/console/domains?client_id="+e.globex.ID)
		wantPage(t, p, http.StatusOK, `id="client-filter"`, e.globexDomain.Host, ">Globex: Rotation</option>")
		if strings.Contains(p.Body, ">"+e.acmeDomain.Host+"<") {
			t.Error("the client filter kept another client's domain")
		}

		// Numbered pages of 50 with the total, the filters kept; Previous
		// goes back.
		var names []string
		for i := 0; i < 51; i++ {
			names = append(names, "many"+strconv.Itoa(i)+".com")
		}
		if _, err := e.store.CreateDomains(bg, models.Scope{}, e.acme.ID, names, nil, nil, models.DNSDefaults{}, "test"); err != nil {
			t.Fatal(err)
		}
		p = admin.get(t, "/console/domains?q=many&sort=host")
		next := regexp.MustCompile(`<a href="([^"]+)" rel="next">Next page</a>`).FindStringSubmatch(p.Body)
		if next == nil || strings.Count(p.Body, `name="domain_ids"`) != 50 || strings.Contains(p.Body, "Previous page") {
			t.Fatalf("first page: %d rows, next %v", strings.Count(p.Body, `name="domain_ids"`), next)
		}
		wantPage(t, p, http.StatusOK, `<span id="page-count">1–50 of 51 domains</span>`)
		p = admin.get(t, html.UnescapeString(next[1]))
		wantPage(t, p, http.StatusOK, `<span id="page-count">51–51 of 51 domains</span>`, `<a href="/console/domains?q=many&amp;sort=host" rel="prev">Previous page</a>`,
			`name="back" value="/console/domains?page=2&amp;q=many&amp;sort=host"`)
		if strings.Count(p.Body, `name="domain_ids"`) != 1 || strings.Contains(p.Body, "Next page") || !strings.Contains(p.Body, ">ls.many9.com<") {
			t.Errorf("second page:\n%s", p.Body)
		}
		wantPage(t, admin.get(t, "/console/domains?page=0"), http.StatusUnprocessableEntity)
		// Sub-status filters; a bad one is refused by name.
		if err := db.Gorm.Exec("UPDATE domains SET dns_status = ? WHERE id = ?", string(models.DNSVerified), e.globexDomain.ID).Error; err != nil {
			t.Fatal(err)
		}
		p = admin.get(t, "/console/domains?dns_status=verified")
		wantPage(t, p, http.StatusOK, `<option value="verified" selected>Verified</option>`, `<span id="page-count">1–1 of 1 domain</span>`, ">"+e.globexDomain.Host+"<")
		wantPage(t, admin.get(t, "/console/domains?ssl_status=none&q=globex"), http.StatusOK, ">"+e.globexDomain.Host+"<")
		wantPage(t, admin.get(t, "/console/domains?ssl_status=active"), http.StatusOK, "No domain matches these filters.")
		wantPage(t, admin.get(t, "/console/domains?dns_status=nonsense"), http.StatusUnprocessableEntity, "Not a DNS status.")

		// A client user sees their own domains only, and no client column.
		cu := newConsoleBrowser(t, e.base)
		cu.login(t, "user@acme.com", consolePassword)
		wantPage(t, cu.get(t, "/console/domains?q=acme.com"), http.StatusOK, e.acmeDomain.Host)
		for _, path := range []string{"/console/domains", "/console/domains?q=globex", "/console/domains?status=configured"} {
			p = cu.get(t, path)
			wantPage(t, p, http.StatusOK)
			if strings.Contains(p.Body, e.globexDomain.Host) || strings.Contains(p.Body, "Globex") {
				t.Errorf("GET %s: a client user sees another client's domain", path)
			}
		}
		wantPage(t, cu.get(t, "/console/domains?client_id="+e.globex.ID), http.StatusNotFound)
		// Another client's pool as a filter: 404.
		gp, err := e.store.CreatePool(bg, models.Scope{}, e.globex.ID, models.PoolInput{Name: "Theirs"})
		if err != nil {
			t.Fatal(err)
		}
		wantPage(t, cu.get(t, "/console/domains?pool_id="+gp.ID), http.StatusNotFound)
	})
}

// TestConsoleDomainActions: bulk archive, restore, pools and delete, one
// outcome per row; refusals change nothing.
func TestConsoleDomainActions(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, true)
		a2, err := e.store.CreateDomain(bg, models.Scope{}, e.acme.ID, models.DomainInput{Domain: "acme2.com"}, models.DNSDefaults{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		cu := newConsoleBrowser(t, e.base)
		cu.login(t, "user@acme.com", consolePassword)
		act := func(b *consoleBrowser, form url.Values) page {
			t.Helper()
			return b.submit(t, "/console/domains", "/console/domains/actions", form)
		}

		// No CSRF token: 403, nothing archived.
		p := cu.post(t, "/console/domains/actions", url.Values{"action": {"archive"}, "domain_ids": {e.acmeDomain.ID}})
		wantPage(t, p, http.StatusForbidden)
		// Nothing ticked, or delete without the confirmation: the list
		// again with the error, nothing changed.
		p = act(cu, url.Values{"action": {"archive"}})
		wantPage(t, p, http.StatusUnprocessableEntity, "Tick at least one domain")
		p = act(cu, url.Values{"action": {"delete"}, "domain_ids": {e.acmeDomain.ID}})
		wantPage(t, p, http.StatusUnprocessableEntity, `id="sel-`+e.acmeDomain.ID+`" name="domain_ids" value="`+e.acmeDomain.ID+`" checked`)
		if fieldError(p.Body, "bulk-confirm") == "" {
			t.Errorf("no error next to the confirmation:\n%s", p.Body)
		}
		p = act(cu, url.Values{"action": {"add_to_pool"}, "domain_ids": {e.acmeDomain.ID}})
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "bulk-pool") == "" {
			t.Errorf("add to pool without a pool: %d\n%s", p.Status, p.Body)
		}
		if domainStatus(t, e, e.acmeDomain.ID) != models.StatusPending {
			t.Fatal("a refused form changed the domain")
		}

		// Archive two of theirs and another client's: done, done, not found.
		p = act(cu, url.Values{"action": {"archive"}, "domain_ids": {e.acmeDomain.ID, a2.ID, e.globexDomain.ID}, "back": {"/console/domains?status=pending"}})
		if p.Status != http.StatusSeeOther || p.Location != "/console/domains?status=pending" {
			t.Fatalf("archive: %d %q\n%s", p.Status, p.Location, p.Body)
		}
		p = cu.follow(t, p)
		wantPage(t, p, http.StatusOK, "Archive: 2 done, 1 not done.", "archived", "not found")
		if strings.Contains(p.Body, e.globexDomain.Host) {
			t.Error("the outcome names another client's domain")
		}
		if domainStatus(t, e, e.globexDomain.ID) != models.StatusPending || domainStatus(t, e, a2.ID) != models.StatusArchived {
			t.Fatal("archive did not do what it said")
		}
		// Archiving again: each row says why not.
		p = cu.follow(t, act(cu, url.Values{"action": {"archive"}, "domain_ids": {a2.ID}}))
		wantPage(t, p, http.StatusOK, "Archive: 0 done, 1 not done.", "cannot archive:", "invalid_state")
		// Restore one.
		p = cu.follow(t, act(cu, url.Values{"action": {"restore"}, "domain_ids": {a2.ID}}))
		wantPage(t, p, http.StatusOK, "Restore: 1 done.", "restored (now pending)")

		// Pools: add to and remove from a pool, and another client's pool is 404.
		pool, err := e.store.CreatePool(bg, models.Scope{}, e.acme.ID, models.PoolInput{Name: "Main"})
		if err != nil {
			t.Fatal(err)
		}
		gpool, err := e.store.CreatePool(bg, models.Scope{}, e.globex.ID, models.PoolInput{Name: "Theirs"})
		if err != nil {
			t.Fatal(err)
		}
		p = cu.follow(t, act(cu, url.Values{"action": {"add_to_pool"}, "pool_id": {pool.ID}, "domain_ids": {a2.ID}}))
		wantPage(t, p, http.StatusOK, "Add to pool: 1 done.", "added to the pool")
		wantPage(t, cu.get(t, "/console/domains?pool_id="+pool.ID), http.StatusOK, ">ls.acme2.com<")
		wantPage(t, act(cu, url.Values{"action": {"add_to_pool"}, "pool_id": {gpool.ID}, "domain_ids": {a2.ID}}), http.StatusNotFound)
		p = cu.follow(t, act(cu, url.Values{"action": {"remove_from_pool"}, "pool_id": {pool.ID}, "domain_ids": {a2.ID, e.acmeDomain.ID}}))
		wantPage(t, p, http.StatusOK, "Remove from pool: 1 done, 1 not done.", "domain not found in the pool")

		// Delete with the confirmation: the row says what became of DNS.
		p = cu.follow(t, act(cu, url.Values{"action": {"delete"}, "confirm": {"1"}, "domain_ids": {a2.ID, e.globexDomain.ID}}))
		wantPage(t, p, http.StatusOK, "Delete: 1 done, 1 not done.", "deleted; it had no DNS record")
		if _, err := e.store.GetDomain(bg, models.Scope{}, a2.ID); err == nil {
			t.Error("the domain was not deleted")
		}
		if _, err := e.store.GetDomain(bg, models.Scope{}, e.globexDomain.ID); err != nil {
			t.Error("another client's domain was deleted")
		}
	})
}

// TestConsoleDomainsBulkAdd: one name a line; one outcome per name.
func TestConsoleDomainsBulkAdd(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, false)
		cu := newConsoleBrowser(t, e.base)
		cu.login(t, "user@acme.com", consolePassword)
		path := "/console/clients/" + e.acme.ID + "/domains/bulk"
		wantPage(t, cu.get(t, path), http.StatusOK, `<textarea id="domains" name="domains"`, `<label for="domains">`)

		p := cu.post(t, path, url.Values{"domains": {"one.com"}})
		wantPage(t, p, http.StatusForbidden)
		p = cu.submit(t, path, path, url.Values{"domains": {" \r\n "}, "subdomain": {"ls"}})
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "domains") == "" {
			t.Fatalf("empty list: %d\n%s", p.Status, p.Body)
		}
		p = cu.submit(t, path, path, url.Values{"domains": {strings.Repeat("x.com\n", 501)}, "subdomain": {"ls"}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p.Body, "domains"), "501") {
			t.Fatalf("501 names: %d %q", p.Status, fieldError(p.Body, "domains"))
		}
		// A control character on one line refuses the whole form.
		p = cu.submit(t, path, path, url.Values{"domains": {"one.com\r\ntw\u200bo.com"}, "subdomain": {"ls"}})
		wantPage(t, p, http.StatusUnprocessableEntity)

		p = cu.submit(t, path, path, url.Values{"domains": {"one.com\r\nnot a name\r\n\r\ntwo.com\r\none.com\nacme.com"}, "subdomain": {"ls"}})
		if p.Status != http.StatusSeeOther || p.Location != path {
			t.Fatalf("bulk add: %d %q\n%s", p.Status, p.Location, p.Body)
		}
		p = cu.follow(t, p)
		wantPage(t, p, http.StatusOK, "Add domains: 2 done, 3 not done.", ">ls.one.com</a>", ">ls.two.com</a>", "not a name", "duplicate")
		page, err := e.store.ListDomains(bg, models.Scope{}, models.DomainQuery{ClientID: e.acme.ID})
		if err != nil || len(page.Domains) != 3 {
			t.Fatalf("acme has %d domains (%v), want 3", len(page.Domains), err)
		}
		// Only the textarea may hold line breaks.
		p = cu.submit(t, path, path, url.Values{"domains": {"three.com"}, "subdomain": {"l\ns"}})
		wantPage(t, p, http.StatusUnprocessableEntity, "subdomain")
		// Outcomes too long for the flash are the POST's answer, each row.
		var bad []string
		for i := 0; i < 80; i++ {
			bad = append(bad, "bad name "+strconv.Itoa(i))
		}
		p = cu.submit(t, path, path, url.Values{"domains": {strings.Join(bad, "\n")}, "subdomain": {"ls"}})
		wantPage(t, p, http.StatusOK, "Add domains: 0 done, 80 not done.", "bad name 0", "bad name 79")
		if p.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control %q", p.Header.Get("Cache-Control"))
		}

		// Another client's: 404.
		wantPage(t, cu.get(t, "/console/clients/"+e.globex.ID+"/domains/bulk"), http.StatusNotFound)
		tok := cu.csrf(t, path)
		wantPage(t, cu.post(t, "/console/clients/"+e.globex.ID+"/domains/bulk", url.Values{"csrf_token": {tok}, "domains": {"x.com"}}), http.StatusNotFound)
	})
}

// TestConsoleClientLimit: admins set the global domain limit; errors next
// to the field; client users cannot.
func TestConsoleClientLimit(t *testing.T) {
	db := dbtest.SQLite(t)
	e := newConsole(t, db, false)
	admin := newConsoleBrowser(t, e.base)
	admin.login(t, "admin@example.com", consolePassword)
	path := "/console/clients/" + e.acme.ID
	limit := func() *int64 {
		c, err := e.store.GetClient(bg, models.Scope{}, e.acme.ID)
		if err != nil {
			t.Fatal(err)
		}
		return c.DomainLimit
	}
	wantPage(t, admin.get(t, path), http.StatusOK, `<label for="domain_limit">`, "no limit")
	for _, bad := range []string{"abc", "0", "1000000001", "-5", "1.5"} {
		p := admin.submit(t, path, path+"/limit", url.Values{"domain_limit": {bad}})
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "domain_limit") == "" || !strings.Contains(p.Body, `value="`+bad+`"`) {
			t.Errorf("limit %q: %d %q", bad, p.Status, fieldError(p.Body, "domain_limit"))
		}
	}
	if limit() != nil {
		t.Fatal("a refused limit was saved")
	}
	p := admin.follow(t, admin.submit(t, path, path+"/limit", url.Values{"domain_limit": {"5000"}}))
	wantPage(t, p, http.StatusOK, "Global domain limit saved.", "5,000 messages per domain", `value="5000"`)
	if l := limit(); l == nil || *l != 5000 {
		t.Fatalf("limit %v", l)
	}
	wantPage(t, admin.get(t, "/console/domains"), http.StatusOK, "0 / 5,000")
	admin.follow(t, admin.submit(t, path, path+"/limit", url.Values{"domain_limit": {""}}))
	if limit() != nil {
		t.Fatal("empty did not clear the limit")
	}
	// A client user has no such form, and the route is 404 for them.
	cu := newConsoleBrowser(t, e.base)
	cu.login(t, "user@acme.com", consolePassword)
	p = cu.get(t, path)
	if strings.Contains(p.Body, `id="domain_limit"`) {
		t.Error("a client user sees the limit form")
	}
	wantPage(t, cu.submit(t, path, path+"/limit", url.Values{"domain_limit": {"7"}}), http.StatusNotFound)
	if limit() != nil {
		t.Fatal("a client user set the limit")
	}
}

// TestConsolePools: create, add, reorder, remove, rename, delete; scope.
func TestConsolePools(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, false)
		a2, err := e.store.CreateDomain(bg, models.Scope{}, e.acme.ID, models.DomainInput{Domain: "acme2.com"}, models.DNSDefaults{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		cu := newConsoleBrowser(t, e.base)
		cu.login(t, "user@acme.com", consolePassword)
		path := "/console/clients/" + e.acme.ID + "/pools"
		wantPage(t, cu.get(t, path), http.StatusOK, "No pools yet.")
		p := cu.submit(t, path, path, url.Values{"name": {""}})
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "pool-name") == "" {
			t.Fatalf("empty name: %d\n%s", p.Status, p.Body)
		}
		wantPage(t, cu.post(t, path, url.Values{"name": {"Main"}}), http.StatusForbidden)
		p = cu.follow(t, cu.submit(t, path, path, url.Values{"name": {"Main"}}))
		wantPage(t, p, http.StatusOK, "Pool created.", ">Main</h2>")
		pools, err := e.store.ListPools(bg, models.Scope{}, models.PoolQuery{ClientID: e.acme.ID})
		if err != nil || len(pools.Pools) != 1 {
			t.Fatalf("pools %v %v", pools, err)
		}
		pl := pools.Pools[0]
		pp := "/console/pools/" + pl.ID
		wantPage(t, cu.follow(t, cu.submit(t, path, pp+"/domains", url.Values{"domain_ids": {e.acmeDomain.ID, a2.ID}})), http.StatusOK, "Added to the pool.")
		order := func() []string {
			p, err := e.store.GetPool(bg, models.Scope{}, pl.ID)
			if err != nil {
				t.Fatal(err)
			}
			return p.DomainIDs
		}
		if o := order(); len(o) != 2 || o[0] != e.acmeDomain.ID {
			t.Fatalf("order %v", o)
		}
		wantPage(t, cu.follow(t, cu.submit(t, path, pp+"/domains/"+a2.ID+"/move", url.Values{"direction": {"up"}})), http.StatusOK, "Rotation order changed.")
		if o := order(); o[0] != a2.ID {
			t.Fatalf("after move up %v", o)
		}
		p = cu.submit(t, path, pp+"/domains/"+a2.ID+"/move", url.Values{"direction": {"up"}})
		wantPage(t, p, http.StatusUnprocessableEntity, "cannot move")
		wantPage(t, cu.follow(t, cu.submit(t, path, pp+"/domains/"+a2.ID+"/remove", nil)), http.StatusOK, "Removed from the pool.")
		if o := order(); len(o) != 1 {
			t.Fatalf("after remove %v", o)
		}
		wantPage(t, cu.follow(t, cu.submit(t, path, pp+"/rename", url.Values{"name": {"Primary"}})), http.StatusOK, ">Primary</h2>")
		// The domain page names its pools.
		wantPage(t, cu.get(t, "/console/domains/"+e.acmeDomain.ID), http.StatusOK, ">Primary</a>")

		// Another client's pool and pools page: 404.
		gp, err := e.store.CreatePool(bg, models.Scope{}, e.globex.ID, models.PoolInput{Name: "Theirs"})
		if err != nil {
			t.Fatal(err)
		}
		wantPage(t, cu.get(t, "/console/clients/"+e.globex.ID+"/pools"), http.StatusNotFound)
		for _, a := range []string{"/rename", "/delete", "/domains", "/domains/" + e.globexDomain.ID + "/remove"} {
			wantPage(t, cu.submit(t, path, "/console/pools/"+gp.ID+a, url.Values{"name": {"x"}, "domain_ids": {e.globexDomain.ID}}), http.StatusNotFound)
		}
		// Another client's domain into one's own pool: the card says no.
		p = cu.submit(t, path, pp+"/domains", url.Values{"domain_ids": {e.globexDomain.ID}})
		if p.Status != http.StatusUnprocessableEntity && p.Status != http.StatusNotFound {
			t.Errorf("another client's domain into the pool: %d", p.Status)
		}
		wantPage(t, cu.follow(t, cu.submit(t, path, pp+"/delete", nil)), http.StatusOK, "Pool deleted.", "No pools yet.")
	})
}

// TestConsoleDomainManage: the domain page's archive, restore (with the
// limit not raised), review and delete.
func TestConsoleDomainManage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, true)
		admin := newConsoleBrowser(t, e.base)
		admin.login(t, "admin@example.com", consolePassword)
		cu := newConsoleBrowser(t, e.base)
		cu.login(t, "user@acme.com", consolePassword)
		dp := "/console/domains/" + e.acmeDomain.ID
		setStatus(t, db, e.acmeDomain.ID, models.StatusConfigured)

		// Another client's domain: 404 on every action.
		gp := "/console/domains/" + e.globexDomain.ID
		for _, a := range []string{"/archive", "/restore", "/review", "/delete"} {
			wantPage(t, cu.submit(t, dp, gp+a, url.Values{"confirm": {"1"}, "decision": {"clear"}}), http.StatusNotFound)
		}
		wantPage(t, cu.post(t, dp+"/archive", nil), http.StatusForbidden)

		p := cu.follow(t, cu.submit(t, dp, dp+"/archive", nil))
		wantPage(t, p, http.StatusOK, "Domain archived.", `id="restore"`, "Archived</dt>", "archived", "user@acme.com")
		p = cu.follow(t, cu.submit(t, dp, dp+"/restore", nil))
		wantPage(t, p, http.StatusOK, "Domain restored.", `data-value="configured"`)

		// reached_limit: restore says the limit must be raised first.
		lim := int64(1)
		if _, err := e.store.UpdateClient(bg, models.Scope{}, e.acme.ID, models.ClientPatch{DomainLimit: models.Optional[int64]{Set: true, Value: &lim}}); err != nil {
			t.Fatal(err)
		}
		if r, err := e.store.TakeQuota(bg, e.acmeDomain.ID); err != nil || !r.Taken {
			t.Fatalf("take: %+v %v", r, err)
		}
		if s := domainStatus(t, e, e.acmeDomain.ID); s != models.StatusReachedLimit {
			t.Fatalf("after the limit: %s", s)
		}
		wantPage(t, cu.get(t, dp), http.StatusOK, "1 / 1")
		p = cu.submit(t, dp, dp+"/restore", nil)
		wantPage(t, p, http.StatusConflict, "This domain has sent its client&#39;s global domain limit; raise the limit", "limit_not_raised")
		p = cu.follow(t, cu.submit(t, "/console/domains", "/console/domains/actions", url.Values{"action": {"restore"}, "domain_ids": {e.acmeDomain.ID}}))
		wantPage(t, p, http.StatusOK, "Restore: 0 done, 1 not done.", "cannot restore: this domain has sent its client&#39;s global domain limit")
		if s := domainStatus(t, e, e.acmeDomain.ID); s != models.StatusReachedLimit {
			t.Fatalf("a refused restore moved the domain to %s", s)
		}

		// Review: admins only, on under_review.
		setStatus(t, db, e.acmeDomain.ID, models.StatusUnderReview)
		if strings.Contains(cu.get(t, dp).Body, `id="review"`) {
			t.Error("a client user sees the review form")
		}
		wantPage(t, cu.submit(t, dp, dp+"/review", url.Values{"decision": {"clear"}}), http.StatusNotFound)
		wantPage(t, admin.get(t, dp), http.StatusOK, `id="review"`, `<label for="note">`)
		p = admin.submit(t, dp, dp+"/review", url.Values{"decision": {"maybe"}})
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "decision") == "" {
			t.Fatalf("bad decision: %d\n%s", p.Status, p.Body)
		}
		p = admin.submit(t, dp, dp+"/review", url.Values{"decision": {"clear"}, "note": {strings.Repeat("x", 1001)}})
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "note") == "" {
			t.Fatalf("long note: %d", p.Status)
		}
		p = admin.follow(t, admin.submit(t, dp, dp+"/review", url.Values{"decision": {"decline"}, "note": {"phishing"}}))
		wantPage(t, p, http.StatusOK, "Review recorded.", `data-value="declined"`, "phishing")

		// Delete: the confirmation first; then to the client page.
		p = cu.submit(t, dp, dp+"/delete", nil)
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "delete-confirm") == "" {
			t.Fatalf("delete without confirmation: %d\n%s", p.Status, p.Body)
		}
		p = cu.submit(t, dp, dp+"/delete", url.Values{"confirm": {"1"}})
		if p.Status != http.StatusSeeOther || p.Location != "/console/clients/"+e.acme.ID {
			t.Fatalf("delete: %d %q\n%s", p.Status, p.Location, p.Body)
		}
		wantPage(t, cu.follow(t, p), http.StatusOK, "Deleted "+e.acmeDomain.Host+".", "deleted; it had no DNS record")
		wantPage(t, cu.get(t, dp), http.StatusNotFound)

		// A record the client added by hand: the page says they must remove it.
		m, err := e.store.CreateDomain(bg, models.Scope{}, e.acme.ID, models.DomainInput{Domain: "manual.com"}, models.DNSDefaults{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.Exec("UPDATE domains SET setup_mode = ?, dns_status = ? WHERE id = ?", string(models.SetupManual), string(models.DNSPropagating), m.ID).Error; err != nil {
			t.Fatal(err)
		}
		mp := "/console/domains/" + m.ID
		p = cu.follow(t, cu.submit(t, mp, mp+"/delete", url.Values{"confirm": {"1"}}))
		wantPage(t, p, http.StatusOK, "linkgate could not remove the DNS record: the client must delete CNAME "+m.Host+" → ")
	})
}

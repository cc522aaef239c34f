package console_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/console"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// consoleBrowser is a cookie-keeping HTTP client that does not follow
// redirects, so tests see them.
type consoleBrowser struct {
	base   string
	client *http.Client
}

func newConsoleBrowser(t *testing.T, base string) *consoleBrowser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &consoleBrowser{base: base, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
}

func (b *consoleBrowser) Do(t *testing.T, method, path string, form url.Values) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{Status: res.StatusCode, Location: res.Header.Get("Location"), Body: string(raw), Header: res.Header}
}

func (b *consoleBrowser) get(t *testing.T, path string) page {
	t.Helper()
	return b.Do(t, "GET", path, nil)
}

func (b *consoleBrowser) post(t *testing.T, path string, form url.Values) page {
	t.Helper()
	return b.Do(t, "POST", path, form)
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf returns the CSRF token of the form on the page at path.
func (b *consoleBrowser) csrf(t *testing.T, path string) string {
	t.Helper()
	p := b.get(t, path)
	m := csrfInput.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("GET %s: no CSRF token on the page (%d):\n%s", path, p.Status, p.Body)
	}
	return m[1]
}

// submit posts a form of the page at from with its CSRF token.
func (b *consoleBrowser) submit(t *testing.T, from, action string, form url.Values) page {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", b.csrf(t, from))
	return b.post(t, action, form)
}

// follow GETs the page a 303 points at (POST-redirect-GET); other
// answers come back as they are.
func (b *consoleBrowser) follow(t *testing.T, p page) page {
	t.Helper()
	if p.Status != http.StatusSeeOther {
		return p
	}
	return b.get(t, p.Location)
}

func (b *consoleBrowser) login(t *testing.T, email, password string) {
	t.Helper()
	p := b.submit(t, "/login", "/login", url.Values{"email": {email}, "password": {password}})
	if p.Status != http.StatusSeeOther || p.Location != "/" {
		t.Fatalf("sign in as %s: %d %q\n%s", email, p.Status, p.Location, p.Body)
	}
}

func wantPage(t *testing.T, p page, status int, contains ...string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("status %d, want %d:\n%s", p.Status, status, p.Body)
	}
	for _, s := range contains {
		if !strings.Contains(p.Body, s) {
			t.Errorf("page lacks %q:\n%s", s, p.Body)
		}
	}
}

// fieldError finds the error shown next to a field (the element with id
// FIELD-error).
func fieldError(body, id string) string {
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `-error"[^>]*>([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

var bg = context.Background()

const consolePassword = "correct horse battery"

type consoleEnv struct {
	store        *models.Store
	base         string
	admin        *models.User
	acme, globex *models.Client
	acmeUser     *models.User
	globexDomain *models.Domain
	acmeDomain   *models.Domain
	wf           *handlertest.WFEnv // with an engine only
	Logs         *handlertest.SyncBuffer
}

// newConsole serves a Handler (with a workflow engine on the fakes when
// withEngine) and makes an admin, two clients with a domain each, and a
// user of the first client.
func newConsole(t *testing.T, db *models.DB, withEngine bool, opts ...func(*handlertest.Config)) *consoleEnv {
	t.Helper()
	var api *handlertest.Env
	var wf *handlertest.WFEnv
	if withEngine {
		wf = handlertest.NewWorkflowAPI(t, db)
		api = wf.Env
	} else {
		keys, err := models.ParseKeyRing(models.NewKeyRingValue("test1"))
		if err != nil {
			t.Fatal(err)
		}
		api = handlertest.NewAPI(t, db, append([]func(*handlertest.Config){func(c *handlertest.Config) { c.Keys = keys }}, opts...)...)
	}
	ctx := context.Background()
	s := api.Store
	e := &consoleEnv{store: s, base: api.Srv.URL, wf: wf, Logs: api.Logs}
	var err error
	if e.admin, err = s.CreateUser(ctx, models.UserInput{Email: "admin@example.com", Password: consolePassword, Role: models.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if e.acme, err = s.CreateClient(ctx, models.ClientInput{Name: "Acme", Email: "ops@acme.com"}); err != nil {
		t.Fatal(err)
	}
	if e.globex, err = s.CreateClient(ctx, models.ClientInput{Name: "Globex", Email: "ops@globex.com"}); err != nil {
		t.Fatal(err)
	}
	if e.acmeUser, err = s.CreateUser(ctx, models.UserInput{Email: "user@acme.com", Password: consolePassword, Role: models.RoleClient, ClientID: e.acme.ID}); err != nil {
		t.Fatal(err)
	}
	dns := models.DNSDefaults{}
	if e.acmeDomain, err = s.CreateDomain(ctx, models.Scope{}, e.acme.ID, models.DomainInput{Domain: "acme.com"}, dns, "test"); err != nil {
		t.Fatal(err)
	}
	if e.globexDomain, err = s.CreateDomain(ctx, models.Scope{}, e.globex.ID, models.DomainInput{Domain: "globex.com"}, dns, "test"); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestConsoleSignIn(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, false)
		b := newConsoleBrowser(t, e.base)

		// Signed out: / and console pages go to /login.
		for _, path := range []string{"/", "/console/clients", "/console/domains/" + e.acmeDomain.ID} {
			p := b.get(t, path)
			if p.Status != http.StatusFound || p.Location != "/login" {
				t.Errorf("signed-out GET %s: %d %q, want 302 /login", path, p.Status, p.Location)
			}
		}
		wantPage(t, b.get(t, "/login"), http.StatusOK, `<label for="email">`, `<label for="password">`, `name="csrf_token"`)

		// Wrong password: the page again, with the error next to the password.
		p := b.submit(t, "/login", "/login", url.Values{"email": {"admin@example.com"}, "password": {"wrong password!"}})
		wantPage(t, p, http.StatusUnprocessableEntity, `value="admin@example.com"`)
		if got := fieldError(p.Body, "password"); !strings.Contains(got, "not right") {
			t.Errorf("password error %q", got)
		}
		// Empty fields: each error next to its field.
		p = b.submit(t, "/login", "/login", url.Values{})
		wantPage(t, p, http.StatusUnprocessableEntity)
		if fieldError(p.Body, "email") == "" || fieldError(p.Body, "password") == "" {
			t.Errorf("no errors next to the empty fields:\n%s", p.Body)
		}

		// No CSRF token: 403, and no session.
		p = b.post(t, "/login", url.Values{"email": {"admin@example.com"}, "password": {consolePassword}})
		wantPage(t, p, http.StatusForbidden)

		// Right password: an HttpOnly session cookie and / → the clients.
		p = b.Do(t, "GET", "/login", nil)
		token := csrfInput.FindStringSubmatch(p.Body)[1]
		req, _ := http.NewRequest("POST", e.base+"/login", strings.NewReader(url.Values{"email": {"Admin@Example.com"},
			"password": {consolePassword}, "csrf_token": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Fatalf("sign in: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		var sessionCookie *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "lg_session" {
				sessionCookie = c
			}
		}
		if sessionCookie == nil || !sessionCookie.HttpOnly || sessionCookie.SameSite != http.SameSiteLaxMode {
			t.Fatalf("session cookie %+v", sessionCookie)
		}
		p = b.get(t, "/")
		if p.Status != http.StatusFound || p.Location != "/console/attention" {
			t.Fatalf("signed-in admin GET /: %d %q", p.Status, p.Location)
		}
		// Each client's domains by status, in words, each a link to them.
		wantPage(t, b.get(t, "/console/clients"), http.StatusOK, "Acme", "Globex", "admin@example.com",
			`href="/console/domains?client_id=`+e.acme.ID+`&amp;status=pending">1 Waiting to start</a>`)

		// A POST within the session without its token: 403.
		p = b.post(t, "/console/clients", url.Values{"name": {"Initech"}, "email": {"ops@initech.com"}})
		wantPage(t, p, http.StatusForbidden)
		p = b.post(t, "/console/clients", url.Values{"name": {"Initech"}, "email": {"ops@initech.com"}, "csrf_token": {"not-the-token-of-this-session-at-all-000000"}})
		wantPage(t, p, http.StatusForbidden)
		if page, _ := e.store.ListClients(context.Background(), models.Scope{}, models.ClientQuery{Q: "initech"}); len(page.Clients) != 0 {
			t.Fatal("a POST without the CSRF token created a client")
		}

		// Sign out: the session ends.
		p = b.submit(t, "/console/clients", "/logout", nil)
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login") {
			t.Fatalf("sign out: %d %q", p.Status, p.Location)
		}
		if p := b.get(t, "/console/clients"); p.Status != http.StatusFound || p.Location != "/login" {
			t.Errorf("after sign-out: %d %q", p.Status, p.Location)
		}
	})
}

func TestConsoleClientUserScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, false)
		b := newConsoleBrowser(t, e.base)
		b.login(t, "user@acme.com", consolePassword)

		// A client user lands on their own client.
		p := b.get(t, "/")
		if p.Status != http.StatusFound || p.Location != "/console/clients/"+e.acme.ID {
			t.Fatalf("client GET /: %d %q", p.Status, p.Location)
		}
		wantPage(t, b.get(t, p.Location), http.StatusOK, "Acme", "Custom Domain", e.acmeDomain.Host, `data-value="pending"`)
		wantPage(t, b.get(t, "/console/domains/"+e.acmeDomain.ID), http.StatusOK, e.acmeDomain.Host, "Timeline", "domain added")
		// The request line is written when the handler returns, which may be
		// just after the client has read a long page (Content-Length).
		logged := func(logs string) bool {
			return strings.Contains(logs, "route=/console/domains/:id") && strings.Contains(logs, "actor=user:"+e.acmeUser.ID)
		}
		for i := 0; i < 100 && !logged(e.Logs.String()); i++ {
			time.Sleep(10 * time.Millisecond)
		}
		if logs := e.Logs.String(); !logged(logs) {
			t.Errorf("the request log does not name the console user:\n%s", logs)
		}

		// Another client's pages, and admin pages: 404, saying nothing.
		for _, path := range []string{
			"/console/clients/" + e.globex.ID,
			"/console/clients/" + e.globex.ID + "/domains/new",
			"/console/domains/" + e.globexDomain.ID,
			"/console/domains/" + e.globexDomain.ID + "/doctor",
			"/console/clients",
			"/console/clients/cli_doesnotexist",
		} {
			p := b.get(t, path)
			wantPage(t, p, http.StatusNotFound, "Not found")
			if strings.Contains(p.Body, "Globex") || strings.Contains(p.Body, e.globexDomain.Host) {
				t.Errorf("GET %s shows the other client", path)
			}
		}
		// An unknown console path is the same page.
		wantPage(t, b.get(t, "/console/no-such-page"), http.StatusNotFound, "Not found", "<h1>")
		// Nor can they post to them.
		tok := b.csrf(t, "/console/clients/"+e.acme.ID)
		for _, path := range []string{"/console/clients/" + e.globex.ID + "/domains", "/console/clients"} {
			p := b.post(t, path, url.Values{"csrf_token": {tok}, "domain": {"initech.com"}, "name": {"x"}, "email": {"x@x.example"}})
			wantPage(t, p, http.StatusNotFound)
		}
		if p := b.Do(t, "GET", "/console/domains/"+e.globexDomain.ID+"/status", nil); p.Status != http.StatusNotFound {
			t.Errorf("status JSON of another client's domain: %d", p.Status)
		}
	})
}

func TestConsoleFormErrors(t *testing.T) {
	db := dbtest.SQLite(t)
	e := newConsole(t, db, false)
	b := newConsoleBrowser(t, e.base)
	b.login(t, "admin@example.com", consolePassword)

	// Create a client: errors next to name and e-mail, input kept.
	p := b.submit(t, "/console/clients", "/console/clients", url.Values{"name": {""}, "email": {"not an address"}, "plan": {"basic"}})
	wantPage(t, p, http.StatusUnprocessableEntity, `value="not an address"`, `aria-invalid="true"`)
	if fieldError(p.Body, "name") == "" || fieldError(p.Body, "client-email") == "" {
		t.Errorf("client form errors not next to their fields:\n%s", p.Body)
	}
	// A duplicate e-mail: 409 next to the e-mail.
	p = b.submit(t, "/console/clients", "/console/clients", url.Values{"name": {"Acme again"}, "email": {"ops@acme.com"}})
	if p.Status != http.StatusConflict || fieldError(p.Body, "client-email") == "" {
		t.Errorf("duplicate e-mail: %d %q", p.Status, fieldError(p.Body, "client-email"))
	}
	// Success: PRG to the new client.
	p = b.submit(t, "/console/clients", "/console/clients", url.Values{"name": {"Initech"}, "email": {"ops@initech.com"}, "plan": {"premium"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/console/clients/cli_") {
		t.Fatalf("create client: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	clientPage := strings.TrimSuffix(p.Location, "?done=client")
	wantPage(t, b.get(t, p.Location), http.StatusOK, "Initech", "Client created.")

	// A user for the client: a short password next to its field, then
	// the user signs in and lands on the client.
	p = b.submit(t, clientPage, clientPage+"/users", url.Values{"email": {"staff@initech.com"}, "password": {"short"}})
	if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "user-password") == "" || !strings.Contains(p.Body, `value="staff@initech.com"`) {
		t.Errorf("short password: %d %q", p.Status, fieldError(p.Body, "user-password"))
	}
	p = b.submit(t, clientPage, clientPage+"/users", url.Values{"email": {"staff@initech.com"}, "password": {consolePassword}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add user: %d\n%s", p.Status, p.Body)
	}
	staff := newConsoleBrowser(t, e.base)
	staff.login(t, "staff@initech.com", consolePassword)
	if p := staff.get(t, "/"); p.Location != clientPage {
		t.Errorf("the new user lands on %q, want %s", p.Location, clientPage)
	}

	// Search and pagination.
	wantPage(t, b.get(t, "/console/clients?q=INITECH"), http.StatusOK, "Initech")
	if p := b.get(t, "/console/clients?q=initech"); strings.Contains(p.Body, ">Acme<") {
		t.Error("search shows a client that does not match")
	}
	for i := 0; i < console.ClientsPageSize; i++ {
		if _, err := e.store.CreateClient(context.Background(), models.ClientInput{Name: fmt.Sprintf("Paged %02d", i), Email: fmt.Sprintf("p%02d@paged.com", i)}); err != nil {
			t.Fatal(err)
		}
	}
	first := b.get(t, "/console/clients")
	next := regexp.MustCompile(`href="(/console/clients\?cursor=[^"]+)" rel="next"`).FindStringSubmatch(first.Body)
	if next == nil || strings.Contains(first.Body, ">Acme<") {
		t.Fatalf("the first page has no next link, or shows the oldest client:\n%s", first.Body)
	}
	second := b.get(t, html.UnescapeString(next[1]))
	wantPage(t, second, http.StatusOK, ">Acme<", ">Globex<", "First page")
	if strings.Contains(second.Body, ">Paged 24<") {
		t.Error("the second page repeats the first")
	}
	if p := b.get(t, "/console/clients?cursor=bogus"); p.Status != http.StatusBadRequest {
		t.Errorf("bad cursor: %d", p.Status)
	}

	// Add a domain: the form defaults to ls and shows the record; a
	// public suffix is an error next to the domain field.
	newPath := clientPage + "/domains/new"
	wantPage(t, b.get(t, newPath), http.StatusOK, `value="ls"`, "Link Shortening", models.DefaultCNAMETarget, `<label for="domain">`)
	p = b.submit(t, newPath, clientPage+"/domains", url.Values{"domain": {"co.uk"}, "subdomain": {"ls"}, "purpose": {"link_shortening"}})
	wantPage(t, p, http.StatusUnprocessableEntity, `value="co.uk"`)
	if fieldError(p.Body, "domain") == "" {
		t.Errorf("no error next to the domain field:\n%s", p.Body)
	}
	// A host another client has: 409 next to the domain field.
	p = b.submit(t, newPath, clientPage+"/domains", url.Values{"domain": {"acme.com"}, "subdomain": {"ls"}})
	if p.Status != http.StatusConflict || !strings.Contains(fieldError(p.Body, "domain"), "already") {
		t.Errorf("taken host: %d %q", p.Status, fieldError(p.Body, "domain"))
	}
	p = b.submit(t, newPath, clientPage+"/domains", url.Values{"domain": {"initech.com"}, "subdomain": {"ls"}, "purpose": {"link_shortening"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/console/domains/dom_") {
		t.Fatalf("add domain: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	wantPage(t, b.get(t, p.Location), http.StatusOK, "ls.initech.com", "CNAME", `data-copy="ls"`,
		`data-copy="`+models.DefaultCNAMETarget+`"`, "Connect the DNS provider", "Forward the login")

	// Webhook endpoints: a basic client may not have one.
	p = b.submit(t, "/console/webhooks", "/console/webhooks", url.Values{"url": {"https://hooks.example/x"}, "events": {"domain.*"}, "client_id": {e.acme.ID}})
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "premium") {
		t.Errorf("webhook for a basic client: %d\n%s", p.Status, p.Body)
	}
	p = b.submit(t, "/console/webhooks", "/console/webhooks", url.Values{"url": {"ftp://x"}, "events": {"nope.*"}})
	if fieldError(p.Body, "url") == "" || fieldError(p.Body, "events") == "" {
		t.Errorf("webhook errors not next to their fields (%d):\n%s", p.Status, p.Body)
	}
}

func TestConsoleSandboxPages(t *testing.T) {
	db := dbtest.SQLite(t)
	// Outside sandbox mode the pages do not exist.
	e := newConsole(t, db, false)
	b := newConsoleBrowser(t, e.base)
	b.login(t, "admin@example.com", consolePassword)
	wantPage(t, b.get(t, "/console/sandbox"), http.StatusNotFound)
	if p := b.get(t, "/console/clients"); strings.Contains(p.Body, "Sandbox mode") {
		t.Error("sandbox banner outside sandbox mode")
	}

	db2 := dbtest.SQLite(t)
	var registered string
	e2 := newConsole(t, db2, false, func(c *handlertest.Config) {
		c.Sandbox = true
		c.SandboxConsole = console.SandboxConsole{
			Outbox: func() []console.SandboxMail {
				return []console.SandboxMail{{To: "a@b.example", Subject: "Finish setting up", Text: "hello"}}
			},
			RegisterTwilioDomain: func(_ context.Context, host string) (string, error) {
				if host == "bad.com" {
					return "", errors.New("no")
				}
				registered = host
				return "DN0123456789abcdef0123456789abcdef", nil
			},
		}
	})
	b = newConsoleBrowser(t, e2.base)
	b.login(t, "admin@example.com", consolePassword)
	wantPage(t, b.get(t, "/console/clients"), http.StatusOK, "Sandbox mode", `href="/console/sandbox/outbox"`)
	wantPage(t, b.get(t, "/console/sandbox/outbox"), http.StatusOK, "Finish setting up", "a@b.example")
	p := b.submit(t, "/console/sandbox", "/console/sandbox/twilio", url.Values{"host": {"LS.Acme.Com"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("register: %d, want a redirect (a reload must not register again)", p.Status)
	}
	wantPage(t, b.get(t, p.Location), http.StatusOK, "DN0123456789abcdef0123456789abcdef", `data-copy="DN0123456789abcdef0123456789abcdef"`)
	if registered != "ls.acme.com" {
		t.Errorf("registered %q", registered)
	}
	if strings.Contains(b.get(t, "/console/sandbox").Body, "DN0123456789abcdef0123456789abcdef") {
		t.Error("the SID is shown again after a reload")
	}
	p = b.submit(t, "/console/sandbox", "/console/sandbox/twilio", url.Values{"host": {"nodot"}})
	if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "host") == "" {
		t.Errorf("bad host: %d", p.Status)
	}
	// No Cloudflare tool was given: its form is not shown and its post is 404.
	if strings.Contains(b.get(t, "/console/sandbox").Body, `id="zone"`) {
		t.Error("Cloudflare form without the tool")
	}
	wantPage(t, b.submit(t, "/console/sandbox", "/console/sandbox/cloudflare", url.Values{"zone": {"acme.com"}}), http.StatusNotFound)
}

func TestConsoleDomainSetup(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, true)
		b := newConsoleBrowser(t, e.base)
		b.login(t, "user@acme.com", consolePassword) // a client user sets up their own domain
		d := e.acmeDomain
		page := "/console/domains/" + d.ID

		// Field errors next to their fields.
		p := b.submit(t, page, page+"/configure", url.Values{"mode": {"self"}, "api_token": {""}})
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "api_token") == "" {
			t.Fatalf("empty token: %d %q", p.Status, fieldError(p.Body, "api_token"))
		}
		p = b.submit(t, page, page+"/configure", url.Values{"mode": {"self"}, "api_token": {"not-a-token-cloudflare-knows"}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p.Body, "api_token"), "refused") {
			t.Fatalf("bad token: %d %q", p.Status, fieldError(p.Body, "api_token"))
		}
		p = b.submit(t, page, page+"/domain-sid", url.Values{"domain_sid": {"DN123"}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p.Body, "domain_sid"), "32 hexadecimal") {
			t.Fatalf("bad SID: %d %q", p.Status, fieldError(p.Body, "domain_sid"))
		}
		if !strings.Contains(p.Body, `value="DN123"`) {
			t.Error("the bad SID is not kept in its field")
		}
		p = b.submit(t, page, page+"/forward-login", url.Values{"email": {"nope"}})
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "forward-email") == "" {
			t.Fatalf("bad forward e-mail: %d %q\n%s", p.Status, fieldError(p.Body, "forward-email"), p.Body)
		}
		// Another client's domain: 404 for every action.
		other := "/console/domains/" + e.globexDomain.ID
		tok := b.csrf(t, page)
		for _, action := range []string{"/configure", "/domain-sid", "/retry", "/forward-login", "/messaging-services"} {
			p := b.post(t, other+action, url.Values{"csrf_token": {tok}, "mode": {"manual"}, "domain_sid": {"DN0123456789abcdef0123456789abcdef"},
				"email": {"x@globex.com"}, "messaging_service_sid": {handlertest.NewMG(t)}})
			if p.Status != http.StatusNotFound {
				t.Errorf("POST %s of another client's domain: %d", action, p.Status)
			}
		}

		// Connect Cloudflare: PRG, then the domain moves on by itself.
		_, cfToken := e.wf.CF.AddZone(d.Apex)
		p = b.submit(t, page, page+"/configure", url.Values{"mode": {"self"}, "api_token": {cfToken}})
		if p.Status != http.StatusSeeOther || p.Location != page+"?done=configure" {
			t.Fatalf("configure: %d %q\n%s", p.Status, p.Location, p.Body)
		}
		e.wf.WaitStatus(t, e.wf.Admin, d.ID, models.StatusAwaitingDomainSID)
		p = b.get(t, page)
		wantPage(t, p, http.StatusOK, `data-value="awaiting_domain_sid"`, `<label for="domain_sid">`, "DNS verified", "by user@acme.com")
		if strings.Contains(p.Body, cfToken) {
			t.Error("the page shows the Cloudflare token")
		}
		// A SID for another host: the mismatch next to the field.
		p = b.submit(t, page, page+"/domain-sid", url.Values{"domain_sid": {e.wf.TW.RegisterDomain("ls.elsewhere.com")}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p.Body, "domain_sid"), "ls.elsewhere.com") {
			t.Fatalf("SID of another host: %d %q", p.Status, fieldError(p.Body, "domain_sid"))
		}
		p = b.submit(t, page, page+"/domain-sid", url.Values{"domain_sid": {e.wf.TW.RegisterDomain(d.Host)}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("SID: %d\n%s", p.Status, p.Body)
		}
		e.wf.WaitStatus(t, e.wf.Admin, d.ID, models.StatusConfigured)

		// Messaging Services: attach, a bad SID next to its field, detach.
		mg := handlertest.NewMG(t)
		p = b.submit(t, page, page+"/messaging-services", url.Values{"messaging_service_sid": {"MGnope"}})
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "ms") == "" {
			t.Fatalf("bad MG: %d %q", p.Status, fieldError(p.Body, "ms"))
		}
		p = b.submit(t, page, page+"/messaging-services", url.Values{"messaging_service_sid": {mg}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("attach: %d\n%s", p.Status, p.Body)
		}
		wantPage(t, b.get(t, page), http.StatusOK, `data-value="configured"`, "<code>"+mg+"</code>", "Detach")
		// Detach asks first: without confirm nothing is detached.
		p = b.submit(t, page, page+"/messaging-services/"+mg+"/detach", nil)
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `id="detach-yes"`) {
			t.Fatalf("detach unconfirmed: %d\n%s", p.Status, p.Body)
		}
		if !strings.Contains(b.get(t, page).Body, "<code>"+mg+"</code>") {
			t.Fatal("an unconfirmed detach detached")
		}
		p = b.submit(t, page, page+"/messaging-services/"+mg+"/detach", url.Values{"confirm": {"1"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("detach: %d\n%s", p.Status, p.Body)
		}
		if strings.Contains(b.get(t, page).Body, "<code>"+mg+"</code>") {
			t.Error("detached service still listed")
		}
		// The live status JSON.
		if p := b.Do(t, "GET", page+"/status", nil); p.Status != http.StatusOK || !strings.Contains(p.Body, `"status":"configured"`) {
			t.Errorf("status JSON: %d %s", p.Status, p.Body)
		}
	})
}

func TestConsoleForwardLoginShareLink(t *testing.T) {
	e := newConsole(t, dbtest.SQLite(t), true)
	b := newConsoleBrowser(t, e.base)
	b.login(t, "admin@example.com", consolePassword)
	page := "/console/domains/" + e.globexDomain.ID
	p := b.submit(t, page, page+"/forward-login", url.Values{"email": {"owner@globex.com"}, "share_link": {"1"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("forward with link: %d, want a redirect (a reload must not send again)", p.Status)
	}
	wantPage(t, b.get(t, p.Location), http.StatusOK, "Registration link", "owner@globex.com", "https://linkgate.test/register/")
	again := b.get(t, page).Body // shown once
	if !strings.Contains(again, `data-value="awaiting_client"`) || strings.Contains(again, "/register/") {
		t.Error("after a reload: not awaiting the client, or the link shown again")
	}
	// Without share_link: PRG, and no link on the page.
	p = b.submit(t, page, page+"/forward-login", url.Values{"email": {"owner@globex.com"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("forward without link: %d", p.Status)
	}
	if strings.Contains(b.get(t, p.Location).Body, "/register/") {
		t.Error("the link is shown without share_link")
	}
}

func TestConsoleRetryAndDoctor(t *testing.T) {
	db := dbtest.SQLite(t)
	var e *handlertest.WFEnv
	// The console's DNS check asks the fake DNS, as cmd/linkgate wires it.
	e = handlertest.NewWorkflowAPI(t, db, handlertest.WFOptions{NoStart: true, Config: func(c *handlertest.Config) {
		c.DNSDoctor = func(ctx context.Context, host, apex, target string) (handlers.DNSDiagnosis, error) {
			check, err := e.DNS.CheckCNAME(ctx, host, apex, target)
			d := handlers.DNSDiagnosis{OK: check.OK}
			for _, f := range check.Findings {
				d.Findings = append(d.Findings, handlers.DNSFinding{Code: f.Code, Message: f.Message})
			}
			return d, err
		}
	}})
	if _, err := e.Store.CreateUser(bg, models.UserInput{Email: "admin@example.com", Password: consolePassword, Role: models.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	c := e.CreateClient(t, "Acme", "owner@acme.com")
	b := newConsoleBrowser(t, e.Srv.URL)
	b.login(t, "admin@example.com", consolePassword)

	// A failed domain offers Retry; it resumes from the failed step.
	d := e.CreateDomain(t, e.Admin, c.ID, map[string]any{"domain": "acme.com"})
	page := "/console/domains/" + d.ID
	_, tok := e.CF.AddZone(d.Apex)
	if p := b.submit(t, page, page+"/configure", url.Values{"mode": {"self"}, "api_token": {tok}}); p.Status != http.StatusSeeOther {
		t.Fatalf("configure: %d\n%s", p.Status, p.Body)
	}
	// Retry of a domain that did not fail: 409, said at the top of the
	// page (the Retry section is not there).
	p := b.submit(t, page, page+"/retry", nil)
	wantPage(t, p, http.StatusConflict, `<h1>ls.acme.com</h1>
<p class="error" role="alert">`)
	if strings.Contains(p.Body, `id="retry"`) {
		t.Error("Retry offered for a domain that did not fail")
	}
	e.CF.Faults.Inject(mocks.Fault{Status: http.StatusForbidden, Count: 1})
	e.Start(t)
	e.WaitStatus(t, e.Admin, d.ID, models.StatusFailed)
	wantPage(t, b.get(t, page), http.StatusOK, `id="retry"`, `data-value="failed"`)
	e.CF.Faults.Clear()
	if p := b.submit(t, page, page+"/retry", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("retry: %d\n%s", p.Status, p.Body)
	}
	e.WaitStatus(t, e.Admin, d.ID, models.StatusAwaitingDomainSID)

	// Manual setup: the DNS check is on the page and turns OK once the
	// record is there.
	m := e.CreateDomain(t, e.Admin, c.ID, map[string]any{"domain": "acme.net"})
	mpage := "/console/domains/" + m.ID
	if p := b.submit(t, mpage, mpage+"/configure", url.Values{"mode": {"manual"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("manual: %d\n%s", p.Status, p.Body)
	}
	wantPage(t, b.get(t, mpage), http.StatusOK, `id="doctor"`, `data-src="`+mpage+`/doctor"`)
	wantPage(t, b.get(t, mpage+"/doctor"), http.StatusOK, `data-state="pending"`, "Not there yet")
	wantPage(t, b.get(t, mpage+"/doctor?full=1"), http.StatusOK, "<h1>ls.acme.net</h1>", `data-state="pending"`)
	if err := e.DNS.AddManual("ls.acme.net", "CNAME", m.DNSRecords[0].Value); err != nil {
		t.Fatal(err)
	}
	wantPage(t, b.get(t, mpage+"/doctor"), http.StatusOK, `data-state="ok"`)
}

var secretOnPage = regexp.MustCompile(`id="secret-value">(whsec_[^<]+)<`)

func TestConsoleWebhooks(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, false)
		ctx := context.Background()
		premium := models.PlanPremium
		if _, err := e.store.UpdateClient(ctx, models.Scope{}, e.acme.ID, models.ClientPatch{Plan: &premium}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.UpdateClient(ctx, models.Scope{}, e.globex.ID, models.ClientPatch{Plan: &premium}); err != nil {
			t.Fatal(err)
		}
		admin := newConsoleBrowser(t, e.base)
		admin.login(t, "admin@example.com", consolePassword)
		// The admin adds one for globex.
		p := admin.follow(t, admin.submit(t, "/console/webhooks", "/console/webhooks", url.Values{"url": {"https://hooks.globex.com/x"}, "events": {"domain.*"}, "client_id": {e.globex.ID}}))
		wantPage(t, p, http.StatusOK, "https://hooks.globex.com/x")
		if secretOnPage.FindStringSubmatch(p.Body) == nil {
			t.Fatalf("no secret shown:\n%s", p.Body)
		}
		globexEndpoint := regexp.MustCompile(`/console/webhooks/(whe_[0-9A-Za-z]+)/delete`).FindStringSubmatch(p.Body)[1]

		// The acme user adds one for their own client; the secret is shown
		// once, rotation shows a new one, delete removes it.
		b := newConsoleBrowser(t, e.base)
		b.login(t, "user@acme.com", consolePassword)
		p = b.follow(t, b.submit(t, "/console/webhooks", "/console/webhooks", url.Values{"url": {"https://hooks.acme.com/x"}, "events": {"domain.created, domain.configured"}}))
		m := secretOnPage.FindStringSubmatch(p.Body)
		if p.Status != http.StatusOK || m == nil {
			t.Fatalf("create: %d\n%s", p.Status, p.Body)
		}
		first := m[1]
		list := b.get(t, "/console/webhooks")
		wantPage(t, list, http.StatusOK, "https://hooks.acme.com/x", "<code>domain.created</code>, <code>domain.configured</code>")
		if strings.Contains(list.Body, "whsec_") || strings.Contains(list.Body, "hooks.globex.com") {
			t.Error("the list shows a secret, or another client's endpoint")
		}
		id := regexp.MustCompile(`/console/webhooks/(whe_[0-9A-Za-z]+)/rotate`).FindStringSubmatch(list.Body)[1]
		p = b.follow(t, b.submit(t, "/console/webhooks", "/console/webhooks/"+id+"/rotate", nil))
		m = secretOnPage.FindStringSubmatch(p.Body)
		if p.Status != http.StatusOK || m == nil || m[1] == first {
			t.Fatalf("rotate: %d, new secret %v", p.Status, m)
		}
		// Another client's endpoint: 404 for rotate and delete.
		for _, action := range []string{"/rotate", "/delete"} {
			if p := b.submit(t, "/console/webhooks", "/console/webhooks/"+globexEndpoint+action, nil); p.Status != http.StatusNotFound {
				t.Errorf("%s of another client's endpoint: %d", action, p.Status)
			}
		}
		p = b.submit(t, "/console/webhooks", "/console/webhooks/"+id+"/delete", nil)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("delete: %d", p.Status)
		}
		wantPage(t, b.get(t, p.Location), http.StatusOK, "Webhook endpoint deleted.", "No endpoints yet.")
	})
}

func TestConsoleMessagingServiceMove(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, true)
		a := e.wf.ConfiguredDomain(t, e.wf.Admin, e.acme.ID, "acme.net")
		bd := e.wf.ConfiguredDomain(t, e.wf.Admin, e.acme.ID, "acme.org")
		b := newConsoleBrowser(t, e.base)
		b.login(t, "admin@example.com", consolePassword)
		mg := handlertest.NewMG(t)
		pa, pb := "/console/domains/"+a.ID, "/console/domains/"+bd.ID
		if p := b.submit(t, pa, pa+"/messaging-services", url.Values{"messaging_service_sid": {mg}}); p.Status != http.StatusSeeOther {
			t.Fatalf("attach: %d\n%s", p.Status, p.Body)
		}
		// Attached elsewhere (typed in lower case, with pasted spaces): 409
		// next to the field, naming the other host in people's words, with a
		// "Move it here" button instead of the API's move flag.
		p := b.submit(t, pb, pb+"/messaging-services", url.Values{"messaging_service_sid": {"  " + strings.ToLower(mg) + " "}})
		msg := fieldError(p.Body, "ms")
		if p.Status != http.StatusConflict || !strings.Contains(msg, a.Host) || strings.Contains(p.Body, `&#34;move&#34;`) || strings.Contains(msg, "move\": true") {
			t.Fatalf("attached elsewhere: %d %q", p.Status, msg)
		}
		if !strings.Contains(p.Body, `id="ms-move"`) || !strings.Contains(p.Body, `name="move" value="1"`) {
			t.Fatalf("no Move it here button:\n%s", p.Body)
		}
		// With move: here now, gone there; both timelines name both domains.
		if p := b.submit(t, pb, pb+"/messaging-services", url.Values{"messaging_service_sid": {strings.ToLower(mg)}, "move": {"1"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("move: %d\n%s", p.Status, p.Body)
		}
		pageB, pageA := b.get(t, pb).Body, b.get(t, pa).Body
		if !strings.Contains(pageB, "<code>"+mg+"</code>") || strings.Contains(pageA, "<code>"+mg+"</code>") {
			t.Error("the Messaging Service did not move")
		}
		line := "moved from " + a.Host + " to " + bd.Host
		if !strings.Contains(pageA, line) || !strings.Contains(pageB, line) {
			t.Errorf("the timelines do not say %q", line)
		}
	})
}

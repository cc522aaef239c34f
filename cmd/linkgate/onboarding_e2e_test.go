package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models/dbtest"
)

// End-to-end onboarding through the HTTP API in sandbox mode (issue 4,
// "Done when"): self and manual setups reach configured, then Messaging
// Services are attached, re-attached, refused, moved and detached. The
// same scenario runs on SQLite and on PostgreSQL.

const (
	e2eKey = "lgk_admin_onboarding_e2e_key_0123456789"
	// flowDeadline bounds waiting for a sandbox onboarding (it takes a
	// few seconds); it is a deadline for polling, not a timing assertion.
	flowDeadline = 30 * time.Second
	cnameTarget  = "lsct.ashburn.us1.twilio.com."
)

func TestOnboardingEndToEnd(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		r := start(t, map[string]string{"LINKGATE_DATA_DIR": t.TempDir(), "LINKGATE_BOOTSTRAP_ADMIN_KEY": e2eKey})
		onboardingScenario(t, &lgAPI{t: t, base: "http://" + r.addr, key: e2eKey})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		r := start(t, map[string]string{"DATABASE_URL": dbtest.PostgresURL(t), "LINKGATE_SANDBOX": "1",
			"LINKGATE_DATA_DIR": t.TempDir(), "LINKGATE_BOOTSTRAP_ADMIN_KEY": e2eKey})
		if !strings.Contains(r.stderr.String(), `"database":"postgres"`) {
			t.Fatalf("not running on PostgreSQL:\n%s", r.stderr)
		}
		onboardingScenario(t, &lgAPI{t: t, base: "http://" + r.addr, key: e2eKey})
	})
}

func onboardingScenario(t *testing.T, a *lgAPI) {
	// Client Acme has two domains, acme.com (self setup) and beta.com
	// (manual); client Gamma has gamma.com (manual). An admin-wide
	// webhook endpoint on a loopback receiver hears about all of it.
	hooks := newHookReceiver(t)
	secret := a.subscribe(hooks.URL + "/linkgate")
	acme := a.newClient("acme.com")
	self := a.newDomainOf(acme, "acme.com")
	manual := a.newDomainOf(acme, "beta.com")
	other := a.newDomain("gamma.com")

	// Self setup: linkgate creates the CNAME in the fake Cloudflare.
	token := a.sandboxZone("acme.com")
	d := a.want(202, "POST", "/api/v1/domains/"+self+"/configure",
		`{"mode":"self","provider":"cloudflare","credentials":{"api_token":"`+token+`"}}`)
	if d.body["status"] != "dns_pending" || d.body["setup_mode"] != "self" {
		t.Fatalf("configure self: %s", d.raw)
	}
	if strings.Contains(d.raw, token) {
		t.Fatal("the API token came back in the answer")
	}
	// Bad input on the way (issue 4, "Bad input and faults").
	if r := a.req("POST", "/api/v1/domains/"+self+"/configure", `{"mode":"manual"}`); r.status != 409 || !strings.Contains(r.raw, "dns_pending") && !strings.Contains(r.raw, "awaiting_domain_sid") {
		t.Errorf("configure twice: want 409 naming the state, got %d %s", r.status, r.raw)
	}
	if r := a.req("POST", "/api/v1/domains/"+self+"/domain-sid", `{"domain_sid":"DN123"}`); r.status != 422 {
		t.Errorf("SID in a bad format: want 422, got %d %s", r.status, r.raw)
	}

	// Manual setups: the client adds the record; linkgate watches DNS.
	for _, id := range []string{manual, other} {
		d = a.want(202, "POST", "/api/v1/domains/"+id+"/configure", `{"mode":"manual"}`)
		if d.body["status"] != "dns_pending" || d.body["setup_mode"] != "manual" {
			t.Fatalf("configure manual: %s", d.raw)
		}
	}

	a.waitStatus(self, "awaiting_domain_sid", flowDeadline)
	selfSID := a.twilioDomain("ls.acme.com")
	a.submitSID(self, selfSID)

	// A SID for another host is refused; the right one may come before
	// DNS is verified.
	if r := a.req("POST", "/api/v1/domains/"+manual+"/domain-sid", `{"domain_sid":"`+selfSID+`"}`); r.status != 422 || r.body["code"] != "domain_sid_mismatch" {
		t.Errorf("SID of another host: want 422 domain_sid_mismatch, got %d %s", r.status, r.raw)
	}
	manualSID, otherSID := a.twilioDomain("ls.beta.com"), a.twilioDomain("ls.gamma.com")
	a.submitSID(manual, manualSID)
	a.submitSID(other, otherSID)
	a.want(201, "POST", "/_sandbox/dns", `{"name":"ls.beta.com","type":"CNAME","value":"`+cnameTarget+`"}`)
	a.want(201, "POST", "/_sandbox/dns", `{"name":"ls.gamma.com","type":"CNAME","value":"`+cnameTarget+`"}`)

	got, _ := a.waitStatus(self, "configured", flowDeadline)
	checkConfigured(t, got, "ls.acme.com", selfSID)
	got, _ = a.waitStatus(manual, "configured", flowDeadline)
	checkConfigured(t, got, "ls.beta.com", manualSID)
	got, _ = a.waitStatus(other, "configured", flowDeadline)
	checkConfigured(t, got, "ls.gamma.com", otherSID)
	if r := a.req("POST", "/api/v1/domains/"+self+"/configure", `{"mode":"manual"}`); r.status != 409 || !strings.Contains(r.raw, "configured") {
		t.Errorf("configure a configured domain: want 409 naming the state, got %d %s", r.status, r.raw)
	}

	hooks.domainEvents(t, secret, self, "domain.created", "domain.status_changed", "domain.dns_verified",
		"domain.certificate_issued", "domain.configured")

	// Timelines, in order.
	checkStatusPath(t, a.events(self), "pending", "dns_pending", "awaiting_domain_sid", "ssl_pending", "configured")
	checkStatusPath(t, a.events(manual), "pending", "dns_pending", "ssl_pending", "configured")

	// Side effects at the fakes: one CNAME (none for manual setups), one
	// certificate request each.
	st := a.stats()
	if n := st.Cloudflare.RecordsCreated["ls.acme.com"]; n != 1 || len(st.Cloudflare.RecordsCreated) != 1 {
		t.Errorf("records created: %v, want ls.acme.com once", st.Cloudflare.RecordsCreated)
	}
	for _, sid := range []string{selfSID, manualSID, otherSID} {
		if st.Twilio.CertRequests[sid] != 1 {
			t.Errorf("certificate requests: %v, want one for %s", st.Twilio.CertRequests, sid)
		}
	}

	// Messaging Services.
	mg := "MG" + randomHex(16)
	msPath := func(id string) string { return "/api/v1/domains/" + id + "/messaging-services" }
	if r := a.want(201, "POST", msPath(self), `{"messaging_service_sid":"`+mg+`"}`); !hasSID(r.body, mg) {
		t.Errorf("attach: %s", r.raw)
	}
	if r := a.want(200, "POST", msPath(self), `{"messaging_service_sid":"`+mg+`"}`); !hasSID(r.body, mg) {
		t.Errorf("re-attach: %s", r.raw)
	}
	r := a.want(409, "POST", msPath(manual), `{"messaging_service_sid":"`+mg+`"}`)
	if r.body["code"] != "messaging_service_in_use" || !strings.Contains(r.raw, "ls.acme.com") {
		t.Errorf("attach to the client's other domain: want messaging_service_in_use naming ls.acme.com: %s", r.raw)
	}
	// Another client's domain: refused without naming the domain, even
	// with move.
	for _, body := range []string{`{"messaging_service_sid":"` + mg + `"}`, `{"messaging_service_sid":"` + mg + `","move":true}`} {
		r := a.want(409, "POST", msPath(other), body)
		if r.body["code"] != "messaging_service_in_use" || strings.Contains(r.raw, "acme") {
			t.Errorf("attach to another client's domain: want messaging_service_in_use not naming ls.acme.com: %s", r.raw)
		}
	}
	if owner := a.twilioOwner(mg); owner != selfSID {
		t.Errorf("after the refused attaches, Twilio has %s on %q, want %s", mg, owner, selfSID)
	}
	if r := a.want(201, "POST", msPath(manual), `{"messaging_service_sid":"`+mg+`","move":true}`); !hasSID(r.body, mg) {
		t.Errorf("move: %s", r.raw)
	}
	if d := a.want(200, "GET", "/api/v1/domains/"+self, ""); hasSID(d.body, mg) {
		t.Errorf("after the move the first domain still lists %s: %s", mg, d.raw)
	}
	if d := a.want(200, "GET", "/api/v1/domains/"+manual, ""); !hasSID(d.body, mg) {
		t.Errorf("after the move the second domain does not list %s: %s", mg, d.raw)
	}
	if owner := a.twilioOwner(mg); owner != manualSID {
		t.Errorf("after the move Twilio has %s on %q, want %s", mg, owner, manualSID)
	}
	a.want(204, "DELETE", msPath(manual)+"/"+mg, "")
	if d := a.want(200, "GET", "/api/v1/domains/"+manual, ""); hasSID(d.body, mg) {
		t.Errorf("after detach: %s", d.raw)
	}
	if owner := a.twilioOwner(mg); owner != "" {
		t.Errorf("after detach Twilio still has %s on %s", mg, owner)
	}
	a.want(404, "DELETE", msPath(manual)+"/"+mg, "")
	evs := a.events(manual)
	// Attached here by a move: the line names both domains.
	if !slices.ContainsFunc(evs, func(e event) bool {
		return strings.Contains(e.Reason, mg+" moved from ls.acme.com to ls.beta.com")
	}) ||
		!slices.ContainsFunc(evs, func(e event) bool { return strings.Contains(e.Reason, mg+" detached") }) {
		t.Errorf("the timeline does not record the attach and detach: %+v", evs)
	}
	// Once detached, the other client may have it.
	a.want(201, "POST", msPath(other), `{"messaging_service_sid":"`+mg+`"}`)
}

func checkConfigured(t *testing.T, d map[string]any, host, sid string) {
	t.Helper()
	cert, _ := d["certificate"].(map[string]any)
	switch {
	case d["host"] != host, d["domain_sid"] != sid, d["dns_status"] != "verified", d["ssl_status"] != "active",
		cert == nil || cert["expires_at"] == nil:
		t.Errorf("configured domain: %v", d)
	}
	if r, _ := d["status_reason"].(string); r != "" {
		t.Errorf("configured domain keeps status_reason %q", r)
	}
}

func hasSID(d map[string]any, sid string) bool {
	l, _ := d["messaging_service_sids"].([]any)
	return slices.Contains(l, any(sid))
}

// checkStatusPath compares the statuses a timeline went through with want
// and checks that its entries are in time order.
func checkStatusPath(t *testing.T, evs []event, want ...string) {
	t.Helper()
	var path []string
	for i, e := range evs {
		if i > 0 && e.At.Before(evs[i-1].At) {
			t.Errorf("timeline out of order at %d: %+v", i, evs)
		}
		if e.From == nil || *e.From != e.To {
			path = append(path, e.To)
		}
	}
	if !slices.Equal(path, want) {
		t.Errorf("status path %v, want %v\n%+v", path, want, evs)
	}
}

// ---- a small client for linkgate's API and its sandbox ----

type lgAPI struct {
	t    *testing.T
	base string // http://host:port
	key  string
}

type event struct {
	At     time.Time `json:"at"`
	From   *string   `json:"from"`
	To     string    `json:"to"`
	Reason string    `json:"reason"`
	Actor  string    `json:"actor"`
}

func (a *lgAPI) req(method, path, body string) httpResult {
	a.t.Helper()
	return call(a.t, method, a.base+path, body, "Authorization", "Bearer "+a.key, "Content-Type", "application/json")
}

func (a *lgAPI) want(status int, method, path, body string) httpResult {
	a.t.Helper()
	r := a.req(method, path, body)
	if r.status != status {
		a.t.Fatalf("%s %s: %d, want %d: %s", method, path, r.status, status, r.raw)
	}
	return r
}

// newDomain creates a client for apex and its link-shortening domain
// (ls.<apex>) and returns the domain's id.
func (a *lgAPI) newDomain(apex string) string {
	a.t.Helper()
	return a.newDomainOf(a.newClient(apex), apex)
}

// newClient creates a client named after apex and returns its id.
func (a *lgAPI) newClient(apex string) string {
	a.t.Helper()
	return a.want(201, "POST", "/api/v1/clients", fmt.Sprintf(`{"name":%q,"email":"owner@%s"}`, apex, apex)).body["id"].(string)
}

// newDomainOf adds ls.<apex> to a client and returns the domain's id.
func (a *lgAPI) newDomainOf(clientID, apex string) string {
	a.t.Helper()
	d := a.want(201, "POST", "/api/v1/clients/"+clientID+"/domains", fmt.Sprintf(`{"domain":%q}`, apex))
	if d.body["host"] != "ls."+apex || d.body["status"] != "pending" {
		a.t.Fatalf("new domain: %s", d.raw)
	}
	return d.body["id"].(string)
}

// sandboxZone makes the zone in the fake Cloudflare and returns a token.
func (a *lgAPI) sandboxZone(apex string) string {
	a.t.Helper()
	return a.want(201, "POST", "/_sandbox/cloudflare/zones", fmt.Sprintf(`{"name":%q}`, apex)).body["api_token"].(string)
}

// twilioDomain stands for creating and verifying the domain in the
// Twilio Console; it returns the Domain SID.
func (a *lgAPI) twilioDomain(host string) string {
	a.t.Helper()
	return a.want(201, "POST", "/_sandbox/twilio/domains", fmt.Sprintf(`{"domain_name":%q}`, host)).body["domain_sid"].(string)
}

func (a *lgAPI) submitSID(id, sid string) {
	a.t.Helper()
	a.want(202, "POST", "/api/v1/domains/"+id+"/domain-sid", `{"domain_sid":"`+sid+`"}`)
}

// fault queues an injected fault (POST /_sandbox/faults).
func (a *lgAPI) fault(body string) {
	a.t.Helper()
	a.want(202, "POST", "/_sandbox/faults", body)
}

func (a *lgAPI) stats() mocks.SandboxStats {
	a.t.Helper()
	r := a.want(200, "GET", "/_sandbox/stats", "")
	var st mocks.SandboxStats
	if err := json.Unmarshal([]byte(r.raw), &st); err != nil {
		a.t.Fatalf("stats: %v: %s", err, r.raw)
	}
	return st
}

func (a *lgAPI) events(id string) []event {
	a.t.Helper()
	r := a.want(200, "GET", "/api/v1/domains/"+id+"/events", "")
	var l struct{ Data []event }
	if err := json.Unmarshal([]byte(r.raw), &l); err != nil {
		a.t.Fatalf("events: %v: %s", err, r.raw)
	}
	return l.Data
}

// twilioCreds are the fake Twilio's credentials (GET /_sandbox).
func (a *lgAPI) twilioCreds() (sid, token string) {
	a.t.Helper()
	tw := a.want(200, "GET", "/_sandbox", "").body["twilio"].(map[string]any)
	return tw["account_sid"].(string), tw["auth_token"].(string)
}

// twilioGet calls the fake Twilio's API as linkgate does.
func (a *lgAPI) twilioGet(path string) (int, map[string]any) {
	a.t.Helper()
	sid, token := a.twilioCreds()
	req, _ := http.NewRequest("GET", a.base+"/_sandbox/twilio"+path, nil)
	req.SetBasicAuth(sid, token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// twilioOwner returns the Domain SID the fake Twilio has a Messaging
// Service on ("" for none).
func (a *lgAPI) twilioOwner(mg string) string {
	a.t.Helper()
	status, body := a.twilioGet("/v1/LinkShortening/MessagingServices/" + mg + "/Domain")
	if status == 404 {
		return ""
	}
	if status != 200 {
		a.t.Fatalf("fake Twilio, domain of %s: %d %v", mg, status, body)
	}
	s, _ := body["domain_sid"].(string)
	return s
}

// waitStatus polls the domain until it has status want (a domain that
// fails meanwhile ends the test, unless failed is what is wanted) and
// returns it with the distinct status reasons seen on the way.
func (a *lgAPI) waitStatus(id, want string, deadline time.Duration) (map[string]any, []string) {
	a.t.Helper()
	var reasons []string
	end := time.Now().Add(deadline)
	for {
		r := a.want(200, "GET", "/api/v1/domains/"+id, "")
		if s, _ := r.body["status_reason"].(string); s != "" && !slices.Contains(reasons, s) {
			reasons = append(reasons, s)
		}
		status := r.body["status"]
		if status == want {
			return r.body, reasons
		}
		if status == "failed" {
			a.t.Fatalf("domain failed while waiting for %s: %s\nevents: %+v", want, r.raw, a.events(id))
		}
		if time.Now().After(end) {
			a.t.Fatalf("domain still %v after %s, want %s: %s\nreasons seen: %q", status, deadline, want, r.raw, reasons)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

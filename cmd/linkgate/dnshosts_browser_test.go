package main

// Self setup through DigitalOcean and Google Cloud DNS in real Chromium,
// in sandbox mode (each real adapter on its fake), on SQLite and
// PostgreSQL: from the console's domain page and from the registration
// pages. The host's form is picked from the host list, its fields filled
// with what the fake handed out, and the domain goes to configured with
// the CNAME created once at that host. (Route 53 has its own test, with
// the refusals; the API tests refuse bad keys for every host.)

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// browserHosts are the hosts this test sets domains up through: the
// picker entry's label and each credential's input id (a field name an
// earlier host in the list also uses gets the host as a prefix).
var browserHosts = []struct {
	name, label string
	inputs      map[string]string // credential → input id
}{
	{"digitalocean", "DigitalOcean", map[string]string{"api_token": "digitalocean-api_token"}},
	{"google", "Google Cloud DNS", map[string]string{"service_account_json": "service_account_json", "project_id": "project_id"}},
}

// sandboxHostZone makes apex's zone at the host's fake and returns the
// credentials it handed out.
func (a *lgAPI) sandboxHostZone(host, apex string) map[string]string {
	a.t.Helper()
	z := a.want(201, "POST", "/_sandbox/"+host+"/zones", fmt.Sprintf(`{"name":%q}`, apex))
	creds := map[string]string{}
	for k, v := range z.body {
		if s, ok := v.(string); ok && k != "zone_id" {
			creds[k] = s
		}
	}
	if len(creds) == 0 || z.body["zone_id"] == nil {
		a.t.Fatalf("%s zone: %s", host, z.raw)
	}
	return creds
}

// pickHost opens the host's form (the <details> with this id), fills in
// the credentials and submits it.
func pickHost(t *testing.T, b *browserSession, details string, inputs, creds map[string]string) {
	t.Helper()
	actions := []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS(`details#` + details + ` > summary`))}
	for field, id := range inputs {
		v, ok := creds[field]
		if !ok {
			t.Fatalf("the fake handed out no %s: %v", field, creds)
		}
		actions = append(actions, chromedp.WaitVisible(chromedp.ID(id)), chromedp.SetValue(chromedp.ID(id), v))
	}
	actions = append(actions, chromedp.Click(chromedp.CSS(`details#`+details+` button[type="submit"]`)))
	b.do("fill in the "+details+" form", actions...)
}

func TestDNSHostsInBrowserConsole(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	for _, h := range browserHosts {
		t.Run(h.name, func(t *testing.T) {
			t.Parallel()
			route53Engines(t, func(t *testing.T, env map[string]string) {
				env["LINKGATE_BOOTSTRAP_ADMIN_EMAIL"] = consoleAdminEmail
				env["LINKGATE_BOOTSTRAP_ADMIN_PASSWORD"] = consoleAdminPassword
				r, a := startPublic(t, env)
				b := newBrowser(t, h.name+"-console")
				signIn(b, a.base, consoleAdminEmail, consoleAdminPassword)
				apex := h.name + "-console.com"
				id := a.newDomain(apex)
				creds := a.sandboxHostZone(h.name, apex)
				b.do("open the domain", chromedp.Navigate(a.base+"/console/domains/"+id), chromedp.WaitVisible(chromedp.ID("api_token")))
				if s := b.text("#host-" + h.name + " summary"); s != h.label {
					t.Errorf("picker entry %q, want %q", s, h.label)
				}
				pickHost(t, b, "host-"+h.name, h.inputs, creds)
				a.waitStatus(id, "awaiting_domain_sid", flowDeadline)
				a.submitSID(id, a.twilioDomain("ls."+apex))
				got, _ := a.waitStatus(id, "configured", flowDeadline)
				if got["setup_mode"] != "self" {
					t.Errorf("setup mode %v", got["setup_mode"])
				}
				if n := a.stats().DNSHosts[h.name].RecordsCreated["ls."+apex]; n != 1 {
					t.Errorf("CNAME created %d times at %s, want 1", n, h.label)
				}
				for field, v := range creds {
					if field != "project_id" {
						checkLogsFree(t, r, v)
					}
				}
			})
		})
	}
}

func TestDNSHostsInBrowserRegistration(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	for _, h := range browserHosts {
		t.Run(h.name, func(t *testing.T) {
			t.Parallel()
			route53Engines(t, func(t *testing.T, env map[string]string) {
				mail := startSMTP(t)
				env["SMTP_URL"] = mail.URL()
				r, a := startPublic(t, env)
				apex := h.name + "-reg.com"
				id := a.newDomain(apex)
				creds := a.sandboxHostZone(h.name, apex)
				link, token := registrationMail(t, a, mail, id, "ls."+apex, "owner@"+apex)
				b := newBrowser(t, h.name+"-register")
				createAccount(b, link, "ls."+apex)
				pickHost(t, b, h.name, h.inputs, creds)
				b.do("the finish page", chromedp.WaitVisible(chromedp.ID("finish")))
				if !strings.Contains(b.text("main"), h.label+" is connected") {
					t.Errorf("finish page: %s", b.text("main"))
				}
				finish(b)
				a.waitStatus(id, "awaiting_domain_sid", flowDeadline)
				a.submitSID(id, a.twilioDomain("ls."+apex))
				a.waitStatus(id, "configured", flowDeadline)
				if n := a.stats().DNSHosts[h.name].RecordsCreated["ls."+apex]; n != 1 {
					t.Errorf("CNAME created %d times at %s, want 1", n, h.label)
				}
				waitLive(b)
				checkLogsFree(t, r, token, creds[firstSecret(h.inputs)])
			})
		})
	}
}

// firstSecret is the credential checked against the logs: the token or
// the key, never the project id.
func firstSecret(inputs map[string]string) string {
	for field := range inputs {
		if field != "project_id" {
			return field
		}
	}
	return ""
}

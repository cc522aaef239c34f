package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/handlers/console"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models/dbtest"
)

// The sandbox's DNS and fault tools, on the real fakes: a record added by
// hand answers; bad input is refused next to its field and adds nothing;
// a fault is queued, counted on the page and cleared; the Twilio tool
// links back to the domain it came from; client users see none of it.
func TestConsoleSandboxDNSAndFaults(t *testing.T) {
	t.Parallel()
	dns, err := mocks.NewDNS(mocks.DNSConfig{})
	if err != nil {
		t.Fatal(err)
	}
	faults := map[string]*mocks.Faults{"cloudflare": {}, "twilio": {}}
	e := newConsole(t, dbtest.SQLite(t), false, func(c *handlertest.Config) {
		c.Sandbox = true
		c.SandboxConsole = console.SandboxConsole{
			RegisterTwilioDomain: func(context.Context, string) (string, error) { return "DN0123456789abcdef0123456789abcdef", nil },
			AddDNSRecord:         dns.AddManual,
			InjectFault: func(p string, status, count int) error {
				faults[p].Inject(mocks.Fault{Status: status, Count: count})
				return nil
			},
			ClearFaults: func(p string) {
				for name, f := range faults {
					if p == "" || p == name {
						f.Clear()
					}
				}
			},
			PendingFaults: func() map[string]int {
				return map[string]int{"cloudflare": faults["cloudflare"].Pending(), "twilio": faults["twilio"].Pending()}
			},
		}
	})
	b := newConsoleBrowser(t, e.base)
	b.login(t, "admin@example.com", consolePassword)
	const sb = "/console/sandbox"

	// A manual record, in any case and with spaces.
	p := b.submit(t, sb, sb+"/dns", url.Values{"name": {" LS.Acme.com "}, "type": {"cname"}, "value": {" lsct.ashburn.us1.twilio.com "}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add record: %d\n%s", p.Status, p.Body)
	}
	wantPage(t, b.get(t, p.Location), http.StatusOK, "Record added to the sandbox DNS.")
	if target, ok := dns.LookupCNAME("ls.acme.com"); !ok || !strings.HasPrefix(target, "lsct.ashburn.us1.twilio.com") {
		t.Errorf("CNAME answers %q %v", target, ok)
	}
	// Refused: each field named, nothing added.
	for _, bad := range []struct {
		form  url.Values
		field string
	}{
		{url.Values{"name": {"nodot"}, "type": {"A"}, "value": {"192.0.2.1"}}, "dns_name"},
		{url.Values{"name": {"x.acme.com"}, "type": {"MX"}, "value": {"mail"}}, "dns_type"},
		{url.Values{"name": {"x.acme.com"}, "type": {"A"}, "value": {" "}}, "dns_value"},
		// A CNAME beside the CNAME: the fake DNS's own refusal.
		{url.Values{"name": {"ls.acme.com"}, "type": {"A"}, "value": {"192.0.2.1"}}, "dns_value"},
	} {
		p := b.submit(t, sb, sb+"/dns", bad.form)
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, bad.field) == "" {
			t.Errorf("%v: %d %q", bad.form, p.Status, fieldError(p.Body, bad.field))
		}
	}
	if n := len(dns.Manual()); n != 1 {
		t.Errorf("%d manual records, want 1", n)
	}

	// Faults: queued and counted, refused when out of range, cleared.
	if p := b.submit(t, sb, sb+"/faults", url.Values{"provider": {"cloudflare"}, "status": {"403"}, "count": {"2"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("inject: %d\n%s", p.Status, p.Body)
	}
	if n := faults["cloudflare"].Pending(); n != 2 {
		t.Errorf("cloudflare faults pending %d", n)
	}
	wantPage(t, b.get(t, sb), http.StatusOK, "Cloudflare 2 calls, Twilio 0 calls")
	for _, bad := range []struct {
		form  url.Values
		field string
	}{
		{url.Values{"provider": {"route53"}, "status": {"500"}}, "fault_provider"},
		{url.Values{"provider": {"twilio"}, "status": {"200"}}, "fault_status"},
		{url.Values{"provider": {"twilio"}, "status": {"500"}, "count": {"0"}}, "fault_count"},
	} {
		p := b.submit(t, sb, sb+"/faults", bad.form)
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, bad.field) == "" {
			t.Errorf("%v: %d %q", bad.form, p.Status, fieldError(p.Body, bad.field))
		}
	}
	if n := faults["twilio"].Pending(); n != 0 {
		t.Errorf("a refused fault was queued: %d", n)
	}
	if p := b.submit(t, sb, sb+"/faults/clear", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("clear: %d", p.Status)
	}
	if n := faults["cloudflare"].Pending(); n != 0 {
		t.Errorf("faults left after clear: %d", n)
	}

	// The Twilio tool, opened from a domain page, links back to it.
	d := e.acmeDomain
	p = b.submit(t, sb+"?host="+d.Host+"&domain="+d.ID, sb+"/twilio", url.Values{"host": {d.Host}, "domain": {d.ID}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("register: %d", p.Status)
	}
	wantPage(t, b.get(t, p.Location), http.StatusOK, `id="back-to-domain" href="/console/domains/`+d.ID+`#domain-sid"`)

	// A client user has none of the admin tools.
	cu := newConsoleBrowser(t, e.base)
	cu.login(t, "user@acme.com", consolePassword)
	if body := cu.get(t, sb).Body; strings.Contains(body, `id="dns"`) || strings.Contains(body, `id="faults"`) {
		t.Error("client user sees the DNS or fault tools")
	}
	wantPage(t, cu.submit(t, sb, sb+"/faults", url.Values{"provider": {"twilio"}, "status": {"500"}}), http.StatusNotFound)
	// Another client's domain is not linked back to.
	p = cu.submit(t, sb, sb+"/twilio", url.Values{"host": {"ls.globex.com"}, "domain": {e.globexDomain.ID}})
	if body := cu.get(t, p.Location).Body; strings.Contains(body, "back-to-domain") {
		t.Error("link back to another client's domain")
	}
}

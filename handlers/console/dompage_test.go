package console_test

import (
	"context"
	"database/sql"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/handlers/console"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
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

// dpFailDomain moves a domain to failed as a workflow step would.
func dpFailDomain(t *testing.T, s *models.Store, id string, kind models.FailureKind, detail, step, reason string) {
	t.Helper()
	d, err := s.GetDomain(context.Background(), models.Scope{}, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Tx(context.Background(), func(tx *gorm.DB, _ *sql.Tx) error {
		return s.ApplyTx(tx, d, models.Change{To: models.StatusFailed, FailedStep: &step, FailureKind: &kind, FailureDetail: detail,
			StatusReason: &reason, Reason: reason, Actor: "workflow"})
	}); err != nil {
		t.Fatal(err)
	}
}

// A failed domain's page: the reason in words from the kind (a legacy
// failure without one in general words), the raw reason behind Details,
// the remedies a DNS failure offers (another setup, a new token) and the
// ones every failure has (retry, delete); the live fragment carries the
// changing parts and no "reload" notice; the delete page says what goes
// and an unticked box deletes nothing; another client's user sees none
// of it (404).
func TestConsoleDomainFailurePage(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, true)
		b := newConsoleBrowser(t, e.base)
		b.login(t, "admin@example.com", consolePassword)
		d := e.acmeDomain
		path := "/console/domains/" + d.ID
		raw := "create the CNAME " + d.Host + ": cloudflare: ensure CNAME: " + d.Host + " already has a A record pointing to 192.0.2.1"
		dpFailDomain(t, e.store, d.ID, models.FailureRecordConflict, "A", "onboarding_ensure_cname", raw)
		p := b.get(t, path)
		wantPage(t, p, http.StatusOK, `id="failure"`,
			d.Host+" already has an A record at Cloudflare",
			"switch to the manual setup",
			`<details id="failure-details"><summary>Details</summary>`,
			`id="setup-manual"`, `id="setup-forward"`, `id="retry"`, `href="`+path+`/delete"`,
			`value="ops@acme.com"`)
		if !strings.Contains(p.Body, html.EscapeString(raw)) {
			t.Error("the raw reason is not behind Details")
		}
		if strings.Contains(p.Body, "reload for the next step") || strings.Contains(p.Body, `id="status-changed"`) {
			t.Error("the stale reload notice is still on the page")
		}
		if strings.Contains(p.Body, `maxlength`) {
			t.Error("a maxlength attribute can cut a pasted value")
		}
		frag := b.get(t, path+"/live")
		wantPage(t, frag, http.StatusOK, `<div id="live">`, `id="failure"`, `<div id="timeline-list">`, html.EscapeString(raw))
		if strings.Contains(frag.Body, "<html") || strings.Contains(frag.Body, `id="delete"`) || strings.Contains(frag.Body, `id="use"`) {
			t.Error("the fragment is more than the changing parts")
		}

		// The delete page spells out what goes; unticked, nothing goes.
		wantPage(t, b.get(t, path+"/delete"), http.StatusOK, "What deleting removes", `id="delete-dns"`, "Yes, delete "+d.Host)
		if p := b.submit(t, path+"/delete", path+"/delete", nil); p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "delete-confirm") == "" {
			t.Fatalf("unticked delete: %d %q", p.Status, fieldError(p.Body, "delete-confirm"))
		}
		if _, err := e.store.GetDomain(context.Background(), models.Scope{}, d.ID); err != nil {
			t.Fatalf("an unticked delete deleted: %v", err)
		}

		// A failure past the DNS, of no recorded kind: general words, no
		// other setup offered.
		late := e.globexDomain
		dpFailDomain(t, e.store, late.ID, models.FailureNone, "", "onboarding_poll_cert", "the certificate was not issued in time")
		p = b.get(t, "/console/domains/"+late.ID)
		wantPage(t, p, http.StatusOK, `id="failure"`, "stopped at a step that failed", `id="retry"`)
		if strings.Contains(p.Body, `id="setup"`) {
			t.Error("another setup offered after a certificate failure")
		}
		if p := b.submit(t, "/console/domains/"+late.ID, "/console/domains/"+late.ID+"/configure", url.Values{"mode": {"manual"}}); p.Status != http.StatusConflict {
			t.Errorf("manual setup after a certificate failure: %d", p.Status)
		}

		// Another client's user: 404 for the page, the fragment and the
		// delete page.
		cu := newConsoleBrowser(t, e.base)
		cu.login(t, "user@acme.com", consolePassword)
		for _, p := range []string{"/console/domains/" + late.ID, "/console/domains/" + late.ID + "/live", "/console/domains/" + late.ID + "/delete"} {
			wantPage(t, cu.get(t, p), http.StatusNotFound)
		}
	})
}

// The registration panel: a forwarded login is listed with its status
// and times; Resend (the forward form again) revokes the old link;
// Revoke ends the open one and puts the domain back to pending; a closed
// link cannot be revoked again; another client's user cannot revoke.
func TestConsoleRegistrationPanel(t *testing.T) {
	t.Parallel()
	e := newConsole(t, dbtest.SQLite(t), true)
	b := newConsoleBrowser(t, e.base)
	b.login(t, "admin@example.com", consolePassword)
	d := e.acmeDomain
	path := "/console/domains/" + d.ID
	if p := b.submit(t, path, path+"/forward-login", url.Values{"email": {"ops@acme.com"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("forward: %d\n%s", p.Status, p.Body)
	}
	if p := b.submit(t, path, path+"/forward-login", url.Values{"email": {"ops@acme.com"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("resend: %d\n%s", p.Status, p.Body)
	}
	regs, err := e.store.ListRegistrations(context.Background(), models.Scope{}, models.RegistrationQuery{DomainID: d.ID})
	if err != nil || len(regs) != 2 {
		t.Fatalf("registrations: %v %d", err, len(regs))
	}
	newest, old := regs[0], regs[1]
	if old.Status != models.RegRevoked || newest.Status != models.RegSent {
		t.Fatalf("after resend: old %s, new %s", old.Status, newest.Status)
	}
	p := b.get(t, path)
	wantPage(t, p, http.StatusOK, `id="reg-`+newest.ID+`" data-status="sent"`, `id="reg-`+old.ID+`" data-status="revoked"`,
		"Sent, not opened yet", "Revoked", `id="resend"`, path+"/registrations/"+newest.ID+"/revoke")
	if strings.Contains(p.Body, path+"/registrations/"+old.ID+"/revoke") {
		t.Error("Revoke offered for a revoked link")
	}

	// Another client's user cannot revoke it.
	gu, err := e.store.CreateUser(context.Background(), models.UserInput{Email: "user@globex.com", Password: consolePassword, Role: models.RoleClient, ClientID: e.globex.ID})
	if err != nil {
		t.Fatal(err)
	}
	g := newConsoleBrowser(t, e.base)
	g.login(t, gu.Email, consolePassword)
	gp := "/console/domains/" + e.globexDomain.ID
	wantPage(t, g.submit(t, gp, path+"/registrations/"+newest.ID+"/revoke", nil), http.StatusNotFound)

	if p := b.submit(t, path, path+"/registrations/"+newest.ID+"/revoke", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d\n%s", p.Status, p.Body)
	}
	wantPage(t, b.get(t, path+"?done=revoked"), http.StatusOK, "Registration link revoked", `id="reg-`+newest.ID+`" data-status="revoked"`)
	if s := domainStatus(t, e, d.ID); s != models.StatusPending {
		t.Errorf("after revoking the only link: %s", s)
	}
	p = b.submit(t, path, path+"/registrations/"+newest.ID+"/revoke", nil)
	if p.Status != http.StatusConflict || !strings.Contains(p.Body, "nothing to revoke") {
		t.Errorf("second revoke: %d", p.Status)
	}
}

// The record-conflict words name the record in the way, with its article;
// a detail that is not a record type is not shown.
func TestConsoleFailureWords(t *testing.T) {
	t.Parallel()
	for detail, want := range map[string]string{
		"A":           "ls.acme.com already has an A record at Cloudflare",
		"TXT":         "ls.acme.com already has a TXT record at Cloudflare",
		"MX":          "ls.acme.com already has an MX record at Cloudflare",
		"":            "ls.acme.com already has another DNS record at Cloudflare",
		"<b>x</b>":    "ls.acme.com already has another DNS record at Cloudflare",
		"VERYLONGXXX": "ls.acme.com already has another DNS record at Cloudflare",
	} {
		d := &models.Domain{Host: "ls.acme.com", Apex: "acme.com", Status: models.StatusFailed,
			FailureKind: models.FailureRecordConflict, FailureDetail: detail, FailedStep: "onboarding_ensure_cname"}
		f := console.FailureOf(d)
		if !strings.HasPrefix(f.Problem, want) || !f.Switch {
			t.Errorf("%q: %q (switch %v)", detail, f.Problem, f.Switch)
		}
	}
	for _, k := range models.FailureKinds {
		d := &models.Domain{Host: "ls.acme.com", Apex: "acme.com", Status: models.StatusFailed, FailureKind: k}
		if f := console.FailureOf(d); f.Problem == "" || f.Fix == "" || strings.Contains(f.Problem, "stopped at a step") {
			t.Errorf("kind %s has no words of its own: %+v", k, f)
		}
	}
	if console.FailureOf(&models.Domain{Status: models.StatusConfigured}) != nil {
		t.Error("words for a domain that did not fail")
	}
}

package console_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// TestConsoleAttention: an admin's home lists what needs them, each row
// with its next action, and the nav counts them on every page; client
// users have no such page.
func TestConsoleAttention(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, false)
		admin := newConsoleBrowser(t, e.base)
		admin.login(t, "admin@example.com", consolePassword)
		// Nothing yet: both new domains are pending and young.
		p := admin.get(t, "/console/attention")
		wantPage(t, p, http.StatusOK, `id="attention-empty"`, `aria-current="page">Attention<`)
		if strings.Contains(p.Body, `id="attention-count"`) {
			t.Error("a nav count with nothing to do")
		}

		now := time.Now().UTC()
		if err := db.Gorm.Exec("UPDATE domains SET status = ?, status_reason = ?, status_changed_at = ?, failure_kind = ? WHERE id = ?",
			string(models.StatusFailed), "cloudflare: the token may not edit this zone", now.Add(-time.Hour), string(models.FailureDNSCredentials), e.acmeDomain.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.Exec("UPDATE domains SET status = ?, status_changed_at = ? WHERE id = ?",
			string(models.StatusDNSPending), now.Add(-30*time.Hour), e.globexDomain.ID).Error; err != nil {
			t.Fatal(err)
		}
		p = admin.get(t, "/console/attention")
		wantPage(t, p, http.StatusOK, `id="attention-failed"`, `id="attention-stuck"`,
			`href="/console/domains/`+e.acmeDomain.ID+`#failure">Fix and retry</a>`,
			`href="/console/domains/`+e.globexDomain.ID+`#dns-record">Check the DNS record</a>`,
			"Cloudflare refused the API token for acme.com", "it has been 30 h", `<code class="machine">dns_pending</code>`,
			">Acme</a>", ">Globex</a>", `id="attention-count" aria-label="2 need attention">2</span>`)
		// The count is in the nav of every page.
		wantPage(t, admin.get(t, "/console/clients"), http.StatusOK, `id="attention-count" aria-label="2 need attention">2</span>`)

		// Client users: no page, no count.
		cu := newConsoleBrowser(t, e.base)
		cu.login(t, "user@acme.com", consolePassword)
		wantPage(t, cu.get(t, "/console/attention"), http.StatusNotFound)
		if p := cu.get(t, "/console/clients/"+e.acme.ID); strings.Contains(p.Body, "attention") {
			t.Error("a client user's nav shows the Attention page")
		}
	})
}

// TestFavicon: /favicon.ico is an icon, not a 404, and the layouts link it.
func TestFavicon(t *testing.T) {
	e := newConsole(t, dbtest.SQLite(t), false)
	b := newConsoleBrowser(t, e.base)
	p := b.get(t, "/favicon.ico")
	if p.Status != http.StatusOK || p.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(p.Body, "<svg") {
		t.Fatalf("GET /favicon.ico: %d %q %.40q", p.Status, p.Header.Get("Content-Type"), p.Body)
	}
	wantPage(t, b.get(t, "/login"), http.StatusOK, `<link rel="icon" href="/favicon.ico"`)
}

// TestConsoleWordsForTheReader: a forwarded domain waits for the client
// in the admin's words and for "you" in the client's; at ssl_pending the
// certificate agrees with the status; machine values only as codes.
func TestConsoleWordsForTheReader(t *testing.T) {
	db := dbtest.SQLite(t)
	e := newConsole(t, db, false)
	admin := newConsoleBrowser(t, e.base)
	admin.login(t, "admin@example.com", consolePassword)
	cu := newConsoleBrowser(t, e.base)
	cu.login(t, "user@acme.com", consolePassword)
	dp := "/console/domains/" + e.acmeDomain.ID
	if err := db.Gorm.Exec("UPDATE domains SET status = ?, setup_mode = ? WHERE id = ?",
		string(models.StatusAwaitingClient), string(models.SetupForwardLogin), e.acmeDomain.ID).Error; err != nil {
		t.Fatal(err)
	}
	p := admin.get(t, dp)
	wantPage(t, p, http.StatusOK, `title="awaiting_client">Waiting for the client</span>`, "Forwarded to the client",
		`<code class="machine">forward_login</code>`, "DNS: Not started", "Certificate: Not requested yet")
	if strings.Contains(p.Body, "Waiting for you") || strings.Contains(p.Body, ">DNS not_started<") || strings.Contains(p.Body, "SSL none") {
		t.Errorf("the admin reads the client's words or machine values:\n%s", p.Body)
	}
	wantPage(t, cu.get(t, dp), http.StatusOK, `title="awaiting_client">Waiting for you</span>`, "You finish it with the registration link")

	if err := db.Gorm.Exec("UPDATE domains SET status = ?, dns_status = ? WHERE id = ?",
		string(models.StatusSSLPending), string(models.DNSVerified), e.acmeDomain.ID).Error; err != nil {
		t.Fatal(err)
	}
	p = admin.get(t, dp)
	wantPage(t, p, http.StatusOK, ">Getting the certificate</span>", "Certificate: Being requested from Twilio")
	if strings.Contains(p.Body, "Not requested yet") || strings.Contains(p.Body, "Issuing the certificate") {
		t.Errorf("at ssl_pending the page disagrees with itself:\n%s", p.Body)
	}
	// The status JSON the page refreshes from says the same.
	b := admin.get(t, dp+"/status")
	if !strings.Contains(b.Body, `"label":"Getting the certificate"`) || !strings.Contains(b.Body, `"ssl":"Being requested from Twilio"`) {
		t.Errorf("status JSON %s", b.Body)
	}
}

package console_test

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// trackingDomain gives the client a configured url_tracking domain (a
// test shortcut past its onboarding).
func trackingDomain(t *testing.T, e *consoleEnv, db *models.DB, clientID, host string) *models.Domain {
	t.Helper()
	d, err := e.store.CreateDomain(bg, models.Scope{}, clientID, models.DomainInput{Domain: host}, models.DNSDefaults{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm.Exec("UPDATE domains SET purpose = ?, status = ? WHERE id = ?",
		string(models.PurposeURLTracking), string(models.StatusConfigured), d.ID).Error; err != nil {
		t.Fatal(err)
	}
	return d
}

func trackingOf(t *testing.T, e *consoleEnv, clientID string) models.TrackingSettings {
	t.Helper()
	s, err := e.store.GetTracking(bg, models.Scope{}, clientID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// previewJSON posts the tracking form (with its CSRF token) to the
// preview as the page's script does (Accept: application/json).
func (b *consoleBrowser) previewJSON(t *testing.T, clientID string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", b.base+"/console/clients/"+clientID+"/tracking/preview", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	res, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("preview: %d %s", res.StatusCode, raw)
	}
	return res.StatusCode, out
}

// TestConsoleTrackingSettings: the client page's "Link tracking" panel
// saves the settings for admins and the client's own users, shows refused
// values next to their fields without changing anything, and is 404 for
// another client's user.
func TestConsoleTrackingSettings(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, false)
		own := trackingDomain(t, e, db, e.acme.ID, "go.acme.com")
		other := trackingDomain(t, e, db, e.globex.ID, "go.globex.com")
		path := "/console/clients/" + e.acme.ID
		cu := newConsoleBrowser(t, e.base)
		cu.login(t, "user@acme.com", consolePassword)
		p := cu.get(t, path)
		wantPage(t, p, http.StatusOK, `id="tracking"`, `<legend>Links to track</legend>`, `id="tracking-mode-off" name="mode" value="off"`,
			`aria-describedby="tracking-mode-off-hint" checked`, `<label for="tracking-prefix">`, `<option value="`+own.ID+`">go.acme.com</option>`,
			"The platform's domain (none is set)")
		if strings.Contains(p.Body, "go.globex.com") {
			t.Error("another client's tracking domain is offered")
		}

		// Refused: each error next to its field, the values kept, nothing saved.
		for _, tc := range []struct {
			form  url.Values
			field string
		}{
			{url.Values{"mode": {"some"}}, "tracking-mode"},
			{url.Values{"mode": {"all"}, "prefix": {"two words"}}, "tracking-prefix"},
			{url.Values{"mode": {"all"}, "prefix": {"Offers!"}}, "tracking-prefix"},
			{url.Values{"mode": {"all"}, "domain_id": {other.ID}}, "tracking-domain"},
			{url.Values{"mode": {"all"}, "domain_id": {"dom_nope"}}, "tracking-domain"},
		} {
			p := cu.submit(t, path, path+"/tracking", tc.form)
			if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, tc.field) == "" {
				t.Errorf("%v: %d %q", tc.form, p.Status, fieldError(p.Body, tc.field))
			}
			if pr := tc.form.Get("prefix"); pr != "" && !strings.Contains(p.Body, `value="`+html.EscapeString(pr)+`"`) {
				t.Errorf("%v: the prefix typed is not kept", tc.form)
			}
		}
		if s := trackingOf(t, e, e.acme.ID); s.Mode != models.TrackingOff || s.Prefix != nil || s.DomainID != nil {
			t.Fatalf("refused settings were saved: %+v", s)
		}
		// Without the CSRF token: 403.
		wantPage(t, cu.post(t, path+"/tracking", url.Values{"mode": {"all"}}), http.StatusForbidden)

		// Saved by the client's user, with a sample message posted along
		// (a textarea: line breaks allowed).
		p = cu.follow(t, cu.submit(t, path, path+"/tracking", url.Values{"mode": {"all"}, "prefix": {"offers"},
			"domain_id": {own.ID}, "sample": {"Hi\r\nhttps://acme.com/x"}}))
		wantPage(t, p, http.StatusOK, "Link tracking saved.", `id="tracking-mode-all" name="mode" value="all" aria-describedby="tracking-mode-all-hint" checked`,
			`value="offers"`, `<option value="`+own.ID+`" selected>go.acme.com</option>`)
		s := trackingOf(t, e, e.acme.ID)
		if s.Mode != models.TrackingAll || s.Prefix == nil || *s.Prefix != "offers" || s.DomainID == nil || *s.DomainID != own.ID {
			t.Fatalf("saved %+v", s)
		}
		// Saved by an admin: marked, no prefix, the platform's domain.
		admin := newConsoleBrowser(t, e.base)
		admin.login(t, "admin@example.com", consolePassword)
		wantPage(t, admin.follow(t, admin.submit(t, path, path+"/tracking", url.Values{"mode": {"marked"}, "prefix": {""}, "domain_id": {""}})),
			http.StatusOK, "Link tracking saved.")
		if s := trackingOf(t, e, e.acme.ID); s.Mode != models.TrackingMarked || s.Prefix != nil || s.DomainID != nil {
			t.Fatalf("saved by the admin %+v", s)
		}

		// Another client's user: 404 for the page, the save and the preview,
		// and nothing changes.
		if _, err := e.store.CreateUser(bg, models.UserInput{Email: "user@globex.com", Password: consolePassword, Role: models.RoleClient,
			ClientID: e.globex.ID}); err != nil {
			t.Fatal(err)
		}
		gu := newConsoleBrowser(t, e.base)
		gu.login(t, "user@globex.com", consolePassword)
		wantPage(t, gu.get(t, path), http.StatusNotFound)
		mine := "/console/clients/" + e.globex.ID
		wantPage(t, gu.submit(t, mine, path+"/tracking", url.Values{"mode": {"off"}}), http.StatusNotFound)
		wantPage(t, gu.submit(t, mine, path+"/tracking/preview", url.Values{"mode": {"all"}, "sample": {"https://acme.com"}}), http.StatusNotFound)
		if s := trackingOf(t, e, e.acme.ID); s.Mode != models.TrackingMarked {
			t.Fatalf("another client's user changed the settings: %+v", s)
		}
		// Their own page has the panel too.
		wantPage(t, gu.get(t, mine), http.StatusOK, `id="tracking-form"`, `<option value="`+other.ID+`">go.globex.com</option>`)
	})
}

var previewBody = regexp.MustCompile(`id="tracking-preview-body">([^<]*)<`)

// TestConsoleTrackingPreview: the preview rewrites the sample with the
// form's settings (saved or not) and stores nothing: as JSON for the
// page's script, and as the client page for the Preview button.
func TestConsoleTrackingPreview(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, false)
		own := trackingDomain(t, e, db, e.acme.ID, "go.acme.com")
		path := "/console/clients/" + e.acme.ID
		cu := newConsoleBrowser(t, e.base)
		cu.login(t, "user@acme.com", consolePassword)
		token := cu.csrf(t, path)
		form := func(kv ...string) url.Values {
			v := url.Values{"csrf_token": {token}}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}

		// All links, a prefix, the client's domain; the same URL twice gets
		// one short link.
		status, p := cu.previewJSON(t, e.acme.ID, form("mode", "all", "prefix", "offers", "domain_id", own.ID,
			"sample", "Sale: https://acme.com/sale?x=1 and https://acme.com/sale?x=1\r\nbye"))
		short := regexp.MustCompile(`^Sale: (https://offers\.go\.acme\.com/[0-9A-Za-z]{6}) and (https://offers\.go\.acme\.com/[0-9A-Za-z]{6})\nbye$`)
		m := short.FindStringSubmatch(p["body"].(string))
		if status != http.StatusOK || m == nil || m[1] != m[2] {
			t.Fatalf("preview: %d %v", status, p)
		}
		body := p["body"].(string)
		if p["characters"].(float64) != float64(len([]rune(body))) || p["encoding"] != models.EncodingGSM7 ||
			p["segments"].(float64) != 1 || p["links"].(float64) != 1 || !strings.Contains(p["summary"].(string), "1 segment") {
			t.Errorf("counts %v", p)
		}
		// Marked: only @-marked links; a UCS-2 body counts as such.
		_, p = cu.previewJSON(t, e.acme.ID, form("mode", "marked", "domain_id", own.ID, "sample", "Café https://a.com/x @https://b.com/y"))
		if b := p["body"].(string); !strings.HasPrefix(b, "Café https://a.com/x https://go.acme.com/") || p["encoding"] != models.EncodingGSM7 {
			t.Errorf("marked %v", p)
		}
		_, p = cu.previewJSON(t, e.acme.ID, form("mode", "all", "domain_id", own.ID, "sample", "Привет https://a.com/x"))
		if p["encoding"] != models.EncodingUCS2 || !strings.Contains(p["body"].(string), "https://go.acme.com/") {
			t.Errorf("UCS-2 %v", p)
		}
		// Off: as written.
		_, p = cu.previewJSON(t, e.acme.ID, form("mode", "off", "sample", "https://a.com/x"))
		if p["body"] != "https://a.com/x" || p["links"].(float64) != 0 {
			t.Errorf("off %v", p)
		}
		// No tracking domain anywhere: said in words, not a failure.
		status, p = cu.previewJSON(t, e.acme.ID, form("mode", "all", "sample", "https://a.com/x"))
		if status != http.StatusOK || !strings.Contains(p["error"].(string), "no configured tracking domain") {
			t.Errorf("no domain: %d %v", status, p)
		}
		// Too long.
		_, p = cu.previewJSON(t, e.acme.ID, form("mode", "off", "sample", strings.Repeat("a", 1601)))
		if !strings.Contains(fmtAny(p["error"]), "at most 1,600") {
			t.Errorf("too long: %v", p)
		}
		// Nothing was stored or saved.
		var links int64
		if err := db.Gorm.Model(&models.TrackedLink{}).Count(&links).Error; err != nil || links != 0 {
			t.Fatalf("the preview stored %d links (%v)", links, err)
		}
		if s := trackingOf(t, e, e.acme.ID); s.Mode != models.TrackingOff {
			t.Fatalf("the preview saved %+v", s)
		}

		// Without script: the Preview button shows the page with it, the
		// form's values kept.
		pg := cu.submit(t, path, path+"/tracking/preview", url.Values{"mode": {"all"}, "prefix": {"offers"}, "domain_id": {own.ID},
			"sample": {"See https://acme.com/a"}})
		wantPage(t, pg, http.StatusOK, `value="offers"`, `<option value="`+own.ID+`" selected>`, "See https://acme.com/a</textarea>",
			"1 segment; 1 link tracked")
		if mm := previewBody.FindStringSubmatch(pg.Body); mm == nil || !strings.HasPrefix(mm[1], "See https://offers.go.acme.com/") {
			t.Errorf("page preview %q", mm)
		}
		pg = cu.submit(t, path, path+"/tracking/preview", url.Values{"mode": {"all"}, "sample": {"https://acme.com/a"}})
		wantPage(t, pg, http.StatusOK, `id="tracking-preview-error">The client has no configured tracking domain`)
	})
}

func fmtAny(v any) string {
	s, _ := v.(string)
	return s
}

// TestConsoleCampaignTrackedLinks: step 1 sets a campaign's link
// tracking (refused together with link shortening, next to the field),
// and the Stats tab of a tracking campaign lists its tracked links with
// their clicks.
func TestConsoleCampaignTrackedLinks(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, false)
		own := trackingDomain(t, e, db, e.acme.ID, "go.acme.com")
		cu := newConsoleBrowser(t, e.base)
		cu.login(t, "user@acme.com", consolePassword)
		newPath := "/console/clients/" + e.acme.ID + "/campaigns/new"
		create := "/console/clients/" + e.acme.ID + "/campaigns"
		wantPage(t, cu.get(t, newPath), http.StatusOK, `<label for="campaign-tracking">`, `<option value="off" selected>Off</option>`,
			`<option value="all">All links</option>`)

		p := cu.submit(t, newPath, create, url.Values{"name": {"Tracked"}, "link_shortening": {"1"}, "tracking": {"all"}})
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "campaign-tracking") == "" ||
			!strings.Contains(p.Body, `<option value="all" selected>`) {
			t.Fatalf("both: %d %q", p.Status, fieldError(p.Body, "campaign-tracking"))
		}
		p = cu.submit(t, newPath, create, url.Values{"name": {"Tracked"}, "tracking": {"sometimes"}})
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "campaign-tracking") == "" {
			t.Fatalf("bad mode: %d %q", p.Status, fieldError(p.Body, "campaign-tracking"))
		}
		if n := len(campaignsOf(t, e, e.acme.ID)); n != 0 {
			t.Fatalf("%d campaigns stored from refused forms", n)
		}
		p = cu.submit(t, newPath, create, url.Values{"name": {"Tracked"}, "tracking": {"all"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("create: %d\n%s", p.Status, p.Body)
		}
		cs := campaignsOf(t, e, e.acme.ID)
		if len(cs) != 1 || cs[0].Tracking != models.TrackingAll || cs[0].LinkShortening {
			t.Fatalf("campaign %+v", cs[0])
		}
		cmp := cs[0]
		plain, err := e.store.CreateCampaign(bg, models.Scope{}, e.acme.ID, models.CampaignInput{Name: "Plain"})
		if err != nil {
			t.Fatal(err)
		}

		stats := "/console/campaigns/" + cmp.ID + "?tab=stats"
		wantPage(t, cu.get(t, "/console/campaigns/"+cmp.ID), http.StatusOK, `id="campaign-tracking">All links<`)
		wantPage(t, cu.get(t, stats), http.StatusOK, "<h3>Tracked links</h3>", `id="tracked-links-empty"`)
		if p := cu.get(t, "/console/campaigns/"+plain.ID+"?tab=stats"); strings.Contains(p.Body, "Tracked links") {
			t.Error("a campaign without tracking shows tracked links")
		}

		// Two messages with links, clicks on one.
		if _, err := e.store.SetTracking(bg, models.Scope{}, e.acme.ID, models.TrackingSettings{Mode: models.TrackingOff, DomainID: &own.ID}); err != nil {
			t.Fatal(err)
		}
		out, err := e.store.TrackMessages(bg, e.acme.ID, models.TrackingAll, []models.MessageToTrack{
			{Body: "https://acme.com/sale and https://acme.com/faq", CampaignID: &cmp.ID},
			{Body: "https://acme.com/sale", CampaignID: &cmp.ID}})
		if err != nil {
			t.Fatal(err)
		}
		var sale []string
		for _, m := range out {
			for _, l := range m.Links {
				if l.URL == "https://acme.com/sale" {
					sale = append(sale, l.Ref)
				}
			}
		}
		targets, err := e.store.LinkTargets(bg, sale)
		if err != nil || len(targets) != 2 {
			t.Fatalf("targets %v %v", targets, err)
		}
		now := time.Now()
		err = e.store.RecordLinkClicks(bg, []models.LinkClick{
			{Target: targets[sale[0]], Method: "GET", UserAgent: "Mozilla/5.0 (iPhone)", At: now},
			{Target: targets[sale[1]], Method: "GET", UserAgent: "Mozilla/5.0 (iPhone)", At: now},
			{Target: targets[sale[1]], Method: "HEAD", UserAgent: "facebookexternalhit/1.1", At: now}}, 0)
		if err != nil {
			t.Fatal(err)
		}
		p = cu.get(t, stats)
		wantPage(t, p, http.StatusOK, `id="tracked-links"`,
			`<tr><td><code>https://acme.com/sale</code></td><td class="num">2</td><td class="num">2</td><td class="num">1</td></tr>`,
			`<tr><td><code>https://acme.com/faq</code></td><td class="num">1</td><td class="num">0</td><td class="num">0</td></tr>`)

		// Another client's user: 404.
		if _, err := e.store.CreateUser(bg, models.UserInput{Email: "user@globex.com", Password: consolePassword, Role: models.RoleClient,
			ClientID: e.globex.ID}); err != nil {
			t.Fatal(err)
		}
		gu := newConsoleBrowser(t, e.base)
		gu.login(t, "user@globex.com", consolePassword)
		wantPage(t, gu.get(t, stats), http.StatusNotFound)
	})
}

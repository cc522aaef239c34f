package console_test

import (
	"bytes"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// postMultipart posts a multipart form (fields and one file) with the
// CSRF token of the page at from.
func (b *consoleBrowser) postMultipart(t *testing.T, from, action string, fields map[string]string, file, name string) page {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("csrf_token", b.csrf(t, from))
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if name != "" {
		fw, err := w.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write([]byte(file))
	}
	_ = w.Close()
	req, err := http.NewRequest("POST", b.base+action, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	res, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body bytes.Buffer
	_, _ = body.ReadFrom(res.Body)
	return page{Status: res.StatusCode, Location: res.Header.Get("Location"), Body: body.String(), Header: res.Header}
}

func campaignsOf(t *testing.T, e *consoleEnv, clientID string) []*models.Campaign {
	t.Helper()
	page, err := e.store.ListCampaigns(bg, models.Scope{}, models.CampaignQuery{ClientID: clientID})
	if err != nil {
		t.Fatal(err)
	}
	return page.Campaigns
}

// TestConsoleOriginators: list, add (errors next to the field), delete
// with confirmation; another client's are 404.
func TestConsoleOriginators(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, false)
		cu := newConsoleBrowser(t, e.base)
		cu.login(t, "user@acme.com", consolePassword)
		path := "/console/clients/" + e.acme.ID + "/originators"
		wantPage(t, cu.get(t, "/console/clients/"+e.acme.ID), http.StatusOK, `href="`+path+`"`)
		wantPage(t, cu.get(t, path), http.StatusOK, "No originators yet.", `<label for="originator-value">`)
		wantPage(t, cu.post(t, path, url.Values{"type": {"alpha"}, "value": {"Acme"}}), http.StatusForbidden)
		for _, tc := range []struct{ typ, value, field string }{
			{"mobile", "12", "originator-value"}, {"short_code", "12ab", "originator-value"},
			{"alpha", "123", "originator-value"}, {"fax", "Acme", "originator-type"},
		} {
			p := cu.submit(t, path, path, url.Values{"type": {tc.typ}, "value": {tc.value}})
			if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, tc.field) == "" || !strings.Contains(p.Body, `value="`+tc.value+`"`) {
				t.Errorf("%s %q: %d %q", tc.typ, tc.value, p.Status, fieldError(p.Body, tc.field))
			}
		}
		p := cu.follow(t, cu.submit(t, path, path, url.Values{"type": {"mobile"}, "value": {"447123123123"}}))
		wantPage(t, p, http.StatusOK, "Originator added.", "447123123123")
		p = cu.submit(t, path, path, url.Values{"type": {"mobile"}, "value": {"+447123123123"}})
		if p.Status != http.StatusConflict || fieldError(p.Body, "originator-value") == "" {
			t.Errorf("duplicate: %d %q", p.Status, fieldError(p.Body, "originator-value"))
		}
		page, err := e.store.ListOriginators(bg, models.Scope{}, models.OriginatorQuery{ClientID: e.acme.ID})
		if err != nil || len(page.Originators) != 1 {
			t.Fatalf("originators %v %v", page.Originators, err)
		}
		o := page.Originators[0]
		p = cu.submit(t, path, "/console/originators/"+o.ID+"/delete", nil)
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "confirm-"+o.ID) == "" {
			t.Fatalf("delete without confirmation: %d\n%s", p.Status, p.Body)
		}
		// Another client's: 404 for the page, the add and the delete.
		g, err := e.store.CreateOriginator(bg, models.Scope{}, e.globex.ID, models.OriginatorInput{Type: models.OriginatorAlpha, Value: "Globex"})
		if err != nil {
			t.Fatal(err)
		}
		wantPage(t, cu.get(t, "/console/clients/"+e.globex.ID+"/originators"), http.StatusNotFound)
		wantPage(t, cu.submit(t, path, "/console/clients/"+e.globex.ID+"/originators", url.Values{"type": {"alpha"}, "value": {"Mine"}}), http.StatusNotFound)
		wantPage(t, cu.submit(t, path, "/console/originators/"+g.ID+"/delete", url.Values{"confirm": {"1"}}), http.StatusNotFound)
		p = cu.follow(t, cu.submit(t, path, "/console/originators/"+o.ID+"/delete", url.Values{"confirm": {"1"}}))
		wantPage(t, p, http.StatusOK, "Originator deleted.", "No originators yet.")
	})
}

// TestConsoleCampaignSteps: the four steps over HTTP, with bad input at
// each (the field's error, nothing stored), the upload's outcome, submit,
// start, and the campaign page's tabs and actions.
func TestConsoleCampaignSteps(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, true)
		setStatus(t, db, e.acmeDomain.ID, models.StatusConfigured)
		orig, err := e.store.CreateOriginator(bg, models.Scope{}, e.acme.ID, models.OriginatorInput{Type: models.OriginatorAlpha, Value: "AcmeShop"})
		if err != nil {
			t.Fatal(err)
		}
		cu := newConsoleBrowser(t, e.base)
		cu.login(t, "user@acme.com", consolePassword)
		wantPage(t, cu.get(t, "/console/campaigns"), http.StatusOK, `aria-current="page">Campaigns<`, "No campaigns yet.",
			`href="/console/clients/`+e.acme.ID+`/campaigns/new">Create New Campaign`)
		newPath := "/console/clients/" + e.acme.ID + "/campaigns/new"
		create := "/console/clients/" + e.acme.ID + "/campaigns"
		wantPage(t, cu.get(t, newPath), http.StatusOK, ">AcmeShop (alpha)</option>", e.acmeDomain.Host, `<label for="campaign-name">`)

		// Step 1, refused: each error next to its field, nothing stored.
		mg := handlertest.NewMG(t)
		for _, tc := range []struct {
			form  url.Values
			field string
		}{
			{url.Values{"name": {""}}, "campaign-name"},
			{url.Values{"name": {"Spring"}, "messaging_service_sid": {"MG123"}}, "campaign-ms"},
			{url.Values{"name": {"Spring"}, "originator_id": {"org_nope"}}, "campaign-originator"},
			{url.Values{"name": {"Spring"}, "domain_ids": {e.globexDomain.ID}}, ""},
		} {
			p := cu.submit(t, newPath, create, tc.form)
			if p.Status < 400 || p.Status >= 500 {
				t.Errorf("%v: %d", tc.form, p.Status)
			}
			if tc.field != "" && fieldError(p.Body, tc.field) == "" {
				t.Errorf("%v: no error next to %s:\n%s", tc.form, tc.field, p.Body)
			}
			if !strings.Contains(p.Body, `id="step-1"`) {
				t.Errorf("%v: not step 1 again", tc.form)
			}
		}
		if n := len(campaignsOf(t, e, e.acme.ID)); n != 0 {
			t.Fatalf("refused forms stored %d campaigns", n)
		}
		p := cu.submit(t, newPath, create, url.Values{"name": {"Spring"}, "tags": {"promo, us"}, "messaging_service_sid": {mg},
			"originator_id": {orig.ID}, "domain_ids": {e.acmeDomain.ID}, "link_shortening": {"1"}})
		if p.Status != http.StatusSeeOther || !strings.HasSuffix(p.Location, "/setup?step=2") {
			t.Fatalf("create: %d %q\n%s", p.Status, p.Location, p.Body)
		}
		cs := campaignsOf(t, e, e.acme.ID)
		if len(cs) != 1 || cs[0].Name != "Spring" || cs[0].OriginatorID == nil || len(cs[0].DomainIDList()) != 1 || !cs[0].LinkShortening {
			t.Fatalf("stored %+v", cs)
		}
		c := cs[0]
		cp := "/console/campaigns/" + c.ID
		step2 := p.Location

		// Step 2: no message, ratios not adding up; then two variants.
		wantPage(t, cu.get(t, step2), http.StatusOK, `<label for="variant-body-1">`)
		p = cu.submit(t, step2, cp+"/variants", url.Values{"body": {"", "", ""}, "ratio": {"", "", ""}})
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "variants") == "" {
			t.Fatalf("no message: %d\n%s", p.Status, p.Body)
		}
		p = cu.submit(t, step2, cp+"/variants", url.Values{"body": {"Hi {{name}}", "Hello", ""}, "ratio": {"50", "30", ""}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p.Body, "variants"), "100") || !strings.Contains(p.Body, ">Hello</textarea>") {
			t.Fatalf("ratios: %d %q", p.Status, fieldError(p.Body, "variants"))
		}
		if got, _ := e.store.GetCampaign(bg, models.Scope{}, c.ID); len(got.Variants) != 0 {
			t.Fatal("refused variants were stored")
		}
		p = cu.submit(t, step2, cp+"/variants", url.Values{"body": {"Hi {{name}},\nsee acme.com", "Hello ☃", ""}, "ratio": {"70", "30", ""}})
		if p.Status != http.StatusSeeOther || !strings.HasSuffix(p.Location, "step=3") {
			t.Fatalf("variants: %d %q\n%s", p.Status, p.Location, p.Body)
		}
		step3 := p.Location

		// Step 3: nothing given, no phone column; then a file with three
		// good rows, a duplicate and a bad number.
		p = cu.submit(t, step3, cp+"/recipients", url.Values{"csv": {""}})
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "recipients-csv") == "" {
			t.Fatalf("no recipients: %d\n%s", p.Status, p.Body)
		}
		p = cu.submit(t, step3, cp+"/recipients", url.Values{"csv": {"name,number\nAnn,+447700900001"}})
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "recipients-csv") == "" {
			t.Fatalf("no phone column: %d\n%s", p.Status, p.Body)
		}
		csv := "phone,name\n+447123123001,Ann\n+447123123002,Bob\n+12025550123,Cy\n+447123123001,Ann\nnot a number,Dee\n"
		p = cu.postMultipart(t, step3, cp+"/recipients", nil, csv, "list.csv")
		if p.Status != http.StatusSeeOther {
			t.Fatalf("upload: %d\n%s", p.Status, p.Body)
		}
		p = cu.follow(t, p)
		wantPage(t, p, http.StatusOK, "3 accepted</strong>, 1 duplicates, 0 opted out, 1 rejected.", "not a number", `id="to-step-4"`)

		// Step 4: submit → ready; the US rotation warning; start.
		step4 := cp + "/setup?step=4"
		p = cu.follow(t, cu.submit(t, step4, cp+"/submit", nil))
		wantPage(t, p, http.StatusOK, `data-value="ready"`, "Ready to start", `id="start"`)
		wantPage(t, cu.get(t, cp), http.StatusOK, `id="rotation-warning"`, "US carriers forbid cycling URLs across domains",
			"UCS-2, 1 segment", "GSM-7", `id="start"`, `id="abort"`)
		// Ready: a domain may still be added on the Domains tab.
		a2, err := e.store.CreateDomain(bg, models.Scope{}, e.acme.ID, models.DomainInput{Domain: "acme2.com"}, models.DNSDefaults{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		wantPage(t, cu.get(t, cp+"?tab=domains"), http.StatusOK, `<option value="`+a2.ID+`">`)
		p = cu.submit(t, cp+"?tab=domains", cp+"/domains", url.Values{"domain_id": {e.globexDomain.ID}})
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "add-domain-id") == "" {
			t.Errorf("another client's domain: %d %q", p.Status, fieldError(p.Body, "add-domain-id"))
		}
		p = cu.follow(t, cu.submit(t, cp+"?tab=domains", cp+"/domains", url.Values{"domain_id": {a2.ID}}))
		wantPage(t, p, http.StatusOK, "Domain added to the campaign.", ">"+a2.Host+"</a>")
		p = cu.follow(t, cu.submit(t, cp, cp+"/start", nil))
		if p.Status != http.StatusOK || !strings.Contains(p.Body, "Campaign started") {
			t.Fatalf("start: %d\n%s", p.Status, p.Body)
		}
		got, err := e.store.GetCampaign(bg, models.Scope{}, c.ID)
		if err != nil || got.Status == models.CampaignReady || got.Status == models.CampaignDraft {
			t.Fatalf("after start: %v %v", got.Status, err)
		}
		// Stats and connectors render.
		wantPage(t, cu.get(t, cp+"?tab=stats"), http.StatusOK, `id="stat-sent"`, `id="stat-click-rate"`, "USD")
		wantPage(t, cu.get(t, cp+"?tab=connectors"), http.StatusOK, mg)
		// Listed with its friendly status; filters.
		wantPage(t, cu.get(t, "/console/campaigns?q=spr"), http.StatusOK, ">Spring</a>")
		wantPage(t, cu.get(t, "/console/campaigns?tag=promo"), http.StatusOK, ">Spring</a>")
		if p := cu.get(t, "/console/campaigns?status=draft"); strings.Contains(p.Body, ">Spring</a>") {
			t.Error("the status filter kept a started campaign")
		}
		wantPage(t, cu.get(t, "/console/campaigns?status=nonsense"), http.StatusUnprocessableEntity)
	})
}

// TestConsoleCampaignActions: pause, resume, the refusals in plain words
// (a suspended campaign with no domain that can send), ratios while
// running; and tenant isolation.
func TestConsoleCampaignActions(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, true)
		one := 100
		body := "Hi"
		c, err := e.store.CreateCampaign(bg, models.Scope{}, e.acme.ID, models.CampaignInput{Name: "Run", MessagingServiceSID: handlertest.NewMG(t),
			Variants: []models.VariantInput{{Body: &body, Ratio: &one}}})
		if err != nil {
			t.Fatal(err)
		}
		set := func(s models.CampaignStatus, reason string) {
			t.Helper()
			if err := db.Gorm.Exec("UPDATE campaigns SET status = ?, status_reason = ? WHERE id = ?", string(s), reason, c.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
		cu := newConsoleBrowser(t, e.base)
		cu.login(t, "user@acme.com", consolePassword)
		cp := "/console/campaigns/" + c.ID
		// The engine's first campaign sweep gives every sending campaign a
		// sending job, which would finish this one (no recipients) under
		// the statuses the test sets: let it pass first (the next is a
		// minute away).
		waitJobs(t, db, 1, "campaign_sweep", "campaign_send")

		// Sending: Pause and Cancel, no Resume or Start.
		set(models.CampaignSending, "sending")
		p := cu.get(t, cp)
		wantPage(t, p, http.StatusOK, `id="pause"`, `id="abort"`, `<label class="inline-label" for="ratio-`)
		if strings.Contains(p.Body, `id="resume"`) || strings.Contains(p.Body, `id="start"`) {
			t.Error("a sending campaign offers resume or start")
		}
		wantPage(t, cu.post(t, cp+"/pause", nil), http.StatusForbidden)
		p = cu.follow(t, cu.submit(t, cp, cp+"/pause", nil))
		wantPage(t, p, http.StatusOK, "Campaign paused.", `data-value="paused"`, `id="resume"`)
		// Pausing again (a stale page): the refusal in words, as a flash.
		p = cu.submit(t, cp, cp+"/pause", nil)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("second pause: %d\n%s", p.Status, p.Body)
		}
		wantPage(t, cu.follow(t, p), http.StatusOK, `id="campaign-problem"`, "This cannot be done now")
		if !strings.Contains(cu.get(t, cp).Body, `data-value="paused"`) || strings.Contains(cu.get(t, cp).Body, `id="campaign-problem"`) {
			t.Error("the flash is shown twice, or the status moved")
		}

		// Suspended with no domain that can send: resume says so.
		set(models.CampaignSuspended, "all domains reached their messaging limit")
		wantPage(t, cu.get(t, "/console/campaigns"), http.StatusOK, `title="all domains reached their messaging limit"`, "Suspended by linkgate")
		p = cu.follow(t, cu.submit(t, cp, cp+"/resume", nil))
		wantPage(t, p, http.StatusOK, "None of this campaign&#39;s domains can send right now")
		if got, _ := e.store.GetCampaign(bg, models.Scope{}, c.ID); got.Status != models.CampaignSuspended {
			t.Fatalf("a refused resume moved it to %s", got.Status)
		}

		// Ratios while running: bad, then saved.
		vid := c.Variants[0].ID
		p = cu.submit(t, cp, cp+"/ratios", url.Values{"ratio_" + vid: {"x"}})
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "ratios") == "" {
			t.Errorf("bad ratio: %d %q", p.Status, fieldError(p.Body, "ratios"))
		}
		p = cu.submit(t, cp, cp+"/ratios", url.Values{"ratio_" + vid: {"90"}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p.Body, "ratios"), "100") {
			t.Errorf("ratio 90: %d %q", p.Status, fieldError(p.Body, "ratios"))
		}
		wantPage(t, cu.follow(t, cu.submit(t, cp, cp+"/ratios", url.Values{"ratio_" + vid: {"100"}})), http.StatusOK, "Ratios saved")
		// Running: domains may still be added (quick add), and the
		// Connectors tab offers the move of the Messaging Service.
		if !strings.Contains(cu.get(t, cp+"?tab=domains").Body, `id="add-domain"`) {
			t.Error("a running campaign does not offer the quick add")
		}
		// Cancel.
		p = cu.follow(t, cu.submit(t, cp, cp+"/abort", nil))
		wantPage(t, p, http.StatusOK, "Campaign cancelled.", `data-value="aborted"`)
		if strings.Contains(p.Body, `id="abort"`) || strings.Contains(p.Body, `id="resume"`) {
			t.Error("a cancelled campaign offers actions")
		}

		// Tenant isolation: Globex's campaign is 404 for Acme's user, in
		// every page and action; the admin sees it, and filters by client.
		g, err := e.store.CreateCampaign(bg, models.Scope{}, e.globex.ID, models.CampaignInput{Name: "Theirs"})
		if err != nil {
			t.Fatal(err)
		}
		gp := "/console/campaigns/" + g.ID
		for _, path := range []string{gp, gp + "?tab=stats", gp + "/setup?step=3", "/console/clients/" + e.globex.ID + "/campaigns/new",
			"/console/campaigns?client_id=" + e.globex.ID} {
			if path == "/console/campaigns?client_id="+e.globex.ID {
				if strings.Contains(cu.get(t, path).Body, "Theirs") {
					t.Errorf("GET %s shows another client's campaign", path)
				}
				continue
			}
			wantPage(t, cu.get(t, path), http.StatusNotFound)
		}
		for _, a := range []string{"/pause", "/resume", "/abort", "/start", "/submit", "/ratios", "/domains", "/variants", "/recipients"} {
			wantPage(t, cu.submit(t, cp, gp+a, url.Values{"domain_id": {e.acmeDomain.ID}, "body": {"x"}, "csv": {"phone"}}), http.StatusNotFound)
		}
		wantPage(t, cu.submit(t, cp, "/console/clients/"+e.globex.ID+"/campaigns", url.Values{"name": {"Mine"}}), http.StatusNotFound)
		if strings.Contains(cu.get(t, "/console/campaigns").Body, "Theirs") {
			t.Error("a client user lists another client's campaign")
		}
		if got, _ := e.store.GetCampaign(bg, models.Scope{}, g.ID); got.Status != models.CampaignDraft || got.RecipientCount != 0 {
			t.Errorf("another client's campaign changed: %s %d", got.Status, got.RecipientCount)
		}
		admin := newConsoleBrowser(t, e.base)
		admin.login(t, "admin@example.com", consolePassword)
		p = admin.get(t, "/console/campaigns?client_id="+e.globex.ID)
		wantPage(t, p, http.StatusOK, ">Theirs</a>", `href="/console/clients/`+e.globex.ID+`/campaigns/new"`)
		if strings.Contains(p.Body, ">Run</a>") {
			t.Error("the client filter kept another client's campaign")
		}
		wantPage(t, admin.get(t, "/console/campaigns"), http.StatusOK, ">Theirs</a>", ">Run</a>", `id="new-client"`)
		p = admin.get(t, "/console/campaigns/new?client_id="+e.globex.ID)
		if p.Status != http.StatusFound || p.Location != "/console/clients/"+e.globex.ID+"/campaigns/new" {
			t.Errorf("new for a client: %d %q", p.Status, p.Location)
		}
	})
}

// TestConsoleCampaignsRefuseBadText: the text rules on the campaign and
// originator forms (422 naming the field, nothing stored); the message
// body and the pasted CSV may hold line breaks, nothing else may.
func TestConsoleCampaignsRefuseBadText(t *testing.T) {
	db := dbtest.SQLite(t)
	e := newConsole(t, db, false)
	cu := newConsoleBrowser(t, e.base)
	cu.login(t, "user@acme.com", consolePassword)
	newPath := "/console/clients/" + e.acme.ID + "/campaigns/new"
	create := "/console/clients/" + e.acme.ID + "/campaigns"
	wantPage(t, cu.submit(t, newPath, create, url.Values{"name": {"Spr\x00ing"}}), http.StatusUnprocessableEntity, "name", "NUL")
	wantPage(t, cu.submit(t, newPath, create, url.Values{"name": {"Spring\nsale"}}), http.StatusUnprocessableEntity, "name")
	wantPage(t, cu.submit(t, newPath, create, url.Values{"name": {"Spring"}, "tags": {"a\u200bb"}}), http.StatusUnprocessableEntity, "zero-width")
	if n := len(campaignsOf(t, e, e.acme.ID)); n != 0 {
		t.Fatalf("refused forms stored %d campaigns", n)
	}
	wantPage(t, cu.get(t, "/console/campaigns?q=a%00b"), http.StatusUnprocessableEntity, "NUL")
	wantPage(t, cu.get(t, "/console/campaigns?tag=%E2%80%AEx"), http.StatusUnprocessableEntity, "bidirectional")
	orig := "/console/clients/" + e.acme.ID + "/originators"
	wantPage(t, cu.submit(t, orig, orig, url.Values{"type": {"alpha"}, "value": {"Ac\x07me"}}), http.StatusUnprocessableEntity, "control")

	c, err := e.store.CreateCampaign(bg, models.Scope{}, e.acme.ID, models.CampaignInput{Name: "Spring"})
	if err != nil {
		t.Fatal(err)
	}
	cp := "/console/campaigns/" + c.ID
	step2 := cp + "/setup?step=2"
	wantPage(t, cu.submit(t, step2, cp+"/variants", url.Values{"body": {"Hi\u202e"}, "ratio": {""}}), http.StatusUnprocessableEntity, "bidirectional")
	p := cu.submit(t, step2, cp+"/variants", url.Values{"body": {"Line one\r\nline two", "", ""}, "ratio": {"", "", ""}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("a two-line message: %d\n%s", p.Status, p.Body)
	}
	got, err := e.store.GetCampaign(bg, models.Scope{}, c.ID)
	if err != nil || len(got.Variants) != 1 || got.Variants[0].Body != "Line one\nline two" || got.Variants[0].Ratio != 100 {
		t.Fatalf("stored %+v %v", got.Variants, err)
	}
	step3 := cp + "/setup?step=3"
	wantPage(t, cu.submit(t, step3, cp+"/recipients", url.Values{"csv": {"phone\r\n+447123123001\x00"}}), http.StatusUnprocessableEntity, "NUL")
	if got, _ := e.store.GetCampaign(bg, models.Scope{}, c.ID); got.RecipientCount != 0 {
		t.Fatal("a refused upload stored recipients")
	}
	// Without a key ring for the flash, the outcome is the POST's answer.
	p = cu.submit(t, step3, cp+"/recipients", url.Values{"csv": {"phone\r\n+447123123001\r\n"}})
	if p.Status == http.StatusSeeOther {
		p = cu.follow(t, p)
	}
	wantPage(t, p, http.StatusOK, "1 accepted</strong>")
}

// TestConsoleCampaignsPages: keyset pages of 50, the filters kept.
func TestConsoleCampaignsPages(t *testing.T) {
	db := dbtest.SQLite(t)
	e := newConsole(t, db, false)
	for i := 0; i < 51; i++ {
		if _, err := e.store.CreateCampaign(bg, models.Scope{}, e.acme.ID, models.CampaignInput{Name: "Bulk " + strconv.Itoa(i), Tags: []string{"many"}}); err != nil {
			t.Fatal(err)
		}
	}
	admin := newConsoleBrowser(t, e.base)
	admin.login(t, "admin@example.com", consolePassword)
	p := admin.get(t, "/console/campaigns?tag=many&client_id="+e.acme.ID)
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next">Next page</a>`).FindStringSubmatch(p.Body)
	if next == nil || strings.Count(p.Body, `href="/console/campaigns/cmp_`) != 50 {
		t.Fatalf("first page: %d rows, next %v", strings.Count(p.Body, `href="/console/campaigns/cmp_`), next)
	}
	u := html.UnescapeString(next[1])
	if !strings.Contains(u, "tag=many") || !strings.Contains(u, "client_id="+e.acme.ID) {
		t.Errorf("next page %q lost the filters", u)
	}
	p = admin.get(t, u)
	if strings.Count(p.Body, `href="/console/campaigns/cmp_`) != 1 || !strings.Contains(p.Body, "First page") || strings.Contains(p.Body, "Next page") {
		t.Errorf("second page:\n%s", p.Body)
	}
}

// TestConsoleCampaignConnector: the Connectors tab moves a running
// campaign's Messaging Service to another of its configured domains, at
// Twilio too, and that domain becomes the active one; another client's
// domain is not found.
func TestConsoleCampaignConnector(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, true)
		w := e.wf
		d1 := w.ConfiguredDomain(t, w.Admin, e.acme.ID, "alpha.com")
		d2 := w.ConfiguredDomain(t, w.Admin, e.acme.ID, "beta.com")
		one, body, mg := 100, "Hi", handlertest.NewMG(t)
		c, err := e.store.CreateCampaign(bg, models.Scope{}, e.acme.ID, models.CampaignInput{Name: "Run", MessagingServiceSID: mg,
			Variants: []models.VariantInput{{Body: &body, Ratio: &one}}, Domains: &models.CampaignDomainsInput{DomainIDs: []string{d1.ID, d2.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.Exec("UPDATE campaigns SET status = ? WHERE id = ?", string(models.CampaignPaused), c.ID).Error; err != nil {
			t.Fatal(err)
		}
		cu := newConsoleBrowser(t, e.base)
		cu.login(t, "user@acme.com", consolePassword)
		cp := "/console/campaigns/" + c.ID
		wantPage(t, cu.get(t, cp+"?tab=connectors"), http.StatusOK, `id="connect-domain"`, `<option value="`+d2.ID+`">`+d2.Host)
		p := cu.follow(t, cu.submit(t, cp+"?tab=connectors", cp+"/connectors", url.Values{"domain_id": {d2.ID}}))
		wantPage(t, p, http.StatusOK, "The Messaging Service now sends through that domain.", `id="connector-domain">`+d2.Host)
		got, err := e.store.GetCampaign(bg, models.Scope{}, c.ID)
		if err != nil || got.ActiveDomainID == nil || *got.ActiveDomainID != d2.ID {
			t.Fatalf("active domain: %v %v", got.ActiveDomainID, err)
		}
		for _, td := range w.TW.Domains() {
			if td.Name == d2.Host && (len(td.MessagingServices) != 1 || td.MessagingServices[0] != mg) {
				t.Errorf("Twilio: %s has %v, want %s", td.Name, td.MessagingServices, mg)
			}
		}
		// Another client's domain: not found, nothing moved.
		wantPage(t, cu.submit(t, cp+"?tab=connectors", cp+"/connectors", url.Values{"domain_id": {e.globexDomain.ID}}), http.StatusNotFound)
		if got, _ := e.store.GetCampaign(bg, models.Scope{}, c.ID); got.ActiveDomainID == nil || *got.ActiveDomainID != d2.ID {
			t.Errorf("a refused move changed the active domain: %v", got.ActiveDomainID)
		}
	})
}

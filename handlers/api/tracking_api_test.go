package api_test

// Tracked links through the API (API.md "Tracked links"), on SQLite and
// PostgreSQL: the settings and their refusals, the rewrite (all and
// marked, scheme kept, one ref per repeated URL, refs differ between
// messages, at most 21 characters on a 6-character host), the short link
// redirecting with a 302 through the redirector in front of the kit,
// /tls/ask, and link_shortening refused together with tracking.

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/handlers/redirect"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/shortlink"
)

type rewriteReply struct {
	Body     string           `json:"body"`
	Links    []shortlink.Link `json:"links"`
	Segments int              `json:"segments"`
	Encoding string           `json:"encoding"`
}

func TestTrackingSettingsAPI(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		cl := e.CreateClient(t, "Acme", "owner@acme.com")
		other := e.CreateClient(t, "Other", "owner@other.com")
		key := e.ClientKey(t, cl.ID).Key
		path := "/api/v1/clients/" + cl.ID + "/tracking"
		got := handlertest.Decode[models.TrackingSettings](t, e.Do(t, "GET", path, key, nil).Want(t, http.StatusOK))
		if got.Mode != models.TrackingOff || got.Prefix != nil || got.DomainID != nil {
			t.Fatalf("default settings %+v", got)
		}
		got = handlertest.Decode[models.TrackingSettings](t, e.Do(t, "PUT", path, key,
			map[string]any{"mode": "all", "prefix": "offers", "domain_id": nil}).Want(t, http.StatusOK))
		if got.Mode != models.TrackingAll || got.Prefix == nil || *got.Prefix != "offers" {
			t.Fatalf("saved %+v", got)
		}
		ls := e.CreateDomain(t, e.Admin, cl.ID, map[string]any{"domain": "acme.com"})
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"mode": "sometimes"}, "mode"},
			{map[string]any{}, "mode"},
			{map[string]any{"mode": "all", "prefix": "two words"}, "prefix"},
			{map[string]any{"mode": "all", "prefix": "Offers"}, "prefix"},
			{map[string]any{"mode": "all", "prefix": "a.b"}, "prefix"},
			{map[string]any{"mode": "all", "domain_id": "dom_nope"}, "domain_id"},
			{map[string]any{"mode": "all", "domain_id": ls.ID}, "domain_id"}, // link_shortening, not url_tracking
		} {
			handlertest.WantProblem(t, e.Do(t, "PUT", path, key, tc.body), http.StatusUnprocessableEntity, "invalid_tracking", tc.field)
		}
		// Refusals changed nothing; another client's key sees no such client.
		again := handlertest.Decode[models.TrackingSettings](t, e.Do(t, "GET", path, key, nil).Want(t, http.StatusOK))
		if again.Mode != models.TrackingAll || *again.Prefix != "offers" {
			t.Fatalf("after refusals %+v", again)
		}
		handlertest.WantProblem(t, e.Do(t, "PUT", path, e.ClientKey(t, other.ID).Key, map[string]any{"mode": "off"}), http.StatusNotFound, "not_found")
	})
}

func TestRewriteAndRedirectAPI(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		e.Store.SetTrackingDomain("dyn.co")
		cl := e.CreateClient(t, "Acme", "owner@acme.com")
		key := e.ClientKey(t, cl.ID).Key
		set := func(mode string) {
			e.Do(t, "PUT", "/api/v1/clients/"+cl.ID+"/tracking", key, map[string]any{"mode": mode}).Want(t, http.StatusOK)
		}
		rewrite := func(body string) rewriteReply {
			return handlertest.Decode[rewriteReply](t, e.Do(t, "POST", "/api/v1/links/rewrite", key,
				map[string]any{"client_id": cl.ID, "body": body}).Want(t, http.StatusOK))
		}
		msg := "Sale https://acme.com/spring?utm=sms, again https://acme.com/spring?utm=sms, shop @http://shop.acme.com/x"
		set("off")
		if r := rewrite(msg); r.Body != msg || len(r.Links) != 0 {
			t.Fatalf("off rewrote %+v", r)
		}
		set("all")
		a, b := rewrite(msg), rewrite(msg)
		if len(a.Links) != 2 || a.Links[0].URL != "https://acme.com/spring?utm=sms" || a.Links[1].URL != "http://shop.acme.com/x" {
			t.Fatalf("links %+v", a.Links)
		}
		want := "Sale " + a.Links[0].ShortURL + ", again " + a.Links[0].ShortURL + ", shop " + a.Links[1].ShortURL
		if a.Body != want || !strings.HasPrefix(a.Links[0].ShortURL, "https://dyn.co/") || !strings.HasPrefix(a.Links[1].ShortURL, "http://dyn.co/") {
			t.Fatalf("body %q, want %q", a.Body, want)
		}
		if len(a.Links[0].ShortURL) > 21 || a.Segments != 1 || a.Encoding != "GSM-7" {
			t.Fatalf("short URL %q (%d), %d segments %s", a.Links[0].ShortURL, len(a.Links[0].ShortURL), a.Segments, a.Encoding)
		}
		if a.Links[0].Ref == b.Links[0].Ref || a.Links[1].Ref == b.Links[1].Ref {
			t.Fatalf("two messages share refs: %+v %+v", a.Links, b.Links)
		}
		set("marked")
		m := rewrite(msg)
		if len(m.Links) != 1 || m.Links[0].URL != "http://shop.acme.com/x" ||
			m.Body != "Sale https://acme.com/spring?utm=sms, again https://acme.com/spring?utm=sms, shop "+m.Links[0].ShortURL {
			t.Fatalf("marked %+v", m)
		}

		// Bad input: named, nothing stored.
		var before int64
		db.Gorm.Model(&models.TrackedLink{}).Count(&before)
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/links/rewrite", key, map[string]any{"client_id": cl.ID,
			"body": strings.Repeat("a", 1601)}), http.StatusUnprocessableEntity, "invalid_rewrite", "body")
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/links/rewrite", key, map[string]any{"body": "x"}),
			http.StatusUnprocessableEntity, "invalid_rewrite", "client_id")
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/links/rewrite", key, map[string]any{"client_id": cl.ID,
			"body": "x https://a.com", "campaign_id": "cmp_nope"}), http.StatusUnprocessableEntity, "unknown_campaign", "campaign_id")
		var after int64
		db.Gorm.Model(&models.TrackedLink{}).Count(&after)
		if after != before {
			t.Fatalf("refused rewrites stored %d links", after-before)
		}

		// The short link redirects through the redirector in front of the
		// kit; the API itself still answers on its own host.
		rd, err := redirect.New(redirect.Config{Store: e.Store, Logger: handlertest.DiscardLogger(), JournalDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(rd.Close)
		front := httptest.NewServer(rd.Wrap(e.Handler))
		t.Cleanup(front.Close)
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		req, _ := http.NewRequest("GET", front.URL+"/"+a.Links[0].Ref, nil)
		req.Host = "dyn.co"
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://acme.com/spring?utm=sms" {
			t.Fatalf("short link = %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, err = noFollow.Get(front.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/healthz through the redirector = %d", resp.StatusCode)
		}

		// The on-demand TLS check.
		e.Do(t, "GET", "/tls/ask?domain=dyn.co", "", nil).Want(t, http.StatusOK)
		e.Do(t, "GET", "/tls/ask?domain=offers.dyn.co", "", nil).Want(t, http.StatusOK)
		handlertest.WantProblem(t, e.Do(t, "GET", "/tls/ask?domain=acme.com", "", nil), http.StatusNotFound, "not_found")
		handlertest.WantProblem(t, e.Do(t, "GET", "/tls/ask", "", nil), http.StatusNotFound, "not_found")
	})
}

func TestCampaignTrackingRefusesLinkShortening(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		cl := e.CreateClient(t, "Acme", "owner@acme.com")
		key := e.ClientKey(t, cl.ID).Key
		path := "/api/v1/clients/" + cl.ID + "/campaigns"
		handlertest.WantProblem(t, e.Do(t, "POST", path, key, map[string]any{"name": "both", "link_shortening": true, "tracking": "all"}),
			http.StatusUnprocessableEntity, "invalid_campaign", "tracking")
		c := handlertest.Decode[models.CampaignView](t, e.Do(t, "POST", path, key, map[string]any{"name": "tracked", "tracking": "marked"}).Want(t, http.StatusCreated))
		if c.LinkShortening || c.Tracking != models.TrackingMarked {
			t.Fatalf("tracked campaign %+v", c)
		}
		// Its tracked links (none sent yet), and another client's key sees no such campaign.
		links := handlertest.Decode[struct {
			Data []models.CampaignLinkStat `json:"data"`
		}](t, e.Do(t, "GET", "/api/v1/campaigns/"+c.ID+"/links", key, nil).Want(t, http.StatusOK))
		if links.Data == nil || len(links.Data) != 0 {
			t.Fatalf("links %+v", links)
		}
		other := e.CreateClient(t, "Other", "owner@other.com")
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/campaigns/"+c.ID+"/links", e.ClientKey(t, other.ID).Key, nil), http.StatusNotFound, "not_found")
		handlertest.WantProblem(t, e.Do(t, "PATCH", "/api/v1/campaigns/"+c.ID, key, map[string]any{"link_shortening": true}),
			http.StatusUnprocessableEntity, "invalid_campaign", "tracking")
		c2 := handlertest.Decode[models.CampaignView](t, e.Do(t, "POST", path, key, map[string]any{"name": "twilio"}).Want(t, http.StatusCreated))
		c2 = handlertest.Decode[models.CampaignView](t, e.Do(t, "PATCH", "/api/v1/campaigns/"+c2.ID, key, map[string]any{"tracking": "all"}).Want(t, http.StatusOK))
		if c2.LinkShortening || c2.Tracking != models.TrackingAll {
			t.Fatalf("patched campaign %+v", c2)
		}
	})
}

package redirect_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers/redirect"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

const platform = "dyn.test"

// env is a redirector on a real database in front of a "next" handler
// that answers 299 (so a request that passed through is plain to see).
type env struct {
	store  *models.Store
	db     *models.DB
	srv    *httptest.Server
	rd     *redirect.Redirector
	client *models.Client
}

func newEnv(t *testing.T, db *models.DB) env {
	t.Helper()
	store := models.NewStore(db, nil)
	store.SetTrackingDomain(platform)
	cl, err := store.CreateClient(context.Background(), models.ClientInput{Name: "Acme", Email: "ops@acme.com",
		FallbackURL: "https://acme.com/fallback"})
	if err != nil {
		t.Fatal(err)
	}
	rd, err := redirect.New(redirect.Config{Store: store, Logger: slog.New(slog.DiscardHandler), JournalDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	srv := httptest.NewServer(rd.Wrap(next))
	t.Cleanup(func() { srv.Close(); rd.Close() })
	return env{store: store, db: db, srv: srv, rd: rd, client: cl}
}

// get asks the server for path with host as the Host header, without
// following redirects.
func (e env) do(t *testing.T, method, host, path, ua string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("User-Agent", ua)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	// The click is in the journal; wait until it is in the database too.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.rd.Flush(ctx); err != nil {
		t.Fatalf("clicks not stored: %v", err)
	}
	return resp
}

const phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"

func (e env) rewrite(t *testing.T, mode models.Tracking, body string) (string, []string) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.store.SetTracking(ctx, models.Scope{}, e.client.ID, models.TrackingSettings{Mode: mode}); err != nil {
		t.Fatal(err)
	}
	out, err := e.store.Rewrite(ctx, models.Scope{}, models.RewriteInput{ClientID: e.client.ID, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, l := range out.Links {
		paths = append(paths, "/"+l.Ref)
	}
	return out.Body, paths
}

func clicks(t *testing.T, db *models.DB, kind models.ClickKind) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm.Model(&models.LinkClickRow{}).Where("kind = ?", kind).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRedirector(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newEnv(t, db)
		body, paths := e.rewrite(t, models.TrackingAll, "Sale https://acme.com/offer?x=1 and http://acme.com/b")
		if len(paths) != 2 || !strings.Contains(body, "https://"+platform+paths[0]) || !strings.Contains(body, "http://"+platform+paths[1]) {
			t.Fatalf("rewritten %q (%v)", body, paths)
		}

		resp := e.do(t, "GET", platform, paths[0], phone)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://acme.com/offer?x=1" {
			t.Fatalf("GET = %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Set-Cookie") != "" {
			t.Fatalf("headers %v", resp.Header)
		}
		// HEAD and a previewer are answered and counted as automated.
		if resp := e.do(t, "HEAD", strings.ToUpper(platform)+":443", paths[1], phone); resp.StatusCode != http.StatusFound {
			t.Fatalf("HEAD = %d", resp.StatusCode)
		}
		if resp := e.do(t, "GET", platform, paths[1], "facebookexternalhit/1.1"); resp.StatusCode != http.StatusFound {
			t.Fatalf("preview GET = %d", resp.StatusCode)
		}
		if h, a := clicks(t, db, models.ClickHuman), clicks(t, db, models.ClickAutomated); h != 1 || a != 2 {
			t.Fatalf("clicks human %d automated %d, want 1 and 2", h, a)
		}

		// Not refs, odd methods: answered without a click.
		for _, tc := range []struct {
			method, path string
			want         int
		}{
			{"POST", paths[0], http.StatusMethodNotAllowed},
			{"DELETE", paths[0], http.StatusMethodNotAllowed},
			{"GET", "/ab-cd", http.StatusNotFound},
			{"GET", "/" + strings.Repeat("a", 40), http.StatusNotFound},
			{"GET", paths[0] + "/more", http.StatusNotFound},
			{"GET", "/", http.StatusNotFound},
			{"GET", "/zzzzzz", http.StatusNotFound}, // unknown on the platform's host: no client, no fallback
		} {
			if resp := e.do(t, tc.method, platform, tc.path, phone); resp.StatusCode != tc.want {
				t.Errorf("%s %s = %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
			}
		}
		if n := clicks(t, db, models.ClickHuman) + clicks(t, db, models.ClickAutomated); n != 3 {
			t.Fatalf("%d clicks after bad requests, want 3", n)
		}

		// Other hosts pass through; a ref answers only on its own host.
		if resp := e.do(t, "GET", "linkgate.example", paths[0], phone); resp.StatusCode != 299 {
			t.Fatalf("other host = %d, want the next handler", resp.StatusCode)
		}
		if resp := e.do(t, "GET", "offers."+platform, paths[0], phone); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("ref on another tracking host = %d, want 404", resp.StatusCode)
		}
	})
}

func TestRedirectorPrefixAndFallback(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		word := "offers"
		if _, err := e.store.SetTracking(ctx, models.Scope{}, e.client.ID, models.TrackingSettings{Mode: models.TrackingMarked, Prefix: &word}); err != nil {
			t.Fatal(err)
		}
		out, err := e.store.Rewrite(ctx, models.Scope{}, models.RewriteInput{ClientID: e.client.ID,
			Body: "keep https://acme.com/a, track @https://acme.com/b"})
		if err != nil {
			t.Fatal(err)
		}
		want := "keep https://acme.com/a, track https://offers." + platform + "/" + out.Links[0].Ref
		if out.Body != want || len(out.Links) != 1 {
			t.Fatalf("body %q, want %q", out.Body, want)
		}
		if resp := e.do(t, "GET", "offers."+platform, "/"+out.Links[0].Ref, phone); resp.Header.Get("Location") != "https://acme.com/b" {
			t.Fatalf("prefixed host = %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		// The client's own tracking domain: an unknown ref goes to its
		// fallback URL (once the redirector has read the new host).
		d, err := e.store.CreateDomain(ctx, models.Scope{}, e.client.ID, models.DomainInput{Domain: "go.acme.com",
			Purpose: models.PurposeURLTracking}, models.DNSDefaults{TrackingTarget: "track.linkgate.test."}, "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.Model(&models.Domain{}).Where("id = ?", d.ID).Update("status", models.StatusConfigured).Error; err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{d.Host, "offers." + d.Host} {
			if ok, err := e.store.IsTrackingHost(ctx, h); err != nil || !ok {
				t.Fatalf("IsTrackingHost(%q) = %v, %v; want true", h, ok, err)
			}
		}
		rd, err := redirect.New(redirect.Config{Store: e.store, Logger: slog.New(slog.DiscardHandler), JournalDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		defer rd.Close()
		srv := httptest.NewServer(rd.Wrap(http.NotFoundHandler()))
		defer srv.Close()
		e2 := e
		e2.srv = srv
		resp := e2.do(t, "GET", d.Host, "/nothing1", phone)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://acme.com/fallback" {
			t.Fatalf("unknown ref on the client's domain = %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

// TestRedirectorGroupCommit: many clicks at once are each stored once and
// answered; the answers and the stored clicks agree.
func TestRedirectorGroupCommit(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newEnv(t, db)
		var paths []string
		for i := range 20 {
			_, p := e.rewrite(t, models.TrackingAll, fmt.Sprintf("m https://acme.com/%d https://acme.com/x%d", i, i))
			paths = append(paths, p...)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		found := 0
		for i := range 200 {
			wg.Go(func() {
				resp := e.do(t, "GET", platform, paths[i%len(paths)], phone)
				if resp.StatusCode == http.StatusFound {
					mu.Lock()
					found++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if found != 200 {
			t.Fatalf("%d of 200 answered 302", found)
		}
		if n := clicks(t, db, models.ClickHuman); n != 200 {
			t.Fatalf("%d clicks stored, want 200", n)
		}
	})
}

func TestTLSAskHosts(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		for host, want := range map[string]bool{platform: true, "OFFERS." + platform + ".": true, "a.b." + platform: false,
			"acme.com": false, "": false, "two words." + platform: false} {
			got, err := e.store.IsTrackingHost(ctx, host)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("IsTrackingHost(%q) = %v, want %v", host, got, want)
			}
		}
	})
}

// A redirector click is a link.clicked event for whoever listens: the
// client's own endpoint or a platform one; nobody listening, no event.
func TestRedirectorClickEvents(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		kr, err := models.ParseKeyRing(models.NewKeyRingValue("k1"))
		if err != nil {
			t.Fatal(err)
		}
		link := func(c *models.Client) string {
			t.Helper()
			if _, err := e.store.SetTracking(ctx, models.Scope{}, c.ID, models.TrackingSettings{Mode: models.TrackingAll}); err != nil {
				t.Fatal(err)
			}
			out, err := e.store.Rewrite(ctx, models.Scope{}, models.RewriteInput{ClientID: c.ID, Body: "Go https://" + c.Name + ".example/x"})
			if err != nil || len(out.Links) != 1 {
				t.Fatalf("rewrite: %+v, %v", out, err)
			}
			return "/" + out.Links[0].Ref
		}
		events := func(clientID string) int64 {
			t.Helper()
			var n int64
			if err := db.Gorm.Model(&models.WebhookEvent{}).Where("type = ? AND client_id = ?", models.EventLinkClicked, clientID).
				Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		newClient := func(name string) *models.Client {
			t.Helper()
			c, err := e.store.CreateClient(ctx, models.ClientInput{Name: name, Email: "ops@" + name + ".example", Plan: models.PlanPremium})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		heard, quiet := newClient("heard"), newClient("quiet")
		if _, _, err := e.store.CreateWebhookEndpoint(ctx, kr, models.Scope{ClientID: heard.ID},
			models.WebhookEndpointInput{URL: "https://hooks.heard.example/h", Events: []string{"*"}}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*models.Client{heard, quiet} {
			if resp := e.do(t, "GET", platform, link(c), phone); resp.StatusCode != http.StatusFound {
				t.Fatalf("GET = %d", resp.StatusCode)
			}
		}
		if h, q := events(heard.ID), events(quiet.ID); h != 1 || q != 0 {
			t.Fatalf("link.clicked events: listened-to client %d, unheard client %d; want 1 and 0", h, q)
		}
		// A platform endpoint hears every client's clicks from now on.
		if _, _, err := e.store.CreateWebhookEndpoint(ctx, kr, models.Scope{},
			models.WebhookEndpointInput{URL: "https://hooks.platform.example/h", Events: []string{"*"}}); err != nil {
			t.Fatal(err)
		}
		if resp := e.do(t, "GET", platform, link(quiet), phone); resp.StatusCode != http.StatusFound {
			t.Fatalf("GET = %d", resp.StatusCode)
		}
		if q := events(quiet.ID); q != 1 {
			t.Fatalf("link.clicked events of the client after a platform endpoint: %d, want 1", q)
		}
	})
}

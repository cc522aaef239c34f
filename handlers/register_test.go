package handlers

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// copyFS copies the embedded page files into a MapFS, with edits.
func copyFS(t *testing.T, edit func(m fstest.MapFS)) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(embeddedPages, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(embeddedPages, path)
		m[path] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	edit(m)
	return m
}

// TestNewChecksPageTemplates: New parses every page set and runs it with
// sample data, so a broken template stops the start, not a client.
func TestNewChecksPageTemplates(t *testing.T) {
	db := dbtest.SQLite(t)
	cfg := Config{Store: models.NewStore(db, nil), Logger: discardLogger()}
	if _, err := New(cfg); err != nil {
		t.Fatalf("the embedded templates: %v", err)
	}
	replace := func(file, old, new string) func(fstest.MapFS) {
		return func(m fstest.MapFS) {
			f := m["templates/"+file]
			if !strings.Contains(string(f.Data), old) {
				t.Fatalf("%s has no %q", file, old)
			}
			m["templates/"+file] = &fstest.MapFile{Data: []byte(strings.Replace(string(f.Data), old, new, 1))}
		}
	}
	for name, edit := range map[string]func(fstest.MapFS){
		"syntax error":              replace("landing.html", "{{end}}", "{{end}"),
		"unknown field":             replace("dns.html", "{{.Apex}}", "{{.Apexx}}"),
		"unknown field in a branch": replace("landing.html", "{{.Continue}}", "{{.Continu}}"),
		"bad escaping context":      replace("finish.html", `<form method="post"`, `{{if .Error}}<a href="{{end}}<form method="post"`),
		"missing page":              func(m fstest.MapFS) { delete(m, "templates/done.html") },
		"missing partial":           func(m fstest.MapFS) { delete(m, "templates/doctor.html") },
		"no content block":          replace("message.html", `{{define "content" -}}`, `{{define "contents" -}}`),
		"broken doctor":             replace("doctor.html", "{{.Target}}", "{{.Targets}}"),
	} {
		t.Run(name, func(t *testing.T) {
			pageFS = copyFS(t, edit)
			t.Cleanup(func() { pageFS = embeddedPages })
			if _, err := New(cfg); err == nil {
				t.Fatal("New accepted a broken template")
			} else if !strings.Contains(err.Error(), "template") {
				t.Errorf("error does not say which template: %v", err)
			}
		})
	}
}

func TestLimiterSet(t *testing.T) {
	s := newLimiterSet(RateLimit{Events: 3, Per: 3 * time.Second})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if ok, _ := s.allow("a", now); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := s.allow("a", now)
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("over the burst: ok=%v wait=%s, want refused with a wait of at most 1s", ok, wait)
	}
	if got := retryAfterSeconds(wait); got != "1" {
		t.Errorf("Retry-After %q, want 1", got)
	}
	// A refused request takes nothing: one second later one more passes.
	if ok, _ := s.allow("a", now.Add(time.Second)); !ok {
		t.Fatal("refill after 1s refused")
	}
	if ok, _ := s.allow("b", now); !ok {
		t.Fatal("another key shares the bucket")
	}
	// Idle buckets are forgotten on the next sweep.
	later := now.Add(time.Hour)
	s.allow("c", later)
	if _, ok := s.m["a"]; ok {
		t.Error("an idle bucket was kept")
	}
	if len(s.m) != 1 {
		t.Errorf("%d buckets kept, want 1", len(s.m))
	}
}

func TestParseRateLimit(t *testing.T) {
	r, err := ParseRateLimit("120/1m")
	if err != nil || r.Events != 120 || r.Per != time.Minute || r.String() != "120/1m0s" {
		t.Fatalf("120/1m: %+v %v", r, err)
	}
	for _, bad := range []string{"", "120", "0/1m", "-1/1m", "x/1m", "10/", "10/0s", "10/-1s", "10/fortnight"} {
		if _, err := ParseRateLimit(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	p := PageLimits{PerToken: RateLimit{Events: 5, Per: time.Second}}.withDefaults()
	if p.PerIP != DefaultPageLimits.PerIP || p.PerToken.Events != 5 || p.SignInPerToken != DefaultPageLimits.SignInPerToken {
		t.Errorf("withDefaults: %+v", p)
	}
}

func TestIPKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":            "192.0.2.7",
		"::ffff:192.0.2.7":     "192.0.2.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"not an address":       "not an address",
	} {
		if got := ipKey(in); got != want {
			t.Errorf("ipKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCrossSite(t *testing.T) {
	for v, want := range map[string]bool{"": false, "same-origin": false, "none": false, "same-site": true, "cross-site": true} {
		r := httptestRequest(v)
		if got := crossSite(r); got != want {
			t.Errorf("Sec-Fetch-Site %q: crossSite = %v, want %v", v, got, want)
		}
	}
	if tokensEqual("", "") || tokensEqual("abc", "") || tokensEqual("abc", "abd") || !tokensEqual("abc", "abc") {
		t.Error("tokensEqual")
	}
}

func httptestRequest(secFetchSite string) *http.Request {
	r := httptest.NewRequest("POST", "/register/x/account", nil)
	if secFetchSite != "" {
		r.Header.Set("Sec-Fetch-Site", secFetchSite)
	}
	return r
}

// TestPageCookies: over https the cookies are Secure with the __Host-
// prefix; always HttpOnly, host-only, path /.
func TestPageCookies(t *testing.T) {
	db := dbtest.SQLite(t)
	for _, tc := range []struct {
		publicURL, name string
		secure          bool
	}{
		{"https://links.example.com", "__Host-lg_session", true},
		{"HTTPS://links.example.com", "__Host-lg_session", true},
		{"http://localhost:8080", "lg_session", false},
	} {
		h, err := New(Config{Store: models.NewStore(db, nil), Logger: discardLogger(), PublicURL: tc.publicURL})
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		h.setCookie(c, h.sessionCookieName(), "value", time.Hour, http.SameSiteLaxMode)
		ck := (&http.Response{Header: w.Header()}).Cookies()
		if len(ck) != 1 {
			t.Fatalf("%s: cookies %v", tc.publicURL, w.Header())
		}
		got := ck[0]
		if got.Name != tc.name || got.Secure != tc.secure || !got.HttpOnly || got.SameSite != http.SameSiteLaxMode ||
			got.Path != "/" || got.Domain != "" || got.MaxAge != 3600 {
			t.Errorf("%s: cookie %+v", tc.publicURL, got)
		}
		if h.csrfCookieName() != strings.Replace(tc.name, "lg_session", "lg_csrf", 1) {
			t.Errorf("%s: CSRF cookie name %q", tc.publicURL, h.csrfCookieName())
		}
	}
}

// TestPageRateLimitClientAddress: X-Forwarded-For counts only from a
// trusted proxy, so a client cannot dodge the per-address limit with it.
func TestPageRateLimitClientAddress(t *testing.T) {
	db := dbtest.SQLite(t)
	limits := PageLimits{PerIP: RateLimit{Events: 2, Per: time.Minute}}
	get := func(srv *httptest.Server, xff string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/register/assets/register.css", nil)
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	serve := func(trusted []string) *httptest.Server {
		h, err := New(Config{Store: models.NewStore(db, nil), Logger: discardLogger(), PageLimits: limits, TrustedProxies: trusted})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv
	}

	direct := serve(nil)
	get(direct, "203.0.113.1")
	get(direct, "203.0.113.2")
	resp := get(direct, "203.0.113.3")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("a spoofed X-Forwarded-For got through: %d %v", resp.StatusCode, resp.Header)
	}

	proxied := serve([]string{"127.0.0.1/32", "::1"})
	for i := 0; i < 2; i++ {
		if resp := get(proxied, "203.0.113.1"); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i+1, resp.StatusCode)
		}
	}
	if resp := get(proxied, "203.0.113.1"); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("over the limit behind the proxy: %d", resp.StatusCode)
	}
	if resp := get(proxied, "203.0.113.2"); resp.StatusCode != http.StatusOK {
		t.Fatalf("another client behind the proxy: %d", resp.StatusCode)
	}

	if _, err := New(Config{Store: models.NewStore(db, nil), Logger: discardLogger(), TrustedProxies: []string{"not an ip"}}); err == nil {
		t.Error("a bad trusted proxy was accepted")
	}
}

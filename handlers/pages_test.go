package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// TestPageRateLimitClientAddress: X-Forwarded-For counts only from a
// trusted proxy, so a client cannot dodge the per-address limit with it.
func TestPageRateLimitClientAddress(t *testing.T) {
	db := dbtest.SQLite(t)
	limits := handlers.PageLimits{PerIP: handlers.RateLimit{Events: 2, Per: time.Minute}}
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
		h, err := handlertest.NewServer(handlertest.Config{Config: handlers.Config{Store: models.NewStore(db, nil), Logger: handlertest.DiscardLogger(), PageLimits: limits, TrustedProxies: trusted}})
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

	if _, err := handlertest.NewServer(handlertest.Config{Config: handlers.Config{Store: models.NewStore(db, nil), Logger: handlertest.DiscardLogger(), TrustedProxies: []string{"not an ip"}}}); err == nil {
		t.Error("a bad trusted proxy was accepted")
	}
}

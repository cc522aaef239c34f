package cloudflare

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
)

// TestLimiterKeepsTheFakeHappy: the adapter against the fake Cloudflare
// enforcing the limit as Cloudflare documents it (3 per 150 ms here,
// blocked for a window when over): every call succeeds without a 429,
// and the calls take at least the windows the limit requires.
func TestLimiterKeepsTheFakeHappy(t *testing.T) {
	clearEnv(t)
	const n, window, calls = 3, 150 * time.Millisecond, 10
	fake, err := mocks.NewCloudflare(mocks.CloudflareConfig{RateLimit: mocks.CloudflareRateLimit{N: n, Window: window}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	_, tok := fake.AddZone("acme.com")
	p, err := New(Config{APIToken: tok, BaseURL: srv.URL + "/client/v4/", HTTPClient: srv.Client(), RateLimit: n, RateWindow: window})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	for i := range calls {
		if err := p.CheckCredentials(ctx(t)); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if d, least := time.Since(began), time.Duration((calls-1)/n)*window; d < least {
		t.Errorf("%d calls in %s, want at least %s", calls, d, least)
	}
	if r := fake.RateLimited(); r != 0 {
		t.Errorf("the fake refused %d requests", r)
	}
}

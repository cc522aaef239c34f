package cloudflare

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/providers"
)

func TestNewValidatesConfig(t *testing.T) {
	clearEnv(t)
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "APIToken is required"},
		{Config{APIToken: "a b"}, "printable ASCII"},
		{Config{APIToken: strings.Repeat("a", 2000)}, "too long"},
		{Config{APIToken: "t", BaseURL: "api.cloudflare.com"}, "absolute http(s) URL"},
		{Config{APIToken: "t", BaseURL: "https://api.test/?x=1"}, "query"},
		{Config{APIToken: "t", RateLimit: -1}, "RateLimit"},
		{Config{APIToken: "t", RateWindow: -time.Second}, "RateWindow"},
		{Config{APIToken: "t", Timeout: -time.Second}, "Timeout"},
		{Config{APIToken: "t", Comment: strings.Repeat("c", 101)}, "at most 100"},
	} {
		_, err := New(tc.cfg)
		if err == nil || !strings.HasPrefix(err.Error(), "cloudflare: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want a cloudflare: error about %q", tc.cfg, err, tc.want)
		}
	}

	p, err := New(Config{APIToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if p.comment != DefaultComment || p.limiter.N() != DefaultRateLimit || p.limiter.Period() != DefaultRateWindow {
		t.Errorf("defaults not applied: comment %q, limit %d per %v", p.comment, p.limiter.N(), p.limiter.Period())
	}
}

func TestFactory(t *testing.T) {
	clearEnv(t)
	mt := httpmock.NewMockTransport()
	f := Factory(Config{APIToken: "ignored", BaseURL: testBase, HTTPClient: &http.Client{Transport: mt}})
	for _, creds := range []map[string]string{nil, {}, {"api_token": ""}, {"api_token": "  "}, {"token": testToken}} {
		dns, err := f(creds)
		var pe *providers.Error
		if dns != nil || !errors.As(err, &pe) || !errors.Is(err, providers.ErrInvalidCredentials) || pe.Transient || !strings.HasPrefix(err.Error(), "cloudflare: ") {
			t.Errorf("Factory(%v) = %v, %v; want a permanent ErrInvalidCredentials", creds, dns, err)
		}
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Fatalf("the factory made %d calls", n)
	}

	mt.RegisterMatcherResponderWithQuery(http.MethodGet, testBase+"/zones", url.Values{"per_page": {"5"}},
		httpmock.HeaderIs("Authorization", "Bearer "+testToken), ok([]any{}, page(0)))
	dns, err := f(map[string]string{"api_token": " " + testToken + "\n"})
	if err != nil {
		t.Fatal(err)
	}
	if err := dns.CheckCredentials(ctx(t)); err != nil {
		t.Fatalf("the factory's provider does not use the client's token: %v", err)
	}
}

// TestFaultsThenSuccess: the fake answers 503 with an HTML body three
// times; each call is a transient error, and the fourth works.
func TestFaultsThenSuccess(t *testing.T) {
	b := setupFake(t, "")
	zoneID, tok := b.fake.AddZone("acme.com")
	p := b.provider(t, tok)
	b.fake.Faults.Inject(mocks.Fault{Status: http.StatusServiceUnavailable, HTML: true, Count: 3, RetryAfter: 2})
	for i := range 3 {
		_, err := p.Zone(ctx(t), "ls.acme.com")
		var pe *providers.Error
		if !errors.As(err, &pe) || !pe.Transient || pe.Status != 503 || pe.RetryAfter != 2*time.Second {
			t.Fatalf("call %d: err = %#v, want transient 503 with Retry-After", i, err)
		}
	}
	z, err := p.Zone(ctx(t), "ls.acme.com")
	if err != nil || z.ID != zoneID {
		t.Fatalf("after the faults: %+v, %v", z, err)
	}

	// A failed create is retried by the caller without a duplicate.
	b.fake.Faults.Inject(mocks.Fault{Status: http.StatusTooManyRequests, RetryAfter: 5, Count: 1})
	_, _, err = p.EnsureCNAME(ctx(t), z, wantCNAME())
	if d, _ := providers.RetryAfter(err); !providers.IsTransient(err) || d != 5*time.Second {
		t.Fatalf("err = %v, want transient with Retry-After 5s", err)
	}
	b.fake.Faults.Inject(mocks.Fault{Status: http.StatusBadGateway, HTML: true, Count: 1})
	for {
		_, _, err = p.EnsureCNAME(ctx(t), z, wantCNAME())
		if !providers.IsTransient(err) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := b.fake.Records(zoneID); len(got) != 1 {
		t.Fatalf("records = %+v", got)
	}
	if n := b.fake.Calls(http.MethodPost, "/dns_records"); n != 1 {
		t.Fatalf("%d creates reached the fake, want 1", n)
	}
}

func TestDelayFaultHitsDeadline(t *testing.T) {
	b := setupFake(t, "")
	_, tok := b.fake.AddZone("acme.com")
	p := b.provider(t, tok)
	b.fake.Faults.Inject(mocks.Fault{Delay: 2 * time.Second})
	c, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := p.CheckCredentials(c); !providers.IsTransient(err) {
		t.Fatalf("err = %v, want transient", err)
	}
}

// TestRateLimiter uses a limit of 2 per hour: the third request would
// wait until the first leaves the window, an hour, past the caller's deadline, so it fails at once as
// transient, with the wait as RetryAfter, and never reaches the API.
func TestRateLimiter(t *testing.T) {
	b := setupMock(t, Config{RateLimit: 2, RateWindow: time.Hour})
	key := b.expect(http.MethodGet, "/zones", url.Values{"per_page": {"5"}}, nil, ok([]any{}, page(0)))
	for range 2 {
		if err := b.p.CheckCredentials(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	err := b.p.CheckCredentials(ctx(t))
	d, _ := providers.RetryAfter(err)
	if !providers.IsTransient(err) || d < 59*time.Minute || d > 61*time.Minute || !strings.Contains(err.Error(), "rate limit") {
		t.Fatalf("err = %v (retry after %v), want a transient rate limit error", err, d)
	}
	if n := b.calls()[key]; n != 2 {
		t.Fatalf("%d requests went out, want 2", n)
	}

	// Cancelled while it would wait: the context's error, transient.
	c, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.p.CheckCredentials(c); !errors.Is(err, context.Canceled) || !providers.IsTransient(err) {
		t.Fatalf("err = %v, want a transient context.Canceled", err)
	}
}

func TestRateLimiterWaits(t *testing.T) {
	// One request per 20ms: the second waits for its slot, then goes.
	b := setupMock(t, Config{RateLimit: 1, RateWindow: 20 * time.Millisecond})
	key := b.expect(http.MethodGet, "/zones", url.Values{"per_page": {"5"}}, nil, ok([]any{}, page(0)))
	for range 3 {
		if err := b.p.CheckCredentials(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	if b.calls()[key] != 3 {
		t.Fatalf("calls = %v", b.calls())
	}
}

// TestRateLimiterSharedPerToken: providers made by one Factory share a
// token's budget; another token has its own, and so does another Factory.
func TestRateLimiterSharedPerToken(t *testing.T) {
	clearEnv(t)
	mt := httpmock.NewMockTransport()
	mt.RegisterResponderWithQuery(http.MethodGet, testBase+"/zones", url.Values{"per_page": {"5"}}, ok([]any{}, page(0)))
	base := Config{BaseURL: testBase, HTTPClient: &http.Client{Transport: mt}, RateLimit: 2, RateWindow: time.Hour}
	f := Factory(base)
	connect := func(f func(map[string]string) (providers.DNS, error), tok string) providers.DNS {
		dns, err := f(map[string]string{"api_token": tok})
		if err != nil {
			t.Fatal(err)
		}
		return dns
	}
	a1, a2, other := connect(f, "token-a"), connect(f, "token-a"), connect(f, "token-b")
	for _, dns := range []providers.DNS{a1, a2} {
		if err := dns.CheckCredentials(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	if err := a1.CheckCredentials(ctx(t)); !providers.IsTransient(err) {
		t.Fatalf("third request of token-a: %v, want rate limited", err)
	}
	if err := a2.CheckCredentials(ctx(t)); !providers.IsTransient(err) {
		t.Fatalf("fourth request of token-a: %v, want rate limited", err)
	}
	if err := other.CheckCredentials(ctx(t)); err != nil {
		t.Fatalf("token-b: %v", err)
	}
	if err := connect(Factory(base), "token-a").CheckCredentials(ctx(t)); err != nil {
		t.Fatalf("token-a from another factory: %v", err)
	}
	if n := mt.GetTotalCallCount(); n != 4 {
		t.Fatalf("%d requests went out, want 4", n)
	}
}

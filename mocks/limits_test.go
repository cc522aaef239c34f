package mocks_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
)

// stepClock is a clock that moves only when told.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stepClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// TestCloudflareRateLimit: the fake enforces Cloudflare's global limit as
// documented — N requests per window per token, and going over it blocks
// the token for a whole window — with a 429 in Cloudflare's error
// envelope and Retry-After in whole seconds; other tokens are not
// affected, and the window slides.
func TestCloudflareRateLimit(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := &stepClock{t: t0}
	b := cfSetup(t, mocks.CloudflareConfig{Now: clock.now, RateLimit: mocks.CloudflareRateLimit{N: 3, Window: 5 * time.Minute}}, "")
	_, tok := b.fake.AddZone("acme.com")
	_, other := b.fake.AddZone("other.example")

	for range 3 {
		b.wantOK(b.do(http.MethodGet, "/zones", tok, nil), "request within the limit")
	}
	env := b.do(http.MethodGet, "/zones", tok, nil)
	b.wantError(env, http.StatusTooManyRequests, 10000)
	if got := env.header.Get("Retry-After"); got != "300" {
		t.Errorf("Retry-After = %q, want 300 (blocked for a whole window)", got)
	}
	b.wantOK(b.do(http.MethodGet, "/zones", other, nil), "another token")

	clock.set(t0.Add(4*time.Minute + 30*time.Second))
	env = b.do(http.MethodGet, "/zones", tok, nil)
	b.wantError(env, http.StatusTooManyRequests, 10000)
	if got := env.header.Get("Retry-After"); got != "30" {
		t.Errorf("Retry-After while blocked = %q, want 30", got)
	}

	// Unblocked after the window; then the window slides.
	t1 := t0.Add(5 * time.Minute)
	for i, at := range []time.Duration{0, time.Minute, 2 * time.Minute, 5 * time.Minute} {
		clock.set(t1.Add(at))
		b.wantOK(b.do(http.MethodGet, "/zones", tok, nil), fmt.Sprintf("after the block, request %d", i))
	}
	clock.set(t1.Add(5*time.Minute + 30*time.Second))
	b.wantError(b.do(http.MethodGet, "/zones", tok, nil), http.StatusTooManyRequests, 10000)
	if n := b.fake.RateLimited(); n != 3 {
		t.Errorf("RateLimited = %d, want 3", n)
	}
}

// TestCloudflareRateLimitOffByDefault: without a RateLimit the fake
// refuses nothing, however many calls.
func TestCloudflareRateLimitOffByDefault(t *testing.T) {
	t.Parallel()
	b := cfSetup(t, mocks.CloudflareConfig{}, "")
	_, tok := b.fake.AddZone("acme.com")
	for range 50 {
		b.wantOK(b.do(http.MethodGet, "/zones", tok, nil), "no limit")
	}
	if n := b.fake.RateLimited(); n != 0 {
		t.Errorf("RateLimited = %d", n)
	}
}

// TestFakeLatency: with a Latency, no answer comes sooner than Fixed.
func TestFakeLatency(t *testing.T) {
	const fixed = 30 * time.Millisecond
	b := cfSetup(t, mocks.CloudflareConfig{Latency: mocks.Latency{Fixed: fixed, Jitter: 5 * time.Millisecond}}, "")
	_, tok := b.fake.AddZone("acme.com")
	began := time.Now()
	b.wantOK(b.do(http.MethodGet, "/zones", tok, nil), "slow answer")
	if d := time.Since(began); d < fixed {
		t.Errorf("Cloudflare answered in %s, want at least %s", d, fixed)
	}

	fake := newTwilioFake(t, mocks.TwilioConfig{Latency: mocks.Latency{Fixed: fixed}})
	sdk := newTwilioSDK(t, fake, twilioTestToken)
	dn := fake.RegisterDomain("ls.acme.com")
	began = time.Now()
	if _, err := sdk.v2.FetchDomainCertV4(dn); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(began); d < fixed {
		t.Errorf("Twilio answered in %s, want at least %s", d, fixed)
	}
}

// TestTwilioConcurrencyLimit: beyond ConcurrencyLimit requests in flight,
// the fake answers 429 with error 20429 (Twilio's account concurrency
// limit) without processing the request; once the first is answered,
// calls go through again.
func TestTwilioConcurrencyLimit(t *testing.T) {
	fake := newTwilioFake(t, mocks.TwilioConfig{ConcurrencyLimit: 1})
	sdk := newTwilioSDK(t, fake, twilioTestToken)
	dn := fake.RegisterDomain("ls.acme.com")

	// The first request is served, then held in flight until cancelled.
	fake.Holds.Inject(time.Hour, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r := httptest.NewRequest(http.MethodGet, "/v2/LinkShortening/Domains/"+dn+"/Certificate", nil).WithContext(ctx)
		r.SetBasicAuth("AC0123456789abcdef0123456789abcdef", twilioTestToken)
		fake.ServeHTTP(httptest.NewRecorder(), r)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for fake.Calls(mocks.TwilioOpCertificate, dn) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the held request never reached the fake")
		}
		time.Sleep(time.Millisecond)
	}

	_, err := sdk.v1.FetchDomainConfig(dn)
	twilioRestError(t, err, http.StatusTooManyRequests, 20429)
	if n := fake.Calls(mocks.TwilioOpFetchConfig, dn); n != 0 {
		t.Errorf("the refused request was processed (%d calls)", n)
	}
	if n := fake.RateLimited(); n != 1 {
		t.Errorf("RateLimited = %d, want 1", n)
	}

	cancel()
	<-done
	if _, err := sdk.v2.FetchDomainCertV4(dn); err != nil {
		t.Errorf("after the first request ended: %v", err)
	}
}

package twilio_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/twilio"
)

// TestMaxConcurrent: 24 calls at once against the fake Twilio enforcing
// an account concurrency limit of 3 (20 ms per answer). With MaxConcurrent
// 3 the adapter keeps within it: every call succeeds and the fake refuses
// none. The same burst with a larger MaxConcurrent meets 429s classified
// as transient (the control that shows the limit binds).
func TestMaxConcurrent(t *testing.T) {
	t.Setenv("TWILIO_EDGE", "")
	t.Setenv("TWILIO_REGION", "")
	const limit, calls = 3, 24
	burst := func(maxConcurrent int) (failed []error, refused int64) {
		fake, err := mocks.NewTwilio(mocks.TwilioConfig{AccountSID: testAccountSID, AuthToken: testToken,
			ConcurrencyLimit: limit, Latency: mocks.Latency{Fixed: 20 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		p, err := twilio.New(twilio.Config{AccountSID: testAccountSID, AuthToken: testToken,
			Transport: mocks.HandlerTransport{Handler: fake}, MaxConcurrent: maxConcurrent})
		if err != nil {
			t.Fatal(err)
		}
		dn := fake.RegisterDomain("ls.acme.com")
		var (
			mu sync.Mutex
			wg sync.WaitGroup
		)
		for range calls {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if _, err := p.Certificate(ctx, dn); err != nil {
					mu.Lock()
					failed = append(failed, err)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return failed, fake.RateLimited()
	}
	if failed, refused := burst(limit); len(failed) != 0 || refused != 0 {
		t.Errorf("MaxConcurrent %d: %d calls failed (%v), %d refused by the fake", limit, len(failed), failed, refused)
	}
	failed, refused := burst(calls)
	if len(failed) == 0 || refused != int64(len(failed)) {
		t.Fatalf("MaxConcurrent %d: %d calls failed, %d refused; want the limit to bind", calls, len(failed), refused)
	}
	for _, err := range failed {
		if !providers.IsTransient(err) {
			t.Errorf("refused call: %v, want transient", err)
		}
	}
}

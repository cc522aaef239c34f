package providertest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/providers"
)

// ReputationFixture is one fresh implementation under test and the
// controls of the source behind it, for one subtest.
type ReputationFixture struct {
	// Reputation is the implementation under test.
	Reputation providers.Reputation
	// List puts exactly name on the source's list, with the harness's
	// Reason (bypassing the implementation under test).
	List func(t *testing.T, name string)
	// Refuse makes the source refuse the next check's questions with one
	// of its refusal answers (a quota, "public resolver").
	Refuse func(t *testing.T)
	// Fail makes the next check's questions get no usable answer
	// (SERVFAIL, no reply): a transient failure.
	Fail func(t *testing.T)
	// Hang makes the next check's questions go unanswered; the channel
	// is closed once the first of them reached the source.
	Hang func(t *testing.T) <-chan struct{}
}

// ReputationHarness plugs a providers.Reputation into TestReputation.
//
// The suite asks about names under the reserved TLD .test (ls.acme.test,
// whose registrable domain is acme.test).
type ReputationHarness struct {
	// Source and Reason are what the listings of a name put on the list
	// with List say.
	Source, Reason string
	// New returns a fresh fixture whose list is empty, cleaned up when t
	// ends.
	New func(t *testing.T) ReputationFixture
}

// TestReputation runs the providers.Reputation conformance suite.
func TestReputation(t *testing.T, h ReputationHarness) {
	t.Helper()
	if h.Source == "" || h.Reason == "" || h.New == nil {
		t.Fatal("providertest: ReputationHarness needs Source, Reason and New")
	}
	const host, apex = "ls.acme.test", "acme.test"

	check := func(t *testing.T, r providers.Reputation, host string) providers.Verdict {
		t.Helper()
		v, err := r.Check(reputationContext(t), host)
		if err != nil {
			t.Fatalf("Check(%q): %v", host, err)
		}
		return v
	}
	wantListed := func(t *testing.T, v providers.Verdict, names ...string) {
		t.Helper()
		if !v.Listed || len(v.Listings) != len(names) {
			t.Fatalf("verdict = %+v, want listings of %v", v, names)
		}
		for i, name := range names {
			l := v.Listings[i]
			if l.Name != name || l.Source != h.Source || l.Reason != h.Reason {
				t.Errorf("listing %d = %+v, want %s listed by %s for %q", i, l, name, h.Source, h.Reason)
			}
		}
		if v.Source != v.Listings[0].Source || v.Reason != v.Listings[0].Reason {
			t.Errorf("verdict Source/Reason = %q/%q, want the first listing's %q/%q", v.Source, v.Reason, v.Listings[0].Source, v.Listings[0].Reason)
		}
		if s := v.String(); !strings.Contains(s, h.Source) || !strings.Contains(s, names[0]) {
			t.Errorf("verdict String() = %q, want the source and the name in it", s)
		}
	}
	wantClean := func(t *testing.T, v providers.Verdict) {
		t.Helper()
		if v.Listed || len(v.Listings) != 0 || v.Source != "" || v.Reason != "" {
			t.Fatalf("verdict = %+v, want the zero Verdict", v)
		}
	}
	wantError := func(t *testing.T, v providers.Verdict, err error, transient bool) {
		t.Helper()
		if err == nil {
			t.Fatalf("got %+v and no error, want an error", v)
		}
		var pe *providers.Error
		if !errors.As(err, &pe) {
			t.Fatalf("got %T (%v), want *providers.Error", err, err)
		}
		if providers.IsTransient(err) != transient || errors.Is(err, providers.ErrPermanent) == transient {
			t.Fatalf("got %v (transient %v), want transient %v", err, providers.IsTransient(err), transient)
		}
		if v.Listed || len(v.Listings) != 0 {
			t.Fatalf("got a listing %+v with the error %v", v, err)
		}
	}

	t.Run("Clean", func(t *testing.T) {
		t.Parallel()
		f := h.New(t)
		wantClean(t, check(t, f.Reputation, host))
		wantClean(t, check(t, f.Reputation, apex))
	})
	t.Run("ListedHost", func(t *testing.T) {
		t.Parallel()
		f := h.New(t)
		f.List(t, host)
		wantListed(t, check(t, f.Reputation, host), host)
		wantListed(t, check(t, f.Reputation, " LS.Acme.TEST. "), host)
	})
	t.Run("ListedRegistrableDomain", func(t *testing.T) {
		t.Parallel()
		f := h.New(t)
		f.List(t, apex)
		wantListed(t, check(t, f.Reputation, host), apex)
		wantListed(t, check(t, f.Reputation, "a.b."+host), apex)
		wantListed(t, check(t, f.Reputation, apex), apex)
		wantClean(t, check(t, f.Reputation, "ls.other.test"))
		wantClean(t, check(t, f.Reputation, "ls.xacme.test"))
	})
	t.Run("SubdomainListingIsNotTheApex", func(t *testing.T) {
		t.Parallel()
		f := h.New(t)
		f.List(t, host)
		wantClean(t, check(t, f.Reputation, apex))
		wantClean(t, check(t, f.Reputation, "www."+apex))
	})
	t.Run("HostAndApexListed", func(t *testing.T) {
		t.Parallel()
		f := h.New(t)
		f.List(t, host)
		f.List(t, apex)
		wantListed(t, check(t, f.Reputation, host), host, apex)
	})
	t.Run("RefusalIsAnErrorNotAListing", func(t *testing.T) {
		t.Parallel()
		f := h.New(t)
		f.Refuse(t)
		v, err := f.Reputation.Check(reputationContext(t), host)
		if err == nil || !errors.Is(err, providers.ErrRefused) {
			t.Fatalf("Check after a refusal = %+v, %v; want an error wrapping ErrRefused", v, err)
		}
		var pe *providers.Error
		if !errors.As(err, &pe) || v.Listed || len(v.Listings) != 0 {
			t.Fatalf("Check after a refusal = %+v, %v (%T); want no listing and a *providers.Error", v, err, err)
		}
		if msg := strings.TrimSpace(strings.TrimPrefix(err.Error(), pe.Provider+":")); len(msg) < len("query refused")+3 {
			t.Errorf("error %q does not say why the source refused", err)
		}
		// The source answers again afterwards.
		wantClean(t, check(t, f.Reputation, host))
	})
	t.Run("TransientFailure", func(t *testing.T) {
		t.Parallel()
		f := h.New(t)
		f.List(t, host)
		f.Fail(t)
		v, err := f.Reputation.Check(reputationContext(t), host)
		wantError(t, v, err, true)
		wantListed(t, check(t, f.Reputation, host), host)
	})
	t.Run("InvalidHost", func(t *testing.T) {
		t.Parallel()
		f := h.New(t)
		for _, bad := range []string{"", " ", "localhost", "192.0.2.1", "2001:db8::1", "a..b.test", "-x.acme.test", "ls acme.test"} {
			v, err := f.Reputation.Check(reputationContext(t), bad)
			wantError(t, v, err, false)
		}
	})
	t.Run("CancelledContext", func(t *testing.T) {
		t.Parallel()
		f := h.New(t)
		f.List(t, host)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		v, err := f.Reputation.Check(ctx, host)
		if !errors.Is(err, context.Canceled) || v.Listed {
			t.Fatalf("Check with a cancelled context = %+v, %v; want an error wrapping context.Canceled", v, err)
		}
	})
	t.Run("CancelWhileWaiting", func(t *testing.T) {
		t.Parallel()
		f := h.New(t)
		entered := f.Hang(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		type result struct {
			v   providers.Verdict
			err error
		}
		done := make(chan result, 1)
		go func() {
			v, err := f.Reputation.Check(ctx, host)
			done <- result{v, err}
		}()
		select {
		case <-entered:
		case <-time.After(10 * time.Second):
			t.Fatal("the check never reached the source")
		}
		cancel()
		select {
		case r := <-done:
			if !errors.Is(r.err, context.Canceled) || r.v.Listed {
				t.Fatalf("Check cancelled while waiting = %+v, %v; want an error wrapping context.Canceled", r.v, r.err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Check did not return after its context was cancelled")
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		t.Parallel()
		f := h.New(t)
		f.List(t, apex)
		var wg sync.WaitGroup
		errs := make(chan string, 40)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name, want := host, true
				if i%2 == 1 {
					name, want = "ls.clean.test", false
				}
				v, err := f.Reputation.Check(reputationContext(t), name)
				if err != nil || v.Listed != want {
					errs <- name + ": " + v.String() + " " + errString(err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	})
}

func reputationContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

package providers_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/providers"
)

// repFunc is a Reputation made of a function.
type repFunc func(ctx context.Context, host string) (providers.Verdict, error)

func (f repFunc) Check(ctx context.Context, host string) (providers.Verdict, error) {
	return f(ctx, host)
}

func lists(source, reason string) providers.Reputation {
	return repFunc(func(_ context.Context, host string) (providers.Verdict, error) {
		return providers.NewVerdict(providers.Listing{Source: source, Name: host, Reason: reason}), nil
	})
}

func clean() providers.Reputation {
	return repFunc(func(context.Context, string) (providers.Verdict, error) { return providers.Verdict{}, nil })
}

func fails(err error) providers.Reputation {
	return repFunc(func(context.Context, string) (providers.Verdict, error) { return providers.Verdict{}, err })
}

func TestVerdict(t *testing.T) {
	t.Parallel()
	if v := providers.NewVerdict(); v.Listed || v.Listings != nil || v.String() != "not listed" {
		t.Fatalf("NewVerdict() = %+v %q", v, v)
	}
	v := providers.NewVerdict(
		providers.Listing{Source: "Spamhaus DBL", Name: "acme.com", Code: "127.0.1.4", Reason: "phishing domain"},
		providers.Listing{Source: "SURBL multi", Name: "ls.acme.com", Reason: "malware (MW)"},
	)
	if !v.Listed || v.Source != "Spamhaus DBL" || v.Reason != "phishing domain" ||
		v.String() != "Spamhaus DBL lists acme.com: phishing domain; SURBL multi lists ls.acme.com: malware (MW)" {
		t.Fatalf("NewVerdict = %+v %q", v, v)
	}
}

func TestMultiReputation(t *testing.T) {
	t.Parallel()
	transient := &providers.Error{Provider: "dnsbl", Op: "check", Transient: true, Message: "no resolver answered"}
	refused := &providers.Error{Provider: "dnsbl", Op: "check", Message: "Spamhaus DBL refused the query", Err: providers.ErrRefused}
	for _, tc := range []struct {
		name          string
		sources       []providers.Reputation
		wantSources   []string
		wantErr       bool
		wantTransient bool
		wantRefused   bool
	}{
		{name: "none"},
		{name: "all clean", sources: []providers.Reputation{clean(), clean()}},
		{name: "every hit in order", sources: []providers.Reputation{lists("A", "x"), clean(), lists("B", "y")}, wantSources: []string{"A", "B"}},
		{name: "a hit wins over failures", sources: []providers.Reputation{fails(refused), lists("B", "y"), fails(transient)}, wantSources: []string{"B"}},
		{name: "one failure as it is", sources: []providers.Reputation{clean(), fails(transient)}, wantErr: true, wantTransient: true},
		{name: "all transient", sources: []providers.Reputation{fails(transient), fails(transient)}, wantErr: true, wantTransient: true},
		{name: "a refusal is permanent", sources: []providers.Reputation{fails(transient), fails(refused)}, wantErr: true, wantRefused: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := providers.MultiReputation(tc.sources...).Check(context.Background(), "ls.acme.com")
			var got []string
			for _, l := range v.Listings {
				got = append(got, l.Source)
			}
			if strings.Join(got, ",") != strings.Join(tc.wantSources, ",") || v.Listed != (len(tc.wantSources) > 0) {
				t.Fatalf("listings = %+v, want sources %v", v, tc.wantSources)
			}
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err == nil {
				return
			}
			var pe *providers.Error
			if !errors.As(err, &pe) || providers.IsTransient(err) != tc.wantTransient || errors.Is(err, providers.ErrPermanent) == tc.wantTransient ||
				errors.Is(err, providers.ErrRefused) != tc.wantRefused {
				t.Fatalf("err = %v (transient %v, refused %v)", err, providers.IsTransient(err), errors.Is(err, providers.ErrRefused))
			}
		})
	}
}

func TestCombineReputationErrors(t *testing.T) {
	t.Parallel()
	if err := providers.CombineReputationErrors(nil, nil); err != nil {
		t.Fatalf("no errors = %v", err)
	}
	a := &providers.Error{Provider: "dnsbl", Op: "check a", Transient: true, Message: "timeout"}
	b := &providers.Error{Provider: "dnsbl", Op: "check b", Transient: true, Err: context.Canceled}
	if err := providers.CombineReputationErrors(nil, a); err != a {
		t.Fatalf("one error = %v, want it as it is", err)
	}
	err := providers.CombineReputationErrors(a, nil, b)
	if err.Error() != "dnsbl: check reputation: check a: timeout; check b: context canceled" {
		t.Errorf("Error() = %q", err)
	}
	if !providers.IsTransient(err) || !errors.Is(err, context.Canceled) || errors.Is(err, providers.ErrRefused) {
		t.Errorf("classification of %v is wrong", err)
	}
}

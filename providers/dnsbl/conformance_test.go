package dnsbl_test

import (
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/dnsbl"
	"github.com/linkgate/linkgate/providers/providertest"
)

// fixture is a dnsbl Client asking a fake blocklist over loopback.
type fixture struct {
	rep    *mocks.Reputation
	srv    *mocks.DNSBLServer
	client *dnsbl.Client
}

// answersOf maps each listing reason of z to its answer, so that the fake
// blocklist answers a flag with the code the adapter decodes back.
func answersOf(z dnsbl.Zone) map[string]string {
	out := map[string]string{}
	for answer, c := range z.Codes {
		if !c.Refusal {
			out[c.Reason] = answer
		}
	}
	return out
}

// newFixture serves zone from a fresh fake and points a Client at it.
func newFixture(t *testing.T, zone dnsbl.Zone, timeout time.Duration) fixture {
	t.Helper()
	rep, err := mocks.NewReputation(mocks.ReputationConfig{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := rep.StartDNSBL(mocks.DNSBLConfig{Zone: zone.Name, Source: zone.Source, Answers: answersOf(zone)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	c, err := dnsbl.New(dnsbl.Config{Zones: []dnsbl.Zone{zone}, Resolvers: []string{srv.Addr()}, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{rep: rep, srv: srv, client: c}
}

func inject(t *testing.T, s *mocks.DNSBLServer, f mocks.DNSBLFault) {
	t.Helper()
	if err := s.Inject(f); err != nil {
		t.Fatal(err)
	}
}

// TestConformance runs the providers.Reputation suite against the adapter
// asking the fake Spamhaus DBL over real DNS on loopback.
func TestConformance(t *testing.T) {
	t.Parallel()
	zone := dnsbl.SpamhausDBL()
	providertest.TestReputation(t, providertest.ReputationHarness{
		Source: zone.Source,
		Reason: zone.Codes["127.0.1.4"].Reason,
		New: func(t *testing.T) providertest.ReputationFixture {
			f := newFixture(t, zone, 20*time.Second)
			// A check of ls.acme.test asks two questions: the host and
			// acme.test.
			return providertest.ReputationFixture{
				Reputation: f.client,
				List: func(t *testing.T, name string) {
					if err := f.rep.Flag(name, zone.Source, zone.Codes["127.0.1.4"].Reason); err != nil {
						t.Fatal(err)
					}
				},
				Refuse: func(t *testing.T) { inject(t, f.srv, mocks.DNSBLFault{Answer: "127.255.255.254", Count: 2}) },
				Fail:   func(t *testing.T) { inject(t, f.srv, mocks.DNSBLFault{Rcode: mocks.DNSRcodeServFail, Count: 2}) },
				Hang:   func(*testing.T) <-chan struct{} { return f.srv.Hang() },
			}
		},
	})
}

// TestConformanceSURBL runs the suite against the fake SURBL multi.
func TestConformanceSURBL(t *testing.T) {
	t.Parallel()
	zone := dnsbl.SURBLMulti()
	providertest.TestReputation(t, providertest.ReputationHarness{
		Source: zone.Source,
		Reason: zone.Bits[8],
		New: func(t *testing.T) providertest.ReputationFixture {
			rep, err := mocks.NewReputation(mocks.ReputationConfig{})
			if err != nil {
				t.Fatal(err)
			}
			srv, err := rep.StartDNSBL(mocks.DNSBLConfig{Zone: zone.Name, Source: zone.Source, Answers: map[string]string{zone.Bits[8]: "127.0.0.8"}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = srv.Close() })
			c, err := dnsbl.New(dnsbl.Config{Zones: []dnsbl.Zone{zone}, Resolvers: []string{srv.Addr()}, Timeout: 20 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			return providertest.ReputationFixture{
				Reputation: c,
				List: func(t *testing.T, name string) {
					if err := rep.Flag(name, zone.Source, zone.Bits[8]); err != nil {
						t.Fatal(err)
					}
				},
				Refuse: func(t *testing.T) { inject(t, srv, mocks.DNSBLFault{Answer: "127.0.0.1", Count: 2}) },
				Fail:   func(t *testing.T) { inject(t, srv, mocks.DNSBLFault{Rcode: mocks.DNSRcodeServFail, Count: 2}) },
				Hang:   func(*testing.T) <-chan struct{} { return srv.Hang() },
			}
		},
	})
}

var _ providers.Reputation = (*dnsbl.Client)(nil)

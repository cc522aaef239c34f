package dnsbl_test

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/dnsbl"
)

// TestAnswers drives every documented answer of both presets (and some
// undocumented ones) through the wire and checks what it means.
func TestAnswers(t *testing.T) {
	t.Parallel()
	const (
		listed    = "listed"
		refused   = "refused"   // permanent, ErrRefused
		throttled = "throttled" // transient, ErrRefused
		foreign   = "foreign"   // permanent, not ErrRefused
	)
	dbl, surbl := dnsbl.SpamhausDBL(), dnsbl.SURBLMulti()
	for _, tc := range []struct {
		zone   dnsbl.Zone
		answer string
		want   string
		reason string
	}{
		{dbl, "127.0.1.2", listed, "spam domain (low reputation)"},
		{dbl, "127.0.1.4", listed, "phishing domain"},
		{dbl, "127.0.1.5", listed, "malware domain"},
		{dbl, "127.0.1.6", listed, "botnet C&C domain"},
		{dbl, "127.0.1.102", listed, "abused legit domain (spam)"},
		{dbl, "127.0.1.103", listed, "abused redirector or URL shortener"},
		{dbl, "127.0.1.104", listed, "abused legit domain (phishing)"},
		{dbl, "127.0.1.105", listed, "abused legit domain (malware)"},
		{dbl, "127.0.1.106", listed, "abused legit domain (botnet C&C)"},
		{dbl, "127.0.1.77", listed, "listed (undocumented answer 127.0.1.77)"},
		{dbl, "127.0.1.255", refused, "IP address queries"},
		{dbl, "127.255.255.252", refused, "typing error"},
		{dbl, "127.255.255.254", refused, "public or open resolver"},
		{dbl, "127.255.255.255", throttled, "excessive number of queries"},
		{dbl, "127.255.255.250", foreign, "none of its answers"},
		{dbl, "127.0.0.2", foreign, "none of its answers"},
		{dbl, "92.242.132.24", foreign, "rewrite NXDOMAIN"},
		{surbl, "127.0.0.8", listed, "phishing (PH)"},
		{surbl, "127.0.0.16", listed, "malware (MW)"},
		{surbl, "127.0.0.64", listed, "spam and abuse (ABUSE)"},
		{surbl, "127.0.0.128", listed, "cracked site (CR)"},
		{surbl, "127.0.0.24", listed, "phishing (PH), malware (MW)"},
		{surbl, "127.0.0.200", listed, "phishing (PH), spam and abuse (ABUSE), cracked site (CR)"},
		{surbl, "127.0.0.2", listed, "unknown list (bit 2)"},
		{surbl, "127.0.0.1", refused, "query blocked by SURBL"},
		{surbl, "10.0.0.1", foreign, "none of its answers"},
	} {
		t.Run(tc.zone.Name+"/"+tc.answer, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.zone, 20*time.Second)
			inject(t, f.srv, mocks.DNSBLFault{Answer: tc.answer, Count: 2})
			v, err := f.client.Check(t.Context(), "ls.acme.test")
			switch tc.want {
			case listed:
				if err != nil || !v.Listed || len(v.Listings) != 2 {
					t.Fatalf("Check = %+v, %v; want two listings", v, err)
				}
				want := providers.Listing{Source: tc.zone.Source, Name: "ls.acme.test", Code: tc.answer, Reason: tc.reason}
				if v.Listings[0] != want || v.Listings[1].Name != "acme.test" || v.Reason != tc.reason || v.Source != tc.zone.Source {
					t.Fatalf("Check = %+v; want first listing %+v, then acme.test", v, want)
				}
			default:
				var pe *providers.Error
				if err == nil || v.Listed || !errors.As(err, &pe) || pe.Provider != "dnsbl" || !strings.HasPrefix(err.Error(), "dnsbl: ") {
					t.Fatalf("Check = %+v, %v; want a dnsbl error and no listing", v, err)
				}
				if got := errors.Is(err, providers.ErrRefused); got != (tc.want != foreign) {
					t.Errorf("errors.Is(%v, ErrRefused) = %v", err, got)
				}
				if got := providers.IsTransient(err); got != (tc.want == throttled) {
					t.Errorf("IsTransient(%v) = %v", err, got)
				}
				if !strings.Contains(err.Error(), tc.reason) || !strings.Contains(err.Error(), tc.answer) {
					t.Errorf("error %q does not name the answer %s and say %q", err, tc.answer, tc.reason)
				}
			}
		})
	}
}

// TestNamesAsked: the host and its registrable domain (public suffix
// list), nothing between, nothing twice.
func TestNamesAsked(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		host string
		want []string
	}{
		{"a.b.ls.acme.com", []string{"a.b.ls.acme.com", "acme.com"}},
		{"LS.Acme.Co.UK.", []string{"acme.co.uk", "ls.acme.co.uk"}},
		{"acme.com", []string{"acme.com"}},
		{"ls.user.github.io", []string{"ls.user.github.io", "user.github.io"}},
	} {
		t.Run(tc.host, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, dnsbl.SpamhausDBL(), 20*time.Second)
			v, err := f.client.Check(t.Context(), tc.host)
			if err != nil || v.Listed {
				t.Fatalf("Check = %+v, %v", v, err)
			}
			got := f.srv.Queries()
			slices.Sort(got)
			want := make([]string, len(tc.want))
			for i, n := range tc.want {
				want[i] = n + ".dbl.spamhaus.org"
			}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("asked %v, want %v", got, want)
			}
		})
	}
	t.Run("public suffix", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, dnsbl.SpamhausDBL(), 20*time.Second)
		for _, h := range []string{"co.uk", "github.io"} {
			if _, err := f.client.Check(t.Context(), h); err == nil || providers.IsTransient(err) {
				t.Errorf("Check(%q) = %v, want a permanent error", h, err)
			}
		}
		if q := f.srv.Queries(); len(q) != 0 {
			t.Fatalf("asked %v for public suffixes", q)
		}
	})
}

// TestSeveralZones: listings of every zone in the configured order; a
// refusal of one zone does not hide another zone's listing; when nothing
// is listed the failures are combined.
func TestSeveralZones(t *testing.T) {
	t.Parallel()
	dbl, surbl := dnsbl.SpamhausDBL(), dnsbl.SURBLMulti()
	rep, err := mocks.NewReputation(mocks.ReputationConfig{})
	if err != nil {
		t.Fatal(err)
	}
	start := func(z dnsbl.Zone, answers map[string]string) *mocks.DNSBLServer {
		s, err := rep.StartDNSBL(mocks.DNSBLConfig{Zone: z.Name, Source: z.Source, Answers: answers})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	dblSrv := start(dbl, answersOf(dbl))
	surblSrv := start(surbl, map[string]string{"malware (MW)": "127.0.0.16"})
	// Each server refuses the other's zone (REFUSED): the client moves on
	// to the next resolver.
	c, err := dnsbl.New(dnsbl.Config{Zones: []dnsbl.Zone{dbl, surbl}, Resolvers: []string{dblSrv.Addr(), surblSrv.Addr()}, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, fl := range []struct{ host, source, reason string }{
		{"acme.test", dbl.Source, "phishing domain"},
		{"acme.test", surbl.Source, "malware (MW)"},
		{"ls.acme.test", surbl.Source, "malware (MW)"},
	} {
		if err := rep.Flag(fl.host, fl.source, fl.reason); err != nil {
			t.Fatal(err)
		}
	}
	v, err := c.Check(t.Context(), "ls.acme.test")
	if err != nil {
		t.Fatal(err)
	}
	want := []providers.Listing{
		{Source: dbl.Source, Name: "acme.test", Code: "127.0.1.4", Reason: "phishing domain"},
		{Source: surbl.Source, Name: "ls.acme.test", Code: "127.0.0.16", Reason: "malware (MW)"},
		{Source: surbl.Source, Name: "acme.test", Code: "127.0.0.16", Reason: "malware (MW)"},
	}
	if !slices.Equal(v.Listings, want) || v.Source != dbl.Source {
		t.Fatalf("Check = %+v, want %+v", v, want)
	}
	if s := v.String(); !strings.Contains(s, "Spamhaus DBL lists acme.test: phishing domain; SURBL multi lists ls.acme.test") {
		t.Errorf("String() = %q", s)
	}

	// Spamhaus refuses, SURBL lists: listed, no error.
	inject(t, dblSrv, mocks.DNSBLFault{Answer: "127.255.255.254", Count: 2})
	v, err = c.Check(t.Context(), "ls.acme.test")
	if err != nil || len(v.Listings) != 2 || v.Source != surbl.Source {
		t.Fatalf("with Spamhaus refusing: %+v, %v; want SURBL's two listings", v, err)
	}

	// Nothing listed, Spamhaus refuses and SURBL fails: one permanent
	// error naming both, wrapping ErrRefused.
	inject(t, dblSrv, mocks.DNSBLFault{Answer: "127.255.255.254", Count: 2})
	inject(t, surblSrv, mocks.DNSBLFault{Rcode: mocks.DNSRcodeServFail, Count: 2})
	v, err = c.Check(t.Context(), "ls.clean.test")
	if err == nil || v.Listed || !errors.Is(err, providers.ErrRefused) || providers.IsTransient(err) ||
		!strings.Contains(err.Error(), "public or open resolver") || !strings.Contains(err.Error(), "SERVFAIL") {
		t.Fatalf("with both failing: %+v, %v", v, err)
	}
}

// TestResolvers: a resolver that fails is passed over; when none answers
// the error is transient and names each.
func TestResolvers(t *testing.T) {
	t.Parallel()
	zone := dnsbl.SpamhausDBL()
	rep, err := mocks.NewReputation(mocks.ReputationConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Flag("acme.test", zone.Source, "phishing domain"); err != nil {
		t.Fatal(err)
	}
	var addrs []string
	var srvs []*mocks.DNSBLServer
	for range 2 {
		s, err := rep.StartDNSBL(mocks.DNSBLConfig{Zone: zone.Name, Source: zone.Source, Answers: answersOf(zone)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		srvs = append(srvs, s)
		addrs = append(addrs, s.Addr())
	}
	c, err := dnsbl.New(dnsbl.Config{Zones: []dnsbl.Zone{zone}, Resolvers: addrs, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		first  mocks.DNSBLFault
		second *mocks.DNSBLFault
		words  []string
	}{
		{name: "first SERVFAIL", first: mocks.DNSBLFault{Rcode: mocks.DNSRcodeServFail}},
		{name: "first REFUSED", first: mocks.DNSBLFault{Rcode: mocks.DNSRcodeRefused}},
		{name: "first silent", first: mocks.DNSBLFault{Drop: true}},
		{name: "first truncated", first: mocks.DNSBLFault{Truncate: true}},
		{name: "both fail", first: mocks.DNSBLFault{Rcode: mocks.DNSRcodeServFail}, second: &mocks.DNSBLFault{Drop: true},
			words: []string{"no resolver answered", addrs[0] + ": answered SERVFAIL", addrs[1] + ": no answer within 200ms"}},
		{name: "refused and truncated", first: mocks.DNSBLFault{Rcode: mocks.DNSRcodeRefused}, second: &mocks.DNSBLFault{Truncate: true},
			words: []string{addrs[0] + ": answered REFUSED", addrs[1] + ": answered a truncated reply"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: the subtests share the servers' fault queues.
			tc.first.Count = 1
			inject(t, srvs[0], tc.first)
			if tc.second != nil {
				tc.second.Count = 1
				inject(t, srvs[1], *tc.second)
			}
			v, err := c.Check(t.Context(), "acme.test") // one question
			if tc.second == nil {
				if err != nil || !v.Listed {
					t.Fatalf("Check = %+v, %v; want the second resolver's listing", v, err)
				}
				return
			}
			if err == nil || !providers.IsTransient(err) || v.Listed {
				t.Fatalf("Check = %+v, %v; want a transient error", v, err)
			}
			for _, w := range tc.words {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.conf", "search example.com\nnameserver 127.0.0.53\nnameserver ::1\noptions edns0\n")
	empty := write("empty.conf", "search example.com\n")
	res := []string{"127.0.0.1:53"}
	zone := dnsbl.SpamhausDBL
	mod := func(f func(z *dnsbl.Zone)) []dnsbl.Zone {
		z := zone()
		f(&z)
		return []dnsbl.Zone{z}
	}

	c, err := dnsbl.New(dnsbl.Config{Zones: []dnsbl.Zone{zone()}, ResolvConf: good})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Resolvers(); !slices.Equal(got, []string{"127.0.0.53:53", "[::1]:53"}) {
		t.Fatalf("resolvers from resolv.conf = %v", got)
	}

	for _, tc := range []struct {
		name string
		cfg  dnsbl.Config
		want string
	}{
		{"no zones", dnsbl.Config{Resolvers: res}, "Zones is empty"},
		{"zone name", dnsbl.Config{Zones: mod(func(z *dnsbl.Zone) { z.Name = "bad name" }), Resolvers: res}, "not a domain name"},
		{"no source", dnsbl.Config{Zones: mod(func(z *dnsbl.Zone) { z.Source = " " }), Resolvers: res}, "needs a Source"},
		{"code not IPv4", dnsbl.Config{Zones: mod(func(z *dnsbl.Zone) { z.Codes["::1"] = dnsbl.Code{Reason: "x"} }), Resolvers: res}, "not an IPv4 address"},
		{"code without reason", dnsbl.Config{Zones: mod(func(z *dnsbl.Zone) { z.Codes["127.0.1.9"] = dnsbl.Code{} }), Resolvers: res}, "needs a Reason"},
		{"transient listing", dnsbl.Config{Zones: mod(func(z *dnsbl.Zone) { z.Codes["127.0.1.9"] = dnsbl.Code{Reason: "x", Transient: true} }), Resolvers: res}, "only a refusal"},
		{"no codes nor network", dnsbl.Config{Zones: []dnsbl.Zone{{Name: "bl.example", Source: "x"}}, Resolvers: res}, "needs Codes or a Listing"},
		{"IPv6 network", dnsbl.Config{Zones: mod(func(z *dnsbl.Zone) { z.Listing = netip.MustParsePrefix("::/0") }), Resolvers: res}, "not an IPv4 network"},
		{"bits without network", dnsbl.Config{Zones: []dnsbl.Zone{{Name: "bl.example", Source: "x", Codes: map[string]dnsbl.Code{"127.0.0.2": {Reason: "x"}}, Bits: map[uint8]string{2: "x"}}}, Resolvers: res}, "Bits need a Listing"},
		{"bits not a bit", dnsbl.Config{Zones: []dnsbl.Zone{func() dnsbl.Zone { z := dnsbl.SURBLMulti(); z.Bits[3] = "x"; return z }()}, Resolvers: res}, "single bit"},
		{"zone twice", dnsbl.Config{Zones: []dnsbl.Zone{zone(), zone()}, Resolvers: res}, "configured twice"},
		{"negative timeout", dnsbl.Config{Zones: []dnsbl.Zone{zone()}, Resolvers: res, Timeout: -time.Second}, "negative"},
		{"resolver without port", dnsbl.Config{Zones: []dnsbl.Zone{zone()}, Resolvers: []string{"127.0.0.1"}}, "not ip:port"},
		{"resolver name", dnsbl.Config{Zones: []dnsbl.Zone{zone()}, Resolvers: []string{"dns.example:53"}}, "not an IP address"},
		{"resolver port", dnsbl.Config{Zones: []dnsbl.Zone{zone()}, Resolvers: []string{"127.0.0.1:0"}}, "not a port number"},
		{"resolv.conf missing", dnsbl.Config{Zones: []dnsbl.Zone{zone()}, ResolvConf: filepath.Join(dir, "nope")}, "cannot be read"},
		{"resolv.conf empty", dnsbl.Config{Zones: []dnsbl.Zone{zone()}, ResolvConf: empty}, "names no nameserver"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := dnsbl.New(tc.cfg)
			if err == nil || !strings.HasPrefix(err.Error(), "dnsbl: ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, want a dnsbl error saying %q", err, tc.want)
			}
		})
	}
}

// TestZoneCopied: changing a Zone after New does not change the Client.
func TestZoneCopied(t *testing.T) {
	t.Parallel()
	zone := dnsbl.SpamhausDBL()
	rep, err := mocks.NewReputation(mocks.ReputationConfig{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := rep.StartDNSBL(mocks.DNSBLConfig{Zone: zone.Name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	c, err := dnsbl.New(dnsbl.Config{Zones: []dnsbl.Zone{zone}, Resolvers: []string{srv.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	zone.Codes["127.0.1.4"] = dnsbl.Code{Reason: "changed", Refusal: true}
	inject(t, srv, mocks.DNSBLFault{Answer: "127.0.1.4", Count: 1})
	v, err := c.Check(context.Background(), "acme.test")
	if err != nil || v.Reason != "phishing domain" {
		t.Fatalf("Check = %+v, %v", v, err)
	}
}

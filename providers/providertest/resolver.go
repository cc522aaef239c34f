package providertest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/linkgate/linkgate/providers"
)

// ResolverTarget is the CNAME target the resolver scenarios want.
const ResolverTarget = "lsct.ashburn.us1.twilio.com"

// ResolverHarness plugs a providers.Resolver into TestResolver.
type ResolverHarness struct {
	// Apex is the registrable domain the scenarios use ("acme.test").
	// New must serve it as a zone.
	Apex string
	// New returns the Resolver under test, looking at fresh DNS that
	// belongs to t and holds the zone Apex with no records yet.
	New func(t *testing.T) providers.Resolver
	// AddRecord publishes a record in t's DNS, as the zone's
	// authoritative servers and the public resolvers will answer it. name
	// is fully qualified without a final dot; typ is CNAME, A, AAAA or CAA;
	// value is in presentation format: a host name, an address, or
	// `0 issue "letsencrypt.org"`.
	AddRecord func(t *testing.T, name, typ, value string)
}

// TestResolver checks the providers.Resolver contract with one scenario per
// diagnosis every Resolver makes: OK, record missing, wrong target, wrong
// host (host.apex), address records, CAA that forbids letsencrypt.org (and
// CAA that allows it), a host outside the apex, and concurrent checks.
func TestResolver(t *testing.T, h ResolverHarness) {
	t.Helper()
	if h.Apex == "" || h.New == nil || h.AddRecord == nil {
		t.Fatal("providertest: ResolverHarness needs Apex, New and AddRecord")
	}
	apex := providers.NormalizeHost(h.Apex)
	host := "ls." + apex

	check := func(t *testing.T, r providers.Resolver, host string) providers.DNSCheck {
		t.Helper()
		c, err := r.CheckCNAME(t.Context(), host, apex, ResolverTarget)
		if err != nil {
			t.Fatalf("CheckCNAME(%s): %v", host, err)
		}
		for _, f := range c.Findings {
			if f.Code == "" || f.Message == "" {
				t.Errorf("finding without code or message: %+v", f)
			}
		}
		return c
	}

	t.Run("OK", func(t *testing.T) {
		r := h.New(t)
		h.AddRecord(t, host, "CNAME", ResolverTarget+".")
		c := check(t, r, host)
		if !c.OK {
			t.Errorf("OK = false, findings %+v", c.Findings)
		}
		if len(c.Targets) != 1 || !providers.SameHost(c.Targets[0], ResolverTarget) {
			t.Errorf("Targets = %q, want [%s]", c.Targets, ResolverTarget)
		}
		if len(c.Findings) != 0 {
			t.Errorf("findings %+v, want none", c.Findings)
		}
	})

	t.Run("OKIgnoresCaseAndFinalDot", func(t *testing.T) {
		r := h.New(t)
		h.AddRecord(t, host, "CNAME", strings.ToUpper(ResolverTarget))
		c, err := r.CheckCNAME(t.Context(), strings.ToUpper(host)+".", strings.ToUpper(apex), ResolverTarget+".")
		if err != nil {
			t.Fatal(err)
		}
		if !c.OK {
			t.Errorf("OK = false, findings %+v", c.Findings)
		}
	})

	t.Run("Missing", func(t *testing.T) {
		r := h.New(t)
		h.AddRecord(t, "www."+apex, "A", "192.0.2.80") // an unrelated record
		c := check(t, r, host)
		if c.OK || len(c.Targets) != 0 {
			t.Errorf("OK = %v, Targets = %q; want false and none", c.OK, c.Targets)
		}
		f := wantResolverFinding(t, c, providers.FindingMissing, host, ResolverTarget)
		if f != nil && !strings.Contains(f.Message, "ls CNAME "+ResolverTarget) {
			t.Errorf("message %q does not say what to add (ls CNAME %s)", f.Message, ResolverTarget)
		}
		noResolverFinding(t, c, providers.FindingWrongHost, providers.FindingAddressRecords, providers.FindingWrongTarget, providers.FindingCAAForbids)
	})

	t.Run("WrongTarget", func(t *testing.T) {
		r := h.New(t)
		h.AddRecord(t, host, "CNAME", "old-shortener.example.net")
		c := check(t, r, host)
		if c.OK {
			t.Error("OK = true")
		}
		if len(c.Targets) != 1 || !providers.SameHost(c.Targets[0], "old-shortener.example.net") {
			t.Errorf("Targets = %q, want [old-shortener.example.net]", c.Targets)
		}
		wantResolverFinding(t, c, providers.FindingWrongTarget, host, "old-shortener.example.net", ResolverTarget)
		noResolverFinding(t, c, providers.FindingMissing)
	})

	t.Run("WrongHost", func(t *testing.T) {
		r := h.New(t)
		doubled := host + "." + apex
		h.AddRecord(t, doubled, "CNAME", ResolverTarget)
		c := check(t, r, host)
		if c.OK {
			t.Error("OK = true")
		}
		wantResolverFinding(t, c, providers.FindingWrongHost, doubled, host)
	})

	t.Run("AddressRecords", func(t *testing.T) {
		r := h.New(t)
		h.AddRecord(t, host, "A", "192.0.2.10")
		h.AddRecord(t, host, "AAAA", "2001:db8::10")
		c := check(t, r, host)
		if c.OK {
			t.Error("OK = true")
		}
		wantResolverFinding(t, c, providers.FindingAddressRecords, host, "192.0.2.10", "2001:db8::10", ResolverTarget)
	})

	t.Run("CAAForbids", func(t *testing.T) {
		r := h.New(t)
		h.AddRecord(t, host, "CNAME", ResolverTarget)
		h.AddRecord(t, apex, "CAA", `0 issue "digicert.com"`)
		h.AddRecord(t, apex, "CAA", `0 iodef "mailto:security@`+apex+`"`)
		c := check(t, r, host)
		if !c.OK {
			t.Errorf("OK = false (a CAA problem does not stop the CNAME), findings %+v", c.Findings)
		}
		wantResolverFinding(t, c, providers.FindingCAAForbids, "digicert.com", "letsencrypt.org")
	})

	t.Run("CAAForbidsEveryCA", func(t *testing.T) {
		r := h.New(t)
		h.AddRecord(t, host, "A", "192.0.2.10")
		h.AddRecord(t, host, "CAA", `0 issue ";"`)
		c := check(t, r, host)
		wantResolverFinding(t, c, providers.FindingCAAForbids, host, "letsencrypt.org")
	})

	t.Run("CAAAllows", func(t *testing.T) {
		r := h.New(t)
		h.AddRecord(t, host, "CNAME", ResolverTarget)
		h.AddRecord(t, apex, "CAA", `0 issue "digicert.com"`)
		h.AddRecord(t, apex, "CAA", `0 issue "letsencrypt.org; validationmethods=http-01"`)
		h.AddRecord(t, apex, "CAA", `0 issuewild ";"`)
		c := check(t, r, host)
		if !c.OK {
			t.Errorf("OK = false, findings %+v", c.Findings)
		}
		noResolverFinding(t, c, providers.FindingCAAForbids)
	})

	t.Run("CAAClosestSetApplies", func(t *testing.T) {
		// RFC 8659: the CA uses the closest CAA set; eu.apex allows Let's
		// Encrypt, so the apex's refusal does not apply to ls.eu.apex.
		r := h.New(t)
		sub := "ls.eu." + apex
		h.AddRecord(t, sub, "CNAME", ResolverTarget)
		h.AddRecord(t, "eu."+apex, "CAA", `0 issue "letsencrypt.org"`)
		h.AddRecord(t, apex, "CAA", `0 issue "digicert.com"`)
		c := check(t, r, sub)
		if !c.OK {
			t.Errorf("OK = false, findings %+v", c.Findings)
		}
		noResolverFinding(t, c, providers.FindingCAAForbids)

		h.AddRecord(t, "x.other."+apex, "CNAME", ResolverTarget)
		c = check(t, r, "x.other."+apex)
		wantResolverFinding(t, c, providers.FindingCAAForbids, "digicert.com")
	})

	t.Run("HostOutsideApex", func(t *testing.T) {
		r := h.New(t)
		_, err := r.CheckCNAME(t.Context(), "ls.elsewhere.example", apex, ResolverTarget)
		var pe *providers.Error
		if !errors.As(err, &pe) || !errors.Is(err, providers.ErrPermanent) {
			t.Errorf("err = %v (%T), want a permanent *providers.Error", err, err)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		r := h.New(t)
		const n = 8
		for i := range n {
			if i%2 == 0 {
				h.AddRecord(t, fmt.Sprintf("ls%d.%s", i, apex), "CNAME", ResolverTarget)
			}
		}
		var wg sync.WaitGroup
		got := make([]providers.DNSCheck, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = r.CheckCNAME(t.Context(), fmt.Sprintf("ls%d.%s", i, apex), apex, ResolverTarget)
			}()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Errorf("check %d: %v", i, errs[i])
				continue
			}
			if got[i].OK != (i%2 == 0) {
				t.Errorf("check %d: OK = %v, findings %+v", i, got[i].OK, got[i].Findings)
			}
		}
	})
}

// wantResolverFinding asserts a finding with code whose message names every one of
// words (case-insensitively), and returns it.
func wantResolverFinding(t *testing.T, c providers.DNSCheck, code string, words ...string) *providers.Finding {
	t.Helper()
	for i, f := range c.Findings {
		if f.Code != code {
			continue
		}
		for _, w := range words {
			if !strings.Contains(strings.ToLower(f.Message), strings.ToLower(w)) {
				t.Errorf("%s message %q does not name %q", code, f.Message, w)
			}
		}
		return &c.Findings[i]
	}
	t.Errorf("no %s finding in %+v", code, c.Findings)
	return nil
}

// noResolverFinding asserts that none of codes was found.
func noResolverFinding(t *testing.T, c providers.DNSCheck, codes ...string) {
	t.Helper()
	for _, f := range c.Findings {
		for _, code := range codes {
			if f.Code == code {
				t.Errorf("unexpected finding %s: %s", f.Code, f.Message)
			}
		}
	}
}

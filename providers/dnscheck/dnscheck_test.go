package dnscheck

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/providertest"
)

const (
	apex   = "acme.test"
	host   = "ls.acme.test"
	target = providertest.ResolverTarget
)

func TestConformance(t *testing.T) {
	var mu sync.Mutex
	envs := map[*testing.T]*env{}
	providertest.TestResolver(t, providertest.ResolverHarness{
		Apex: apex,
		New: func(t *testing.T) providers.Resolver {
			e := newEnv(t, apex)
			mu.Lock()
			envs[t] = e
			mu.Unlock()
			return e.r
		},
		AddRecord: func(t *testing.T, name, typ, value string) {
			mu.Lock()
			e := envs[t]
			mu.Unlock()
			e.add(t, name, typ, value)
		},
	})
}

func check(t *testing.T, e *env, host string) providers.DNSCheck {
	t.Helper()
	c, err := e.r.CheckCNAME(t.Context(), host, e.apex, target)
	if err != nil {
		t.Fatalf("CheckCNAME: %v", err)
	}
	for _, f := range c.Findings {
		t.Logf("%s: %s", f.Code, f.Message)
	}
	return c
}

func findingOf(c providers.DNSCheck, code string) *providers.Finding {
	for i := range c.Findings {
		if c.Findings[i].Code == code {
			return &c.Findings[i]
		}
	}
	return nil
}

func codes(c providers.DNSCheck) []string {
	var out []string
	for _, f := range c.Findings {
		out = append(out, f.Code)
	}
	return out
}

func assertTransient(t *testing.T, err error, words ...string) {
	t.Helper()
	var pe *providers.Error
	if !errors.As(err, &pe) || !providers.IsTransient(err) || pe.Provider != "dns" {
		t.Fatalf("err = %v (%T), want a transient *providers.Error from dns", err, err)
	}
	if !strings.HasPrefix(err.Error(), "dns: ") {
		t.Errorf("error %q lacks the dns: prefix", err)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	t.Logf("error: %v", err)
}

func TestMessages(t *testing.T) {
	e := newEnv(t, apex)
	c := check(t, e, host)
	f := findingOf(c, providers.FindingMissing)
	if f == nil {
		t.Fatalf("findings %v", codes(c))
	}
	want := "We found no CNAME record for ls.acme.test. Add: ls CNAME lsct.ashburn.us1.twilio.com."
	if f.Message != want {
		t.Errorf("message\n got %q\nwant %q", f.Message, want)
	}

	e = newEnv(t, apex)
	e.add(t, host, "CNAME", "old.example.net")
	c = check(t, e, host)
	want = "ls.acme.test points to old.example.net, but it must point to lsct.ashburn.us1.twilio.com. Change the record to: ls CNAME lsct.ashburn.us1.twilio.com."
	if f := findingOf(c, providers.FindingWrongTarget); f == nil || f.Message != want {
		t.Errorf("wrong target finding %+v, want %q", f, want)
	}

	e = newEnv(t, apex)
	e.add(t, host+"."+apex, "CNAME", target)
	c = check(t, e, host)
	if f := findingOf(c, providers.FindingWrongHost); f == nil || !strings.Contains(f.Message, `name "ls" only`) {
		t.Errorf("wrong host finding %+v", f)
	}
	if findingOf(c, providers.FindingMissing) != nil {
		t.Errorf("missing reported beside wrong host: %v", codes(c))
	}
}

func TestApexHost(t *testing.T) {
	e := newEnv(t, apex)
	c := check(t, e, apex)
	if f := findingOf(c, providers.FindingMissing); f == nil || !strings.Contains(f.Message, "@ CNAME") {
		t.Errorf("findings %+v", c.Findings)
	}
}

func TestNotYetPublic(t *testing.T) {
	t.Run("negative answer cached", func(t *testing.T) {
		e := newEnv(t, apex)
		e.auth.add(t, rr(host, "CNAME", target))
		c := check(t, e, host)
		if !c.OK {
			t.Errorf("OK = false, findings %v", codes(c))
		}
		f := findingOf(c, providers.FindingNotPublic)
		if f == nil || !strings.Contains(f.Message, "127.0.0.1") || !strings.Contains(f.Message, "within 5 minutes") {
			t.Errorf("not_yet_public finding %+v", f)
		}
		if len(c.Findings) != 1 {
			t.Errorf("findings %v, want only not_yet_public", codes(c))
		}
	})
	for ttl, wait := range map[string]string{"30": "within a minute", "7200": "within 120 minutes", "86400": "within 24 hours"} {
		t.Run("old record cached for "+ttl+"s", func(t *testing.T) {
			e := newEnv(t, apex)
			e.auth.add(t, rr(host, "CNAME", target))
			e.pub.add(t, "ls.acme.test. "+ttl+" IN CNAME old.example.net.")
			c := check(t, e, host)
			if f := findingOf(c, providers.FindingNotPublic); !c.OK || f == nil || !strings.Contains(f.Message, wait) {
				t.Errorf("OK %v, finding %+v, want %q", c.OK, f, wait)
			}
		})
	}
}

func TestNotYetAuthoritative(t *testing.T) {
	e := newEnv(t, apex)
	e.pub.add(t, rr(host, "CNAME", target))
	c := check(t, e, host)
	if c.OK {
		t.Error("OK = true")
	}
	if findingOf(c, providers.FindingNotAuthoritative) == nil || findingOf(c, providers.FindingMissing) == nil {
		t.Errorf("findings %v, want record_missing and not_yet_authoritative", codes(c))
	}
}

func TestSomeServersLag(t *testing.T) {
	e := newEnv(t, apex)
	second := startFake(t, "127.0.0.2", e.auth.port, true) // same port, another loopback address
	second.add(t,
		"acme.test. 3600 IN SOA ns1.acme.test. hostmaster.acme.test. 1 7200 3600 1209600 300",
		"acme.test. 3600 IN NS ns1.acme.test.",
	)
	e.pub.add(t, "acme.test. 3600 IN NS ns3.acme.test.", "ns3.acme.test. 3600 IN A 127.0.0.2")
	e.add(t, host, "CNAME", target)
	c := check(t, e, host)
	if c.OK {
		t.Error("OK = true while one server has no record")
	}
	if f := findingOf(c, providers.FindingNotAuthoritative); f == nil || !strings.Contains(f.Message, "1 of the 2") {
		t.Errorf("findings %+v", c.Findings)
	}
	if second.queryCount() == 0 {
		t.Error("the second name server was not asked")
	}
}

func TestDelegatedSubzone(t *testing.T) {
	e := newEnv(t, apex)
	child := startFake(t, "127.0.0.2", e.auth.port, true)
	child.add(t,
		"eu.acme.test. 3600 IN SOA ns.eu.acme.test. hostmaster.acme.test. 1 7200 3600 1209600 300",
		"eu.acme.test. 3600 IN NS ns.eu.acme.test.",
		rr("ls.eu.acme.test", "CNAME", target),
	)
	e.auth.add(t, "eu.acme.test. 3600 IN NS ns.eu.acme.test.", "ns.eu.acme.test. 3600 IN A 127.0.0.2")
	e.pub.add(t, rr("ls.eu.acme.test", "CNAME", target))
	c := check(t, e, "ls.eu.acme.test")
	if !c.OK || len(c.Findings) != 0 {
		t.Errorf("OK %v, findings %+v", c.OK, c.Findings)
	}
}

func TestTCPFallback(t *testing.T) {
	e := newEnv(t, apex)
	e.add(t, host, "CNAME", target)
	e.auth.setMode(modeTCPOnly)
	c := check(t, e, host)
	if !c.OK {
		t.Errorf("OK = false over TCP, findings %v", codes(c))
	}
}

func TestBootstrapFallback(t *testing.T) {
	e := newEnv(t, apex)
	e.add(t, host, "CNAME", target)
	dead := startFake(t, "127.0.0.1", 0, false)
	dead.setMode(modeServfail)
	r, err := New(Config{Bootstrap: []string{dead.addr(), e.pub.addr()}, Public: []string{dead.addr(), e.pub.addr()}, Port: e.auth.port, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.CheckCNAME(t.Context(), host, apex, target)
	if err != nil || !c.OK || len(c.Findings) != 0 {
		t.Fatalf("check %+v, err %v", c, err)
	}
}

func TestCriticalCAATag(t *testing.T) {
	e := newEnv(t, apex)
	e.add(t, host, "CNAME", target)
	e.add(t, apex, "CAA", `128 tbs "unknown"`)
	e.add(t, apex, "CAA", `0 issue "letsencrypt.org"`)
	c := check(t, e, host)
	if f := findingOf(c, providers.FindingCAAForbids); f == nil || !strings.Contains(f.Message, "tbs") {
		t.Errorf("findings %+v", c.Findings)
	}
}

func TestNoZone(t *testing.T) {
	e := newEnv(t, apex)
	c, err := e.r.CheckCNAME(t.Context(), "ls.nowhere.test", "nowhere.test", target)
	if err != nil {
		t.Fatal(err)
	}
	if f := findingOf(c, providers.FindingMissing); c.OK || f == nil || !strings.Contains(f.Message, "no name servers for nowhere.test") {
		t.Errorf("check %+v", c)
	}
}

func TestApexNotAZone(t *testing.T) {
	// shop.acme.test has no NS of its own: its records live in acme.test.
	e := newEnv(t, apex)
	e.add(t, "ls.shop.acme.test", "CNAME", target)
	c, err := e.r.CheckCNAME(t.Context(), "ls.shop.acme.test", "shop.acme.test", target)
	if err != nil || !c.OK {
		t.Fatalf("check %+v, err %v", c, err)
	}
}

func TestFailures(t *testing.T) {
	t.Run("authoritative server silent", func(t *testing.T) {
		e := newEnv(t, apex)
		e.auth.setMode(modeSilent)
		start := time.Now()
		_, err := e.r.CheckCNAME(t.Context(), host, apex, target)
		assertTransient(t, err, "no name server of acme.test answered")
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("truncated and no TCP", func(t *testing.T) {
		e := newEnv(t, apex)
		e.auth.setMode(modeTruncate)
		_, err := e.r.CheckCNAME(t.Context(), host, apex, target)
		assertTransient(t, err, "no name server of acme.test answered")
	})
	t.Run("SERVFAIL", func(t *testing.T) {
		e := newEnv(t, apex)
		e.auth.setMode(modeServfail)
		_, err := e.r.CheckCNAME(t.Context(), host, apex, target)
		assertTransient(t, err, "SERVFAIL")
	})
	t.Run("bootstrap silent", func(t *testing.T) {
		e := newEnv(t, apex)
		e.pub.setMode(modeSilent)
		_, err := e.r.CheckCNAME(t.Context(), host, apex, target)
		assertTransient(t, err, "could not find the name servers of acme.test")
	})
	t.Run("every bootstrap resolver silent", func(t *testing.T) {
		e := newEnv(t, apex)
		e.pub.setMode(modeSilent)
		other := startFake(t, "127.0.0.1", 0, false)
		other.setMode(modeServfail)
		r, err := New(Config{Bootstrap: []string{e.pub.addr(), other.addr()}, Public: []string{e.pub.addr()}, Port: e.auth.port, Timeout: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.CheckCNAME(t.Context(), host, apex, target)
		assertTransient(t, err, e.pub.addr(), other.addr()+": answered SERVFAIL")
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("multi-line error %q", err)
		}
	})
	t.Run("name servers without addresses", func(t *testing.T) {
		e := newEnv(t, apex)
		e.pub.add(t, "bare.test. 3600 IN NS ns.nowhere.test.")
		_, err := e.r.CheckCNAME(t.Context(), "ls.bare.test", "bare.test", target)
		assertTransient(t, err, "could not find the addresses of the name servers ns.nowhere.test")
	})
	t.Run("lame server", func(t *testing.T) {
		e := newEnv(t, apex)
		e.pub.add(t, "lame.test. 3600 IN NS ns1.acme.test.") // acme.test's server knows nothing of lame.test
		_, err := e.r.CheckCNAME(t.Context(), "ls.lame.test", "lame.test", target)
		assertTransient(t, err, "REFUSED")
	})
	t.Run("non-authoritative answer", func(t *testing.T) {
		e := newEnv(t, apex)
		e.auth.setAuthoritative(false) // plays a resolver
		_, err := e.r.CheckCNAME(t.Context(), host, apex, target)
		assertTransient(t, err, "without authority")
	})
	t.Run("cancelled", func(t *testing.T) {
		e := newEnv(t, apex)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := e.r.CheckCNAME(ctx, host, apex, target)
		assertTransient(t, err)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err %v does not wrap context.Canceled", err)
		}
	})
}

func TestBadInput(t *testing.T) {
	e := newEnv(t, apex)
	for _, tt := range []struct{ host, apex, target string }{
		{"ls.other.test", apex, target},
		{"ls..acme.test", apex, target},
		{host, "", target},
		{host, apex, ""},
		{host, apex, "bad name with spaces"},
	} {
		_, err := e.r.CheckCNAME(t.Context(), tt.host, tt.apex, tt.target)
		var pe *providers.Error
		if !errors.As(err, &pe) || providers.IsTransient(err) || !strings.HasPrefix(err.Error(), "dns: ") {
			t.Errorf("CheckCNAME(%q, %q, %q) = %v, want a permanent dns error", tt.host, tt.apex, tt.target, err)
		}
	}
	if n := e.auth.queryCount() + e.pub.queryCount(); n != 0 {
		t.Errorf("%d queries sent for bad input", n)
	}
}

func TestNew(t *testing.T) {
	r, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.bootstrap) == 0 || strings.Join(r.public, ",") != "1.1.1.1:53,8.8.8.8:53" || r.port != "53" || r.timeout != DefaultTimeout {
		t.Errorf("defaults: %+v", r)
	}
	r, err = New(Config{Bootstrap: []string{"127.0.0.1", "[::1]:5353", " 10.0.0.1:53 "}, Public: []string{"::1"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(r.bootstrap, ",") != "127.0.0.1:53,[::1]:5353,10.0.0.1:53" || r.public[0] != "[::1]:53" {
		t.Errorf("addresses: %q %q", r.bootstrap, r.public)
	}
	for _, cfg := range []Config{
		{Bootstrap: []string{"resolver.example:53"}},
		{Public: []string{"127.0.0.1:0"}},
		{Public: []string{"127.0.0.1:x"}},
		{Timeout: -time.Second},
		{Port: 70000},
	} {
		if _, err := New(cfg); err == nil || !strings.HasPrefix(err.Error(), "dns: ") {
			t.Errorf("New(%+v) = %v, want a dns: error", cfg, err)
		}
	}
}

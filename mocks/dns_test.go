package mocks_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/providertest"
)

const dnsTarget = providertest.ResolverTarget

// The fake Cloudflare is a record source.
var _ mocks.RecordSource = (*mocks.Cloudflare)(nil)

// dnsStubSource is a tiny RecordSource: records by name.
type dnsStubSource struct {
	mu   sync.Mutex
	recs []providers.Record
}

func (s *dnsStubSource) add(r providers.Record) {
	s.mu.Lock()
	s.recs = append(s.recs, r)
	s.mu.Unlock()
}

func (s *dnsStubSource) RecordsAt(name string) []providers.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []providers.Record
	for _, r := range s.recs {
		if providers.SameHost(r.Name, name) {
			out = append(out, r)
		}
	}
	return out
}

func newTestDNS(t *testing.T, cfg mocks.DNSConfig) *mocks.DNS {
	t.Helper()
	d, err := mocks.NewDNS(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func dnsCheck(t *testing.T, d *mocks.DNS, host string) providers.DNSCheck {
	t.Helper()
	c, err := d.CheckCNAME(t.Context(), host, "acme.com", dnsTarget)
	if err != nil {
		t.Fatalf("CheckCNAME: %v", err)
	}
	return c
}

func dnsFinding(c providers.DNSCheck, code string) *providers.Finding {
	for i := range c.Findings {
		if c.Findings[i].Code == code {
			return &c.Findings[i]
		}
	}
	return nil
}

func TestDNSConformance(t *testing.T) {
	var mu sync.Mutex
	fakes := map[*testing.T]*mocks.DNS{}
	providertest.TestResolver(t, providertest.ResolverHarness{
		Apex: "acme.com",
		New: func(t *testing.T) providers.Resolver {
			d := newTestDNS(t, mocks.DNSConfig{})
			mu.Lock()
			fakes[t] = d
			mu.Unlock()
			return d
		},
		AddRecord: func(t *testing.T, name, typ, value string) {
			mu.Lock()
			d := fakes[t]
			mu.Unlock()
			if err := d.AddManual(name, typ, value); err != nil {
				t.Fatalf("AddManual(%s, %s, %s): %v", name, typ, value, err)
			}
		},
	})
}

func TestDNSConformanceWithSource(t *testing.T) {
	// The same scenarios answered from a record source (the fake
	// Cloudflare's place) instead of manual records.
	var mu sync.Mutex
	sources := map[*testing.T]*dnsStubSource{}
	providertest.TestResolver(t, providertest.ResolverHarness{
		Apex: "acme.com",
		New: func(t *testing.T) providers.Resolver {
			src := &dnsStubSource{}
			mu.Lock()
			sources[t] = src
			mu.Unlock()
			return newTestDNS(t, mocks.DNSConfig{Sources: []mocks.RecordSource{src}})
		},
		AddRecord: func(t *testing.T, name, typ, value string) {
			mu.Lock()
			src := sources[t]
			mu.Unlock()
			src.add(providers.Record{Name: name, Type: typ, Content: value, TTL: 1})
		},
	})
}

func TestDNSMessages(t *testing.T) {
	d := newTestDNS(t, mocks.DNSConfig{})
	c := dnsCheck(t, d, "ls.acme.com")
	want := "We found no CNAME record for ls.acme.com. Add: ls CNAME lsct.ashburn.us1.twilio.com."
	if f := dnsFinding(c, providers.FindingMissing); f == nil || f.Message != want {
		t.Errorf("finding %+v, want %q", f, want)
	}
	if err := d.AddManual("ls.acme.com", "CNAME", "old.example.net."); err != nil {
		t.Fatal(err)
	}
	c = dnsCheck(t, d, "ls.acme.com")
	want = "ls.acme.com points to old.example.net, but it must point to lsct.ashburn.us1.twilio.com. Change the record to: ls CNAME lsct.ashburn.us1.twilio.com."
	if f := dnsFinding(c, providers.FindingWrongTarget); f == nil || f.Message != want {
		t.Errorf("finding %+v, want %q", f, want)
	}
}

func TestDNSProxiedRecord(t *testing.T) {
	src := &dnsStubSource{}
	d := newTestDNS(t, mocks.DNSConfig{Sources: []mocks.RecordSource{src}})
	src.add(providers.Record{ID: "r1", Name: "ls.acme.com", Type: "CNAME", Content: dnsTarget, Proxied: true})
	c := dnsCheck(t, d, "ls.acme.com")
	if c.OK || len(c.Targets) != 0 {
		t.Errorf("OK %v, Targets %q: a proxied CNAME does not resolve to its target", c.OK, c.Targets)
	}
	f := dnsFinding(c, providers.FindingAddressRecords)
	if f == nil || !strings.Contains(f.Message, `"DNS only"`) || strings.Contains(f.Message, "make it") {
		t.Errorf("finding %+v", c.Findings)
	}
	if _, ok := d.LookupCNAME("ls.acme.com"); ok {
		t.Error("LookupCNAME sees a proxied CNAME")
	}

	src2 := &dnsStubSource{}
	d = newTestDNS(t, mocks.DNSConfig{Sources: []mocks.RecordSource{src2}})
	src2.add(providers.Record{Name: "ls.acme.com", Type: "cname", Content: "elsewhere.example.net", Proxied: true})
	c = dnsCheck(t, d, "ls.acme.com")
	if f := dnsFinding(c, providers.FindingAddressRecords); f == nil || !strings.Contains(f.Message, "make it: ls CNAME "+dnsTarget) {
		t.Errorf("finding %+v", c.Findings)
	}
}

func TestDNSWithFakeCloudflare(t *testing.T) {
	cf, err := mocks.NewCloudflare(mocks.CloudflareConfig{})
	if err != nil {
		t.Fatal(err)
	}
	zoneID, _ := cf.AddZone("acme.com")
	d := newTestDNS(t, mocks.DNSConfig{Sources: []mocks.RecordSource{cf}})
	if c := dnsCheck(t, d, "ls.acme.com"); c.OK || dnsFinding(c, providers.FindingMissing) == nil {
		t.Fatalf("empty zone: %+v", c)
	}
	cf.AddRecord(zoneID, providers.Record{Name: "ls.acme.com", Type: "CNAME", Content: dnsTarget + "."})
	if c := dnsCheck(t, d, "LS.acme.com."); !c.OK || len(c.Findings) != 0 {
		t.Fatalf("with the record: %+v", c)
	}
	if target, ok := d.LookupCNAME("ls.acme.com"); !ok || target != dnsTarget {
		t.Errorf("LookupCNAME = %q, %v", target, ok)
	}
}

func TestDNSLookupCNAME(t *testing.T) {
	d := newTestDNS(t, mocks.DNSConfig{})
	if _, ok := d.LookupCNAME("ls.acme.com"); ok {
		t.Error("found a CNAME in empty DNS")
	}
	if err := d.AddManual("LS.Acme.com.", "cname", "LSCT.ashburn.us1.twilio.com."); err != nil {
		t.Fatal(err)
	}
	if target, ok := d.LookupCNAME("ls.acme.com."); !ok || target != dnsTarget {
		t.Errorf("LookupCNAME = %q, %v", target, ok)
	}
	if got := d.Manual(); len(got) != 1 || got[0] != (providers.Record{Name: "ls.acme.com", Type: "CNAME", Content: dnsTarget}) {
		t.Errorf("Manual = %+v", got)
	}
}

func TestDNSManualRules(t *testing.T) {
	d := newTestDNS(t, mocks.DNSConfig{})
	bad := []struct{ name, typ, value string }{
		{"ls.acme.com", "MX", "10 mail.acme.com"},
		{"ls.acme.com", "", "x"},
		{"ls..acme.com", "A", "192.0.2.1"},
		{"", "A", "192.0.2.1"},
		{"ls acme.com", "A", "192.0.2.1"},
		{"ls.acme.com", "A", "192.0.2"},
		{"ls.acme.com", "A", "2001:db8::1"},
		{"ls.acme.com", "AAAA", "192.0.2.1"},
		{"ls.acme.com", "AAAA", "::ffff:192.0.2.1x"},
		{"ls.acme.com", "CNAME", "not a host"},
		{"ls.acme.com", "CNAME", "ls.acme.com."},
		{"ls.acme.com", "TXT", ""},
		{"ls.acme.com", "TXT", "two\nlines"},
		{"ls.acme.com", "CAA", "issue letsencrypt.org"},
		{"ls.acme.com", "CAA", `256 issue "letsencrypt.org"`},
		{"ls.acme.com", "CAA", `0 is-sue "letsencrypt.org"`},
		{"ls.acme.com", "CAA", `0 issue "lets"encrypt.org"`},
	}
	for _, b := range bad {
		if err := d.AddManual(b.name, b.typ, b.value); !errors.Is(err, mocks.ErrInvalidDNSRecord) {
			t.Errorf("AddManual(%q, %q, %q) = %v, want ErrInvalidDNSRecord", b.name, b.typ, b.value, err)
		}
	}
	if n := len(d.Manual()); n != 0 {
		t.Fatalf("%d records kept", n)
	}

	must := func(name, typ, value string) {
		t.Helper()
		if err := d.AddManual(name, typ, value); err != nil {
			t.Fatalf("AddManual(%s %s %s): %v", name, typ, value, err)
		}
	}
	must("ls.acme.com", "CNAME", dnsTarget)
	must("ls.acme.com", "CNAME", dnsTarget+".") // the same record again
	must("acme.com", "CAA", `0 issue letsencrypt.org`)
	must("acme.com", "TXT", "v=spf1 -all")
	must("www.acme.com", "A", "192.0.2.1")
	must("www.acme.com", "AAAA", "2001:DB8::1")
	if n := len(d.Manual()); n != 5 {
		t.Errorf("%d records, want 5: %+v", n, d.Manual())
	}
	for _, c := range []struct{ name, typ, value string }{
		{"ls.acme.com", "CNAME", "other.example.net"}, // a second CNAME
		{"ls.acme.com", "A", "192.0.2.1"},             // beside a CNAME
		{"ls.acme.com", "TXT", "hello"},               // beside a CNAME
		{"www.acme.com", "CNAME", dnsTarget},          // a CNAME beside A
	} {
		if err := d.AddManual(c.name, c.typ, c.value); !errors.Is(err, mocks.ErrInvalidDNSRecord) {
			t.Errorf("AddManual(%s %s %s) = %v, want a conflict", c.name, c.typ, c.value, err)
		}
	}

	// Remove, then change the CNAME.
	if err := d.RemoveManual("ls.acme.com", "cname", ""); err != nil {
		t.Fatal(err)
	}
	must("ls.acme.com", "CNAME", "other.example.net")
	if target, _ := d.LookupCNAME("ls.acme.com"); target != "other.example.net" {
		t.Errorf("target = %q", target)
	}
	// Remove one value of several.
	must("www.acme.com", "A", "192.0.2.2")
	if err := d.RemoveManual("www.acme.com", "A", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	var as []string
	for _, r := range d.Manual() {
		if r.Name == "www.acme.com" && r.Type == "A" {
			as = append(as, r.Content)
		}
	}
	if strings.Join(as, ",") != "192.0.2.2" {
		t.Errorf("A records = %q", as)
	}
	if err := d.RemoveManual("nothing.acme.com", "A", ""); err != nil {
		t.Errorf("removing nothing: %v", err)
	}
	if err := d.RemoveManual("www.acme.com", "A", "not an address"); !errors.Is(err, mocks.ErrInvalidDNSRecord) {
		t.Errorf("RemoveManual with a bad value: %v", err)
	}
}

func TestDNSPersistence(t *testing.T) {
	p := &memPersister{}
	d := newTestDNS(t, mocks.DNSConfig{Persister: p})
	if err := d.AddManual("ls.acme.com", "CNAME", dnsTarget); err != nil {
		t.Fatal(err)
	}
	if err := d.AddManual("acme.com", "CAA", `0 issue "digicert.com"`); err != nil {
		t.Fatal(err)
	}

	// A restart finds the same records.
	d2 := newTestDNS(t, mocks.DNSConfig{Persister: p})
	c := dnsCheck(t, d2, "ls.acme.com")
	if !c.OK || dnsFinding(c, providers.FindingCAAForbids) == nil {
		t.Errorf("after restart: %+v", c)
	}

	// A failed save changes nothing.
	p.failSave = errors.New("disk full")
	if err := d2.AddManual("www.acme.com", "A", "192.0.2.1"); err == nil || errors.Is(err, mocks.ErrInvalidDNSRecord) || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("AddManual with a failing persister: %v", err)
	}
	if err := d2.RemoveManual("ls.acme.com", "CNAME", ""); err == nil {
		t.Error("RemoveManual with a failing persister: no error")
	}
	if n := len(d2.Manual()); n != 2 {
		t.Errorf("%d records after failed saves, want 2", n)
	}

	p.failLoad = errors.New("db down")
	if _, err := mocks.NewDNS(mocks.DNSConfig{Persister: p}); err == nil || !strings.Contains(err.Error(), "db down") {
		t.Errorf("NewDNS with a failing Load: %v", err)
	}
	p.failLoad = nil
	p.data[mocks.DNSPersistName] = []byte("{not json")
	if _, err := mocks.NewDNS(mocks.DNSConfig{Persister: p}); err == nil {
		t.Error("NewDNS with corrupt state: no error")
	}
}

func TestDNSFailures(t *testing.T) {
	d := newTestDNS(t, mocks.DNSConfig{})
	d.FailNext(nil)
	custom := errors.New("boom")
	d.FailNext(custom)
	_, err := d.CheckCNAME(t.Context(), "ls.acme.com", "acme.com", dnsTarget)
	var pe *providers.Error
	if !errors.As(err, &pe) || !providers.IsTransient(err) || pe.Provider != "dns" {
		t.Errorf("first: %v, want a transient dns error", err)
	}
	if _, err := d.CheckCNAME(t.Context(), "ls.acme.com", "acme.com", dnsTarget); !errors.Is(err, custom) {
		t.Errorf("second: %v, want the injected error", err)
	}
	if _, err := d.CheckCNAME(t.Context(), "ls.acme.com", "acme.com", dnsTarget); err != nil {
		t.Errorf("third: %v, want no error", err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := d.CheckCNAME(ctx, "ls.acme.com", "acme.com", dnsTarget); !providers.IsTransient(err) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	for _, in := range [][3]string{
		{"ls.acme.com", "acme.com", "not a target"},
		{"ls.acme.com", "", dnsTarget},
		{"ls.acme.com", "other.com", dnsTarget},
		{"xacme.com", "acme.com", dnsTarget},
	} {
		if _, err := d.CheckCNAME(t.Context(), in[0], in[1], in[2]); err == nil || providers.IsTransient(err) || !strings.HasPrefix(err.Error(), "dns: ") {
			t.Errorf("CheckCNAME(%q) = %v, want a permanent dns error", in, err)
		}
	}
}

func TestDNSCAARules(t *testing.T) {
	d := newTestDNS(t, mocks.DNSConfig{})
	for _, r := range [][3]string{
		{"ls.acme.com", "CNAME", dnsTarget},
		{"acme.com", "CAA", `128 tbs "x"`},
		{"acme.com", "CAA", `0 issue "letsencrypt.org"`},
	} {
		if err := d.AddManual(r[0], r[1], r[2]); err != nil {
			t.Fatal(err)
		}
	}
	c := dnsCheck(t, d, "ls.acme.com")
	if f := dnsFinding(c, providers.FindingCAAForbids); f == nil || !strings.Contains(f.Message, "critical") {
		t.Errorf("findings %+v", c.Findings)
	}
	// A CNAME at the apex itself: "@" in the advice.
	d = newTestDNS(t, mocks.DNSConfig{})
	c = dnsCheck(t, d, "acme.com")
	if f := dnsFinding(c, providers.FindingMissing); f == nil || !strings.Contains(f.Message, "Add: @ CNAME") {
		t.Errorf("findings %+v", c.Findings)
	}
}

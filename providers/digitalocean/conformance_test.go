package digitalocean

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/mocks/speccheck"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/providertest"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// fakeBundle is the fake DigitalOcean served over loopback, with the
// adapter's transport checking every exchange against the OpenAPI document.
type fakeBundle struct {
	fake   *mocks.DigitalOcean
	srv    *httptest.Server
	base   string // the adapter's BaseURL
	checks *speccheck.Transport
}

// setupFake serves a fresh fake at prefix ("" or "/_sandbox/digitalocean").
func setupFake(t *testing.T, prefix string) *fakeBundle {
	t.Helper()
	fake, err := mocks.NewDigitalOcean(mocks.DigitalOceanConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = fake
	if prefix != "" {
		mux := http.NewServeMux()
		mux.Handle(prefix+"/", fake)
		h = mux
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	spec, err := speccheck.Load(speccheck.DigitalOcean)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeBundle{
		fake: fake, srv: srv, base: srv.URL + prefix + "/",
		checks: &speccheck.Transport{Base: srv.Client().Transport, Specs: []*speccheck.Spec{spec}, PathPrefix: prefix, Errorf: t.Errorf},
	}
}

// provider returns an adapter for token, talking to the fake.
func (b *fakeBundle) provider(t *testing.T, token string) *Provider {
	t.Helper()
	p, err := New(Config{APIToken: token, BaseURL: b.base, HTTPClient: &http.Client{Transport: b.checks}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// harness builds the conformance harness on a fake holding acme.com,
// eu.acme.com and cme.com.
func (b *fakeBundle) harness(t *testing.T) providertest.DNSHarness {
	for _, name := range []string{"acme.com", "eu.acme.com", "cme.com"} {
		b.fake.AddZone(name)
	}
	good := b.fake.AddToken("acme.com", "eu.acme.com", "cme.com")
	b.fake.AddZone("other.example")
	revoked := b.fake.AddToken("acme.com")
	b.fake.RevokeToken(revoked)
	return providertest.DNSHarness{
		Zone: "acme.com", SubZone: "eu.acme.com", LookAlike: "cme.com",
		NoComments: true,
		Good:       func(t *testing.T) providers.DNS { return b.provider(t, good) },
		Bad:        func(t *testing.T) providers.DNS { return b.provider(t, revoked) },
		Seed: func(t *testing.T, zone providers.Zone, r providers.Record) {
			b.fake.AddRecord(zone.ID, r)
		},
		RecordsAt: func(t *testing.T, name string) []providers.Record { return b.fake.RecordsAt(name) },
	}
}

func TestConformanceWithFake(t *testing.T) {
	t.Parallel()
	b := setupFake(t, "")
	providertest.TestDNS(t, b.harness(t))
	assertSpecChecked(t, b.checks)
}

// TestConformanceWithSandboxMount runs the suite with the fake mounted the
// way sandbox mode serves it.
func TestConformanceWithSandboxMount(t *testing.T) {
	t.Parallel()
	b := setupFake(t, "/_sandbox/digitalocean")
	providertest.TestDNS(t, b.harness(t))
	assertSpecChecked(t, b.checks)
}

// assertSpecChecked checks that every operation the adapter uses went
// through the spec check.
func assertSpecChecked(t *testing.T, tr *speccheck.Transport) {
	t.Helper()
	seen := map[string]bool{}
	for _, x := range tr.Seen() {
		seen[x.Method+" "+x.Route] = true
	}
	for _, want := range []string{
		"GET /v2/account",
		"GET /v2/domains",
		"GET /v2/domains/{domain_name}/records",
		"POST /v2/domains/{domain_name}/records",
		"DELETE /v2/domains/{domain_name}/records/{domain_record_id}",
	} {
		if !seen[want] {
			var got []string
			for k := range seen {
				got = append(got, k)
			}
			t.Errorf("no %s went through the spec check; saw %s", want, strings.Join(got, ", "))
		}
	}
}

// TestSandboxDNSAnswersFromFake: a CNAME made through the adapter is what
// the sandbox DNS answers, so the DNS doctor and verification work for a
// DigitalOcean self setup.
func TestSandboxDNSAnswersFromFake(t *testing.T) {
	t.Parallel()
	b := setupFake(t, "/_sandbox/digitalocean")
	// The credentials sandbox mode hands out, through the Factory.
	zoneID, creds, err := b.fake.CreateZone(ctx(t), "acme.com")
	if err != nil {
		t.Fatal(err)
	}
	resolver, err := mocks.NewDNS(mocks.DNSConfig{Sources: []mocks.RecordSource{b.fake}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Factory(Config{BaseURL: b.base, HTTPClient: &http.Client{Transport: b.checks}})(creds)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.CheckCredentials(ctx(t)); err != nil {
		t.Fatal(err)
	}
	zone, err := p.Zone(ctx(t), "ls.acme.com")
	if err == nil && zone.ID != zoneID {
		t.Fatalf("zone %+v, want %s", zone, zoneID)
	}
	if err != nil {
		t.Fatal(err)
	}
	check, err := resolver.CheckCNAME(ctx(t), "ls.acme.com", "acme.com", providertest.DNSTarget)
	if err != nil || check.OK {
		t.Fatalf("before: %+v %v", check, err)
	}
	if _, _, err := p.EnsureCNAME(ctx(t), zone, providers.CNAME{Name: "ls.acme.com", Target: providertest.DNSTarget}); err != nil {
		t.Fatal(err)
	}
	check, err = resolver.CheckCNAME(ctx(t), "ls.acme.com", "acme.com", providertest.DNSTarget)
	if err != nil || !check.OK {
		t.Fatalf("after: %+v %v", check, err)
	}
}

// TestInProcess runs the adapter on the fake through mocks.HandlerTransport,
// as the sandbox world does, paging included.
func TestInProcess(t *testing.T) {
	t.Parallel()
	fake, err := mocks.NewDigitalOcean(mocks.DigitalOceanConfig{})
	if err != nil {
		t.Fatal(err)
	}
	_, creds, err := fake.CreateZone(ctx(t), "acme.com")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 205 { // more than a page of records
		fake.AddRecord("acme.com", providers.Record{Type: "TXT", Name: "ls.acme.com", Content: strconv.Itoa(i)})
	}
	p, err := Factory(Config{BaseURL: "http://digitalocean.sandbox/", HTTPClient: &http.Client{Transport: mocks.HandlerTransport{Handler: fake}}})(creds)
	if err != nil {
		t.Fatal(err)
	}
	zone, err := p.Zone(ctx(t), "ls.acme.com")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = p.EnsureCNAME(ctx(t), zone, providers.CNAME{Name: "ls.acme.com", Target: providertest.DNSTarget})
	var conflict *providers.ConflictingRecordError
	if !errors.As(err, &conflict) || conflict.Existing.Type != "TXT" {
		t.Fatalf("EnsureCNAME over 205 TXT records: %v", err)
	}
	if n := fake.Calls(http.MethodGet, "/records"); n != 2 {
		t.Fatalf("%d record pages read, want 2", n)
	}
}

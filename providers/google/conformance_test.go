package google

import (
	"context"
	"net/http"
	"net/http/httptest"
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

const project = "acme-dns-prod"

// fakeBundle is the fake Cloud DNS served over loopback, with the
// adapter's transport checking every API exchange against the discovery
// document.
type fakeBundle struct {
	fake     *mocks.Google
	srv      *httptest.Server
	base     string // the adapter's BaseURL
	tokenURL string // the adapter's TokenURL ("" to use the key's)
	checks   *speccheck.DiscoveryTransport
}

// setupFake serves a fresh fake at prefix ("" or "/_sandbox/google"). With
// keyTokenURI, the keys the fake issues name its token endpoint (the real
// key-reading path); without, they name Google's and the adapter's
// TokenURL points at the fake, as sandbox mode does.
func setupFake(t *testing.T, prefix string, keyTokenURI bool, pendingPolls int) *fakeBundle {
	t.Helper()
	var fake *mocks.Google
	mux := http.NewServeMux()
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, prefix+"/") {
			http.NotFound(w, r)
			return
		}
		fake.ServeHTTP(w, r)
	}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	b := &fakeBundle{srv: srv, base: srv.URL + prefix + "/"}
	cfg := mocks.GoogleConfig{PendingPolls: pendingPolls}
	if keyTokenURI {
		cfg.TokenURI = srv.URL + prefix + "/token"
	} else {
		b.tokenURL = srv.URL + prefix + "/token"
	}
	var err error
	if fake, err = mocks.NewGoogle(cfg); err != nil {
		t.Fatal(err)
	}
	b.fake = fake
	doc, err := speccheck.LoadDiscovery(speccheck.GoogleDNS)
	if err != nil {
		t.Fatal(err)
	}
	b.checks = &speccheck.DiscoveryTransport{Base: srv.Client().Transport, Doc: doc, PathPrefix: prefix, Errorf: t.Errorf}
	return b
}

// provider returns an adapter for a key, talking to the fake.
func (b *fakeBundle) provider(t *testing.T, key []byte) *Provider {
	t.Helper()
	p, err := New(Config{ServiceAccountJSON: key, BaseURL: b.base, TokenURL: b.tokenURL,
		HTTPClient: &http.Client{Transport: b.checks}, PollInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// harness builds the conformance harness on a project holding acme.com,
// eu.acme.com and cme.com, and a private zone ls.eu.acme.com that Zone
// must skip.
func (b *fakeBundle) harness(t *testing.T) providertest.DNSHarness {
	for _, name := range []string{"acme.com", "eu.acme.com", "cme.com"} {
		b.fake.AddProjectZone(project, name, false)
	}
	b.fake.AddProjectZone(project, "ls.eu.acme.com", true)
	good := b.fake.AddServiceAccount(project)
	b.fake.AddProjectZone("other-project-42", "other.example", false)
	revoked := b.fake.AddServiceAccount(project)
	b.fake.RevokeKey(revoked)
	return providertest.DNSHarness{
		Zone: "acme.com", SubZone: "eu.acme.com", LookAlike: "cme.com",
		NoComments: true, IDsByName: true,
		Good: func(t *testing.T) providers.DNS { return b.provider(t, good) },
		Bad:  func(t *testing.T) providers.DNS { return b.provider(t, revoked) },
		Seed: func(t *testing.T, zone providers.Zone, r providers.Record) {
			b.fake.AddRecord(zone.ID, r)
		},
		RecordsAt: func(t *testing.T, name string) []providers.Record { return b.fake.RecordsAt(name) },
	}
}

func TestConformanceWithFake(t *testing.T) {
	t.Parallel()
	b := setupFake(t, "", true, 2)
	providertest.TestDNS(t, b.harness(t))
	// Changes are pending for two reads: the adapter waited for them.
	assertSpecChecked(t, b.checks, "dns.changes.get")
}

// TestConformanceWithSandboxMount runs the suite with the fake mounted the
// way sandbox mode serves it, the token URL given by the Config.
func TestConformanceWithSandboxMount(t *testing.T) {
	t.Parallel()
	b := setupFake(t, "/_sandbox/google", false, 0)
	providertest.TestDNS(t, b.harness(t))
	assertSpecChecked(t, b.checks)
}

// assertSpecChecked checks that every method the adapter uses went
// through the discovery check.
func assertSpecChecked(t *testing.T, tr *speccheck.DiscoveryTransport, more ...string) {
	t.Helper()
	seen := map[string]bool{}
	for _, x := range tr.Seen() {
		seen[x.Route] = true
	}
	for _, want := range append([]string{"dns.projects.get", "dns.managedZones.list", "dns.resourceRecordSets.list", "dns.changes.create"}, more...) {
		if !seen[want] {
			t.Errorf("no %s went through the discovery check; saw %v", want, seen)
		}
	}
}

// TestSandboxDNSAnswersFromFake: a CNAME made through the adapter is what
// the sandbox DNS answers, so the DNS doctor and verification work for a
// Cloud DNS self setup; a private zone's records are not.
func TestSandboxDNSAnswersFromFake(t *testing.T) {
	t.Parallel()
	b := setupFake(t, "/_sandbox/google", false, 1)
	private := b.fake.AddProjectZone(project, "acme.com", true)
	b.fake.AddRecord(private, providers.Record{Type: "CNAME", Name: "in.acme.com", Content: "intranet.example.net"})
	resolver, err := mocks.NewDNS(mocks.DNSConfig{Sources: []mocks.RecordSource{b.fake}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := resolver.LookupCNAME("in.acme.com"); ok {
		t.Fatal("a private zone's record is visible to the world")
	}
	// The credentials sandbox mode hands out, through the Factory.
	zoneID, creds, err := b.fake.CreateZone(ctx(t), "shop.example")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Factory(Config{BaseURL: b.base, TokenURL: b.tokenURL, HTTPClient: &http.Client{Transport: b.checks},
		PollInterval: time.Millisecond})(creds)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.CheckCredentials(ctx(t)); err != nil {
		t.Fatal(err)
	}
	zone, err := p.Zone(ctx(t), "ls.shop.example")
	if err != nil || zone.ID != zoneID {
		t.Fatalf("Zone = %+v %v, want %s", zone, err, zoneID)
	}
	if _, _, err := p.EnsureCNAME(ctx(t), zone, providers.CNAME{Name: "ls.shop.example", Target: providertest.DNSTarget}); err != nil {
		t.Fatal(err)
	}
	check, err := resolver.CheckCNAME(ctx(t), "ls.shop.example", "shop.example", providertest.DNSTarget)
	if err != nil || !check.OK {
		t.Fatalf("after: %+v %v", check, err)
	}
}

// TestInProcess runs the adapter on the fake through mocks.HandlerTransport,
// as the sandbox world does: token and API requests never leave the
// process.
func TestInProcess(t *testing.T) {
	t.Parallel()
	fake, err := mocks.NewGoogle(mocks.GoogleConfig{TokenURI: "http://google.sandbox/token", PendingPolls: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, creds, err := fake.CreateZone(ctx(t), "acme.com")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Factory(Config{BaseURL: "http://google.sandbox/", HTTPClient: &http.Client{Transport: mocks.HandlerTransport{Handler: fake}},
		PollInterval: time.Millisecond})(creds)
	if err != nil {
		t.Fatal(err)
	}
	zone, err := p.Zone(ctx(t), "ls.acme.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, created, err := p.EnsureCNAME(ctx(t), zone, providers.CNAME{Name: "ls.acme.com", Target: providertest.DNSTarget}); err != nil || !created {
		t.Fatalf("EnsureCNAME: %v %v", created, err)
	}
}

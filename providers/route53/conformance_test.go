package route53

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/mocks/speccheck"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/providertest"
)

// clearEnv makes sure nothing from the environment reaches the SDK.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
		"AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ROUTE_53", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
		t.Setenv(k, "")
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// fakeBundle is the fake Route 53 served over loopback.
type fakeBundle struct {
	fake   *mocks.Route53
	srv    *httptest.Server
	base   string
	shapes *speccheck.AWSTransport
	// sts checks STS's answers against STS's model, then passes the rest
	// to shapes: the adapter's transport.
	sts *speccheck.AWSTransport
}

// route53Model is Route 53's published model, which every answer the SDK
// reads from the fake is checked against.
func route53Model(t *testing.T) *speccheck.AWSModel {
	t.Helper()
	m, err := speccheck.LoadAWS(speccheck.Route53)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// setupFake serves a fresh fake at prefix ("" or "/_sandbox/route53").
func setupFake(t *testing.T, prefix string) *fakeBundle {
	t.Helper()
	return setupFakeWith(t, prefix, mocks.Route53Config{})
}

// setupFakeWith is setupFake with the fake configured by cfg.
func setupFakeWith(t *testing.T, prefix string, cfg mocks.Route53Config) *fakeBundle {
	t.Helper()
	clearEnv(t)
	fake, err := mocks.NewRoute53(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = fake
	if prefix != "" {
		mux := http.NewServeMux()
		mux.Handle(prefix+"/", http.StripPrefix(prefix, fake))
		h = mux
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	shapes := &speccheck.AWSTransport{Base: srv.Client().Transport,
		Model: route53Model(t), PathPrefix: prefix, Prefix: "/2013-04-01/", Errorf: t.Errorf}
	stsModel, err := speccheck.LoadAWS(speccheck.STS)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeBundle{fake: fake, srv: srv, base: srv.URL + prefix, shapes: shapes,
		sts: &speccheck.AWSTransport{Base: shapes, Model: stsModel, PathPrefix: prefix, Prefix: mocks.STSPath, Errorf: t.Errorf}}
}

func (b *fakeBundle) provider(t *testing.T, akid, secret string) *Provider {
	t.Helper()
	p, err := New(Config{AccessKeyID: akid, SecretAccessKey: secret, BaseEndpoint: b.base,
		HTTPClient: &http.Client{Transport: b.sts}, PollInterval: time.Millisecond, RateLimit: unlimited})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// assumeRole is linkgate's own identity in the fake, as the sandbox
// configures it.
func (b *fakeBundle) assumeRole(t *testing.T) *AssumeRoleConfig {
	t.Helper()
	acct, akid, secret, err := b.fake.PlatformAccount()
	if err != nil {
		t.Fatal(err)
	}
	return &AssumeRoleConfig{AccessKeyID: akid, SecretAccessKey: secret, AccountID: acct, STSEndpoint: b.base + mocks.STSPath}
}

// roleProvider connects by assuming roleARN.
func (b *fakeBundle) roleProvider(t *testing.T, roleARN, externalID string) *Provider {
	t.Helper()
	p, err := New(Config{RoleARN: roleARN, ExternalID: externalID, AssumeRole: b.assumeRole(t), BaseEndpoint: b.base,
		HTTPClient: &http.Client{Transport: b.sts}, PollInterval: time.Millisecond, RateLimit: unlimited})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// harness builds the conformance harness on an account holding acme.com,
// eu.acme.com and cme.com (and a private acme.com zone, which must be
// ignored), plus another account's zone the key cannot see.
func (b *fakeBundle) harness(t *testing.T) providertest.DNSHarness {
	acct := b.fake.AddAccount()
	zoneIDs := map[string]string{}
	for _, name := range []string{"acme.com", "eu.acme.com", "cme.com"} {
		zoneIDs[name] = b.fake.AddZone(acct, name, false)
	}
	b.fake.AddZone(acct, "ls.acme.com", true) // private: never chosen
	akid, secret := b.fake.AddKey(acct)
	other := b.fake.AddAccount()
	b.fake.AddZone(other, "other.example", false)
	revoked, revokedSecret := b.fake.AddKey(acct)
	b.fake.RevokeKey(revoked)
	return providertest.DNSHarness{
		Zone: "acme.com", SubZone: "eu.acme.com", LookAlike: "cme.com", IDsByName: true,
		Good: func(t *testing.T) providers.DNS { return b.provider(t, akid, secret) },
		Bad:  func(t *testing.T) providers.DNS { return b.provider(t, revoked, revokedSecret) },
		Seed: func(t *testing.T, zone providers.Zone, r providers.Record) {
			b.fake.AddRecord(zone.ID, r)
		},
		RecordsAt: func(t *testing.T, name string) []providers.Record { return b.fake.RecordsAt(name) },
	}
}

// TestConformanceWithAssumedRole runs the suite with the adapter built
// from a role: every Route 53 call is made with the temporary credentials
// the fake STS issued, and STS's answers are checked against its model.
func TestConformanceWithAssumedRole(t *testing.T) {
	b := setupFake(t, "")
	platform, _, _, err := b.fake.PlatformAccount()
	if err != nil {
		t.Fatal(err)
	}
	h := b.harness(t)
	acct := b.fake.AccountOfZone(mustZone(t, b, "acme.com"))
	good := b.fake.AddRole(acct, platform, "ext-0123456789")
	untrusting := b.fake.AddRole(acct, "999999999999", "ext-0123456789")
	h.Good = func(t *testing.T) providers.DNS { return b.roleProvider(t, good, "ext-0123456789") }
	h.Bad = func(t *testing.T) providers.DNS { return b.roleProvider(t, untrusting, "ext-0123456789") }
	providertest.TestDNS(t, h)
	assertShapesChecked(t, b.shapes)
	if n := countExchanges(b.sts, "AssumeRole", http.StatusOK); n == 0 {
		t.Errorf("no AssumeRole answer went through STS's model; saw %+v", b.sts.Seen())
	}
	if n := countExchanges(b.sts, "AssumeRole", http.StatusForbidden); n == 0 {
		t.Errorf("no refused AssumeRole went through STS's model; saw %+v", b.sts.Seen())
	}
}

// mustZone is the id of the fake's public zone name.
func mustZone(t *testing.T, b *fakeBundle, name string) string {
	t.Helper()
	id := b.fake.ZoneID(name)
	if id == "" {
		t.Fatalf("no zone %s", name)
	}
	return id
}

func TestConformanceWithFake(t *testing.T) {
	b := setupFake(t, "")
	providertest.TestDNS(t, b.harness(t))
	assertShapesChecked(t, b.shapes, "error")
}

// assertShapesChecked checks that every operation the adapter calls, and
// those named in also ("error": an error answer), went through the check against Route 53's model.
func assertShapesChecked(t *testing.T, s *speccheck.AWSTransport, also ...string) {
	t.Helper()
	seen := map[string]int{}
	for _, e := range s.Seen() {
		seen[e.Route]++
		if e.Status >= 400 {
			seen["error"]++
		}
	}
	for _, want := range append([]string{"GetHostedZoneCount", "ListHostedZones", "ListResourceRecordSets",
		"ChangeResourceRecordSets", "GetChange"}, also...) {
		if seen[want] == 0 {
			t.Errorf("no %s answer went through the model check; saw %v", want, seen)
		}
	}
}

// TestConformanceWithSandboxMount runs the suite with the fake mounted the
// way sandbox mode serves it.
func TestConformanceWithSandboxMount(t *testing.T) {
	b := setupFake(t, "/_sandbox/route53")
	providertest.TestDNS(t, b.harness(t))
	assertShapesChecked(t, b.shapes, "error")
}

// countExchanges counts the checked answers to op with this status.
func countExchanges(s *speccheck.AWSTransport, op string, status int) int {
	n := 0
	for _, e := range s.Seen() {
		if e.Route == op && e.Status == status {
			n++
		}
	}
	return n
}

// unlimited is a rate limit the suites never reach: they are about the
// contract, TestRateLimitKeepsTheFakeHappy about the limit.
const unlimited = 100000

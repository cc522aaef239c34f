package cloudflare

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/cloudflare/cloudflare-go/v7/dns"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/zones"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/mocks/speccheck"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/providertest"
)

// clearEnv makes sure nothing from the environment reaches the SDK.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_USER_SERVICE_KEY", "CLOUDFLARE_BASE_URL"} {
		t.Setenv(k, "")
	}
}

// fakeBundle is the fake Cloudflare served over loopback, with the
// adapter's transport checking every exchange against the OpenAPI document.
type fakeBundle struct {
	fake   *mocks.Cloudflare
	srv    *httptest.Server
	base   string // the adapter's BaseURL
	checks *speccheck.Transport
}

// setupFake serves a fresh fake at prefix ("" or "/_sandbox/cloudflare").
func setupFake(t *testing.T, prefix string) *fakeBundle {
	t.Helper()
	clearEnv(t)
	fake, err := mocks.NewCloudflare(mocks.CloudflareConfig{})
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
	spec, err := speccheck.Load(speccheck.Cloudflare)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeBundle{
		fake: fake, srv: srv, base: srv.URL + prefix + "/client/v4",
		checks: &speccheck.Transport{Base: srv.Client().Transport, Specs: []*speccheck.Spec{spec}, PathPrefix: prefix, Errorf: newSpecReporter(t).Errorf},
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
	zoneIDs := map[string]string{}
	for _, name := range []string{"acme.com", "eu.acme.com", "cme.com"} {
		id, _ := b.fake.AddZone(name)
		zoneIDs[name] = id
	}
	// One token for the three zones, plus a zone the token cannot see.
	good := b.fake.AddToken(zoneIDs["acme.com"], zoneIDs["eu.acme.com"], zoneIDs["cme.com"])
	b.fake.AddZone("other.example")
	revoked := b.fake.AddToken(zoneIDs["acme.com"])
	b.fake.RevokeToken(revoked)
	return providertest.DNSHarness{
		Zone: "acme.com", SubZone: "eu.acme.com", LookAlike: "cme.com",
		Good: func(t *testing.T) providers.DNS { return b.provider(t, good) },
		Bad:  func(t *testing.T) providers.DNS { return b.provider(t, revoked) },
		Seed: func(t *testing.T, zone providers.Zone, r providers.Record) {
			b.fake.AddRecord(zone.ID, r)
		},
		RecordsAt: func(t *testing.T, name string) []providers.Record { return b.fake.RecordsAt(name) },
	}
}

func TestConformanceWithFake(t *testing.T) {
	b := setupFake(t, "")
	providertest.TestDNS(t, b.harness(t))
	assertSpecChecked(t, b.checks)
}

// TestConformanceWithSandboxMount runs the suite with the fake mounted the
// way sandbox mode serves it.
func TestConformanceWithSandboxMount(t *testing.T) {
	b := setupFake(t, "/_sandbox/cloudflare")
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
		"GET /zones",
		"GET /zones/{zone_id}/dns_records",
		"POST /zones/{zone_id}/dns_records",
		"DELETE /zones/{zone_id}/dns_records/{dns_record_id}",
	} {
		if !seen[want] {
			t.Errorf("no %s went through the spec check; saw %v", want, keys(seen))
		}
	}
}

func keys(m map[string]bool) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return strings.Join(out, ", ")
}

// TestSDKAutoPagingEndsOnFake runs the SDK's own auto-pager over the fake:
// it reads every record and stops at the empty page past the last one.
func TestSDKAutoPagingEndsOnFake(t *testing.T) {
	b := setupFake(t, "")
	zoneID, tok := b.fake.AddZone("acme.com")
	for i := range 12 {
		b.fake.AddRecord(zoneID, providers.Record{Type: "TXT", Name: "t.acme.com", Content: strconv.Itoa(i)})
	}
	opts := []option.RequestOption{option.WithBaseURL(b.base), option.WithAPIToken(tok), option.WithMaxRetries(0),
		option.WithHTTPClient(&http.Client{Transport: b.checks})}
	var params dns.RecordListParams
	params.ZoneID.Value, params.ZoneID.Present = zoneID, true
	params.PerPage.Value, params.PerPage.Present = 5, true
	pager := dns.NewRecordService(opts...).ListAutoPaging(ctx(t), params)
	n := 0
	for pager.Next() {
		if r := pager.Current(); r.Type != "TXT" || r.Name != "t.acme.com" {
			t.Fatalf("record %+v", r)
		}
		n++
	}
	if err := pager.Err(); err != nil || n != 12 {
		t.Fatalf("auto-paging read %d records, err %v", n, err)
	}
	if got := b.fake.Calls(http.MethodGet, "/dns_records"); got != 4 {
		t.Fatalf("%d pages requested, want 4 (the last one empty)", got)
	}

	zp := zones.NewZoneService(opts...).ListAutoPaging(ctx(t), zones.ZoneListParams{})
	n = 0
	for zp.Next() {
		if z := zp.Current(); z.ID != zoneID || z.Name != "acme.com" || z.Status != "active" {
			t.Fatalf("zone %+v", z)
		}
		n++
	}
	if err := zp.Err(); err != nil || n != 1 {
		t.Fatalf("zones: %d, %v", n, err)
	}
}

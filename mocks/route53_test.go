package mocks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/mocks/speccheck"
	"github.com/linkgate/linkgate/providers"
)

// The fake Route 53 keeps its accounts, zones, keys and records through its
// Persister: a new fake on the same store answers as the old one did.
func TestRoute53Persists(t *testing.T) {
	p := &memPersister{}
	f, err := mocks.NewRoute53(mocks.Route53Config{Persister: p})
	if err != nil {
		t.Fatal(err)
	}
	zoneID, creds, err := f.CreateZone(context.Background(), "acme.com")
	if err != nil || creds["access_key_id"] == "" || creds["secret_access_key"] == "" {
		t.Fatalf("CreateZone: %v %v", creds, err)
	}
	f.AddRecord(zoneID, providers.Record{Type: "CNAME", Name: "ls.acme.com", Content: "t.example.net."})
	g, err := mocks.NewRoute53(mocks.Route53Config{Persister: p})
	if err != nil {
		t.Fatal(err)
	}
	if recs := g.RecordsAt("ls.acme.com"); len(recs) != 1 || recs[0].Content != "t.example.net." {
		t.Fatalf("after a restart: %+v", recs)
	}
	// A private zone's records are not the Internet's.
	acct := g.AddAccount()
	private := g.AddZone(acct, "corp.example", true)
	g.AddRecord(private, providers.Record{Type: "A", Name: "db.corp.example", Content: "10.0.0.1"})
	if recs := g.RecordsAt("db.corp.example"); len(recs) != 0 {
		t.Errorf("the sandbox DNS would answer from a private zone: %+v", recs)
	}
}

// The sandbox serves the fake Route 53 like Cloudflare's: POST
// /_sandbox/route53/zones gives a zone and its key, the API is under
// /_sandbox/route53/2013-04-01/, faults take "provider": "route53".
func TestSandboxRoute53Routes(t *testing.T) {
	r53, err := mocks.NewRoute53(mocks.Route53Config{})
	if err != nil {
		t.Fatal(err)
	}
	cf, err := mocks.NewCloudflare(mocks.CloudflareConfig{})
	if err != nil {
		t.Fatal(err)
	}
	tw, err := mocks.NewTwilio(mocks.TwilioConfig{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "0123456789abcdef0123456789abcdef"})
	if err != nil {
		t.Fatal(err)
	}
	sb := &mocks.Sandbox{DNSHosts: []mocks.SandboxDNSHost{mocks.CloudflareSandboxHost(cf), mocks.Route53SandboxHost(r53)},
		Cloudflare: cf, Twilio: tw}
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	post := func(path, body string) (int, map[string]any) {
		resp, err := http.Post(srv.URL+path, "application/json", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	st, z := post("/_sandbox/route53/zones", `{"name":"acme.com"}`)
	if st != http.StatusCreated || z["zone_id"] == nil || z["access_key_id"] == nil || z["secret_access_key"] == nil {
		t.Fatalf("route53 zone: %d %v", st, z)
	}
	if st, p := post("/_sandbox/route53/zones", `{"name":"not a name"}`); st != http.StatusUnprocessableEntity {
		t.Errorf("bad zone name: %d %v", st, p)
	}
	// A role to assume instead of a key, trusting linkgate's account in
	// the fake.
	platform, _, _, err := r53.PlatformAccount()
	if err != nil {
		t.Fatal(err)
	}
	st, z = post("/_sandbox/route53/zones", `{"name":"role.example","access":"role"}`)
	if st != http.StatusCreated || z["zone_id"] == nil || z["access_key_id"] != nil || z["trusted_account_id"] != platform ||
		!strings.HasPrefix(fmt.Sprint(z["role_arn"]), "arn:aws:iam::") || z["external_id"] == nil {
		t.Errorf("route53 zone with a role: %d %v", st, z)
	}
	if st, p := post("/_sandbox/cloudflare/zones", `{"name":"acme.com","access":"role"}`); st != http.StatusUnprocessableEntity {
		t.Errorf("a role from Cloudflare: %d %v", st, p)
	}
	if st, p := post("/_sandbox/route53/zones", `{"name":"acme.com","access":"password"}`); st != http.StatusUnprocessableEntity {
		t.Errorf("unknown access: %d %v", st, p)
	}
	if st, z := post("/_sandbox/cloudflare/zones", `{"name":"acme.com"}`); st != http.StatusCreated || z["api_token"] == nil {
		t.Errorf("cloudflare zone: %d %v", st, z)
	}
	// The API answers as Route 53 does to an unsigned request, in the
	// error envelope of Route 53's model.
	model, err := speccheck.LoadAWS(speccheck.Route53)
	if err != nil {
		t.Fatal(err)
	}
	checked := &speccheck.AWSTransport{Model: model, PathPrefix: "/_sandbox/route53", Prefix: "/2013-04-01/", Errorf: t.Errorf}
	resp, err := (&http.Client{Transport: checked}).Get(srv.URL + "/_sandbox/route53/2013-04-01/hostedzonecount")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Content-Type") != "text/xml" || len(checked.Seen()) != 1 {
		t.Errorf("unsigned call: %d %s, checked %v", resp.StatusCode, resp.Header.Get("Content-Type"), checked.Seen())
	}
	if st, _ := post("/_sandbox/faults", `{"provider":"route53","status":503,"count":2}`); st != http.StatusAccepted || r53.Faults.Pending() != 2 {
		t.Errorf("route53 fault: %d, pending %d", st, r53.Faults.Pending())
	}
	if st, p := post("/_sandbox/faults", `{"provider":"dnsimple","status":503}`); st != http.StatusUnprocessableEntity {
		t.Errorf("unknown fake: %d %v", st, p)
	}
	if got := sb.Stats().DNSHosts["route53"].FaultsPending; got != 2 {
		t.Errorf("stats: route53 faults pending %d", got)
	}
}

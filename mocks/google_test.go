package mocks_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	googleoauth "golang.org/x/oauth2/google"
	dns "google.golang.org/api/dns/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/mocks/speccheck"
	"github.com/linkgate/linkgate/providers"
)

type gBundle struct {
	t      *testing.T
	fake   *mocks.Google
	srv    *httptest.Server
	checks *speccheck.DiscoveryTransport
}

func gSetup(t *testing.T, cfg mocks.GoogleConfig) *gBundle {
	t.Helper()
	b := &gBundle{t: t}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.fake.ServeHTTP(w, r) }))
	t.Cleanup(b.srv.Close)
	cfg.TokenURI = b.srv.URL + "/token"
	var err error
	if b.fake, err = mocks.NewGoogle(cfg); err != nil {
		t.Fatal(err)
	}
	doc, err := speccheck.LoadDiscovery(speccheck.GoogleDNS)
	if err != nil {
		t.Fatal(err)
	}
	b.checks = &speccheck.DiscoveryTransport{Base: b.srv.Client().Transport, Doc: doc, Errorf: t.Errorf}
	return b
}

// service is the Cloud DNS SDK signed in with key, on the fake.
func (b *gBundle) service(key []byte) *dns.Service {
	cfg, err := googleoauth.JWTConfigFromJSON(key, dns.NdevClouddnsReadwriteScope)
	if err != nil {
		b.t.Fatal(err)
	}
	cfg.TokenURL = b.srv.URL + "/token" // this fake's, whichever issued the key
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: b.checks})
	svc, err := dns.NewService(context.Background(), option.WithHTTPClient(oauth2.NewClient(ctx, cfg.TokenSource(ctx))),
		option.WithEndpoint(b.srv.URL+"/"))
	if err != nil {
		b.t.Fatal(err)
	}
	return svc
}

func wantGoogleError(t *testing.T, err error, code int, reason string) {
	t.Helper()
	var ge *googleapi.Error
	if !errors.As(err, &ge) || ge.Code != code || len(ge.Errors) == 0 || ge.Errors[0].Reason != reason || ge.Message == "" {
		t.Fatalf("got %v, want %d %s", err, code, reason)
	}
}

func cnameSet(name, target string, ttl int64) *dns.ResourceRecordSet {
	return &dns.ResourceRecordSet{Name: name, Type: "CNAME", Ttl: ttl, Rrdatas: []string{target}}
}

func TestGoogleFidelity(t *testing.T) {
	t.Parallel()
	b := gSetup(t, mocks.GoogleConfig{PendingPolls: 1})
	zone := b.fake.AddProjectZone("acme-prod", "acme.com", false)
	b.fake.AddProjectZone("acme-prod", "acme.com", true)
	svc := b.service(b.fake.AddServiceAccount("acme-prod"))
	ctx := doCtx(t)

	proj, err := svc.Projects.Get("acme-prod").Context(ctx).Do()
	if err != nil || proj.Id != "acme-prod" || proj.Number == 0 || proj.Quota == nil {
		t.Fatalf("project %+v %v", proj, err)
	}
	zones, err := svc.ManagedZones.List("acme-prod").DnsName("acme.com.").Context(ctx).Do()
	if err != nil || len(zones.ManagedZones) != 2 {
		t.Fatalf("zones %+v %v", zones, err)
	}
	var public *dns.ManagedZone
	for _, z := range zones.ManagedZones {
		if z.Visibility == "public" {
			public = z
		}
	}
	if public == nil || public.Name != zone || public.DnsName != "acme.com." || len(public.NameServers) != 4 || public.Id == 0 {
		t.Fatalf("public zone %+v", public)
	}

	// A change: pending, then done; its record set listed at once.
	ch, err := svc.Changes.Create("acme-prod", zone, &dns.Change{Additions: []*dns.ResourceRecordSet{
		cnameSet("ls.acme.com.", "lsct.ashburn.us1.twilio.com.", 300),
		{Name: "acme.com.", Type: "TXT", Ttl: 300, Rrdatas: []string{`"v=spf1 -all"`}},
	}}).Context(ctx).Do()
	if err != nil || ch.Status != "pending" || ch.Id == "" || len(ch.Additions) != 2 {
		t.Fatalf("change %+v %v", ch, err)
	}
	if ch, err = svc.Changes.Get("acme-prod", zone, ch.Id).Context(ctx).Do(); err != nil || ch.Status != "done" {
		t.Fatalf("change read again: %+v %v", ch, err)
	}
	sets, err := svc.ResourceRecordSets.List("acme-prod", zone).Name("ls.acme.com.").Context(ctx).Do()
	if err != nil || len(sets.Rrsets) != 1 || sets.Rrsets[0].Rrdatas[0] != "lsct.ashburn.us1.twilio.com." || sets.Rrsets[0].Ttl != 300 {
		t.Fatalf("rrsets %+v %v", sets, err)
	}
	if got := b.fake.RecordsAt("ls.acme.com"); len(got) != 1 || got[0].ID != "ls.acme.com/CNAME" || got[0].Content != "lsct.ashburn.us1.twilio.com" {
		t.Fatalf("RecordsAt %+v", got)
	}
	// Paging: nextPageToken until the last page.
	n, pages := 0, 0
	err = svc.ResourceRecordSets.List("acme-prod", zone).MaxResults(1).Pages(ctx, func(p *dns.ResourceRecordSetsListResponse) error {
		n += len(p.Rrsets)
		pages++
		return nil
	})
	if err != nil || n != 4 || pages != 4 { // NS, SOA, TXT at the apex and the CNAME
		t.Fatalf("paged %d sets in %d pages: %v", n, pages, err)
	}

	// Errors, in Google's envelope.
	_, err = svc.Changes.Create("acme-prod", zone, &dns.Change{Additions: []*dns.ResourceRecordSet{cnameSet("ls.acme.com.", "x.example.net.", 300)}}).Context(ctx).Do()
	wantGoogleError(t, err, 409, "alreadyExists")
	_, err = svc.Changes.Create("acme-prod", zone, &dns.Change{Additions: []*dns.ResourceRecordSet{{Name: "ls.acme.com.", Type: "A", Ttl: 300, Rrdatas: []string{"192.0.2.1"}}}}).Context(ctx).Do()
	wantGoogleError(t, err, 400, "cnameResourceRecordSetConflict")
	_, err = svc.Changes.Create("acme-prod", zone, &dns.Change{Deletions: []*dns.ResourceRecordSet{cnameSet("ls.acme.com.", "lsct.ashburn.us1.twilio.com.", 60)}}).Context(ctx).Do()
	wantGoogleError(t, err, 412, "conditionNotMet")
	_, err = svc.Changes.Create("acme-prod", zone, &dns.Change{Deletions: []*dns.ResourceRecordSet{cnameSet("no.acme.com.", "x.example.net.", 300)}}).Context(ctx).Do()
	wantGoogleError(t, err, 404, "notFound")
	_, err = svc.Changes.Create("acme-prod", zone, &dns.Change{Additions: []*dns.ResourceRecordSet{cnameSet("ls.other.com.", "x.example.net.", 300)}}).Context(ctx).Do()
	wantGoogleError(t, err, 400, "invalid")
	_, err = svc.Changes.Create("acme-prod", zone, &dns.Change{Additions: []*dns.ResourceRecordSet{cnameSet("x.acme.com.", "no-dot.example.net", 300)}}).Context(ctx).Do()
	wantGoogleError(t, err, 400, "invalid")
	_, err = svc.ResourceRecordSets.List("acme-prod", "no-such-zone").Context(ctx).Do()
	wantGoogleError(t, err, 404, "notFound")
	_, err = svc.Projects.Get("someone-elses").Context(ctx).Do()
	wantGoogleError(t, err, 403, "forbidden")

	// An exact deletion works; the change lists it.
	ch, err = svc.Changes.Create("acme-prod", zone, &dns.Change{Deletions: []*dns.ResourceRecordSet{cnameSet("ls.acme.com.", "lsct.ashburn.us1.twilio.com.", 300)}}).Context(ctx).Do()
	if err != nil || len(ch.Deletions) != 1 {
		t.Fatalf("deletion %+v %v", ch, err)
	}
	if got := b.fake.RecordsAt("ls.acme.com"); len(got) != 0 {
		t.Fatalf("after the deletion: %+v", got)
	}

	seen := map[string]bool{}
	for _, x := range b.checks.Seen() {
		seen[x.Route] = true
	}
	for _, m := range []string{"dns.projects.get", "dns.managedZones.list", "dns.changes.create", "dns.changes.get", "dns.resourceRecordSets.list"} {
		if !seen[m] {
			t.Errorf("%s was not checked against the discovery document", m)
		}
	}
}

// signJWT makes a JWT-bearer assertion signed with key.
func signJWT(t *testing.T, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": kid})
	c, _ := json.Marshal(claims)
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestGoogleTokenEndpoint(t *testing.T) {
	t.Parallel()
	now := time.Now()
	b := gSetup(t, mocks.GoogleConfig{Now: func() time.Time { return now }})
	keyJSON := b.fake.AddServiceAccount("acme-prod")
	var k struct{ PrivateKey, PrivateKeyID, ClientEmail, TokenURI string }
	var raw map[string]string
	_ = json.Unmarshal(keyJSON, &raw)
	k.PrivateKey, k.PrivateKeyID, k.ClientEmail, k.TokenURI = raw["private_key"], raw["private_key_id"], raw["client_email"], raw["token_uri"]
	block, _ := pem.Decode([]byte(k.PrivateKey))
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	key := parsed.(*rsa.PrivateKey)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	claims := func(mod func(map[string]any)) map[string]any {
		c := map[string]any{"iss": k.ClientEmail, "scope": dns.NdevClouddnsReadwriteScope, "aud": k.TokenURI,
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
		if mod != nil {
			mod(c)
		}
		return c
	}
	post := func(form url.Values) (int, map[string]any) {
		resp, err := http.PostForm(k.TokenURI, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		body, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(body, &out)
		return resp.StatusCode, out
	}
	grant := func(assertion string) url.Values {
		return url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {assertion}}
	}
	status, out := post(grant(signJWT(t, key, k.PrivateKeyID, claims(nil))))
	if status != 200 || !strings.HasPrefix(out["access_token"].(string), "ya29.") || out["token_type"] != "Bearer" {
		t.Fatalf("grant: %d %v", status, out)
	}
	for name, c := range map[string]struct {
		form url.Values
		code string
	}{
		"other key":     {grant(signJWT(t, other, k.PrivateKeyID, claims(nil))), "invalid_grant"},
		"expired":       {grant(signJWT(t, key, k.PrivateKeyID, claims(func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() }))), "invalid_grant"},
		"unknown email": {grant(signJWT(t, key, k.PrivateKeyID, claims(func(c map[string]any) { c["iss"] = "x@y.iam.gserviceaccount.com" }))), "invalid_grant"},
		"other scope":   {grant(signJWT(t, key, k.PrivateKeyID, claims(func(c map[string]any) { c["scope"] = "https://www.googleapis.com/auth/gmail.send" }))), "invalid_scope"},
		"garbage":       {grant("a.b.c"), "invalid_grant"},
		"grant type":    {url.Values{"grant_type": {"client_credentials"}}, "unsupported_grant_type"},
	} {
		status, out := post(c.form)
		if status != 400 || out["error"] != c.code || out["error_description"] == "" {
			t.Errorf("%s: %d %v, want 400 %s", name, status, out, c.code)
		}
	}
	// A deleted key signs in no more, and its tokens stop working.
	svc := b.service(keyJSON)
	if _, err := svc.Projects.Get("acme-prod").Context(doCtx(t)).Do(); err != nil {
		t.Fatal(err)
	}
	b.fake.RevokeKey(keyJSON)
	_, err = svc.Projects.Get("acme-prod").Context(doCtx(t)).Do()
	wantGoogleError(t, err, 401, "authError")
	if status, out := post(grant(signJWT(t, key, k.PrivateKeyID, claims(nil)))); status != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("a deleted key: %d %v", status, out)
	}
}

func TestGooglePersistence(t *testing.T) {
	t.Parallel()
	p := &memPersister{}
	a := gSetup(t, mocks.GoogleConfig{Persister: p})
	zoneID, creds, err := a.fake.CreateZone(context.Background(), "acme.com")
	if err != nil {
		t.Fatal(err)
	}
	a.fake.AddRecord(zoneID, providers.Record{Type: "A", Name: "x.acme.com", Content: "192.0.2.1"})
	var raw map[string]string
	_ = json.Unmarshal([]byte(creds["service_account_json"]), &raw)
	project := raw["project_id"]
	if project == "" || creds["project_id"] != project || zoneID != "acme-com" {
		t.Fatalf("CreateZone = %s %v", zoneID, creds)
	}
	b := gSetup(t, mocks.GoogleConfig{Persister: p})
	svc := b.service([]byte(creds["service_account_json"])) // the key signs in after a restart
	sets, err := svc.ResourceRecordSets.List(project, zoneID).Name("x.acme.com.").Context(doCtx(t)).Do()
	if err != nil || len(sets.Rrsets) != 1 || sets.Rrsets[0].Rrdatas[0] != "192.0.2.1" {
		t.Fatalf("after a restart: %+v %v", sets, err)
	}
	again, _, err := b.fake.CreateZone(context.Background(), "acme.com")
	if err != nil || again != zoneID {
		t.Fatalf("CreateZone again: %s %v, want %s", again, err, zoneID)
	}
}

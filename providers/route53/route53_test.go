package route53

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/providers"
)

// beforeFirstChange runs fn once, just before the first
// ChangeResourceRecordSets reaches the fake: someone else writes at the
// name between the adapter's look and its CREATE.
type beforeFirstChange struct {
	base http.RoundTripper
	once sync.Once
	fn   func()
}

func (b *beforeFirstChange) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && strings.HasSuffix(strings.TrimSuffix(req.URL.Path, "/"), "/rrset") {
		b.once.Do(b.fn)
	}
	return b.base.RoundTrip(req)
}

// A CREATE answered InvalidChangeBatch "already exists" lists again and
// decides: the CNAME wanted is success, anything else a conflict.
func TestEnsureCNAMEAlreadyExistsRelists(t *testing.T) {
	for _, tc := range []struct {
		name     string
		seed     providers.Record
		conflict bool
	}{
		{"identical", providers.Record{Type: "CNAME", Content: "lsct.example.net."}, false},
		{"another target", providers.Record{Type: "CNAME", Content: "elsewhere.example.net."}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := setupFake(t, "")
			acct := b.fake.AddAccount()
			zoneID := b.fake.AddZone(acct, "acme.com", false)
			akid, secret := b.fake.AddKey(acct)
			seed := tc.seed
			seed.Name = "ls.acme.com"
			race := &beforeFirstChange{base: b.shapes, fn: func() { b.fake.AddRecord(zoneID, seed) }}
			p, err := New(Config{AccessKeyID: akid, SecretAccessKey: secret, BaseEndpoint: b.base,
				HTTPClient: &http.Client{Transport: race}, PollInterval: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			rec, created, err := p.EnsureCNAME(ctx(t), providers.Zone{ID: zoneID, Name: "acme.com"},
				providers.CNAME{Name: "ls.acme.com", Target: "lsct.example.net", TTL: 300})
			if n := countExchanges(b.shapes, "ChangeResourceRecordSets", http.StatusBadRequest); n != 1 {
				t.Errorf("want one InvalidChangeBatch answer; saw %d in %+v", n, b.shapes.Seen())
			}
			if tc.conflict {
				var ce *providers.ConflictingRecordError
				if !errors.As(err, &ce) || providers.IsTransient(err) || ce.Existing.Content != seed.Content {
					t.Fatalf("EnsureCNAME = %v, want a permanent conflict naming %s", err, seed.Content)
				}
				return
			}
			if err != nil || created || !providers.SameHost(rec.Content, "lsct.example.net") {
				t.Fatalf("EnsureCNAME = %+v, %v, %v; want the existing record, not created", rec, created, err)
			}
			if n := b.fake.RecordsCreated()["ls.acme.com"]; n != 0 {
				t.Errorf("%d record sets created through the API, want 0", n)
			}
		})
	}
}

// Errors are classified: throttling and 5xx are transient, a bad key is
// invalid credentials (permanent), all prefixed "route53".
func TestErrorsClassified(t *testing.T) {
	b := setupFake(t, "")
	acct := b.fake.AddAccount()
	b.fake.AddZone(acct, "acme.com", false)
	akid, secret := b.fake.AddKey(acct)
	p := b.provider(t, akid, secret)
	for _, tc := range []struct {
		fault     mocks.Fault
		transient bool
		code      string
	}{
		{mocks.Fault{Status: 400}, true, "Throttling"},
		{mocks.Fault{Status: 503}, true, "ServiceUnavailable"},
		{mocks.Fault{Status: 502, HTML: true}, true, ""},
		{mocks.Fault{Status: 403}, false, "AccessDenied"},
	} {
		b.fake.Faults.Inject(tc.fault)
		err := p.CheckCredentials(ctx(t))
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Provider != "route53" || !strings.HasPrefix(err.Error(), "route53: ") {
			t.Fatalf("%+v: %v, want a *providers.Error prefixed route53", tc.fault, err)
		}
		if providers.IsTransient(err) != tc.transient || !strings.Contains(err.Error(), tc.code) {
			t.Errorf("%+v: %v (transient %v), want transient %v and %q", tc.fault, err, providers.IsTransient(err), tc.transient, tc.code)
		}
		if tc.code == "AccessDenied" && !errors.Is(err, providers.ErrInvalidCredentials) {
			t.Errorf("AccessDenied: %v, want invalid credentials", err)
		}
	}
	// A wrong secret: SignatureDoesNotMatch, invalid credentials.
	if err := b.provider(t, akid, strings.Repeat("x", 40)).CheckCredentials(ctx(t)); !errors.Is(err, providers.ErrInvalidCredentials) || providers.IsTransient(err) {
		t.Errorf("wrong secret: %v", err)
	}
}

// New refuses a malformed configuration without calling Route 53.
func TestNewValidates(t *testing.T) {
	good := Config{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	if _, err := New(good); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for name, edit := range map[string]func(*Config){
		"no key id":     func(c *Config) { c.AccessKeyID = "" },
		"bad key id":    func(c *Config) { c.AccessKeyID = "akia-lower" },
		"no secret":     func(c *Config) { c.SecretAccessKey = " " },
		"bad region":    func(c *Config) { c.Region = "Europe" },
		"bad endpoint":  func(c *Config) { c.BaseEndpoint = "ftp://x" },
		"negative poll": func(c *Config) { c.PollInterval = -time.Second },
	} {
		c := good
		edit(&c)
		if _, err := New(c); err == nil || !strings.HasPrefix(err.Error(), "route53: ") {
			t.Errorf("%s: %v, want a route53 error", name, err)
		}
	}
}

// The wait for INSYNC polls GetChange until the fake says INSYNC.
func TestEnsureCNAMEWaitsInSync(t *testing.T) {
	clearEnv(t)
	fake, err := mocks.NewRoute53(mocks.Route53Config{SyncPolls: 3})
	if err != nil {
		t.Fatal(err)
	}
	acct := fake.AddAccount()
	zoneID := fake.AddZone(acct, "acme.com", false)
	akid, secret := fake.AddKey(acct)
	p, err := New(Config{AccessKeyID: akid, SecretAccessKey: secret, BaseEndpoint: "http://route53.test",
		HTTPClient: &http.Client{Transport: mocks.HandlerTransport{Handler: fake}}, PollInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, created, err := p.EnsureCNAME(ctx(t), providers.Zone{ID: zoneID, Name: "acme.com"},
		providers.CNAME{Name: "ls.acme.com", Target: "t.example.net", TTL: 60}); err != nil || !created {
		t.Fatalf("EnsureCNAME: %v %v", created, err)
	}
	if n := fake.Calls(http.MethodGet, "/change/"); n != 4 {
		t.Errorf("%d GetChange calls, want 4 (PENDING three times, then INSYNC)", n)
	}
}

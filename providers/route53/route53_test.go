package route53

import (
	"errors"
	"fmt"
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
				HTTPClient: &http.Client{Transport: race}, PollInterval: time.Millisecond, RateLimit: unlimited})
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

// A role is checked before anything is sent: its ARN's form, not with a
// key as well, an external ID only with a role, and only when linkgate
// has an identity of its own to assume roles from. Each error names its
// field.
func TestRoleCredentialsValidated(t *testing.T) {
	t.Parallel()
	base := &AssumeRoleConfig{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "s", AccountID: "123456789012"}
	const arn = "arn:aws:iam::210987654321:role/dns/linkgate"
	for _, c := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"bad ARN", Config{RoleARN: "arn:aws:iam::2109876:role/x", AssumeRole: base}, "role_arn: a role ARN is written"},
		{"a user's ARN", Config{RoleARN: "arn:aws:iam::210987654321:user/x", AssumeRole: base}, "role_arn: a role ARN is written"},
		{"key and role", Config{RoleARN: arn, AccessKeyID: "AKIAIOSFODNN7EXAMPLE", AssumeRole: base}, "role_arn: give either"},
		{"not configured", Config{RoleARN: arn}, "role_arn: assume-role is not configured"},
		{"bad external ID", Config{RoleARN: arn, ExternalID: "has space", AssumeRole: base}, "external_id: "},
		{"external ID alone", Config{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "s", ExternalID: "abc"}, "external_id: an external ID goes with a role ARN"},
		{"nothing", Config{}, "access_key_id: give the access key id and secret access key, or a role ARN"},
	} {
		_, err := New(c.cfg)
		var pe *providers.Error
		if !errors.As(err, &pe) || !strings.HasPrefix(pe.Message, c.want) || !errors.Is(err, providers.ErrInvalidCredentials) {
			t.Errorf("%s: New = %v, want invalid credentials %q", c.name, err, c.want)
		}
	}
	if _, err := New(Config{RoleARN: arn, ExternalID: "ext-1", AssumeRole: base}); err != nil {
		t.Errorf("a good role: %v", err)
	}
	bad := *base
	bad.AccountID = "12"
	if _, err := New(Config{RoleARN: arn, AssumeRole: &bad}); err == nil || errors.Is(err, providers.ErrInvalidCredentials) {
		t.Errorf("a bad base identity is linkgate's configuration error, not the client's: %v", err)
	}
}

// Assumed credentials work at Route 53 with their session token only, and
// not once expired; a wrong external ID is refused on role_arn.
func TestAssumedCredentials(t *testing.T) {
	var now atomicTime
	now.set(time.Now())
	b := setupFakeWith(t, "", mocks.Route53Config{Now: now.get})
	platform, _, _, err := b.fake.PlatformAccount()
	if err != nil {
		t.Fatal(err)
	}
	acct := b.fake.AddAccount()
	b.fake.AddZone(acct, "acme.com", false)
	arn := b.fake.AddRole(acct, platform, "ext-42")
	p := b.roleProvider(t, arn, "ext-42")
	if err := p.CheckCredentials(ctx(t)); err != nil {
		t.Fatal(err)
	}
	c, err := p.creds.Retrieve(ctx(t))
	if err != nil || c.SessionToken == "" || !strings.HasPrefix(c.AccessKeyID, "ASIA") {
		t.Fatalf("assumed credentials %v, %v", c.AccessKeyID, err)
	}
	for _, tc := range []struct {
		name, token string
		later       time.Duration
		code        string
	}{
		{"with its token", c.SessionToken, 0, ""},
		{"without its token", "", 0, "InvalidClientTokenId"},
		{"expired", c.SessionToken, 2 * time.Hour, "ExpiredToken"},
	} {
		now.set(time.Now().Add(tc.later))
		q, _ := New(Config{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: tc.token, BaseEndpoint: b.base,
			HTTPClient: &http.Client{Transport: b.sts}, RateLimit: unlimited})
		err := q.CheckCredentials(ctx(t))
		if tc.code == "" && err != nil || tc.code != "" && (!errors.Is(err, providers.ErrInvalidCredentials) || !strings.Contains(err.Error(), tc.code)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.code)
		}
	}
	now.set(time.Now())
	err = b.roleProvider(t, arn, "ext-43").CheckCredentials(ctx(t))
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Op != "connect" || !strings.HasPrefix(pe.Message, "role_arn: AWS STS refused") || !strings.Contains(pe.Message, "AccessDenied") {
		t.Errorf("wrong external ID: %v", err)
	}
	if strings.Contains(err.Error(), "ext-4") {
		t.Errorf("the external ID is in the error: %v", err)
	}
}

type atomicTime struct {
	mu sync.Mutex
	t  time.Time
}

func (a *atomicTime) set(t time.Time) { a.mu.Lock(); a.t = t; a.mu.Unlock() }
func (a *atomicTime) get() time.Time  { a.mu.Lock(); defer a.mu.Unlock(); return a.t }

// TestRateLimitKeepsTheFakeHappy: the fake enforcing Route 53's limit per
// account (5 per 250 ms here, 400 Throttling over it), and adapters made
// by one Factory for one key, as concurrent workflows would make them:
// concurrent EnsureCNAME calls all succeed and none is throttled. The
// same calls without the limiter are throttled: the fake does enforce it.
func TestRateLimitKeepsTheFakeHappy(t *testing.T) {
	const n, window, calls = 5, 250 * time.Millisecond, 8
	b := setupFakeWith(t, "", mocks.Route53Config{RateLimit: mocks.Route53RateLimit{N: n, Window: window}})
	acct := b.fake.AddAccount()
	zoneID := b.fake.AddZone(acct, "acme.com", false)
	akid, secret := b.fake.AddKey(acct)
	zone := providers.Zone{ID: zoneID, Name: "acme.com"}
	run := func(rate int, prefix string) []error {
		f := Factory(Config{BaseEndpoint: b.base, HTTPClient: &http.Client{Transport: b.sts}, PollInterval: time.Millisecond,
			RateLimit: rate, RateWindow: window})
		errs := make([]error, calls)
		var wg sync.WaitGroup
		for i := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := f(map[string]string{"access_key_id": akid, "secret_access_key": secret})
				if err == nil {
					_, _, err = p.EnsureCNAME(ctx(t), zone, providers.CNAME{Name: fmt.Sprintf("%s%d.acme.com", prefix, i), Target: "t.example.net", TTL: 300})
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		return errs
	}
	began := time.Now()
	for i, err := range run(n, "ls") {
		if err != nil {
			t.Errorf("EnsureCNAME %d: %v", i, err)
		}
	}
	if th := b.fake.Throttled(); th != 0 {
		t.Errorf("the fake throttled %d requests", th)
	}
	sent := b.fake.Calls("", "/2013-04-01/")
	if least := time.Duration((sent-1)/n) * window; time.Since(began) < least {
		t.Errorf("%d requests in %s, want at least %s", sent, time.Since(began), least)
	}
	throttled := 0
	for _, err := range run(unlimited, "other") {
		if err != nil && providers.IsTransient(err) && strings.Contains(err.Error(), "Throttling") {
			throttled++
		}
	}
	if throttled == 0 || b.fake.Throttled() == 0 {
		t.Errorf("without the limiter nothing was throttled (%d errors, %d refusals): the fake does not enforce the limit", throttled, b.fake.Throttled())
	}
}

package twilio_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/mocks/speccheck"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/providertest"
	"github.com/linkgate/linkgate/providers/twilio"
)

// cnameTable is the DNS the fake Twilio consults.
type cnameTable struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *cnameTable) LookupCNAME(host string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[strings.ToLower(strings.TrimSuffix(host, "."))]
	return v, ok
}

func (c *cnameTable) set(host, target string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if target == "" {
		delete(c.m, host)
		return
	}
	c.m[host] = target
}

// fakeBundle is the adapter wired to the fake Twilio through a
// spec-checking transport.
type fakeBundle struct {
	fake *mocks.Twilio
	dns  *cnameTable
	spec *speccheck.Transport
}

func setupFake(t *testing.T) *fakeBundle {
	t.Helper()
	t.Setenv("TWILIO_EDGE", "")
	t.Setenv("TWILIO_REGION", "")
	dns := &cnameTable{m: map[string]string{}}
	fake, err := mocks.NewTwilio(mocks.TwilioConfig{AccountSID: testAccountSID, AuthToken: testToken, DNS: dns})
	if err != nil {
		t.Fatal(err)
	}
	var specs []*speccheck.Spec
	for _, name := range []string{speccheck.TwilioV1, speccheck.TwilioV2} {
		s, err := speccheck.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, s)
	}
	return &fakeBundle{
		fake: fake,
		dns:  dns,
		spec: &speccheck.Transport{Base: mocks.HandlerTransport{Handler: fake}, Specs: specs, Errorf: t.Errorf},
	}
}

func (b *fakeBundle) provider(t *testing.T, token string) *twilio.Provider {
	t.Helper()
	p, err := twilio.New(twilio.Config{AccountSID: testAccountSID, AuthToken: token, Transport: b.spec, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConformance runs the LinkShortening suite against the adapter and
// the fake Twilio, every exchange checked against Twilio's OpenAPI
// documents.
func TestConformance(t *testing.T) {
	b := setupFake(t)
	providertest.TestLinkShortening(t, providertest.LinkShorteningHarness{
		New:               func(t *testing.T) providers.LinkShortening { return b.provider(t, testToken) },
		NewBadCredentials: func(t *testing.T) providers.LinkShortening { return b.provider(t, "WrongToken0123456789") },
		RegisterDomain: func(t *testing.T, host string) string {
			sid, err := b.fake.RegisterDomainContext(context.Background(), host)
			if err != nil {
				t.Fatal(err)
			}
			return sid
		},
		SetCNAME: func(_ *testing.T, host, target string) { b.dns.set(host, target) },
		Requests: func() int { return len(b.spec.Seen()) },
	})

	// Every operation linkgate uses went through the spec check.
	routes := map[string]bool{}
	for _, x := range b.spec.Seen() {
		routes[x.Spec+" "+x.Method+" "+x.Route] = true
	}
	for _, want := range []string{
		"twilio_messaging_v2 GET /v2/LinkShortening/Domains/{DomainSid}/Certificate",
		"twilio_messaging_v1 POST /v1/LinkShortening/Domains/{DomainSid}/RequestManagedCert",
		"twilio_messaging_v1 GET /v1/LinkShortening/Domains/{DomainSid}/ValidateDns",
		"twilio_messaging_v1 GET /v1/LinkShortening/Domains/{DomainSid}/Config",
		"twilio_messaging_v1 POST /v1/LinkShortening/Domains/{DomainSid}/Config",
		"twilio_messaging_v1 POST /v1/LinkShortening/Domains/{DomainSid}/MessagingServices/{MessagingServiceSid}",
		"twilio_messaging_v1 DELETE /v1/LinkShortening/Domains/{DomainSid}/MessagingServices/{MessagingServiceSid}",
		"twilio_messaging_v1 GET /v1/LinkShortening/MessagingServices/{MessagingServiceSid}/Domain",
	} {
		if !routes[want] {
			t.Errorf("no exchange checked for %s", want)
		}
	}
	if t.Failed() {
		var seen []string
		for r := range routes {
			seen = append(seen, r)
		}
		sort.Strings(seen)
		t.Logf("routes seen:\n%s", strings.Join(seen, "\n"))
	}
}

// TestFaults drives the fake's injected failures through the adapter.
func TestFaults(t *testing.T) {
	ctx := context.Background()
	b := setupFake(t)
	p := b.provider(t, testToken)
	dn := b.fake.RegisterDomain("ls.faults.example.com")

	b.fake.Faults.Inject(mocks.Fault{Status: 503, HTML: true, RetryAfter: 2})
	_, err := p.Certificate(ctx, dn)
	pe := providerError(t, err)
	if !pe.Transient || pe.Status != 503 || pe.RetryAfter != 2*time.Second {
		t.Errorf("503 HTML fault: %+v", pe)
	}

	b.fake.Faults.Inject(mocks.Fault{Status: 429, RetryAfter: 5})
	err = p.RequestManagedCert(ctx, dn)
	pe = providerError(t, err)
	if !pe.Transient || pe.Code != 20429 || pe.Status != 429 || pe.RetryAfter != 5*time.Second {
		t.Errorf("429 fault: %+v", pe)
	}
	if n := b.fake.Calls(mocks.TwilioOpRequestManagedCert, dn); n != 0 {
		t.Errorf("the faulted request reached the fake (%d calls)", n)
	}

	b.fake.Faults.Inject(mocks.Fault{Status: 500, Count: 2})
	for i := 0; i < 2; i++ {
		if _, err := p.ValidateDNS(ctx, dn); !providers.IsTransient(err) {
			t.Errorf("500 fault #%d: %v, want transient", i+1, err)
		}
	}
	if _, err := p.ValidateDNS(ctx, dn); err != nil {
		t.Errorf("after the faults: %v", err)
	}

	// A delayed answer, past the call's deadline. (Straight to the fake:
	// HandlerTransport answers an abandoned request with an empty 200,
	// which the spec check would rightly refuse.)
	direct, err := twilio.New(twilio.Config{AccountSID: testAccountSID, AuthToken: testToken,
		Transport: mocks.HandlerTransport{Handler: b.fake}})
	if err != nil {
		t.Fatal(err)
	}
	b.fake.Faults.Inject(mocks.Fault{Delay: 2 * time.Second})
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := direct.Certificate(short, dn); !providers.IsTransient(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("delayed answer past the deadline: %v, want transient DeadlineExceeded", err)
	}

	// The fault queue is empty again: calls succeed.
	if err := p.RequestManagedCert(ctx, dn); err != nil {
		t.Errorf("RequestManagedCert after the faults: %v", err)
	}
	if n := b.fake.Calls(mocks.TwilioOpRequestManagedCert, dn); n != 1 {
		t.Errorf("RequestManagedCert calls = %d, want 1", n)
	}
}

// TestAttachInUseAgainstFake: the 30130 path against the fake, whose
// error does not name the other domain; the adapter looks it up.
func TestAttachInUseAgainstFake(t *testing.T) {
	ctx := context.Background()
	b := setupFake(t)
	p := b.provider(t, testToken)
	dn1 := b.fake.RegisterDomain("ls.one.example.com")
	dn2 := b.fake.RegisterDomain("ls.two.example.com")
	if err := p.AttachMessagingService(ctx, dn1, testMG); err != nil {
		t.Fatal(err)
	}
	err := p.AttachMessagingService(ctx, dn2, testMG)
	pe := providerError(t, err)
	var iu *providers.InUseError
	if !errors.As(err, &iu) || iu.DomainSID != dn1 || pe.Code != 30130 || pe.Transient {
		t.Fatalf("error %+v, want permanent 30130 naming %s", pe, dn1)
	}
	if got := b.fake.Calls(mocks.TwilioOpMessagingServiceDomain, testMG); got != 1 {
		t.Errorf("look-ups = %d, want 1", got)
	}
	if !strings.Contains(err.Error(), "in use by "+dn1) {
		t.Errorf("error %q", err)
	}
}

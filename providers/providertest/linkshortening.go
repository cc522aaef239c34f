package providertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/providers"
)

// DefaultLinkShorteningCNAMETarget is where Twilio wants a Link
// Shortening domain's CNAME to point.
const DefaultLinkShorteningCNAMETarget = "lsct.ashburn.us1.twilio.com."

// LinkShorteningHarness connects the LinkShortening suite to one
// implementation and the world it runs against (a fake, or a sandbox
// account).
type LinkShorteningHarness struct {
	// New returns an implementation whose credentials the provider
	// accepts. Required.
	New func(t *testing.T) providers.LinkShortening
	// NewBadCredentials returns one whose credentials the provider
	// refuses. Required.
	NewBadCredentials func(t *testing.T) providers.LinkShortening
	// RegisterDomain creates and verifies a Link Shortening domain for
	// host (what the Twilio Console does) and returns its Domain SID.
	// Required.
	RegisterDomain func(t *testing.T, host string) (domainSID string)
	// SetCNAME points host at target in the DNS the provider consults;
	// target "" removes the record. Required.
	SetCNAME func(t *testing.T, host, target string)
	// Advance, optional, moves the provider's world on between two
	// certificate polls (a fake clock, a short sleep).
	Advance func(t *testing.T)
	// Requests, optional, counts the requests that reached the provider
	// so far: the suite checks that malformed SIDs send none.
	Requests func() int

	// CNAMETarget: where the CNAME must point; default
	// DefaultLinkShorteningCNAMETarget.
	CNAMETarget string
	// MaxCertPolls: how many Certificate fetches after RequestManagedCert
	// issuance may take; default 10.
	MaxCertPolls int
	// Domain: the parent of the hosts the suite registers; default
	// "example.com". Each subtest uses fresh hosts under it.
	Domain string
}

// TestLinkShortening runs the providers.LinkShortening contract against
// h. Subtests share the provider's world but use their own hosts and
// Messaging Service SIDs, so the world may be reused between runs.
func TestLinkShortening(t *testing.T, h LinkShorteningHarness) {
	t.Helper()
	if h.New == nil || h.NewBadCredentials == nil || h.RegisterDomain == nil || h.SetCNAME == nil {
		t.Fatal("providertest: LinkShorteningHarness needs New, NewBadCredentials, RegisterDomain and SetCNAME")
	}
	if h.CNAMETarget == "" {
		h.CNAMETarget = DefaultLinkShorteningCNAMETarget
	}
	if h.MaxCertPolls <= 0 {
		h.MaxCertPolls = 10
	}
	if h.Domain == "" {
		h.Domain = "example.com"
	}
	s := &lsSuite{h: h, run: lsRandomHex(4)}

	t.Run("BadCredentials", s.badCredentials)
	t.Run("UnknownSIDs", s.unknownSIDs)
	t.Run("MalformedSIDs", s.malformedSIDs)
	t.Run("CertificateBeforeRequest", s.certificateBeforeRequest)
	t.Run("ManagedCertificate", s.managedCertificate)
	t.Run("ValidateDNS", s.validateDNS)
	t.Run("DomainConfig", s.domainConfig)
	t.Run("MessagingServices", s.messagingServices)
	t.Run("Concurrent", s.concurrent)
}

type lsSuite struct {
	h   LinkShorteningHarness
	run string // distinguishes this run's hosts

	mu   sync.Mutex
	next int
}

// host returns a fresh host for a subtest: "ls-<label>-<run><n>.<domain>".
func (s *lsSuite) host(label string) string {
	s.mu.Lock()
	s.next++
	n := s.next
	s.mu.Unlock()
	return fmt.Sprintf("ls-%s-%s%d.%s", strings.ToLower(label), s.run, n, s.h.Domain)
}

func (s *lsSuite) register(t *testing.T, label string) (host, sid string) {
	t.Helper()
	host = s.host(label)
	sid = s.h.RegisterDomain(t, host)
	if !providers.ValidDomainSID(sid) {
		t.Fatalf("harness RegisterDomain(%q) = %q, not a Domain SID", host, sid)
	}
	return host, sid
}

func lsContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func lsRandomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func lsDomainSID() string           { return "DN" + lsRandomHex(16) }
func lsMessagingServiceSID() string { return "MG" + lsRandomHex(16) }

// lsWantKind fails t unless err is a *providers.Error wrapping want and
// classed permanent.
func lsWantKind(t *testing.T, call string, err, want error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: got no error, want %v", call, want)
		return
	}
	var pe *providers.Error
	if !errors.As(err, &pe) {
		t.Errorf("%s: error %v (%T) is not a *providers.Error", call, err, err)
	}
	if want != nil && !errors.Is(err, want) {
		t.Errorf("%s: error %v does not wrap %v", call, err, want)
	}
	if !errors.Is(err, providers.ErrPermanent) || providers.IsTransient(err) {
		t.Errorf("%s: error %v is not permanent", call, err)
	}
}

func (s *lsSuite) badCredentials(t *testing.T) {
	ctx := lsContext(t)
	_, dn := s.register(t, "badcreds")
	p := s.h.NewBadCredentials(t)
	_, err := p.Certificate(ctx, dn)
	lsWantKind(t, "Certificate", err, providers.ErrInvalidCredentials)
	lsWantKind(t, "RequestManagedCert", p.RequestManagedCert(ctx, dn), providers.ErrInvalidCredentials)
	_, err = p.ValidateDNS(ctx, dn)
	lsWantKind(t, "ValidateDNS", err, providers.ErrInvalidCredentials)
	_, err = p.UpdateDomainConfig(ctx, providers.DomainConfig{DomainSID: dn, CallbackURL: "https://linkgate.example.net/clicks"})
	lsWantKind(t, "UpdateDomainConfig", err, providers.ErrInvalidCredentials)
	lsWantKind(t, "AttachMessagingService", p.AttachMessagingService(ctx, dn, lsMessagingServiceSID()), providers.ErrInvalidCredentials)
	_, err = p.MessagingServiceDomain(ctx, lsMessagingServiceSID())
	lsWantKind(t, "MessagingServiceDomain", err, providers.ErrInvalidCredentials)
}

func (s *lsSuite) unknownSIDs(t *testing.T) {
	ctx := lsContext(t)
	p := s.h.New(t)
	dn := lsDomainSID()
	_, err := p.Certificate(ctx, dn)
	lsWantKind(t, "Certificate(unknown)", err, providers.ErrNotFound)
	lsWantKind(t, "RequestManagedCert(unknown)", p.RequestManagedCert(ctx, dn), providers.ErrNotFound)
	_, err = p.ValidateDNS(ctx, dn)
	lsWantKind(t, "ValidateDNS(unknown)", err, providers.ErrNotFound)
	_, err = p.DomainConfig(ctx, dn)
	lsWantKind(t, "DomainConfig(unknown)", err, providers.ErrNotFound)
	_, err = p.UpdateDomainConfig(ctx, providers.DomainConfig{DomainSID: dn, CallbackURL: "https://linkgate.example.net/clicks"})
	lsWantKind(t, "UpdateDomainConfig(unknown)", err, providers.ErrNotFound)
	_, err = p.MessagingServiceDomain(ctx, lsMessagingServiceSID())
	lsWantKind(t, "MessagingServiceDomain(unattached)", err, providers.ErrNotFound)
}

func (s *lsSuite) malformedSIDs(t *testing.T) {
	ctx := lsContext(t)
	p := s.h.New(t)
	_, goodDN := s.register(t, "malformed")
	goodMG := lsMessagingServiceSID()
	badDNs := []string{
		"", "DN", "DN123", "dn" + strings.Repeat("a", 32), "DN" + strings.Repeat("g", 32),
		"MG" + strings.Repeat("a", 32), goodDN + "0", goodDN + "\n", " " + goodDN,
		"DN" + strings.Repeat("a", 30) + "/..", "../../v1/Accounts",
	}
	badMGs := []string{
		"", "MG", "mg" + strings.Repeat("a", 32), "MG" + strings.Repeat("z", 32),
		"DN" + strings.Repeat("a", 32), goodMG + "/Domain", "MG" + strings.Repeat("a", 31) + "?",
	}
	before := -1
	if s.h.Requests != nil {
		before = s.h.Requests()
	}
	for _, dn := range badDNs {
		_, err := p.Certificate(ctx, dn)
		lsWantKind(t, fmt.Sprintf("Certificate(%q)", dn), err, nil)
		lsWantKind(t, fmt.Sprintf("RequestManagedCert(%q)", dn), p.RequestManagedCert(ctx, dn), nil)
		_, err = p.ValidateDNS(ctx, dn)
		lsWantKind(t, fmt.Sprintf("ValidateDNS(%q)", dn), err, nil)
		_, err = p.DomainConfig(ctx, dn)
		lsWantKind(t, fmt.Sprintf("DomainConfig(%q)", dn), err, nil)
		_, err = p.UpdateDomainConfig(ctx, providers.DomainConfig{DomainSID: dn})
		lsWantKind(t, fmt.Sprintf("UpdateDomainConfig(%q)", dn), err, nil)
		lsWantKind(t, fmt.Sprintf("AttachMessagingService(%q, good)", dn), p.AttachMessagingService(ctx, dn, goodMG), nil)
		lsWantKind(t, fmt.Sprintf("DetachMessagingService(%q, good)", dn), p.DetachMessagingService(ctx, dn, goodMG), nil)
	}
	for _, mg := range badMGs {
		lsWantKind(t, fmt.Sprintf("AttachMessagingService(good, %q)", mg), p.AttachMessagingService(ctx, goodDN, mg), nil)
		lsWantKind(t, fmt.Sprintf("DetachMessagingService(good, %q)", mg), p.DetachMessagingService(ctx, goodDN, mg), nil)
		_, err := p.MessagingServiceDomain(ctx, mg)
		lsWantKind(t, fmt.Sprintf("MessagingServiceDomain(%q)", mg), err, nil)
	}
	if s.h.Requests != nil {
		if after := s.h.Requests(); after != before {
			t.Errorf("malformed SIDs reached the provider: %d requests", after-before)
		}
	}
}

func (s *lsSuite) certificateBeforeRequest(t *testing.T) {
	ctx := lsContext(t)
	p := s.h.New(t)
	host, dn := s.register(t, "nocert")
	c, err := p.Certificate(ctx, dn)
	if err != nil {
		t.Fatalf("Certificate: %v", err)
	}
	if c.State != providers.CertNone {
		t.Errorf("State = %q, want %q", c.State, providers.CertNone)
	}
	if c.DomainSID != dn {
		t.Errorf("DomainSID = %q, want %q", c.DomainSID, dn)
	}
	if c.DomainName != host {
		t.Errorf("DomainName = %q, want the bare host %q", c.DomainName, host)
	}
	if c.Requesting || c.ExpiresAt != nil {
		t.Errorf("no certificate yet, got Requesting=%v ExpiresAt=%v", c.Requesting, c.ExpiresAt)
	}
}

func (s *lsSuite) managedCertificate(t *testing.T) {
	ctx := lsContext(t)
	p := s.h.New(t)
	host, dn := s.register(t, "cert")
	s.h.SetCNAME(t, host, s.h.CNAMETarget)

	for i := 0; i < 2; i++ {
		if err := p.RequestManagedCert(ctx, dn); err != nil {
			t.Fatalf("RequestManagedCert #%d: %v", i+1, err)
		}
	}
	var c providers.Certificate
	issued := false
	for poll := 1; poll <= s.h.MaxCertPolls && !issued; poll++ {
		if s.h.Advance != nil {
			s.h.Advance(t)
		}
		var err error
		c, err = p.Certificate(ctx, dn)
		if err != nil {
			t.Fatalf("Certificate poll %d: %v", poll, err)
		}
		switch c.State {
		case providers.CertIssued:
			issued = true
		case providers.CertRequesting, providers.CertValidating:
			if !c.Requesting {
				t.Errorf("poll %d: State %q but Requesting=false", poll, c.State)
			}
		default:
			t.Fatalf("poll %d: State = %q after RequestManagedCert, want requesting, validating or issued", poll, c.State)
		}
		if c.DomainName != host {
			t.Errorf("poll %d: DomainName = %q, want %q", poll, c.DomainName, host)
		}
	}
	if !issued {
		t.Fatalf("certificate not issued after %d polls (last state %q)", s.h.MaxCertPolls, c.State)
	}
	if !c.Managed || c.Requesting {
		t.Errorf("issued: Managed=%v Requesting=%v, want true, false", c.Managed, c.Requesting)
	}
	if c.CertificateSID == "" {
		t.Error("issued certificate has no CertificateSID")
	}
	if c.ExpiresAt == nil || c.ExpiresAt.IsZero() {
		t.Error("issued certificate has no ExpiresAt")
	}

	// Requesting again after issuance is success and issues nothing new.
	if err := p.RequestManagedCert(ctx, dn); err != nil {
		t.Fatalf("RequestManagedCert after issuance: %v", err)
	}
	again, err := p.Certificate(ctx, dn)
	if err != nil {
		t.Fatalf("Certificate after the extra request: %v", err)
	}
	if again.State != providers.CertIssued || again.CertificateSID != c.CertificateSID {
		t.Errorf("after an extra request: State %q, certificate %q; want %q, %q (no second issuance)",
			again.State, again.CertificateSID, providers.CertIssued, c.CertificateSID)
	}
}

func (s *lsSuite) validateDNS(t *testing.T) {
	ctx := lsContext(t)
	p := s.h.New(t)

	good, goodDN := s.register(t, "dnsok")
	s.h.SetCNAME(t, good, strings.ToUpper(strings.TrimSuffix(s.h.CNAMETarget, "."))) // case and dot do not matter
	v, err := p.ValidateDNS(ctx, goodDN)
	if err != nil {
		t.Fatalf("ValidateDNS(right CNAME): %v", err)
	}
	if !v.Valid {
		t.Errorf("ValidateDNS(right CNAME) = invalid: %q", v.Reason)
	}

	_, missingDN := s.register(t, "dnsmissing")
	v, err = p.ValidateDNS(ctx, missingDN)
	if err != nil {
		t.Fatalf("ValidateDNS(no CNAME): %v", err)
	}
	if v.Valid || v.Reason == "" {
		t.Errorf("ValidateDNS(no CNAME) = %+v, want invalid with a reason", v)
	}

	wrong, wrongDN := s.register(t, "dnswrong")
	s.h.SetCNAME(t, wrong, "elsewhere.example.org.")
	v, err = p.ValidateDNS(ctx, wrongDN)
	if err != nil {
		t.Fatalf("ValidateDNS(wrong CNAME): %v", err)
	}
	if v.Valid || v.Reason == "" {
		t.Errorf("ValidateDNS(wrong CNAME) = %+v, want invalid with a reason", v)
	}

	// Fixing the record fixes the verdict.
	s.h.SetCNAME(t, wrong, s.h.CNAMETarget)
	v, err = p.ValidateDNS(ctx, wrongDN)
	if err != nil {
		t.Fatalf("ValidateDNS(fixed CNAME): %v", err)
	}
	if !v.Valid {
		t.Errorf("ValidateDNS(fixed CNAME) = invalid: %q", v.Reason)
	}
}

func (s *lsSuite) domainConfig(t *testing.T) {
	ctx := lsContext(t)
	p := s.h.New(t)
	_, dn := s.register(t, "config")

	want := providers.DomainConfig{
		DomainSID:         dn,
		CallbackURL:       "https://linkgate.example.net/twilio/clicks?domain=" + dn,
		FallbackURL:       "https://www.example.com/",
		ContinueOnFailure: true,
		DisableHTTPS:      false,
	}
	for i := 0; i < 2; i++ { // idempotent
		got, err := p.UpdateDomainConfig(ctx, want)
		if err != nil {
			t.Fatalf("UpdateDomainConfig #%d: %v", i+1, err)
		}
		if got != want {
			t.Errorf("UpdateDomainConfig #%d returned %+v, want %+v", i+1, got, want)
		}
	}
	got, err := p.DomainConfig(ctx, dn)
	if err != nil {
		t.Fatalf("DomainConfig: %v", err)
	}
	if got != want {
		t.Errorf("DomainConfig = %+v, want %+v", got, want)
	}

	want.FallbackURL = "https://acme.example.com/expired"
	want.ContinueOnFailure = false
	want.DisableHTTPS = true
	if got, err = p.UpdateDomainConfig(ctx, want); err != nil {
		t.Fatalf("UpdateDomainConfig (change): %v", err)
	} else if got != want {
		t.Errorf("UpdateDomainConfig (change) returned %+v, want %+v", got, want)
	}
	if got, err = p.DomainConfig(ctx, dn); err != nil {
		t.Fatalf("DomainConfig after change: %v", err)
	} else if got != want {
		t.Errorf("DomainConfig after change = %+v, want %+v", got, want)
	}
}

func (s *lsSuite) messagingServices(t *testing.T) {
	ctx := lsContext(t)
	p := s.h.New(t)
	_, dn1 := s.register(t, "mg1")
	_, dn2 := s.register(t, "mg2")
	mg := lsMessagingServiceSID()

	for i := 0; i < 2; i++ { // attached already is success
		if err := p.AttachMessagingService(ctx, dn1, mg); err != nil {
			t.Fatalf("AttachMessagingService(dn1) #%d: %v", i+1, err)
		}
	}
	got, err := p.MessagingServiceDomain(ctx, mg)
	if err != nil {
		t.Fatalf("MessagingServiceDomain: %v", err)
	}
	if got != dn1 {
		t.Errorf("MessagingServiceDomain = %q, want %q", got, dn1)
	}

	err = p.AttachMessagingService(ctx, dn2, mg)
	var inUse *providers.InUseError
	switch {
	case err == nil:
		t.Fatal("AttachMessagingService(dn2) of a service attached to dn1 succeeded")
	case !errors.As(err, &inUse):
		t.Errorf("AttachMessagingService(dn2): %v, want an *InUseError", err)
	default:
		if inUse.DomainSID != dn1 || inUse.MessagingServiceSID != mg {
			t.Errorf("InUseError = %+v, want service %s in use by %s", *inUse, mg, dn1)
		}
		if !strings.Contains(err.Error(), dn1) {
			t.Errorf("error %q does not name %s", err, dn1)
		}
	}
	if err != nil {
		lsWantKind(t, "AttachMessagingService(dn2)", err, nil)
	}
	if got, err := p.MessagingServiceDomain(ctx, mg); err != nil || got != dn1 {
		t.Errorf("after the refused attach, MessagingServiceDomain = %q, %v; want %q", got, err, dn1)
	}

	// Detaching from a domain it is not attached to changes nothing.
	if err := p.DetachMessagingService(ctx, dn2, mg); err != nil {
		t.Errorf("DetachMessagingService(dn2, not attached): %v", err)
	}
	if got, err := p.MessagingServiceDomain(ctx, mg); err != nil || got != dn1 {
		t.Errorf("after detaching from dn2, MessagingServiceDomain = %q, %v; want %q", got, err, dn1)
	}

	for i := 0; i < 2; i++ { // not attached is success
		if err := p.DetachMessagingService(ctx, dn1, mg); err != nil {
			t.Fatalf("DetachMessagingService(dn1) #%d: %v", i+1, err)
		}
	}
	_, err = p.MessagingServiceDomain(ctx, mg)
	lsWantKind(t, "MessagingServiceDomain after detach", err, providers.ErrNotFound)

	// Now it may move.
	if err := p.AttachMessagingService(ctx, dn2, mg); err != nil {
		t.Fatalf("AttachMessagingService(dn2) after detach: %v", err)
	}
	if got, err := p.MessagingServiceDomain(ctx, mg); err != nil || got != dn2 {
		t.Errorf("MessagingServiceDomain = %q, %v; want %q", got, err, dn2)
	}
	if err := p.DetachMessagingService(ctx, dn2, mg); err != nil {
		t.Errorf("cleanup: DetachMessagingService(dn2): %v", err)
	}

	// A domain takes several services.
	mgA, mgB := lsMessagingServiceSID(), lsMessagingServiceSID()
	for _, m := range []string{mgA, mgB} {
		if err := p.AttachMessagingService(ctx, dn1, m); err != nil {
			t.Fatalf("AttachMessagingService(dn1, %s): %v", m, err)
		}
		if got, err := p.MessagingServiceDomain(ctx, m); err != nil || got != dn1 {
			t.Errorf("MessagingServiceDomain(%s) = %q, %v; want %q", m, got, err, dn1)
		}
	}
}

func (s *lsSuite) concurrent(t *testing.T) {
	ctx := lsContext(t)
	p := s.h.New(t)
	host, dn := s.register(t, "concurrent")
	s.h.SetCNAME(t, host, s.h.CNAMETarget)
	mg := lsMessagingServiceSID()

	const workers = 8
	errs := make(chan error, workers*4)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.AttachMessagingService(ctx, dn, mg); err != nil {
				errs <- fmt.Errorf("attach messaging service: %w", err)
			}
			if err := p.RequestManagedCert(ctx, dn); err != nil {
				errs <- fmt.Errorf("request managed cert: %w", err)
			}
			if _, err := p.Certificate(ctx, dn); err != nil {
				errs <- fmt.Errorf("certificate: %w", err)
			}
			if v, err := p.ValidateDNS(ctx, dn); err != nil || !v.Valid {
				errs <- fmt.Errorf("validate DNS: %+v, %v", v, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, err := p.MessagingServiceDomain(ctx, mg); err != nil || got != dn {
		t.Errorf("MessagingServiceDomain = %q, %v; want %q", got, err, dn)
	}
}

package mocks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
	messagingv1 "github.com/twilio/twilio-go/rest/messaging/v1"
	messagingv2 "github.com/twilio/twilio-go/rest/messaging/v2"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/mocks/speccheck"
	"github.com/linkgate/linkgate/providers"
)

const (
	twilioTestAccount = "AC0123456789abcdef0123456789abcdef"
	twilioTestToken   = "FakeTwilioToken0123456789abcdefX" // alphanumeric, as twilio-go requires
	twilioTestMG      = "MG0123456789abcdef0123456789abcdef"
	twilioTestMG2     = "MGfedcba9876543210fedcba9876543210"
)

// twilioDNS is a CNAMELookup for the tests.
type twilioDNS struct {
	mu sync.Mutex
	m  map[string]string
}

func (d *twilioDNS) LookupCNAME(host string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	v, ok := d.m[host]
	return v, ok
}

func (d *twilioDNS) set(host, target string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.m[host] = target
}

// twilioSDK is twilio-go pointed at a fake through a spec-checking
// transport: the real SDK parses every answer.
type twilioSDK struct {
	v1   *messagingv1.ApiService
	v2   *messagingv2.ApiService
	spec *speccheck.Transport
}

func newTwilioSDK(t *testing.T, h http.Handler, token string) *twilioSDK {
	t.Helper()
	t.Setenv("TWILIO_EDGE", "")
	t.Setenv("TWILIO_REGION", "")
	var specs []*speccheck.Spec
	for _, name := range []string{speccheck.TwilioV1, speccheck.TwilioV2} {
		s, err := speccheck.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, s)
	}
	tr := &speccheck.Transport{Base: mocks.HandlerTransport{Handler: h}, Specs: specs, Errorf: t.Errorf}
	c := &client.Client{
		Credentials: client.NewCredentials(twilioTestAccount, token),
		HTTPClient:  &http.Client{Transport: tr, Timeout: 5 * time.Second},
	}
	c.SetAccountSid(twilioTestAccount)
	return &twilioSDK{v1: messagingv1.NewApiServiceWithClient(c), v2: messagingv2.NewApiServiceWithClient(c), spec: tr}
}

func newTwilioFake(t *testing.T, cfg mocks.TwilioConfig) *mocks.Twilio {
	t.Helper()
	if cfg.AccountSID == "" {
		cfg.AccountSID = twilioTestAccount
	}
	if cfg.AuthToken == "" {
		cfg.AuthToken = twilioTestToken
	}
	f, err := mocks.NewTwilio(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// twilioRestError fails t unless err is twilio-go's *TwilioRestError with
// this status (read from the body, as twilio-go does) and code.
func twilioRestError(t *testing.T, err error, status, code int) *client.TwilioRestError {
	t.Helper()
	var re *client.TwilioRestError
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T), want *client.TwilioRestError", err, err)
	}
	if re.Status != status || re.Code != code {
		t.Errorf("TwilioRestError status %d code %d, want %d %d (%v)", re.Status, re.Code, status, code, re)
	}
	if re.Message == "" || re.MoreInfo != fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code) {
		t.Errorf("TwilioRestError message %q more_info %q", re.Message, re.MoreInfo)
	}
	return re
}

// TestTwilioFidelity drives every operation linkgate uses through
// twilio-go, with every exchange checked against Twilio's OpenAPI
// documents.
func TestTwilioFidelity(t *testing.T) {
	dns := &twilioDNS{m: map[string]string{}}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	fake := newTwilioFake(t, mocks.TwilioConfig{DNS: dns, Now: func() time.Time { return now }})
	sdk := newTwilioSDK(t, fake, twilioTestToken)
	dn := fake.RegisterDomain("ls.acme.com")
	dn2 := fake.RegisterDomain("ls.other.com")
	if !providers.ValidDomainSID(dn) || !providers.ValidDomainSID(dn2) || dn == dn2 {
		t.Fatalf("RegisterDomain = %q, %q", dn, dn2)
	}

	// Certificate before any request.
	c, err := sdk.v2.FetchDomainCertV4(dn)
	if err != nil {
		t.Fatal(err)
	}
	if *c.DomainSid != dn || *c.DomainName != "https://ls.acme.com" || *c.Managed || *c.Requesting ||
		c.CertificateSid != nil || c.DateExpires != nil || c.CertInValidation != nil {
		t.Errorf("certificate before request: %s", twilioJSON(c))
	}

	// The v1 view of the same certificate: Twilio serves it too.
	c1, err := sdk.v1.FetchDomainCertV4(dn)
	if err != nil {
		t.Fatal(err)
	}
	if *c1.DomainSid != dn || *c1.DomainName != "https://ls.acme.com" || c1.CertificateSid != nil || c1.DateExpires != nil {
		t.Errorf("v1 certificate before request: %s", twilioJSON(c1))
	}
	if _, err := sdk.v1.FetchDomainCertV4("DN" + strings.Repeat("0", 32)); err == nil {
		t.Error("v1 certificate of an unknown domain: no error")
	} else {
		twilioRestError(t, err, 404, 20404)
	}

	// ValidateDns: no record, wrong record, right record.
	v, err := sdk.v1.FetchDomainDnsValidation(dn)
	if err != nil {
		t.Fatal(err)
	}
	if *v.IsValid || *v.Reason == "" || *v.DomainSid != dn {
		t.Errorf("ValidateDns without CNAME: %s", twilioJSON(v))
	}
	dns.set("ls.acme.com", "elsewhere.example.net.")
	if v, err = sdk.v1.FetchDomainDnsValidation(dn); err != nil || *v.IsValid || !strings.Contains(*v.Reason, "elsewhere.example.net") {
		t.Errorf("ValidateDns with a wrong CNAME: %s, %v", twilioJSON(v), err)
	}
	dns.set("ls.acme.com", "LSCT.Ashburn.US1.twilio.com") // case and trailing dot do not matter
	if v, err = sdk.v1.FetchDomainDnsValidation(dn); err != nil || !*v.IsValid || *v.Reason != "" {
		t.Errorf("ValidateDns with the right CNAME: %s, %v", twilioJSON(v), err)
	}

	// RequestManagedCert: created, then the same answer.
	r1, err := sdk.v1.UpdateRequestManagedCert(dn)
	if err != nil {
		t.Fatal(err)
	}
	if !*r1.Managed || !*r1.Requesting || r1.CertificateSid == nil || *r1.DomainSid != dn || *r1.DomainName != "https://ls.acme.com" {
		t.Errorf("RequestManagedCert: %s", twilioJSON(r1))
	}
	r2, err := sdk.v1.UpdateRequestManagedCert(dn)
	if err != nil {
		t.Fatal(err)
	}
	if *r2.CertificateSid != *r1.CertificateSid || !*r2.Requesting {
		t.Errorf("second RequestManagedCert started another: %s then %s", twilioJSON(r1), twilioJSON(r2))
	}

	// Polls: requesting twice, issued on the third (CertAfterPolls 3).
	for poll := 1; poll <= 3; poll++ {
		c, err = sdk.v2.FetchDomainCertV4(dn)
		if err != nil {
			t.Fatal(err)
		}
		if poll < 3 {
			if !*c.Requesting || !*c.Managed || c.CertInValidation == nil || c.DateExpires != nil {
				t.Errorf("poll %d: %s", poll, twilioJSON(c))
			}
			continue
		}
		if *c.Requesting || !*c.Managed || c.CertInValidation != nil || c.DateExpires == nil ||
			*c.CertificateSid != *r1.CertificateSid || !c.DateExpires.Equal(now.Add(90*24*time.Hour)) {
			t.Errorf("poll %d, want issued: %s", poll, twilioJSON(c))
		}
	}
	r3, err := sdk.v1.UpdateRequestManagedCert(dn)
	if err != nil {
		t.Fatal(err)
	}
	if *r3.Requesting || *r3.CertificateSid != *r1.CertificateSid || r3.DateExpires == nil {
		t.Errorf("RequestManagedCert after issuance: %s", twilioJSON(r3))
	}
	if c1, err := sdk.v1.FetchDomainCertV4(dn); err != nil || c1.DateExpires == nil || !c1.DateExpires.Equal(now.Add(90*24*time.Hour)) ||
		*c1.CertificateSid != *r1.CertificateSid || c1.CertInValidation != nil {
		t.Errorf("v1 certificate after issuance: %s, %v", twilioJSON(c1), err)
	}
	if n := fake.Calls(mocks.TwilioOpRequestManagedCert, dn); n != 3 {
		t.Errorf("Calls(RequestManagedCert) = %d, want 3", n)
	}

	// Config: none yet, created, updated, fetched.
	_, err = sdk.v1.FetchDomainConfig(dn)
	twilioRestError(t, err, 404, 20404)
	cfg, err := sdk.v1.UpdateDomainConfig(dn, (&messagingv1.UpdateDomainConfigParams{}).
		SetCallbackUrl("https://linkgate.example.net/twilio/clicks").
		SetFallbackUrl("https://acme.com/").
		SetContinueOnFailure(true).
		SetDisableHttps(false))
	if err != nil {
		t.Fatal(err)
	}
	if *cfg.DomainSid != dn || !strings.HasPrefix(*cfg.ConfigSid, "ZK") || *cfg.CallbackUrl != "https://linkgate.example.net/twilio/clicks" ||
		*cfg.FallbackUrl != "https://acme.com/" || !*cfg.ContinueOnFailure || *cfg.DisableHttps {
		t.Errorf("UpdateDomainConfig: %s", twilioJSON(cfg))
	}
	cfg2, err := sdk.v1.UpdateDomainConfig(dn, (&messagingv1.UpdateDomainConfigParams{}).SetDisableHttps(true))
	if err != nil {
		t.Fatal(err)
	}
	if *cfg2.ConfigSid != *cfg.ConfigSid || !*cfg2.DisableHttps || *cfg2.CallbackUrl != *cfg.CallbackUrl {
		t.Errorf("partial UpdateDomainConfig changed more than DisableHttps: %s", twilioJSON(cfg2))
	}
	got, err := sdk.v1.FetchDomainConfig(dn)
	if err != nil {
		t.Fatal(err)
	}
	if twilioJSON(got) != twilioJSON(cfg2) {
		t.Errorf("FetchDomainConfig = %s, want %s", twilioJSON(got), twilioJSON(cfg2))
	}
	_, err = sdk.v1.UpdateDomainConfig(dn, (&messagingv1.UpdateDomainConfigParams{}).SetCallbackUrl("not a url"))
	twilioRestError(t, err, 400, 11100)

	// Messaging Services.
	a, err := sdk.v1.CreateLinkshorteningMessagingService(dn, twilioTestMG)
	if err != nil {
		t.Fatal(err)
	}
	if *a.DomainSid != dn || *a.MessagingServiceSid != twilioTestMG || !strings.HasSuffix(*a.Url, "/MessagingServices/"+twilioTestMG) {
		t.Errorf("attach: %s", twilioJSON(a))
	}
	if a2, err := sdk.v1.CreateLinkshorteningMessagingService(dn, twilioTestMG); err != nil || twilioJSON(a2) != twilioJSON(a) {
		t.Errorf("attach again = %s, %v; want the same answer", twilioJSON(a2), err)
	}
	_, err = sdk.v1.CreateLinkshorteningMessagingService(dn2, twilioTestMG)
	re := twilioRestError(t, err, 400, 30130)
	if re.Message != "Messaging Service SID already belongs in another domain configuration." {
		t.Errorf("30130 message %q", re.Message)
	}
	assoc, err := sdk.v1.FetchLinkshorteningMessagingServiceDomainAssociation(twilioTestMG)
	if err != nil {
		t.Fatal(err)
	}
	if *assoc.DomainSid != dn || *assoc.MessagingServiceSid != twilioTestMG || !strings.HasSuffix(*assoc.Url, "/MessagingServices/"+twilioTestMG+"/Domain") {
		t.Errorf("association: %s", twilioJSON(assoc))
	}
	err = sdk.v1.DeleteLinkshorteningMessagingService(dn2, twilioTestMG)
	twilioRestError(t, err, 404, 20404)
	if err := sdk.v1.DeleteLinkshorteningMessagingService(dn, twilioTestMG); err != nil {
		t.Fatal(err)
	}
	err = sdk.v1.DeleteLinkshorteningMessagingService(dn, twilioTestMG)
	twilioRestError(t, err, 404, 20404)
	_, err = sdk.v1.FetchLinkshorteningMessagingServiceDomainAssociation(twilioTestMG)
	twilioRestError(t, err, 404, 20404)
	if _, err := sdk.v1.CreateLinkshorteningMessagingService(dn2, twilioTestMG); err != nil {
		t.Errorf("attach to dn2 after detaching: %v", err)
	}

	// Every operation went through the spec check.
	routes := map[string]bool{}
	for _, x := range sdk.spec.Seen() {
		routes[x.Method+" "+x.Route] = true
	}
	for _, want := range []string{
		"GET /v2/LinkShortening/Domains/{DomainSid}/Certificate",
		"POST /v1/LinkShortening/Domains/{DomainSid}/RequestManagedCert",
		"GET /v1/LinkShortening/Domains/{DomainSid}/ValidateDns",
		"GET /v1/LinkShortening/Domains/{DomainSid}/Config",
		"POST /v1/LinkShortening/Domains/{DomainSid}/Config",
		"POST /v1/LinkShortening/Domains/{DomainSid}/MessagingServices/{MessagingServiceSid}",
		"DELETE /v1/LinkShortening/Domains/{DomainSid}/MessagingServices/{MessagingServiceSid}",
		"GET /v1/LinkShortening/MessagingServices/{MessagingServiceSid}/Domain",
	} {
		if !routes[want] {
			t.Errorf("%s not exercised", want)
		}
	}
}

func twilioJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestTwilioCertificateNeedsDNS: no certificate is issued while the CNAME
// is wrong; fixing it lets the next poll issue it.
func TestTwilioCertificateNeedsDNS(t *testing.T) {
	dns := &twilioDNS{m: map[string]string{}}
	fake := newTwilioFake(t, mocks.TwilioConfig{DNS: dns, CertAfterPolls: 2})
	sdk := newTwilioSDK(t, fake, twilioTestToken)
	dn := fake.RegisterDomain("ls.acme.com")
	if _, err := sdk.v1.UpdateRequestManagedCert(dn); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		c, err := sdk.v2.FetchDomainCertV4(dn)
		if err != nil {
			t.Fatal(err)
		}
		if !*c.Requesting || c.DateExpires != nil {
			t.Fatalf("issued without DNS: %s", twilioJSON(c))
		}
	}
	dns.set("ls.acme.com", mocks.DefaultTwilioCNAMETarget)
	c, err := sdk.v2.FetchDomainCertV4(dn)
	if err != nil {
		t.Fatal(err)
	}
	if *c.Requesting || c.DateExpires == nil {
		t.Errorf("not issued once DNS is right: %s", twilioJSON(c))
	}
	if d := fake.Domains(); len(d) != 1 || d[0].Certificate != providers.CertIssued {
		t.Errorf("Domains() = %+v", d)
	}
}

// TestTwilioAuthentication: anything but the account's Basic credentials
// gets Twilio's 20003, with the status in the body.
func TestTwilioAuthentication(t *testing.T) {
	fake := newTwilioFake(t, mocks.TwilioConfig{})
	dn := fake.RegisterDomain("ls.acme.com")
	sdk := newTwilioSDK(t, fake, "WrongToken123")
	_, err := sdk.v2.FetchDomainCertV4(dn)
	re := twilioRestError(t, err, 401, 20003)
	if re.Message != "Authenticate" {
		t.Errorf("message %q", re.Message)
	}

	for name, set := range map[string]func(*http.Request){
		"none":          func(*http.Request) {},
		"other account": func(r *http.Request) { r.SetBasicAuth("ACffffffffffffffffffffffffffffffff", twilioTestToken) },
		"bearer":        func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+twilioTestToken) },
		"token prefix":  func(r *http.Request) { r.SetBasicAuth(twilioTestAccount, twilioTestToken[:10]) },
	} {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/v2/LinkShortening/Domains/"+dn+"/Certificate", nil)
			set(r)
			w := httptest.NewRecorder()
			fake.ServeHTTP(w, r)
			if w.Code != 401 || !strings.Contains(w.Body.String(), `"code":20003`) || !strings.Contains(w.Body.String(), `"status":401`) {
				t.Errorf("%d %s", w.Code, w.Body)
			}
			if w.Header().Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type %q", w.Header().Get("Content-Type"))
			}
		})
	}
	if n := fake.Calls(mocks.TwilioOpCertificate, ""); n != 0 {
		t.Errorf("unauthenticated calls counted: %d", n)
	}
}

// TestTwilioNotFound: unknown SIDs, malformed SIDs, unknown paths and
// wrong methods get Twilio's error bodies.
func TestTwilioNotFound(t *testing.T) {
	fake := newTwilioFake(t, mocks.TwilioConfig{})
	sdk := newTwilioSDK(t, fake, twilioTestToken)
	dn := fake.RegisterDomain("ls.acme.com")
	unknown := "DNffffffffffffffffffffffffffffffff"

	_, err := sdk.v2.FetchDomainCertV4(unknown)
	re := twilioRestError(t, err, 404, 20404)
	if re.Message != "The requested resource /v2/LinkShortening/Domains/"+unknown+"/Certificate was not found" {
		t.Errorf("message %q", re.Message)
	}
	_, err = sdk.v1.UpdateRequestManagedCert(unknown)
	twilioRestError(t, err, 404, 20404)
	_, err = sdk.v1.FetchDomainDnsValidation(unknown)
	twilioRestError(t, err, 404, 20404)
	_, err = sdk.v1.UpdateDomainConfig(unknown, &messagingv1.UpdateDomainConfigParams{})
	twilioRestError(t, err, 404, 20404)
	_, err = sdk.v1.CreateLinkshorteningMessagingService(unknown, twilioTestMG)
	twilioRestError(t, err, 404, 20404)
	_, err = sdk.v1.FetchLinkshorteningMessagingServiceDomainAssociation(twilioTestMG2)
	twilioRestError(t, err, 404, 20404)

	for _, c := range []struct {
		method, path string
		status, code int
	}{
		{"GET", "/v2/LinkShortening/Domains/DN123/Certificate", 404, 20404},
		{"POST", "/v1/LinkShortening/Domains/" + dn + "/MessagingServices/MGnothex", 404, 20404},
		{"GET", "/v1/LinkShortening/Domains/" + dn, 404, 20404},
		{"GET", "/v3/LinkShortening/Domains/" + dn + "/Certificate", 404, 20404},
		{"GET", "/", 404, 20404},
		{"DELETE", "/v2/LinkShortening/Domains/" + dn + "/Certificate", 405, 20004},
		{"GET", "/v1/LinkShortening/Domains/" + dn + "/RequestManagedCert", 405, 20004},
	} {
		r := httptest.NewRequest(c.method, c.path, nil)
		r.SetBasicAuth(twilioTestAccount, twilioTestToken)
		w := httptest.NewRecorder()
		fake.ServeHTTP(w, r)
		var body struct {
			Code     int    `json:"code"`
			Status   int    `json:"status"`
			Message  string `json:"message"`
			MoreInfo string `json:"more_info"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != c.status || body.Code != c.code ||
			body.Status != c.status || body.Message == "" || body.MoreInfo == "" {
			t.Errorf("%s %s = %d %s; want %d code %d", c.method, c.path, w.Code, w.Body, c.status, c.code)
		}
	}
}

// TestTwilioFaults: injected failures have Twilio's shape (JSON with
// status) or a load balancer's (HTML), with Retry-After.
func TestTwilioFaults(t *testing.T) {
	fake := newTwilioFake(t, mocks.TwilioConfig{})
	sdk := newTwilioSDK(t, fake, twilioTestToken)
	dn := fake.RegisterDomain("ls.acme.com")

	fake.Faults.Inject(mocks.Fault{Status: 429, RetryAfter: 3})
	_, err := sdk.v2.FetchDomainCertV4(dn)
	twilioRestError(t, err, 429, 20429)

	fake.Faults.Inject(mocks.Fault{Status: 503, HTML: true, RetryAfter: 2})
	_, err = sdk.v2.FetchDomainCertV4(dn)
	var re *client.TwilioRestError
	if err == nil || errors.As(err, &re) {
		t.Errorf("HTML 503: %v, want twilio-go's plain decoding error", err)
	}

	fake.Faults.Inject(mocks.Fault{Status: 503, HTML: true, RetryAfter: 2})
	r := httptest.NewRequest(http.MethodGet, "/v2/LinkShortening/Domains/"+dn+"/Certificate", nil)
	w := httptest.NewRecorder()
	fake.ServeHTTP(w, r) // faults come before authentication
	if w.Code != 503 || w.Header().Get("Retry-After") != "2" || !strings.HasPrefix(w.Body.String(), "<html>") {
		t.Errorf("HTML fault = %d %v %s", w.Code, w.Header(), w.Body)
	}

	if _, err := sdk.v2.FetchDomainCertV4(dn); err != nil {
		t.Errorf("after the faults: %v", err)
	}
	if n := fake.Calls(mocks.TwilioOpCertificate, dn); n != 1 {
		t.Errorf("Calls(Certificate) = %d, want 1 (faulted calls are not answered by the fake)", n)
	}
}

// TestTwilioPersistence: a new fake on the same Persister finds the same
// domains, certificates, configs and associations; a failed save changes
// nothing.
func TestTwilioPersistence(t *testing.T) {
	p := &memPersister{}
	fake := newTwilioFake(t, mocks.TwilioConfig{Persister: p, CertAfterPolls: 1})
	sdk := newTwilioSDK(t, fake, twilioTestToken)
	dn := fake.RegisterDomain("ls.acme.com")
	if again := fake.RegisterDomain("LS.ACME.COM."); again != dn {
		t.Errorf("RegisterDomain again = %q, want %q", again, dn)
	}
	if _, err := sdk.v1.UpdateRequestManagedCert(dn); err != nil {
		t.Fatal(err)
	}
	issued, err := sdk.v2.FetchDomainCertV4(dn)
	if err != nil || *issued.Requesting {
		t.Fatalf("certificate = %s, %v", twilioJSON(issued), err)
	}
	if _, err := sdk.v1.UpdateDomainConfig(dn, (&messagingv1.UpdateDomainConfigParams{}).SetCallbackUrl("https://lg.example.net/c")); err != nil {
		t.Fatal(err)
	}
	if _, err := sdk.v1.CreateLinkshorteningMessagingService(dn, twilioTestMG); err != nil {
		t.Fatal(err)
	}

	restarted := newTwilioFake(t, mocks.TwilioConfig{Persister: p})
	sdk2 := newTwilioSDK(t, restarted, twilioTestToken)
	if got := restarted.RegisterDomain("ls.acme.com"); got != dn {
		t.Errorf("after restart RegisterDomain = %q, want %q", got, dn)
	}
	c, err := sdk2.v2.FetchDomainCertV4(dn)
	if err != nil || twilioJSON(c) != twilioJSON(issued) {
		t.Errorf("certificate after restart = %s, %v; want %s", twilioJSON(c), err, twilioJSON(issued))
	}
	if cfg, err := sdk2.v1.FetchDomainConfig(dn); err != nil || *cfg.CallbackUrl != "https://lg.example.net/c" {
		t.Errorf("config after restart = %s, %v", twilioJSON(cfg), err)
	}
	if a, err := sdk2.v1.FetchLinkshorteningMessagingServiceDomainAssociation(twilioTestMG); err != nil || *a.DomainSid != dn {
		t.Errorf("association after restart = %s, %v", twilioJSON(a), err)
	}
	want := []mocks.TwilioDomain{{SID: dn, Name: "ls.acme.com", Certificate: providers.CertIssued, Configured: true, MessagingServices: []string{twilioTestMG}}}
	if got := restarted.Domains(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Domains() = %+v, want %+v", got, want)
	}

	// A failed save: 500 (transient), and the change is not kept.
	p.mu.Lock()
	p.failSave = errors.New("disk full")
	p.mu.Unlock()
	_, err = sdk2.v1.CreateLinkshorteningMessagingService(dn, twilioTestMG2)
	twilioRestError(t, err, 500, 20500)
	if sid, err := restarted.RegisterDomainContext(context.Background(), "ls.new.com"); err == nil || sid != "" {
		t.Errorf("RegisterDomainContext with a failing Persister = %q, %v", sid, err)
	}
	p.mu.Lock()
	p.failSave = nil
	p.mu.Unlock()
	_, err = sdk2.v1.FetchLinkshorteningMessagingServiceDomainAssociation(twilioTestMG2)
	twilioRestError(t, err, 404, 20404)
	if n := len(restarted.Domains()); n != 1 {
		t.Errorf("%d domains after a failed registration, want 1", n)
	}
}

func TestTwilioConfigAndRegistrationValidation(t *testing.T) {
	for name, cfg := range map[string]mocks.TwilioConfig{
		"no account":  {AuthToken: twilioTestToken},
		"bad account": {AccountSID: "AC12", AuthToken: twilioTestToken},
		"no token":    {AccountSID: twilioTestAccount},
	} {
		if _, err := mocks.NewTwilio(cfg); err == nil {
			t.Errorf("%s: NewTwilio accepted %+v", name, cfg)
		}
	}
	broken := &memPersister{data: map[string][]byte{mocks.TwilioStateName: []byte("{not json")}}
	if _, err := mocks.NewTwilio(mocks.TwilioConfig{AccountSID: twilioTestAccount, AuthToken: twilioTestToken, Persister: broken}); err == nil {
		t.Error("NewTwilio accepted corrupt saved state")
	}
	fake := newTwilioFake(t, mocks.TwilioConfig{})
	for _, bad := range []string{"", "acme", "https://ls.acme.com", "ls acme.com", "-ls.acme.com", "ls..acme.com"} {
		if sid := fake.RegisterDomain(bad); sid != "" {
			t.Errorf("RegisterDomain(%q) = %q, want refusal", bad, sid)
		}
	}
}

// TestTwilioUnderPrefix serves the fake over loopback HTTP under a prefix,
// as sandbox mode does, and reaches it with twilio-go.
func TestTwilioUnderPrefix(t *testing.T) {
	fake := newTwilioFake(t, mocks.TwilioConfig{})
	dn := fake.RegisterDomain("ls.acme.com")
	mux := http.NewServeMux()
	mux.Handle("/_sandbox/twilio/", fake)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	target, _ := url.Parse(srv.URL)

	t.Setenv("TWILIO_EDGE", "")
	t.Setenv("TWILIO_REGION", "")
	rewrite := twilioRewrite{target: target, prefix: "/_sandbox/twilio"}
	c := &client.Client{Credentials: client.NewCredentials(twilioTestAccount, twilioTestToken), HTTPClient: &http.Client{Transport: rewrite}}
	v1 := messagingv1.NewApiServiceWithClient(c)
	v2 := messagingv2.NewApiServiceWithClient(c)
	if _, err := v1.CreateLinkshorteningMessagingService(dn, twilioTestMG); err != nil {
		t.Fatal(err)
	}
	if a, err := v1.FetchLinkshorteningMessagingServiceDomainAssociation(twilioTestMG); err != nil || *a.DomainSid != dn {
		t.Fatalf("association = %v, %v", a, err)
	}
	if cert, err := v2.FetchDomainCertV4(dn); err != nil || *cert.DomainName != "https://ls.acme.com" {
		t.Fatalf("certificate = %v, %v", cert, err)
	}
	resp, err := http.Get(srv.URL + "/_sandbox/twilio/v2/LinkShortening/Domains/" + dn + "/Certificate")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(body), `"status":401`) {
		t.Errorf("no credentials over HTTP: %d %s", resp.StatusCode, body)
	}
}

// twilioRewrite sends twilio-go's requests to a loopback server under a
// prefix.
type twilioRewrite struct {
	target *url.URL
	prefix string
}

func (r twilioRewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.URL.Scheme = r.target.Scheme
	out.URL.Host = r.target.Host
	out.URL.Path = r.prefix + req.URL.Path
	out.Host = ""
	return http.DefaultTransport.RoundTrip(out)
}

// TestTwilioConcurrent hammers the fake from many goroutines (run with
// -race): one service attached from many callers ends attached once.
func TestTwilioConcurrent(t *testing.T) {
	p := &memPersister{}
	fake := newTwilioFake(t, mocks.TwilioConfig{Persister: p})
	sdk := newTwilioSDK(t, fake, twilioTestToken)
	dns := []string{fake.RegisterDomain("ls.a.com"), fake.RegisterDomain("ls.b.com")}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := map[string]int{}
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			dn := dns[i%2]
			_, err := sdk.v1.CreateLinkshorteningMessagingService(dn, twilioTestMG)
			var re *client.TwilioRestError
			if err != nil && (!errors.As(err, &re) || re.Code != 30130) {
				t.Errorf("attach: %v", err)
			}
			if err == nil {
				mu.Lock()
				wins[dn]++
				mu.Unlock()
			}
			_, _ = sdk.v1.UpdateRequestManagedCert(dn)
			_, _ = sdk.v2.FetchDomainCertV4(dn)
			_ = fake.Domains()
		}(i)
	}
	wg.Wait()
	if len(wins) != 1 {
		t.Errorf("the service was attached to %d domains: %v", len(wins), wins)
	}
	if fake.Calls(mocks.TwilioOpAttachMessagingService, "") != 16 {
		t.Errorf("Calls(attach) = %d", fake.Calls(mocks.TwilioOpAttachMessagingService, ""))
	}
}

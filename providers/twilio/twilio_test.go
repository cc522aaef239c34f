package twilio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/twilio"
)

const (
	testAccountSID = "AC0123456789abcdef0123456789abcdef"
	testToken      = "Tok3nS3cr3tAbCdEf0123456789xyzQRS" // alphanumeric, as twilio-go requires
	testDN         = "DN0123456789abcdef0123456789abcdef"
	testDN2        = "DNfedcba9876543210fedcba9876543210"
	testMG         = "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	base           = "https://messaging.twilio.com"
)

// bundle is what each adapter test needs: the adapter on a mock transport
// that records every request.
type bundle struct {
	p  *twilio.Provider
	mt *httpmock.MockTransport

	mu   sync.Mutex
	reqs []seenRequest
}

type seenRequest struct {
	Method, Path string
	Form         url.Values
	User, Pass   string
	ContentType  string
}

func setup(t *testing.T) *bundle {
	t.Helper()
	t.Setenv("TWILIO_EDGE", "")
	t.Setenv("TWILIO_REGION", "")
	mt := httpmock.NewMockTransport()
	p, err := twilio.New(twilio.Config{AccountSID: testAccountSID, AuthToken: testToken, Transport: mt, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{p: p, mt: mt}
}

// on answers method path (path under https://messaging.twilio.com) with
// status, a body and headers, recording the request.
func (b *bundle) on(t *testing.T, method, path string, status int, body string, header ...string) {
	t.Helper()
	b.mt.RegisterResponder(method, base+path, func(req *http.Request) (*http.Response, error) {
		b.record(t, req)
		resp := httpmock.NewStringResponse(status, body)
		if strings.HasPrefix(strings.TrimSpace(body), "{") {
			resp.Header.Set("Content-Type", "application/json")
		} else if body != "" {
			resp.Header.Set("Content-Type", "text/html")
		}
		for i := 0; i+1 < len(header); i += 2 {
			resp.Header.Set(header[i], header[i+1])
		}
		return resp, nil
	})
}

func (b *bundle) record(t *testing.T, req *http.Request) {
	t.Helper()
	var raw []byte
	if req.Body != nil {
		raw, _ = io.ReadAll(req.Body)
	}
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		t.Errorf("request body %q is not a form: %v", raw, err)
	}
	user, pass, _ := req.BasicAuth()
	b.mu.Lock()
	b.reqs = append(b.reqs, seenRequest{
		Method: req.Method, Path: req.URL.Path, Form: form, User: user, Pass: pass,
		ContentType: req.Header.Get("Content-Type"),
	})
	b.mu.Unlock()
}

func (b *bundle) requests() []seenRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]seenRequest(nil), b.reqs...)
}

// wantRequests checks the exact requests sent, in order: method, path,
// form body, and Basic auth with the account's credentials on each.
func (b *bundle) wantRequests(t *testing.T, want ...seenRequest) {
	t.Helper()
	got := b.requests()
	if len(got) != len(want) {
		t.Fatalf("sent %d requests, want %d:\n got %+v\nwant %+v", len(got), len(want), got, want)
	}
	for i, g := range got {
		w := want[i]
		if g.Method != w.Method || g.Path != w.Path {
			t.Errorf("request %d = %s %s, want %s %s", i, g.Method, g.Path, w.Method, w.Path)
		}
		if fmt.Sprint(g.Form) != fmt.Sprint(w.Form) && !(len(g.Form) == 0 && len(w.Form) == 0) {
			t.Errorf("request %d form = %v, want %v", i, g.Form, w.Form)
		}
		if g.User != testAccountSID || g.Pass != testToken {
			t.Errorf("request %d Basic auth = %q:%q, want the account SID and token", i, g.User, g.Pass)
		}
		if g.Method == http.MethodPost && g.ContentType != "application/x-www-form-urlencoded" {
			t.Errorf("request %d Content-Type = %q", i, g.ContentType)
		}
	}
}

func req(method, path string, form url.Values) seenRequest {
	return seenRequest{Method: method, Path: path, Form: form}
}

func certPath(dn string) string    { return "/v2/LinkShortening/Domains/" + dn + "/Certificate" }
func requestPath(dn string) string { return "/v1/LinkShortening/Domains/" + dn + "/RequestManagedCert" }
func dnsPath(dn string) string     { return "/v1/LinkShortening/Domains/" + dn + "/ValidateDns" }
func configPath(dn string) string  { return "/v1/LinkShortening/Domains/" + dn + "/Config" }
func attachPath(dn, mg string) string {
	return "/v1/LinkShortening/Domains/" + dn + "/MessagingServices/" + mg
}
func mgDomainPath(mg string) string { return "/v1/LinkShortening/MessagingServices/" + mg + "/Domain" }

func twilioError(status, code int, msg string) string {
	return fmt.Sprintf(`{"code": %d, "message": %q, "more_info": "https://www.twilio.com/docs/errors/%d", "status": %d}`, code, msg, code, status)
}

func providerError(t *testing.T, err error) *providers.Error {
	t.Helper()
	var pe *providers.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *providers.Error", err, err)
	}
	if !strings.HasPrefix(err.Error(), "twilio: ") {
		t.Errorf("error %q is not prefixed with the vendor", err)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error %q contains the auth token", err)
	}
	return pe
}

func TestNewValidatesConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  twilio.Config
	}{
		{"no account", twilio.Config{AuthToken: testToken}},
		{"short account", twilio.Config{AccountSID: "AC123", AuthToken: testToken}},
		{"not AC", twilio.Config{AccountSID: "SK0123456789abcdef0123456789abcdef", AuthToken: testToken}},
		{"not hex", twilio.Config{AccountSID: "ACzz23456789abcdef0123456789abcdef", AuthToken: testToken}},
		{"no token", twilio.Config{AccountSID: testAccountSID}},
		{"token with symbols", twilio.Config{AccountSID: testAccountSID, AuthToken: "abc$" + testToken}},
		{"negative timeout", twilio.Config{AccountSID: testAccountSID, AuthToken: testToken, Timeout: -time.Second}},
		{"negative MaxConcurrent", twilio.Config{AccountSID: testAccountSID, AuthToken: testToken, MaxConcurrent: -1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := twilio.New(c.cfg)
			if err == nil || p != nil {
				t.Fatalf("New = %v, %v; want an error", p, err)
			}
			if !strings.HasPrefix(err.Error(), "twilio: ") {
				t.Errorf("error %q lacks the vendor prefix", err)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error %q contains the token", err)
			}
		})
	}
	if _, err := twilio.New(twilio.Config{AccountSID: testAccountSID, AuthToken: testToken}); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
}

func TestHTTPClientTransportUsedAndNotModified(t *testing.T) {
	t.Setenv("TWILIO_EDGE", "")
	t.Setenv("TWILIO_REGION", "")
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, base+dnsPath(testDN),
		httpmock.NewStringResponder(200, `{"domain_sid": "`+testDN+`", "is_valid": true, "reason": ""}`))
	hc := &http.Client{Transport: mt, Timeout: 3 * time.Second}
	p, err := twilio.New(twilio.Config{AccountSID: testAccountSID, AuthToken: testToken, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.ValidateDNS(context.Background(), testDN)
	if err != nil || !v.Valid {
		t.Fatalf("ValidateDNS = %+v, %v", v, err)
	}
	if hc.Transport != mt || hc.Timeout != 3*time.Second || hc.CheckRedirect != nil {
		t.Error("the caller's http.Client was modified")
	}
	if mt.GetTotalCallCount() != 1 {
		t.Errorf("%d calls through the HTTPClient's transport, want 1", mt.GetTotalCallCount())
	}
}

func TestCertificate(t *testing.T) {
	cases := []struct {
		name string
		body string
		want providers.Certificate
	}{
		{
			name: "none",
			body: `{"certificate_sid": null, "domain_name": "https://ls.acme.com", "domain_sid": "` + testDN + `",
				"date_expires": null, "date_created": null, "date_updated": null, "url": "https://messaging.twilio.com` + certPath(testDN) + `",
				"cert_in_validation": null, "managed": false, "requesting": false}`,
			want: providers.Certificate{DomainSID: testDN, DomainName: "ls.acme.com", State: providers.CertNone},
		},
		{
			name: "requesting",
			body: `{"certificate_sid": null, "domain_name": "https://ls.acme.com/", "domain_sid": "` + testDN + `",
				"managed": true, "requesting": true, "cert_in_validation": null}`,
			want: providers.Certificate{DomainSID: testDN, DomainName: "ls.acme.com", State: providers.CertRequesting, Managed: true, Requesting: true},
		},
		{
			name: "validating",
			body: `{"certificate_sid": "CWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "domain_name": "https://LS.Acme.com", "domain_sid": "` + testDN + `",
				"managed": true, "requesting": true, "date_expires": null,
				"cert_in_validation": {"status": "pending", "date_expires": "2021-05-07T18:02:04Z"}}`,
			want: providers.Certificate{DomainSID: testDN, DomainName: "ls.acme.com", CertificateSID: "CWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
				State: providers.CertValidating, Managed: true, Requesting: true},
		},
		{
			name: "issued",
			body: `{"certificate_sid": "CWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "domain_name": "https://ls.acme.com", "domain_sid": "` + testDN + `",
				"managed": true, "requesting": false, "date_expires": "2021-02-06T18:02:04Z", "cert_in_validation": null}`,
			want: providers.Certificate{DomainSID: testDN, DomainName: "ls.acme.com", CertificateSID: "CWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
				State: providers.CertIssued, Managed: true, ExpiresAt: timePtr(time.Date(2021, 2, 6, 18, 2, 4, 0, time.UTC))},
		},
		{
			name: "uploaded, in validation",
			body: `{"domain_name": "https://ls.acme.com", "domain_sid": "` + testDN + `", "managed": false, "requesting": false,
				"cert_in_validation": {"status": "pending"}}`,
			want: providers.Certificate{DomainSID: testDN, DomainName: "ls.acme.com", State: providers.CertValidating},
		},
		{
			name: "failed",
			body: `{"domain_name": "https://ls.acme.com", "domain_sid": "` + testDN + `", "managed": true, "requesting": true,
				"cert_in_validation": {"status": "failed", "reason": "CAA record forbids letsencrypt.org"}}`,
			want: providers.Certificate{DomainSID: testDN, DomainName: "ls.acme.com", State: providers.CertFailed, Managed: true, Requesting: true,
				FailureReason: "CAA record forbids letsencrypt.org"},
		},
		{
			name: "bare host, no domain_sid",
			body: `{"domain_name": "ls.acme.com.", "managed": false, "requesting": false}`,
			want: providers.Certificate{DomainSID: testDN, DomainName: "ls.acme.com", State: providers.CertNone},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := setup(t)
			b.on(t, http.MethodGet, certPath(testDN), 200, c.body)
			got, err := b.p.Certificate(context.Background(), testDN)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%+v", deTime(got)) != fmt.Sprintf("%+v", deTime(c.want)) ||
				!sameTime(got.ExpiresAt, c.want.ExpiresAt) {
				t.Errorf("Certificate =\n %+v\nwant\n %+v", got, c.want)
			}
			b.wantRequests(t, req(http.MethodGet, certPath(testDN), nil))
		})
	}
}

func timePtr(t time.Time) *time.Time { return &t }

func deTime(c providers.Certificate) providers.Certificate { c.ExpiresAt = nil; return c }

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func TestRequestManagedCert(t *testing.T) {
	body := `{"certificate_sid": "CWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "domain_name": "https://ls.acme.com", "domain_sid": "` + testDN + `",
		"managed": true, "requesting": true, "date_expires": null, "url": "https://messaging.twilio.com` + requestPath(testDN) + `"}`
	for _, status := range []int{201, 200} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			b := setup(t)
			b.on(t, http.MethodPost, requestPath(testDN), status, body)
			if err := b.p.RequestManagedCert(context.Background(), testDN); err != nil {
				t.Fatal(err)
			}
			b.wantRequests(t, req(http.MethodPost, requestPath(testDN), url.Values{}))
		})
	}

	t.Run("refused while a request is in progress", func(t *testing.T) {
		b := setup(t)
		b.on(t, http.MethodPost, requestPath(testDN), 400, twilioError(400, 30120, "A certificate request is already in progress"))
		b.on(t, http.MethodGet, certPath(testDN), 200, `{"domain_name": "https://ls.acme.com", "domain_sid": "`+testDN+`", "managed": true, "requesting": true}`)
		if err := b.p.RequestManagedCert(context.Background(), testDN); err != nil {
			t.Fatalf("RequestManagedCert = %v, want success", err)
		}
		b.wantRequests(t, req(http.MethodPost, requestPath(testDN), url.Values{}), req(http.MethodGet, certPath(testDN), nil))
	})

	t.Run("refused, nothing in progress", func(t *testing.T) {
		b := setup(t)
		b.on(t, http.MethodPost, requestPath(testDN), 400, twilioError(400, 30121, "Domain is not verified"))
		b.on(t, http.MethodGet, certPath(testDN), 200, `{"domain_name": "https://ls.acme.com", "domain_sid": "`+testDN+`", "managed": false, "requesting": false}`)
		err := b.p.RequestManagedCert(context.Background(), testDN)
		pe := providerError(t, err)
		if pe.Transient || pe.Code != 30121 || pe.Status != 400 || pe.Message != "Domain is not verified" {
			t.Errorf("error = %+v", pe)
		}
	})

	t.Run("refused, look fails transiently", func(t *testing.T) {
		b := setup(t)
		b.on(t, http.MethodPost, requestPath(testDN), 400, twilioError(400, 30120, "A certificate request is already in progress"))
		b.on(t, http.MethodGet, certPath(testDN), 503, twilioError(503, 20503, "Service Unavailable"), "Retry-After", "9")
		err := b.p.RequestManagedCert(context.Background(), testDN)
		if !providers.IsTransient(err) {
			t.Fatalf("RequestManagedCert = %v, want transient", err)
		}
		if d, _ := providers.RetryAfter(err); d != 9*time.Second {
			t.Errorf("RetryAfter = %v, want 9s", d)
		}
	})

	t.Run("unknown domain", func(t *testing.T) {
		b := setup(t)
		b.on(t, http.MethodPost, requestPath(testDN), 404, twilioError(404, 20404, "The requested resource "+requestPath(testDN)+" was not found"))
		err := b.p.RequestManagedCert(context.Background(), testDN)
		if !errors.Is(err, providers.ErrNotFound) {
			t.Fatalf("RequestManagedCert = %v, want ErrNotFound", err)
		}
		b.wantRequests(t, req(http.MethodPost, requestPath(testDN), url.Values{})) // no look-up after a 404
	})
}

func TestValidateDNS(t *testing.T) {
	b := setup(t)
	b.on(t, http.MethodGet, dnsPath(testDN), 200, `{"domain_sid": "`+testDN+`", "is_valid": false, "reason": "CNAME does not point to Twilio", "url": "https://messaging.twilio.com`+dnsPath(testDN)+`"}`)
	b.on(t, http.MethodGet, dnsPath(testDN2), 200, `{"domain_sid": "`+testDN2+`", "is_valid": true, "reason": ""}`)
	v, err := b.p.ValidateDNS(context.Background(), testDN)
	if err != nil || v != (providers.DNSValidation{Valid: false, Reason: "CNAME does not point to Twilio"}) {
		t.Errorf("ValidateDNS = %+v, %v", v, err)
	}
	v, err = b.p.ValidateDNS(context.Background(), testDN2)
	if err != nil || v != (providers.DNSValidation{Valid: true}) {
		t.Errorf("ValidateDNS = %+v, %v", v, err)
	}
	b.wantRequests(t, req(http.MethodGet, dnsPath(testDN), nil), req(http.MethodGet, dnsPath(testDN2), nil))
}

func TestDomainConfig(t *testing.T) {
	const answer = `{"domain_sid": "` + testDN + `", "config_sid": "ZKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"fallback_url": "https://acme.com/expired", "callback_url": "https://lg.example.net/clicks",
		"continue_on_failure": true, "disable_https": false, "date_created": "2015-07-30T20:00:00Z", "date_updated": "2015-07-30T20:00:00Z",
		"url": "https://messaging.twilio.com/v1/LinkShortening/Domains/` + testDN + `/Config"}`
	want := providers.DomainConfig{DomainSID: testDN, CallbackURL: "https://lg.example.net/clicks", FallbackURL: "https://acme.com/expired", ContinueOnFailure: true}

	t.Run("fetch", func(t *testing.T) {
		b := setup(t)
		b.on(t, http.MethodGet, configPath(testDN), 200, answer)
		got, err := b.p.DomainConfig(context.Background(), testDN)
		if err != nil || got != want {
			t.Errorf("DomainConfig = %+v, %v; want %+v", got, err, want)
		}
		b.wantRequests(t, req(http.MethodGet, configPath(testDN), nil))
	})

	t.Run("update sends every field", func(t *testing.T) {
		b := setup(t)
		b.on(t, http.MethodPost, configPath(testDN), 201, answer)
		got, err := b.p.UpdateDomainConfig(context.Background(), want)
		if err != nil || got != want {
			t.Errorf("UpdateDomainConfig = %+v, %v; want %+v", got, err, want)
		}
		b.wantRequests(t, req(http.MethodPost, configPath(testDN), url.Values{
			"CallbackUrl":       {"https://lg.example.net/clicks"},
			"FallbackUrl":       {"https://acme.com/expired"},
			"ContinueOnFailure": {"true"},
			"DisableHttps":      {"false"},
		}))
	})

	t.Run("update leaves out empty URLs", func(t *testing.T) {
		b := setup(t)
		b.on(t, http.MethodPost, configPath(testDN), 200, answer)
		if _, err := b.p.UpdateDomainConfig(context.Background(), providers.DomainConfig{DomainSID: testDN, DisableHTTPS: true}); err != nil {
			t.Fatal(err)
		}
		b.wantRequests(t, req(http.MethodPost, configPath(testDN), url.Values{
			"ContinueOnFailure": {"false"},
			"DisableHttps":      {"true"},
		}))
	})

	t.Run("never configured", func(t *testing.T) {
		b := setup(t)
		b.on(t, http.MethodGet, configPath(testDN), 404, twilioError(404, 20404, "The requested resource "+configPath(testDN)+" was not found"))
		_, err := b.p.DomainConfig(context.Background(), testDN)
		if !errors.Is(err, providers.ErrNotFound) {
			t.Errorf("DomainConfig = %v, want ErrNotFound", err)
		}
	})
}

func TestAttachMessagingService(t *testing.T) {
	created := `{"domain_sid": "` + testDN + `", "messaging_service_sid": "` + testMG + `", "url": "https://messaging.twilio.com` + attachPath(testDN, testMG) + `"}`
	assoc := func(dn string) string {
		return `{"domain_sid": "` + dn + `", "messaging_service_sid": "` + testMG + `", "url": "https://messaging.twilio.com` + mgDomainPath(testMG) + `"}`
	}
	inUse := twilioError(400, 30130, "Messaging Service SID already belongs in another domain configuration.")
	post := req(http.MethodPost, attachPath(testDN, testMG), url.Values{})
	lookup := req(http.MethodGet, mgDomainPath(testMG), nil)

	t.Run("created", func(t *testing.T) {
		b := setup(t)
		b.on(t, http.MethodPost, attachPath(testDN, testMG), 201, created)
		if err := b.p.AttachMessagingService(context.Background(), testDN, testMG); err != nil {
			t.Fatal(err)
		}
		b.wantRequests(t, post)
	})

	t.Run("already attached here: 30130 naming this domain", func(t *testing.T) {
		b := setup(t)
		b.on(t, http.MethodPost, attachPath(testDN, testMG), 400, inUse)
		b.on(t, http.MethodGet, mgDomainPath(testMG), 200, assoc(testDN))
		if err := b.p.AttachMessagingService(context.Background(), testDN, testMG); err != nil {
			t.Fatalf("AttachMessagingService = %v, want success", err)
		}
		b.wantRequests(t, post, lookup)
	})

	t.Run("already attached here: 409 already exists", func(t *testing.T) {
		b := setup(t)
		b.on(t, http.MethodPost, attachPath(testDN, testMG), 409, twilioError(409, 20409, "Messaging Service is already associated with this domain"))
		b.on(t, http.MethodGet, mgDomainPath(testMG), 200, assoc(strings.ToLower(testDN)))
		if err := b.p.AttachMessagingService(context.Background(), testDN, testMG); err != nil {
			t.Fatalf("AttachMessagingService = %v, want success", err)
		}
		b.wantRequests(t, post, lookup)
	})

	t.Run("in use by another domain", func(t *testing.T) {
		b := setup(t)
		b.on(t, http.MethodPost, attachPath(testDN, testMG), 400, inUse)
		b.on(t, http.MethodGet, mgDomainPath(testMG), 200, assoc(testDN2))
		err := b.p.AttachMessagingService(context.Background(), testDN, testMG)
		pe := providerError(t, err)
		var iu *providers.InUseError
		if !errors.As(err, &iu) || iu.DomainSID != testDN2 || iu.MessagingServiceSID != testMG {
			t.Fatalf("error %v, want *InUseError naming %s", err, testDN2)
		}
		if pe.Transient || pe.Code != 30130 || pe.Status != 400 || !errors.Is(err, providers.ErrPermanent) {
			t.Errorf("error = %+v, want permanent code 30130", pe)
		}
		if !strings.Contains(err.Error(), testDN2) {
			t.Errorf("error %q does not name %s", err, testDN2)
		}
		b.wantRequests(t, post, lookup)
	})

	t.Run("30130, detached meanwhile: attached on the second try", func(t *testing.T) {
		b := setup(t)
		b.mt.RegisterResponder(http.MethodPost, base+attachPath(testDN, testMG),
			httpmock.Responder(func(r *http.Request) (*http.Response, error) {
				b.record(t, r)
				return httpmock.NewStringResponse(400, inUse), nil
			}).Then(func(r *http.Request) (*http.Response, error) {
				b.record(t, r)
				return httpmock.NewStringResponse(201, created), nil
			}))
		b.on(t, http.MethodGet, mgDomainPath(testMG), 404, twilioError(404, 20404, "The requested resource "+mgDomainPath(testMG)+" was not found"))
		if err := b.p.AttachMessagingService(context.Background(), testDN, testMG); err != nil {
			t.Fatalf("AttachMessagingService = %v, want success", err)
		}
		b.wantRequests(t, post, lookup, post)
	})

	t.Run("30130, look-up fails transiently", func(t *testing.T) {
		b := setup(t)
		b.on(t, http.MethodPost, attachPath(testDN, testMG), 400, inUse)
		b.on(t, http.MethodGet, mgDomainPath(testMG), 503, "<html>busy</html>", "Retry-After", "4")
		err := b.p.AttachMessagingService(context.Background(), testDN, testMG)
		if !providers.IsTransient(err) {
			t.Fatalf("AttachMessagingService = %v, want transient (the other domain could not be named yet)", err)
		}
		if d, ok := providers.RetryAfter(err); !ok || d != 4*time.Second {
			t.Errorf("RetryAfter = %v, %v; want 4s", d, ok)
		}
	})

	t.Run("unknown domain", func(t *testing.T) {
		b := setup(t)
		b.on(t, http.MethodPost, attachPath(testDN, testMG), 404, twilioError(404, 20404, "The requested resource "+attachPath(testDN, testMG)+" was not found"))
		err := b.p.AttachMessagingService(context.Background(), testDN, testMG)
		if !errors.Is(err, providers.ErrNotFound) {
			t.Fatalf("AttachMessagingService = %v, want ErrNotFound", err)
		}
		b.wantRequests(t, post)
	})

	t.Run("other refusal", func(t *testing.T) {
		b := setup(t)
		b.on(t, http.MethodPost, attachPath(testDN, testMG), 400, twilioError(400, 30101, "Domain is unverified"))
		err := b.p.AttachMessagingService(context.Background(), testDN, testMG)
		pe := providerError(t, err)
		var iu *providers.InUseError
		if errors.As(err, &iu) || pe.Code != 30101 || pe.Transient {
			t.Errorf("error = %+v", pe)
		}
		b.wantRequests(t, post)
	})
}

func TestDetachMessagingService(t *testing.T) {
	del := req(http.MethodDelete, attachPath(testDN, testMG), nil)
	t.Run("deleted", func(t *testing.T) {
		b := setup(t)
		b.on(t, http.MethodDelete, attachPath(testDN, testMG), 204, "")
		if err := b.p.DetachMessagingService(context.Background(), testDN, testMG); err != nil {
			t.Fatal(err)
		}
		b.wantRequests(t, del)
	})
	t.Run("not attached", func(t *testing.T) {
		b := setup(t)
		b.on(t, http.MethodDelete, attachPath(testDN, testMG), 404, twilioError(404, 20404, "The requested resource "+attachPath(testDN, testMG)+" was not found"))
		if err := b.p.DetachMessagingService(context.Background(), testDN, testMG); err != nil {
			t.Fatalf("DetachMessagingService = %v, want success", err)
		}
		b.wantRequests(t, del)
	})
	t.Run("server error", func(t *testing.T) {
		b := setup(t)
		b.on(t, http.MethodDelete, attachPath(testDN, testMG), 500, twilioError(500, 20500, "Internal Server Error"))
		if err := b.p.DetachMessagingService(context.Background(), testDN, testMG); !providers.IsTransient(err) {
			t.Fatalf("DetachMessagingService = %v, want transient", err)
		}
	})
}

func TestMessagingServiceDomain(t *testing.T) {
	b := setup(t)
	b.on(t, http.MethodGet, mgDomainPath(testMG), 200, `{"domain_sid": "`+testDN+`", "messaging_service_sid": "`+testMG+`", "url": "https://messaging.twilio.com`+mgDomainPath(testMG)+`"}`)
	got, err := b.p.MessagingServiceDomain(context.Background(), testMG)
	if err != nil || got != testDN {
		t.Errorf("MessagingServiceDomain = %q, %v", got, err)
	}
	b.wantRequests(t, req(http.MethodGet, mgDomainPath(testMG), nil))

	for name, body := range map[string]struct {
		status int
		body   string
	}{
		"404":       {404, twilioError(404, 20404, "The requested resource "+mgDomainPath(testMG)+" was not found")},
		"no domain": {200, `{"domain_sid": null, "messaging_service_sid": "` + testMG + `"}`},
	} {
		t.Run(name, func(t *testing.T) {
			b := setup(t)
			b.on(t, http.MethodGet, mgDomainPath(testMG), body.status, body.body)
			_, err := b.p.MessagingServiceDomain(context.Background(), testMG)
			if !errors.Is(err, providers.ErrNotFound) || providers.IsTransient(err) {
				t.Errorf("MessagingServiceDomain = %v, want permanent ErrNotFound", err)
			}
			providerError(t, err)
		})
	}
}

// TestErrorMapping drives one call through every answer class.
func TestErrorMapping(t *testing.T) {
	future := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	cases := []struct {
		name      string
		status    int
		body      string
		header    []string
		transient bool
		is        error
		code      int
		retry     time.Duration
	}{
		{name: "20003 authenticate", status: 401, body: `{"code": 20003, "detail": "Your AccountSid or AuthToken was incorrect.", "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}`,
			is: providers.ErrInvalidCredentials, code: 20003},
		{name: "20003 without status", status: 401, body: `{"code": 20003, "message": "Authenticate"}`, is: providers.ErrInvalidCredentials, code: 20003},
		{name: "403 forbidden", status: 403, body: twilioError(403, 20403, "Forbidden"), is: providers.ErrInvalidCredentials, code: 20403},
		{name: "401 not JSON", status: 401, body: "<html>401</html>", is: providers.ErrInvalidCredentials},
		{name: "20404 not found", status: 404, body: twilioError(404, 20404, "The requested resource "+certPath(testDN)+" was not found"), is: providers.ErrNotFound, code: 20404},
		{name: "429 with Retry-After", status: 429, body: twilioError(429, 20429, "Too Many Requests"), header: []string{"Retry-After", "7"},
			transient: true, code: 20429, retry: 7 * time.Second},
		{name: "429 with an HTTP date", status: 429, body: twilioError(429, 20429, "Too Many Requests"), header: []string{"Retry-After", future},
			transient: true, code: 20429, retry: 90 * time.Second},
		{name: "Retry-After capped at a day", status: 429, body: twilioError(429, 20429, "Too Many Requests"), header: []string{"Retry-After", "99999999999"},
			transient: true, code: 20429, retry: 24 * time.Hour},
		{name: "Retry-After garbage", status: 429, body: twilioError(429, 20429, "Too Many Requests"), header: []string{"Retry-After", "soon"},
			transient: true, code: 20429},
		{name: "Retry-After in the past", status: 503, body: twilioError(503, 20503, "Service Unavailable"), header: []string{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"},
			transient: true, code: 20503},
		{name: "Retry-After negative", status: 503, body: twilioError(503, 20503, "Service Unavailable"), header: []string{"Retry-After", "-3"},
			transient: true, code: 20503},
		{name: "20429 under another status", status: 400, body: twilioError(400, 20429, "Too Many Requests"), transient: true, code: 20429},
		{name: "500 JSON", status: 500, body: twilioError(500, 20500, "Internal Server Error"), transient: true, code: 20500},
		{name: "503 HTML", status: 503, body: "<html><body><h1>503 Service Unavailable</h1></body></html>", header: []string{"Retry-After", "3"},
			transient: true, retry: 3 * time.Second},
		{name: "502 empty", status: 502, body: "", transient: true},
		{name: "404 HTML", status: 404, body: "<html>not here</html>", transient: true},
		{name: "400 other code", status: 400, body: twilioError(400, 21610, "Attempt to send to unsubscribed recipient"), code: 21610},
		{name: "200 not JSON", status: 200, body: "<html>captive portal</html>", transient: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := setup(t)
			b.on(t, http.MethodGet, certPath(testDN), c.status, c.body, c.header...)
			_, err := b.p.Certificate(context.Background(), testDN)
			pe := providerError(t, err)
			if pe.Transient != c.transient || providers.IsTransient(err) != c.transient {
				t.Errorf("transient = %v, want %v (%v)", pe.Transient, c.transient, err)
			}
			if errors.Is(err, providers.ErrPermanent) == c.transient {
				t.Errorf("ErrPermanent = %v, want %v", !c.transient, !c.transient)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v does not wrap %v", err, c.is)
			}
			if pe.Code != c.code {
				t.Errorf("Code = %d, want %d", pe.Code, c.code)
			}
			if pe.Status != c.status {
				t.Errorf("Status = %d, want %d", pe.Status, c.status)
			}
			d, _ := providers.RetryAfter(err)
			if diff := d - c.retry; diff < -2*time.Second || diff > 2*time.Second || (c.retry == 0 && d != 0) {
				t.Errorf("RetryAfter = %v, want %v", d, c.retry)
			}
			if pe.Op != "fetch certificate" {
				t.Errorf("Op = %q", pe.Op)
			}
		})
	}
}

func TestNetworkErrorsAreTransient(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		b := setup(t)
		b.mt.RegisterResponder(http.MethodGet, base+certPath(testDN), httpmock.ConnectionFailure)
		_, err := b.p.Certificate(context.Background(), testDN)
		providerError(t, err)
		if !providers.IsTransient(err) {
			t.Errorf("error %v is not transient", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		t.Setenv("TWILIO_EDGE", "")
		t.Setenv("TWILIO_REGION", "")
		mt := httpmock.NewMockTransport()
		mt.RegisterResponder(http.MethodGet, base+certPath(testDN),
			httpmock.NewStringResponder(200, `{}`).Delay(2*time.Second))
		p, err := twilio.New(twilio.Config{AccountSID: testAccountSID, AuthToken: testToken, Transport: mt, Timeout: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = p.Certificate(context.Background(), testDN)
		providerError(t, err)
		if !providers.IsTransient(err) {
			t.Errorf("error %v is not transient", err)
		}
		if time.Since(start) > time.Second {
			t.Errorf("the timeout did not cut the call short (%v)", time.Since(start))
		}
	})
	t.Run("context deadline", func(t *testing.T) {
		b := setup(t)
		b.mt.RegisterResponder(http.MethodGet, base+certPath(testDN),
			httpmock.NewStringResponder(200, `{}`).Delay(2*time.Second))
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := b.p.Certificate(ctx, testDN)
		providerError(t, err)
		if !providers.IsTransient(err) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v: want transient wrapping context.DeadlineExceeded", err)
		}
	})
	t.Run("context already cancelled", func(t *testing.T) {
		b := setup(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := b.p.AttachMessagingService(ctx, testDN, testMG)
		providerError(t, err)
		if !errors.Is(err, context.Canceled) || !providers.IsTransient(err) {
			t.Errorf("error %v: want transient wrapping context.Canceled", err)
		}
		if n := b.mt.GetTotalCallCount(); n != 0 {
			t.Errorf("%d requests sent with a cancelled context", n)
		}
	})
}

func TestTokenNeverInErrors(t *testing.T) {
	b := setup(t)
	// A (misbehaving) answer that echoes the credentials.
	b.on(t, http.MethodGet, certPath(testDN), 400, twilioError(400, 20001, "bad request from "+testAccountSID+":"+testToken))
	b.mt.RegisterResponder(http.MethodGet, base+dnsPath(testDN),
		httpmock.NewErrorResponder(fmt.Errorf("proxy refused Authorization: Basic with password %s", testToken)))
	_, err := b.p.Certificate(context.Background(), testDN)
	providerError(t, err)
	_, err = b.p.ValidateDNS(context.Background(), testDN)
	providerError(t, err)
	if !providers.IsTransient(err) {
		t.Errorf("network error %v is not transient", err)
	}
	var ue *url.Error
	if !errors.As(err, &ue) { // redaction keeps the chain
		t.Errorf("redacted error %v lost its cause", err)
	}
}

func TestMalformedSIDsSendNothing(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	bad := []string{"", "DN123", "dn0123456789abcdef0123456789abcdef", testDN + "/../x", testMG}
	for _, dn := range bad {
		_, err := b.p.Certificate(ctx, dn)
		wantMalformed(t, err)
		wantMalformed(t, b.p.RequestManagedCert(ctx, dn))
		_, err = b.p.ValidateDNS(ctx, dn)
		wantMalformed(t, err)
		_, err = b.p.DomainConfig(ctx, dn)
		wantMalformed(t, err)
		_, err = b.p.UpdateDomainConfig(ctx, providers.DomainConfig{DomainSID: dn})
		wantMalformed(t, err)
		wantMalformed(t, b.p.AttachMessagingService(ctx, dn, testMG))
		wantMalformed(t, b.p.DetachMessagingService(ctx, dn, testMG))
	}
	for _, mg := range []string{"", "MG1", testDN, testMG + "\n"} {
		wantMalformed(t, b.p.AttachMessagingService(ctx, testDN, mg))
		wantMalformed(t, b.p.DetachMessagingService(ctx, testDN, mg))
		_, err := b.p.MessagingServiceDomain(ctx, mg)
		wantMalformed(t, err)
	}
	if n := b.mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent for malformed SIDs", n)
	}
}

func wantMalformed(t *testing.T, err error) {
	t.Helper()
	pe := providerError(t, err)
	if pe.Transient || !strings.Contains(pe.Message, "malformed") {
		t.Errorf("error %+v: want a permanent malformed-SID error", pe)
	}
}

// TestEdgeAndRegion checks that TWILIO_EDGE/TWILIO_REGION, which twilio-go
// reads, only change the host (tests clear them; a fake transport answers
// whatever the host).
func TestEdgeAndRegion(t *testing.T) {
	t.Setenv("TWILIO_EDGE", "ashburn")
	t.Setenv("TWILIO_REGION", "us1")
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, "https://messaging.ashburn.us1.twilio.com"+dnsPath(testDN),
		httpmock.NewStringResponder(200, `{"is_valid": true}`))
	p, err := twilio.New(twilio.Config{AccountSID: testAccountSID, AuthToken: testToken, Transport: mt})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := p.ValidateDNS(context.Background(), testDN); err != nil || !v.Valid {
		t.Fatalf("ValidateDNS = %+v, %v", v, err)
	}
}

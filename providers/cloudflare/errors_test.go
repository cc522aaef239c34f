package cloudflare

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/linkgate/linkgate/providers"
)

func html(status int, header http.Header) httpmock.Responder {
	h := http.Header{"Content-Type": {"text/html"}}
	for k, v := range header {
		h[k] = v
	}
	return httpmock.NewStringResponder(status, "<html><body><h1>"+http.StatusText(status)+"</h1>"+testToken+"</body></html>").HeaderSet(h)
}

func withHeader(r httpmock.Responder, k, v string) httpmock.Responder {
	return r.HeaderSet(http.Header{k: {v}})
}

// errorCase is one answer to GET /zones and what it must become.
type errorCase struct {
	name       string
	r          httpmock.Responder
	err        error // the sentinel wrapped, nil for none
	transient  bool
	status     int
	code       int
	retryAfter time.Duration
	message    string // in the message
}

func errorCases() []errorCase {
	// Every Cloudflare message below quotes the token, so that the test
	// can see that it never reaches an error.
	q := " (" + testToken + ")"
	return []errorCase{
		{name: "401", r: fail(http.StatusUnauthorized, cfErr(10000, "Authentication error"+q)),
			err: providers.ErrInvalidCredentials, status: 401, code: 10000, message: "Authentication error"},
		{name: "403 9109", r: fail(http.StatusForbidden, cfErr(9109, "Invalid access token"+q)),
			err: providers.ErrInvalidCredentials, status: 403, code: 9109, message: "Invalid access token"},
		{name: "400 9109", r: fail(http.StatusBadRequest, cfErr(9109, "Invalid access token")),
			err: providers.ErrInvalidCredentials, status: 400, code: 9109},
		{name: "400 6003/6111", r: fail(http.StatusBadRequest, map[string]any{"code": 6003, "message": "Invalid request headers",
			"error_chain": []any{cfErr(6111, "Invalid format for Authorization header"+q)}}),
			err: providers.ErrInvalidCredentials, status: 400, code: 6111, message: "Invalid format for Authorization header"},
		{name: "400 9106", r: fail(http.StatusBadRequest, cfErr(9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")),
			err: providers.ErrInvalidCredentials, status: 400, code: 9106},
		{name: "400 10000", r: fail(http.StatusBadRequest, cfErr(10000, "Authentication error")),
			err: providers.ErrInvalidCredentials, code: 10000, status: 400},
		{name: "401 HTML", r: html(http.StatusUnauthorized, nil), err: providers.ErrInvalidCredentials, status: 401},
		{name: "429 Retry-After seconds", r: withHeader(fail(http.StatusTooManyRequests, cfErr(10000, "More than 1200 requests per 300 seconds reached. Please wait and consider throttling your request speed"+q)), "Retry-After", "7"),
			transient: true, status: 429, code: 10000, retryAfter: 7 * time.Second, message: "throttling"},
		{name: "429 Retry-After date", r: withHeader(fail(http.StatusTooManyRequests, cfErr(10000, "Rate limited. Please wait and consider throttling your request speed")), "Retry-After", time.Now().Add(90*time.Second).UTC().Format(http.TimeFormat)),
			transient: true, status: 429, code: 10000, retryAfter: 90 * time.Second},
		{name: "429 HTML", r: html(http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}}), transient: true, status: 429, retryAfter: 2 * time.Second},
		{name: "500 HTML", r: html(http.StatusInternalServerError, nil), transient: true, status: 500},
		{name: "503 HTML Retry-After", r: html(http.StatusServiceUnavailable, http.Header{"Retry-After": {"3"}}), transient: true, status: 503, retryAfter: 3 * time.Second},
		{name: "502 JSON", r: fail(http.StatusBadGateway, cfErr(10002, "An unknown error has occurred")), transient: true, status: 502, code: 10002},
		{name: "400 HTML", r: html(http.StatusBadRequest, nil), transient: true, status: 400},
		{name: "200 malformed JSON", r: httpmock.NewStringResponder(http.StatusOK, `{"success":true,"result":[{"id":`).HeaderSet(http.Header{"Content-Type": {"application/json"}}),
			transient: true, status: 200},
		{name: "200 HTML", r: html(http.StatusOK, nil), transient: true, status: 200},
		{name: "connection refused", r: httpmock.ConnectionFailure, transient: true},
		{name: "400 validation", r: fail(http.StatusBadRequest, map[string]any{"code": 1004, "message": "DNS Validation Error",
			"error_chain": []any{cfErr(9021, "TTL must be between 60 and 86400 seconds, or 1 for Automatic.")}}),
			status: 400, code: 9021, message: "DNS Validation Error: TTL must be between 60 and 86400 seconds"},
		{name: "400 other", r: fail(http.StatusBadRequest, cfErr(1234, "Something else"+q)), status: 400, code: 1234, message: "Something else"},
		{name: "400 zone route", r: fail(http.StatusBadRequest, cfErr(7003, "Could not route to /zones/x, perhaps your object identifier is invalid?"), cfErr(7000, "No route for that URI")),
			err: providers.ErrZoneNotFound, status: 400, code: 7003},
		{name: "404 81044", r: fail(http.StatusNotFound, cfErr(81044, "Record does not exist.")), err: providers.ErrNotFound, status: 404, code: 81044},
	}
}

func checkError(t *testing.T, err error, tc errorCase) {
	t.Helper()
	var pe *providers.Error
	if !errors.As(err, &pe) {
		t.Fatalf("err = %T %v, want *providers.Error", err, err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "cloudflare: ") {
		t.Errorf("message %q lacks the vendor prefix", msg)
	}
	if strings.Contains(msg, testToken) || strings.Contains(pe.Message, testToken) {
		t.Errorf("message %q contains the token", msg)
	}
	if tc.err != nil && !errors.Is(err, tc.err) {
		t.Errorf("err = %v, want it to wrap %v", err, tc.err)
	}
	if pe.Transient != tc.transient || providers.IsTransient(err) != tc.transient || errors.Is(err, providers.ErrPermanent) == tc.transient {
		t.Errorf("transient = %v, want %v (%v)", pe.Transient, tc.transient, err)
	}
	if pe.Status != tc.status || pe.Code != tc.code {
		t.Errorf("status %d code %d, want %d %d (%v)", pe.Status, pe.Code, tc.status, tc.code, err)
	}
	got, _ := providers.RetryAfter(err)
	if d := got - tc.retryAfter; d < -2*time.Second || d > 2*time.Second {
		t.Errorf("RetryAfter = %v, want %v", got, tc.retryAfter)
	}
	if tc.message != "" && !strings.Contains(msg, tc.message) {
		t.Errorf("message %q lacks %q", msg, tc.message)
	}
}

// TestErrorMapping drives every answer through CheckCredentials, and the
// same answers through each other operation.
func TestErrorMapping(t *testing.T) {
	for _, tc := range errorCases() {
		t.Run(tc.name, func(t *testing.T) {
			b := setupMock(t, Config{})
			key := b.expect(http.MethodGet, "/zones", url.Values{"per_page": {"5"}}, nil, tc.r)
			checkError(t, b.p.CheckCredentials(ctx(t)), tc)
			// The SDK must not retry on its own: the workflows do.
			if b.calls()[key] != 1 {
				t.Fatalf("calls = %v, want exactly one", b.calls())
			}
		})
	}
}

func TestErrorMappingPerOperation(t *testing.T) {
	records := "/zones/" + testZoneID + "/dns_records"
	for _, tc := range errorCases() {
		if tc.err == providers.ErrNotFound {
			continue // DeleteRecord turns it into success; covered there
		}
		t.Run(tc.name, func(t *testing.T) {
			b := setupMock(t, Config{})
			b.expect(http.MethodGet, "/zones", url.Values{"name": {"ls.acme.com"}, "status": {"active"}}, nil, tc.r)
			_, err := b.p.Zone(ctx(t), "ls.acme.com")
			checkError(t, err, tc)

			b = setupMock(t, Config{})
			b.expect(http.MethodGet, records, listQuery("ls.acme.com"), nil, tc.r)
			_, _, err = b.p.EnsureCNAME(ctx(t), testZone, wantCNAME())
			checkError(t, err, tc)

			b = setupMock(t, Config{})
			b.expect(http.MethodGet, records, listQuery("ls.acme.com"), nil, ok([]any{}, page(0)))
			b.expect(http.MethodPost, records, nil, createBody("ls.acme.com", 600, DefaultComment), tc.r)
			_, _, err = b.p.EnsureCNAME(ctx(t), testZone, wantCNAME())
			checkError(t, err, tc)

			b = setupMock(t, Config{})
			b.expect(http.MethodDelete, records+"/"+testRecID, nil, nil, tc.r)
			checkError(t, b.p.DeleteRecord(ctx(t), testZone, testRecID), tc)
		})
	}
}

func TestTimeoutIsTransient(t *testing.T) {
	b := setupMock(t, Config{})
	b.expect(http.MethodGet, "/zones", url.Values{"per_page": {"5"}}, nil, ok([]any{}, page(0)).Delay(5*time.Second))
	c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := b.p.CheckCredentials(c)
	if !providers.IsTransient(err) || !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "cloudflare: ") {
		t.Fatalf("err = %v, want a transient deadline error", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "0": 0, "-3": 0, "12": 12 * time.Second, "soon": 0,
		time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat): 0} {
		if got := parseRetryAfter(in); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestTokenNeverInErrors covers the errors that do not come from answers.
func TestTokenNeverInErrors(t *testing.T) {
	clearEnv(t)
	for _, cfg := range []Config{
		{APIToken: testToken + " x"},
		{APIToken: testToken + "\n"},
		{APIToken: testToken, BaseURL: "ftp://" + testToken},
		{APIToken: testToken, BaseURL: "https://user:" + testToken + "@api.test/"},
		{APIToken: testToken, RateLimit: -1},
		{APIToken: testToken, Comment: strings.Repeat(testToken, 5)},
	} {
		_, err := New(cfg)
		if err == nil {
			t.Errorf("New accepted %+v", cfg)
			continue
		}
		if strings.Contains(err.Error(), strings.TrimSpace(testToken)) {
			t.Errorf("New error %q contains the token", err)
		}
	}
	f := Factory(Config{BaseURL: testBase})
	for _, tok := range []string{testToken + " x", testToken + "\r\nX-Evil: 1"} {
		_, err := f(map[string]string{"api_token": tok})
		if !errors.Is(err, providers.ErrInvalidCredentials) || strings.Contains(err.Error(), testToken) {
			t.Errorf("Factory error %v", err)
		}
	}
	// A network error quotes the URL, never headers.
	p, err := New(Config{APIToken: testToken, BaseURL: "http://127.0.0.1:1/client/v4"})
	if err != nil {
		t.Fatal(err)
	}
	err = p.CheckCredentials(ctx(t))
	if !providers.IsTransient(err) || strings.Contains(err.Error(), testToken) {
		t.Errorf("network error %v", err)
	}
	if p.scrub("a "+testToken+" b") != "a [redacted] b" {
		t.Error("scrub does not redact")
	}
}

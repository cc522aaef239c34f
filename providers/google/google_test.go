package google

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/providers"
)

// cannedAPI serves a token endpoint that always grants, and answers API
// requests with the next canned answer (the last one repeats).
type cannedAPI struct {
	mu      sync.Mutex
	token   answer
	answers []answer
	reqs    []string
}

type answer struct {
	status int
	header map[string]string
	body   string
}

func jsonAnswer(status int, body string) answer {
	return answer{status: status, header: map[string]string{"Content-Type": "application/json; charset=UTF-8"}, body: body}
}

func htmlAnswer(status int) answer {
	return answer{status: status, header: map[string]string{"Content-Type": "text/html"}, body: "<html><body>" + http.StatusText(status) + "</body></html>"}
}

func googleError(status int, reason, message, canonical string) answer {
	return jsonAnswer(status, `{"error":{"code":`+itoa(status)+`,"message":"`+message+`","errors":[{"message":"`+message+`","domain":"global","reason":"`+reason+`"}],"status":"`+canonical+`"}}`)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

var granted = jsonAnswer(200, `{"access_token":"ya29.test","expires_in":3599,"token_type":"Bearer"}`)

// testKey is a service-account key minted by the fake (the adapter reads
// it for real; the canned server ignores its signature).
func testKey(t *testing.T) []byte {
	t.Helper()
	testKeyOnce.Do(func() {
		g, err := mocks.NewGoogle(mocks.GoogleConfig{})
		if err != nil {
			panic(err)
		}
		testKeyJSON = g.AddServiceAccount("acme-dns-prod")
	})
	return testKeyJSON
}

var (
	testKeyOnce sync.Once
	testKeyJSON []byte
)

func serveCanned(t *testing.T, token answer, answers ...answer) (*cannedAPI, *Provider) {
	t.Helper()
	c := &cannedAPI{token: token, answers: answers}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		var a answer
		if r.URL.Path == "/token" {
			a = c.token
		} else {
			c.reqs = append(c.reqs, r.Method+" "+r.URL.RequestURI()+" "+string(body))
			a = c.answers[min(len(c.reqs)-1, len(c.answers)-1)]
		}
		c.mu.Unlock()
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(srv.Close)
	p, err := New(Config{ServiceAccountJSON: testKey(t), BaseURL: srv.URL, TokenURL: srv.URL + "/token", PollInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c, p
}

func (c *cannedAPI) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.reqs...)
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name       string
		token, a   answer
		err        error
		transient  bool
		status     int
		retryAfter time.Duration
		message    string
	}{
		{name: "401", token: granted, a: googleError(401, "authError", "Invalid Credentials", "UNAUTHENTICATED"),
			err: providers.ErrInvalidCredentials, status: 401, message: "Invalid Credentials"},
		{name: "403", token: granted, a: googleError(403, "forbidden", "Forbidden", "PERMISSION_DENIED"),
			err: providers.ErrInvalidCredentials, status: 403},
		{name: "404", token: granted, a: googleError(404, "notFound", "The 'parameters.project' resource named 'x' does not exist.", "NOT_FOUND"),
			err: providers.ErrNotFound, status: 404},
		{name: "400 invalid", token: granted, a: googleError(400, "invalid", "Invalid value for 'parameters.project': 'x'", "INVALID_ARGUMENT"),
			status: 400, message: "Invalid value for 'parameters.project': 'x' [invalid]"},
		{name: "429", token: granted, a: func() answer {
			a := googleError(429, "rateLimitExceeded", "Rate Limit Exceeded", "RESOURCE_EXHAUSTED")
			a.header["Retry-After"] = "12"
			return a
		}(), transient: true, status: 429, retryAfter: 12 * time.Second},
		{name: "500", token: granted, a: googleError(500, "backendError", "Internal error encountered.", "INTERNAL"), transient: true, status: 500},
		{name: "503 HTML", token: granted, a: htmlAnswer(503), transient: true, status: 503, message: "Service Unavailable"},
		{name: "400 HTML", token: granted, a: htmlAnswer(400), transient: true, status: 400},
		{name: "token invalid_grant", token: jsonAnswer(400, `{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`),
			err: providers.ErrInvalidCredentials, status: 400, message: "invalid_grant (Invalid JWT Signature.)"},
		{name: "token 503", token: htmlAnswer(503), transient: true, status: 503},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, p := serveCanned(t, c.token, c.a)
			err := p.CheckCredentials(ctx(t))
			var pe *providers.Error
			if !errors.As(err, &pe) {
				t.Fatalf("got %T %v, want *providers.Error", err, err)
			}
			if !strings.HasPrefix(err.Error(), "google: check credentials: ") {
				t.Errorf("message %q lacks the vendor prefix", err)
			}
			if c.err != nil && !errors.Is(err, c.err) {
				t.Errorf("got %v, want it to wrap %v", err, c.err)
			}
			if providers.IsTransient(err) != c.transient {
				t.Errorf("transient = %v, want %v (%v)", providers.IsTransient(err), c.transient, err)
			}
			if pe.Status != c.status {
				t.Errorf("status = %d, want %d", pe.Status, c.status)
			}
			if ra, _ := providers.RetryAfter(err); ra != c.retryAfter {
				t.Errorf("RetryAfter = %s, want %s", ra, c.retryAfter)
			}
			if !strings.Contains(err.Error(), c.message) || strings.Contains(err.Error(), "<html") || strings.Contains(err.Error(), "PRIVATE KEY") {
				t.Errorf("message %q: want %q, no HTML, no key", err, c.message)
			}
		})
	}
}

// TestChangeStillPendingIsTransient: a change that does not reach "done"
// in ChangeTimeout is a transient error, and the next call finds the
// record it added.
func TestChangeStillPendingIsTransient(t *testing.T) {
	t.Parallel()
	b := setupFake(t, "", true, 1<<30)
	b.fake.AddProjectZone(project, "acme.com", false)
	key := b.fake.AddServiceAccount(project)
	p, err := New(Config{ServiceAccountJSON: key, BaseURL: b.base, HTTPClient: &http.Client{Transport: b.checks},
		PollInterval: time.Millisecond, ChangeTimeout: 30 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	zone, err := p.Zone(ctx(t), "ls.acme.com")
	if err != nil {
		t.Fatal(err)
	}
	want := providers.CNAME{Name: "ls.acme.com", Target: "lsct.ashburn.us1.twilio.com."}
	_, _, err = p.EnsureCNAME(ctx(t), zone, want)
	if !providers.IsTransient(err) || !strings.Contains(err.Error(), "still pending") {
		t.Fatalf("got %v, want transient: still pending", err)
	}
	rec, created, err := p.EnsureCNAME(ctx(t), zone, want)
	if err != nil || created || rec.ID != "ls.acme.com/CNAME" || rec.TTL != DefaultTTL {
		t.Fatalf("second call = %+v %v %v, want the record found", rec, created, err)
	}
	if n := b.fake.RecordsCreated()["ls.acme.com"]; n != 1 {
		t.Fatalf("%d record sets added, want 1", n)
	}
}

func TestFaultsThenSuccess(t *testing.T) {
	t.Parallel()
	b := setupFake(t, "", true, 1)
	b.fake.AddProjectZone(project, "acme.com", false)
	p := b.provider(t, b.fake.AddServiceAccount(project))
	zone, err := p.Zone(ctx(t), "ls.acme.com")
	if err != nil || zone.ID != "acme-com" || zone.Name != "acme.com" {
		t.Fatalf("Zone = %+v, %v", zone, err)
	}
	want := providers.CNAME{Name: "ls.acme.com", Target: "lsct.ashburn.us1.twilio.com", TTL: 600}
	b.fake.Faults.Inject(mocks.Fault{Status: http.StatusServiceUnavailable, RetryAfter: 4})
	_, _, err = p.EnsureCNAME(ctx(t), zone, want)
	if ra, _ := providers.RetryAfter(err); !providers.IsTransient(err) || ra != 4*time.Second {
		t.Fatalf("503: %v (RetryAfter %s), want transient, 4 s", err, ra)
	}
	rec, created, err := p.EnsureCNAME(ctx(t), zone, want)
	if err != nil || !created {
		t.Fatalf("after the fault: %+v %v %v", rec, created, err)
	}
	got := b.fake.RecordsAt("ls.acme.com")
	if len(got) != 1 || got[0].Content != "lsct.ashburn.us1.twilio.com" || got[0].TTL != 600 || got[0].ID != rec.ID {
		t.Fatalf("records %+v, created %+v", got, rec)
	}
	if err := p.DeleteRecord(ctx(t), zone, rec.ID); err != nil {
		t.Fatal(err)
	}
	if got := b.fake.RecordsAt("ls.acme.com"); len(got) != 0 {
		t.Fatalf("after delete: %+v", got)
	}
}

func TestOnlyPrivateZoneIsNotFound(t *testing.T) {
	t.Parallel()
	b := setupFake(t, "", true, 0)
	b.fake.AddProjectZone(project, "corp.internal", true)
	p := b.provider(t, b.fake.AddServiceAccount(project))
	_, err := p.Zone(ctx(t), "ls.corp.internal")
	if !errors.Is(err, providers.ErrZoneNotFound) || providers.IsTransient(err) {
		t.Fatalf("got %v, want zone not found", err)
	}
}

func TestRefusesBadInputWithoutACall(t *testing.T) {
	t.Parallel()
	c, p := serveCanned(t, granted, jsonAnswer(500, `{}`))
	zone := providers.Zone{ID: "acme-com", Name: "acme.com"}
	for _, bad := range []providers.CNAME{
		{Name: "ls.other.com", Target: "t.example.net"},
		{Name: "ls.acme.com", Target: "ls.acme.com."},
		{Name: "ls acme.com", Target: "t.example.net"},
		{Name: "ls.acme.com", Target: "t.example.net", TTL: 90000},
	} {
		if _, _, err := p.EnsureCNAME(ctx(t), zone, bad); err == nil || providers.IsTransient(err) {
			t.Errorf("EnsureCNAME(%+v) = %v, want a permanent error", bad, err)
		}
	}
	for _, id := range []string{"", "ls.acme.com", "ls.other.com/CNAME", "ls.acme.com/cname", "/CNAME"} {
		if err := p.DeleteRecord(ctx(t), zone, id); err == nil || providers.IsTransient(err) {
			t.Errorf("DeleteRecord(%q) = %v, want a permanent error", id, err)
		}
	}
	if err := p.DeleteRecord(ctx(t), providers.Zone{ID: "Bad Zone", Name: "acme.com"}, "ls.acme.com/CNAME"); err == nil {
		t.Error("a bad zone id was accepted")
	}
	if n := len(c.requests()); n != 0 {
		t.Fatalf("%d requests sent for bad input", n)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	key := testKey(t)
	var k map[string]string
	_ = json.Unmarshal(key, &k)
	with := func(field, value string) []byte {
		m := map[string]string{}
		for a, b := range k {
			m[a] = b
		}
		if value == "" {
			delete(m, field)
		} else {
			m[field] = value
		}
		out, _ := json.Marshal(m)
		return out
	}
	for name, c := range map[string]Config{
		"no key":            {},
		"not JSON":          {ServiceAccountJSON: []byte("nope")},
		"user credentials":  {ServiceAccountJSON: with("type", "authorized_user")},
		"no email":          {ServiceAccountJSON: with("client_email", "")},
		"bad PEM":           {ServiceAccountJSON: with("private_key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")},
		"no project":        {ServiceAccountJSON: with("project_id", "")},
		"bad project":       {ServiceAccountJSON: key, ProjectID: "Not A Project"},
		"bad token_uri":     {ServiceAccountJSON: with("token_uri", "file:///etc/passwd")},
		"bad BaseURL":       {ServiceAccountJSON: key, BaseURL: "ftp://x"},
		"bad TokenURL":      {ServiceAccountJSON: key, TokenURL: "https://u:p@x/token"},
		"negative interval": {ServiceAccountJSON: key, PollInterval: -1},
	} {
		_, err := New(c)
		if err == nil {
			t.Errorf("%s: New succeeded", name)
			continue
		}
		if !strings.HasPrefix(err.Error(), "google: ") || strings.Contains(err.Error(), "PRIVATE KEY") {
			t.Errorf("%s: error %q", name, err)
		}
	}
	p, err := New(Config{ServiceAccountJSON: with("project_id", ""), ProjectID: "other-project-42"})
	if err != nil || p.project != "other-project-42" {
		t.Fatalf("ProjectID given: %v", err)
	}
}

func TestFactory(t *testing.T) {
	t.Parallel()
	b := setupFake(t, "", true, 0)
	b.fake.AddProjectZone(project, "acme.com", false)
	b.fake.AddProjectZone("other-project-42", "other.example", false)
	key := b.fake.AddServiceAccount("other-project-42")
	f := Factory(Config{BaseURL: b.base, HTTPClient: &http.Client{Transport: b.checks}, PollInterval: time.Millisecond})
	for _, creds := range []map[string]string{nil, {"service_account_json": " "}, {"service_account_json": "{}"},
		{"service_account_json": string(key), "project_id": "Bad Project"}, {"api_token": "x"}} {
		_, err := f(creds)
		if !errors.Is(err, providers.ErrInvalidCredentials) || providers.IsTransient(err) {
			t.Errorf("Factory(%v) = %v, want invalid credentials", creds, err)
		}
	}
	// The key's project by default, project_id when given.
	d, err := f(map[string]string{"service_account_json": string(key)})
	if err != nil {
		t.Fatal(err)
	}
	if z, err := d.Zone(ctx(t), "ls.other.example"); err != nil || z.Name != "other.example" {
		t.Fatalf("Zone = %+v, %v", z, err)
	}
	d, err = f(map[string]string{"service_account_json": string(key), "project_id": project})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.CheckCredentials(ctx(t)); !errors.Is(err, providers.ErrInvalidCredentials) {
		t.Fatalf("a project the account has no role on: %v, want invalid credentials", err)
	}
}

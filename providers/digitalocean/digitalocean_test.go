package digitalocean

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/providers"
)

const testToken = "dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// answer is one canned HTTP answer.
type answer struct {
	status int
	header map[string]string
	body   string
}

// cannedServer answers every request with the next answer (the last one
// repeats) and counts the requests.
type cannedServer struct {
	mu      sync.Mutex
	answers []answer
	reqs    []string // "METHOD path?query body"
}

func serveCanned(t *testing.T, answers ...answer) (*cannedServer, *Provider) {
	t.Helper()
	c := &cannedServer{answers: answers}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.reqs = append(c.reqs, r.Method+" "+r.URL.RequestURI()+" "+string(body))
		a := c.answers[min(len(c.reqs)-1, len(c.answers)-1)]
		c.mu.Unlock()
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(srv.Close)
	p, err := New(Config{APIToken: testToken, BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return c, p
}

func (c *cannedServer) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.reqs...)
}

func jsonAnswer(status int, body string) answer {
	return answer{status: status, header: map[string]string{"Content-Type": "application/json"}, body: body}
}

func htmlAnswer(status int) answer {
	return answer{status: status, header: map[string]string{"Content-Type": "text/html"},
		body: "<html><body><h1>" + http.StatusText(status) + "</h1>" + testToken + "</body></html>"}
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	reset := time.Now().Add(90 * time.Second).Unix()
	q := " (" + testToken + ")"
	for _, c := range []struct {
		name       string
		a          answer
		err        error
		transient  bool
		status     int
		retryAfter time.Duration // at least this, within 2 s
		message    string
	}{
		{name: "401", a: jsonAnswer(401, `{"id":"unauthorized","message":"Unable to authenticate you."}`),
			err: providers.ErrInvalidCredentials, status: 401, message: "Unable to authenticate you."},
		{name: "403", a: jsonAnswer(403, `{"id":"forbidden","message":"You are not authorized to perform this operation"}`),
			err: providers.ErrInvalidCredentials, status: 403},
		{name: "401 HTML", a: htmlAnswer(401), err: providers.ErrInvalidCredentials, status: 401},
		{name: "404", a: jsonAnswer(404, `{"id":"not_found","message":"The resource you were accessing could not be found."}`),
			err: providers.ErrNotFound, status: 404},
		{name: "422", a: jsonAnswer(422, `{"id":"unprocessable_entity","message":"Name is invalid`+q+`"}`), status: 422, message: "Name is invalid"},
		{name: "429 reset", a: answer{status: 429, header: map[string]string{"Content-Type": "application/json",
			"RateLimit-Limit": "5000", "RateLimit-Remaining": "0", "RateLimit-Reset": strconv.FormatInt(reset, 10)},
			body: `{"id":"too_many_requests","message":"API rate limit exceeded."}`},
			transient: true, status: 429, retryAfter: 88 * time.Second, message: "API rate limit exceeded."},
		{name: "429 Retry-After", a: answer{status: 429, header: map[string]string{"Content-Type": "application/json", "Retry-After": "7"},
			body: `{"id":"too_many_requests","message":"API rate limit exceeded."}`}, transient: true, status: 429, retryAfter: 7 * time.Second},
		{name: "500 JSON", a: jsonAnswer(500, `{"id":"server_error","message":"Server Error"}`), transient: true, status: 500},
		{name: "503 HTML", a: htmlAnswer(503), transient: true, status: 503, message: "Service Unavailable"},
		{name: "400 HTML", a: htmlAnswer(400), transient: true, status: 400},
		{name: "200 malformed JSON", a: jsonAnswer(200, `{"account":{"uuid":`), transient: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, p := serveCanned(t, c.a)
			err := p.CheckCredentials(ctx(t))
			var pe *providers.Error
			if !errors.As(err, &pe) {
				t.Fatalf("got %T %v, want *providers.Error", err, err)
			}
			if !strings.HasPrefix(err.Error(), "digitalocean: check credentials: ") {
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
			if ra, _ := providers.RetryAfter(err); ra < c.retryAfter || ra > c.retryAfter+2*time.Second {
				t.Errorf("RetryAfter = %s, want %s", ra, c.retryAfter)
			}
			if !strings.Contains(err.Error(), c.message) {
				t.Errorf("message %q does not say %q", err, c.message)
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "<html") {
				t.Errorf("message %q leaks the token or the HTML page", err)
			}
		})
	}
}

func TestConnectionFailureIsTransient(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	p, err := New(Config{APIToken: testToken, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	err = p.CheckCredentials(ctx(t))
	if !providers.IsTransient(err) || !strings.HasPrefix(err.Error(), "digitalocean: ") {
		t.Fatalf("got %v, want a transient digitalocean error", err)
	}
}

// TestRateLimitResetHonoured: once DigitalOcean says the token's budget
// is spent, the adapter sends nothing until the reset and says how long.
func TestRateLimitResetHonoured(t *testing.T) {
	t.Parallel()
	b := setupFake(t, "")
	_, tok := b.fake.AddZone("acme.com")
	p := b.provider(t, tok)
	b.fake.Faults.Inject(mocks.Fault{Status: http.StatusTooManyRequests, RetryAfter: 30})
	err := p.CheckCredentials(ctx(t))
	if ra, ok := providers.RetryAfter(err); !providers.IsTransient(err) || !ok || ra < 29*time.Second || ra > 31*time.Second {
		t.Fatalf("429: got %v (RetryAfter %s), want transient with 30 s", err, ra)
	}
	err = p.CheckCredentials(ctx(t))
	if ra, ok := providers.RetryAfter(err); !providers.IsTransient(err) || !ok || ra <= 0 || ra > 30*time.Second {
		t.Fatalf("after the 429: got %v (RetryAfter %s), want transient, waiting for the reset", err, ra)
	}
	if n := b.fake.Calls(http.MethodGet, "/v2/account"); n != 1 {
		t.Fatalf("%d requests reached DigitalOcean, want 1: the second must wait for the reset", n)
	}
	// Another Provider made by the same Factory shares the budget.
	f := Factory(Config{BaseURL: b.base, HTTPClient: &http.Client{Transport: b.checks}})
	p1, _ := f(map[string]string{"api_token": tok})
	p2, _ := f(map[string]string{"api_token": tok})
	b.fake.Faults.Inject(mocks.Fault{Status: http.StatusTooManyRequests, RetryAfter: 30})
	if err := p1.CheckCredentials(ctx(t)); !providers.IsTransient(err) {
		t.Fatalf("p1: %v", err)
	}
	if err := p2.CheckCredentials(ctx(t)); !providers.IsTransient(err) {
		t.Fatalf("p2 went ahead: %v", err)
	}
	if n := b.fake.Calls(http.MethodGet, "/v2/account"); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
}

func TestFaultsThenSuccess(t *testing.T) {
	t.Parallel()
	b := setupFake(t, "")
	_, tok := b.fake.AddZone("acme.com")
	p := b.provider(t, tok)
	zone, err := p.Zone(ctx(t), "ls.acme.com")
	if err != nil {
		t.Fatal(err)
	}
	want := providers.CNAME{Name: "ls.acme.com", Target: "lsct.ashburn.us1.twilio.com", TTL: 600}
	b.fake.Faults.Inject(mocks.Fault{Status: http.StatusServiceUnavailable})
	if _, _, err := p.EnsureCNAME(ctx(t), zone, want); !providers.IsTransient(err) {
		t.Fatalf("503: %v, want transient", err)
	}
	rec, created, err := p.EnsureCNAME(ctx(t), zone, want)
	if err != nil || !created {
		t.Fatalf("after the fault: %+v %v %v", rec, created, err)
	}
	// Stored as DigitalOcean keeps it: a relative name, a full target.
	got := b.fake.Records("acme.com")
	if len(got) != 1 || got[0].Name != "ls.acme.com" || got[0].Content != "lsct.ashburn.us1.twilio.com" || got[0].TTL != 600 || got[0].ID != rec.ID {
		t.Fatalf("records %+v, created %+v", got, rec)
	}
	if n := b.fake.RecordsCreated()["ls.acme.com"]; n != 1 {
		t.Fatalf("%d records created", n)
	}
}

// TestEnsureCNAMERefusedCreateNamesTheReason: a 422 with nothing at the
// name afterwards is a permanent error carrying DigitalOcean's message.
func TestEnsureCNAMERefusedCreateNamesTheReason(t *testing.T) {
	t.Parallel()
	empty := jsonAnswer(200, `{"domain_records":[],"links":{},"meta":{"total":0}}`)
	c, p := serveCanned(t, empty,
		jsonAnswer(422, `{"id":"unprocessable_entity","message":"Data needs to end with a dot (.)"}`), empty)
	_, _, err := p.EnsureCNAME(ctx(t), providers.Zone{ID: "acme.com", Name: "acme.com"},
		providers.CNAME{Name: "ls.acme.com", Target: "t.example.net"})
	if err == nil || providers.IsTransient(err) || !strings.Contains(err.Error(), "Data needs to end with a dot") {
		t.Fatalf("got %v, want a permanent error with DigitalOcean's reason", err)
	}
	reqs := c.requests()
	if len(reqs) != 3 || !strings.HasPrefix(reqs[0], "GET /v2/domains/acme.com/records?name=ls.acme.com") ||
		!strings.HasPrefix(reqs[1], "POST /v2/domains/acme.com/records ") || !strings.HasPrefix(reqs[2], "GET ") {
		t.Fatalf("requests %q, want list, create, list", reqs)
	}
	for _, want := range []string{`"type":"CNAME"`, `"name":"ls"`, `"data":"t.example.net."`, `"ttl":1800`} {
		if !strings.Contains(reqs[1], want) {
			t.Errorf("create %q lacks %s", reqs[1], want)
		}
	}
}

func TestRefusesBadInputWithoutACall(t *testing.T) {
	t.Parallel()
	c, p := serveCanned(t, jsonAnswer(500, `{}`))
	zone := providers.Zone{ID: "acme.com", Name: "acme.com"}
	for _, bad := range []providers.CNAME{
		{Name: "ls.other.com", Target: "t.example.net"},
		{Name: "ls.acme.com", Target: "ls.acme.com"},
		{Name: "ls acme.com", Target: "t.example.net"},
		{Name: "ls.acme.com", Target: "t.example.net", TTL: 5},
	} {
		if _, _, err := p.EnsureCNAME(ctx(t), zone, bad); err == nil || providers.IsTransient(err) {
			t.Errorf("EnsureCNAME(%+v) = %v, want a permanent error", bad, err)
		}
	}
	if _, _, err := p.EnsureCNAME(ctx(t), providers.Zone{ID: "other.com", Name: "acme.com"}, providers.CNAME{Name: "ls.acme.com", Target: "t.example.net"}); err == nil {
		t.Error("a zone whose id is not its name was accepted")
	}
	for _, id := range []string{"", "abc", "-3", "0"} {
		if err := p.DeleteRecord(ctx(t), zone, id); err == nil || providers.IsTransient(err) {
			t.Errorf("DeleteRecord(%q) = %v, want a permanent error", id, err)
		}
	}
	if _, err := p.Zone(ctx(t), "localhost"); err == nil {
		t.Error("Zone(localhost) succeeded")
	}
	if n := len(c.requests()); n != 0 {
		t.Fatalf("%d requests sent for bad input", n)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	for _, c := range []Config{
		{},
		{APIToken: "has space"},
		{APIToken: strings.Repeat("a", 2000)},
		{APIToken: testToken, BaseURL: "ftp://x"},
		{APIToken: testToken, BaseURL: "https://user:pw@api.digitalocean.com/"},
		{APIToken: testToken, Timeout: -1},
		{APIToken: testToken, RateLimit: -1},
		{APIToken: testToken, RateWindow: -1},
	} {
		_, err := New(c)
		if err == nil {
			t.Errorf("New(%+v) succeeded", c)
			continue
		}
		if !strings.HasPrefix(err.Error(), "digitalocean: ") || strings.Contains(err.Error(), testToken) {
			t.Errorf("New error %q", err)
		}
	}
	if _, err := New(Config{APIToken: testToken}); err != nil {
		t.Fatal(err)
	}
}

func TestFactory(t *testing.T) {
	t.Parallel()
	f := Factory(Config{BaseURL: "http://127.0.0.1:1/"})
	for _, creds := range []map[string]string{nil, {"api_token": " "}, {"api_token": "a b"}, {"token": testToken}} {
		_, err := f(creds)
		if !errors.Is(err, providers.ErrInvalidCredentials) || providers.IsTransient(err) {
			t.Errorf("Factory(%v) = %v, want invalid credentials", creds, err)
		}
	}
	if _, err := f(map[string]string{"api_token": " " + testToken + " "}); err != nil {
		t.Fatal(err)
	}
}

func TestDeadlineIsTransient(t *testing.T) {
	t.Parallel()
	b := setupFake(t, "")
	_, tok := b.fake.AddZone("acme.com")
	p := b.provider(t, tok)
	b.fake.Faults.Inject(mocks.Fault{Delay: time.Second})
	c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.CheckCredentials(c); !providers.IsTransient(err) {
		t.Fatalf("got %v, want transient", err)
	}
}

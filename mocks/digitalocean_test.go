package mocks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitalocean/godo"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/mocks/speccheck"
	"github.com/linkgate/linkgate/providers"
)

// doBundle is the fake DigitalOcean on loopback with godo clients whose
// every exchange is checked against DigitalOcean's OpenAPI document.
type doBundle struct {
	t      *testing.T
	fake   *mocks.DigitalOcean
	srv    *httptest.Server
	checks *speccheck.Transport
}

func doSetup(t *testing.T, cfg mocks.DigitalOceanConfig) *doBundle {
	t.Helper()
	fake, err := mocks.NewDigitalOcean(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	spec, err := speccheck.Load(speccheck.DigitalOcean)
	if err != nil {
		t.Fatal(err)
	}
	return &doBundle{t: t, fake: fake, srv: srv,
		checks: &speccheck.Transport{Base: srv.Client().Transport, Specs: []*speccheck.Spec{spec}, Errorf: t.Errorf}}
}

type bearer struct {
	tok  string
	base http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.tok)
	return b.base.RoundTrip(r)
}

// client is godo on the fake with token tok, retries off.
func (b *doBundle) client(tok string) *godo.Client {
	c, err := godo.New(&http.Client{Transport: bearer{tok: tok, base: b.checks}}, godo.SetBaseURL(b.srv.URL+"/"))
	if err != nil {
		b.t.Fatal(err)
	}
	return c
}

func doCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// wantDOError checks a godo error: its status, a message and a request
// id (the bodies' ids are checked in TestDigitalOceanErrorBodies).
func wantDOError(t *testing.T, err error, status int) {
	t.Helper()
	var e *godo.ErrorResponse
	if !errors.As(err, &e) || e.Response.StatusCode != status {
		t.Fatalf("got %v, want a %d", err, status)
	}
	if e.Message == "" || e.RequestID == "" {
		t.Fatalf("error %+v lacks a message or request id", e)
	}
	body := e.Response.Header.Get("Content-Type")
	if !strings.HasPrefix(body, "application/json") {
		t.Fatalf("error Content-Type %q", body)
	}
}

func TestDigitalOceanFidelity(t *testing.T) {
	t.Parallel()
	b := doSetup(t, mocks.DigitalOceanConfig{})
	_, tok := b.fake.AddZone("acme.com")
	c := b.client(tok)
	ctx := doCtx(t)

	acct, resp, err := c.Account.Get(ctx)
	if err != nil || acct.Status != "active" || acct.UUID == "" {
		t.Fatalf("account %+v %v", acct, err)
	}
	if resp.Rate.Limit != 5000 || resp.Rate.Remaining != 4999 || resp.Rate.Reset.Before(time.Now()) {
		t.Fatalf("rate %+v", resp.Rate)
	}
	d, _, err := c.Domains.Get(ctx, "acme.com")
	if err != nil || d.Name != "acme.com" || d.TTL != 1800 || !strings.Contains(d.ZoneFile, "$ORIGIN acme.com.") {
		t.Fatalf("domain %+v %v", d, err)
	}

	// Names relative to the domain; host data fully qualified in, without
	// the dot out; "@" and relative data resolved.
	for _, req := range []godo.DomainRecordEditRequest{
		{Type: "CNAME", Name: "ls", Data: "lsct.ashburn.us1.twilio.com.", TTL: 600},
		{Type: "CNAME", Name: "www", Data: "@"},
		{Type: "CNAME", Name: "app", Data: "web"},
		{Type: "A", Name: "@", Data: "192.0.2.1", TTL: 60},
		{Type: "TXT", Name: "_verify", Data: "hello"},
	} {
		if _, _, err := c.Domains.CreateRecord(ctx, "acme.com", &req); err != nil {
			t.Fatalf("create %+v: %v", req, err)
		}
	}
	want := map[string]string{"ls.acme.com": "lsct.ashburn.us1.twilio.com", "www.acme.com": "acme.com", "app.acme.com": "web.acme.com", "acme.com": "192.0.2.1"}
	for name, data := range want {
		recs, _, err := c.Domains.RecordsByName(ctx, "acme.com", name, nil)
		if err != nil || len(recs) != 1 || recs[0].Data != data {
			t.Fatalf("records at %s: %+v %v, want data %s", name, recs, err, data)
		}
	}
	if recs, _, _ := c.Domains.RecordsByName(ctx, "acme.com", "ls.acme.com", nil); recs[0].Name != "ls" || recs[0].TTL != 600 {
		t.Fatalf("stored %+v", recs[0])
	}
	if recs, _, _ := c.Domains.RecordsByTypeAndName(ctx, "acme.com", "A", "acme.com", nil); len(recs) != 1 || recs[0].Name != "@" {
		t.Fatalf("apex A: %+v", recs)
	}
	if got := b.fake.RecordsAt("LS.acme.com."); len(got) != 1 || got[0].Content != "lsct.ashburn.us1.twilio.com" {
		t.Fatalf("RecordsAt %+v", got)
	}

	// Paging: links.pages and meta.total, as godo reads them.
	opt := &godo.ListOptions{Page: 1, PerPage: 2}
	var all []godo.DomainRecord
	for {
		recs, resp, err := c.Domains.Records(ctx, "acme.com", opt)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, recs...)
		if resp.Links == nil || resp.Links.IsLastPage() {
			break
		}
		page, _ := resp.Links.CurrentPage()
		opt.Page = page + 1
	}
	if len(all) != 5 {
		t.Fatalf("paged through %d records, want 5", len(all))
	}

	// Errors.
	_, _, err = c.Domains.CreateRecord(ctx, "acme.com", &godo.DomainRecordEditRequest{Type: "CNAME", Name: "ls", Data: "x.example.net."})
	wantDOError(t, err, 422)
	_, _, err = c.Domains.CreateRecord(ctx, "acme.com", &godo.DomainRecordEditRequest{Type: "A", Name: "ls", Data: "192.0.2.2"})
	wantDOError(t, err, 422)
	_, _, err = c.Domains.CreateRecord(ctx, "acme.com", &godo.DomainRecordEditRequest{Type: "A", Name: "x", Data: "not-an-ip"})
	wantDOError(t, err, 422)
	_, _, err = c.Domains.CreateRecord(ctx, "acme.com", &godo.DomainRecordEditRequest{Type: "CNAME", Name: "y", Data: "x.example.net.", TTL: 5})
	wantDOError(t, err, 422)
	_, _, err = c.Domains.Get(ctx, "other.example")
	wantDOError(t, err, 404)
	_, err = c.Domains.DeleteRecord(ctx, "acme.com", 1)
	wantDOError(t, err, 404)
	_, _, err = b.client("dop_v1_nope").Account.Get(ctx)
	wantDOError(t, err, 401)

	// Delete: 204, then gone.
	recs, _, _ := c.Domains.RecordsByName(ctx, "acme.com", "ls.acme.com", nil)
	resp, err = c.Domains.DeleteRecord(ctx, "acme.com", recs[0].ID)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %v", err)
	}
	if got := b.fake.RecordsAt("ls.acme.com"); len(got) != 0 {
		t.Fatalf("after delete: %+v", got)
	}
	if n := b.fake.RecordsCreated()["ls.acme.com"]; n != 1 {
		t.Fatalf("RecordsCreated = %d", n)
	}

	routes := map[string]bool{}
	for _, x := range b.checks.Seen() {
		routes[x.Method+" "+x.Route] = true
	}
	for _, r := range []string{"GET /v2/account", "GET /v2/domains/{domain_name}", "GET /v2/domains/{domain_name}/records",
		"POST /v2/domains/{domain_name}/records", "DELETE /v2/domains/{domain_name}/records/{domain_record_id}"} {
		if !routes[r] {
			t.Errorf("%s was not spec-checked", r)
		}
	}
}

// TestDigitalOceanErrorBodies reads the raw error bodies: DigitalOcean's
// {"id","message","request_id"}.
func TestDigitalOceanErrorBodies(t *testing.T) {
	t.Parallel()
	b := doSetup(t, mocks.DigitalOceanConfig{})
	_, tok := b.fake.AddZone("acme.com")
	for _, c := range []struct {
		method, path, tok, body string
		status                  int
		id, message             string
	}{
		{"GET", "/v2/account", "", "", 401, "unauthorized", "Unable to authenticate you."},
		{"GET", "/v2/domains/nope.example", tok, "", 404, "not_found", "The resource you were accessing could not be found."},
		{"POST", "/v2/domains/acme.com/records", tok, `{"type":"CNAME","name":"a","data":"x.example.net."}`, 201, "", ""},
		{"POST", "/v2/domains/acme.com/records", tok, `{"type":"A","name":"a","data":"192.0.2.1"}`, 422, "unprocessable_entity", "CNAME records cannot share a name with other records."},
	} {
		req, _ := http.NewRequest(c.method, b.srv.URL+c.path, strings.NewReader(c.body))
		if c.tok != "" {
			req.Header.Set("Authorization", "Bearer "+c.tok)
		}
		resp, err := b.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != c.status || resp.Header.Get("RateLimit-Limit") != "5000" {
			t.Fatalf("%s %s: %d %v", c.method, c.path, resp.StatusCode, resp.Header)
		}
		if c.id == "" {
			continue
		}
		var e struct{ ID, Message, RequestID string }
		if err := json.Unmarshal(raw, &e); err != nil || e.ID != c.id || e.Message != c.message {
			t.Fatalf("%s %s: body %s", c.method, c.path, raw)
		}
	}
}

// TestDigitalOceanRateLimitHeaders: a 429 says that nothing remains until
// the reset its Retry-After names.
func TestDigitalOceanRateLimitHeaders(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	b := doSetup(t, mocks.DigitalOceanConfig{Now: func() time.Time { return now }})
	_, tok := b.fake.AddZone("acme.com")
	b.fake.Faults.Inject(mocks.Fault{Status: http.StatusTooManyRequests, RetryAfter: 40})
	_, resp, err := b.client(tok).Account.Get(doCtx(t))
	wantDOError(t, err, 429)
	if resp.Rate.Remaining != 0 || !resp.Rate.Reset.Time.Equal(now.Add(40*time.Second)) {
		t.Fatalf("rate %+v", resp.Rate)
	}
}

func TestDigitalOceanConcurrentCreates(t *testing.T) {
	t.Parallel()
	b := doSetup(t, mocks.DigitalOceanConfig{})
	_, tok := b.fake.AddZone("acme.com")
	c := b.client(tok)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := c.Domains.CreateRecord(doCtx(t), "acme.com", &godo.DomainRecordEditRequest{Type: "CNAME", Name: "ls", Data: fmt.Sprintf("t%d.example.net.", i)})
			if err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 1 || len(b.fake.RecordsAt("ls.acme.com")) != 1 {
		t.Fatalf("%d creates succeeded, records %+v", ok, b.fake.RecordsAt("ls.acme.com"))
	}
}

func TestDigitalOceanPersistence(t *testing.T) {
	t.Parallel()
	p := &memPersister{}
	a := doSetup(t, mocks.DigitalOceanConfig{Persister: p})
	_, tok := a.fake.AddZone("acme.com")
	id := a.fake.AddRecord("acme.com", providers.Record{Type: "A", Name: "x.acme.com", Content: "192.0.2.1"})
	if _, _, err := a.client(tok).Domains.CreateRecord(doCtx(t), "acme.com", &godo.DomainRecordEditRequest{Type: "CNAME", Name: "ls", Data: "t.example.net."}); err != nil {
		t.Fatal(err)
	}
	b := doSetup(t, mocks.DigitalOceanConfig{Persister: p})
	recs, _, err := b.client(tok).Domains.Records(doCtx(t), "acme.com", nil)
	if err != nil || len(recs) != 2 || strconv.Itoa(recs[0].ID) != id {
		t.Fatalf("after a restart: %+v %v", recs, err)
	}
	if b.fake.RecordsCreated()["ls.acme.com"] != 1 {
		t.Fatal("RecordsCreated lost")
	}
	// A failing save changes nothing.
	p.mu.Lock()
	p.failSave = errors.New("disk full")
	p.mu.Unlock()
	_, _, err = b.client(tok).Domains.CreateRecord(doCtx(t), "acme.com", &godo.DomainRecordEditRequest{Type: "TXT", Name: "t", Data: "x"})
	wantDOError(t, err, 500)
	if got := b.fake.Records("acme.com"); len(got) != 2 {
		t.Fatalf("a failed save left %+v", got)
	}
}

// TestDigitalOceanSpecCheckCatchesRealProblems: an answer the document
// does not allow is reported.
func TestDigitalOceanSpecCheckCatchesRealProblems(t *testing.T) {
	t.Parallel()
	spec, err := speccheck.Load(speccheck.DigitalOcean)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"domains":[{"name":"acme.com","ttl":"1800"}]}`) // no meta; ttl a string
	}))
	t.Cleanup(srv.Close)
	var got []string
	tr := &speccheck.Transport{Base: srv.Client().Transport, Specs: []*speccheck.Spec{spec},
		Errorf: func(f string, a ...any) { got = append(got, fmt.Sprintf(f, a...)) }}
	c, _ := godo.New(&http.Client{Transport: bearer{tok: "x", base: tr}}, godo.SetBaseURL(srv.URL+"/"))
	_, _, _ = c.Domains.List(doCtx(t), nil)
	if len(got) == 0 {
		t.Fatal("a list without meta and with a string ttl passed the spec check")
	}
}

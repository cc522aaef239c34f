package cloudflare

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/linkgate/linkgate/providers"
)

const (
	testBase   = "https://api.cloudflare.test/client/v4"
	testToken  = "Tk9uLXNlY3JldC10ZXN0LXRva2VuLTAxMjM0NTY3" // alphanumeric, like Cloudflare's
	testZoneID = "023e105f4ecef8ad9ca31a8372d0c353"
	testRecID  = "372e67954025e0ba6aaa6d586b9e0b59"
	testTarget = "lsct.ashburn.us1.twilio.com"
)

var testZone = providers.Zone{ID: testZoneID, Name: "acme.com"}

// mockBundle is an adapter whose own http.Client goes to an httpmock
// transport that fails the test on any request it does not expect.
type mockBundle struct {
	p  *Provider
	mt *httpmock.MockTransport
}

func setupMock(t *testing.T, cfg Config) *mockBundle {
	t.Helper()
	clearEnv(t)
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
		}
		t.Errorf("unexpected request %s %s body=%s", req.Method, req.URL, body)
		return nil, errors.New("unexpected request")
	})
	if cfg.APIToken == "" {
		cfg.APIToken = testToken
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = testBase
	}
	cfg.HTTPClient = &http.Client{Transport: mt}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &mockBundle{p: p, mt: mt}
}

// expect registers one exact request: method, path below testBase, query,
// JSON body (nil: none) and the Bearer token. It returns the route key for
// call counts.
func (b *mockBundle) expect(method, path string, query url.Values, body any, r httpmock.Responder) string {
	m := httpmock.HeaderIs("Authorization", "Bearer "+testToken).And(jsonBody(body))
	b.mt.RegisterMatcherResponderWithQuery(method, testBase+path, query, m, r)
	key := method + " " + testBase + path
	if len(query) > 0 {
		key += "?" + query.Encode()
	}
	return key + " <" + m.Name() + ">"
}

// calls returns how many requests matched each route.
func (b *mockBundle) calls() map[string]int { return b.mt.GetCallCountInfo() }

func (b *mockBundle) total() int { return b.mt.GetTotalCallCount() }

// jsonBody matches a request whose body is want as JSON (no body if nil).
func jsonBody(want any) httpmock.Matcher {
	return httpmock.NewMatcher(fmt.Sprintf("body=%v", want), func(req *http.Request) bool {
		var got []byte
		if req.Body != nil {
			got, _ = io.ReadAll(req.Body)
		}
		if want == nil {
			return len(bytes.TrimSpace(got)) == 0
		}
		var g any
		if json.Unmarshal(got, &g) != nil {
			return false
		}
		w, _ := json.Marshal(want)
		var wv any
		_ = json.Unmarshal(w, &wv)
		return reflect.DeepEqual(g, wv)
	})
}

// ok answers with Cloudflare's success envelope, as JSON.
func ok(result any, info map[string]any) httpmock.Responder {
	env := map[string]any{"success": true, "errors": []any{}, "messages": []any{}, "result": result}
	if info != nil {
		env["result_info"] = info
	}
	return httpmock.NewJsonResponderOrPanic(http.StatusOK, env)
}

// fail answers with Cloudflare's failure envelope.
func fail(status int, errs ...map[string]any) httpmock.Responder {
	return httpmock.NewJsonResponderOrPanic(status, map[string]any{"success": false, "errors": errs, "messages": []any{}, "result": nil})
}

func cfErr(code int, message string) map[string]any {
	return map[string]any{"code": code, "message": message}
}

func zoneJSON(id, name string) map[string]any {
	return map[string]any{"id": id, "name": name, "status": "active", "name_servers": []string{"ada.ns.cloudflare.com"},
		"created_on": "2024-01-01T05:20:00.12345Z", "modified_on": "2024-01-01T05:20:00.12345Z"}
}

func recordJSON(id, typ, name, content string, ttl int, proxied bool, comment string) map[string]any {
	r := map[string]any{"id": id, "type": typ, "name": name, "content": content, "ttl": ttl, "proxied": proxied,
		"proxiable": true, "settings": map[string]any{}, "meta": map[string]any{}, "tags": []string{},
		"created_on": "2024-01-01T05:20:00.12345Z", "modified_on": "2024-01-01T05:20:00.12345Z"}
	if comment != "" {
		r["comment"] = comment
	}
	return r
}

func page(n int) map[string]any {
	return map[string]any{"page": 1, "per_page": 100, "count": n, "total_count": n, "total_pages": 1}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// listQuery is the query of a listing of the records at name.
func listQuery(name string) url.Values {
	return url.Values{"name.exact": {name}, "page": {"1"}, "per_page": {"100"}}
}

// createBody is the exact body of a create.
func createBody(name string, ttl int, comment string) map[string]any {
	return map[string]any{"type": "CNAME", "name": name, "content": testTarget, "ttl": ttl, "proxied": false, "comment": comment}
}

func wantCNAME() providers.CNAME {
	return providers.CNAME{Name: "ls.acme.com", Target: testTarget + ".", TTL: 600}
}

func TestCheckCredentialsRequest(t *testing.T) {
	b := setupMock(t, Config{})
	key := b.expect(http.MethodGet, "/zones", url.Values{"per_page": {"5"}}, nil, ok([]any{zoneJSON(testZoneID, "acme.com")}, page(1)))
	if err := b.p.CheckCredentials(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if n := b.calls()[key]; n != 1 {
		t.Fatalf("calls = %v", b.calls())
	}
}

func TestZoneRequestsLongestFirst(t *testing.T) {
	b := setupMock(t, Config{})
	k1 := b.expect(http.MethodGet, "/zones", url.Values{"name": {"ls.eu.acme.com"}, "status": {"active"}}, nil, ok([]any{}, page(0)))
	k2 := b.expect(http.MethodGet, "/zones", url.Values{"name": {"eu.acme.com"}, "status": {"active"}}, nil,
		ok([]any{zoneJSON(testZoneID, "eu.acme.com")}, page(1)))
	// acme.com is never asked about: eu.acme.com is longer.
	z, err := b.p.Zone(ctx(t), "LS.eu.Acme.com.")
	if err != nil {
		t.Fatal(err)
	}
	if z != (providers.Zone{ID: testZoneID, Name: "eu.acme.com"}) {
		t.Fatalf("zone = %+v", z)
	}
	if c := b.calls(); c[k1] != 1 || c[k2] != 1 || b.total() != 2 {
		t.Fatalf("calls = %v", c)
	}
}

func TestZoneIgnoresNonExactAnswers(t *testing.T) {
	b := setupMock(t, Config{})
	// A server that ignored the filter would answer cme.com: not a match.
	b.expect(http.MethodGet, "/zones", url.Values{"name": {"ls.acme.com"}, "status": {"active"}}, nil, ok([]any{zoneJSON(testZoneID, "cme.com")}, page(1)))
	b.expect(http.MethodGet, "/zones", url.Values{"name": {"acme.com"}, "status": {"active"}}, nil, ok([]any{zoneJSON(testZoneID, "cme.com")}, page(1)))
	_, err := b.p.Zone(ctx(t), "ls.acme.com")
	if !errors.Is(err, providers.ErrZoneNotFound) || !errors.Is(err, providers.ErrPermanent) {
		t.Fatalf("err = %v, want ErrZoneNotFound", err)
	}
}

func TestZoneRefusesBadHostsWithoutACall(t *testing.T) {
	b := setupMock(t, Config{})
	for _, host := range []string{"", "com", "ls..acme.com", "ls acme.com", "ls.acme.com/x", "-ls.acme.com", "ls.acmé.com", strings.Repeat("a", 64) + ".com"} {
		if _, err := b.p.Zone(ctx(t), host); !errors.Is(err, providers.ErrPermanent) {
			t.Errorf("Zone(%q) = %v, want a permanent error", host, err)
		}
	}
	if b.total() != 0 {
		t.Fatalf("calls = %v", b.calls())
	}
}

func TestEnsureCNAMECreatesWithExactRequests(t *testing.T) {
	b := setupMock(t, Config{})
	list := b.expect(http.MethodGet, "/zones/"+testZoneID+"/dns_records", listQuery("ls.acme.com"), nil, ok([]any{}, page(0)))
	create := b.expect(http.MethodPost, "/zones/"+testZoneID+"/dns_records", nil, createBody("ls.acme.com", 600, DefaultComment),
		ok(recordJSON(testRecID, "CNAME", "ls.acme.com", testTarget, 600, false, DefaultComment), nil))

	rec, created, err := b.p.EnsureCNAME(ctx(t), testZone, providers.CNAME{Name: "LS.acme.com.", Target: testTarget + ".", TTL: 600})
	if err != nil || !created {
		t.Fatalf("EnsureCNAME = %+v, %v, %v", rec, created, err)
	}
	want := providers.Record{ID: testRecID, Type: "CNAME", Name: "ls.acme.com", Content: testTarget, TTL: 600, Comment: DefaultComment}
	if rec != want {
		t.Fatalf("record = %+v, want %+v", rec, want)
	}
	if c := b.calls(); c[list] != 1 || c[create] != 1 || b.total() != 2 {
		t.Fatalf("calls = %v", c)
	}
}

func TestEnsureCNAMEUsesCallerCommentAndAutomaticTTL(t *testing.T) {
	b := setupMock(t, Config{Comment: "linkgate domain 42"})
	b.expect(http.MethodGet, "/zones/"+testZoneID+"/dns_records", listQuery("ls.acme.com"), nil, ok([]any{}, page(0)))
	create := b.expect(http.MethodPost, "/zones/"+testZoneID+"/dns_records", nil, createBody("ls.acme.com", 1, "onboarding acme"),
		ok(recordJSON(testRecID, "CNAME", "ls.acme.com", testTarget, 1, false, "onboarding acme"), nil))
	w := wantCNAME()
	w.TTL, w.Comment = 0, "onboarding acme"
	if _, _, err := b.p.EnsureCNAME(ctx(t), testZone, w); err != nil {
		t.Fatal(err)
	}
	if b.calls()[create] != 1 {
		t.Fatalf("calls = %v", b.calls())
	}

	b2 := setupMock(t, Config{Comment: "linkgate domain 42"})
	b2.expect(http.MethodGet, "/zones/"+testZoneID+"/dns_records", listQuery("ls.acme.com"), nil, ok([]any{}, page(0)))
	create2 := b2.expect(http.MethodPost, "/zones/"+testZoneID+"/dns_records", nil, createBody("ls.acme.com", 600, "linkgate domain 42"),
		ok(recordJSON(testRecID, "CNAME", "ls.acme.com", testTarget, 600, false, "linkgate domain 42"), nil))
	if _, _, err := b2.p.EnsureCNAME(ctx(t), testZone, wantCNAME()); err != nil {
		t.Fatal(err)
	}
	if b2.calls()[create2] != 1 {
		t.Fatalf("calls = %v", b2.calls())
	}
}

func TestEnsureCNAMEFindsIdentical(t *testing.T) {
	b := setupMock(t, Config{})
	// Made by hand: upper case, trailing dot, proxied off, another TTL.
	b.expect(http.MethodGet, "/zones/"+testZoneID+"/dns_records", listQuery("ls.acme.com"), nil,
		ok([]any{recordJSON(testRecID, "CNAME", "ls.acme.com", "LSCT.ashburn.us1.twilio.com.", 1, false, "")}, page(1)))
	rec, created, err := b.p.EnsureCNAME(ctx(t), testZone, wantCNAME())
	if err != nil || created || rec.ID != testRecID {
		t.Fatalf("EnsureCNAME = %+v, %v, %v", rec, created, err)
	}
	if b.total() != 1 {
		t.Fatalf("calls = %v (no create expected)", b.calls())
	}
}

func TestEnsureCNAMEConflicts(t *testing.T) {
	for _, tc := range []struct {
		name     string
		existing []any
		wantType string
	}{
		{"cname elsewhere", []any{recordJSON(testRecID, "CNAME", "ls.acme.com", "elsewhere.example.net", 1, false, "")}, "CNAME"},
		{"A record", []any{recordJSON(testRecID, "A", "ls.acme.com", "192.0.2.1", 1, true, "")}, "A"},
		{"TXT then AAAA", []any{
			recordJSON("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "TXT", "ls.acme.com", "hello", 1, false, ""),
			recordJSON(testRecID, "AAAA", "ls.acme.com", "2001:db8::1", 1, false, ""),
		}, "AAAA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := setupMock(t, Config{})
			b.expect(http.MethodGet, "/zones/"+testZoneID+"/dns_records", listQuery("ls.acme.com"), nil, ok(tc.existing, page(len(tc.existing))))
			_, _, err := b.p.EnsureCNAME(ctx(t), testZone, wantCNAME())
			var conflict *providers.ConflictingRecordError
			if !errors.As(err, &conflict) || !errors.Is(err, providers.ErrPermanent) {
				t.Fatalf("err = %v, want a permanent conflict", err)
			}
			if conflict.Existing.Type != tc.wantType || conflict.Existing.ID != testRecID {
				t.Fatalf("conflict names %+v, want the %s record", conflict.Existing, tc.wantType)
			}
			if !strings.HasPrefix(err.Error(), "cloudflare: ") || !strings.Contains(err.Error(), conflict.Existing.Content) {
				t.Fatalf("message %q", err)
			}
			if b.total() != 1 {
				t.Fatalf("calls = %v (nothing may be written)", b.calls())
			}
		})
	}
}

// TestEnsureCNAMERelistsOnAlreadyExists covers the race: the listing is
// empty, the create is refused because a record appeared, and the second
// listing decides.
func TestEnsureCNAMERelistsOnAlreadyExists(t *testing.T) {
	identical := recordJSON(testRecID, "CNAME", "ls.acme.com", testTarget, 600, false, DefaultComment)
	other := recordJSON(testRecID, "CNAME", "ls.acme.com", "elsewhere.example.net", 600, false, "")
	for _, tc := range []struct {
		code    int
		message string
		relist  []any
		want    string // "found", "conflict", "transient"
	}{
		{81053, "An A, AAAA, or CNAME record with that host already exists.", []any{identical}, "found"},
		{81054, "A CNAME record with that host already exists.", []any{identical}, "found"},
		{81057, "The record already exists.", []any{identical}, "found"},
		{81058, "An identical record already exists.", []any{identical}, "found"},
		{81053, "An A, AAAA, or CNAME record with that host already exists.", []any{other}, "conflict"},
		{81058, "An identical record already exists.", []any{}, "transient"},
	} {
		t.Run(fmt.Sprintf("%d-%s", tc.code, tc.want), func(t *testing.T) {
			b := setupMock(t, Config{})
			list := b.expect(http.MethodGet, "/zones/"+testZoneID+"/dns_records", listQuery("ls.acme.com"), nil,
				ok([]any{}, page(0)).Then(ok(tc.relist, page(len(tc.relist)))))
			create := b.expect(http.MethodPost, "/zones/"+testZoneID+"/dns_records", nil, createBody("ls.acme.com", 600, DefaultComment),
				fail(http.StatusBadRequest, cfErr(tc.code, tc.message)))
			rec, created, err := b.p.EnsureCNAME(ctx(t), testZone, wantCNAME())
			switch tc.want {
			case "found":
				if err != nil || created || rec.ID != testRecID {
					t.Fatalf("EnsureCNAME = %+v, %v, %v; want the existing record", rec, created, err)
				}
			case "conflict":
				var conflict *providers.ConflictingRecordError
				if !errors.As(err, &conflict) || conflict.Existing.Content != "elsewhere.example.net" {
					t.Fatalf("err = %v, want a conflict", err)
				}
			case "transient":
				if !providers.IsTransient(err) {
					t.Fatalf("err = %v, want transient", err)
				}
			}
			if c := b.calls(); c[list] != 2 || c[create] != 1 {
				t.Fatalf("calls = %v", c)
			}
		})
	}
}

func TestEnsureCNAMECreateFailureIsNotRelisted(t *testing.T) {
	b := setupMock(t, Config{})
	list := b.expect(http.MethodGet, "/zones/"+testZoneID+"/dns_records", listQuery("ls.acme.com"), nil, ok([]any{}, page(0)))
	b.expect(http.MethodPost, "/zones/"+testZoneID+"/dns_records", nil, createBody("ls.acme.com", 600, DefaultComment),
		fail(http.StatusBadRequest, map[string]any{"code": 1004, "message": "DNS Validation Error",
			"error_chain": []any{cfErr(9021, "TTL must be between 60 and 86400 seconds, or 1 for Automatic.")}}))
	_, _, err := b.p.EnsureCNAME(ctx(t), testZone, wantCNAME())
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Transient || pe.Code != 9021 || pe.Status != 400 || !strings.Contains(pe.Message, "TTL must be") {
		t.Fatalf("err = %#v", err)
	}
	if b.calls()[list] != 1 {
		t.Fatalf("calls = %v", b.calls())
	}
}

func TestEnsureCNAMERefusesBadInputWithoutACall(t *testing.T) {
	b := setupMock(t, Config{})
	for _, tc := range []struct {
		zone providers.Zone
		want providers.CNAME
	}{
		{providers.Zone{ID: "../../zones", Name: "acme.com"}, wantCNAME()},
		{testZone, providers.CNAME{Name: "ls.other.com", Target: testTarget}},           // not in the zone
		{testZone, providers.CNAME{Name: "ls.acme.com.acme.com.x", Target: testTarget}}, // not in the zone
		{testZone, providers.CNAME{Name: "ls.acme.com", Target: "not a host"}},
		{testZone, providers.CNAME{Name: "ls.acme.com", Target: "ls.acme.com."}}, // itself
		{testZone, providers.CNAME{Name: "ls.acme.com", Target: testTarget, TTL: 10}},
		{testZone, providers.CNAME{Name: "ls.acme.com", Target: testTarget, TTL: 90000}},
		{testZone, providers.CNAME{Name: "ls.acme.com", Target: testTarget, Comment: strings.Repeat("x", 101)}},
		{testZone, providers.CNAME{Name: "ls.acme.com", Target: testTarget, Comment: "two\nlines"}},
	} {
		if _, _, err := b.p.EnsureCNAME(ctx(t), tc.zone, tc.want); !errors.Is(err, providers.ErrPermanent) {
			t.Errorf("EnsureCNAME(%+v, %+v) = %v, want a permanent error", tc.zone, tc.want, err)
		}
	}
	if err := b.p.DeleteRecord(ctx(t), testZone, "../x"); !errors.Is(err, providers.ErrPermanent) {
		t.Errorf("DeleteRecord with a bad id = %v", err)
	}
	if b.total() != 0 {
		t.Fatalf("calls = %v", b.calls())
	}
}

func TestRecordsAreListedPageByPage(t *testing.T) {
	b := setupMock(t, Config{})
	full := make([]any, recordsPerPage)
	for i := range full {
		full[i] = recordJSON(fmt.Sprintf("%032x", i+1), "TXT", "ls.acme.com", fmt.Sprintf("t%d", i), 1, false, "")
	}
	p2 := url.Values{"name.exact": {"ls.acme.com"}, "page": {"2"}, "per_page": {"100"}}
	k1 := b.expect(http.MethodGet, "/zones/"+testZoneID+"/dns_records", listQuery("ls.acme.com"), nil, ok(full, page(100)))
	k2 := b.expect(http.MethodGet, "/zones/"+testZoneID+"/dns_records", p2, nil, ok([]any{}, page(0)))
	_, _, err := b.p.EnsureCNAME(ctx(t), testZone, wantCNAME())
	var conflict *providers.ConflictingRecordError
	if !errors.As(err, &conflict) || conflict.Existing.Type != "TXT" {
		t.Fatalf("err = %v", err)
	}
	if c := b.calls(); c[k1] != 1 || c[k2] != 1 {
		t.Fatalf("calls = %v", c)
	}
}

func TestDeleteRecordRequests(t *testing.T) {
	path := "/zones/" + testZoneID + "/dns_records/" + testRecID
	for _, tc := range []struct {
		name string
		r    httpmock.Responder
		want error // nil: success
	}{
		{"deleted", ok(map[string]any{"id": testRecID}, nil), nil},
		{"already gone 81044", fail(http.StatusNotFound, cfErr(81044, "Record does not exist.")), nil},
		{"already gone 404", fail(http.StatusNotFound, cfErr(1032, "Not found")), nil},
		{"zone gone 7003", fail(http.StatusBadRequest, cfErr(7003, "Could not route to /zones/x/dns_records/y, perhaps your object identifier is invalid?"), cfErr(7000, "No route for that URI")), providers.ErrZoneNotFound},
		{"forbidden", fail(http.StatusForbidden, cfErr(10000, "Authentication error")), providers.ErrInvalidCredentials},
		{"server error", httpmock.NewStringResponder(http.StatusBadGateway, "<html>502 Bad Gateway</html>").HeaderSet(http.Header{"Content-Type": {"text/html"}}), providers.ErrTransient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := setupMock(t, Config{})
			key := b.expect(http.MethodDelete, path, nil, nil, tc.r)
			err := b.p.DeleteRecord(ctx(t), testZone, testRecID)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("DeleteRecord = %v, want %v", err, tc.want)
			}
			if b.calls()[key] != 1 {
				t.Fatalf("calls = %v", b.calls())
			}
		})
	}
}

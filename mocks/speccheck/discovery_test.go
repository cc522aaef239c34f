package speccheck

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDiscoveryChecksExchanges(t *testing.T) {
	d, err := LoadDiscovery(GoogleDNS)
	if err != nil {
		t.Fatal(err)
	}
	var body string
	var status int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	for _, c := range []struct {
		name, method, path, reqBody string
		status                      int
		respBody                    string
		problems                    []string // substrings, in order; none: clean
	}{
		{"good list", "GET", "/dns/v1/projects/p/managedZones?maxResults=10", "", 200,
			`{"kind":"dns#managedZonesListResponse","managedZones":[{"name":"z","dnsName":"acme.com.","id":"123","visibility":"public"}]}`, nil},
		{"unknown field", "GET", "/dns/v1/projects/p/managedZones", "", 200, `{"managedZones":[{"nom":"z"}]}`,
			[]string{`body.managedZones[0]: unknown field "nom"`}},
		{"uint64 as a number", "GET", "/dns/v1/projects/p/managedZones", "", 200, `{"managedZones":[{"id":123}]}`,
			[]string{"body.managedZones[0].id: a number, want a string"}},
		{"bad enum", "GET", "/dns/v1/projects/p/managedZones", "", 200, `{"managedZones":[{"visibility":"secret"}]}`,
			[]string{`"secret" is not one of`}},
		{"unknown query parameter", "GET", "/dns/v1/projects/p/managedZones?zone=x", "", 200, `{}`,
			[]string{"query parameter zone is not a parameter"}},
		{"no such method", "DELETE", "/dns/v1/projects/p", "", 200, `{}`, []string{"is in no method"}},
		{"bad request body", "POST", "/dns/v1/projects/p/managedZones/z/changes", `{"additions":[{"ttl":"300"}]}`, 200,
			`{"kind":"dns#change","id":"1","status":"done"}`, []string{"body.additions[0].ttl: a string, want an integer"}},
		{"good error", "GET", "/dns/v1/projects/p", "", 404,
			`{"error":{"code":404,"message":"nope","errors":[{"message":"nope","domain":"global","reason":"notFound"}],"status":"NOT_FOUND"}}`, nil},
		{"bad error", "GET", "/dns/v1/projects/p", "", 404, `{"error":{"code":400,"message":"nope"}}`,
			[]string{"error.code is missing or differs", "error.status is missing"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			body, status = c.respBody, c.status
			var got []string
			tr := &DiscoveryTransport{Base: srv.Client().Transport, Doc: d,
				Errorf: func(f string, a ...any) { got = append(got, fmt.Sprintf(f, a...)) }}
			var rb io.Reader
			if c.reqBody != "" {
				rb = strings.NewReader(c.reqBody)
			}
			req, _ := http.NewRequest(c.method, srv.URL+c.path, rb)
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			all := strings.Join(got, "\n")
			if len(c.problems) == 0 && len(got) > 0 {
				t.Fatalf("clean exchange flagged:\n%s", all)
			}
			for _, p := range c.problems {
				if !strings.Contains(all, p) {
					t.Errorf("want a problem containing %q, got:\n%s", p, all)
				}
			}
		})
	}
}

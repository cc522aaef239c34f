package mocks_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/providertest"
)

func newReputation(t *testing.T, cfg mocks.ReputationConfig) *mocks.Reputation {
	t.Helper()
	r, err := mocks.NewReputation(cfg)
	if err != nil {
		t.Fatalf("NewReputation: %v", err)
	}
	return r
}

func TestReputationConformance(t *testing.T) {
	t.Parallel()
	providertest.TestReputation(t, providertest.ReputationHarness{
		Source: "Test list",
		Reason: "phishing domain",
		New: func(t *testing.T) providertest.ReputationFixture {
			r := newReputation(t, mocks.ReputationConfig{})
			return providertest.ReputationFixture{
				Reputation: r,
				List: func(t *testing.T, name string) {
					if err := r.Flag(name, "Test list", "phishing domain"); err != nil {
						t.Fatalf("Flag: %v", err)
					}
				},
				Refuse: func(*testing.T) {
					r.FailNext(&providers.Error{Provider: "reputation", Op: "check reputation", Message: "excessive number of queries", Err: providers.ErrRefused})
				},
				Fail: func(*testing.T) { r.FailNext(nil) },
				Hang: func(*testing.T) <-chan struct{} { return r.HangNext() },
			}
		},
	})
}

func TestReputationFlags(t *testing.T) {
	t.Parallel()
	p := &memPersister{}
	r := newReputation(t, mocks.ReputationConfig{Persister: p})
	ctx := context.Background()
	if err := r.Flag("LS.Acme.com.", "", ""); err != nil {
		t.Fatal(err)
	}
	if err := r.Flag("ls.acme.com", "Other list", "malware"); err != nil {
		t.Fatal(err)
	}
	v, err := r.Check(ctx, "ls.acme.com")
	if err != nil || len(v.Listings) != 2 || v.Listings[0].Source != "Other list" || v.Listings[1].Source != mocks.DefaultReputationSource ||
		v.Listings[1].Reason != mocks.DefaultReputationReason {
		t.Fatalf("Check = %+v, %v; want both sources, by name", v, err)
	}

	// Flags survive a restart through the Persister.
	r2 := newReputation(t, mocks.ReputationConfig{Persister: p})
	if got := r2.Flags(); len(got) != 2 || got[0].Host != "ls.acme.com" {
		t.Fatalf("flags after restart = %+v", got)
	}

	// A flag that cannot be saved is not kept.
	p.mu.Lock()
	p.failSave = errors.New("disk full")
	p.mu.Unlock()
	if err := r2.Flag("bad.acme.com", "", ""); err == nil {
		t.Fatal("Flag with a failing Persister succeeded")
	}
	if got := r2.Flags(); len(got) != 2 {
		t.Fatalf("flags after a failed save = %+v", got)
	}
	p.mu.Lock()
	p.failSave = nil
	p.mu.Unlock()

	if err := r2.Unflag("ls.acme.com"); err != nil {
		t.Fatal(err)
	}
	if err := r2.Unflag("never.acme.com"); err != nil {
		t.Fatalf("Unflag of a host not flagged: %v", err)
	}
	if v, err := r2.Check(ctx, "ls.acme.com"); err != nil || v.Listed {
		t.Fatalf("Check after Unflag = %+v, %v", v, err)
	}
	for _, bad := range []string{"", "localhost", "10.0.0.1", "a b.com"} {
		if err := r2.Flag(bad, "", ""); !errors.Is(err, mocks.ErrInvalidReputationHost) {
			t.Errorf("Flag(%q) = %v, want ErrInvalidReputationHost", bad, err)
		}
	}
}

func TestReputationRegistrableDomain(t *testing.T) {
	t.Parallel()
	// With the public suffix list injected, ls.acme.co.uk is checked as
	// acme.co.uk; by default (last two labels) as co.uk.
	psl := func(host string) (string, error) {
		if strings.HasSuffix(host, ".co.uk") {
			labels := strings.Split(host, ".")
			return strings.Join(labels[len(labels)-3:], "."), nil
		}
		labels := strings.Split(host, ".")
		return strings.Join(labels[len(labels)-2:], "."), nil
	}
	for _, tc := range []struct {
		name   string
		reg    func(string) (string, error)
		listed bool
	}{
		{"public suffix list", psl, true},
		{"default", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newReputation(t, mocks.ReputationConfig{RegistrableDomain: tc.reg})
			if err := r.Flag("acme.co.uk", "", ""); err != nil {
				t.Fatal(err)
			}
			v, err := r.Check(context.Background(), "ls.acme.co.uk")
			if err != nil || v.Listed != tc.listed {
				t.Fatalf("Check = %+v, %v; want listed %v", v, err, tc.listed)
			}
		})
	}
}

func TestReputationSandboxHandler(t *testing.T) {
	t.Parallel()
	r := newReputation(t, mocks.ReputationConfig{})
	srv := httptest.NewServer(r.SandboxHandler())
	t.Cleanup(srv.Close)

	do := func(t *testing.T, method, path, body string) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	field := func(out map[string]any) string {
		errs, _ := out["errors"].([]any)
		if len(errs) == 0 {
			return ""
		}
		e, _ := errs[0].(map[string]any)
		s, _ := e["field"].(string)
		return s
	}

	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"flag", "POST", "/_sandbox/reputation", `{"host":"LS.Acme.com."}`, 201, ""},
		{"flag again", "POST", "/_sandbox/reputation", `{"host":"ls.acme.com"}`, 201, ""},
		{"empty host", "POST", "/_sandbox/reputation", `{"host":""}`, 422, "host"},
		{"no host", "POST", "/_sandbox/reputation", `{}`, 422, "host"},
		{"ip host", "POST", "/_sandbox/reputation", `{"host":"192.0.2.1"}`, 422, "host"},
		{"single label", "POST", "/_sandbox/reputation", `{"host":"localhost"}`, 422, "host"},
		{"wrong type", "POST", "/_sandbox/reputation", `{"host":7}`, 422, "host"},
		{"unknown field", "POST", "/_sandbox/reputation", `{"host":"a.com","why":"x"}`, 422, "why"},
		{"not json", "POST", "/_sandbox/reputation", `host=a.com`, 400, ""},
		{"unflag bad host", "DELETE", "/_sandbox/reputation?host=", ``, 422, "host"},
		{"other method", "GET", "/_sandbox/reputation", ``, 405, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := do(t, tc.method, tc.path, tc.body)
			if status != tc.status || field(out) != tc.field {
				t.Fatalf("%s %s %s = %d %v, want %d naming %q", tc.method, tc.path, tc.body, status, out, tc.status, tc.field)
			}
			if status == 201 && (out["host"] != "ls.acme.com" || out["source"] != mocks.DefaultReputationSource || out["reason"] != mocks.DefaultReputationReason) {
				t.Fatalf("201 body = %v", out)
			}
		})
	}
	if v, err := r.Check(context.Background(), "ls.acme.com"); err != nil || !v.Listed || len(v.Listings) != 1 {
		t.Fatalf("after POST: Check = %+v, %v; want one listing", v, err)
	}
	if status, _ := do(t, "DELETE", "/_sandbox/reputation?host=LS.acme.com", ""); status != 204 {
		t.Fatalf("DELETE = %d, want 204", status)
	}
	if status, _ := do(t, "DELETE", "/_sandbox/reputation?host=ls.acme.com", ""); status != 204 {
		t.Fatalf("second DELETE = %d, want 204", status)
	}
	if v, err := r.Check(context.Background(), "ls.acme.com"); err != nil || v.Listed {
		t.Fatalf("after DELETE: Check = %+v, %v; want clean", v, err)
	}
}

// TestDNSBLServerWire asks the fake blocklist with miekg/dns, as a real
// resolver client would, and checks the DNS messages it gets back.
func TestDNSBLServerWire(t *testing.T) {
	t.Parallel()
	r := newReputation(t, mocks.ReputationConfig{})
	if err := r.Flag("acme.test", "Spamhaus DBL", "phishing domain"); err != nil {
		t.Fatal(err)
	}
	if err := r.Flag("both.test", "Spamhaus DBL", "odd reason"); err != nil {
		t.Fatal(err)
	}
	if err := r.Flag("other.test", "Other list", "phishing domain"); err != nil {
		t.Fatal(err)
	}
	s, err := r.StartDNSBL(mocks.DNSBLConfig{Zone: "dbl.example.", Source: "Spamhaus DBL", Answers: map[string]string{"phishing domain": "127.0.1.4"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })

	ask := func(t *testing.T, name string, qtype uint16) *dns.Msg {
		t.Helper()
		m := new(dns.Msg)
		m.SetQuestion(name, qtype)
		in, _, err := (&dns.Client{Net: "udp"}).ExchangeContext(t.Context(), m, s.Addr())
		if err != nil {
			t.Fatalf("exchange %s: %v", name, err)
		}
		if in.Id != m.Id || !in.Response || !in.RecursionDesired || len(in.Question) != 1 || in.Question[0].Name != m.Question[0].Name {
			t.Fatalf("reply does not match the query: %v", in)
		}
		return in
	}
	for _, tc := range []struct {
		name   string
		qtype  uint16
		rcode  int
		answer string
	}{
		{"acme.test.dbl.example.", dns.TypeA, dns.RcodeSuccess, "127.0.1.4"},
		{"ACME.Test.DBL.example.", dns.TypeA, dns.RcodeSuccess, "127.0.1.4"},
		{"both.test.dbl.example.", dns.TypeA, dns.RcodeSuccess, "127.0.0.2"},
		{"acme.test.dbl.example.", dns.TypeTXT, dns.RcodeSuccess, ""},
		{"ls.acme.test.dbl.example.", dns.TypeA, dns.RcodeNameError, ""},
		{"other.test.dbl.example.", dns.TypeA, dns.RcodeNameError, ""}, // another source
		{"acme.test.elsewhere.example.", dns.TypeA, dns.RcodeRefused, ""},
		{"dbl.example.", dns.TypeA, dns.RcodeSuccess, ""},
	} {
		in := ask(t, tc.name, tc.qtype)
		var got string
		if len(in.Answer) == 1 {
			a, ok := in.Answer[0].(*dns.A)
			if !ok || !strings.EqualFold(a.Hdr.Name, tc.name) {
				t.Fatalf("%s: answer %v", tc.name, in.Answer[0])
			}
			got = a.A.String()
		} else if len(in.Answer) > 1 {
			t.Fatalf("%s: %d answers", tc.name, len(in.Answer))
		}
		if in.Rcode != tc.rcode || got != tc.answer {
			t.Errorf("%s %s: rcode %s answer %q, want %s %q", tc.name, dns.TypeToString[tc.qtype], dns.RcodeToString[in.Rcode], got, dns.RcodeToString[tc.rcode], tc.answer)
		}
	}

	// Faults: an answer, an rcode, then back to normal.
	if err := s.Inject(mocks.DNSBLFault{Answer: "127.255.255.254"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Inject(mocks.DNSBLFault{Rcode: mocks.DNSRcodeServFail}); err != nil {
		t.Fatal(err)
	}
	if in := ask(t, "clean.test.dbl.example.", dns.TypeA); len(in.Answer) != 1 || in.Answer[0].(*dns.A).A.String() != "127.255.255.254" {
		t.Fatalf("with an answer fault: %v", in)
	}
	if in := ask(t, "acme.test.dbl.example.", dns.TypeA); in.Rcode != dns.RcodeServerFailure {
		t.Fatalf("with an rcode fault: %v", in)
	}
	if in := ask(t, "acme.test.dbl.example.", dns.TypeA); len(in.Answer) != 1 {
		t.Fatalf("after the faults: %v", in)
	}
	if err := s.Inject(mocks.DNSBLFault{Answer: "not-an-ip"}); err == nil {
		t.Fatal("Inject of a bad answer succeeded")
	}
	if q := s.Queries(); len(q) != 11 || q[0] != "acme.test.dbl.example" {
		t.Fatalf("Queries = %v", q)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestDNSBLServerConfig(t *testing.T) {
	t.Parallel()
	r := newReputation(t, mocks.ReputationConfig{})
	for _, cfg := range []mocks.DNSBLConfig{
		{Zone: ""},
		{Zone: "nodot"},
		{Zone: "dbl.example", Answers: map[string]string{"x": "::1"}},
		{Zone: "dbl.example", DefaultAnswer: "nope"},
	} {
		if s, err := r.StartDNSBL(cfg); err == nil {
			_ = s.Close()
			t.Errorf("StartDNSBL(%+v) succeeded", cfg)
		}
	}
}

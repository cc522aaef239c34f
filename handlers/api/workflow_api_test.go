package api_test

// HTTP tests of the onboarding endpoints (configure, domain-sid, retry,
// messaging-services) with a real workflows.Engine on River, the real
// Cloudflare and Twilio adapters pointed in-process at the stateful fakes
// (as sandbox mode wires them), on SQLite and, when TEST_DATABASE_URL is
// set, PostgreSQL. Every exchange goes through validatingTransport.

import (
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers/api"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/providers"
)

// statusPath is the timeline's statuses with repeats (steps within one
// status) collapsed.
func statusPath(evs []models.DomainEventView) []models.Status {
	var out []models.Status
	for _, ev := range evs {
		if len(out) == 0 || out[len(out)-1] != ev.To {
			out = append(out, ev.To)
		}
	}
	return out
}

var stateInDetail = regexp.MustCompile(`the domain is ([a-z_]+)`)

// wantState checks a 409 invalid_state names the status.
func wantState(t *testing.T, r handlertest.Reply, status models.Status) {
	t.Helper()
	p := handlertest.WantProblem(t, r, http.StatusConflict, "invalid_state")
	m := stateInDetail.FindStringSubmatch(p.Detail)
	if m == nil || m[1] != string(status) {
		t.Errorf("invalid_state detail %q does not name the status %s", p.Detail, status)
	}
}

// ---- configure ----

func TestWorkflowConfigureRefusals(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewWorkflowAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		key := e.ClientKey(t, c.ID).Key
		d := e.CreateDomain(t, key, c.ID, map[string]any{"domain": "acme.com"})
		zoneID, tok := e.CF.AddZone("acme.com")
		_, otherTok := e.CF.AddZone("other.com")
		revoked := e.CF.AddToken(zoneID)
		e.CF.RevokeToken(revoked)
		before := e.Events(t, key, d.ID)
		path := "/api/v1/domains/" + d.ID + "/configure"

		for _, tc := range []struct {
			name   string
			body   any
			status int
			code   string
			fields []string
		}{
			{"unknown token", map[string]any{"mode": "self", "provider": "cloudflare", "credentials": map[string]string{"api_token": "Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1"}},
				422, "invalid_credentials", []string{"credentials.api_token"}},
			{"revoked token", map[string]any{"mode": "self", "provider": "cloudflare", "credentials": map[string]string{"api_token": revoked}},
				422, "invalid_credentials", []string{"credentials.api_token"}},
			{"token with a space", map[string]any{"mode": "self", "provider": "cloudflare", "credentials": map[string]string{"api_token": "two words"}},
				422, "invalid_credentials", []string{"credentials.api_token"}},
			{"token for another zone", map[string]any{"mode": "self", "provider": "cloudflare", "credentials": map[string]string{"api_token": otherTok}},
				422, "zone_not_found", []string{"credentials.api_token"}},
			{"no api_token", map[string]any{"mode": "self", "provider": "cloudflare", "credentials": map[string]string{}},
				422, "invalid_credentials", []string{"credentials.api_token"}},
			{"blank api_token", map[string]any{"mode": "self", "provider": "cloudflare", "credentials": map[string]string{"api_token": "   "}},
				422, "invalid_credentials", []string{"credentials.api_token"}},
			{"no credentials", map[string]any{"mode": "self", "provider": "cloudflare"},
				422, "invalid_credentials", []string{"credentials.api_token"}},
			{"bogus mode", map[string]any{"mode": "bogus"}, 422, "invalid_mode", []string{"mode"}},
			{"no mode", map[string]any{}, 422, "invalid_mode", []string{"mode"}},
			{"forward_login mode", map[string]any{"mode": "forward_login"}, 422, "invalid_mode", []string{"mode"}},
			{"unknown provider", map[string]any{"mode": "self", "provider": "dnsimple", "credentials": map[string]string{"api_token": tok}},
				422, "invalid_provider", []string{"provider"}},
			{"no provider", map[string]any{"mode": "self", "credentials": map[string]string{"api_token": tok}},
				422, "invalid_provider", []string{"provider"}},
			{"credentials not an object", map[string]any{"mode": "self", "provider": "cloudflare", "credentials": "x"},
				422, "invalid_field_type", []string{"credentials"}},
			{"mode a number", map[string]any{"mode": 1}, 422, "invalid_field_type", []string{"mode"}},
			{"unknown field", map[string]any{"mode": "manual", "zone": "acme.com"}, 422, "unknown_field", []string{"zone"}},
			{"malformed JSON", `{"mode":`, 400, "malformed_json", nil},
			{"no body", nil, 400, "malformed_json", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.Do(t, "POST", path, key, tc.body)
				handlertest.WantProblem(t, r, tc.status, tc.code, tc.fields...)
				for _, secret := range []string{tok, otherTok, revoked} {
					if strings.Contains(string(r.Body), secret) {
						t.Errorf("the problem reveals a token: %s", r.Body)
					}
				}
			})
		}

		// Nothing happened to the domain, nothing was stored, nothing was
		// created at the provider.
		got := e.GetDomain(t, key, d.ID)
		if got.Status != models.StatusPending || got.SetupMode != nil || got.DNSStatus != models.DNSNotStarted {
			t.Errorf("after refused configures: status %s, setup_mode %v, dns_status %s; want pending, null, not_started",
				got.Status, got.SetupMode, got.DNSStatus)
		}
		if after := e.Events(t, key, d.ID); len(after) != len(before) {
			t.Errorf("refused configures added events: %+v", after[len(before):])
		}
		if _, err := e.Store.DNSCredentials(bg, e.Keys, d.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("refused configures stored credentials (err %v)", err)
		}
		if recs := e.CF.Records(zoneID); len(recs) != 0 {
			t.Errorf("refused configures created records: %+v", recs)
		}
		if strings.Contains(e.Logs.String()+e.WFLogs.String(), tok) {
			t.Error("a token was logged")
		}

		// Another client's key and unknown ids: 404 on every workflow route.
		c2 := e.CreateClient(t, "Other", "owner@other.com")
		key2 := e.ClientKey(t, c2.ID).Key
		mg := handlertest.NewMG(t)
		for _, id := range []string{d.ID, "dom_01JD0000000000000000000000"} {
			for _, k := range []string{key2, e.Admin} {
				if k == e.Admin && id == d.ID {
					continue
				}
				base := "/api/v1/domains/" + id
				handlertest.WantProblem(t, e.Do(t, "POST", base+"/configure", k, map[string]any{"mode": "self", "provider": "cloudflare",
					"credentials": map[string]string{"api_token": tok}}), http.StatusNotFound, "not_found")
				handlertest.WantProblem(t, e.Do(t, "POST", base+"/domain-sid", k, map[string]any{"domain_sid": "DN" + handlertest.RandHex(t, 16)}), http.StatusNotFound, "not_found")
				handlertest.WantProblem(t, e.Do(t, "POST", base+"/retry", k, nil), http.StatusNotFound, "not_found")
				handlertest.WantProblem(t, e.Do(t, "POST", base+"/messaging-services", k, map[string]any{"messaging_service_sid": mg}), http.StatusNotFound, "not_found")
				handlertest.WantProblem(t, e.Do(t, "DELETE", base+"/messaging-services/"+mg, k, nil), http.StatusNotFound, "not_found")
			}
		}
		if got := e.GetDomain(t, key, d.ID); got.Status != models.StatusPending {
			t.Fatalf("another client's configure moved the domain to %s", got.Status)
		}

		// The owner's configure works once; the second is 409 naming the
		// status the first one left.
		r := e.Do(t, "POST", path, key, map[string]any{"mode": "self", "provider": "cloudflare",
			"credentials": map[string]string{"api_token": tok}}).Want(t, http.StatusAccepted)
		started := handlertest.Decode[models.DomainView](t, r)
		if started.Status != models.StatusDNSPending || handlertest.Deref(started.SetupMode) != models.SetupSelf || started.DNSStatus != models.DNSCreating {
			t.Errorf("configure answered %s/%v/%s, want dns_pending/self/creating", started.Status, started.SetupMode, started.DNSStatus)
		}
		p := handlertest.WantProblem(t, e.Do(t, "POST", path, key, map[string]any{"mode": "manual"}), http.StatusConflict, "invalid_state")
		if m := stateInDetail.FindStringSubmatch(p.Detail); m == nil || (m[1] != string(models.StatusDNSPending) && m[1] != string(models.StatusAwaitingDomainSID)) {
			t.Errorf("second configure: detail %q does not name the current status", p.Detail)
		}
		e.WaitStatus(t, key, d.ID, models.StatusAwaitingDomainSID)
		wantState(t, e.Do(t, "POST", path, key, map[string]any{"mode": "manual"}), models.StatusAwaitingDomainSID)
		if got := e.GetDomain(t, key, d.ID); handlertest.Deref(got.SetupMode) != models.SetupSelf {
			t.Errorf("a refused configure changed setup_mode to %v", got.SetupMode)
		}
	})
}

// TestWorkflowConfigureConcurrently: of simultaneous configures (a double
// click, two tabs) exactly one starts the setup.
func TestWorkflowConfigureConcurrently(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewWorkflowAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		d := e.CreateDomain(t, e.Admin, c.ID, map[string]any{"domain": "acme.com"})
		const n = 6
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/configure", e.Admin, map[string]any{"mode": "manual"})
				statuses[i] = r.Status
			}()
		}
		wg.Wait()
		sort.Ints(statuses)
		want := []int{202, 409, 409, 409, 409, 409}
		if !slices.Equal(statuses, want) {
			t.Errorf("concurrent configures answered %v, want %v", statuses, want)
		}
		var toDNS int
		for _, ev := range e.Events(t, e.Admin, d.ID) {
			if ev.To == models.StatusDNSPending && handlertest.Deref(ev.From) == models.StatusPending {
				toDNS++
			}
		}
		if toDNS != 1 {
			t.Errorf("%d pending→dns_pending events, want 1", toDNS)
		}
	})
}

// ---- self setup and the Domain SID ----

func TestWorkflowSelfSetup(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewWorkflowAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		k := e.ClientKey(t, c.ID)
		key := k.Key
		d := e.CreateDomain(t, key, c.ID, map[string]any{"domain": "acme.com"})
		zoneID := e.ConfigureSelf(t, key, d)

		waiting := e.WaitStatus(t, key, d.ID, models.StatusAwaitingDomainSID)
		if waiting.DNSStatus != models.DNSVerified || waiting.DomainSID != nil {
			t.Errorf("awaiting_domain_sid with dns_status %s, domain_sid %v", waiting.DNSStatus, waiting.DomainSID)
		}
		recs := e.CF.Records(zoneID)
		if len(recs) != 1 || recs[0].Type != "CNAME" || !providers.SameHost(recs[0].Name, d.Host) ||
			!providers.SameHost(recs[0].Content, models.DefaultCNAMETarget) || recs[0].Proxied {
			t.Fatalf("zone records %+v, want one DNS-only CNAME %s → %s", recs, d.Host, models.DefaultCNAMETarget)
		}
		// The credentials were needed only to create the record.
		if _, err := e.Store.DNSCredentials(bg, e.Keys, d.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("the DNS credentials are still stored after DNS verification (err %v)", err)
		}

		sidPath := "/api/v1/domains/" + d.ID + "/domain-sid"
		for _, tc := range []struct {
			name string
			body any
			code string
		}{
			{"too short", map[string]any{"domain_sid": "DN123"}, "invalid_domain_sid"},
			{"a Messaging Service SID", map[string]any{"domain_sid": handlertest.NewMG(t)}, "invalid_domain_sid"},
			{"not hex", map[string]any{"domain_sid": "DN" + strings.Repeat("z", 32)}, "invalid_domain_sid"},
			{"missing", map[string]any{}, "invalid_domain_sid"},
			{"unknown to Twilio", map[string]any{"domain_sid": "DN" + handlertest.RandHex(t, 16)}, "domain_sid_mismatch"},
			{"for another host", map[string]any{"domain_sid": e.TW.RegisterDomain("ls.other.com")}, "domain_sid_mismatch"},
			{"for the apex", map[string]any{"domain_sid": e.TW.RegisterDomain("acme.com")}, "domain_sid_mismatch"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := handlertest.WantProblem(t, e.Do(t, "POST", sidPath, key, tc.body), http.StatusUnprocessableEntity, tc.code, "domain_sid")
				if tc.name == "for another host" && !strings.Contains(p.Detail, "ls.other.com") {
					t.Errorf("mismatch detail %q does not name the SID's host", p.Detail)
				}
			})
		}
		handlertest.WantProblem(t, e.Do(t, "POST", sidPath, key, map[string]any{"domain_sid": 7}), http.StatusUnprocessableEntity, "invalid_field_type", "domain_sid")
		handlertest.WantProblem(t, e.Do(t, "POST", sidPath, key, nil), http.StatusBadRequest, "malformed_json")
		if got := e.GetDomain(t, key, d.ID); got.Status != models.StatusAwaitingDomainSID || got.DomainSID != nil {
			t.Fatalf("refused SIDs changed the domain: %s, %v", got.Status, got.DomainSID)
		}

		sid := e.TW.RegisterDomain(d.Host)
		r := e.Do(t, "POST", sidPath, key, map[string]any{"domain_sid": sid}).Want(t, http.StatusAccepted)
		if got := handlertest.Decode[models.DomainView](t, r); handlertest.Deref(got.DomainSID) != sid || got.Status != models.StatusSSLPending {
			t.Errorf("domain-sid answered %s with SID %v, want ssl_pending with %s", got.Status, got.DomainSID, sid)
		}

		done := e.WaitStatus(t, key, d.ID, models.StatusConfigured)
		if done.Certificate.Status != models.SSLActive || done.SSLStatus != models.SSLActive {
			t.Errorf("certificate %+v, ssl_status %s; want active", done.Certificate, done.SSLStatus)
		}
		if exp := done.Certificate.ExpiresAt; exp == nil || exp.Before(time.Now().Add(30*24*time.Hour)) {
			t.Errorf("certificate expires_at %v, want about 90 days ahead", exp)
		}
		if handlertest.Deref(done.DomainSID) != sid || handlertest.Deref(done.SetupMode) != models.SetupSelf || done.DNSStatus != models.DNSVerified {
			t.Errorf("configured domain: sid %v, setup_mode %v, dns_status %s", done.DomainSID, done.SetupMode, done.DNSStatus)
		}
		if done.StatusReason != nil {
			t.Errorf("configured domain keeps status_reason %q", *done.StatusReason)
		}
		if !reflect.DeepEqual(done.DNSRecords, d.DNSRecords) || len(done.DNSRecords) != 1 {
			t.Errorf("dns_records changed: %+v, was %+v", done.DNSRecords, d.DNSRecords)
		}
		if len(done.MessagingServiceSIDs) != 0 {
			t.Errorf("messaging_service_sids = %v, want []", done.MessagingServiceSIDs)
		}

		// Each side effect happened once at the providers.
		if n := e.CF.Calls("POST", "/dns_records"); n != 1 {
			t.Errorf("%d CNAME creates at Cloudflare, want 1", n)
		}
		if n := e.TW.Calls(mocks.TwilioOpRequestManagedCert, sid); n != 1 {
			t.Errorf("%d certificate requests at Twilio, want 1", n)
		}
		var tdom *mocks.TwilioDomain
		for _, x := range e.TW.Domains() {
			if x.SID == sid {
				tdom = &x
			}
		}
		if tdom == nil || !tdom.Configured || tdom.Certificate != providers.CertIssued {
			t.Errorf("Twilio's view of the domain: %+v, want configured with an issued certificate", tdom)
		}

		evs := e.Events(t, key, d.ID)
		want := []models.Status{models.StatusPending, models.StatusDNSPending, models.StatusAwaitingDomainSID, models.StatusSSLPending, models.StatusConfigured}
		if got := statusPath(evs); !slices.Equal(got, want) {
			t.Errorf("timeline %v, want %v", got, want)
		}
		for i, ev := range evs {
			if i > 0 && ev.At.Before(evs[i-1].At) {
				t.Errorf("event %d at %v is before event %d at %v", i, ev.At, i-1, evs[i-1].At)
			}
			if ev.Reason == "" {
				t.Errorf("event %d (%s) has no reason", i, ev.To)
			}
			switch {
			case i > 0 && handlertest.Deref(ev.From) == models.StatusPending && ev.To == models.StatusDNSPending,
				handlertest.Deref(ev.From) == models.StatusAwaitingDomainSID && ev.To == models.StatusSSLPending:
				if ev.Actor != "api_key:"+k.ID {
					t.Errorf("%s→%s by %q, want the client's key", *ev.From, ev.To, ev.Actor)
				}
			case ev.To == models.StatusConfigured:
				if ev.Actor == "api_key:"+k.ID {
					t.Errorf("the workflow's events are attributed to the API key")
				}
			}
		}

		// After configured: the same SID again is a no-op, another is
		// refused, and neither configure nor retry applies.
		e.Do(t, "POST", sidPath, key, map[string]any{"domain_sid": sid}).Want(t, http.StatusAccepted)
		wantState(t, e.Do(t, "POST", sidPath, key, map[string]any{"domain_sid": e.TW.RegisterDomain("ls2.acme.com")}), models.StatusConfigured)
		wantState(t, e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/configure", key, map[string]any{"mode": "manual"}), models.StatusConfigured)
		wantState(t, e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/retry", key, nil), models.StatusConfigured)
		if n := len(e.Events(t, key, d.ID)); n != len(evs) {
			t.Errorf("refused and no-op requests on a configured domain added %d events", n-len(evs))
		}
	})
}

// ---- manual setup ----

func TestWorkflowManualSetup(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewWorkflowAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		key := e.ClientKey(t, c.ID).Key
		d := e.CreateDomain(t, key, c.ID, map[string]any{"domain": "acme.com"})

		r := e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/configure", key, map[string]any{"mode": "manual"}).Want(t, http.StatusAccepted)
		started := handlertest.Decode[models.DomainView](t, r)
		if started.Status != models.StatusDNSPending || handlertest.Deref(started.SetupMode) != models.SetupManual || started.DNSStatus != models.DNSPropagating {
			t.Errorf("manual configure answered %s/%v/%s, want dns_pending/manual/propagating", started.Status, started.SetupMode, started.DNSStatus)
		}

		// The SID may come before DNS is there; it is checked and kept.
		sid := e.TW.RegisterDomain(d.Host)
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/domain-sid", key, map[string]any{"domain_sid": e.TW.RegisterDomain("ls.other.com")}),
			http.StatusUnprocessableEntity, "domain_sid_mismatch", "domain_sid")
		r = e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/domain-sid", key, map[string]any{"domain_sid": sid}).Want(t, http.StatusAccepted)
		if got := handlertest.Decode[models.DomainView](t, r); got.Status != models.StatusDNSPending || handlertest.Deref(got.DomainSID) != sid {
			t.Errorf("early SID: %s with %v, want dns_pending with %s", got.Status, got.DomainSID, sid)
		}

		// The workflow says what it waits for, and what is wrong.
		e.WaitReason(t, key, d.ID, "waiting")
		if err := e.DNS.AddManual(d.Host, "CNAME", "elsewhere.example.net"); err != nil {
			t.Fatal(err)
		}
		e.WaitReason(t, key, d.ID, "elsewhere.example.net")
		if got := e.GetDomain(t, key, d.ID); got.Status != models.StatusDNSPending || handlertest.Deref(got.DomainSID) != sid {
			t.Fatalf("with a wrong CNAME: %s with SID %v, want dns_pending with %s", got.Status, got.DomainSID, sid)
		}
		if err := e.DNS.RemoveManual(d.Host, "CNAME", ""); err != nil {
			t.Fatal(err)
		}
		if err := e.DNS.AddManual(d.Host, "CNAME", d.DNSRecords[0].Value); err != nil {
			t.Fatal(err)
		}

		done := e.WaitStatus(t, key, d.ID, models.StatusConfigured)
		if handlertest.Deref(done.DomainSID) != sid || done.Certificate.Status != models.SSLActive || done.Certificate.ExpiresAt == nil {
			t.Errorf("configured: sid %v, certificate %+v", done.DomainSID, done.Certificate)
		}
		want := []models.Status{models.StatusPending, models.StatusDNSPending, models.StatusSSLPending, models.StatusConfigured}
		if got := statusPath(e.Events(t, key, d.ID)); !slices.Equal(got, want) {
			t.Errorf("timeline %v, want %v (no second human step)", got, want)
		}
		if n := e.CF.Calls("", ""); n != 0 {
			t.Errorf("a manual setup made %d Cloudflare calls", n)
		}
	})
}

// ---- messaging services ----

func TestWorkflowMessagingServices(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewWorkflowAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		key := e.ClientKey(t, c.ID).Key
		d1 := e.ConfiguredDomain(t, key, c.ID, "acme.com")
		d2 := e.ConfiguredDomain(t, key, c.ID, "acme.net")
		attach := func(d models.DomainView, body any) handlertest.Reply {
			return e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/messaging-services", key, body)
		}
		twilioHas := func(d models.DomainView) []string {
			for _, x := range e.TW.Domains() {
				if x.SID == handlertest.Deref(d.DomainSID) {
					return x.MessagingServices
				}
			}
			t.Fatalf("Twilio has no domain %s", handlertest.Deref(d.DomainSID))
			return nil
		}
		mg := handlertest.NewMG(t)

		got := handlertest.Decode[models.DomainView](t, attach(d1, map[string]any{"messaging_service_sid": mg}).Want(t, http.StatusCreated))
		if !slices.Equal(got.MessagingServiceSIDs, []string{mg}) || got.Status != models.StatusConfigured {
			t.Errorf("attach answered %v (%s), want [%s]", got.MessagingServiceSIDs, got.Status, mg)
		}
		got = handlertest.Decode[models.DomainView](t, attach(d1, map[string]any{"messaging_service_sid": mg, "move": false}).Want(t, http.StatusOK))
		if !slices.Equal(got.MessagingServiceSIDs, []string{mg}) {
			t.Errorf("re-attach answered %v", got.MessagingServiceSIDs)
		}
		if !slices.Equal(e.GetDomain(t, key, d1.ID).MessagingServiceSIDs, []string{mg}) || !slices.Equal(twilioHas(d1), []string{mg}) {
			t.Errorf("after attach: linkgate %v, Twilio %v", e.GetDomain(t, key, d1.ID).MessagingServiceSIDs, twilioHas(d1))
		}

		p := handlertest.WantProblem(t, attach(d2, map[string]any{"messaging_service_sid": mg}), http.StatusConflict, "messaging_service_in_use", "messaging_service_sid")
		if !strings.Contains(p.Detail, d1.Host) {
			t.Errorf("in-use detail %q does not name %s", p.Detail, d1.Host)
		}
		if len(e.GetDomain(t, key, d2.ID).MessagingServiceSIDs) != 0 || len(twilioHas(d2)) != 0 {
			t.Error("a refused attach attached")
		}

		got = handlertest.Decode[models.DomainView](t, attach(d2, map[string]any{"messaging_service_sid": mg, "move": true}).Want(t, http.StatusCreated))
		if !slices.Equal(got.MessagingServiceSIDs, []string{mg}) {
			t.Errorf("move answered %v", got.MessagingServiceSIDs)
		}
		if left := e.GetDomain(t, key, d1.ID).MessagingServiceSIDs; len(left) != 0 {
			t.Errorf("after the move the first domain still lists %v", left)
		}
		if len(twilioHas(d1)) != 0 || !slices.Equal(twilioHas(d2), []string{mg}) {
			t.Errorf("after the move Twilio has %v on %s and %v on %s", twilioHas(d1), d1.Host, twilioHas(d2), d2.Host)
		}
		for _, d := range []models.DomainView{d1, d2} {
			if st := e.GetDomain(t, key, d.ID).Status; st != models.StatusConfigured {
				t.Errorf("%s is %s after the move", d.Host, st)
			}
		}

		// Several services on one domain.
		mg2, mg3 := handlertest.NewMG(t), handlertest.NewMG(t)
		attach(d1, map[string]any{"messaging_service_sid": mg2}).Want(t, http.StatusCreated)
		got = handlertest.Decode[models.DomainView](t, attach(d1, map[string]any{"messaging_service_sid": mg3}).Want(t, http.StatusCreated))
		if !slices.Equal(slices.Sorted(slices.Values(got.MessagingServiceSIDs)), slices.Sorted(slices.Values([]string{mg2, mg3}))) {
			t.Errorf("two services: %v", got.MessagingServiceSIDs)
		}

		detach := func(d models.DomainView, sid string) handlertest.Reply {
			return e.Do(t, "DELETE", "/api/v1/domains/"+d.ID+"/messaging-services/"+sid, key, nil)
		}
		r := detach(d2, mg).Want(t, http.StatusNoContent)
		if len(r.Body) != 0 {
			t.Errorf("204 with a body: %s", r.Body)
		}
		if left := e.GetDomain(t, key, d2.ID).MessagingServiceSIDs; len(left) != 0 || len(twilioHas(d2)) != 0 {
			t.Errorf("after detach: linkgate %v, Twilio %v", left, twilioHas(d2))
		}
		handlertest.WantProblem(t, detach(d2, mg), http.StatusNotFound, "not_found")
		handlertest.WantProblem(t, detach(d1, mg), http.StatusNotFound, "not_found")
		handlertest.WantProblem(t, detach(d2, mg2), http.StatusNotFound, "not_found") // attached, but elsewhere
		handlertest.WantProblem(t, detach(d1, "MG123"), http.StatusNotFound, "not_found")
		if got := e.GetDomain(t, key, d1.ID).MessagingServiceSIDs; len(got) != 2 {
			t.Errorf("detaching elsewhere changed %s: %v", d1.Host, got)
		}
		// Detached, it can be attached again anywhere.
		attach(d1, map[string]any{"messaging_service_sid": mg}).Want(t, http.StatusCreated)

		for _, tc := range []struct {
			name   string
			body   any
			code   string
			fields []string
		}{
			{"too short", map[string]any{"messaging_service_sid": "MG123"}, "invalid_messaging_service_sid", []string{"messaging_service_sid"}},
			{"a Domain SID", map[string]any{"messaging_service_sid": "DN" + handlertest.RandHex(t, 16)}, "invalid_messaging_service_sid", []string{"messaging_service_sid"}},
			{"missing", map[string]any{"move": true}, "invalid_messaging_service_sid", []string{"messaging_service_sid"}},
			{"move not a boolean", map[string]any{"messaging_service_sid": handlertest.NewMG(t), "move": "yes"}, "invalid_field_type", []string{"move"}},
			{"unknown field", map[string]any{"messaging_service_sid": handlertest.NewMG(t), "force": true}, "unknown_field", []string{"force"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				handlertest.WantProblem(t, attach(d2, tc.body), http.StatusUnprocessableEntity, tc.code, tc.fields...)
			})
		}
		handlertest.WantProblem(t, attach(d2, `[]`), http.StatusUnprocessableEntity, "invalid_body")
		handlertest.WantProblem(t, attach(d2, `{`), http.StatusBadRequest, "malformed_json")

		// Only a configured domain takes Messaging Services.
		pending := e.CreateDomain(t, key, c.ID, map[string]any{"domain": "acme.org"})
		wantState(t, attach(pending, map[string]any{"messaging_service_sid": handlertest.NewMG(t)}), models.StatusPending)
		e.Do(t, "POST", "/api/v1/domains/"+pending.ID+"/configure", key, map[string]any{"mode": "manual"}).Want(t, http.StatusAccepted)
		wantState(t, attach(pending, map[string]any{"messaging_service_sid": handlertest.NewMG(t)}), models.StatusDNSPending)
	})
}

// ---- failure and retry ----

func TestWorkflowRetry(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewWorkflowAPI(t, db, handlertest.WFOptions{NoStart: true})
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		key := e.ClientKey(t, c.ID).Key
		d := e.CreateDomain(t, key, c.ID, map[string]any{"domain": "acme.com"})
		retry := "/api/v1/domains/" + d.ID + "/retry"
		wantState(t, e.Do(t, "POST", retry, key, nil), models.StatusPending)

		// The credentials pass the check at configure; then, before the
		// CNAME step runs, Cloudflare refuses the next call for good.
		zoneID := e.ConfigureSelf(t, key, d)
		e.CF.Faults.Inject(mocks.Fault{Status: http.StatusForbidden, Count: 1})
		e.Start(t)
		failed := e.WaitStatus(t, key, d.ID, models.StatusFailed)
		reason := handlertest.Deref(failed.StatusReason)
		if !strings.Contains(reason, d.Host) || !strings.Contains(strings.ToLower(reason), "authentication") {
			t.Errorf("status_reason %q does not say what failed (the CNAME %s) and why (authentication)", reason, d.Host)
		}
		if failed.DNSStatus != models.DNSFailed {
			t.Errorf("dns_status %s, want failed", failed.DNSStatus)
		}
		evs := e.Events(t, key, d.ID)
		if last := evs[len(evs)-1]; last.To != models.StatusFailed || last.Reason != reason {
			t.Errorf("last event %+v, want to failed with the reason", last)
		}
		if len(e.CF.Records(zoneID)) != 0 {
			t.Error("a record was created although the step failed")
		}
		wantState(t, e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/configure", key, map[string]any{"mode": "manual"}), models.StatusFailed)
		wantState(t, e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/messaging-services", key, map[string]any{"messaging_service_sid": handlertest.NewMG(t)}), models.StatusFailed)

		// The cause is gone: retry resumes with the stored credentials.
		e.CF.Faults.Clear()
		got := handlertest.Decode[models.DomainView](t, e.Do(t, "POST", retry, key, nil).Want(t, http.StatusAccepted))
		if got.Status != models.StatusDNSPending || got.StatusReason != nil {
			t.Errorf("retry answered %s (%v), want dns_pending without a reason", got.Status, got.StatusReason)
		}
		e.WaitStatus(t, key, d.ID, models.StatusAwaitingDomainSID)
		if recs := e.CF.Records(zoneID); len(recs) != 1 {
			t.Errorf("zone records after retry: %+v, want one CNAME", recs)
		}

		// A permanent Twilio error in the certificate phase: failed, and
		// retry resumes there, not from the start.
		sid := e.TW.RegisterDomain(d.Host)
		e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/domain-sid", key, map[string]any{"domain_sid": sid}).Want(t, http.StatusAccepted)
		e.TW.Faults.Inject(mocks.Fault{Status: http.StatusForbidden, Count: 1})
		failed = e.WaitStatus(t, key, d.ID, models.StatusFailed)
		if handlertest.Deref(failed.StatusReason) == "" || handlertest.Deref(failed.DomainSID) != sid {
			t.Errorf("failed in the certificate phase: reason %v, sid %v", failed.StatusReason, failed.DomainSID)
		}
		e.TW.Faults.Clear()
		got = handlertest.Decode[models.DomainView](t, e.Do(t, "POST", retry, key, nil).Want(t, http.StatusAccepted))
		if got.Status != models.StatusSSLPending {
			t.Errorf("retry after a Twilio failure answered %s, want ssl_pending", got.Status)
		}
		wantState(t, e.Do(t, "POST", retry, key, nil), models.StatusSSLPending)
		done := e.WaitStatus(t, key, d.ID, models.StatusConfigured)
		if done.Certificate.Status != models.SSLActive || done.StatusReason != nil {
			t.Errorf("configured after retry: certificate %+v, reason %v", done.Certificate, done.StatusReason)
		}
		if n := e.CF.Calls("POST", "/dns_records"); n != 1 {
			t.Errorf("%d CNAME creates, want 1", n)
		}
		want := []models.Status{models.StatusPending, models.StatusDNSPending, models.StatusFailed, models.StatusDNSPending,
			models.StatusAwaitingDomainSID, models.StatusSSLPending, models.StatusFailed, models.StatusSSLPending, models.StatusConfigured}
		if got := statusPath(e.Events(t, key, d.ID)); !slices.Equal(got, want) {
			t.Errorf("timeline %v, want %v", got, want)
		}
		wantState(t, e.Do(t, "POST", retry, key, nil), models.StatusConfigured)

		// Every workflow operation was answered with a validated success.
		mg := handlertest.NewMG(t)
		e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/messaging-services", key, map[string]any{"messaging_service_sid": mg}).Want(t, http.StatusCreated)
		e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/messaging-services", key, map[string]any{"messaging_service_sid": mg}).Want(t, http.StatusOK)
		e.Do(t, "DELETE", "/api/v1/domains/"+d.ID+"/messaging-services/"+mg, key, nil).Want(t, http.StatusNoContent)
		ok := map[string]bool{}
		for _, x := range e.VT.Exchanges() {
			if x.Status < 300 {
				ok[x.Method+" "+x.Route+" "+http.StatusText(x.Status)] = true
			}
		}
		for _, op := range []string{
			"POST /api/v1/domains/{id}/configure Accepted",
			"POST /api/v1/domains/{id}/domain-sid Accepted",
			"POST /api/v1/domains/{id}/retry Accepted",
			"POST /api/v1/domains/{id}/messaging-services Created",
			"POST /api/v1/domains/{id}/messaging-services OK",
			"DELETE /api/v1/domains/{id}/messaging-services/{sid} No Content",
		} {
			if !ok[op] {
				t.Errorf("%s was never answered with a validated success", op)
			}
		}
	})
}

// ---- without an engine ----

func TestWorkflowRoutesWithoutEngine(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		d := e.CreateDomain(t, e.Admin, c.ID, map[string]any{"domain": "acme.com"})
		base := "/api/v1/domains/" + d.ID
		mg := handlertest.NewMG(t)
		for _, tc := range []struct {
			method, path string
			body         any
		}{
			{"POST", base + "/configure", map[string]any{"mode": "manual"}},
			{"POST", base + "/configure", `{"mode":`},
			{"POST", base + "/domain-sid", map[string]any{"domain_sid": "DN" + handlertest.RandHex(t, 16)}},
			{"POST", base + "/retry", nil},
			{"POST", base + "/messaging-services", map[string]any{"messaging_service_sid": mg}},
			{"DELETE", base + "/messaging-services/" + mg, nil},
			{"POST", "/api/v1/domains/dom_01JD0000000000000000000000/retry", nil},
			{"PUT", "/api/v1/campaigns/cmp_01JD0000000000000000000000/connectors/link-shortening", map[string]any{"domain_id": d.ID}},
		} {
			p := handlertest.WantProblem(t, e.Do(t, tc.method, tc.path, e.Admin, tc.body), http.StatusServiceUnavailable, "workflows_unavailable")
			if p.Detail == "" {
				t.Errorf("%s %s: 503 without a detail", tc.method, tc.path)
			}
			// Authentication still comes first.
			handlertest.WantProblem(t, e.Do(t, tc.method, tc.path, "", tc.body), http.StatusUnauthorized, "unauthorized")
		}
		if got := handlertest.Decode[models.DomainView](t, e.Do(t, "GET", base, e.Admin, nil).Want(t, http.StatusOK)); got.Status != models.StatusPending {
			t.Errorf("domain is %s, want pending", got.Status)
		}
	})
}

// ---- the document ----

// TestOpenAPIWorkflowOperations: the workflow request schemas have exactly
// the handlers' fields, and every workflow operation documents 503.
func TestOpenAPIWorkflowOperations(t *testing.T) {
	t.Parallel()
	doc, _ := handlertest.LoadSpec(t)
	for _, tc := range []struct {
		schema string
		typ    any
	}{
		{"DomainConfigure", api.DomainConfigureRequest{}},
		{"DomainSIDSubmit", api.DomainSIDRequest{}},
		{"MessagingServiceAttach", api.MessagingServiceAttachRequest{}},
		{"LinkShortening", api.LinkShorteningRequest{}},
	} {
		ref := doc.Components.Schemas[tc.schema]
		if ref == nil {
			t.Errorf("components.schemas.%s is missing", tc.schema)
			continue
		}
		var props, names []string
		for p := range ref.Value.Properties {
			props = append(props, p)
		}
		for n := range jsonFieldsOf(reflect.TypeOf(tc.typ)) {
			names = append(names, n)
		}
		sort.Strings(props)
		sort.Strings(names)
		if !slices.Equal(props, names) {
			t.Errorf("%s has properties %v, %T has %v", tc.schema, props, tc.typ, names)
		}
		if ap := ref.Value.AdditionalProperties.Has; ap == nil || *ap {
			t.Errorf("%s allows additional properties", tc.schema)
		}
	}
	for _, op := range []struct{ method, path string }{
		{"POST", "/api/v1/domains/{id}/configure"},
		{"POST", "/api/v1/domains/{id}/domain-sid"},
		{"POST", "/api/v1/domains/{id}/retry"},
		{"POST", "/api/v1/domains/{id}/messaging-services"},
		{"DELETE", "/api/v1/domains/{id}/messaging-services/{sid}"},
		{"PUT", "/api/v1/campaigns/{id}/connectors/link-shortening"},
	} {
		item := doc.Paths.Value(op.path)
		if item == nil || item.GetOperation(op.method) == nil {
			t.Errorf("%s %s is not documented", op.method, op.path)
			continue
		}
		o := item.GetOperation(op.method)
		r := o.Responses.Status(http.StatusServiceUnavailable)
		if r == nil || r.Value.Content.Get("application/problem+json") == nil {
			t.Errorf("%s %s does not document 503 as a problem", op.method, op.path)
		}
		if op.path != "/api/v1/domains/{id}/messaging-services/{sid}" && op.path != "/api/v1/domains/{id}/retry" {
			if o.Responses.Status(http.StatusConflict) == nil {
				t.Errorf("%s %s does not document 409", op.method, op.path)
			}
		}
	}
}

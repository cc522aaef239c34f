package api_test

// HTTP tests of domain use (issue 14, core): the client's domain_limit,
// archive / restore / review and delete with its cleanup, on SQLite and,
// when TEST_DATABASE_URL is set, PostgreSQL.

import (
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/handlers/api"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/providers"
)

// eventCount counts the webhook events of a type about a domain.
func eventCount(t *testing.T, db *models.DB, typ, domainID string) int {
	t.Helper()
	var n int
	if err := db.Gorm.Raw("SELECT count(*) FROM webhook_events WHERE type = ? AND payload LIKE ?", typ, "%"+domainID+"%").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// forceStatus moves a domain through the transition engine, as a
// workflow (reputation, carriers) would.
func forceStatus(t *testing.T, s *models.Store, id string, to models.Status) {
	t.Helper()
	d, err := s.DomainByID(bg, nil, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Tx(bg, func(tx *gorm.DB, _ *sql.Tx) error {
		return s.ApplyTx(tx, d, models.Change{To: to, Reason: "test", Actor: "test"})
	}); err != nil {
		t.Fatalf("move to %s: %v", to, err)
	}
}

func TestAPIClientDomainLimit(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		other := e.CreateClient(t, "Other", "owner@other.com")
		path := "/api/v1/clients/" + c.ID
		if c.DomainLimit != nil {
			t.Fatalf("new client domain_limit = %v, want null", *c.DomainLimit)
		}
		got := handlertest.Decode[models.ClientView](t, e.Do(t, "PATCH", path, e.Admin, map[string]any{"domain_limit": 5000}).Want(t, 200))
		if got.DomainLimit == nil || *got.DomainLimit != 5000 {
			t.Fatalf("after PATCH domain_limit = %v", got.DomainLimit)
		}
		if got := handlertest.Decode[models.ClientView](t, e.Do(t, "GET", path, e.Admin, nil).Want(t, 200)); got.DomainLimit == nil || *got.DomainLimit != 5000 {
			t.Fatalf("GET domain_limit = %v", got.DomainLimit)
		}
		// Another field alone leaves it.
		got = handlertest.Decode[models.ClientView](t, e.Do(t, "PATCH", path, e.Admin, map[string]any{"name": "Acme Ltd"}).Want(t, 200))
		if got.DomainLimit == nil || *got.DomainLimit != 5000 {
			t.Fatalf("PATCH name changed domain_limit to %v", got.DomainLimit)
		}
		for _, body := range []string{`{"domain_limit":0}`, `{"domain_limit":-1}`, `{"domain_limit":1000000001}`,
			`{"domain_limit":"5000"}`, `{"domain_limit":5000.5}`, `{"domain_limit":1e3}`, `{"domain_limit":true}`,
			`{"domain_limit":[1]}`, `{"domain_limit":99999999999999999999}`} {
			r := e.Do(t, "PATCH", path, e.Admin, body)
			if r.Status != 422 {
				t.Errorf("%s → %s, want 422", body, r)
				continue
			}
			p := handlertest.Decode[struct {
				Errors []models.FieldError `json:"errors"`
			}](t, r)
			if len(p.Errors) != 1 || p.Errors[0].Field != "domain_limit" {
				t.Errorf("%s → errors %+v, want domain_limit named", body, p.Errors)
			}
		}
		if got := handlertest.Decode[models.ClientView](t, e.Do(t, "GET", path, e.Admin, nil).Want(t, 200)); got.DomainLimit == nil || *got.DomainLimit != 5000 {
			t.Fatalf("refused PATCHes changed domain_limit to %v", got.DomainLimit)
		}
		// The bounds are accepted; null removes the limit.
		for _, v := range []int64{1, models.MaxDomainLimit} {
			got := handlertest.Decode[models.ClientView](t, e.Do(t, "PATCH", path, e.Admin, map[string]any{"domain_limit": v}).Want(t, 200))
			if got.DomainLimit == nil || *got.DomainLimit != v {
				t.Errorf("PATCH %d → %v", v, got.DomainLimit)
			}
		}
		got = handlertest.Decode[models.ClientView](t, e.Do(t, "PATCH", path, e.Admin, `{"domain_limit":null}`).Want(t, 200))
		if got.DomainLimit != nil {
			t.Fatalf("PATCH null → %v, want null", *got.DomainLimit)
		}
		// Client keys: their own client is read-only (403), another's is 404.
		key := e.ClientKey(t, c.ID).Key
		handlertest.WantProblem(t, e.Do(t, "PATCH", path, key, map[string]any{"domain_limit": 10}), 403, "forbidden")
		handlertest.WantProblem(t, e.Do(t, "PATCH", "/api/v1/clients/"+other.ID, key, map[string]any{"domain_limit": 10}), 404, "not_found")
		if got := handlertest.Decode[models.ClientView](t, e.Do(t, "GET", path, e.Admin, nil).Want(t, 200)); got.DomainLimit != nil {
			t.Fatalf("a client key changed domain_limit to %v", *got.DomainLimit)
		}
	})
}

func TestAPIArchiveRestoreReview(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewWorkflowAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		key := e.ClientKey(t, c.ID).Key
		c2 := e.CreateClient(t, "Other", "owner@other.com")
		key2 := e.ClientKey(t, c2.ID).Key
		d := e.ConfiguredDomain(t, key, c.ID, "acme.com")
		if d.MessagesSent != 0 || d.LastUsedAt != nil || d.ArchivedAt != nil {
			t.Fatalf("new configured domain use fields: %+v", d)
		}
		dom := "/api/v1/domains/" + d.ID

		// Another client's key: 404 on every new route, nothing changes.
		for _, p := range []string{"/archive", "/restore", "/review"} {
			var body any
			if p == "/review" {
				body = map[string]any{"decision": "clear"}
			}
			r := e.Do(t, "POST", dom+p, key2, body)
			if p == "/review" {
				handlertest.WantProblem(t, r, 403, "admin_required")
			} else {
				handlertest.WantProblem(t, r, 404, "not_found")
			}
		}

		// archive → archived; again → 409; restore → configured.
		got := handlertest.Decode[models.DomainView](t, e.Do(t, "POST", dom+"/archive", key, nil).Want(t, 200))
		if got.Status != models.StatusArchived || got.ArchivedAt == nil {
			t.Fatalf("archive → %s, archived_at %v", got.Status, got.ArchivedAt)
		}
		wantState(t, e.Do(t, "POST", dom+"/archive", key, nil), models.StatusArchived)
		got = handlertest.Decode[models.DomainView](t, e.Do(t, "POST", dom+"/restore", key, nil).Want(t, 200))
		if got.Status != models.StatusConfigured || got.ArchivedAt != nil {
			t.Fatalf("restore → %s, archived_at %v", got.Status, got.ArchivedAt)
		}
		wantState(t, e.Do(t, "POST", dom+"/restore", key, nil), models.StatusConfigured)
		if eventCount(t, db, models.EventDomainArchived, d.ID) != 1 || eventCount(t, db, models.EventDomainRestored, d.ID) != 1 {
			t.Errorf("archived/restored events: %d/%d, want 1/1", eventCount(t, db, models.EventDomainArchived, d.ID), eventCount(t, db, models.EventDomainRestored, d.ID))
		}
		evs := e.Events(t, key, d.ID)
		if n := len(evs); n < 2 || evs[n-2].To != models.StatusArchived || evs[n-1].To != models.StatusConfigured {
			t.Errorf("timeline ends %+v", evs[max(0, n-2):])
		}

		// A pending domain archives and restores to pending.
		p := e.CreateDomain(t, key, c.ID, map[string]any{"domain": "pending.com"})
		e.Do(t, "POST", "/api/v1/domains/"+p.ID+"/archive", key, nil).Want(t, 200)
		if got := handlertest.Decode[models.DomainView](t, e.Do(t, "POST", "/api/v1/domains/"+p.ID+"/restore", key, nil).Want(t, 200)); got.Status != models.StatusPending {
			t.Errorf("restored pending domain is %s", got.Status)
		}

		// reached_limit: restore only once the limit is raised.
		e.Do(t, "PATCH", "/api/v1/clients/"+c.ID, e.Admin, map[string]any{"domain_limit": 2}).Want(t, 200)
		for i := 0; i < 2; i++ {
			if r, err := e.Store.TakeQuota(bg, d.ID); err != nil || !r.Taken {
				t.Fatalf("take %d: %+v %v", i, r, err)
			}
		}
		got = e.GetDomain(t, key, d.ID)
		if got.Status != models.StatusReachedLimit || got.MessagesSent != 2 || got.LastUsedAt == nil {
			t.Fatalf("after the limit: %s, sent %d, last_used_at %v", got.Status, got.MessagesSent, got.LastUsedAt)
		}
		handlertest.WantProblem(t, e.Do(t, "POST", dom+"/restore", key, nil), 409, "limit_not_raised")
		e.Do(t, "PATCH", "/api/v1/clients/"+c.ID, e.Admin, map[string]any{"domain_limit": 2}).Want(t, 200)
		handlertest.WantProblem(t, e.Do(t, "POST", dom+"/restore", key, nil), 409, "limit_not_raised")
		e.Do(t, "PATCH", "/api/v1/clients/"+c.ID, e.Admin, map[string]any{"domain_limit": 3}).Want(t, 200)
		if got := handlertest.Decode[models.DomainView](t, e.Do(t, "POST", dom+"/restore", key, nil).Want(t, 200)); got.Status != models.StatusConfigured || got.StatusReason != nil {
			t.Fatalf("restore after raising the limit → %s (%v)", got.Status, handlertest.Deref(got.StatusReason))
		}
		if n := eventCount(t, db, models.EventDomainReachedLimit, d.ID); n != 1 {
			t.Errorf("%d domain.reached_limit events, want 1", n)
		}

		// An archived domain whose certificate expired meanwhile goes back
		// through the certificate step.
		e.Do(t, "POST", dom+"/archive", key, nil).Want(t, 200)
		past := time.Now().Add(-time.Hour).UTC()
		if err := db.Gorm.Exec("UPDATE domains SET cert_expires_at = ? WHERE id = ?", past, d.ID).Error; err != nil {
			t.Fatal(err)
		}
		got = handlertest.Decode[models.DomainView](t, e.Do(t, "POST", dom+"/restore", key, nil).Want(t, 200))
		if got.Status != models.StatusSSLPending {
			t.Fatalf("restore with an expired certificate → %s, want ssl_pending", got.Status)
		}
		e.WaitStatus(t, key, d.ID, models.StatusConfigured)

		// review: admin only, under_review only, clear or decline.
		forceStatus(t, e.Store, d.ID, models.StatusUnderReview)
		if n := eventCount(t, db, models.EventDomainUnderReview, d.ID); n != 1 {
			t.Errorf("%d domain.under_review events, want 1", n)
		}
		handlertest.WantProblem(t, e.Do(t, "POST", dom+"/review", key, map[string]any{"decision": "clear"}), 403, "admin_required")
		for _, body := range []any{map[string]any{"decision": "approve"}, map[string]any{}, map[string]any{"decision": ""}} {
			handlertest.WantProblem(t, e.Do(t, "POST", dom+"/review", e.Admin, body), 422, "invalid_review", "decision")
		}
		handlertest.WantProblem(t, e.Do(t, "POST", dom+"/review", e.Admin, map[string]any{"decision": 1}), 422, "invalid_field_type", "decision")
		handlertest.WantProblem(t, e.Do(t, "POST", dom+"/review", e.Admin, map[string]any{"decision": "clear", "note": strings.Repeat("x", 1001)}), 422, "invalid_review", "note")
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/domains/dom_01JD0000000000000000000000/review", e.Admin, map[string]any{"decision": "clear"}), 404, "not_found")
		if got := e.GetDomain(t, key, d.ID); got.Status != models.StatusUnderReview {
			t.Fatalf("refused reviews moved the domain to %s", got.Status)
		}
		got = handlertest.Decode[models.DomainView](t, e.Do(t, "POST", dom+"/review", e.Admin, map[string]any{"decision": "clear", "note": "false positive"}).Want(t, 200))
		if got.Status != models.StatusConfigured {
			t.Fatalf("clear → %s", got.Status)
		}
		wantState(t, e.Do(t, "POST", dom+"/review", e.Admin, map[string]any{"decision": "clear"}), models.StatusConfigured)
		forceStatus(t, e.Store, d.ID, models.StatusUnderReview)
		got = handlertest.Decode[models.DomainView](t, e.Do(t, "POST", dom+"/review", e.Admin, map[string]any{"decision": "decline", "note": "phishing"}).Want(t, 200))
		if got.Status != models.StatusDeclined || !strings.Contains(handlertest.Deref(got.StatusReason), "phishing") {
			t.Fatalf("decline → %s (%v)", got.Status, got.StatusReason)
		}
		if n := eventCount(t, db, models.EventDomainDeclined, d.ID); n != 1 {
			t.Errorf("%d domain.declined events, want 1", n)
		}
		// declined → archived → restored declined.
		e.Do(t, "POST", dom+"/archive", e.Admin, nil).Want(t, 200)
		if got := handlertest.Decode[models.DomainView](t, e.Do(t, "POST", dom+"/restore", e.Admin, nil).Want(t, 200)); got.Status != models.StatusDeclined {
			t.Errorf("restored declined domain is %s", got.Status)
		}
		// blocked emits domain.blocked.
		b := e.ConfiguredDomain(t, key, c.ID, "bravo.com")
		forceStatus(t, e.Store, b.ID, models.StatusBlocked)
		if n := eventCount(t, db, models.EventDomainBlocked, b.ID); n != 1 {
			t.Errorf("%d domain.blocked events, want 1", n)
		}
	})
}

func TestAPIDeleteDomainCleanup(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewWorkflowAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		key := e.ClientKey(t, c.ID).Key
		c2 := e.CreateClient(t, "Other", "owner@other.com")
		key2 := e.ClientKey(t, c2.ID).Key
		d := e.ConfiguredDomain(t, key, c.ID, "acme.com")
		mg := handlertest.NewMG(t)
		e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/messaging-services", key, map[string]any{"messaging_service_sid": mg}).Want(t, http.StatusCreated)

		handlertest.WantProblem(t, e.Do(t, "DELETE", "/api/v1/domains/"+d.ID, key2, nil), 404, "not_found")
		e.GetDomain(t, key, d.ID)

		// Twilio down: 503, and the domain and its Messaging Service stay.
		e.TW.Faults.Inject(mocks.Fault{Status: http.StatusServiceUnavailable, Count: 3})
		handlertest.WantProblem(t, e.Do(t, "DELETE", "/api/v1/domains/"+d.ID, key, nil), 503, "provider_unavailable")
		e.TW.Faults.Clear()
		if got := e.GetDomain(t, key, d.ID); len(got.MessagingServiceSIDs) != 1 {
			t.Fatalf("after a failed delete: %+v", got.MessagingServiceSIDs)
		}
		if n := eventCount(t, db, models.EventDomainDeleted, d.ID); n != 0 {
			t.Fatalf("a failed delete emitted domain.deleted")
		}

		// The credentials were forgotten after DNS verification: the
		// client must remove the record, and is told so twice.
		r := e.Do(t, "DELETE", "/api/v1/domains/"+d.ID, key, nil).Want(t, http.StatusOK)
		got := handlertest.Decode[api.DomainDeleted](t, r)
		if !got.Deleted || got.DNSCleanup != "client_must_remove" || len(got.DNSRecords) != 1 || got.DNSRecords[0].Host != d.Host {
			t.Fatalf("delete answered %+v", got)
		}
		e.Do(t, "GET", "/api/v1/domains/"+d.ID, key, nil).Want(t, http.StatusNotFound)
		for _, td := range e.TW.Domains() {
			if td.Name == d.Host && len(td.MessagingServices) != 0 {
				t.Errorf("Twilio still has %v attached to %s", td.MessagingServices, d.Host)
			}
		}
		if n := eventCount(t, db, models.EventDomainDeleted, d.ID); n != 1 {
			t.Errorf("%d domain.deleted events, want 1", n)
		}
		if n := eventCount(t, db, models.EventDomainMessagingServiceDetached, d.ID); n != 1 {
			t.Errorf("%d messaging_service_detached events, want 1", n)
		}
		deadline := time.Now().Add(handlertest.WaitFor)
		for {
			var found bool
			for _, m := range e.Outbox.Messages() {
				found = found || (m.To == "owner@acme.com" && strings.Contains(m.Text, d.Host) && strings.Contains(m.Text, d.DNSRecords[0].Value))
			}
			if found {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no e-mail to the client about the record: %+v", e.Outbox.Messages())
			}
			time.Sleep(50 * time.Millisecond)
		}

		// A domain with no DNS record set up: 204, nothing to clean.
		p := e.CreateDomain(t, key, c.ID, map[string]any{"domain": "pending.com"})
		e.Do(t, "DELETE", "/api/v1/domains/"+p.ID, key, nil).Want(t, http.StatusNoContent)
		if n := eventCount(t, db, models.EventDomainDeleted, p.ID); n != 1 {
			t.Errorf("%d domain.deleted events for the pending domain, want 1", n)
		}
	})
}

func TestAPIDeleteRemovesLinkgatesRecord(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		// The engine is not started: a self setup keeps its credentials,
		// as in the middle of onboarding (verified DNS forgets them).
		e := handlertest.NewWorkflowAPI(t, db, handlertest.WFOptions{NoStart: true})
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		key := e.ClientKey(t, c.ID).Key
		d := e.CreateDomain(t, key, c.ID, map[string]any{"domain": "acme.com"})
		zoneID := e.ConfigureSelf(t, key, d)
		e.CF.AddRecord(zoneID, providers.Record{Type: "CNAME", Name: d.Host, Content: d.DNSRecords[0].Value, TTL: 600, Comment: "managed by linkgate"})
		got := handlertest.Decode[api.DomainDeleted](t, e.Do(t, "DELETE", "/api/v1/domains/"+d.ID, key, nil).Want(t, 200))
		if got.DNSCleanup != "removed" {
			t.Errorf("linkgate's record with credentials: dns_cleanup %s, want removed", got.DNSCleanup)
		}
		if recs := e.CF.RecordsAt(d.Host); len(recs) != 0 {
			t.Errorf("records left at %s: %+v", d.Host, recs)
		}

		// The client's own record (not marked as linkgate's) stays theirs.
		d2 := e.CreateDomain(t, key, c.ID, map[string]any{"domain": "acme.com", "subdomain": "go"})
		e.Do(t, "POST", "/api/v1/domains/"+d2.ID+"/configure", key, map[string]any{
			"mode": "self", "provider": "cloudflare", "credentials": map[string]string{"api_token": e.CF.AddToken(zoneID)},
		}).Want(t, http.StatusAccepted)
		e.CF.AddRecord(zoneID, providers.Record{Type: "CNAME", Name: d2.Host, Content: d2.DNSRecords[0].Value, TTL: 600, Comment: "ours"})
		got = handlertest.Decode[api.DomainDeleted](t, e.Do(t, "DELETE", "/api/v1/domains/"+d2.ID, key, nil).Want(t, 200))
		if got.DNSCleanup != "client_must_remove" {
			t.Errorf("the client's record: dns_cleanup %s, want client_must_remove", got.DNSCleanup)
		}
		if recs := e.CF.RecordsAt(d2.Host); len(recs) != 1 {
			t.Errorf("the client's record was touched: %+v", recs)
		}
	})
}

// A domain archived in the middle of onboarding resumes its step when
// restored.
func TestAPIRestoreResumesOnboarding(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewWorkflowAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		key := e.ClientKey(t, c.ID).Key
		d := e.CreateDomain(t, key, c.ID, map[string]any{"domain": "acme.com"})
		dom := "/api/v1/domains/" + d.ID
		e.Do(t, "POST", dom+"/configure", key, map[string]any{"mode": "manual"}).Want(t, http.StatusAccepted)
		got := handlertest.Decode[models.DomainView](t, e.Do(t, "POST", dom+"/archive", key, nil).Want(t, 200))
		if got.Status != models.StatusArchived {
			t.Fatalf("archive → %s", got.Status)
		}
		// While archived, DNS checks stop moving it.
		if err := e.DNS.AddManual(d.Host, "CNAME", d.DNSRecords[0].Value); err != nil {
			t.Fatal(err)
		}
		// The DNS step's job runs, finds the domain archived and ends
		// without moving it.
		deadline := time.Now().Add(handlertest.WaitFor)
		for {
			var open int64
			err := db.Gorm.Raw(`SELECT count(*) FROM river_job WHERE kind = 'onboarding_verify_dns'
				AND state NOT IN ('completed', 'cancelled', 'discarded') AND CAST(args AS TEXT) LIKE ?`, "%"+d.ID+"%").Row().Scan(&open)
			if err != nil {
				t.Fatal(err)
			}
			if open == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the DNS step never ran while the domain was archived")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got := e.GetDomain(t, key, d.ID); got.Status != models.StatusArchived {
			t.Fatalf("an archived domain moved to %s", got.Status)
		}
		got = handlertest.Decode[models.DomainView](t, e.Do(t, "POST", dom+"/restore", key, nil).Want(t, 200))
		if got.Status != models.StatusDNSPending {
			t.Fatalf("restore → %s, want dns_pending", got.Status)
		}
		e.WaitStatus(t, key, d.ID, models.StatusAwaitingDomainSID)
	})
}

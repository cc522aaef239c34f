package api_test

// Bulk add and bulk actions (API.md "Domain management"), on SQLite and
// PostgreSQL: one row per input in order, each standing alone, with the
// problem a single call would answer.

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/handlers/api"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

func bulkAdd(t *testing.T, e *handlertest.Env, key, clientID string, body map[string]any) []api.DomainBulkRow {
	t.Helper()
	return handlertest.Decode[api.DomainBulkResult](t, e.Do(t, "POST", "/api/v1/clients/"+clientID+"/domains/bulk", key, body).Want(t, http.StatusOK)).Data
}

func domainActions(t *testing.T, e *handlertest.Env, key string, body map[string]any) []api.DomainActionRow {
	t.Helper()
	return handlertest.Decode[api.DomainActionsResult](t, e.Do(t, "POST", "/api/v1/domains/actions", key, body).Want(t, http.StatusOK)).Data
}

func TestDomainBulkAdd(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		a := e.CreateClient(t, "Acme", "owner@acme.com")
		b := e.CreateClient(t, "Bravo", "owner@bravo.com")
		ka := e.ClientKey(t, a.ID).Key
		e.CreateDomain(t, e.Admin, b.ID, map[string]any{"domain": "taken.com"})

		inputs := []string{"one.com", "ls.two.com", "bad..name", "taken.com", "one.com", "ONE.com", "\u0430pple.com", "co.uk", "bücher.de", "three.com"}
		rows := bulkAdd(t, e, ka, a.ID, map[string]any{"domains": inputs})
		if len(rows) != len(inputs) {
			t.Fatalf("%d rows for %d inputs", len(rows), len(inputs))
		}
		want := []struct{ host, code string }{
			{"ls.one.com", ""}, {"ls.two.com", ""}, {"", "invalid_domain"}, {"", "duplicate"}, {"", "duplicate"},
			{"", "duplicate"}, {"", "confusable_domain"}, {"", "invalid_domain"}, {"ls.xn--bcher-kva.de", ""}, {"ls.three.com", ""},
		}
		var added []string
		for i, r := range rows {
			w := want[i]
			if r.Input != inputs[i] {
				t.Errorf("row %d input %q, want %q", i, r.Input, inputs[i])
			}
			if w.code == "" {
				if r.Error != nil || r.Domain == nil || r.Domain.Host != w.host || r.Domain.ClientID != a.ID || r.Domain.Status != models.StatusPending {
					t.Errorf("row %d (%s) = %+v %+v, want %s added", i, inputs[i], r.Domain, r.Error, w.host)
					continue
				}
				added = append(added, r.Domain.ID)
				continue
			}
			if r.Domain != nil || r.Error == nil || r.Error.Code != w.code || r.Error.Type != "urn:linkgate:problem:"+w.code || len(r.Error.Errors) == 0 {
				t.Errorf("row %d (%s) = %+v %+v, want error %s", i, inputs[i], r.Domain, r.Error, w.code)
				continue
			}
			// The same problem a single add answers (bar domain_taken).
			single := e.Do(t, "POST", "/api/v1/clients/"+a.ID+"/domains", ka, map[string]any{"domain": inputs[i]})
			p := handlertest.Decode[struct {
				Status int    `json:"status"`
				Code   string `json:"code"`
			}](t, single)
			if w.code == "duplicate" {
				if p.Code != "domain_taken" || r.Error.Status != 409 || r.Error.Errors[0].Field != "domain" {
					t.Errorf("row %d: %+v; a single add answers %s", i, r.Error, single)
				}
			} else if p.Code != r.Error.Code || p.Status != r.Error.Status || single.Status != r.Error.Status {
				t.Errorf("row %d: %+v; a single add answers %s", i, r.Error, single)
			}
		}
		// What was added is what the list shows, with its timeline.
		list := handlertest.DomainIDs(e.ListDomains(t, ka, "/api/v1/clients/"+a.ID+"/domains").Data)
		slices.Sort(list)
		slices.Sort(added)
		if !slices.Equal(list, added) || len(added) != 4 {
			t.Fatalf("client domains %v, added %v", list, added)
		}
		evs := e.Do(t, "GET", "/api/v1/domains/"+added[0]+"/events", ka, nil).Want(t, 200)
		if !strings.Contains(string(evs.Body), `"domain added"`) {
			t.Errorf("timeline of a bulk-added domain: %s", evs.Body)
		}

		// subdomain applies to every name.
		rows = bulkAdd(t, e, ka, a.ID, map[string]any{"domains": []string{"four.com", "five.com"}, "subdomain": "go"})
		if rows[0].Domain == nil || rows[0].Domain.Host != "go.four.com" || rows[1].Domain == nil || rows[1].Domain.Host != "go.five.com" {
			t.Fatalf("with subdomain: %+v", rows)
		}
		// Adding the same list again: every row is a duplicate.
		for _, r := range bulkAdd(t, e, ka, a.ID, map[string]any{"domains": []string{"four.com", "five.com"}, "subdomain": "go"}) {
			if r.Error == nil || r.Error.Code != "duplicate" {
				t.Fatalf("second bulk add: %+v", r)
			}
		}
	})
}

func TestDomainBulkAddRefusals(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		a := e.CreateClient(t, "Acme", "owner@acme.com")
		b := e.CreateClient(t, "Bravo", "owner@bravo.com")
		ka := e.ClientKey(t, a.ID).Key
		path := "/api/v1/clients/" + a.ID + "/domains/bulk"
		many := make([]string, 501)
		for i := range many {
			many[i] = fmt.Sprintf("n%d.com", i)
		}
		for _, tc := range []struct {
			body   any
			status int
			code   string
			fields []string
		}{
			{map[string]any{"domains": []string{}}, 422, "invalid_domains", []string{"domains"}},
			{map[string]any{}, 422, "invalid_domains", []string{"domains"}},
			{map[string]any{"domains": many}, 422, "invalid_domains", []string{"domains"}},
			{map[string]any{"domains": "a.com"}, 422, "invalid_field_type", []string{"domains"}},
			{map[string]any{"domains": []any{"a.com", 7}}, 422, "invalid_field_type", []string{"domains"}},
			{map[string]any{"domains": []string{"a.com"}, "purpose": "x"}, 422, "unknown_field", []string{"purpose"}},
			{`{"domains": [`, 400, "malformed_json", nil},
		} {
			handlertest.WantProblem(t, e.Do(t, "POST", path, ka, tc.body), tc.status, tc.code, tc.fields...)
		}
		// Another client's (or a missing) client: 404 for the whole call.
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/clients/"+b.ID+"/domains/bulk", ka, map[string]any{"domains": []string{"evil.com"}}), 404, "not_found")
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/clients/"+models.NewID(models.PrefixClient)+"/domains/bulk", e.Admin, map[string]any{"domains": []string{"evil.com"}}), 404, "not_found")
		if got := e.ListDomains(t, e.Admin, "/api/v1/domains"); len(got.Data) != 0 {
			t.Fatalf("refused bulk adds created %v", handlertest.DomainIDs(got.Data))
		}
		// 500 is allowed.
		rows := bulkAdd(t, e, ka, a.ID, map[string]any{"domains": many[:500]})
		for i, r := range rows {
			if r.Domain == nil || r.Domain.Host != "ls."+many[i] {
				t.Fatalf("row %d of 500: %+v %+v", i, r.Domain, r.Error)
			}
		}
	})
}

func TestDomainActionsPools(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPoolFixture(t, db)
		e := f.e
		p := createPool(t, e, f.ka, f.a.ID, "Main", f.aIDs[1])
		missing := models.NewID(models.PrefixDomain)

		// Add: rows in order; B's and unknown ids are not_found; the ones
		// added are appended in order, the one already in keeps its place.
		ids := []string{f.aIDs[2], f.bIDs[0], f.aIDs[1], missing, f.aIDs[0]}
		rows := domainActions(t, e, f.ka, map[string]any{"action": "add_to_pool", "pool_id": p.ID, "domain_ids": ids})
		for i, r := range rows {
			if r.DomainID != ids[i] {
				t.Fatalf("row %d is %s, want %s", i, r.DomainID, ids[i])
			}
			bad := ids[i] == f.bIDs[0] || ids[i] == missing
			switch {
			case bad && (r.Error == nil || r.Error.Code != "not_found" || r.Error.Status != 404 || r.Domain != nil):
				t.Errorf("row %d: %+v %+v, want not_found", i, r.Domain, r.Error)
			case !bad && (r.Error != nil || r.Domain == nil || !slices.Contains(r.Domain.PoolIDs, p.ID)):
				t.Errorf("row %d: %+v %+v, want the domain in the pool", i, r.Domain, r.Error)
			}
		}
		if rows[1].Error.Detail != rows[3].Error.Detail {
			t.Errorf("another client's domain answers %q, a missing one %q", rows[1].Error.Detail, rows[3].Error.Detail)
		}
		order := []string{f.aIDs[1], f.aIDs[2], f.aIDs[0]}
		if got := getPool(t, e, f.ka, p.ID); !slices.Equal(got.DomainIDs, order) {
			t.Fatalf("pool after add_to_pool: %v, want %v", got.DomainIDs, order)
		}
		// Again: idempotent.
		domainActions(t, e, f.ka, map[string]any{"action": "add_to_pool", "pool_id": p.ID, "domain_ids": []string{f.aIDs[0], f.aIDs[2]}})
		if got := getPool(t, e, f.ka, p.ID); !slices.Equal(got.DomainIDs, order) {
			t.Fatalf("pool after adding again: %v, want %v", got.DomainIDs, order)
		}
		// An admin adding B's domain to A's pool: that row fails, 422.
		rows = domainActions(t, e, e.Admin, map[string]any{"action": "add_to_pool", "pool_id": p.ID, "domain_ids": []string{f.bIDs[0]}})
		if rows[0].Error == nil || rows[0].Error.Status != 422 || rows[0].Error.Code != "unknown_domain" {
			t.Fatalf("admin adding another client's domain: %+v", rows[0].Error)
		}

		// Remove: one not in the pool fails its row only.
		rows = domainActions(t, e, f.ka, map[string]any{"action": "remove_from_pool", "pool_id": p.ID,
			"domain_ids": []string{f.aIDs[2], f.bIDs[1], f.aIDs[2] + "x"}})
		if rows[0].Error != nil || rows[0].Domain == nil || slices.Contains(rows[0].Domain.PoolIDs, p.ID) {
			t.Errorf("remove row 0: %+v %+v", rows[0].Domain, rows[0].Error)
		}
		for _, r := range rows[1:] {
			if r.Error == nil || r.Error.Code != "not_found" {
				t.Errorf("remove row %s: %+v", r.DomainID, r.Error)
			}
		}
		if got := getPool(t, e, f.ka, p.ID); !slices.Equal(got.DomainIDs, []string{f.aIDs[1], f.aIDs[0]}) {
			t.Fatalf("pool after remove: %v", got.DomainIDs)
		}
		rows = domainActions(t, e, f.ka, map[string]any{"action": "remove_from_pool", "pool_id": p.ID, "domain_ids": []string{f.aIDs[2]}})
		if rows[0].Error == nil || rows[0].Error.Code != "not_found" || rows[0].Error.Status != 404 {
			t.Errorf("removing a domain not in the pool: %+v", rows[0].Error)
		}
	})
}

func TestDomainActionsRefusals(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPoolFixture(t, db)
		e := f.e
		p := createPool(t, e, f.ka, f.a.ID, "Main", f.aIDs[0])
		pb := createPool(t, e, f.kb, f.b.ID, "B")
		snapshot := func() string {
			var b strings.Builder
			for _, path := range []string{"/api/v1/pools/" + p.ID, "/api/v1/pools/" + pb.ID, "/api/v1/domains"} {
				b.Write(e.Do(t, "GET", path, e.Admin, nil).Want(t, 200).Body)
			}
			return b.String()
		}
		before := snapshot()
		many := make([]string, 501)
		for i := range many {
			many[i] = models.NewID(models.PrefixDomain)
		}
		one := []string{f.aIDs[1]}
		for _, tc := range []struct {
			body   any
			status int
			code   string
			fields []string
		}{
			{map[string]any{"action": "explode", "domain_ids": one}, 422, "invalid_action", []string{"action"}},
			{map[string]any{"domain_ids": one}, 422, "invalid_action", []string{"action"}},
			{map[string]any{"action": "add_to_pool", "domain_ids": one}, 422, "invalid_action", []string{"pool_id"}},
			{map[string]any{"action": "remove_from_pool", "domain_ids": one, "pool_id": " "}, 422, "invalid_action", []string{"pool_id"}},
			{map[string]any{"action": "delete", "domain_ids": []string{}}, 422, "invalid_action", []string{"domain_ids"}},
			{map[string]any{"action": "delete"}, 422, "invalid_action", []string{"domain_ids"}},
			{map[string]any{"action": "delete", "domain_ids": many}, 422, "invalid_action", []string{"domain_ids"}},
			{map[string]any{"action": "delete", "domain_ids": []string{f.aIDs[1], f.aIDs[2], f.aIDs[1]}}, 422, "invalid_action", []string{"domain_ids"}},
			{map[string]any{"action": "add_to_pool", "domain_ids": one, "pool_id": pb.ID}, 404, "not_found", nil},
			{map[string]any{"action": "remove_from_pool", "domain_ids": one, "pool_id": models.NewID(models.PrefixPool)}, 404, "not_found", nil},
			{map[string]any{"action": "delete", "domain_ids": one, "colour": 1}, 422, "unknown_field", []string{"colour"}},
			{`{"action":"delete",`, 400, "malformed_json", nil},
		} {
			handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/domains/actions", f.ka, tc.body), tc.status, tc.code, tc.fields...)
		}
		if after := snapshot(); after != before {
			t.Fatalf("refused actions changed something:\nbefore %s\nafter  %s", before, after)
		}
	})
}

func TestDomainActionsPerDomain(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPoolFixture(t, db)
		e := f.e
		p := createPool(t, e, f.ka, f.a.ID, "Main", f.aIDs[0], f.aIDs[1])
		missing := models.NewID(models.PrefixDomain)

		// Archive: each row is the single call; an invisible id is
		// not_found, and a second archive is that row's 409 invalid_state
		// with nothing else changed.
		rows := domainActions(t, e, f.ka, map[string]any{"action": "archive", "domain_ids": []string{f.aIDs[0], f.bIDs[0]}})
		if rows[0].Error != nil || rows[0].Domain == nil || rows[0].Domain.Status != "archived" || rows[0].Domain.ArchivedAt == nil {
			t.Fatalf("archive row 0: %+v %+v", rows[0].Domain, rows[0].Error)
		}
		if rows[1].Error == nil || rows[1].Error.Code != "not_found" || rows[1].Domain != nil {
			t.Fatalf("archive row 1: %+v", rows[1].Error)
		}
		rows = domainActions(t, e, f.ka, map[string]any{"action": "archive", "domain_ids": []string{f.aIDs[0], f.aIDs[1]}})
		if rows[0].Error == nil || rows[0].Error.Status != http.StatusConflict || rows[0].Error.Code != "invalid_state" || rows[1].Error != nil {
			t.Fatalf("archive again: %+v / %+v", rows[0].Error, rows[1].Error)
		}

		// Delete: each row stands alone.
		ids := []string{f.aIDs[0], f.bIDs[0], missing, f.aIDs[2]}
		rows = domainActions(t, e, f.ka, map[string]any{"action": "delete", "domain_ids": ids})
		for i, r := range rows {
			gone := ids[i] == f.aIDs[0] || ids[i] == f.aIDs[2]
			if r.DomainID != ids[i] || r.Domain != nil || (gone != (r.Error == nil)) || (!gone && r.Error.Code != "not_found") {
				t.Errorf("delete row %d: %s %+v %+v", i, r.DomainID, r.Domain, r.Error)
			}
		}
		if got := handlertest.DomainIDs(e.ListDomains(t, e.Admin, "/api/v1/domains").Data); len(got) != 4 || slices.Contains(got, f.aIDs[0]) || !slices.Contains(got, f.bIDs[0]) {
			t.Fatalf("domains after bulk delete: %v", got)
		}
		if got := getPool(t, e, f.ka, p.ID); !slices.Equal(got.DomainIDs, []string{f.aIDs[1]}) {
			t.Fatalf("pool after deleting its domain: %v", got.DomainIDs)
		}
		// An admin sees every client's domains.
		rows = domainActions(t, e, e.Admin, map[string]any{"action": "delete", "domain_ids": []string{f.bIDs[0]}})
		if rows[0].Error != nil {
			t.Fatalf("admin delete: %+v", rows[0].Error)
		}
	})
}

// TestDomainActionsRestore: bulk restore is the single restore per row:
// an archived domain goes back to the status it had, a reached_limit one
// stays while the limit is not raised (limit_not_raised), anything else
// is that row's invalid_state.
func TestDomainActionsRestore(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewWorkflowAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		k := e.ClientKey(t, c.ID).Key
		live := e.ConfiguredDomain(t, k, c.ID, "live.com")
		pending := e.CreateDomain(t, k, c.ID, map[string]any{"domain": "later.com"})
		idle := e.CreateDomain(t, k, c.ID, map[string]any{"domain": "idle.com"})
		rows := domainActions(t, e.Env, k, map[string]any{"action": "archive", "domain_ids": []string{live.ID, pending.ID}})
		for _, r := range rows {
			if r.Error != nil {
				t.Fatalf("archive: %+v", r.Error)
			}
		}
		// live.com sends up to its client's limit: reached_limit.
		e.Do(t, "PATCH", "/api/v1/clients/"+c.ID, e.Admin, map[string]any{"domain_limit": 1}).Want(t, http.StatusOK)
		reached := e.ConfiguredDomain(t, k, c.ID, "full.com")
		if r, err := e.Store.TakeQuota(t.Context(), reached.ID); err != nil || !r.ReachedLimit {
			t.Fatalf("take quota: %+v %v", r, err)
		}

		rows = domainActions(t, e.Env, k, map[string]any{"action": "restore", "domain_ids": []string{live.ID, pending.ID, reached.ID, idle.ID}})
		if rows[0].Error != nil || rows[0].Domain.Status != "configured" || rows[0].Domain.ArchivedAt != nil {
			t.Fatalf("restore live: %+v %+v", rows[0].Domain, rows[0].Error)
		}
		if rows[1].Error != nil || rows[1].Domain.Status != "pending" {
			t.Fatalf("restore pending: %+v %+v", rows[1].Domain, rows[1].Error)
		}
		if rows[2].Error == nil || rows[2].Error.Status != http.StatusConflict || rows[2].Error.Code != "limit_not_raised" {
			t.Fatalf("restore reached_limit: %+v", rows[2].Error)
		}
		if rows[3].Error == nil || rows[3].Error.Code != "invalid_state" {
			t.Fatalf("restore a pending domain: %+v", rows[3].Error)
		}
		e.Do(t, "PATCH", "/api/v1/clients/"+c.ID, e.Admin, map[string]any{"domain_limit": 10}).Want(t, http.StatusOK)
		rows = domainActions(t, e.Env, k, map[string]any{"action": "restore", "domain_ids": []string{reached.ID}})
		if rows[0].Error != nil || rows[0].Domain.Status != "configured" {
			t.Fatalf("restore after raising the limit: %+v %+v", rows[0].Domain, rows[0].Error)
		}
	})
}

package api_test

// Pools (API.md "Domain management"), on SQLite and PostgreSQL: a pool
// holds its client's domains in rotation order, client keys see only
// their own pools, bad input is 422 naming the field and changes nothing.

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

func createPool(t *testing.T, e *handlertest.Env, key, clientID, name string, domainIDs ...string) models.PoolView {
	t.Helper()
	if domainIDs == nil {
		domainIDs = []string{}
	}
	r := e.Do(t, "POST", "/api/v1/clients/"+clientID+"/pools", key, map[string]any{"name": name, "domain_ids": domainIDs}).Want(t, http.StatusCreated)
	p := handlertest.Decode[models.PoolView](t, r)
	if r.Header.Get("Location") != "/api/v1/pools/"+p.ID {
		t.Errorf("Location = %q", r.Header.Get("Location"))
	}
	return p
}

func getPool(t *testing.T, e *handlertest.Env, key, id string) models.PoolView {
	t.Helper()
	return handlertest.Decode[models.PoolView](t, e.Do(t, "GET", "/api/v1/pools/"+id, key, nil).Want(t, http.StatusOK))
}

// poolFixture is two clients with three domains each and a key each.
type poolFixture struct {
	e          *handlertest.Env
	a, b       models.ClientView
	ka, kb     string
	da, dbs    []models.DomainView
	aIDs, bIDs []string
}

func newPoolFixture(t *testing.T, db *models.DB) poolFixture {
	return poolFixtureOn(t, handlertest.NewAPI(t, db))
}

// newCampaignFixture is newPoolFixture with the workflow engine wired but
// not running: campaign actions that enqueue the sending engine's jobs
// answer, and nothing is sent.
func newCampaignFixture(t *testing.T, db *models.DB) poolFixture {
	return poolFixtureOn(t, handlertest.NewWorkflowAPI(t, db, handlertest.WFOptions{NoStart: true}).Env)
}

func poolFixtureOn(t *testing.T, e *handlertest.Env) poolFixture {
	f := poolFixture{e: e, a: e.CreateClient(t, "Acme", "owner@acme.com"), b: e.CreateClient(t, "Bravo", "owner@bravo.com")}
	f.ka, f.kb = e.ClientKey(t, f.a.ID).Key, e.ClientKey(t, f.b.ID).Key
	for i := range 3 {
		f.da = append(f.da, e.CreateDomain(t, f.ka, f.a.ID, map[string]any{"domain": fmt.Sprintf("acme%d.com", i)}))
		f.dbs = append(f.dbs, e.CreateDomain(t, f.kb, f.b.ID, map[string]any{"domain": fmt.Sprintf("bravo%d.com", i)}))
	}
	f.aIDs, f.bIDs = handlertest.DomainIDs(f.da), handlertest.DomainIDs(f.dbs)
	return f
}

func TestPoolsCRUDAndOrder(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPoolFixture(t, db)
		e := f.e
		order := []string{f.aIDs[2], f.aIDs[0]}
		p := createPool(t, e, f.ka, f.a.ID, "  Main  ", order...)
		if !strings.HasPrefix(p.ID, models.PrefixPool) || p.ClientID != f.a.ID || p.Name != "Main" || !slices.Equal(p.DomainIDs, order) {
			t.Fatalf("created pool = %+v", p)
		}
		if got := getPool(t, e, f.ka, p.ID); !slices.Equal(got.DomainIDs, order) || got.Name != "Main" {
			t.Fatalf("GET pool = %+v, want the order %v", got, order)
		}
		// Without domain_ids: an empty pool, domain_ids [] (never null).
		empty := e.Do(t, "POST", "/api/v1/clients/"+f.a.ID+"/pools", f.ka, map[string]any{"name": "Empty"}).Want(t, http.StatusCreated)
		if !strings.Contains(string(empty.Body), `"domain_ids":[]`) {
			t.Errorf("empty pool body %s, want domain_ids []", empty.Body)
		}
		ep := handlertest.Decode[models.PoolView](t, empty)

		// A domain may be in several pools; the domain shows them all.
		createPool(t, e, f.ka, f.a.ID, "Backup", f.aIDs[0])
		d0 := handlertest.Decode[models.DomainView](t, e.Do(t, "GET", "/api/v1/domains/"+f.aIDs[0], f.ka, nil).Want(t, 200))
		if len(d0.PoolIDs) != 2 || d0.PoolIDs[0] != p.ID {
			t.Errorf("domain pool_ids = %v, want [%s, backup]", d0.PoolIDs, p.ID)
		}
		d1 := e.Do(t, "GET", "/api/v1/domains/"+f.aIDs[1], f.ka, nil).Want(t, 200)
		if !strings.Contains(string(d1.Body), `"pool_ids":[]`) {
			t.Errorf("a domain in no pool: %s, want pool_ids []", d1.Body)
		}

		// Append: new ids at the end in the order given; ids already in
		// the pool keep their place (idempotent).
		add := func(ids ...string) models.PoolView {
			return handlertest.Decode[models.PoolView](t, e.Do(t, "POST", "/api/v1/pools/"+p.ID+"/domains", f.ka, map[string]any{"domain_ids": ids}).Want(t, http.StatusOK))
		}
		want := []string{f.aIDs[2], f.aIDs[0], f.aIDs[1]}
		if got := add(f.aIDs[0], f.aIDs[1]); !slices.Equal(got.DomainIDs, want) {
			t.Fatalf("after append: %v, want %v", got.DomainIDs, want)
		}
		if got := add(f.aIDs[1], f.aIDs[2]); !slices.Equal(got.DomainIDs, want) {
			t.Fatalf("after appending ids already in it: %v, want %v", got.DomainIDs, want)
		}

		// PATCH domain_ids is the new order; name alone leaves it.
		newOrder := []string{f.aIDs[1], f.aIDs[0], f.aIDs[2]}
		r := handlertest.Decode[models.PoolView](t, e.Do(t, "PATCH", "/api/v1/pools/"+p.ID, f.ka, map[string]any{"domain_ids": newOrder}).Want(t, 200))
		if !slices.Equal(r.DomainIDs, newOrder) || r.Name != "Main" {
			t.Fatalf("after PATCH order: %+v", r)
		}
		r = handlertest.Decode[models.PoolView](t, e.Do(t, "PATCH", "/api/v1/pools/"+p.ID, f.ka, map[string]any{"name": "Primary"}).Want(t, 200))
		if !slices.Equal(r.DomainIDs, newOrder) || r.Name != "Primary" {
			t.Fatalf("after PATCH name: %+v", r)
		}
		if got := getPool(t, e, f.ka, p.ID); !slices.Equal(got.DomainIDs, newOrder) || got.Name != "Primary" {
			t.Fatalf("GET after PATCH: %+v", got)
		}
		r = handlertest.Decode[models.PoolView](t, e.Do(t, "PATCH", "/api/v1/pools/"+p.ID, f.ka, map[string]any{"domain_ids": []string{}}).Want(t, 200))
		if len(r.DomainIDs) != 0 {
			t.Fatalf("PATCH domain_ids [] left %v", r.DomainIDs)
		}
		e.Do(t, "PATCH", "/api/v1/pools/"+p.ID, f.ka, map[string]any{"domain_ids": newOrder}).Want(t, 200)

		// Remove one: 204, the rest keep their order; again → 404.
		e.Do(t, "DELETE", "/api/v1/pools/"+p.ID+"/domains/"+f.aIDs[0], f.ka, nil).Want(t, http.StatusNoContent)
		if got := getPool(t, e, f.ka, p.ID); !slices.Equal(got.DomainIDs, []string{f.aIDs[1], f.aIDs[2]}) {
			t.Fatalf("after remove: %v", got.DomainIDs)
		}
		handlertest.WantProblem(t, e.Do(t, "DELETE", "/api/v1/pools/"+p.ID+"/domains/"+f.aIDs[0], f.ka, nil), 404, "not_found")
		handlertest.WantProblem(t, e.Do(t, "DELETE", "/api/v1/pools/"+p.ID+"/domains/"+f.bIDs[0], e.Admin, nil), 404, "not_found")

		// The list, newest first, paged.
		l := handlertest.Decode[handlers.List[models.PoolView]](t, e.Do(t, "GET", "/api/v1/clients/"+f.a.ID+"/pools?limit=2", f.ka, nil).Want(t, 200))
		if len(l.Data) != 2 || l.NextCursor == nil || l.Data[0].Name != "Backup" || l.Data[1].ID != ep.ID {
			t.Fatalf("first page %+v", l)
		}
		l2 := handlertest.Decode[handlers.List[models.PoolView]](t, e.Do(t, "GET", "/api/v1/clients/"+f.a.ID+"/pools?limit=2&cursor="+*l.NextCursor, f.ka, nil).Want(t, 200))
		if len(l2.Data) != 1 || l2.Data[0].ID != p.ID || l2.NextCursor != nil || !slices.Equal(l2.Data[0].DomainIDs, []string{f.aIDs[1], f.aIDs[2]}) {
			t.Fatalf("second page %+v", l2)
		}
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/clients/"+f.a.ID+"/pools?cursor=nope", f.ka, nil), 400, "invalid_cursor", "cursor")
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/clients/"+f.a.ID+"/pools?limit=500", f.ka, nil), 422, "invalid_limit", "limit")

		// Deleting a domain takes it out of its pools; deleting a pool
		// keeps its domains.
		e.Do(t, "DELETE", "/api/v1/domains/"+f.aIDs[2], f.ka, nil).Want(t, http.StatusNoContent)
		if got := getPool(t, e, f.ka, p.ID); !slices.Equal(got.DomainIDs, []string{f.aIDs[1]}) {
			t.Fatalf("after deleting a domain: %v", got.DomainIDs)
		}
		e.Do(t, "DELETE", "/api/v1/pools/"+p.ID, f.ka, nil).Want(t, http.StatusNoContent)
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/pools/"+p.ID, f.ka, nil), 404, "not_found")
		handlertest.WantProblem(t, e.Do(t, "DELETE", "/api/v1/pools/"+p.ID, f.ka, nil), 404, "not_found")
		d1v := handlertest.Decode[models.DomainView](t, e.Do(t, "GET", "/api/v1/domains/"+f.aIDs[1], f.ka, nil).Want(t, 200))
		if len(d1v.PoolIDs) != 0 {
			t.Errorf("domain still in pools %v after its pool was deleted", d1v.PoolIDs)
		}
	})
}

func TestPoolsBadInput(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPoolFixture(t, db)
		e := f.e
		p := createPool(t, e, f.ka, f.a.ID, "Main", f.aIDs[0])
		other := createPool(t, e, f.ka, f.a.ID, "Other")
		snapshot := func() string {
			var b strings.Builder
			for _, path := range []string{"/api/v1/clients/" + f.a.ID + "/pools", "/api/v1/clients/" + f.b.ID + "/pools", "/api/v1/domains"} {
				b.Write(e.Do(t, "GET", path, e.Admin, nil).Want(t, 200).Body)
			}
			return b.String()
		}
		before := snapshot()
		missing := models.NewID(models.PrefixDomain)
		long := strings.Repeat("é", 101)
		for _, tc := range []struct {
			method, path string
			body         any
			status       int
			code         string
			fields       []string
		}{
			{"POST", "/api/v1/clients/" + f.a.ID + "/pools", map[string]any{"name": "  "}, 422, "invalid_pool", []string{"name"}},
			{"POST", "/api/v1/clients/" + f.a.ID + "/pools", map[string]any{}, 422, "invalid_pool", []string{"name"}},
			{"POST", "/api/v1/clients/" + f.a.ID + "/pools", map[string]any{"name": long}, 422, "invalid_pool", []string{"name"}},
			{"POST", "/api/v1/clients/" + f.a.ID + "/pools", map[string]any{"name": "Main"}, 409, "duplicate", []string{"name"}},
			{"POST", "/api/v1/clients/" + f.a.ID + "/pools", map[string]any{"name": " Main "}, 409, "duplicate", []string{"name"}},
			{"POST", "/api/v1/clients/" + f.a.ID + "/pools", map[string]any{"name": "X", "domain_ids": []string{f.aIDs[0], f.bIDs[0]}}, 422, "unknown_domain", []string{"domain_ids"}},
			{"POST", "/api/v1/clients/" + f.a.ID + "/pools", map[string]any{"name": "X", "domain_ids": []string{missing}}, 422, "unknown_domain", []string{"domain_ids"}},
			{"POST", "/api/v1/clients/" + f.a.ID + "/pools", map[string]any{"name": "X", "domain_ids": []string{f.aIDs[0], f.aIDs[0]}}, 422, "invalid_pool", []string{"domain_ids"}},
			{"POST", "/api/v1/clients/" + f.a.ID + "/pools", map[string]any{"name": "X", "domain_ids": "dom"}, 422, "invalid_field_type", []string{"domain_ids"}},
			{"POST", "/api/v1/clients/" + f.a.ID + "/pools", map[string]any{"name": "X", "colour": "red"}, 422, "unknown_field", []string{"colour"}},
			{"PATCH", "/api/v1/pools/" + p.ID, map[string]any{"name": ""}, 422, "invalid_pool", []string{"name"}},
			{"PATCH", "/api/v1/pools/" + p.ID, map[string]any{"name": "Other"}, 409, "duplicate", []string{"name"}},
			{"PATCH", "/api/v1/pools/" + p.ID, map[string]any{"name": "New", "domain_ids": []string{f.bIDs[1]}}, 422, "unknown_domain", []string{"domain_ids"}},
			{"PATCH", "/api/v1/pools/" + p.ID, map[string]any{"domain_ids": []string{f.aIDs[1], f.aIDs[1]}}, 422, "invalid_pool", []string{"domain_ids"}},
			{"POST", "/api/v1/pools/" + p.ID + "/domains", map[string]any{"domain_ids": []string{}}, 422, "invalid_pool", []string{"domain_ids"}},
			{"POST", "/api/v1/pools/" + p.ID + "/domains", map[string]any{"domain_ids": []string{f.aIDs[1], f.bIDs[0]}}, 422, "unknown_domain", []string{"domain_ids"}},
			{"POST", "/api/v1/pools/" + p.ID + "/domains", map[string]any{"domain_ids": []string{f.aIDs[1], f.aIDs[1]}}, 422, "invalid_pool", []string{"domain_ids"}},
			{"POST", "/api/v1/pools/" + p.ID + "/domains", `{"domain_ids":`, 400, "malformed_json", nil},
		} {
			for _, key := range []string{e.Admin, f.ka} {
				r := e.Do(t, tc.method, tc.path, key, tc.body)
				pr := handlertest.WantProblem(t, r, tc.status, tc.code, tc.fields...)
				if tc.code == "unknown_domain" && !strings.Contains(pr.Errors[0].Message, strings.Join(wrongIDs(tc.body, f.aIDs), ", ")) {
					t.Errorf("%s %s: %q does not say which ids", tc.method, tc.path, pr.Errors[0].Message)
				}
			}
		}
		if after := snapshot(); after != before {
			t.Fatalf("refused requests changed the pools or domains:\nbefore %s\nafter  %s", before, after)
		}
		if got := getPool(t, e, f.ka, p.ID); !slices.Equal(got.DomainIDs, []string{f.aIDs[0]}) || got.Name != "Main" {
			t.Fatalf("pool after refused requests: %+v", got)
		}
		if got := getPool(t, e, f.ka, other.ID); len(got.DomainIDs) != 0 {
			t.Fatalf("other pool after refused requests: %+v", got)
		}
	})
}

// wrongIDs returns the domain_ids of a request body that are not in mine.
func wrongIDs(body any, mine []string) []string {
	m, _ := body.(map[string]any)
	ids, _ := m["domain_ids"].([]string)
	var out []string
	for _, id := range ids {
		if !slices.Contains(mine, id) {
			out = append(out, id)
		}
	}
	return out
}

func TestPoolsClientIsolation(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPoolFixture(t, db)
		e := f.e
		pa := createPool(t, e, f.ka, f.a.ID, "A pool", f.aIDs[0])
		pb := createPool(t, e, f.kb, f.b.ID, "B pool", f.bIDs[0], f.bIDs[1])
		missing := models.NewID(models.PrefixPool)
		for _, tc := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/pools/%s", nil},
			{"PATCH", "/api/v1/pools/%s", map[string]any{"name": "Hacked"}},
			{"DELETE", "/api/v1/pools/%s", nil},
			{"POST", "/api/v1/pools/%s/domains", map[string]any{"domain_ids": []string{f.aIDs[1]}}},
			{"DELETE", "/api/v1/pools/%s/domains/" + f.bIDs[0], nil},
			{"GET", "/api/v1/domains?pool_id=%s", nil},
			{"GET", "/api/v1/clients/" + f.a.ID + "/domains?pool_id=%s", nil},
			{"POST", "/api/v1/domains/actions", map[string]any{"action": "add_to_pool", "pool_id": "%s", "domain_ids": []string{f.aIDs[1]}}},
		} {
			t.Run(tc.method+" "+tc.path, func(t *testing.T) {
				fill := func(id string) (string, any) {
					body := tc.body
					if m, ok := body.(map[string]any); ok && m["pool_id"] == "%s" {
						c := map[string]any{}
						for k, v := range m {
							c[k] = v
						}
						c["pool_id"] = id
						body = c
					}
					return strings.Replace(tc.path, "%s", id, 1), body
				}
				path, body := fill(pb.ID)
				got := handlertest.WantProblem(t, e.Do(t, tc.method, path, f.ka, body), 404, "not_found")
				path, body = fill(missing)
				want := handlertest.WantProblem(t, e.Do(t, tc.method, path, f.ka, body), 404, "not_found")
				if got.Detail != want.Detail {
					t.Errorf("another client's pool answers %q, a missing one %q", got.Detail, want.Detail)
				}
			})
		}
		// The other client's pools and lists are 404 through its client.
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/clients/"+f.b.ID+"/pools", f.ka, nil), 404, "not_found")
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/clients/"+f.b.ID+"/pools", f.ka, map[string]any{"name": "Mine"}), 404, "not_found")
		// A's key cannot put B's domains in A's pool: 422 naming domain_ids.
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/pools/"+pa.ID+"/domains", f.ka, map[string]any{"domain_ids": []string{f.bIDs[2]}}), 422, "unknown_domain", "domain_ids")
		// Nor can an admin.
		handlertest.WantProblem(t, e.Do(t, "PATCH", "/api/v1/pools/"+pa.ID, e.Admin, map[string]any{"domain_ids": []string{f.bIDs[2]}}), 422, "unknown_domain", "domain_ids")
		// B is untouched.
		if got := getPool(t, e, f.kb, pb.ID); got.Name != "B pool" || !slices.Equal(got.DomainIDs, []string{f.bIDs[0], f.bIDs[1]}) {
			t.Fatalf("B's pool after A's attempts: %+v", got)
		}
		if got := getPool(t, e, f.ka, pa.ID); !slices.Equal(got.DomainIDs, []string{f.aIDs[0]}) {
			t.Fatalf("A's pool after the attempts: %+v", got)
		}
		// Each key lists its own; the admin sees both.
		l := handlertest.Decode[handlers.List[models.PoolView]](t, e.Do(t, "GET", "/api/v1/clients/"+f.a.ID+"/pools", f.ka, nil).Want(t, 200))
		if len(l.Data) != 1 || l.Data[0].ID != pa.ID {
			t.Fatalf("A's pools: %+v", l.Data)
		}
		e.Do(t, "GET", "/api/v1/pools/"+pb.ID, e.Admin, nil).Want(t, 200)
	})
}

func TestDomainListPoolFilter(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPoolFixture(t, db)
		e := f.e
		p := createPool(t, e, f.ka, f.a.ID, "Main", f.aIDs[0], f.aIDs[2])
		pb := createPool(t, e, f.kb, f.b.ID, "B", f.bIDs[1])
		newestFirst := []string{f.aIDs[2], f.aIDs[0]}
		for _, path := range []string{"/api/v1/domains?pool_id=" + p.ID, "/api/v1/clients/" + f.a.ID + "/domains?pool_id=" + p.ID} {
			for _, key := range []string{e.Admin, f.ka} {
				if got := handlertest.DomainIDs(e.ListDomains(t, key, path).Data); !slices.Equal(got, newestFirst) {
					t.Errorf("%s = %v, want %v", path, got, newestFirst)
				}
			}
		}
		// Keyset pages by id.
		l := e.ListDomains(t, f.ka, "/api/v1/domains?limit=1&pool_id="+p.ID)
		if len(l.Data) != 1 || l.Data[0].ID != f.aIDs[2] || l.NextCursor == nil {
			t.Fatalf("first page %v", handlertest.DomainIDs(l.Data))
		}
		l = e.ListDomains(t, f.ka, "/api/v1/domains?limit=1&pool_id="+p.ID+"&cursor="+*l.NextCursor)
		if len(l.Data) != 1 || l.Data[0].ID != f.aIDs[0] || l.NextCursor != nil {
			t.Fatalf("second page %v", handlertest.DomainIDs(l.Data))
		}
		// Each domain on the page shows its pools.
		for _, d := range e.ListDomains(t, e.Admin, "/api/v1/domains").Data {
			want := []string{}
			switch d.ID {
			case f.aIDs[0], f.aIDs[2]:
				want = []string{p.ID}
			case f.bIDs[1]:
				want = []string{pb.ID}
			}
			if !slices.Equal(d.PoolIDs, want) {
				t.Errorf("%s pool_ids %v, want %v", d.Host, d.PoolIDs, want)
			}
		}
		// The admin filtering A's list by B's pool gets nothing.
		if got := e.ListDomains(t, e.Admin, "/api/v1/clients/"+f.a.ID+"/domains?pool_id="+pb.ID); len(got.Data) != 0 {
			t.Errorf("A's domains in B's pool: %v", handlertest.DomainIDs(got.Data))
		}
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/domains?pool_id=nope", e.Admin, nil), 404, "not_found")
	})
}

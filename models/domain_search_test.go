package models_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// TestDomainHostSearchSameOnBothEngines: ?q= finds the same domains on
// both engines (SQLite through its FTS5 trigram index, kept in step with
// domains by triggers, PostgreSQL through pg_trgm): every host containing
// q, whatever its case, for short and long q, with a status, after
// deletions and additions; LIKE's wildcards match only themselves.
func TestDomainHostSearchSameOnBothEngines(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		t.Parallel()
		s := models.NewStore(db, nil)
		c, err := s.CreateClient(ctx, models.ClientInput{Name: "Acme", Email: "ops@acme.com"})
		if err != nil {
			t.Fatal(err)
		}
		names := []string{"bramble.com", "brambles.net", "amber-bramble.org", "xn--brmble-gua.com", "zeta.io",
			"ramble.com", "bra.co", "a1b2c3.com", "under-score.com", "percent50.com"}
		hosts := map[string]string{} // id → host
		for _, n := range names {
			d, err := s.CreateDomain(ctx, admin, c.ID, models.DomainInput{Domain: n}, models.DNSDefaults{}, "test")
			if err != nil {
				t.Fatal(err)
			}
			hosts[d.ID] = d.Host
		}
		check := func(t *testing.T, status models.Status) {
			t.Helper()
			for _, q := range []string{"bramble", "BRAMBLE", "ramble", "ram", "ra", "b", "ls.", ".com", "zeta.io", "a1b2", "gua",
				"nothing", "%", "_", "e_s", "50%", `\`, "bramble.com.", "  bramble  ", `"br"`, "amb le", "-bra", "é"} {
				var want []string
				for id, h := range hosts {
					if strings.Contains(h, strings.ToLower(strings.TrimSpace(q))) {
						if status == "" || status == models.StatusPending {
							want = append(want, id)
						}
					}
				}
				slices.Sort(want)
				slices.Reverse(want)
				page, err := s.ListDomains(ctx, admin, models.DomainQuery{Q: q, Status: status, PageQuery: models.PageQuery{Limit: 100}})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, d := range page.Domains {
					got = append(got, d.ID)
				}
				if !slices.Equal(got, want) {
					t.Errorf("q=%q status=%q: got %d %v, want %d %v", q, status, len(got), got, len(want), want)
				}
				// Pages of one: the walk fills them (SQLite), the last
				// one is asked of the trigram index.
				var paged []string
				cursor := ""
				for range len(want) + 1 {
					p, err := s.ListDomains(ctx, admin, models.DomainQuery{Q: q, Status: status, PageQuery: models.PageQuery{Limit: 1, Cursor: cursor}})
					if err != nil {
						t.Fatal(err)
					}
					for _, d := range p.Domains {
						paged = append(paged, d.ID)
					}
					if cursor = p.Next; cursor == "" {
						break
					}
				}
				if !slices.Equal(paged, want) {
					t.Errorf("q=%q status=%q in pages of one: got %v, want %v", q, status, paged, want)
				}
				if len(want) > 0 {
					n, err := s.ListDomainsPage(ctx, admin, models.DomainQuery{Q: q, Status: status, PageQuery: models.PageQuery{Limit: 100}}, models.SortNewest, 1)
					if err != nil || n.Total != int64(len(want)) {
						t.Errorf("console page q=%q: total %d (%v), want %d", q, n.Total, err, len(want))
					}
				}
			}
		}
		check(t, "")
		check(t, models.StatusPending)
		check(t, models.StatusConfigured)
		// Deleted domains leave the index; new ones enter it.
		for id, h := range hosts {
			if strings.Contains(h, "bramble") {
				if err := s.DeleteDomain(ctx, admin, id, "test"); err != nil {
					t.Fatal(err)
				}
				delete(hosts, id)
				break
			}
		}
		d, err := s.CreateDomain(ctx, admin, c.ID, models.DomainInput{Domain: "late-bramble.com"}, models.DNSDefaults{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		hosts[d.ID] = d.Host
		check(t, "")
		// Merged (the periodic job's MergeSearchIndex), the index finds the
		// same; and domains written after the merge enter it.
		for steps := 0; ; steps++ {
			more, err := s.MergeSearchIndex(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if !more {
				break
			}
			if steps > 1000 {
				t.Fatal("MergeSearchIndex never finishes")
			}
		}
		check(t, "")
		check(t, models.StatusPending)
		d, err = s.CreateDomain(ctx, admin, c.ID, models.DomainInput{Domain: "after-merge-bramble.com"}, models.DNSDefaults{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		hosts[d.ID] = d.Host
		check(t, "")
	})
}

// TestDomainHostSearchUsesIndexSQLite: on SQLite the status+q page's
// statement reads the FTS5 trigram index rather than testing LIKE on
// every row, and the walk tried first (for a common word) reads only the
// covering index over (status, id, host) until the page is full, or the
// one over (id, host) without a status: never the domains table but for
// the page's rows.
func TestDomainHostSearchUsesIndexSQLite(t *testing.T) {
	t.Parallel()
	db := dbtest.SQLite(t)
	s := models.NewStore(db, nil)
	plan := func(t *testing.T, stmt string, args []any) string {
		t.Helper()
		rows, err := db.SQL.QueryContext(ctx, "EXPLAIN QUERY PLAN "+stmt, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		joined := strings.Join(plan, "\n")
		t.Logf("plan of %s:\n%s", stmt, joined)
		return joined
	}
	q := models.DomainQuery{Status: models.StatusPending, Q: "bramble", PageQuery: models.PageQuery{Limit: 50}}
	stmt, args, err := s.DomainPageStatement(ctx, admin, q)
	if err != nil {
		t.Fatal(err)
	}
	if p := plan(t, stmt, args); !strings.Contains(p, "domain_hosts_fts VIRTUAL TABLE INDEX") || strings.Contains(stmt, "host LIKE") {
		t.Errorf("the page's plan does not use the trigram index:\n%s\n%s", stmt, p)
	}
	for _, c := range []struct {
		st    models.Status
		index string
	}{{models.StatusPending, "SEARCH domains USING COVERING INDEX domains_status_id_host_idx (status=?)"}, {"", "SCAN domains USING COVERING INDEX domains_id_host_idx"}} {
		q.Status = c.st
		walk, args, err := s.DomainPageWalk(ctx, admin, q)
		if err != nil {
			t.Fatal(err)
		}
		p := plan(t, walk, args)
		if !strings.Contains(p, c.index) || strings.Contains(p, "SCAN domains\n") || strings.HasSuffix(p, "SCAN domains") {
			t.Errorf("status %q: the walk does not read %q alone:\n%s", c.st, c.index, p)
		}
	}
}

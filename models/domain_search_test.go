package models_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// TestDomainHostSearchSameOnBothEngines: ?q= finds the same domains on
// both engines (SQLite through its trigram postings, kept in step with
// domains by triggers, PostgreSQL through pg_trgm): every host containing
// q, whatever its case, for short and long q, with a status, in pages of
// one, after deletions, additions and a changed host; LIKE's wildcards
// match only themselves.
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
		hosts := map[string]string{}           // id → host
		statuses := map[string]models.Status{} // id → status
		for _, n := range names {
			d, err := s.CreateDomain(ctx, admin, c.ID, models.DomainInput{Domain: n}, models.DNSDefaults{}, "test")
			if err != nil {
				t.Fatal(err)
			}
			hosts[d.ID] = d.Host
			statuses[d.ID] = d.Status
		}
		check := func(t *testing.T, status models.Status) {
			t.Helper()
			for _, q := range []string{"bramble", "BRAMBLE", "ramble", "ram", "ra", "b", "ls.", ".com", "zeta.io", "a1b2", "gua",
				"nothing", "renamed", "ls.zeta", "%", "_", "e_s", "50%", `\`, "bramble.com.", "  bramble  ", `"br"`, "amb le", "-bra", "é"} {
				var want []string
				for id, h := range hosts {
					if strings.Contains(h, strings.ToLower(strings.TrimSpace(q))) {
						if status == "" || status == statuses[id] {
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
				// Pages of one: each starts in the postings after the
				// cursor (SQLite).
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
		statuses[d.ID] = d.Status
		check(t, "")
		// A host changed in place (no code path does, the trigger
		// keeps up): the old host is found no more, the new one is.
		if err := db.Gorm.WithContext(ctx).Exec(`UPDATE domains SET host = 'ls.renamed-zeta.io' WHERE id = ?`, firstID(hosts, "zeta")).Error; err != nil {
			t.Fatal(err)
		}
		hosts[firstID(hosts, "zeta")] = "ls.renamed-zeta.io"
		check(t, "")
		check(t, models.StatusPending)
		// A status changed: the search by status follows it.
		id := firstID(hosts, "a1b2c3")
		if err := db.Gorm.WithContext(ctx).Exec(`UPDATE domains SET status = ? WHERE id = ?`, models.StatusConfigured, id).Error; err != nil {
			t.Fatal(err)
		}
		statuses[id] = models.StatusConfigured
		check(t, models.StatusPending)
		check(t, models.StatusConfigured)
	})
}

// firstID is the id of the host containing part (the tests' hosts are
// distinct enough that one does).
func firstID(hosts map[string]string, part string) string {
	for id, h := range hosts {
		if strings.Contains(h, part) {
			return id
		}
	}
	return ""
}

// TestDomainHostSearchUsesIndexSQLite: on SQLite the q page's statement
// reads the postings of one trigram in id order (no sort but the one
// choosing the trigram, so it stops when the page is full) and looks each
// domain up by its key, never testing LIKE on every row.
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
	for _, c := range []struct {
		st     models.Status
		cursor string
		lookup string
	}{
		{models.StatusPending, "", "SEARCH domains USING INDEX sqlite_autoindex_domains_1 (id=?)"},
		{"", "", "SEARCH domains USING INDEX sqlite_autoindex_domains_1 (id=?)"},
		{models.StatusPending, models.NewID(models.PrefixDomain), "SEARCH domains USING INDEX sqlite_autoindex_domains_1 (id=?)"},
	} {
		q := models.DomainQuery{Status: c.st, Q: "bramble", PageQuery: models.PageQuery{Limit: 50}}
		if c.cursor != "" {
			q.Cursor = models.EncodeCursor(c.cursor)
		}
		stmt, args, err := s.DomainPageStatement(ctx, admin, q)
		if err != nil {
			t.Fatal(err)
		}
		p := plan(t, stmt, args)
		postings := "SEARCH t USING PRIMARY KEY (tri=?)"
		if c.cursor != "" {
			postings = "SEARCH t USING PRIMARY KEY (tri=? AND domain_id<?)"
		}
		if !strings.Contains(p, postings) || !strings.Contains(p, c.lookup) || strings.Count(p, "TEMP B-TREE FOR ORDER BY") != 1 ||
			strings.Contains(stmt, "LIKE") {
			t.Errorf("status %q cursor %q: the page does not walk the postings (%q) in order, looking domains up in %q:\n%s\n%s",
				c.st, c.cursor, postings, c.lookup, stmt, p)
		}
	}
}

// TestDomainPageRowsMatchGetDomain: a domain as the list page reads it
// (on SQLite packed into one JSON value but its times, domain_page_sqlite.go)
// is the domain GetDomain and FillDomains read, field for field, awkward
// text, large counters, set and unset times and both lists included.
func TestDomainPageRowsMatchGetDomain(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		t.Parallel()
		s := models.NewStore(db, nil)
		c := mustClient(t, s, "Acme", "ops@acme.com")
		d := mustDomain(t, s, c.ID, "odd-values.com")
		plain := mustDomain(t, s, c.ID, "plain.com")
		exec := func(q string, args ...any) {
			t.Helper()
			if err := db.Gorm.WithContext(ctx).Exec(q, args...).Error; err != nil {
				t.Fatal(err)
			}
		}
		when := time.Date(2026, 3, 4, 5, 6, 7, 891011000, time.UTC)
		exec(`UPDATE domains SET status_reason = ?, failure_detail = ?, cname_ttl = ?, version = ?, messages_sent = ?,
			carrier_filtered = ?, archived_from = ?, domain_sid = ?, cert_expires_at = ?, last_used_at = ?, archived_at = ? WHERE id = ?`,
			"say \"hi\",\n\\ back]slash [é😀] \x01 null", `{"json":["like",1]}`, 86400, 123456, int64(1)<<40,
			7, models.StatusConfigured, "DN"+strings.Repeat("0", 32), when, when.Add(time.Hour), when.Add(2*time.Hour), d.ID)
		exec(`INSERT INTO domain_messaging_services (messaging_service_sid, domain_id, attached_at) VALUES (?, ?, ?), (?, ?, ?)`,
			"MG"+strings.Repeat("b", 32), d.ID, when.Add(time.Minute), "MG"+strings.Repeat("a", 32), d.ID, when.Add(2*time.Minute))
		if _, err := s.CreatePool(ctx, admin, c.ID, models.PoolInput{Name: "Main", DomainIDs: []string{d.ID}}); err != nil {
			t.Fatal(err)
		}
		page, err := s.ListDomains(ctx, admin, models.DomainQuery{ClientID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		search, err := s.ListDomains(ctx, admin, models.DomainQuery{Q: "odd-val"})
		if err != nil || len(search.Domains) != 1 {
			t.Fatalf("search: %d domains, %v", len(search.Domains), err)
		}
		if len(page.Domains) != 2 || page.Domains[0].ID != plain.ID || page.Domains[1].ID != d.ID {
			t.Fatalf("page: %+v", page.Domains)
		}
		for _, got := range []*models.Domain{page.Domains[0], page.Domains[1], search.Domains[0]} {
			want, err := s.GetDomain(ctx, admin, got.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.FillDomains(ctx, []*models.Domain{want}); err != nil {
				t.Fatal(err)
			}
			if g, w := domainText(got), domainText(want); g != w {
				t.Errorf("listed domain differs from GetDomain's:\n got %s\nwant %s", g, w)
			}
		}
		if got := page.Domains[1]; got.StatusReason != "say \"hi\",\n\\ back]slash [é😀] \x01 null" || got.MessagesSent != 1<<40 ||
			len(got.MessagingServiceSIDs) != 2 || got.MessagingServiceSIDs[0] != "MG"+strings.Repeat("b", 32) || len(got.PoolIDs) != 1 ||
			got.CertExpiresAt == nil || !got.CertExpiresAt.Equal(when) || got.ConfiguredAt != nil {
			t.Errorf("odd values read back as %+v", got)
		}
	})
}

// domainText is d as JSON with its times in UTC, for comparing.
func domainText(d *models.Domain) string {
	c := *d
	for _, tp := range []*time.Time{&c.CreatedAt, &c.UpdatedAt, &c.StatusChangedAt} {
		*tp = tp.UTC()
	}
	for _, tp := range []**time.Time{&c.CertExpiresAt, &c.LastUsedAt, &c.ConfiguredAt, &c.ArchivedAt, &c.ArchiveWarnedAt} {
		if *tp != nil {
			u := (*tp).UTC()
			*tp = &u
		}
	}
	b, _ := json.Marshal(c)
	return string(b)
}

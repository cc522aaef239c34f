package models_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/models/hostseed"
)

// benchWords make the hosts, ls.<word><n>.com, as cmd/lgload's do: a word
// matches about 1 % of the hosts.
var benchWords = hostseed.Words

// BenchmarkDomainSearchSQLite: the domain list's status+q page
// (?status=pending&q=<word>&limit=50, q rotating over 8 words, each in
// 1 % of the hosts), status+rare-q (q=<word>7: 111 hosts, 22 of them
// pending; looking for one domain), q (the common words without a status) on SQLite
// with DOMAIN_SEARCH_BENCH_DOMAINS domains (default 100,000; 20 %
// pending), as main's ListDomains ran it before issue 18 ("before": GORM
// Find with host LIKE on the indexes of then, then FillDomains' two
// queries) and as it runs now
// ("after": ListDomains: one query, reading the postings of the word's
// rarest trigram newest first until the page is full), in the same run,
// and the plain list page (?limit=50) both ways. Reported as req/s; the
// time the bulk load took (every domain's trigrams written by the
// insert trigger) and the database's size are logged.
//
//	go test ./models -run '^$' -bench DomainSearchSQLite -benchtime 3s
func BenchmarkDomainSearchSQLite(b *testing.B) {
	n := 100000
	if v := os.Getenv("DOMAIN_SEARCH_BENCH_DOMAINS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			b.Fatalf("DOMAIN_SEARCH_BENCH_DOMAINS=%q: want a number >= 1000", v)
		}
	}
	db := dbtest.SQLite(b)
	s := models.NewStore(db, nil)
	c, err := s.CreateClient(ctx, models.ClientInput{Name: "Bench", Email: "bench@example.com"})
	if err != nil {
		b.Fatal(err)
	}
	proto, err := s.CreateDomain(ctx, admin, c.ID, models.DomainInput{Domain: "prototype.com"}, models.DNSDefaults{}, "bench")
	if err != nil {
		b.Fatal(err)
	}
	loadStart := time.Now()
	batch := make([]*models.Domain, 0, 1000)
	flush := func() {
		if err := db.Gorm.CreateInBatches(batch, 200).Error; err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	for i := range n {
		d := *proto
		d.ID = models.NewID(models.PrefixDomain)
		d.Apex = hostseed.Apex(i%len(benchWords), i/len(benchWords))
		d.Host = hostseed.Host(d.Apex)
		d.Status = models.StatusConfigured
		if (i/len(benchWords))%5 == 0 {
			d.Status = models.StatusPending
		}
		batch = append(batch, &d)
		if len(batch) == cap(batch) {
			flush()
		}
	}
	flush()
	b.Logf("%d domains loaded in %v", n, time.Since(loadStart).Round(time.Millisecond))
	{
		var total, search int64
		db.SQL.QueryRowContext(ctx, `SELECT sum(pgsize) FROM dbstat`).Scan(&total)
		db.SQL.QueryRowContext(ctx, `SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'domain_hosts%' OR name LIKE 'domain_trigram%'`).Scan(&search)
		b.Logf("database %d MB, search structures %d MB", total>>20, search>>20)
	}
	if err := db.Gorm.Exec("ANALYZE").Error; err != nil {
		b.Fatal(err)
	}
	// The pages' plans on this data (the planner has its statistics).
	for _, st := range []models.Status{models.StatusPending, ""} {
		walk, args, err := s.DomainPageStatement(ctx, admin, models.DomainQuery{Status: st, Q: "bramble", PageQuery: models.PageQuery{Limit: 50}})
		if err != nil {
			b.Fatal(err)
		}
		rows, err := db.SQL.QueryContext(ctx, "EXPLAIN QUERY PLAN "+walk, args...)
		if err != nil {
			b.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				b.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		b.Logf("page's plan, status %q: %s", st, strings.Join(plan, "; "))
	}
	qs := hostseed.SearchWords()
	before := func(q models.DomainQuery) (int, error) {
		// The plan before issue 18: its indexes (migration 0028's
		// covering ones did not exist, and would speed this up too).
		table := "domains INDEXED BY sqlite_autoindex_domains_1"
		if q.Status != "" {
			table = "domains INDEXED BY domains_status_id_idx"
		}
		tx := db.Gorm.WithContext(ctx).Table(table)
		if q.Status != "" {
			tx = tx.Where("status = ?", q.Status)
		}
		if q.Q != "" {
			tx = tx.Where(`host LIKE ? ESCAPE '\'`, "%"+q.Q+"%")
		}
		var rows []*models.Domain
		if err := tx.Order("id DESC").Limit(51).Find(&rows).Error; err != nil {
			return 0, err
		}
		rows = rows[:min(len(rows), 50)]
		return len(rows), s.FillDomains(ctx, rows)
	}
	after := func(q models.DomainQuery) (int, error) {
		p, err := s.ListDomains(ctx, admin, q)
		return len(p.Domains), err
	}
	scenarios := []struct {
		name string
		q    func(i int) models.DomainQuery
	}{
		{"status+q", func(i int) models.DomainQuery {
			return models.DomainQuery{Status: models.StatusPending, Q: qs[i%len(qs)], PageQuery: models.PageQuery{Limit: 50}}
		}},
		{"status+rare-q", func(i int) models.DomainQuery {
			// A word and a digit: 111 hosts, 22 of them pending.
			return models.DomainQuery{Status: models.StatusPending, Q: qs[i%len(qs)] + "7", PageQuery: models.PageQuery{Limit: 50}}
		}},
		{"q", func(i int) models.DomainQuery {
			return models.DomainQuery{Q: qs[i%len(qs)], PageQuery: models.PageQuery{Limit: 50}}
		}},
		{"list", func(int) models.DomainQuery { return models.DomainQuery{PageQuery: models.PageQuery{Limit: 50}} }},
	}
	type method struct {
		name string
		run  func(models.DomainQuery) (int, error)
	}
	measure := func(methods ...method) {
		for _, sc := range scenarios {
			for _, m := range methods {
				// Both give the same pages.
				for i := range len(qs) {
					x, err1 := before(sc.q(i))
					y, err2 := m.run(sc.q(i))
					if err1 != nil || err2 != nil || x != y || x == 0 {
						b.Fatalf("%s page %d: before %d (%v), %s %d (%v)", sc.name, i, x, err1, m.name, y, err2)
					}
				}
				b.Run(fmt.Sprintf("%s/%s", sc.name, m.name), func(b *testing.B) {
					for i := 0; b.Loop(); i++ {
						if _, err := m.run(sc.q(i)); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
				})
			}
		}
	}
	measure(method{"before", before}, method{"after", after})
}

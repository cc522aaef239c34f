package models_test

// Pools and bulk adds under concurrency, and the per-page cost of a
// domain's pool_ids, on SQLite and PostgreSQL.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

func newTestClient(t *testing.T, s *models.Store, email string) *models.Client {
	t.Helper()
	c, err := s.CreateClient(context.Background(), models.ClientInput{Name: "Acme", Email: email})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Bulk adds of overlapping lists at the same time: every host is added
// once, every other row is a duplicate, and nothing fails as a whole.
func TestCreateDomainsConcurrentOverlap(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db, nil)
		c := newTestClient(t, s, "owner@acme.com")
		const workers, n = 4, 40
		results := make([][]models.BulkDomainResult, workers)
		errs := make([]error, workers)
		var wg sync.WaitGroup
		for w := range workers {
			names := make([]string, n)
			for i := range names {
				// Each worker lists the same hosts in another order.
				names[i] = fmt.Sprintf("host%d.com", (i+w*7)%n)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[w], errs[w] = s.CreateDomains(ctx, models.Scope{}, c.ID, names, nil, nil, models.DNSDefaults{}, "test")
			}()
		}
		wg.Wait()
		added := map[string]int{}
		for w := range workers {
			if errs[w] != nil {
				t.Fatalf("worker %d: %v", w, errs[w])
			}
			for _, r := range results[w] {
				switch {
				case r.Err == nil && r.Domain != nil:
					added[r.Domain.Host]++
				case errors.Is(r.Err, &models.Error{Kind: models.KindConflict, Code: "duplicate"}):
				default:
					t.Errorf("row %q: %v", r.Input, r.Err)
				}
			}
		}
		if len(added) != n {
			t.Errorf("%d hosts added, want %d", len(added), n)
		}
		for h, k := range added {
			if k != 1 {
				t.Errorf("%s added %d times", h, k)
			}
		}
		page, err := s.ListDomains(ctx, models.Scope{}, models.DomainQuery{PageQuery: models.PageQuery{Limit: 200}})
		if err != nil || len(page.Domains) != n {
			t.Fatalf("%d domains stored (%v), want %d", len(page.Domains), err, n)
		}
	})
}

// Appends to one pool at the same time keep every domain once, each at
// its own position.
func TestPoolConcurrentAppends(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db, nil)
		c := newTestClient(t, s, "owner@acme.com")
		names := make([]string, 30)
		for i := range names {
			names[i] = fmt.Sprintf("p%d.com", i)
		}
		rows, err := s.CreateDomains(ctx, models.Scope{}, c.ID, names, nil, nil, models.DNSDefaults{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.CreatePool(ctx, models.Scope{}, c.ID, models.PoolInput{Name: "Main"})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, len(rows))
		for i, r := range rows {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Each also re-adds the first domain: idempotent.
				ids := []string{r.Domain.ID}
				if i > 0 {
					ids = append(ids, rows[0].Domain.ID)
				}
				_, errs[i] = s.AddPoolDomains(ctx, models.Scope{ClientID: c.ID}, p.ID, ids)
			}()
		}
		// And names change meanwhile; two pools cannot share a name.
		var dupErr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, dupErr = s.CreatePool(ctx, models.Scope{}, c.ID, models.PoolInput{Name: "Main"})
		}()
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("append %d: %v", i, err)
			}
		}
		if !errors.Is(dupErr, &models.Error{Kind: models.KindConflict, Code: "duplicate"}) {
			t.Errorf("a second pool named Main: %v, want duplicate", dupErr)
		}
		got, err := s.GetPool(ctx, models.Scope{}, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.DomainIDs) != len(rows) {
			t.Fatalf("pool has %d domains, want %d", len(got.DomainIDs), len(rows))
		}
		var positions []int
		if err := db.Gorm.Model(&models.PoolDomain{}).Where("pool_id = ?", p.ID).Distinct().Pluck("position", &positions).Error; err != nil {
			t.Fatal(err)
		}
		if len(positions) != len(rows) {
			t.Errorf("%d distinct positions for %d domains", len(positions), len(rows))
		}
	})
}

// A page of domains reads its pools with one query whatever its size.
func TestDomainPoolIDsOneQueryPerPage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db, nil)
		c := newTestClient(t, s, "owner@acme.com")
		names := make([]string, 40)
		for i := range names {
			names[i] = fmt.Sprintf("q%d.com", i)
		}
		rows, err := s.CreateDomains(ctx, models.Scope{}, c.ID, names, nil, nil, models.DNSDefaults{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range rows {
			ids = append(ids, r.Domain.ID)
		}
		for i := range 3 {
			if _, err := s.CreatePool(ctx, models.Scope{}, c.ID, models.PoolInput{Name: fmt.Sprintf("P%d", i), DomainIDs: ids[i:]}); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		queries := 0
		if err := db.Gorm.Callback().Query().After("gorm:query").Register("test:count", func(*gorm.DB) {
			mu.Lock()
			queries++
			mu.Unlock()
		}); err != nil {
			t.Fatal(err)
		}
		count := func(limit int) int {
			mu.Lock()
			queries = 0
			mu.Unlock()
			page, err := s.ListDomains(ctx, models.Scope{}, models.DomainQuery{PageQuery: models.PageQuery{Limit: limit}})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range page.Domains {
				if len(d.PoolIDs) == 0 {
					t.Fatalf("%s has no pools", d.Host)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			return queries
		}
		if small, big := count(2), count(40); small != big {
			t.Errorf("a page of 2 domains took %d queries, a page of 40 took %d", small, big)
		}
	})
}

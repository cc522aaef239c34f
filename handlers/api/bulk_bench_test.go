package api_test

// Benchmarks of the bulk calls against the single calls they replace,
// over real HTTP, on SQLite and (when TEST_DATABASE_URL is set)
// PostgreSQL:
//
//	go test ./handlers/api -run '^$' -bench Bulk -benchtime 3x
//
// Each reports the wall time of one bulk call of 500 items (bulk-ms/op),
// of 500 single calls doing the same (single-ms/op) and their ratio
// (speedup).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

const benchItems = 500

type benchEnv struct {
	url, admin string
	http       *http.Client
}

// benchEngines runs fn on SQLite and, when TEST_DATABASE_URL is set, on
// PostgreSQL.
func benchEngines(b *testing.B, fn func(b *testing.B, e *benchEnv)) {
	engines := dbtest.BenchEngines()
	for _, eng := range engines {
		b.Run(eng.Name, func(b *testing.B) {
			store := models.NewStore(eng.Open(b), nil)
			h, err := handlertest.NewServer(handlertest.Config{Config: handlers.Config{Store: store, Logger: handlertest.DiscardLogger()}})
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(h)
			b.Cleanup(srv.Close)
			key, _, err := store.CreateAPIKey(context.Background(), models.RoleAdmin, "", "bench")
			if err != nil {
				b.Fatal(err)
			}
			fn(b, &benchEnv{url: srv.URL, admin: key, http: srv.Client()})
		})
	}
}

// do sends a JSON request and decodes the answer into out (when not nil).
func (e *benchEnv) do(b *testing.B, method, path string, body any, want int, out any) {
	j, err := json.Marshal(body)
	if err != nil {
		b.Fatal(err)
	}
	req, _ := http.NewRequest(method, e.url+path, bytes.NewReader(j))
	req.Header.Set("Authorization", "Bearer "+e.admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.http.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		b.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, handlertest.Truncate(raw))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			b.Fatal(err)
		}
	}
}

func (e *benchEnv) client(b *testing.B, n int) string {
	var c models.ClientView
	e.do(b, "POST", "/api/v1/clients", map[string]any{"name": "Bench", "email": fmt.Sprintf("bench%d-%d@example.com", n, time.Now().UnixNano())}, 201, &c)
	return c.ID
}

func names(prefix string) []string {
	out := make([]string, benchItems)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d.com", prefix, i)
	}
	return out
}

// report adds the mean wall times and their ratio to the benchmark.
func report(b *testing.B, bulk, single time.Duration, n int) {
	b.ReportMetric(float64(bulk.Milliseconds())/float64(n), "bulk-ms/op")
	b.ReportMetric(float64(single.Milliseconds())/float64(n), "single-ms/op")
	b.ReportMetric(float64(single)/float64(bulk), "speedup")
}

// BenchmarkBulkAddDomains: one POST /clients/{id}/domains/bulk of 500
// names against 500 POST /clients/{id}/domains.
func BenchmarkBulkAddDomains(b *testing.B) {
	benchEngines(b, func(b *testing.B, e *benchEnv) {
		var bulk, single time.Duration
		n := 0
		for b.Loop() {
			n++
			cl := e.client(b, n)
			start := time.Now()
			var res struct {
				Data []struct {
					Error *handlers.Problem `json:"error"`
				} `json:"data"`
			}
			e.do(b, "POST", "/api/v1/clients/"+cl+"/domains/bulk", map[string]any{"domains": names(fmt.Sprintf("bulk%d-%d", n, time.Now().UnixNano()))}, 200, &res)
			bulk += time.Since(start)
			for _, r := range res.Data {
				if r.Error != nil {
					b.Fatalf("bulk row failed: %+v", r.Error)
				}
			}
			start = time.Now()
			for _, name := range names(fmt.Sprintf("single%d-%d", n, time.Now().UnixNano())) {
				e.do(b, "POST", "/api/v1/clients/"+cl+"/domains", map[string]any{"domain": name}, 201, nil)
			}
			single += time.Since(start)
		}
		report(b, bulk, single, n)
	})
}

// BenchmarkBulkAddToPool: one POST /domains/actions add_to_pool of 500
// ids against 500 POST /pools/{id}/domains of one id each.
func BenchmarkBulkAddToPool(b *testing.B) {
	benchEngines(b, func(b *testing.B, e *benchEnv) {
		var bulk, single time.Duration
		n := 0
		for b.Loop() {
			n++
			cl := e.client(b, n)
			ids := e.bulkAdd(b, cl, fmt.Sprintf("pool%d", n))
			var p1, p2 models.PoolView
			e.do(b, "POST", "/api/v1/clients/"+cl+"/pools", map[string]any{"name": "bulk"}, 201, &p1)
			e.do(b, "POST", "/api/v1/clients/"+cl+"/pools", map[string]any{"name": "single"}, 201, &p2)

			start := time.Now()
			e.do(b, "POST", "/api/v1/domains/actions", map[string]any{"action": "add_to_pool", "pool_id": p1.ID, "domain_ids": ids}, 200, nil)
			bulk += time.Since(start)
			start = time.Now()
			for _, id := range ids {
				e.do(b, "POST", "/api/v1/pools/"+p2.ID+"/domains", map[string]any{"domain_ids": []string{id}}, 200, nil)
			}
			single += time.Since(start)
		}
		report(b, bulk, single, n)
	})
}

// BenchmarkBulkArchive: one POST /domains/actions archive of 500 ids
// against 500 POST /domains/{id}/archive.
func BenchmarkBulkArchive(b *testing.B) {
	benchEngines(b, func(b *testing.B, e *benchEnv) {
		var bulk, single time.Duration
		n := 0
		for b.Loop() {
			n++
			cl := e.client(b, n)
			forBulk, forSingle := e.bulkAdd(b, cl, fmt.Sprintf("arcb%d", n)), e.bulkAdd(b, cl, fmt.Sprintf("arcs%d", n))
			start := time.Now()
			var res struct {
				Data []struct {
					Error *handlers.Problem `json:"error"`
				} `json:"data"`
			}
			e.do(b, "POST", "/api/v1/domains/actions", map[string]any{"action": "archive", "domain_ids": forBulk}, 200, &res)
			bulk += time.Since(start)
			for _, r := range res.Data {
				if r.Error != nil {
					b.Fatalf("bulk archive row failed: %+v", r.Error)
				}
			}
			start = time.Now()
			for _, id := range forSingle {
				e.do(b, "POST", "/api/v1/domains/"+id+"/archive", nil, 200, nil)
			}
			single += time.Since(start)
		}
		report(b, bulk, single, n)
	})
}

// bulkAdd adds 500 fresh names to client cl in one bulk call and returns
// their ids.
func (e *benchEnv) bulkAdd(b *testing.B, cl, prefix string) []string {
	var res struct {
		Data []struct {
			Domain *models.DomainView `json:"domain"`
		} `json:"data"`
	}
	e.do(b, "POST", "/api/v1/clients/"+cl+"/domains/bulk", map[string]any{"domains": names(fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()))}, 200, &res)
	ids := make([]string, len(res.Data))
	for i, r := range res.Data {
		ids[i] = r.Domain.ID
	}
	return ids
}

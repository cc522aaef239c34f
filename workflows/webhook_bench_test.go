package workflows_test

// BenchmarkWebhookDelivery (issue 6): 10,000 events fanned out to 5
// loopback endpoints (50,000 signed deliveries), on SQLite and, with
// TEST_DATABASE_URL, PostgreSQL. Reports deliveries per second and the lag
// from an event's commit to its first delivery (p50, p99) for:
//
//   - burst: all 10,000 events committed at once (throughput; the lag is
//     mostly queueing behind the backlog);
//   - paced: 2,000 events committed steadily at 40 events/s (200
//     deliveries/s, below what one process sustains), the lag a
//     subscriber sees when linkgate is not saturated.
//
// Run: go test ./workflows -run '^$' -bench WebhookDelivery -benchtime 1x
// (add TEST_DATABASE_URL=postgres://... for PostgreSQL).

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/webhooks"
	"github.com/linkgate/linkgate/workflows"
)

const benchEndpoints = 5

// benchEvents is 10,000; WEBHOOK_BENCH_EVENTS overrides it (profiling).
var benchEvents = func() int {
	if n, err := strconv.Atoi(os.Getenv("WEBHOOK_BENCH_EVENTS")); err == nil && n > 0 {
		return n - n%500
	}
	return 10000
}()

// lagRecorder keeps, per event, the first time any endpoint received it,
// and counts deliveries.
type lagRecorder struct {
	mu    sync.Mutex
	first map[string]time.Duration
	count int
	done  chan struct{}
	want  int
}

func (l *lagRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	body, _ := io.ReadAll(r.Body)
	var p struct {
		Timestamp time.Time `json:"timestamp"`
	}
	_ = json.Unmarshal(body, &p)
	id := r.Header.Get("webhook-id")
	l.mu.Lock()
	if _, ok := l.first[id]; !ok {
		l.first[id] = now.Sub(p.Timestamp)
	}
	l.count++
	if l.count == l.want {
		close(l.done)
	}
	l.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func BenchmarkWebhookDelivery(b *testing.B) {
	for _, mode := range []string{"burst", "paced"} {
		b.Run(mode+"/sqlite", func(b *testing.B) { benchWebhooks(b, dbtest.SQLite(b), mode) })
		b.Run(mode+"/postgres", func(b *testing.B) { benchWebhooks(b, dbtest.Postgres(b), mode) })
	}
}

func benchWebhooks(b *testing.B, db *models.DB, mode string) {
	ctx := context.Background()
	store := models.NewStore(db, nil)
	keys, _ := models.ParseKeyRing(models.NewKeyRingValue("b1"))
	cf, _ := mocks.NewCloudflare(mocks.CloudflareConfig{})
	dns, _ := mocks.NewDNS(mocks.DNSConfig{Sources: []mocks.RecordSource{cf}})
	if err := workflows.MigrateRiver(ctx, db); err != nil {
		b.Fatal(err)
	}
	engine, err := workflows.New(workflows.Config{Store: store, Keys: keys, LinkShortening: nopLinkShortening{}, Resolver: dns,
		DNS: providers.DNSHosts{}, Intervals: workflows.SandboxIntervals(),
		WebhookClient: webhooks.ClientConfig{AllowPrivate: true, AllowHTTP: true}})
	if err != nil {
		b.Fatal(err)
	}
	client, err := store.CreateClient(ctx, models.ClientInput{Name: "Bench", Email: "bench@bench.io", Plan: models.PlanEnterprise})
	if err != nil {
		b.Fatal(err)
	}
	events := benchEvents
	if mode == "paced" {
		events = min(benchEvents, 2000)
	}
	rec := &lagRecorder{first: map[string]time.Duration{}, done: make(chan struct{}), want: events * benchEndpoints}
	for i := 0; i < benchEndpoints; i++ {
		srv := httptest.NewServer(rec)
		b.Cleanup(srv.Close)
		if _, _, err := store.CreateWebhookEndpoint(ctx, keys, models.Scope{}, models.WebhookEndpointInput{
			URL: srv.URL, Events: []string{"domain.*"}, ClientID: client.ID}); err != nil {
			b.Fatal(err)
		}
	}
	// A realistic payload: a domain snapshot.
	data := map[string]any{"domain": map[string]any{"id": "dom_01JBENCH", "client_id": client.ID, "host": "ls.bench.io",
		"status": "configured", "dns_status": "verified", "ssl_status": "active", "dns_record": map[string]any{
			"type": "CNAME", "name": "ls", "value": "lsct.ashburn.us1.twilio.com.", "ttl": 600}, "messaging_service_sids": []string{},
		"status_reason": strings.Repeat("x", 200)}, "previous_status": "ssl_pending"}
	emit := func(n int) {
		err := store.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
			for i := 0; i < n; i++ {
				if err := store.EmitTx(tx, models.EventDomainStatusChanged, client.ID, data); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	if err := engine.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = engine.Stop(sctx)
	}()
	switch mode {
	case "burst":
		for i := 0; i < events; i += 500 {
			emit(500)
		}
	case "paced":
		// 40 events/s: 2 events every 50 ms.
		tick := time.NewTicker(50 * time.Millisecond)
		for i := 0; i < events; i += 2 {
			<-tick.C
			emit(2)
		}
		tick.Stop()
	}
	select {
	case <-rec.done:
	case <-time.After(10 * time.Minute):
		b.Fatalf("only %d of %d deliveries arrived", rec.count, rec.want)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	lags := make([]time.Duration, 0, len(rec.first))
	for _, l := range rec.first {
		lags = append(lags, l)
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	pct := func(p float64) float64 { return float64(lags[int(p*float64(len(lags)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(rec.want)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(pct(0.50), "p50-lag-ms")
	b.ReportMetric(pct(0.99), "p99-lag-ms")
	b.ReportMetric(elapsed.Seconds(), "total-s")
	fmt.Printf("webhooks %s %s: %d deliveries in %s\n", mode, db.Dialect, rec.want, elapsed.Round(time.Millisecond))
}

// nopLinkShortening satisfies the engine's configuration; the benchmark
// runs no onboarding.
type nopLinkShortening struct{ providers.LinkShortening }

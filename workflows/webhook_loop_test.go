package workflows_test

// The delivery loop (issue 18): several loops on one database, a crashed
// claimer's deliveries, the retry schedule; on both engines.

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/webhooks"
	"github.com/linkgate/linkgate/workflows"
)

// setupHooksStopped is setupHooks without starting the engine.
func setupHooksStopped(t *testing.T, db *models.DB, mod func(*workflows.Config)) *hookBundle {
	t.Helper()
	hb := &hookBundle{clock: &clock{}}
	store := models.NewStore(db, hb.clock.Now)
	b := newBundle(t, db, func(c *workflows.Config) {
		c.Store = store
		c.WebhookClient = webhooks.ClientConfig{AllowPrivate: true, AllowHTTP: true, Timeout: 2 * time.Second}
		c.WebhookSchedule = []time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond}
		hb.keys = c.Keys
		if mod != nil {
			mod(c)
		}
	})
	b.store = store
	hb.regBundle = b
	c, err := store.CreateClient(context.Background(), models.ClientInput{Name: "Hooked", Email: "ops@hooked.io", Plan: models.PlanPremium})
	if err != nil {
		t.Fatal(err)
	}
	hb.client = c
	return hb
}

// emitEvents commits n domain.status_changed events of the client.
func (hb *hookBundle) emitEvents(t *testing.T, n int) {
	t.Helper()
	err := hb.store.Tx(context.Background(), func(tx *gorm.DB, _ *sql.Tx) error {
		for i := range n {
			if err := hb.store.EmitTx(tx, models.EventDomainStatusChanged, hb.client.ID, map[string]any{"n": i}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// idCounter counts the requests per webhook-id.
type idCounter struct {
	mu   sync.Mutex
	byID map[string]int
}

func (c *idCounter) add(id string) {
	c.mu.Lock()
	c.byID[id]++
	c.mu.Unlock()
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second) // -race on a loaded machine
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// finished counts the deliveries by status and their attempts.
func finished(t *testing.T, db *models.DB) (succeeded, other, attempts int64) {
	t.Helper()
	if err := db.Gorm.Model(&models.WebhookDelivery{}).Where("status = ?", models.DeliverySucceeded).Count(&succeeded).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm.Model(&models.WebhookDelivery{}).Where("status <> ?", models.DeliverySucceeded).Count(&other).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm.Model(&models.WebhookAttempt{}).Count(&attempts).Error; err != nil {
		t.Fatal(err)
	}
	return
}

func TestWebhookDeliveryLoop(t *testing.T) {
	each := func(name string, fn func(t *testing.T, db *models.DB)) {
		t.Run(name, func(t *testing.T) { t.Parallel(); dbtest.Engines(t, fn) })
	}

	each("two loops at once deliver each delivery once", func(t *testing.T, db *models.DB) {
		regA, regB := prometheus.NewRegistry(), prometheus.NewRegistry()
		hb := setupHooksStopped(t, db, func(c *workflows.Config) { c.Metrics = regA; c.WebhookWorkers = 8 })
		// A second process: its own engine and store on the same database.
		second, err := workflows.New(workflows.Config{Store: models.NewStore(db, nil), Keys: hb.keys, LinkShortening: nopLinkShortening{},
			Resolver: hb.dns, Mailer: hb.outbox, Intervals: workflows.SandboxIntervals(), Metrics: regB, WebhookWorkers: 8,
			WebhookClient: webhooks.ClientConfig{AllowPrivate: true, AllowHTTP: true, Timeout: 2 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		b := &regBundle{engine: second}
		seen := &idCounter{byID: map[string]int{}}
		const receivers = 2
		for range receivers {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				// Each receiver counts ids apart (every event goes to both).
				seen.add(r.Host + " " + r.Header.Get("webhook-id"))
				w.WriteHeader(http.StatusNoContent)
			}))
			t.Cleanup(srv.Close)
			hb.endpoint(t, srv.URL, hb.client.ID, "*")
		}
		const events = 200
		hb.emitEvents(t, events/2)
		hb.start(t)
		b.start(t)
		hb.emitEvents(t, events/2)
		want := events * receivers
		waitUntil(t, "every delivery to succeed", func() bool {
			ok, _, _ := finished(t, db)
			return ok == int64(want)
		})
		// Each delivery was answered 204 once; an attempt more is a
		// transport error retried (logged, never received).
		var twice []models.WebhookAttempt
		if err := db.Gorm.Where("status_code <> 204").Find(&twice).Error; err != nil {
			t.Fatal(err)
		}
		var ok204 int64
		db.Gorm.Model(&models.WebhookAttempt{}).Where("status_code = 204").Count(&ok204)
		for _, a := range twice {
			if a.StatusCode != 0 {
				t.Fatalf("an attempt other than 204 or a transport error: %+v", a)
			}
		}
		if ok204 != int64(want) {
			t.Fatalf("%d attempts answered 204, want %d (extra: %+v)", ok204, want, twice)
		}
		seen.mu.Lock()
		defer seen.mu.Unlock()
		if len(seen.byID) != want {
			t.Fatalf("%d distinct (receiver, webhook-id), want %d", len(seen.byID), want)
		}
		for id, n := range seen.byID {
			if n != 1 {
				t.Fatalf("%s received %d times", id, n)
			}
		}
		// Both processes delivered. (A process counts an attempt once its
		// outcome is committed, a moment after the database shows it.)
		var a, bb float64
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if a, bb = testutil.ToFloat64(counterOf(t, regA)), testutil.ToFloat64(counterOf(t, regB)); a+bb >= float64(want+len(twice)) {
				break
			}
		}
		if a == 0 || bb == 0 || a+bb != float64(want+len(twice)) {
			t.Fatalf("attempts by process: %v and %v, want both > 0 summing to %d", a, bb, want)
		}
	})

	each("a crashed claimer's deliveries are delivered once its lease ends", func(t *testing.T, db *models.DB) {
		hb := setupHooksStopped(t, db, nil)
		var mu sync.Mutex
		got := map[string]time.Time{} // webhook-id → first received
		var hits atomic.Int64
		r := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			_, _ = io.Copy(io.Discard, req.Body)
			hits.Add(1)
			id := req.Header.Get("webhook-id")
			mu.Lock()
			if _, ok := got[id]; !ok {
				got[id] = time.Now()
			}
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(r.Close)
		ep, _ := hb.endpoint(t, r.URL, hb.client.ID, "*")
		hb.emitEvents(t, 20)
		if _, err := hb.engine.DispatchWebhooks(context.Background()); err != nil {
			t.Fatal(err)
		}
		// A process claims them all and dies without an attempt.
		const lease = 2 * time.Second
		claimedAt := time.Now()
		claims, err := hb.store.ClaimWebhookDeliveries(context.Background(), claimedAt, lease, 100)
		if err != nil || len(claims) != 20 {
			t.Fatalf("claimed %d: %v", len(claims), err)
		}
		hb.start(t)
		hb.emitEvents(t, 1) // a new event is delivered at once
		waitUntil(t, "21 events received", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(got) == 21
		})
		mu.Lock()
		for _, c := range claims {
			if at := got[c.EventID]; at.Before(claimedAt.Add(lease)) {
				t.Errorf("claimed delivery %s received %s after the claim, before its lease ended", c.ID, at.Sub(claimedAt))
			}
		}
		mu.Unlock()
		waitUntil(t, "every delivery to succeed", func() bool {
			ok, _, _ := finished(t, db)
			return ok == 21
		})
		if _, other, _ := finished(t, db); other != 0 || hits.Load() < 21 {
			t.Fatalf("other %d, hits %d", other, hits.Load())
		}
		if ds := hb.deliveries(t, ep.ID); len(ds) != 21 {
			t.Fatalf("%d deliveries", len(ds))
		}
	})

	each("retries follow the schedule", func(t *testing.T, db *models.DB) {
		hb := setupHooksStopped(t, db, func(c *workflows.Config) {
			c.WebhookSchedule = []time.Duration{300 * time.Millisecond, 700 * time.Millisecond}
		})
		r := newReceiver(t, func(n int) answer {
			if n < 3 {
				return answer{status: 500}
			}
			return answer{status: 204}
		})
		ep, _ := hb.endpoint(t, r.URL, hb.client.ID, "*")
		hb.start(t)
		hb.emitEvents(t, 1)
		got := r.wait(t, 3)
		for i, want := range []time.Duration{300 * time.Millisecond, 700 * time.Millisecond} {
			// ±webhooks.Jitter around the schedule; the latest bound is loose (a loaded machine).
			low := time.Duration(float64(want) * (1 - webhooks.Jitter))
			if gap := got[i+1].at.Sub(got[i].at); gap < low || gap > want+5*time.Second {
				t.Fatalf("attempt %d came %s after attempt %d; the schedule says %s ± %.0f%%", i+2, gap, i+1, want, 100*webhooks.Jitter)
			}
		}
		dv := hb.waitDelivery(t, ep.ID, models.DeliverySucceeded)
		if dv.AttemptCount != 3 || len(dv.Attempts) != 3 || *dv.Attempts[0].StatusCode != 500 || *dv.Attempts[2].StatusCode != 204 {
			t.Fatalf("delivery %+v", dv)
		}
	})
}

// counterOf is the engine's attempts counter, all results summed.
func counterOf(t *testing.T, reg *prometheus.Registry) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == "linkgate_webhook_attempts_total" {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "sum"})
	c.Add(sum)
	return c
}

package workflows_test

// Webhook delivery end to end: real engine (River on SQLite and
// PostgreSQL), real HTTP receivers on loopback scripted per test, and every
// received request verified with the official Standard Webhooks library as
// an outside oracle.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/webhooks"
	"github.com/linkgate/linkgate/workflows"
)

// received is one request a receiver got.
type received struct {
	at     time.Time
	header http.Header
	body   []byte
}

// receiver is a loopback HTTP server answering with script(n) for the nth
// request (1-based).
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []received
	hits atomic.Int64
}

type answer struct {
	status int
	header map[string]string
	body   string
	hang   time.Duration
}

func newReceiver(t *testing.T, script func(n int) answer) *receiver {
	t.Helper()
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		n := int(r.hits.Add(1))
		r.mu.Lock()
		r.got = append(r.got, received{at: time.Now(), header: req.Header.Clone(), body: body})
		r.mu.Unlock()
		a := script(n)
		if a.hang > 0 {
			select {
			case <-time.After(a.hang):
			case <-req.Context().Done():
				return
			}
		}
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		if a.status == 0 {
			a.status = 200
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func (r *receiver) wait(t *testing.T, n int) []received {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if got := r.requests(); len(got) >= n {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("receiver got %d requests, want %d", len(r.requests()), n)
	return nil
}

// verify checks a request with the official library and returns its body.
func verify(t *testing.T, secret string, r received) webhooks.Payload {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(r.body, r.header); err != nil {
		t.Fatalf("standardwebhooks.Verify: %v", err)
	}
	var p webhooks.Payload
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// clock is an adjustable store clock.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.off) }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

type hookBundle struct {
	*regBundle
	clock  *clock
	keys   *models.KeyRing
	client *models.Client
}

// setupHooks is an engine whose store runs on an adjustable clock, whose
// webhook client allows loopback (explicitly, as only tests and sandbox
// mode do), with a short schedule, and a premium client.
func setupHooks(t *testing.T, db *models.DB, mod func(*workflows.Config)) *hookBundle {
	t.Helper()
	hb := &hookBundle{clock: &clock{}}
	store := models.NewStore(db, hb.clock.Now)
	b := setupRegistration(t, db, func(c *workflows.Config) {
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

func (hb *hookBundle) endpoint(t *testing.T, url, clientID string, events ...string) (*models.WebhookEndpoint, string) {
	t.Helper()
	ep, secret, err := hb.store.CreateWebhookEndpoint(context.Background(), hb.keys, models.Scope{},
		models.WebhookEndpointInput{URL: url, Events: events, ClientID: clientID})
	if err != nil {
		t.Fatal(err)
	}
	return ep, secret
}

func (hb *hookBundle) newDomain(t *testing.T, clientID, name string) *models.Domain {
	t.Helper()
	d, err := hb.store.CreateDomain(context.Background(), models.Scope{}, clientID, models.DomainInput{Domain: name}, models.DNSDefaults{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (hb *hookBundle) deliveries(t *testing.T, endpointID string) []models.WebhookDeliveryView {
	t.Helper()
	page, err := hb.store.ListWebhookDeliveries(context.Background(), models.Scope{}, models.WebhookDeliveryQuery{EndpointID: endpointID})
	if err != nil {
		t.Fatal(err)
	}
	return page.Deliveries
}

// waitDispatched waits until every webhook event has been fanned out to
// the endpoints it matches (the deliveries are then rows).
func waitDispatched(t *testing.T, db *models.DB) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int64
		if err := db.Gorm.Model(&models.WebhookEvent{}).Where("dispatched_at IS NULL").Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d webhook events still not dispatched", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitDelivery waits until the endpoint's only (newest) delivery is in want.
func (hb *hookBundle) waitDelivery(t *testing.T, endpointID string, want models.DeliveryStatus) models.WebhookDeliveryView {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ds := hb.deliveries(t, endpointID)
		if len(ds) > 0 && ds[0].Status == want {
			return ds[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries of %s: %+v, want newest %s", endpointID, ds, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWebhookDelivery(t *testing.T) {
	ctx := context.Background()
	// Each case on a fresh database of each engine.
	each := func(name string, fn func(t *testing.T, db *models.DB)) {
		t.Run(name, func(t *testing.T) { t.Parallel(); dbtest.Engines(t, fn) })
	}
	{

		each("signed fan-out to the client's and admin-wide endpoints", func(t *testing.T, db *models.DB) {
			hb := setupHooks(t, db, nil)
			mine := newReceiver(t, func(int) answer { return answer{} })
			all := newReceiver(t, func(int) answer { return answer{} })
			other, err := hb.store.CreateClient(ctx, models.ClientInput{Name: "Other", Email: "o@other.io", Plan: models.PlanEnterprise})
			if err != nil {
				t.Fatal(err)
			}
			theirs := newReceiver(t, func(int) answer { return answer{} })
			mineEP, mineSecret := hb.endpoint(t, mine.URL+"/hooks", hb.client.ID, "domain.*")
			_, allSecret := hb.endpoint(t, all.URL, "", "domain.created")
			theirsEP, _ := hb.endpoint(t, theirs.URL, other.ID, "*")

			d := hb.newDomain(t, hb.client.ID, "hooked.io")
			got := mine.wait(t, 1)
			p := verify(t, mineSecret, got[0])
			if p.Type != "domain.created" {
				t.Fatalf("type %q", p.Type)
			}
			data, _ := json.Marshal(p.Data)
			if !strings.Contains(string(data), `"id":"`+d.ID+`"`) || !strings.Contains(string(data), `"host":"ls.hooked.io"`) {
				t.Fatalf("data is not the domain snapshot: %s", data)
			}
			evs, _ := hb.store.WebhookEvents(ctx, hb.client.ID)
			if got[0].header.Get("webhook-id") != evs[0].ID {
				t.Fatalf("webhook-id %q, want the event id %q", got[0].header.Get("webhook-id"), evs[0].ID)
			}
			if ct := got[0].header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("content type %q", ct)
			}
			verify(t, allSecret, all.wait(t, 1)[0])
			// The basic client's domain goes to the admin-wide endpoint only.
			hb.newDomain(t, hb.domain.ClientID, "basic-client.io")
			verify(t, allSecret, all.wait(t, 2)[1])
			// Every event is fanned out in one transaction: once all events
			// are dispatched, a leak would be a delivery row already.
			waitDispatched(t, db)
			if n := len(hb.deliveries(t, mineEP.ID)); n != 1 || len(mine.requests()) != 1 {
				t.Fatalf("the client's endpoint has %d deliveries (%d requests), want 1 (another client's event leaked)", n, len(mine.requests()))
			}
			if n := len(hb.deliveries(t, theirsEP.ID)); n != 0 || len(theirs.requests()) != 0 {
				t.Fatalf("another client's endpoint has %d deliveries", n)
			}
		})

		each("500 then 200: retried with the same id, attempts logged", func(t *testing.T, db *models.DB) {
			reg := prometheus.NewRegistry()
			hb := setupHooks(t, db, func(c *workflows.Config) { c.Metrics = reg })
			big := strings.Repeat("x", 5000)
			r := newReceiver(t, func(n int) answer {
				if n == 1 {
					return answer{status: 500, body: big}
				}
				return answer{status: 204}
			})
			ep, secret := hb.endpoint(t, r.URL, hb.client.ID, "domain.created")
			hb.newDomain(t, hb.client.ID, "retry.io")
			got := r.wait(t, 2)
			verify(t, secret, got[0])
			verify(t, secret, got[1])
			if got[0].header.Get("webhook-id") != got[1].header.Get("webhook-id") {
				t.Fatal("webhook-id changed between attempts")
			}
			dv := hb.waitDelivery(t, ep.ID, models.DeliverySucceeded)
			if dv.AttemptCount != 2 || len(dv.Attempts) != 2 {
				t.Fatalf("attempts %d / %d", dv.AttemptCount, len(dv.Attempts))
			}
			a1, a2 := dv.Attempts[0], dv.Attempts[1]
			if *a1.StatusCode != 500 || len(a1.ResponseBody) != models.MaxAttemptBody || *a2.StatusCode != 204 || dv.CompletedAt == nil {
				t.Fatalf("attempt log: %+v", dv.Attempts)
			}
			var fs models.WebhookEndpoint
			hb.store.DB().Gorm.Where("id = ?", ep.ID).Take(&fs)
			if fs.FailingSince != nil {
				t.Fatal("a success must clear the failure streak")
			}
			want := `
# HELP linkgate_webhook_attempts_total Webhook delivery attempts by the delivery's status after the attempt (succeeded, retrying, failed).
# TYPE linkgate_webhook_attempts_total counter
linkgate_webhook_attempts_total{result="retrying"} 1
linkgate_webhook_attempts_total{result="succeeded"} 1
# HELP linkgate_webhook_deliveries_due Webhook deliveries not yet finished (pending or retrying).
# TYPE linkgate_webhook_deliveries_due gauge
linkgate_webhook_deliveries_due 0
`
			// The counter counts an attempt once its outcome is committed,
			// just after the delivery reads as succeeded: poll.
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				err := testutil.GatherAndCompare(reg, strings.NewReader(want), "linkgate_webhook_attempts_total", "linkgate_webhook_deliveries_due")
				if err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal(err)
				}
			}
		})

		each("429 with Retry-After is honoured", func(t *testing.T, db *models.DB) {
			hb := setupHooks(t, db, func(c *workflows.Config) {
				c.WebhookSchedule = []time.Duration{30 * time.Second, 30 * time.Second}
			})
			r := newReceiver(t, func(n int) answer {
				if n == 1 {
					return answer{status: 429, header: map[string]string{"Retry-After": "1"}}
				}
				return answer{}
			})
			ep, _ := hb.endpoint(t, r.URL, hb.client.ID, "*")
			hb.newDomain(t, hb.client.ID, "busy.io")
			got := r.wait(t, 2)
			gap := got[1].at.Sub(got[0].at)
			if gap < 900*time.Millisecond || gap > 10*time.Second {
				t.Fatalf("second attempt after %s; Retry-After said 1 s (the schedule 30 s)", gap)
			}
			hb.waitDelivery(t, ep.ID, models.DeliverySucceeded)
		})

		each("410 disables the endpoint", func(t *testing.T, db *models.DB) {
			hb := setupHooks(t, db, nil)
			r := newReceiver(t, func(int) answer { return answer{status: 410} })
			ep, _ := hb.endpoint(t, r.URL, hb.client.ID, "*")
			hb.newDomain(t, hb.client.ID, "gone.io")
			dv := hb.waitDelivery(t, ep.ID, models.DeliveryFailed)
			if dv.AttemptCount != 1 || !strings.Contains(*dv.LastError, "410") {
				t.Fatalf("delivery %+v", dv)
			}
			got, _ := hb.store.GetWebhookEndpoint(ctx, models.Scope{}, ep.ID)
			if got.Enabled || !strings.Contains(got.DisabledReason, "410") {
				t.Fatalf("endpoint enabled=%v reason %q", got.Enabled, got.DisabledReason)
			}
			// No more deliveries to it.
			hb.newDomain(t, hb.client.ID, "gone-again.io")
			waitDispatched(t, db)
			if n := len(hb.deliveries(t, ep.ID)); n != 1 || r.hits.Load() != 1 {
				t.Fatalf("%d deliveries, %d hits after the 410", n, r.hits.Load())
			}
		})

		each("a hanging receiver times out and is retried", func(t *testing.T, db *models.DB) {
			hb := setupHooks(t, db, func(c *workflows.Config) { c.WebhookClient.Timeout = 300 * time.Millisecond })
			r := newReceiver(t, func(n int) answer {
				if n == 1 {
					return answer{hang: 5 * time.Second}
				}
				return answer{}
			})
			ep, _ := hb.endpoint(t, r.URL, hb.client.ID, "*")
			hb.newDomain(t, hb.client.ID, "slow.io")
			dv := hb.waitDelivery(t, ep.ID, models.DeliverySucceeded)
			a1 := dv.Attempts[0]
			if a1.StatusCode != nil || a1.Error == nil || !strings.Contains(*a1.Error, "timeout") || a1.LatencyMS < 250 {
				t.Fatalf("first attempt %+v", a1)
			}
		})

		each("a redirect is a failure and is not followed", func(t *testing.T, db *models.DB) {
			hb := setupHooks(t, db, func(c *workflows.Config) { c.WebhookSchedule = []time.Duration{50 * time.Millisecond} })
			target := newReceiver(t, func(int) answer { return answer{} })
			r := newReceiver(t, func(int) answer {
				return answer{status: 302, header: map[string]string{"Location": target.URL}}
			})
			ep, _ := hb.endpoint(t, r.URL, hb.client.ID, "*")
			hb.newDomain(t, hb.client.ID, "moved.io")
			dv := hb.waitDelivery(t, ep.ID, models.DeliveryFailed)
			if dv.AttemptCount != 2 || *dv.Attempts[0].StatusCode != 302 || !strings.Contains(*dv.LastError, "gave up after 2 attempts") {
				t.Fatalf("delivery %+v", dv)
			}
			if target.hits.Load() != 0 {
				t.Fatal("the redirect was followed")
			}
		})

		each("replay keeps the webhook-id; ping", func(t *testing.T, db *models.DB) {
			hb := setupHooks(t, db, nil)
			r := newReceiver(t, func(int) answer { return answer{} })
			ep, secret := hb.endpoint(t, r.URL, hb.client.ID, "domain.created")
			hb.newDomain(t, hb.client.ID, "again.io")
			first := hb.waitDelivery(t, ep.ID, models.DeliverySucceeded)
			sc := models.Scope{ClientID: hb.client.ID}
			rep, err := hb.engine.ReplayWebhookDelivery(ctx, sc, first.ID)
			if err != nil {
				t.Fatal(err)
			}
			if rep.ID == first.ID || rep.EventID != first.EventID || rep.ReplayOf == nil || *rep.ReplayOf != first.ID {
				t.Fatalf("replay %+v", rep)
			}
			got := r.wait(t, 2)
			verify(t, secret, got[1])
			if got[0].header.Get("webhook-id") != got[1].header.Get("webhook-id") {
				t.Fatal("replay changed the webhook-id")
			}
			if _, err := hb.engine.ReplayWebhookDelivery(ctx, models.Scope{ClientID: hb.domain.ClientID}, first.ID); !isKind(err, models.KindNotFound) {
				t.Fatalf("another client replaying: %v", err)
			}
			ping, err := hb.engine.PingWebhookEndpoint(ctx, sc, ep.ID)
			if err != nil || ping.EventType != "webhook.ping" {
				t.Fatalf("ping %+v %v", ping, err)
			}
			if p := verify(t, secret, r.wait(t, 3)[2]); p.Type != "webhook.ping" {
				t.Fatalf("ping type %q", p.Type)
			}
		})

		each("during a rotation both secrets verify", func(t *testing.T, db *models.DB) {
			hb := setupHooks(t, db, nil)
			r := newReceiver(t, func(int) answer { return answer{} })
			ep, oldSecret := hb.endpoint(t, r.URL, hb.client.ID, "*")
			_, newSecret, err := hb.store.RotateWebhookSecret(ctx, hb.keys, models.Scope{}, ep.ID)
			if err != nil {
				t.Fatal(err)
			}
			hb.newDomain(t, hb.client.ID, "rotate.io")
			got := r.wait(t, 1)[0]
			verify(t, oldSecret, got)
			verify(t, newSecret, got)
			// After the overlap only the new secret signs.
			hb.clock.Advance(models.SecretRotationOverlap + time.Minute)
			if _, err := hb.engine.PingWebhookEndpoint(ctx, models.Scope{}, ep.ID); err != nil {
				t.Fatal(err)
			}
			later := r.wait(t, 2)[1]
			verify(t, newSecret, later)
			wh, _ := standardwebhooks.NewWebhook(oldSecret)
			if err := wh.Verify(later.body, later.header); err == nil {
				t.Fatal("the old secret still verifies after the overlap")
			}
		})

		each("production mode refuses a loopback receiver at dial time", func(t *testing.T, db *models.DB) {
			hb := setupHooks(t, db, func(c *workflows.Config) {
				c.WebhookClient = webhooks.ClientConfig{AllowHTTP: true, Timeout: time.Second}
				c.WebhookSchedule = []time.Duration{50 * time.Millisecond}
			})
			r := newReceiver(t, func(int) answer { return answer{} })
			// The store checks the URL's shape only; the dialer refuses the address.
			ep, _ := hb.endpoint(t, strings.Replace(r.URL, "127.0.0.1", "localhost", 1), hb.client.ID, "*")
			hb.newDomain(t, hb.client.ID, "internal.io")
			dv := hb.waitDelivery(t, ep.ID, models.DeliveryFailed)
			if dv.Attempts[0].Error == nil || !strings.Contains(*dv.Attempts[0].Error, "refused") || r.hits.Load() != 0 {
				t.Fatalf("delivery %+v, receiver hits %d", dv, r.hits.Load())
			}
		})

		each("a slow endpoint gets at most its share of the workers", func(t *testing.T, db *models.DB) {
			hb := setupHooks(t, db, func(c *workflows.Config) {
				c.WebhookWorkers, c.WebhookConcurrencyPerTarget = 4, 1
				c.WebhookClient.Timeout = 10 * time.Second
			})
			// The slow receiver answers after 250 ms and counts the requests
			// it holds at once: the engine never has two in flight to it.
			var now, peak atomic.Int64
			slow := newReceiver(t, func(int) answer {
				n := now.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				time.Sleep(250 * time.Millisecond) // the receiver's work, not a wait for the engine
				now.Add(-1)
				return answer{}
			})
			fast := newReceiver(t, func(int) answer { return answer{} })
			hb.endpoint(t, slow.URL, hb.client.ID, "*")
			hb.endpoint(t, fast.URL, hb.client.ID, "*")
			for _, apex := range []string{"a.io", "b.io", "c.io", "d.io", "e.io", "f.io"} {
				hb.newDomain(t, hb.client.ID, apex)
			}
			fast.wait(t, 6) // served while the slow one holds its one slot
			slow.wait(t, 6)
			if p := peak.Load(); p != 1 {
				t.Fatalf("the slow endpoint had %d requests at once, want 1", p)
			}
		})

		each("five days of failures disable the endpoint and tell the owner", func(t *testing.T, db *models.DB) {
			hb := setupHooks(t, db, func(c *workflows.Config) {
				c.WebhookSchedule = []time.Duration{time.Hour} // the second attempt comes only when pinged
			})
			r := newReceiver(t, func(int) answer { return answer{status: 503} })
			ep, _ := hb.endpoint(t, r.URL, hb.client.ID, "*")
			hb.newDomain(t, hb.client.ID, "down.io")
			hb.waitDelivery(t, ep.ID, models.DeliveryRetrying)
			hb.clock.Advance(4 * 24 * time.Hour)
			if _, err := hb.engine.PingWebhookEndpoint(ctx, models.Scope{}, ep.ID); err != nil {
				t.Fatal(err)
			}
			hb.waitDelivery(t, ep.ID, models.DeliveryRetrying)
			if got, _ := hb.store.GetWebhookEndpoint(ctx, models.Scope{}, ep.ID); !got.Enabled {
				t.Fatal("disabled before the window ended")
			}
			hb.clock.Advance(24*time.Hour + time.Minute)
			if _, err := hb.engine.PingWebhookEndpoint(ctx, models.Scope{}, ep.ID); err != nil {
				t.Fatal(err)
			}
			dv := hb.waitDelivery(t, ep.ID, models.DeliveryFailed)
			if !strings.Contains(*dv.LastError, "every delivery failed for 5 days") {
				t.Fatalf("last error %q", *dv.LastError)
			}
			got, _ := hb.store.GetWebhookEndpoint(ctx, models.Scope{}, ep.ID)
			if got.Enabled || !strings.Contains(got.DisabledReason, "5 days") {
				t.Fatalf("endpoint enabled=%v reason %q", got.Enabled, got.DisabledReason)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				var found bool
				for _, m := range hb.outbox.Messages() {
					if m.To == "ops@hooked.io" && strings.Contains(m.Subject, "webhook endpoint disabled") &&
						strings.Contains(m.Text, r.URL) && strings.Contains(m.Text, "5 days") {
						found = true
					}
				}
				if found {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no notice to the owner; outbox: %+v", hb.outbox.Messages())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if _, err := hb.engine.PingWebhookEndpoint(ctx, models.Scope{}, ep.ID); !isKind(err, models.KindConflict) {
				t.Fatalf("ping of a disabled endpoint: %v", err)
			}
		})
	}
}

func isKind(err error, k models.Kind) bool {
	var me *models.Error
	return errors.As(err, &me) && me.Kind == k
}

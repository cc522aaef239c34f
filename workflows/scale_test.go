package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/workflows"
	"github.com/linkgate/linkgate/workflows/workflowtest"
)

const (
	scaleDomains  = 200
	scaleWorkers  = 3
	scaleDeadline = 3 * time.Minute
	scaleTarget   = "lsct.ashburn.us1.twilio.com."
	scaleAccount  = "AC0123456789abcdef0123456789abcdef"
	scaleToken    = "scaletoken0123456789"
)

// TestThreeWorkersShareTwoHundredOnboardings (issue 4, "Done when"): three
// workers, each its own River client with its own connection pool, on one
// PostgreSQL, run 200 self-setup onboardings against one set of
// in-process fakes. Each domain's CNAME is created once and its
// certificate requested once (the fakes' counters), every domain reaches
// configured with a timeline in order, and every worker takes a share.
//
// The Domain SIDs are submitted right after configure, while the DNS
// steps run, so human steps and workers race on the same rows.
func TestThreeWorkersShareTwoHundredOnboardings(t *testing.T) {
	url := dbtest.PostgresURL(t) // skips without PostgreSQL
	ctx := context.Background()

	w := workflowtest.NewWorld(t, mocks.TwilioConfig{AccountSID: scaleAccount, AuthToken: scaleToken, ExpectedCNAMETarget: scaleTarget})
	cf, dns, tw := w.Cloudflare, w.DNS, w.Twilio
	keys, err := models.ParseKeyRing(models.NewKeyRingValue("k1"))
	if err != nil {
		t.Fatal(err)
	}

	warnings := &countingHandler{}
	stores, engines := startEngines(t, url, scaleWorkers, workflows.Config{
		Logger:         slog.New(warnings),
		DNS:            w.DNSFactories,
		LinkShortening: w.LinkShortening,
		Resolver:       dns,
		Keys:           keys,
		PublicURL:      "https://linkgate.test",
		Intervals:      workflows.SandboxIntervals(),
		ClientID:       "worker",
	})

	// 200 clients and domains, a zone and token each.
	type onboarding struct {
		id, host, token, sid string
	}
	obs := make([]*onboarding, scaleDomains)
	for i := range obs {
		apex := fmt.Sprintf("scale%03d.com", i)
		c, err := stores[0].CreateClient(ctx, models.ClientInput{Name: apex, Email: "owner@" + apex})
		if err != nil {
			t.Fatal(err)
		}
		d, err := stores[0].CreateDomain(ctx, models.Scope{}, c.ID, models.DomainInput{Domain: apex},
			models.DNSDefaults{Target: scaleTarget, TTL: 600}, "test")
		if err != nil {
			t.Fatal(err)
		}
		_, tok := cf.AddZone(apex)
		obs[i] = &onboarding{id: d.ID, host: d.Host, token: tok}
	}

	// Configure each through one of the engines (spread), then register
	// the host at Twilio and submit its SID through another.
	began := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, scaleDomains)
	work := make(chan int)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				ob := obs[i]
				e := engines[i%scaleWorkers]
				_, err := e.Configure(ctx, models.Scope{}, ob.id, workflows.ConfigureInput{Mode: models.SetupSelf,
					Provider: "cloudflare", Credentials: map[string]string{"api_token": ob.token}}, "test")
				if err != nil {
					errs <- fmt.Errorf("configure %s: %w", ob.host, err)
					continue
				}
				ob.sid = tw.RegisterDomain(ob.host)
				if err := submitSID(ctx, engines[(i+1)%scaleWorkers], ob.id, ob.sid); err != nil {
					errs <- fmt.Errorf("domain SID for %s: %w", ob.host, err)
				}
			}
		}()
	}
	for i := range obs {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	submitted := time.Since(began)

	// Wait for all of them.
	end := time.Now().Add(scaleDeadline)
	for {
		counts, err := stores[0].CountDomainsByStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts[models.StatusConfigured] == scaleDomains {
			break
		}
		if counts[models.StatusFailed] > 0 || time.Now().After(end) {
			var stuck []string
			for _, ob := range obs {
				d, err := stores[0].GetDomain(ctx, models.Scope{}, ob.id)
				if err == nil && d.Status != models.StatusConfigured {
					stuck = append(stuck, fmt.Sprintf("%s: %s (%s) sid=%q", d.Host, d.Status, d.StatusReason, d.DomainSID))
				}
			}
			if len(stuck) > 10 {
				stuck = append(stuck[:10], fmt.Sprintf("... and %d more", len(stuck)-10))
			}
			t.Fatalf("after %s: %v\n%s", time.Since(began).Round(time.Millisecond), counts, strings.Join(stuck, "\n"))
		}
		time.Sleep(250 * time.Millisecond)
	}
	took := time.Since(began)

	// Each side effect once per domain.
	created, certs := cf.RecordsCreated(), tw.CertRequests()
	if len(created) != scaleDomains || len(certs) != scaleDomains {
		t.Errorf("%d domains with records created and %d with certificate requests, want %d each", len(created), len(certs), scaleDomains)
	}
	for _, ob := range obs {
		if n := created[ob.host]; n != 1 {
			t.Errorf("%s: %d CNAME records created, want 1", ob.host, n)
		}
		if n := certs[ob.sid]; n != 1 {
			t.Errorf("%s: %d certificate requests, want 1", ob.host, n)
		}
		if n := len(cf.RecordsAt(ob.host)); n != 1 {
			t.Errorf("%s: %d records at the fake, want 1", ob.host, n)
		}
	}
	// Timelines in order, each step once.
	skipped := 0
	for _, ob := range obs {
		evs, err := stores[0].DomainEvents(ctx, models.Scope{}, ob.id)
		if err != nil {
			t.Fatal(err)
		}
		var path []string
		steps := map[string]int{}
		for j, ev := range evs {
			if j > 0 && ev.At.Before(evs[j-1].At) {
				t.Errorf("%s: timeline out of order at %d", ob.host, j)
			}
			if ev.From != ev.To || j == 0 {
				path = append(path, string(ev.To))
			}
			for _, step := range []string{"CNAME ", "DNS verified", "Twilio validated the DNS", "managed certificate requested", "certificate issued", "domain configured"} {
				if strings.HasPrefix(ev.Reason, step) {
					steps[step]++
				}
			}
		}
		p := strings.Join(path, " → ")
		switch p {
		case "pending → dns_pending → ssl_pending → configured":
			skipped++ // the SID was in before DNS was verified
		case "pending → dns_pending → awaiting_domain_sid → ssl_pending → configured":
		default:
			t.Errorf("%s: status path %s", ob.host, p)
		}
		for step, n := range steps {
			if n != 1 {
				t.Errorf("%s: step %q recorded %d times", ob.host, step, n)
			}
		}
		if len(steps) != 6 {
			t.Errorf("%s: steps recorded %v", ob.host, steps)
		}
	}

	// Every worker took a share.
	share := map[string]int{}
	rows, err := stores[0].DB().SQL.QueryContext(ctx,
		`SELECT attempted_by[array_length(attempted_by, 1)], count(*) FROM river_job WHERE state = 'completed' GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var w string
		var n int
		if err := rows.Scan(&w, &n); err != nil {
			t.Fatal(err)
		}
		share[w] = n
	}
	_ = rows.Close()
	for i := range engines {
		if share[fmt.Sprintf("worker-%d", i)] == 0 {
			t.Errorf("worker-%d completed no job: %v", i, share)
		}
	}
	var errored int
	if err := stores[0].DB().SQL.QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE cardinality(errors) > 0`).Scan(&errored); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	rows, err = stores[0].DB().SQL.QueryContext(ctx, `SELECT kind, e->>'error' FROM river_job, jsonb_array_elements(to_jsonb(errors)) AS e`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var kind, msg string
		if err := rows.Scan(&kind, &msg); err != nil {
			t.Fatal(err)
		}
		kinds[kind+": "+msg]++
	}
	_ = rows.Close()
	for k, n := range kinds {
		t.Logf("job error ×%d: %s", n, k)
	}
	names := make([]string, 0, len(share))
	for w := range share {
		names = append(names, fmt.Sprintf("%s=%d", w, share[w]))
	}
	sort.Strings(names)
	t.Logf("%d onboardings on %d workers: submitted in %s, all configured after %s; %d skipped awaiting_domain_sid; jobs completed per worker: %s; jobs that met an error: %d; warnings logged: %d",
		scaleDomains, scaleWorkers, submitted.Round(time.Millisecond), took.Round(time.Millisecond), skipped,
		strings.Join(names, " "), errored, warnings.count())
}

// submitSID submits a Domain SID, trying again while a workflow step
// moves the domain at the same moment (409 invalid_state: "try again").
func submitSID(ctx context.Context, e *workflows.Engine, id, sid string) error {
	for attempt := 0; ; attempt++ {
		_, err := e.SubmitDomainSID(ctx, models.Scope{}, id, sid, "test")
		var me *models.Error
		if err == nil || attempt == 20 || !errors.As(err, &me) || me.Kind != models.KindConflict {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// countingHandler is a slog.Handler that counts warnings and errors.
type countingHandler struct {
	mu sync.Mutex
	n  int
}

func (h *countingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h *countingHandler) Handle(context.Context, slog.Record) error {
	h.mu.Lock()
	h.n++
	h.mu.Unlock()
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }
func (h *countingHandler) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

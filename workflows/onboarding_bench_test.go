package workflows_test

// BenchmarkOnboarding (issue 18): self-setup onboardings through the real
// engine against the fakes with 20 ms of latency per call.
//
//   - limits: the fakes enforce Cloudflare's global rate limit as
//     documented (1,200 requests per window per token; over it, the token
//     is blocked for a window) and Twilio's account concurrency limit
//     (100). Every zone is reached with one token — a platform managing
//     its clients' zones — so the Cloudflare limit binds. Reports the time
//     against the bound the limits set (the fewest windows the Cloudflare
//     requests need: floor((requests-1)/1200) windows) and the 429s the
//     fakes answered, which must be 0.
//   - nolimits/engines=1 and engines=3: the limits lifted, one engine and
//     then three (each with its own connection pool, as separate
//     processes) on one PostgreSQL; reports domains/s. The ratio is the
//     scale-out.
//
// Run: go test ./workflows -run '^$' -bench Onboarding -benchtime 1x
// with TEST_DATABASE_URL (PostgreSQL). ONBOARDING_BENCH_DOMAINS (default
// 1000) sets the size; ONBOARDING_BENCH_CF_WINDOW (default 30s) the
// Cloudflare window: Cloudflare's is 5m, which makes the run about 20
// minutes; the shorter window keeps 1,200 requests per window.

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/mocks/world"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/workflows"
)

const (
	onbLatency     = 20 * time.Millisecond
	onbConcurrency = 100 // Twilio's usual account concurrency limit
)

func onbEnvInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func onbEnvDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

func BenchmarkOnboarding(b *testing.B) {
	n := onbEnvInt("ONBOARDING_BENCH_DOMAINS", 1000)
	window := onbEnvDuration("ONBOARDING_BENCH_CF_WINDOW", 30*time.Second)
	limit := mocks.CloudflareRateLimit{N: mocks.DefaultCloudflareRateLimit.N, Window: window}
	b.Run("postgres/limits/engines=1", func(b *testing.B) {
		r := benchOnboarding(b, n, 1, limit, onbConcurrency, false)
		bound := time.Duration((r.cfRequests-1)/limit.N) * limit.Window
		if tw := time.Duration(r.twRequests) * onbLatency / onbConcurrency; tw > bound {
			bound = tw
		}
		b.ReportMetric(r.took.Seconds(), "s")
		b.ReportMetric(bound.Seconds(), "bound-s")
		b.ReportMetric(bound.Seconds()/r.took.Seconds(), "of-bound")
		b.ReportMetric(float64(r.refused), "429s")
		b.Logf("%d onboardings, limits on (Cloudflare %d per %s, Twilio %d in flight), 20 ms fakes: %s (%.1f domains/s); %d Cloudflare and %d Twilio requests; bound %s = %.0f%% of it; %d answered 429",
			n, limit.N, limit.Window, onbConcurrency, r.took.Round(time.Millisecond), float64(n)/r.took.Seconds(),
			r.cfRequests, r.twRequests, bound, 100*bound.Seconds()/r.took.Seconds(), r.refused)
		if r.refused != 0 {
			b.Errorf("the fakes answered %d requests with 429", r.refused)
		}
	})
	for _, wake := range []string{"poll", "notify"} {
		var perEngine [4]float64
		for _, engines := range []int{1, 3} {
			b.Run(fmt.Sprintf("postgres/nolimits/%s/engines=%d", wake, engines), func(b *testing.B) {
				r := benchOnboarding(b, n, engines, mocks.CloudflareRateLimit{}, 0, wake == "poll")
				rate := float64(n) / r.took.Seconds()
				perEngine[engines] = rate
				b.ReportMetric(r.took.Seconds(), "s")
				b.ReportMetric(rate, "domains/s")
				b.ReportMetric(r.cpu.Seconds()/r.took.Seconds(), "process-cores")
				b.ReportMetric(r.idle, "machine-idle")
				if engines > 1 && perEngine[1] > 0 {
					b.ReportMetric(rate/perEngine[1], "x-one-engine")
				}
				b.Logf("%d onboardings on %d engines (%s), no limits, 20 ms fakes: %s, %.1f domains/s; this process used %.2f cores, the machine was %.0f%% idle",
					n, engines, wake, r.took.Round(time.Millisecond), rate, r.cpu.Seconds()/r.took.Seconds(), 100*r.idle)
			})
		}
		if perEngine[1] > 0 && perEngine[3] > 0 {
			b.Logf("scale-out (%s): 3 engines ÷ 1 = %.2f", wake, perEngine[3]/perEngine[1])
		}
	}
}

// cpuTimes returns this process's CPU time and the machine's idle and
// total jiffies (Linux /proc; zeros elsewhere).
func cpuTimes() (proc time.Duration, idle, total float64) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		proc = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return proc, 0, 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseFloat(f, 64)
		total += v
		if i == 3 || i == 4 { // idle, iowait
			idle += v
		}
	}
	return proc, idle, total
}

type onbResult struct {
	took, cpu              time.Duration
	idle                   float64 // share of the machine's CPU time idle
	cfRequests, twRequests int
	refused                int64
}

// benchOnboarding runs n self-setup onboardings on engines engines sharing
// one PostgreSQL database, each engine with its own pool, against one set
// of fakes with 20 ms of latency (and the limits given).
func benchOnboarding(b *testing.B, n, engines int, cfLimit mocks.CloudflareRateLimit, twLimit int, pollOnly bool) onbResult {
	url := dbtest.PostgresURL(b)
	ctx := context.Background()
	w, err := world.New(world.Config{
		Twilio: mocks.TwilioConfig{AccountSID: scaleAccount, AuthToken: scaleToken, ExpectedCNAMETarget: scaleTarget,
			Latency: mocks.Latency{Fixed: onbLatency}, ConcurrencyLimit: twLimit},
		Cloudflare: mocks.CloudflareConfig{Latency: mocks.Latency{Fixed: onbLatency}, RateLimit: cfLimit},
	})
	if err != nil {
		b.Fatal(err)
	}
	keys, err := models.ParseKeyRing(models.NewKeyRingValue("k1"))
	if err != nil {
		b.Fatal(err)
	}
	stores, es := startEngines(b, url, engines, workflows.Config{
		Logger: slog.New(slog.DiscardHandler),
		DNS:    w.DNSFactories, LinkShortening: w.LinkShortening, Resolver: w.DNS, Keys: keys,
		PublicURL: "https://linkgate.test", Intervals: workflows.SandboxIntervals(),
		// Unique per run: the worker lock (resume.go) is per database.
		ClientID: fmt.Sprintf("bench-%d", time.Now().UnixNano()), PollOnly: pollOnly,
	})

	// n clients, a zone each. With the limits on, every zone is reached
	// with one token (a platform's), so that Cloudflare's per-token limit
	// binds; without, each client has its own token, as the adapter paces
	// every token at Cloudflare's limit whatever the fake does.
	type onboarding struct{ id, host, sid, token string }
	obs := make([]*onboarding, n)
	zoneIDs := make([]string, n)
	for i := range obs {
		apex := fmt.Sprintf("onb%05d.com", i)
		c, err := stores[0].CreateClient(ctx, models.ClientInput{Name: apex, Email: "owner@" + apex})
		if err != nil {
			b.Fatal(err)
		}
		d, err := stores[0].CreateDomain(ctx, models.Scope{}, c.ID, models.DomainInput{Domain: apex},
			models.DNSDefaults{Target: scaleTarget, TTL: 600}, "bench")
		if err != nil {
			b.Fatal(err)
		}
		var tok string
		zoneIDs[i], tok = w.Cloudflare.AddZone(apex)
		obs[i] = &onboarding{id: d.ID, host: d.Host, token: tok}
	}
	if cfLimit.N > 0 {
		shared := w.Cloudflare.AddToken(zoneIDs...)
		for _, ob := range obs {
			ob.token = shared
		}
	}
	cfBefore := w.Cloudflare.Calls("", "")

	b.ResetTimer()
	cpu0, idle0, total0 := cpuTimes()
	began := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	work := make(chan int)
	for range 16 {
		wg.Go(func() {
			for i := range work {
				ob := obs[i]
				_, err := es[i%engines].Configure(ctx, models.Scope{}, ob.id, workflows.ConfigureInput{Mode: models.SetupSelf,
					Provider: "cloudflare", Credentials: map[string]string{"api_token": ob.token}}, "bench")
				if err != nil {
					errs <- fmt.Errorf("configure %s: %w", ob.host, err)
					continue
				}
				ob.sid = w.Twilio.RegisterDomain(ob.host)
				if err := submitSID(ctx, es[(i+1)%engines], ob.id, ob.sid); err != nil {
					errs <- fmt.Errorf("domain SID for %s: %w", ob.host, err)
				}
			}
		})
	}
	for i := range obs {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	if os.Getenv("ONBOARDING_BENCH_DEBUG") != "" {
		b.Logf("submitted in %s", time.Since(began))
	}
	end := time.Now().Add(time.Hour)
	for {
		counts, err := stores[0].CountDomainsByStatus(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if counts[models.StatusConfigured] == int64(n) {
			break
		}
		if counts[models.StatusFailed] > 0 || time.Now().After(end) {
			logFailed(ctx, b, stores[0])
			b.Fatalf("after %s: %v", time.Since(began).Round(time.Millisecond), counts)
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(began)
	b.StopTimer()
	cpu1, idle1, total1 := cpuTimes()
	if os.Getenv("ONBOARDING_BENCH_DEBUG") != "" {
		rows, err := stores[0].DB().SQL.QueryContext(ctx, `SELECT kind, count(*), avg(attempt), avg(extract(epoch from finalized_at - created_at)), max(extract(epoch from finalized_at - created_at)), min(created_at), max(finalized_at) FROM river_job GROUP BY kind ORDER BY 6`)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var kind string
			var cnt int
			var att, avg, mx sql.NullFloat64
			var first, last sql.NullTime
			if err := rows.Scan(&kind, &cnt, &att, &avg, &mx, &first, &last); err != nil {
				b.Fatal(err)
			}
			b.Logf("%-28s n=%4d attempts=%.1f avg=%.2fs max=%.2fs first=+%.2fs last=+%.2fs", kind, cnt, att.Float64, avg.Float64, mx.Float64, first.Time.Sub(began).Seconds(), last.Time.Sub(began).Seconds())
		}
		_ = rows.Close()
	}

	r := onbResult{took: took, cpu: cpu1 - cpu0, cfRequests: w.Cloudflare.Calls("", "") - cfBefore,
		refused: w.Cloudflare.RateLimited() + w.Twilio.RateLimited()}
	if total1 > total0 {
		r.idle = (idle1 - idle0) / (total1 - total0)
	}
	ops := []string{mocks.TwilioOpCertificate, mocks.TwilioOpCertificateV1, mocks.TwilioOpRequestManagedCert, mocks.TwilioOpValidateDNS,
		mocks.TwilioOpFetchConfig, mocks.TwilioOpUpdateConfig}
	for _, ob := range obs {
		for _, op := range ops {
			r.twRequests += w.Twilio.Calls(op, ob.sid)
		}
	}
	return r
}

// logFailed logs why the first failed domains failed.
func logFailed(ctx context.Context, b *testing.B, s *models.Store) {
	var failed []models.Domain
	if err := s.DB().Gorm.WithContext(ctx).Where("status = ?", models.StatusFailed).Limit(10).Find(&failed).Error; err != nil {
		b.Logf("reading the failed domains: %v", err)
		return
	}
	for _, d := range failed {
		b.Logf("failed %s: step %q: %s", d.Host, d.FailedStep, d.StatusReason)
	}
}

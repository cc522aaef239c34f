// Command lgload load-tests the domain list, GET /api/v1/domains, on
// PostgreSQL, and runs the bare SQL of the same pages the same way for
// comparison.
//
// Usage:
//
//	go run ./cmd/lgload -database-url 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
//
// With -seed (the default) it creates a fresh schema lgload_<random> in that
// database, applies the migrations with models.Migrate, and seeds -clients
// clients and -domains domains (COPY through the service's own *sql.DB):
// hosts such as ls.bramble17.com, the word drawn from 100 brand-like words
// (so each word matches about 1% of hosts), statuses spread over the 12
// lifecycle statuses with most configured or pending, ULID ids made by
// models.NewID in creation order. It then runs VACUUM ANALYZE, as
// autovacuum would have on a live table. The schema is dropped at the end
// unless -keep is given; a kept schema can be reused with -seed=false and a
// URL carrying search_path=<schema>,public.
//
// It creates an admin API key through the Store (left in place with
// -seed=false), serves the real HTTP application (handlers/app) on a loopback
// TCP listener, and runs each scenario with -concurrency workers for -duration
// (after -warmup), first over HTTP
// ("api": authentication, the store, JSON, HTTP) and then as the bare SELECT
// the store issues for the same page ("sql": the statement and arguments
// of Store.DomainPageStatement, run through database/sql on the same
// pool):
//
//	list      ?limit=50
//	status    ?status=configured&limit=50
//	q         ?q=<word>&limit=50             (rotating over -q words, ~1% each)
//	status+q  ?status=pending&q=<word>&limit=50
//	paging    ?limit=50, then following next_cursor for -pages pages
//
// It prints p50, p90, p99, max and requests/s per scenario and mode as a
// Markdown table on stdout. -explain also prints EXPLAIN (ANALYZE, BUFFERS)
// of each scenario's statement with both a custom and a generic plan (the
// pool's pgx connections prepare and cache statements, so PostgreSQL may
// switch to the generic plan after five executions), and which of the two
// the pool's sessions actually used.
//
// To try a change before making it, -sql runs statements after seeding
// (then ANALYZE), e.g. a candidate index, and PostgreSQL settings can ride
// on the URL as runtime parameters (…&plan_cache_mode=force_custom_plan).
// -max-conns overrides the service's pool size; -cpuprofile profiles the
// measured runs; -scenarios, -modes and -q narrow what runs.
//
// Everything runs on this machine: the load generator, the service and
// PostgreSQL share its cores, so the numbers are an upper bound on latency
// for this hardware rather than the service's alone.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

// options are the command-line flags.
type options struct {
	DatabaseURL string
	Domains     int
	Clients     int
	Concurrency int
	Duration    time.Duration
	Warmup      time.Duration
	Seed        bool
	Keep        bool
	Pages       int
	Q           []string
	Scenarios   []string
	Modes       []string
	Explain     bool
	CPUProfile  string
	MaxConns    int
	SQL         string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lgload:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	var q, scenarios, modes string
	fs := flag.NewFlagSet("lgload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.DatabaseURL, "database-url", "", "PostgreSQL URL or key=value DSN (required)")
	fs.IntVar(&o.Domains, "domains", 100000, "domains to seed")
	fs.IntVar(&o.Clients, "clients", 100, "clients to seed")
	fs.IntVar(&o.Concurrency, "concurrency", 32, "concurrent workers per scenario")
	fs.DurationVar(&o.Duration, "duration", 20*time.Second, "measured time per scenario and mode")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "unmeasured time before each run")
	fs.BoolVar(&o.Seed, "seed", true, "create a fresh schema and seed it (false: use the URL's data as it is)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the seeded schema at the end")
	fs.IntVar(&o.Pages, "pages", 5, "pages the paging scenario follows before starting over")
	fs.StringVar(&q, "q", "", "comma-separated search words for the q scenarios (default: 8 of the seed words)")
	fs.StringVar(&scenarios, "scenarios", strings.Join(scenarioNames, ","), "comma-separated scenarios to run")
	fs.StringVar(&modes, "modes", "api,sql", "comma-separated modes: api (HTTP), sql (bare SELECT)")
	fs.BoolVar(&o.Explain, "explain", false, "print EXPLAIN (ANALYZE, BUFFERS) of each scenario's statement")
	fs.StringVar(&o.SQL, "sql", "", "SQL to run after migrating and seeding, before the runs (e.g. a candidate index); ANALYZE follows")
	fs.IntVar(&o.MaxConns, "max-conns", 0, "override the service's connection pool size (0: as models.Open sets it)")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the measured runs (load tool and service) to this file")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if o.DatabaseURL == "" {
		return o, fmt.Errorf("-database-url is required (PostgreSQL)")
	}
	if o.Domains < 1 || o.Clients < 1 || o.Concurrency < 1 || o.Duration <= 0 || o.Pages < 1 {
		return o, fmt.Errorf("-domains, -clients, -concurrency, -duration and -pages must be positive")
	}
	o.Q = splitList(q)
	o.Scenarios = splitList(scenarios)
	for _, s := range o.Scenarios {
		if !contains(scenarioNames, s) {
			return o, fmt.Errorf("unknown scenario %q (have %s)", s, strings.Join(scenarioNames, ", "))
		}
	}
	o.Modes = splitList(modes)
	for _, m := range o.Modes {
		if m != modeAPI && m != modeSQL {
			return o, fmt.Errorf("unknown mode %q (have api, sql)", m)
		}
	}
	return o, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
	}

	url := o.DatabaseURL
	if o.Seed {
		schemaURL, drop, err := createSchema(ctx, o.DatabaseURL, logf)
		if err != nil {
			return err
		}
		defer func() {
			if o.Keep {
				logf("kept the schema; reuse it with -seed=false -database-url '%s'", schemaURL)
				return
			}
			if err := drop(); err != nil {
				logf("drop schema: %v", err)
			}
		}()
		url = schemaURL
	}

	env, err := setup(ctx, url, o, logf)
	if err != nil {
		return err
	}
	defer env.close()

	scs, err := buildScenarios(ctx, env, o)
	if err != nil {
		return err
	}
	if o.Explain {
		if err := explainAll(ctx, env, scs, stdout); err != nil {
			return err
		}
	}
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var results []result
	for _, sc := range scs {
		for _, mode := range o.Modes {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			logf("scenario %s, %s: warm-up %s, then %s with %d workers", sc.name, mode, o.Warmup, o.Duration, o.Concurrency)
			res := runScenario(ctx, env, sc, mode, o)
			logf("  %s", res.summary())
			results = append(results, res)
		}
	}
	printHeader(ctx, stdout, env, o)
	printTable(stdout, results)
	if o.Explain {
		if err := printPlanUsage(ctx, env, stdout); err != nil {
			logf("plan usage: %v", err)
		}
	}
	return nil
}

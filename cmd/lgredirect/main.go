// Command lgredirect load-tests the tracked-link redirector with wrk on
// loopback (issue 16, "Performance") and, in the same run, a bare
// net/http handler answering 302, so the redirector's rate is reported as
// a ratio of what this machine can do at all.
//
// Usage:
//
//	go run ./cmd/lgredirect                       # SQLite in a temporary directory
//	go run ./cmd/lgredirect -database-url 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
//
// It migrates a fresh database (PostgreSQL: a schema lgredirect_<random>,
// dropped at the end), stores -links tracked links of one client through
// the store (models.Store.TrackMessages, as POST /links/rewrite does),
// serves the redirector (handlers/redirect, the same assembly as
// `linkgate serve` puts in front of the app) and the bare handler on
// loopback listeners, and runs wrk against each for -duration with
// -connections connections on -threads threads. Every request asks for a
// distinct stored ref (wrk's Lua script walks the refs; -links must exceed
// the requests all runs make, or refs repeat and the tool says so). Each
// click is committed before its 302. After the runs it counts the stored
// clicks: at least the 302s wrk saw.
//
// The two targets take turns for -rounds rounds (bare, then the
// redirector): the machine's load drifts (bare's rate moved by a quarter
// between runs a minute apart), so the ratio reported is the median of
// the rounds' ratios, each of a bare run and the redirector's run right
// after it. A redirector's run lasts until its clicks are in the
// database (Flush after wrk's end): its requests/s and CPU count that
// time, so no ingest work is left to the next run. It prints requests/s,
// p50 and p99 per round and target and the ratios as a Markdown table. wrk must be installed (Debian: apt-get install wrk).
// The load generator, the service and the database share this machine's
// cores, so the ratio is the figure to compare between machines.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/linkgate/linkgate/handlers/redirect"
	"github.com/linkgate/linkgate/models"
)

type options struct {
	DatabaseURL string
	Links       int
	Duration    time.Duration
	Rounds      int
	Connections int
	Threads     int
	Wrk         string
	Batch       int
	Workers     int
	LinkCache   int
	Cold        bool
	SyncClicks  bool
	CPUProfile  string
	IngestProc  bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lgredirect:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("lgredirect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.DatabaseURL, "database-url", "", "PostgreSQL URL (empty: SQLite in a temporary directory)")
	fs.IntVar(&o.Links, "links", 1000000, "tracked links to store (more than the redirector's requests in all rounds)")
	fs.DurationVar(&o.Duration, "duration", 2*time.Second, "wrk's run time per target and round")
	fs.IntVar(&o.Rounds, "rounds", 7, "rounds of bare then redirector; the ratio reported is the median of the rounds'")
	fs.IntVar(&o.Connections, "connections", 64, "wrk's connections")
	fs.IntVar(&o.Threads, "threads", 2, "wrk's threads")
	fs.StringVar(&o.Wrk, "wrk", "wrk", "the wrk binary")
	fs.IntVar(&o.Batch, "batch", 0, "the redirector's batch size (0: its default)")
	fs.IntVar(&o.Workers, "workers", 0, "the redirector's lookup workers (0: its default)")
	fs.BoolVar(&o.SyncClicks, "sync-clicks", false, "fdatasync each group of clicks before their 302s (LINKGATE_CLICK_SYNC)")
	fs.IntVar(&o.LinkCache, "link-cache", -1, "links per generation of the store's cache of fresh links (-1: its default, or half of -links if more, so that every link stored stays in it; 0: off, every ref looked up in the database)")
	fs.BoolVar(&o.Cold, "cold", false, "empty the cache of fresh links after storing the links: every ref is first looked up in the database (links older than the cache holds, or after a restart)")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of this process during the redirector's run to this file, and during the bare handler's to this file + \".bare\"")
	fs.BoolVar(&o.IngestProc, "ingest-proc", true, "raise GOMAXPROCS by one for the click ingest, as `linkgate serve` does (LINKGATE_INGEST_PROC); the bare handler runs with it too")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if o.Links < 1 || o.Duration <= 0 || o.Connections < 1 || o.Threads < 1 || o.Rounds < 1 {
		return o, errors.New("-links, -duration, -rounds, -connections and -threads must be positive")
	}
	return o, nil
}

const host = "dyn.test"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if _, err := exec.LookPath(o.Wrk); err != nil {
		return fmt.Errorf("wrk not found (%v): install it (apt-get install wrk) or give -wrk", err)
	}
	dir, err := os.MkdirTemp("", "lgredirect")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, engine, cleanup, err := openDB(ctx, o.DatabaseURL, dir)
	if err != nil {
		return err
	}
	defer cleanup()
	store := models.NewStore(db, nil)
	store.SetTrackingDomain(host)
	cacheSize := o.LinkCache
	if cacheSize < 0 {
		// The cache keeps one to two generations: every fresh link fits.
		cacheSize = max(models.DefaultLinkCacheSize, (o.Links+1)/2)
	}
	store.SetLinkCache(cacheSize, 0)
	fmt.Fprintf(stderr, "storing %d links on %s...\n", o.Links, engine)
	refs, err := seed(ctx, store, o.Links)
	if err != nil {
		return err
	}
	if o.Cold {
		store.SetLinkCache(cacheSize, 0) // a new, empty cache
	}
	refsFile := filepath.Join(dir, "refs.txt")
	if err := os.WriteFile(refsFile, []byte(strings.Join(refs, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	script := filepath.Join(dir, "refs.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o600); err != nil {
		return err
	}

	procs := runtime.GOMAXPROCS(0)
	if o.IngestProc {
		procs = redirect.AddIngestProc()
	}
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "https://acme.com/offer")
		w.WriteHeader(http.StatusFound)
	})
	rd, err := redirect.New(redirect.Config{Store: store, Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Batch: o.Batch, Workers: o.Workers, JournalDir: filepath.Join(dir, "clicks"), SyncClicks: o.SyncClicks})
	if err != nil {
		return err
	}
	defer rd.Close()
	targets := []struct {
		name string
		h    http.Handler
	}{{"bare net/http 302", bare}, {"redirector (" + engine + ")", rd.Wrap(http.NotFoundHandler())}}
	// Rounds alternate the two targets; each round's redirector run
	// starts at the first ref no earlier run asked for.
	var rounds [][2]result
	var used int64
	for round := range o.Rounds {
		var pair [2]result
		for i, target := range targets {
			stopProfile := func() {}
			if o.CPUProfile != "" && round == 0 {
				file := o.CPUProfile
				if i == 0 {
					file += ".bare"
				}
				if stopProfile, err = startProfile(file); err != nil {
					return err
				}
			}
			// The redirector's run ends when its clicks are in the
			// database: the ingest behind the load is its work too (and
			// would otherwise fall into the next bare run).
			var settle func() error
			if i == 1 {
				settle = func() error {
					fctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
					defer cancel()
					return rd.Flush(fctx)
				}
			}
			res, err := runWrk(ctx, o, db, target.h, script, refsFile, used, settle)
			stopProfile()
			if err != nil {
				return fmt.Errorf("%s: %w", target.name, err)
			}
			res.name = target.name
			pair[i] = res
			fmt.Fprintf(stderr, "round %d, %s: %.0f req/s, p99 %s, %d requests\n", round+1, target.name, res.rps, res.p99, res.requests)
		}
		used += pair[1].requests
		rounds = append(rounds, pair)
	}
	if used > int64(len(refs)) {
		fmt.Fprintf(stderr, "warning: %d requests for %d refs: refs repeated; give more -links\n", used, len(refs))
	}
	// Every answered click is in the journal; the database gets them in
	// batches behind the load. Wait for it to catch up.
	flushBegan := time.Now()
	fctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	err = rd.Flush(fctx)
	cancel()
	if err != nil {
		return fmt.Errorf("the clicks did not reach the database: %w", err)
	}
	catchUp := time.Since(flushBegan)
	var stored int64
	if err := db.Gorm.Model(&models.LinkClickRow{}).Count(&stored).Error; err != nil {
		return err
	}
	fmt.Fprintf(stdout, "GOMAXPROCS %d on %d CPUs, for both targets\n\n", procs, runtime.NumCPU())
	fmt.Fprintf(stdout, "| round | target | requests/s | p50 | p99 | errors | clicks stored after | of bare | CPU per request | bare's CPU ÷ this |\n|---|---|---|---|---|---|---|---|---|---|\n")
	var ratios, cpuRatios []float64
	var red result
	for i, pair := range rounds {
		for _, r := range pair {
			settled := "–"
			if r.settle > 0 {
				settled = r.settle.Round(time.Millisecond).String()
			}
			fmt.Fprintf(stdout, "| %d | %s | %.0f | %s | %s | %d | %s | %.2f | %.1f µs | %.2f |\n", i+1, r.name, r.rps, r.p50, r.p99, r.errors, settled,
				r.rps/pair[0].rps, float64(r.cpuPerRequest().Nanoseconds())/1e3,
				float64(pair[0].cpuPerRequest())/float64(r.cpuPerRequest()))
		}
		ratios = append(ratios, pair[1].rps/pair[0].rps)
		cpuRatios = append(cpuRatios, float64(pair[0].cpuPerRequest())/float64(pair[1].cpuPerRequest()))
		red.requests += pair[1].requests
		red.errors += pair[1].errors
		red.settle += pair[1].settle
	}
	fmt.Fprintf(stdout, "\nthe redirector's rate of bare's, median of %d rounds: **%.2f** (each: %s); bare's CPU per request ÷ the redirector's, median: %.2f\n",
		len(rounds), median(ratios), formatRatios(ratios), median(cpuRatios))
	fmt.Fprintf(stdout, "\nCPU per request counts this process (the server), wrk and the PostgreSQL backends of the pool; on a busy machine its ratio\n"+
		"estimates the rate ratio the machine would reach with only this load, CPU-bound.\n")
	seconds := (time.Duration(o.Rounds)*o.Duration + red.settle + catchUp).Seconds()
	fmt.Fprintf(stdout, "\nclicks stored: %d; requests wrk completed against the redirector: %d; the database had them all %s after the load ended"+
		" (sustained over the redirector's runs: %.0f clicks/s)\n", stored, red.requests, catchUp.Round(time.Millisecond), float64(red.requests)/seconds)
	if red.errors > 0 {
		return fmt.Errorf("%d requests to the redirector did not get a 302", red.errors)
	}
	if stored < red.requests {
		return fmt.Errorf("%d clicks stored for %d answered requests: clicks were lost", stored, red.requests)
	}
	return nil
}

// openDB opens and migrates SQLite in dir or a fresh PostgreSQL schema.
func openDB(ctx context.Context, url, dir string) (*models.DB, string, func(), error) {
	if url == "" {
		db, err := models.Open(ctx, models.DBConfig{DataDir: dir})
		if err != nil {
			return nil, "", nil, err
		}
		if _, err := models.Migrate(ctx, db); err != nil {
			db.Close()
			return nil, "", nil, err
		}
		return db, "SQLite", func() { db.Close() }, nil
	}
	admin, err := models.Open(ctx, models.DBConfig{DatabaseURL: url})
	if err != nil {
		return nil, "", nil, err
	}
	schema := fmt.Sprintf("lgredirect_%d", time.Now().UnixNano())
	if err := admin.Gorm.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		admin.Close()
		return nil, "", nil, err
	}
	drop := func() {
		_ = admin.Gorm.Exec("DROP SCHEMA " + schema + " CASCADE").Error
		admin.Close()
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	db, err := models.Open(ctx, models.DBConfig{DatabaseURL: url + sep + "search_path=" + schema + "&application_name=" + appName})
	if err != nil {
		drop()
		return nil, "", nil, err
	}
	if _, err := models.Migrate(ctx, db); err != nil {
		db.Close()
		drop()
		return nil, "", nil, err
	}
	return db, "PostgreSQL", func() { db.Close(); drop() }, nil
}

// seed stores n one-link messages of one client, 1,000 per transaction.
func seed(ctx context.Context, store *models.Store, n int) ([]string, error) {
	c, err := store.CreateClient(ctx, models.ClientInput{Name: "Load", Email: "load@acme.com"})
	if err != nil {
		return nil, err
	}
	refs := make([]string, 0, n)
	for len(refs) < n {
		msgs := make([]models.MessageToTrack, min(1000, n-len(refs)))
		for i := range msgs {
			msgs[i] = models.MessageToTrack{Body: fmt.Sprintf("Offer %d: https://acme.com/offer/%d", len(refs)+i, len(refs)+i)}
		}
		out, err := store.TrackMessages(ctx, c.ID, models.TrackingAll, msgs)
		if err != nil {
			return nil, err
		}
		for _, m := range out {
			refs = append(refs, m.Links[0].Ref)
		}
	}
	return refs, nil
}

// wrkScript gives each wrk thread every threads-th ref from the from-th
// on, in turn, with the tracking host as Host.
const wrkScript = `
local threads = {}
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  refs = {}
  local n = tonumber(args[2])
  local from = tonumber(args[3])
  local i = 0
  for line in io.lines(args[1]) do
    if i >= from and (i - from) % n == id then refs[#refs + 1] = line end
    i = i + 1
  end
  pos = 1
  wrk.headers["Host"] = "` + host + `"
end
function request()
  local ref = refs[pos]
  pos = pos + 1
  if pos > #refs then pos = 1 end
  return wrk.format("GET", "/" .. ref)
end
`

type result struct {
	name     string
	rps      float64
	p50, p99 string
	requests int64
	errors   int64
	// cpu is the CPU time the run cost this process (server), wrk and
	// the PostgreSQL server's processes together.
	cpu time.Duration
	// settle is how long after wrk's end the run's clicks took to reach
	// the database; rps and cpu include it.
	settle time.Duration
}

// cpuPerRequest is the run's CPU time per answered request.
func (r result) cpuPerRequest() time.Duration {
	if r.requests == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.requests)
}

var (
	rpsLine    = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reqLine    = regexp.MustCompile(`(\d+) requests in`)
	p50Line    = regexp.MustCompile(`\s50%\s+(\S+)`)
	p99Line    = regexp.MustCompile(`\s99%\s+(\S+)`)
	nonOKLine  = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	errorsLine = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// runWrk serves h on a loopback listener and runs wrk against it.
func runWrk(ctx context.Context, o options, db *models.DB, h http.Handler, script, refsFile string, from int64, settle func() error) (result, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return result{}, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	pids := backends(ctx, db)
	selfBefore, pgBefore := selfCPU(), postgresCPU(pids)
	cmd := exec.CommandContext(ctx, o.Wrk, "-t", strconv.Itoa(o.Threads), "-c", strconv.Itoa(o.Connections),
		"-d", o.Duration.String(), "--latency", "-s", script, "http://"+ln.Addr().String()+"/", "--", refsFile, strconv.Itoa(o.Threads), strconv.FormatInt(from, 10))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	var r result
	if settle != nil {
		began := time.Now()
		if err := settle(); err != nil {
			return result{}, err
		}
		r.settle = time.Since(began)
	}
	r.cpu = selfCPU() - selfBefore + postgresCPU(pids) - pgBefore +
		cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	text := string(out)
	if m := rpsLine.FindStringSubmatch(text); m != nil {
		r.rps, _ = strconv.ParseFloat(m[1], 64)
		// The time settling took counts as the run's.
		r.rps *= o.Duration.Seconds() / (o.Duration + r.settle).Seconds()
	}
	if m := reqLine.FindStringSubmatch(text); m != nil {
		r.requests, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := p50Line.FindStringSubmatch(text); m != nil {
		r.p50 = m[1]
	}
	if m := p99Line.FindStringSubmatch(text); m != nil {
		r.p99 = m[1]
	}
	if m := nonOKLine.FindStringSubmatch(text); m != nil {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		r.errors += n
	}
	if m := errorsLine.FindStringSubmatch(text); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.ParseInt(s, 10, 64)
			r.errors += n
		}
	}
	if r.rps == 0 {
		return r, fmt.Errorf("could not read wrk's output:\n%s", text)
	}
	return r, nil
}

// selfCPU is this process's user and system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// appName marks the tool's PostgreSQL sessions (pg_stat_activity).
const appName = "lgredirect"

// backends are the PostgreSQL server processes of the tool's pool, opened
// first (nil on SQLite, which runs in this process): other work on the
// same server is not counted.
func backends(ctx context.Context, db *models.DB) []int {
	if db.Dialect != models.Postgres {
		return nil
	}
	// Open the pool's connections so that their processes exist.
	conns := make([]*sql.Conn, 0, 20)
	for range 20 {
		c, err := db.SQL.Conn(ctx)
		if err != nil {
			break
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		_ = c.Close()
	}
	var pids []int
	_ = db.Gorm.WithContext(ctx).Raw(`SELECT pid FROM pg_stat_activity WHERE application_name = ?`, appName).Scan(&pids).Error
	return pids
}

// postgresCPU is the user and system CPU time of the processes so far,
// from /proc. Linux counts it in ticks of 1/100 s.
func postgresCPU(pids []int) time.Duration {
	var ticks int64
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: the fields after comm, which may
		// hold spaces, start after its closing parenthesis.
		st := string(b)
		end := strings.LastIndexByte(st, ')')
		if end < 0 {
			continue
		}
		f := strings.Fields(st[end+1:])
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		k, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + k
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// startProfile starts a CPU profile into path; the function stops it.
func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// median of xs (not empty).
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func formatRatios(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, ", ")
}

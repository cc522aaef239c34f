package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"sync"
	"time"
)

// op does one request and returns how many domains it got.
type op func(ctx context.Context) (int, error)

// newOp returns worker w's request loop step for a scenario and mode.
func (e *env) newOp(sc *scenario, mode string, w int) op {
	if sc.paging {
		return e.pagingOp(sc, mode)
	}
	i := w // workers start at different requests of the rotation
	var body bytes.Buffer
	return func(ctx context.Context) (int, error) {
		r := sc.reqs[i%len(sc.reqs)]
		i++
		if mode == modeSQL {
			p, err := e.runSQL(ctx, r.Stmt, false)
			return min(p.rows, pageLimit), err
		}
		_, n, err := e.apiGet(ctx, &body, r.Path, false)
		return n, err
	}
}

// pagingOp follows the cursor from the first page for sc.pages pages, then
// starts over.
func (e *env) pagingOp(sc *scenario, mode string) op {
	page, cursor := 0, ""
	var body bytes.Buffer
	return func(ctx context.Context) (int, error) {
		var n int
		var next string
		var err error
		if mode == modeSQL {
			s := sc.first.Stmt
			if page > 0 {
				s = statement{SQL: sc.next.SQL, Args: slices.Clone(sc.next.Args)}
				s.Args[sc.cursorArg] = cursor
			}
			var p sqlPage
			p, err = e.runSQL(ctx, s, false)
			n, next = min(p.rows, pageLimit), p.cursorID
		} else {
			path := sc.first.Path
			if page > 0 {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			next, n, err = e.apiGet(ctx, &body, path, true)
		}
		page++
		cursor = next
		if err != nil || next == "" || page >= sc.pages {
			page, cursor = 0, ""
		}
		return n, err
	}
}

// apiGet does one GET and reads the whole body into buf (the worker's,
// used again: the load tool shares the service's cores). It returns
// next_cursor when asked, and roughly how many domains the page held.
func (e *env) apiGet(ctx context.Context, buf *bytes.Buffer, path string, wantCursor bool) (string, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.baseURL+path, nil)
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Authorization", "Bearer "+e.key)
	resp, err := e.client.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return "", 0, err
	}
	body := buf.Bytes()
	if resp.StatusCode != http.StatusOK {
		return "", 0, fmt.Errorf("GET %s: %s: %.200s", path, resp.Status, body)
	}
	n := countDomains(body)
	if !wantCursor {
		return "", n, nil
	}
	c, err := nextCursor(body)
	return c, n, err
}

// countDomains counts the "dns_records" members: one per domain.
func countDomains(body []byte) int { return bytes.Count(body, []byte(`"dns_records":`)) }

// result is one scenario run in one mode.
type result struct {
	scenario, query, mode, note string
	n, errs                     int
	firstErr                    error
	elapsed                     time.Duration
	lat                         []time.Duration // sorted
	rows                        int64
	cpu                         cpuUse
}

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	// Nearest rank: the smallest latency at or above p% of the requests.
	i := int(math.Ceil(float64(len(r.lat))*p/100)) - 1
	return r.lat[max(0, min(i, len(r.lat)-1))]
}

func (r result) rps() float64 { return float64(r.n) / r.elapsed.Seconds() }

func (r result) summary() string {
	s := fmt.Sprintf("%d requests, %.0f/s, p50 %s p90 %s p99 %s max %s, %d errors",
		r.n, r.rps(), ms(r.pct(50)), ms(r.pct(90)), ms(r.pct(99)), ms(r.pct(100)), r.errs)
	if r.cpu.ok {
		s += fmt.Sprintf("; CPU cores: lgload %.2f, postgres %.2f (this database %.2f), other %.2f", r.cpu.self, r.cpu.postgres, r.cpu.ours, r.cpu.other)
	}
	if r.firstErr != nil {
		s += " (first: " + r.firstErr.Error() + ")"
	}
	return s
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

// runScenario warms up, then measures.
func runScenario(ctx context.Context, e *env, sc *scenario, mode string, o options) result {
	if o.Warmup > 0 {
		e.load(ctx, sc, mode, o.Concurrency, o.Warmup)
	}
	r := e.load(ctx, sc, mode, o.Concurrency, o.Duration)
	r.scenario, r.query, r.mode, r.note = sc.name, sc.query, mode, sc.note
	return r
}

// load runs conc workers for d, each issuing requests back to back.
func (e *env) load(ctx context.Context, sc *scenario, mode string, conc int, d time.Duration) result {
	type workerResult struct {
		lat      []time.Duration
		errs     int
		firstErr error
		rows     int64
	}
	out := make([]workerResult, conc)
	var wg sync.WaitGroup
	pids := e.backendPIDs(ctx)
	before := sampleCPU(pids)
	start := time.Now()
	deadline := start.Add(d)
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			do := e.newOp(sc, mode, w)
			wr := &out[w]
			wr.lat = make([]time.Duration, 0, 4096)
			for ctx.Err() == nil {
				t := time.Now()
				if !t.Before(deadline) {
					return
				}
				n, err := do(ctx)
				lat := time.Since(t)
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					wr.errs++
					if wr.firstErr == nil {
						wr.firstErr = err
					}
					continue
				}
				wr.lat = append(wr.lat, lat)
				wr.rows += int64(n)
			}
		}()
	}
	wg.Wait()
	r := result{elapsed: time.Since(start), cpu: before.use(sampleCPU(pids))}
	for _, wr := range out {
		r.lat = append(r.lat, wr.lat...)
		r.errs += wr.errs
		r.rows += wr.rows
		if r.firstErr == nil {
			r.firstErr = wr.firstErr
		}
	}
	r.n = len(r.lat)
	slices.Sort(r.lat)
	return r
}

// printHeader says what was measured, where.
func printHeader(ctx context.Context, w io.Writer, e *env, o options) {
	var version string
	var domains int64
	err := errors.Join(
		e.db.SQL.QueryRowContext(ctx, "SHOW server_version").Scan(&version),
		e.db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM domains").Scan(&domains),
	)
	if err != nil {
		fmt.Fprintf(w, "(could not read the server: %v)\n", err)
	}
	fmt.Fprintf(w, "\nlgload: PostgreSQL %s, %d domains, %d concurrent workers, %s per run (after %s warm-up)\n",
		version, domains, o.Concurrency, o.Duration, o.Warmup)
	fmt.Fprintf(w, "machine: %d CPUs, GOMAXPROCS %d, %s/%s, %s; service pool max %d connections; load tool, service and PostgreSQL on the same machine\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version(), e.db.SQL.Stats().MaxOpenConnections)
	fmt.Fprintln(w, "api = GET over HTTP/1.1 keep-alive on loopback (auth + store + JSON); sql = the store's SELECT for the same page via database/sql on the same pool")
	fmt.Fprintln(w, "CPU: cores used during the run by this process (load tool + service), by all postgres processes (other sessions' included; in brackets the backends of this database), and by everything else on the machine; ms/req = (lgload + postgres) CPU per request, and (lgload + this database's backends) CPU per request")
	fmt.Fprintln(w)
}

// printTable prints the results as a Markdown table.
func printTable(w io.Writer, rs []result) {
	fmt.Fprintln(w, "| scenario | request | mode | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | rows/page | errors | CPU cores lgload / postgres (this DB) / other | CPU ms/req | CPU ms/req, this DB |")
	fmt.Fprintln(w, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	var notes []string
	for _, r := range rs {
		rowsPer := 0.0
		if r.n > 0 {
			rowsPer = float64(r.rows) / float64(r.n)
		}
		cpu, perReq, perReqOurs := "n/a", "n/a", "n/a"
		if r.cpu.ok && r.n > 0 {
			cpu = fmt.Sprintf("%.2f / %.2f (%.2f) / %.2f", r.cpu.self, r.cpu.postgres, r.cpu.ours, r.cpu.other)
			perReq = fmt.Sprintf("%.2f", (r.cpu.self+r.cpu.postgres)*r.elapsed.Seconds()*1000/float64(r.n))
			perReqOurs = fmt.Sprintf("%.2f", (r.cpu.self+r.cpu.ours)*r.elapsed.Seconds()*1000/float64(r.n))
		}
		fmt.Fprintf(w, "| %s | `%s` | %s | %d | %.0f | %s | %s | %s | %s | %.1f | %d | %s | %s | %s |\n",
			r.scenario, r.query, r.mode, r.n, r.rps(), ms(r.pct(50)), ms(r.pct(90)), ms(r.pct(99)), ms(r.pct(100)), rowsPer, r.errs, cpu, perReq, perReqOurs)
		if r.note != "" && !slices.Contains(notes, r.scenario+": "+r.note) {
			notes = append(notes, r.scenario+": "+r.note)
		}
		if r.firstErr != nil {
			notes = append(notes, fmt.Sprintf("%s/%s first error: %v", r.scenario, r.mode, r.firstErr))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, "- "+n)
		}
	}
}

// backendPIDs are the PostgreSQL backends serving this database (the
// pool's connections and lgload's own), for their share of the CPU.
func (e *env) backendPIDs(ctx context.Context) map[int]bool {
	pids := map[int]bool{}
	rows, err := e.db.SQL.QueryContext(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
	if err != nil {
		return pids
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			pids[pid] = true
		}
	}
	return pids
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// TestRedirectCrashDrill (issue 16, "Done when"): a `linkgate serve` in
// sandbox mode answers a redirect load on its tracking host (dyn.test,
// the sandbox's LINKGATE_TRACKING_DOMAIN) and is killed with SIGKILL in
// the middle of it. Restarted on the same data directory, every 302 the
// load saw has its click stored, ref by ref (a click may be stored whose
// answer was lost with the process, not the other way round: the click
// journal held what the database did not have yet), and the links still
// redirect.
func TestRedirectCrashDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := linkgateBinary(t)
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			dir, dbURL := t.TempDir(), ""
			if engine == "postgres" {
				dbURL = dbtest.PostgresURL(t)
			}
			addr := loopbackAddr(t)
			p := startProcAt(t, bin, dir, dbURL, addr)
			a := p.api
			cl := a.newClient("acme.com")
			a.want(200, "PUT", "/api/v1/clients/"+cl+"/tracking", `{"mode":"all"}`)
			var refs []string
			urls := map[string]string{}
			for i := range 20 {
				var body strings.Builder
				for j := range 10 {
					fmt.Fprintf(&body, "https://acme.com/%d/%d ", i, j)
				}
				r := a.want(200, "POST", "/api/v1/links/rewrite", fmt.Sprintf(`{"client_id":%q,"body":%q}`, cl, body.String()))
				var out struct {
					Links []struct{ Ref, URL string } `json:"links"`
				}
				if err := json.Unmarshal([]byte(r.raw), &out); err != nil {
					t.Fatal(err)
				}
				for _, l := range out.Links {
					refs = append(refs, l.Ref)
					urls[l.Ref] = l.URL
				}
			}
			if len(refs) != 200 {
				t.Fatalf("%d refs, want 200", len(refs))
			}

			// The load: 16 clients tapping refs in turn, each 302 counted
			// per ref, until the process dies under them.
			var (
				mu       sync.Mutex
				answered = map[string]int{}
				total    atomic.Int64
				wg       sync.WaitGroup
			)
			noFollow := &http.Client{Timeout: 10 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			for w := range 16 {
				wg.Go(func() {
					for i := w; ; i += 16 {
						ref := refs[i%len(refs)]
						req, _ := http.NewRequest("GET", "http://"+addr+"/"+ref, nil)
						req.Host = "dyn.test"
						req.Header.Set("User-Agent", "Mozilla/5.0 (iPhone) Mobile")
						resp, err := noFollow.Do(req)
						if err != nil {
							return // the process is gone
						}
						resp.Body.Close()
						if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != urls[ref] {
							t.Errorf("%s: %d %q", ref, resp.StatusCode, resp.Header.Get("Location"))
							return
						}
						mu.Lock()
						answered[ref]++
						mu.Unlock()
						total.Add(1)
					}
				})
			}
			waitUntil(t, "500 redirects answered", 30*time.Second, func() bool { return total.Load() >= 500 })
			p.kill()
			wg.Wait()

			// Restarted on the same data directory: the clicks that were
			// answered but still in the journal are stored now.
			p2 := startProcAt(t, bin, dir, dbURL, addr)
			db, err := models.Open(context.Background(), models.DBConfig{DatabaseURL: dbURL, DataDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			stored := map[string]int{}
			sum := 0
			missing := func() string {
				var rows []struct {
					Ref string
					N   int
				}
				if err := db.Gorm.Raw("SELECT ref, COUNT(*) AS n FROM link_clicks GROUP BY ref").Scan(&rows).Error; err != nil {
					t.Fatal(err)
				}
				clear(stored)
				sum = 0
				for _, r := range rows {
					stored[r.Ref] = r.N
					sum += r.N
				}
				for ref, n := range answered {
					if stored[ref] < n {
						return fmt.Sprintf("%s: %d redirects answered, %d clicks stored", ref, n, stored[ref])
					}
				}
				return ""
			}
			deadline := time.Now().Add(30 * time.Second)
			for miss := missing(); miss != ""; miss = missing() {
				if time.Now().After(deadline) {
					t.Fatal(miss)
				}
				time.Sleep(20 * time.Millisecond)
			}
			t.Logf("%d redirects answered before the kill, %d clicks stored", total.Load(), sum)

			req, _ := http.NewRequest("GET", p2.api.base+"/"+refs[0], nil)
			req.Host = "dyn.test"
			resp, err := noFollow.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != urls[refs[0]] {
				t.Fatalf("after the restart: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}

package handlers_test

// The kit's own endpoints and middleware (health, readiness, metrics,
// request ids and the request log), driven through the whole HTTP layer.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// ---- operations endpoints ----

func TestAPIHealthAndReadiness(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		var notReady atomic.Pointer[error]
		e := handlertest.NewAPI(t, db, func(c *handlertest.Config) {
			c.Ready = func(ctx context.Context) error {
				if err := notReady.Load(); err != nil {
					return *err
				}
				return c.Store.DB().Ping(ctx)
			}
		})
		h := handlertest.Decode[map[string]string](t, e.Do(t, "GET", "/healthz", "", nil).Want(t, http.StatusOK))
		if h["status"] != "ok" || h["version"] != "test-version" {
			t.Errorf("/healthz = %v", h)
		}
		if r := handlertest.Decode[map[string]string](t, e.Do(t, "GET", "/readyz", "", nil).Want(t, http.StatusOK)); r["status"] != "ok" {
			t.Errorf("/readyz = %v", r)
		}
		err := errors.New("job engine: connection refused to secret-host:5432")
		notReady.Store(&err)
		r := e.Do(t, "GET", "/readyz", "", nil).Want(t, http.StatusServiceUnavailable)
		if got := handlertest.Decode[map[string]string](t, r); got["status"] != "unavailable" {
			t.Errorf("/readyz not ready = %v", got)
		}
		if strings.Contains(string(r.Body), "secret-host") {
			t.Errorf("/readyz leaks the cause: %s", r.Body)
		}
		if !strings.Contains(e.Logs.String(), "secret-host") {
			t.Error("the readiness failure is not logged")
		}
		// /healthz does not depend on readiness.
		e.Do(t, "GET", "/healthz", "", nil).Want(t, http.StatusOK)
		notReady.Store(nil)
		e.Do(t, "GET", "/readyz", "", nil).Want(t, http.StatusOK)
		// Without Config.Ready, readiness is the database's ping.
		e2 := handlertest.NewAPI(t, db)
		e2.Do(t, "GET", "/readyz", "", nil).Want(t, http.StatusOK)
		// Operations endpoints need no key, and ignore a bad one.
		e.Do(t, "GET", "/healthz", "", nil, "Authorization", "Bearer nonsense").Want(t, http.StatusOK)
	})
	// A closed database is not ready.
	db := dbtest.SQLite(t)
	e := handlertest.NewAPI(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	e.Do(t, "GET", "/readyz", "", nil).Want(t, http.StatusServiceUnavailable)
	e.Do(t, "GET", "/healthz", "", nil).Want(t, http.StatusOK)
	// Faults are a 500 problem that tells nothing of the cause, which is
	// logged instead.
	r := e.Do(t, "GET", "/api/v1/clients", e.Admin, nil)
	p := handlertest.WantProblem(t, r, http.StatusInternalServerError, "internal")
	if p.Errors != nil || strings.Contains(strings.ToLower(string(r.Body)), "sql") || strings.Contains(string(r.Body), "closed") {
		t.Errorf("the 500 leaks internals: %s", r.Body)
	}
	if !strings.Contains(e.Logs.String(), "closed") {
		t.Errorf("the fault's cause is not logged:\n%s", e.Logs.String())
	}
}

// metricValue finds one sample in Prometheus text output.
func metricValue(t *testing.T, text, series string) (float64, bool) {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatalf("bad sample %q: %v", line, err)
			}
			return v, true
		}
	}
	return 0, false
}

func TestAPIMetrics(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		for i := range 3 {
			e.CreateDomain(t, e.Admin, c.ID, map[string]any{"domain": fmt.Sprintf("metrics-%d.com", i)})
		}
		for range 2 {
			e.Do(t, "GET", "/api/v1/clients/"+c.ID, e.Admin, nil).Want(t, http.StatusOK)
		}
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/clients/"+models.NewID(models.PrefixClient), e.Admin, nil), 404, "not_found")
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/clients", "", nil), 401, "unauthorized")
		if err := db.Gorm.Model(&models.Domain{}).Where("host = ?", "ls.metrics-0.com").Update("status", models.StatusConfigured).Error; err != nil {
			t.Fatal(err)
		}

		// Not on the public router: MetricsHandler is served on a listener
		// of its own.
		if r := raw(t, e, "/metrics"); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET /metrics on the kit's router: %d, want 404", r.StatusCode)
		}
		r := scrape(t, e)
		if ct := r.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("Content-Type = %q", ct)
		}
		text := r.Body.String()
		for series, want := range map[string]float64{
			`linkgate_http_requests_total{method="GET",route="/api/v1/clients/:id",status="200"}`:          2,
			`linkgate_http_requests_total{method="GET",route="/api/v1/clients/:id",status="404"}`:          1,
			`linkgate_http_requests_total{method="POST",route="/api/v1/clients/:id/domains",status="201"}`: 3,
			`linkgate_http_requests_total{method="POST",route="/api/v1/clients",status="201"}`:             1,
			`linkgate_http_requests_total{method="GET",route="/api/v1/clients",status="401"}`:              1,
			`linkgate_domains{status="pending"}`:                                                           2,
			`linkgate_domains{status="configured"}`:                                                        1,
			`linkgate_domains{status="failed"}`:                                                            0,
		} {
			got, ok := metricValue(t, text, series)
			if !ok {
				t.Errorf("no %s in /metrics", series)
				continue
			}
			if got != want {
				t.Errorf("%s = %v, want %v", series, got, want)
			}
		}
		// Every status has a gauge; the raw ids never become labels.
		for _, s := range models.Statuses {
			if _, ok := metricValue(t, text, `linkgate_domains{status="`+string(s)+`"}`); !ok {
				t.Errorf("no linkgate_domains gauge for %s", s)
			}
		}
		if strings.Contains(text, c.ID) {
			t.Error("/metrics has a raw path with an id as a label")
		}
		if !strings.Contains(text, "linkgate_http_request_duration_seconds_bucket") {
			t.Error("no latency histogram")
		}
		// Deleting a domain lowers the gauge at the next scrape.
		all := e.ListDomains(t, e.Admin, "/api/v1/domains?status=pending")
		e.Do(t, "DELETE", "/api/v1/domains/"+all.Data[0].ID, e.Admin, nil).Want(t, http.StatusNoContent)
		text = scrape(t, e).Body.String()
		if got, _ := metricValue(t, text, `linkgate_domains{status="pending"}`); got != 1 {
			t.Errorf("pending after a delete = %v, want 1", got)
		}
		if got, _ := metricValue(t, text, `promhttp_metric_handler_requests_total{code="200"}`); got != 1 {
			t.Errorf("/metrics requests = %v, want 1", got)
		}
	})
}

// scrape gets the metrics from the kit's MetricsHandler.
func scrape(t *testing.T, e *handlertest.Env) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	e.Handler.MetricsHandler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("metrics: %d %s", w.Code, w.Body)
	}
	return w
}

// raw gets path from the test server without the spec's validation (for
// answers the spec does not describe).
func raw(t *testing.T, e *handlertest.Env, path string) *http.Response {
	t.Helper()
	resp, err := e.Srv.Client().Get(e.Srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

var generatedRequestID = regexp.MustCompile(`^req_[0-9A-HJKMNP-TV-Z]{26}$`)

func TestAPIRequestID(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		for _, id := range []string{"abc-123.XYZ_9", "a", strings.Repeat("z", 64), "0f8fad5b-d9cb-469f-a165-70867728950e"} {
			for _, tc := range []struct{ path, key string }{{"/healthz", ""}, {"/api/v1/clients", e.Admin}, {"/api/v1/clients", ""}} {
				r := e.Do(t, "GET", tc.path, tc.key, nil, "X-Request-Id", id)
				if got := r.Header.Get("X-Request-Id"); got != id {
					t.Errorf("%s with X-Request-Id %q answered %q", tc.path, id, got)
				}
			}
			if !strings.Contains(e.Logs.String(), "request_id="+id) {
				t.Errorf("the log does not carry request id %q", id)
			}
		}
		seen := map[string]bool{}
		for _, id := range []string{"", "has space", strings.Repeat("z", 65), "semi;colon", "new\u00e9", "<script>", "a/b"} {
			var hdr []string
			if id != "" {
				hdr = []string{"X-Request-Id", id}
			}
			r := e.Do(t, "GET", "/healthz", "", nil, hdr...)
			got := r.Header.Get("X-Request-Id")
			if !generatedRequestID.MatchString(got) {
				t.Errorf("X-Request-Id %q answered %q, want a generated req_ id", id, got)
			}
			if seen[got] {
				t.Errorf("request id %s given twice", got)
			}
			seen[got] = true
		}
		// Logs carry routes, never keys or query strings.
		e.Do(t, "GET", "/api/v1/domains?q=secret-query-value", e.Admin, nil).Want(t, 200)
		logs := e.Logs.String()
		if strings.Contains(logs, e.Admin) {
			t.Error("the log contains the admin API key")
		}
		if strings.Contains(logs, "secret-query-value") {
			t.Error("the log contains a query string")
		}
		if !strings.Contains(logs, "route=/api/v1/domains") || !strings.Contains(logs, "actor=api_key:"+e.AdminID) {
			t.Errorf("the log lacks route or actor:\n%s", logs)
		}
	})
}

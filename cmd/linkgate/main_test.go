package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type running struct {
	addr string
	// metricsAddr is the metrics listener's address ("" when off).
	metricsAddr string
	stdout      *syncBuffer
	stderr      *syncBuffer
	stop        func() error
}

// start runs "linkgate serve" in-process with the given environment.
func start(t *testing.T, env map[string]string, args ...string) *running {
	t.Helper()
	return startAt(t, nil, env, args...)
}

// startAt is start with the store's clock now (nil: time.Now).
func startAt(t *testing.T, now func() time.Time, env map[string]string, args ...string) *running {
	t.Helper()
	return startWith(t, func(m *Main) { m.Now = now }, env, args...)
}

// startWith is start with the Main adjusted by set first.
func startWith(t *testing.T, set func(*Main), env map[string]string, args ...string) *running {
	t.Helper()
	r := &running{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	ready := make(chan string, 1)
	m := &Main{Stdout: r.stdout, Stderr: r.stderr, Getenv: func(k string) string { return env[k] },
		Ready:        func(addr string) { ready <- addr },
		MetricsReady: func(addr string) { r.metricsAddr = addr }} // before Ready
	set(m)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	flags := []string{"serve", "-addr", "127.0.0.1:0"}
	if env["LINKGATE_METRICS_ADDR"] == "" { // not the default port: tests run in parallel
		flags = append(flags, "-metrics-addr", "127.0.0.1:0")
	}
	go func() { done <- m.Run(ctx, append(flags, args...)) }()
	select {
	case r.addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serve ended early: %v\nstderr: %s", err, r.stderr)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	var once sync.Once
	var stopErr error
	r.stop = func() error {
		once.Do(func() { cancel(); stopErr = <-done })
		return stopErr
	}
	t.Cleanup(func() { _ = r.stop() })
	return r
}

var adminKeyRE = regexp.MustCompile(`lgk_admin_[a-z0-9]{52}`)

func TestFirstStartPrintsOneAdminKeyOnce(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"LINKGATE_DATA_DIR": dir}
	r := start(t, env)
	keys := adminKeyRE.FindAllString(r.stdout.String(), -1)
	if len(keys) != 1 {
		t.Fatalf("want one admin key on stdout, got %d: %q", len(keys), r.stdout.String())
	}
	if strings.Contains(r.stderr.String(), keys[0]) {
		t.Fatal("the admin key leaked into the log")
	}
	resp := get(t, "http://"+r.addr+"/api/v1/clients", keys[0])
	if resp.StatusCode != 200 {
		t.Fatalf("printed key does not work: %d", resp.StatusCode)
	}
	if !strings.Contains(r.stderr.String(), `"provider":"twilio","mode":"sandbox"`) {
		t.Errorf("log does not say twilio runs in sandbox mode:\n%s", r.stderr)
	}
	if err := r.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	// A second start on the same database prints nothing new.
	r2 := start(t, env)
	if k := adminKeyRE.FindAllString(r2.stdout.String(), -1); len(k) != 0 {
		t.Fatalf("second start printed a key again: %q", k)
	}
	if resp := get(t, "http://"+r2.addr+"/api/v1/clients", keys[0]); resp.StatusCode != 200 {
		t.Fatalf("key from the first start no longer works: %d", resp.StatusCode)
	}
}

func TestBootstrapKeyAndUser(t *testing.T) {
	key := "lgk_admin_bootstrap_test_key_0123456789"
	env := map[string]string{
		"LINKGATE_DATA_DIR":                 t.TempDir(),
		"LINKGATE_BOOTSTRAP_ADMIN_KEY":      key,
		"LINKGATE_BOOTSTRAP_ADMIN_EMAIL":    "Admin@Example.com",
		"LINKGATE_BOOTSTRAP_ADMIN_PASSWORD": "correct horse battery",
	}
	r := start(t, env)
	if adminKeyRE.MatchString(r.stdout.String()) {
		t.Fatal("a random key was printed although a bootstrap key is configured")
	}
	if resp := get(t, "http://"+r.addr+"/api/v1/clients", key); resp.StatusCode != 200 {
		t.Fatalf("bootstrap key: %d", resp.StatusCode)
	}
	if strings.Contains(r.stderr.String(), key) || strings.Contains(r.stderr.String(), "correct horse") {
		t.Fatal("a secret leaked into the log")
	}
	if !strings.Contains(r.stderr.String(), "bootstrap admin user created") {
		t.Fatalf("admin user not created:\n%s", r.stderr)
	}
	_ = r.stop()
	r2 := start(t, env)
	if strings.Contains(r2.stderr.String(), "bootstrap admin user created") || strings.Contains(r2.stderr.String(), "bootstrap admin key created") {
		t.Fatal("second start re-created the bootstrap key or user")
	}
}

func TestBadBootstrapKeyRefused(t *testing.T) {
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string {
		return map[string]string{"LINKGATE_DATA_DIR": t.TempDir(), "LINKGATE_BOOTSTRAP_ADMIN_KEY": "short"}[k]
	}}
	err := m.Run(context.Background(), []string{"serve", "-addr", "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "LINKGATE_BOOTSTRAP_ADMIN_KEY") {
		t.Fatalf("want an error naming LINKGATE_BOOTSTRAP_ADMIN_KEY, got %v", err)
	}
}

func TestAdminCreateKeyMigrateVersion(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		m := &Main{Stdout: &out, Stderr: io.Discard, Getenv: func(k string) string {
			return map[string]string{"LINKGATE_DATA_DIR": dir}[k]
		}}
		err := m.Run(context.Background(), args)
		return out.String(), err
	}
	if out, err := run("migrate"); err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate: %q %v", out, err)
	}
	out, err := run("admin", "create-key")
	if err != nil || !adminKeyRE.MatchString(strings.TrimSpace(out)) {
		t.Fatalf("create-key: %q %v", out, err)
	}
	out2, _ := run("admin", "create-key")
	if out2 == out {
		t.Fatal("create-key printed the same key twice")
	}
	if out, err := run("admin", "create-user", "-email", "ops@example.com", "-password", "0123456789ab"); err != nil || !strings.Contains(out, "ops@example.com") {
		t.Fatalf("create-user: %q %v", out, err)
	}
	if _, err := run("admin", "create-user", "-email", "ops@example.com", "-password", "0123456789ab"); err == nil {
		t.Fatal("duplicate user accepted")
	}
	if out, err := run("version"); err != nil || !strings.HasPrefix(out, "linkgate ") {
		t.Fatalf("version: %q %v", out, err)
	}
	if _, err := run("frobnicate"); err == nil {
		t.Fatal("unknown command accepted")
	}
}

func TestServeOnPostgres(t *testing.T) {
	url := dbtest.PostgresURL(t)
	key := "lgk_admin_postgres_test_key_0123456789"
	env := map[string]string{"DATABASE_URL": url, "LINKGATE_BOOTSTRAP_ADMIN_KEY": key, "LINKGATE_DATA_DIR": t.TempDir(), "LINKGATE_SANDBOX": "1"}
	// Three replicas start together on one database: migrations run once.
	var wg sync.WaitGroup
	rs := make([]*running, 3)
	for i := range rs {
		wg.Add(1)
		go func() { defer wg.Done(); rs[i] = start(t, env) }()
	}
	wg.Wait()
	if t.Failed() { // a replica did not start (start said why)
		t.FailNow()
	}
	migs, err := models.Migrations(models.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migs {
		applied := 0
		for _, r := range rs {
			applied += strings.Count(r.stderr.String(), `"migration applied","migration":"`+m.Name+`"`)
		}
		if applied != 1 {
			t.Errorf("migration %s applied %d times across 3 replicas, want 1", m.Name, applied)
		}
	}
	for _, r := range rs {
		if !strings.Contains(r.stderr.String(), `"database":"postgres"`) {
			t.Errorf("replica does not say it runs on postgres")
		}
	}
	resp := post(t, "http://"+rs[0].addr+"/api/v1/clients", key, `{"name":"PG","email":"pg@example.com"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("create client: %d", resp.StatusCode)
	}
	if resp := get(t, "http://"+rs[2].addr+"/api/v1/clients?q=pg", key); resp.StatusCode != 200 {
		t.Fatalf("list on another replica: %d", resp.StatusCode)
	} else {
		var l struct{ Data []map[string]any }
		_ = json.NewDecoder(resp.Body).Decode(&l)
		if len(l.Data) != 1 {
			t.Fatalf("replica 3 sees %d clients, want 1", len(l.Data))
		}
	}
}

// TestReadmeWalkthrough runs the README's curl walk-through verbatim
// (only the host:port differs) against a fresh server.
func TestReadmeWalkthrough(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the README walk-through needs %s", tool)
		}
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)<!-- walkthrough:start -->\n```sh\n(.*?)```\n<!-- walkthrough:end -->").FindAllSubmatch(readme, -1)
	if len(blocks) < 2 {
		t.Fatalf("README has %d walk-through blocks, want the API and the sandbox ones", len(blocks))
	}
	var all []byte
	for _, b := range blocks {
		all = append(all, b[1]...)
	}
	keyLine := regexp.MustCompile(`LINKGATE_BOOTSTRAP_ADMIN_KEY=(\S+)`).FindSubmatch(readme)
	if keyLine == nil {
		t.Fatal("README does not set LINKGATE_BOOTSTRAP_ADMIN_KEY")
	}
	r := start(t, map[string]string{"LINKGATE_DATA_DIR": t.TempDir(), "LINKGATE_BOOTSTRAP_ADMIN_KEY": string(keyLine[1])})
	script := strings.ReplaceAll(string(all), "http://localhost:8080", "http://"+r.addr)
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("walk-through failed: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
	}
	for _, want := range []string{`"host": "ls.acme.com"`, `"status": "pending"`, `"lsct.ashburn.us1.twilio.com."`,
		`"code": "invalid_domain"`, `"field": "domain"`, `"code": "domain_taken"`, `"Acme Inc"`, `"to": "pending"`,
		`"account_sid": "AC`, `"domain_sid": "DN`, `"type": "CNAME"`,
		`"comment": "managed by linkgate"`, `"status": "configured"`, `"ssl_status": "active"`, `"MG0123456789abcdef0123456789abcdef"`,
		`ssl_pending -> configured: domain configured for link shortening`,
		`"setup_mode": "manual"`, `"name": "ls.beta.com"`, `"email": "owner@gamma.com"`, `"to": "owner@gamma.com"`,
		`"domain_limit": 5000`, `"messages_sent": 0`, `{"input":"acme.net","host":"ls.acme.net","error":null}`,
		`{"input":"not a domain","host":null,"error":"invalid_domain"}`, `{"input":"acme.com","host":null,"error":"duplicate"}`,
		`"code": "domain_flagged"`, `"status": "archived"`, `"archived_at": "20`, `"status":"archived","error":null}`,
		`"ls.acme.org"`,
		// Campaigns: rotation at the limit, delivery, a preview then a tap, suspension and resume.
		`{"accepted":5,"duplicates":0,"opted_out":0,"rejected":[]}`, `{"status":"ready","variants":[{"segments":1,"encoding":"GSM-7"}]}`,
		`{"host":"ls.acme.com","status":"reached_limit","messages_sent":3,"campaign_messages_sent":3}`,
		`{"host":"ls.beta.com","status":"configured","messages_sent":2,"campaign_messages_sent":2}`,
		`{"sent":5,"delivered":5,"clicks":0,"automated_clicks":1,"click_rate":0}`,
		`{"sent":5,"delivered":5,"clicks":1,"unique_clicks":1,"automated_clicks":1,"click_rate":0.2,`,
		`{"status":"suspended","status_reason":"all domains reached their messaging limit"}`,
		`{"status":409,"code":"no_domain_available"}`, `{"recipients":3,"sent":3}`,
		// Tracked links: all, the short link's 302, marked, the TLS check.
		`{"mode":"all","prefix":"offers","domain_id":null}`, `"links":1,"segments":1}`, `{"body":"Sale: https://offers.dyn.test/`,
		`302 https://acme.com/spring`, `{"tracked":["https://acme.com/b"]}`, "tls/ask 200", "tls/ask 404"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("walk-through output lacks %s:\n%s", want, out.String())
		}
	}
}

func get(t *testing.T, url, key string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func post(t *testing.T, url, key, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestRedactLog(t *testing.T) {
	var buf bytes.Buffer
	l := newLogger(&buf, "debug")
	l.Info("x", "authorization", "Bearer abc", "note", "key lgk_cli_abcdef", "password", "hunter2", "token", "t0k", "ok", "visible")
	s := buf.String()
	for _, secret := range []string{"abc", "lgk_cli_abcdef", "hunter2", "t0k"} {
		if strings.Contains(s, secret) {
			t.Errorf("log contains %q: %s", secret, s)
		}
	}
	if !strings.Contains(s, "visible") {
		t.Errorf("log lost a plain value: %s", s)
	}
	fmt.Fprint(io.Discard, s)
}

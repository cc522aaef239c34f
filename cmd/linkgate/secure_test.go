package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Secure by default (issue 13): production-like configuration never runs
// on the fakes, the sandbox controls need an admin, /metrics is not
// public, HSTS over https, private data files.

// TestDatabaseURLWithoutTwilioRefusesToStart: DATABASE_URL without Twilio
// credentials and without LINKGATE_SANDBOX=1 exits non-zero and says what
// to set; the binary does too.
func TestDatabaseURLWithoutTwilioRefusesToStart(t *testing.T) {
	env := map[string]string{"DATABASE_URL": "postgres://postgres@127.0.0.1:1/none?sslmode=disable", "LINKGATE_DATA_DIR": t.TempDir()}
	var stderr bytes.Buffer
	m := &Main{Stdout: &stderr, Stderr: &stderr, Getenv: func(k string) string { return env[k] },
		Ready: func(string) { t.Error("serve started") }}
	err := m.Run(context.Background(), []string{"serve", "-addr", "127.0.0.1:0", "-metrics-addr", "off"})
	if err == nil {
		t.Fatal("serve started with DATABASE_URL and no Twilio credentials")
	}
	for _, want := range []string{"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "LINKGATE_SANDBOX=1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}

	cmd := exec.Command(linkgateBinary(t), "serve", "-addr", "127.0.0.1:0")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "DATABASE_URL=" + env["DATABASE_URL"], "LINKGATE_DATA_DIR=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("linkgate serve: %v, want a non-zero exit\n%s", err, out)
	}
	if !strings.Contains(string(out), "TWILIO_ACCOUNT_SID") {
		t.Errorf("the binary does not say what to set:\n%s", out)
	}
}

// TestSandboxControlsNeedAdmin: every /_sandbox control answers 401
// problem+json without an admin credential (none, a bad key, a client key,
// a client user's session), and works with an admin key or an admin
// console session. The fake vendor APIs keep their own authentication.
func TestSandboxControlsNeedAdmin(t *testing.T) {
	const email, password = "admin@sandbox.test", "correct horse battery"
	r, a := startPublic(t, map[string]string{"LINKGATE_BOOTSTRAP_ADMIN_EMAIL": email, "LINKGATE_BOOTSTRAP_ADMIN_PASSWORD": password})
	base := "http://" + r.addr
	client := a.want(201, "POST", "/api/v1/clients", `{"name":"Acme","email":"owner@acme.com"}`).body["id"].(string)
	clientKey := a.want(201, "POST", "/api/v1/clients/"+client+"/api-keys", `{"name":"ci"}`).body["key"].(string)

	controls := []struct{ method, path, body string }{
		{"GET", "/_sandbox", ""},
		{"GET", "/_sandbox/outbox", ""},
		{"GET", "/_sandbox/stats", ""},
		{"POST", "/_sandbox/faults", `{"provider":"twilio","status":503}`},
		{"POST", "/_sandbox/dns", `{"name":"ls.acme.com","type":"CNAME","value":"x.example.com."}`},
		{"POST", "/_sandbox/cloudflare/zones", `{"name":"acme.com"}`},
		{"POST", "/_sandbox/twilio/domains", `{"domain_name":"ls.acme.com"}`},
		{"GET", "/_sandbox/no-such-control", ""},
	}
	for _, c := range controls {
		for _, auth := range [][]string{nil, {"Authorization", "Bearer lgk_admin_nope"}, {"Authorization", "Bearer " + clientKey},
			{"Authorization", "Basic " + e2eKey}} {
			res := call(t, c.method, base+c.path, c.body, append(auth, "Content-Type", "application/json")...)
			if res.status != 401 || res.header.Get("Content-Type") != "application/problem+json" || res.body["code"] != "unauthorized" {
				t.Errorf("%s %s with %v: %d %s %s, want 401 problem+json", c.method, c.path, auth, res.status, res.header.Get("Content-Type"), res.raw)
			}
		}
	}
	// The admin key works (a.want sends it).
	a.want(200, "GET", "/_sandbox/stats", "")
	a.want(202, "POST", "/_sandbox/faults", `{"provider":"twilio","status":503,"count":1}`)
	if st := a.want(200, "GET", "/_sandbox/stats", "").body["twilio"].(map[string]any); st["faults_pending"] != 1.0 {
		t.Errorf("the admin's fault was not queued: %v", st)
	}
	a.want(404, "GET", "/_sandbox/no-such-control", "")
	// The fake vendor APIs need no linkgate credential, only the vendor's.
	if res := call(t, "GET", base+"/_sandbox/cloudflare/client/v4/zones", "", "Authorization", "Bearer nope"); res.status == 401 && res.body["code"] == "unauthorized" {
		t.Errorf("the fake Cloudflare answered with linkgate's 401: %s", res.raw)
	}

	// A signed-in console admin: its session works, for JSON only.
	p := newPageClient(t, base, &pageLog{})
	login := p.get("/login").want(t, 200)
	p.post("/login", form("email", email, "password", password, "csrf_token", login.csrf(t))).want(t, http.StatusSeeOther)
	p.get("/_sandbox/outbox").want(t, 200)
	if res := p.post("/_sandbox/faults", form("provider", "twilio", "status", "503")); res.status != 401 {
		t.Errorf("a form post with the admin's cookie: %d %s, want 401", res.status, res.body)
	}
	req, _ := http.NewRequest("POST", base+"/_sandbox/faults", strings.NewReader(`{"provider":"cloudflare","status":503}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := p.c.Do(req); err != nil || resp.StatusCode != 202 {
		t.Fatalf("JSON with the admin's session: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	// A client user's session is no admin credential.
	page := p.get("/console/clients/"+client).want(t, 200)
	p.post("/console/clients/"+client+"/users", form("email", "user@acme.com", "password", "another horse battery",
		"csrf_token", page.csrf(t))).want(t, http.StatusSeeOther)
	cu := newPageClient(t, base, &pageLog{})
	login = cu.get("/login").want(t, 200)
	cu.post("/login", form("email", "user@acme.com", "password", "another horse battery", "csrf_token", login.csrf(t))).want(t, http.StatusSeeOther)
	cu.get("/console/clients/"+client).want(t, 200)
	if res := cu.get("/_sandbox/outbox"); res.status != 401 {
		t.Errorf("GET /_sandbox/outbox as a client user: %d, want 401", res.status)
	}
	// Signed out, the cookie jar holds nothing that works.
	anon := newPageClient(t, base, &pageLog{})
	if res := anon.get("/_sandbox/outbox"); res.status != 401 {
		t.Errorf("GET /_sandbox/outbox signed out: %d", res.status)
	}
	// The console's own sandbox outbox needs an admin session too.
	if res := anon.get("/console/sandbox/outbox"); res.status != http.StatusFound {
		t.Errorf("GET /console/sandbox/outbox signed out: %d, want a redirect to /login", res.status)
	}
}

// TestMetricsOnOwnListener: /metrics is not on the public listener; the
// metrics listener serves it; "off" serves it nowhere.
func TestMetricsOnOwnListener(t *testing.T) {
	r := start(t, map[string]string{"LINKGATE_DATA_DIR": t.TempDir()})
	if res := call(t, "GET", "http://"+r.addr+"/metrics", ""); res.status != 404 {
		t.Errorf("public /metrics: %d, want 404", res.status)
	}
	if r.metricsAddr == "" {
		t.Fatal("no metrics listener")
	}
	res := call(t, "GET", "http://"+r.metricsAddr+"/metrics", "")
	if res.status != 200 || !strings.Contains(res.raw, `linkgate_http_requests_total{method="GET",route="unmatched",status="404"} 1`) ||
		!strings.Contains(res.raw, "linkgate_domains{") {
		t.Errorf("metrics listener: %d\n%s", res.status, res.raw)
	}
	if res := call(t, "GET", "http://"+r.metricsAddr+"/healthz", ""); res.status != 404 {
		t.Errorf("the metrics listener serves more than /metrics: /healthz %d", res.status)
	}

	off := start(t, map[string]string{"LINKGATE_DATA_DIR": t.TempDir(), "LINKGATE_METRICS_ADDR": "off"})
	if off.metricsAddr != "" || !strings.Contains(off.stderr.String(), `"msg":"metrics off"`) {
		t.Errorf("LINKGATE_METRICS_ADDR=off: listener %q\n%s", off.metricsAddr, off.stderr)
	}
	if _, _, err := (&Main{Stderr: &bytes.Buffer{}, Getenv: func(k string) string {
		return map[string]string{"LINKGATE_METRICS_ADDR": "9464"}[k]
	}}).loadConfig("serve", nil); err == nil || !strings.Contains(err.Error(), "LINKGATE_METRICS_ADDR") {
		t.Errorf("LINKGATE_METRICS_ADDR=9464 accepted: %v", err)
	}
}

// TestHSTSOnlyOverHTTPS: with an https public URL every response carries
// Strict-Transport-Security (pages, API, errors, sandbox controls and
// fakes); over http none does.
func TestHSTSOnlyOverHTTPS(t *testing.T) {
	paths := []string{"/healthz", "/login", "/api/v1/clients", "/nowhere", "/_sandbox", "/_sandbox/cloudflare/client/v4/zones"}
	for _, tc := range []struct{ publicURL, want string }{
		{"https://links.example.com", "max-age=31536000"},
		{"", ""},
	} {
		env := map[string]string{"LINKGATE_DATA_DIR": t.TempDir()}
		if tc.publicURL != "" {
			env["LINKGATE_PUBLIC_URL"] = tc.publicURL
		}
		r := start(t, env)
		for _, p := range paths {
			res := call(t, "GET", "http://"+r.addr+p, "")
			if got := res.header.Get("Strict-Transport-Security"); got != tc.want {
				t.Errorf("public URL %q: GET %s (%d): Strict-Transport-Security %q, want %q", tc.publicURL, p, res.status, got, tc.want)
			}
		}
	}
}

// TestDataFilesArePrivate: the data directory is 0700 and the SQLite
// database, its -wal and -shm, and the sandbox secret key are 0600,
// whatever they were before and whatever the umask.
func TestDataFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // an open umask's result
		t.Fatal(err)
	}
	// A database left by an older linkgate with a world-readable mode.
	if err := os.WriteFile(filepath.Join(dir, "linkgate.db"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "linkgate.db"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := start(t, map[string]string{"LINKGATE_DATA_DIR": dir, "LINKGATE_BOOTSTRAP_ADMIN_KEY": e2eKey})
	a := &lgAPI{t: t, base: "http://" + r.addr, key: e2eKey}
	a.newClient("private.com") // a write: the WAL is in use
	check := func(name string, want os.FileMode) {
		t.Helper()
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", name, st.Mode().Perm(), want)
		}
	}
	check(".", 0o700)
	for _, f := range []string{"linkgate.db", "linkgate.db-wal", "linkgate.db-shm", "secret-keys"} {
		check(f, 0o600)
	}
}

// TestPprofOnDebugListener: LINKGATE_DEBUG_ADDR serves /debug/pprof/ on a
// listener of its own and never on the public one; it is off by default,
// and an address that is not loopback is refused unless allowed.
func TestPprofOnDebugListener(t *testing.T) {
	var debugAddr string
	r := startWith(t, func(m *Main) { m.DebugReady = func(addr string) { debugAddr = addr } },
		map[string]string{"LINKGATE_DATA_DIR": t.TempDir(), "LINKGATE_DEBUG_ADDR": "127.0.0.1:0"})
	if debugAddr == "" {
		t.Fatal("no debug listener")
	}
	res := call(t, "GET", "http://"+debugAddr+"/debug/pprof/", "")
	if res.status != 200 || !strings.Contains(res.raw, "goroutine") || !strings.Contains(res.raw, "heap") {
		t.Errorf("debug listener /debug/pprof/: %d\n%s", res.status, res.raw)
	}
	if res := call(t, "GET", "http://"+debugAddr+"/debug/pprof/goroutine?debug=1", ""); res.status != 200 || !strings.Contains(res.raw, "goroutine profile") {
		t.Errorf("debug listener goroutine profile: %d\n%s", res.status, res.raw)
	}
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1", "/debug/pprof/cmdline"} {
		if res := call(t, "GET", "http://"+r.addr+path, ""); res.status == 200 || strings.Contains(res.raw, "goroutine profile") {
			t.Errorf("public listener serves %s: %d", path, res.status)
		}
	}
	if res := call(t, "GET", "http://"+r.metricsAddr+"/debug/pprof/", ""); res.status != 404 {
		t.Errorf("metrics listener serves /debug/pprof/: %d", res.status)
	}

	var offAddr string
	off := startWith(t, func(m *Main) { m.DebugReady = func(addr string) { offAddr = addr } },
		map[string]string{"LINKGATE_DATA_DIR": t.TempDir()})
	if offAddr != "" {
		t.Errorf("debug listener on by default at %s", offAddr)
	}
	if res := call(t, "GET", "http://"+off.addr+"/debug/pprof/", ""); res.status == 200 {
		t.Errorf("public listener serves /debug/pprof/ by default")
	}

	load := func(env map[string]string) (Config, error) {
		c, _, err := (&Main{Stderr: &bytes.Buffer{}, Getenv: func(k string) string { return env[k] }}).loadConfig("serve", nil)
		return c, err
	}
	for _, addr := range []string{":6060", "0.0.0.0:6060", "192.0.2.1:6060", "[::]:6060", "example.com:6060", "6060"} {
		if _, err := load(map[string]string{"LINKGATE_DEBUG_ADDR": addr}); err == nil || !strings.Contains(err.Error(), "LINKGATE_DEBUG_ADDR") {
			t.Errorf("LINKGATE_DEBUG_ADDR=%s accepted: %v", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:6060", "off"} {
		if _, err := load(map[string]string{"LINKGATE_DEBUG_ADDR": addr}); err != nil {
			t.Errorf("LINKGATE_DEBUG_ADDR=%s refused: %v", addr, err)
		}
	}
	c, err := load(map[string]string{"LINKGATE_DEBUG_ADDR": ":6060", "LINKGATE_DEBUG_ALLOW_REMOTE": "1"})
	if err != nil || c.DebugAddr != ":6060" {
		t.Errorf("LINKGATE_DEBUG_ALLOW_REMOTE=1: %q %v", c.DebugAddr, err)
	}
}

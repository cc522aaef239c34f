package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

type httpResult struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func call(t *testing.T, method, url, body string, hdr ...string) httpResult {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := httpResult{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	_ = json.Unmarshal(b, &r.body)
	return r
}

// TestSandboxControlSurvivesRestart drives API.md's sandbox endpoints over
// HTTP, restarts the service on the same data directory, and finds the
// same credentials, zones, tokens, Twilio domains and manual records.
func TestSandboxControlSurvivesRestart(t *testing.T) {
	env := map[string]string{"LINKGATE_DATA_DIR": t.TempDir(), "LINKGATE_BOOTSTRAP_ADMIN_KEY": "lgk_admin_sandbox_test_key_0123456789"}
	admin := []string{"Authorization", "Bearer " + env["LINKGATE_BOOTSTRAP_ADMIN_KEY"]}
	r := start(t, env)
	base := "http://" + r.addr

	creds := call(t, "GET", base+"/_sandbox", "", admin...)
	if creds.status != 200 {
		t.Fatalf("GET /_sandbox: %d %s", creds.status, creds.raw)
	}
	tw := creds.body["twilio"].(map[string]any)
	sid, token := tw["account_sid"].(string), tw["auth_token"].(string)
	if !strings.HasPrefix(sid, "AC") || len(sid) != 34 || token == "" {
		t.Fatalf("twilio credentials: %v", tw)
	}

	zone := call(t, "POST", base+"/_sandbox/cloudflare/zones", `{"name": "acme.com"}`, admin...)
	if zone.status != 201 || zone.body["zone_id"] == nil || zone.body["api_token"] == nil {
		t.Fatalf("POST /_sandbox/cloudflare/zones: %d %s", zone.status, zone.raw)
	}
	cfToken := zone.body["api_token"].(string)
	if bad := call(t, "POST", base+"/_sandbox/cloudflare/zones", `{"name": "not a domain"}`, admin...); bad.status != 422 || !strings.Contains(bad.raw, `"field":"name"`) {
		t.Fatalf("bad zone name: %d %s", bad.status, bad.raw)
	}

	dn := call(t, "POST", base+"/_sandbox/twilio/domains", `{"domain_name": "ls.acme.com"}`, admin...)
	domainSID, _ := dn.body["domain_sid"].(string)
	if dn.status != 201 || !strings.HasPrefix(domainSID, "DN") {
		t.Fatalf("POST /_sandbox/twilio/domains: %d %s", dn.status, dn.raw)
	}

	if m := call(t, "POST", base+"/_sandbox/dns", `{"name": "ls.manual.com", "type": "CNAME", "value": "lsct.ashburn.us1.twilio.com."}`, admin...); m.status != 201 {
		t.Fatalf("POST /_sandbox/dns: %d %s", m.status, m.raw)
	}
	if m := call(t, "POST", base+"/_sandbox/dns", `{"name": "ls.manual.com", "type": "MX", "value": "x"}`, admin...); m.status != 422 {
		t.Fatalf("POST /_sandbox/dns with type MX: %d %s", m.status, m.raw)
	}
	if o := call(t, "GET", base+"/_sandbox/outbox", "", admin...); o.status != 200 || o.body["data"] == nil {
		t.Fatalf("GET /_sandbox/outbox: %d %s", o.status, o.raw)
	}

	// The fakes answer like the real services.
	zones := call(t, "GET", base+"/_sandbox/cloudflare/client/v4/zones?name=acme.com", "", "Authorization", "Bearer "+cfToken)
	if zones.status != 200 || !strings.Contains(zones.raw, `"acme.com"`) {
		t.Fatalf("fake Cloudflare zones: %d %s", zones.status, zones.raw)
	}
	if bad := call(t, "GET", base+"/_sandbox/cloudflare/client/v4/zones", "", "Authorization", "Bearer nope"); bad.status < 400 || !strings.Contains(bad.raw, `"success":false`) {
		t.Fatalf("fake Cloudflare with a bad token: %d %s", bad.status, bad.raw)
	}
	certURL := base + "/_sandbox/twilio/v2/LinkShortening/Domains/" + domainSID + "/Certificate"
	req, _ := http.NewRequest("GET", certURL, nil)
	req.SetBasicAuth(sid, token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(cert), "ls.acme.com") {
		t.Fatalf("fake Twilio certificate: %d %s", resp.StatusCode, cert)
	}
	if bad := call(t, "GET", certURL, ""); bad.status != 401 || !strings.Contains(bad.raw, "20003") {
		t.Fatalf("fake Twilio without credentials: %d %s", bad.status, bad.raw)
	}

	// Faults: the next call fails as asked, the one after works.
	if f := call(t, "POST", base+"/_sandbox/faults", `{"provider": "cloudflare", "status": 503, "retry_after": 2, "count": 1}`, admin...); f.status != 202 {
		t.Fatalf("POST /_sandbox/faults: %d %s", f.status, f.raw)
	}
	if f := call(t, "POST", base+"/_sandbox/faults", `{"provider": "aws", "status": 503}`, admin...); f.status != 422 || !strings.Contains(f.raw, "provider") {
		t.Fatalf("fault for an unknown provider: %d %s", f.status, f.raw)
	}
	if z := call(t, "GET", base+"/_sandbox/cloudflare/client/v4/zones", "", "Authorization", "Bearer "+cfToken); z.status != 503 {
		t.Fatalf("injected fault not served: %d", z.status)
	}
	if z := call(t, "GET", base+"/_sandbox/cloudflare/client/v4/zones", "", "Authorization", "Bearer "+cfToken); z.status != 200 {
		t.Fatalf("fault served twice: %d", z.status)
	}
	// count 0 is refused (not read as 1); DELETE drops what is queued.
	if f := call(t, "POST", base+"/_sandbox/faults", `{"provider": "cloudflare", "status": 503, "count": 0}`, admin...); f.status != 422 || !strings.Contains(f.raw, "count") {
		t.Fatalf("fault with count 0: %d %s", f.status, f.raw)
	}
	if f := call(t, "POST", base+"/_sandbox/faults", `{"provider": "cloudflare", "status": 503, "count": 5}`, admin...); f.status != 202 {
		t.Fatalf("POST /_sandbox/faults: %d %s", f.status, f.raw)
	}
	if f := call(t, "DELETE", base+"/_sandbox/faults?provider=mail", "", admin...); f.status != 422 {
		t.Fatalf("DELETE faults of an unknown provider: %d %s", f.status, f.raw)
	}
	if f := call(t, "DELETE", base+"/_sandbox/faults?provider=cloudflare", "", admin...); f.status != 204 {
		t.Fatalf("DELETE /_sandbox/faults: %d %s", f.status, f.raw)
	}
	if z := call(t, "GET", base+"/_sandbox/cloudflare/client/v4/zones", "", "Authorization", "Bearer "+cfToken); z.status != 200 {
		t.Fatalf("a cleared fault was served: %d", z.status)
	}

	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	r2 := start(t, env)
	base = "http://" + r2.addr
	creds2 := call(t, "GET", base+"/_sandbox", "", admin...)
	if creds2.raw != creds.raw {
		t.Fatalf("credentials changed across a restart: %s vs %s", creds.raw, creds2.raw)
	}
	if z := call(t, "GET", base+"/_sandbox/cloudflare/client/v4/zones?name=acme.com", "", "Authorization", "Bearer "+cfToken); z.status != 200 || !strings.Contains(z.raw, `"acme.com"`) {
		t.Fatalf("zone or token lost across a restart: %d %s", z.status, z.raw)
	}
	again := call(t, "POST", base+"/_sandbox/twilio/domains", `{"domain_name": "ls.acme.com"}`, admin...)
	if again.body["domain_sid"] != domainSID {
		t.Fatalf("Twilio domain lost across a restart: %s, had %s", again.raw, domainSID)
	}
	req, _ = http.NewRequest("GET", base+"/_sandbox/twilio/v2/LinkShortening/Domains/"+domainSID+"/Certificate", nil)
	req.SetBasicAuth(sid, token)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("Twilio domain after restart: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

func TestSandboxEndpointsOnlyInSandboxMode(t *testing.T) {
	env := map[string]string{"LINKGATE_DATA_DIR": t.TempDir(), "LINKGATE_BOOTSTRAP_ADMIN_KEY": "lgk_admin_sandbox_test_key_0123456789",
		"TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef", "TWILIO_AUTH_TOKEN": "secret0123",
		"LINKGATE_SECRET_KEYS": "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}
	r := start(t, env)
	if res := call(t, "GET", "http://"+r.addr+"/_sandbox", ""); res.status != 404 {
		t.Fatalf("GET /_sandbox outside sandbox mode: %d", res.status)
	}
	if strings.Contains(r.stderr.String(), "secret0123") {
		t.Fatal("the Twilio auth token is in the log")
	}
}

// TestSandboxKeyCreatedOnce: replicas starting together on one data
// directory agree on one sandbox secret key (the file appears whole, once).
func TestSandboxKeyCreatedOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret-keys")
	const n = 16
	got := make([][]byte, n)
	made := make([]bool, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if got[i], made[i], err = createOnce(path, []byte(fmt.Sprintf("key-%d", i))); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	onDisk, _ := os.ReadFile(path)
	writers := 0
	for i := range got {
		if string(got[i]) != string(onDisk) {
			t.Errorf("process %d uses %q, the file holds %q", i, got[i], onDisk)
		}
		if made[i] {
			writers++
		}
	}
	if writers != 1 {
		t.Errorf("%d processes wrote the key, want 1", writers)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode: %v %v", st, err)
	}
}

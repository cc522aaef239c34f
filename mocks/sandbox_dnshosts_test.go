package mocks_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/mocks"
)

// sandboxMux mounts the DigitalOcean and Google fakes the way the sandbox
// does (mocks/sandbox_dnshosts.go).
func sandboxMux(do *mocks.DigitalOcean, g *mocks.Google) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /_sandbox/digitalocean/zones", do.AddZoneHandler())
	mux.Handle("/_sandbox/digitalocean/v2/", http.StripPrefix("/_sandbox/digitalocean", do))
	mux.HandleFunc("POST /_sandbox/google/zones", g.AddZoneHandler())
	mux.Handle("/_sandbox/google/", http.StripPrefix("/_sandbox/google", g))
	return mux
}

func TestSandboxDNSHostZones(t *testing.T) {
	t.Parallel()
	do, _ := mocks.NewDigitalOcean(mocks.DigitalOceanConfig{})
	g, _ := mocks.NewGoogle(mocks.GoogleConfig{})
	srv := httptest.NewServer(sandboxMux(do, g))
	t.Cleanup(srv.Close)
	post := func(path, body string) (int, map[string]any) {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return resp.StatusCode, out
	}
	status, out := post("/_sandbox/digitalocean/zones", `{"name":"Acme.com."}`)
	if status != 201 || out["zone_id"] != "acme.com" || !strings.HasPrefix(out["api_token"].(string), "dop_v1_") {
		t.Fatalf("digitalocean zone: %d %v", status, out)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/_sandbox/digitalocean/v2/domains", nil)
	req.Header.Set("Authorization", "Bearer "+out["api_token"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the token does not work: %v %v", resp, err)
	}
	_ = resp.Body.Close()

	status, out = post("/_sandbox/google/zones", `{"name":"acme.com"}`)
	if status != 201 || out["zone_id"] != "acme-com" || out["project_id"] == "" || !strings.Contains(out["service_account_json"].(string), `"type": "service_account"`) {
		t.Fatalf("google zone: %d %v", status, out)
	}
	for _, path := range []string{"/_sandbox/digitalocean/zones", "/_sandbox/google/zones"} {
		if status, out := post(path, `{"name":"localhost"}`); status != 422 || !strings.Contains(toJSON(out), `"field":"name"`) {
			t.Errorf("%s with a bad name: %d %v", path, status, out)
		}
		if status, _ := post(path, `{"nom":"acme.com"}`); status != 422 {
			t.Errorf("%s with an unknown field: %d", path, status)
		}
	}
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models/dbtest"
)

// Outside the document on purpose: a wrong method on a known path, and an
// empty chunked body where the body is optional.
func TestWrongMethodAndOptionalBody(t *testing.T) {
	t.Parallel()
	e := handlertest.NewAPI(t, dbtest.SQLite(t))
	req, _ := http.NewRequest("PUT", e.Srv.URL+"/api/v1/clients", strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer "+e.Admin)
	resp, err := e.Srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p handlers.Problem
	_ = json.NewDecoder(resp.Body).Decode(&p)
	if resp.StatusCode != http.StatusMethodNotAllowed || p.Code != "method_not_allowed" || p.Status != 405 {
		t.Fatalf("PUT /api/v1/clients: %d %+v, want 405 method_not_allowed", resp.StatusCode, p)
	}
	if allow := resp.Header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("Allow = %q, want GET and POST", allow)
	}

	cl := e.CreateClient(t, "Chunky", "chunky@example.com")
	// An empty body sent chunked (no Content-Length) is "no body".
	req, _ = http.NewRequest("POST", e.Srv.URL+"/api/v1/clients/"+cl.ID+"/api-keys", struct{ *strings.Reader }{strings.NewReader("")})
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+e.Admin)
	resp2, err := e.Srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	if resp2.StatusCode != http.StatusCreated {
		t.Fatalf("empty chunked body: %d, want 201", resp2.StatusCode)
	}
}

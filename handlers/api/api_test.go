package api_test

// HTTP tests of the /api/v1 API and the operations endpoints, through the
// real Handler served over real HTTP (httptest.NewServer), on SQLite and,
// when TEST_DATABASE_URL is set, PostgreSQL. Every request and response
// goes through validatingTransport, which checks it against openapi.json.

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/api"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// ---- auth ----

func TestAPIAuthentication(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		unknownAdmin := models.AdminKeyPrefix + strings.Repeat("a", 52)
		unknownClient := models.ClientKeyPrefix + strings.Repeat("b", 52)
		for _, tc := range []struct{ name, auth string }{
			{"no header", ""},
			{"basic scheme", "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+e.Admin))},
			{"token scheme", "Token " + e.Admin},
			{"bearer without key", "Bearer"},
			{"bearer with blank key", "Bearer    "},
			{"key without scheme", e.Admin},
			{"unknown admin key", "Bearer " + unknownAdmin},
			{"unknown client key", "Bearer " + unknownClient},
			{"not a linkgate key", "Bearer sk_live_123"},
			{"truncated admin key", "Bearer " + e.Admin[:len(e.Admin)-1]},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var hdr []string
				if tc.auth != "" {
					hdr = []string{"Authorization", tc.auth}
				}
				for _, path := range []string{"/api/v1/clients", "/api/v1/domains"} {
					r := e.Do(t, "GET", path, "", nil, hdr...)
					handlertest.WantProblem(t, r, http.StatusUnauthorized, "unauthorized")
					if got := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
						t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", got)
					}
				}
				// An unauthenticated write does nothing.
				r := e.Do(t, "POST", "/api/v1/clients", "", map[string]any{"name": "X", "email": "x@example.com"}, hdr...)
				handlertest.WantProblem(t, r, http.StatusUnauthorized, "unauthorized")
			})
		}
		if got := handlertest.Decode[handlers.List[models.ClientView]](t, e.Do(t, "GET", "/api/v1/clients", e.Admin, nil).Want(t, 200)); len(got.Data) != 0 {
			t.Errorf("unauthenticated POSTs created clients: %+v", got.Data)
		}

		// The admin key works, with the scheme in any case.
		e.Do(t, "GET", "/api/v1/clients", e.Admin, nil).Want(t, http.StatusOK)
		e.Do(t, "GET", "/api/v1/clients", "", nil, "Authorization", "bearer "+e.Admin).Want(t, http.StatusOK)
		// A 401 tells nothing about the key: the same body for a known
		// prefix and for garbage.
		a := handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/clients", unknownAdmin, nil), 401, "unauthorized")
		b := handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/clients", "nonsense", nil), 401, "unauthorized")
		if a.Detail != b.Detail {
			t.Errorf("401 details differ: %q vs %q", a.Detail, b.Detail)
		}
	})
}

func TestAPIClientKeysSeeOnlyTheirClient(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		a := e.CreateClient(t, "Acme", "owner@acme.com")
		b := e.CreateClient(t, "Bravo", "owner@bravo.com")

		r := e.Do(t, "POST", "/api/v1/clients/"+a.ID+"/api-keys", e.Admin, map[string]any{"name": "ci"}).Want(t, http.StatusCreated)
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("api key Cache-Control = %q, want no-store", cc)
		}
		ka := handlertest.Decode[api.APIKeyCreated](t, r)
		if !strings.HasPrefix(ka.Key, models.ClientKeyPrefix) || ka.ClientID != a.ID || ka.Name != "ci" ||
			!strings.HasPrefix(ka.ID, models.PrefixAPIKey) || !strings.HasPrefix(ka.Key, ka.Prefix) {
			t.Fatalf("created key = %+v", ka)
		}
		// The body is optional.
		kb := handlertest.Decode[api.APIKeyCreated](t, e.Do(t, "POST", "/api/v1/clients/"+b.ID+"/api-keys", e.Admin, nil).Want(t, http.StatusCreated))
		if kb.ClientID != b.ID || kb.Key == ka.Key {
			t.Fatalf("second key = %+v", kb)
		}

		da := e.CreateDomain(t, e.Admin, a.ID, map[string]any{"domain": "acme.com"})
		db2 := e.CreateDomain(t, e.Admin, b.ID, map[string]any{"domain": "bravo.com"})

		// Another client's resources are 404, exactly like missing ones.
		missingClient := models.NewID(models.PrefixClient)
		missingDomain := models.NewID(models.PrefixDomain)
		for _, tc := range []struct {
			method, path, other string
			body                any
		}{
			{"GET", "/api/v1/clients/%s", b.ID, nil},
			{"PATCH", "/api/v1/clients/%s", b.ID, map[string]any{"name": "Hacked"}},
			{"DELETE", "/api/v1/clients/%s", b.ID, nil},
			{"POST", "/api/v1/clients/%s/api-keys", b.ID, map[string]any{"name": "stolen"}},
			{"POST", "/api/v1/clients/%s/domains", b.ID, map[string]any{"domain": "evil.com"}},
			{"GET", "/api/v1/clients/%s/domains", b.ID, nil},
			{"GET", "/api/v1/domains?client_id=%s", b.ID, nil},
			{"GET", "/api/v1/domains/%s", db2.ID, nil},
			{"DELETE", "/api/v1/domains/%s", db2.ID, nil},
			{"GET", "/api/v1/domains/%s/events", db2.ID, nil},
		} {
			t.Run(tc.method+" "+tc.path, func(t *testing.T) {
				got := handlertest.WantProblem(t, e.Do(t, tc.method, fmt.Sprintf(tc.path, tc.other), ka.Key, tc.body), http.StatusNotFound, "not_found")
				missing := missingClient
				if strings.HasPrefix(tc.other, models.PrefixDomain) {
					missing = missingDomain
				}
				// A missing id answers the same: the key cannot tell
				// another client's ids from ids that do not exist.
				want := handlertest.WantProblem(t, e.Do(t, tc.method, fmt.Sprintf(tc.path, missing), ka.Key, tc.body), http.StatusNotFound, "not_found")
				if got.Detail != want.Detail {
					t.Errorf("another client's resource answers %q, a missing one %q", got.Detail, want.Detail)
				}
			})
		}
		// B is untouched.
		if got := handlertest.Decode[models.ClientView](t, e.Do(t, "GET", "/api/v1/clients/"+b.ID, e.Admin, nil).Want(t, 200)); got.Name != "Bravo" || got.DomainCount != 1 {
			t.Errorf("client B after the attempts: %+v", got)
		}
		e.Do(t, "GET", "/api/v1/domains/"+db2.ID, e.Admin, nil).Want(t, http.StatusOK)
		if got := e.ListDomains(t, e.Admin, "/api/v1/clients/"+b.ID+"/domains"); len(got.Data) != 1 {
			t.Errorf("client B has %d domains, want 1", len(got.Data))
		}

		// Admin-only operations are 403 on the key's own client.
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/clients", ka.Key, map[string]any{"name": "New", "email": "new@example.com"}), http.StatusForbidden, "admin_required")
		handlertest.WantProblem(t, e.Do(t, "PATCH", "/api/v1/clients/"+a.ID, ka.Key, map[string]any{"plan": "enterprise"}), http.StatusForbidden, "")
		handlertest.WantProblem(t, e.Do(t, "DELETE", "/api/v1/clients/"+a.ID, ka.Key, nil), http.StatusForbidden, "")
		if got := handlertest.Decode[models.ClientView](t, e.Do(t, "GET", "/api/v1/clients/"+a.ID, ka.Key, nil).Want(t, 200)); got.Plan != models.PlanBasic {
			t.Errorf("a client key changed the plan: %+v", got)
		}

		// The key sees its own client and domains.
		cl := handlertest.Decode[handlers.List[models.ClientView]](t, e.Do(t, "GET", "/api/v1/clients", ka.Key, nil).Want(t, 200))
		if len(cl.Data) != 1 || cl.Data[0].ID != a.ID || cl.NextCursor != nil {
			t.Errorf("GET /clients with A's key = %+v, want only A", cl)
		}
		if cl := handlertest.Decode[handlers.List[models.ClientView]](t, e.Do(t, "GET", "/api/v1/clients?q=bravo", ka.Key, nil).Want(t, 200)); len(cl.Data) != 0 {
			t.Errorf("q=bravo with A's key found %+v", cl.Data)
		}
		if all := handlertest.Decode[handlers.List[models.ClientView]](t, e.Do(t, "GET", "/api/v1/clients", e.Admin, nil).Want(t, 200)); len(all.Data) != 2 {
			t.Errorf("admin sees %d clients, want 2", len(all.Data))
		}
		if got := e.ListDomains(t, ka.Key, "/api/v1/domains"); !slices.Equal(handlertest.DomainIDs(got.Data), []string{da.ID}) {
			t.Errorf("GET /domains with A's key = %v, want [%s]", handlertest.DomainIDs(got.Data), da.ID)
		}
		if got := e.ListDomains(t, ka.Key, "/api/v1/domains?client_id="+a.ID); !slices.Equal(handlertest.DomainIDs(got.Data), []string{da.ID}) {
			t.Errorf("GET /domains?client_id=A with A's key = %v", handlertest.DomainIDs(got.Data))
		}
		if got := e.ListDomains(t, e.Admin, "/api/v1/domains"); len(got.Data) != 2 {
			t.Errorf("admin sees %d domains, want 2", len(got.Data))
		}
		e.Do(t, "GET", "/api/v1/clients/"+a.ID, ka.Key, nil).Want(t, http.StatusOK)
		e.Do(t, "GET", "/api/v1/domains/"+da.ID, ka.Key, nil).Want(t, http.StatusOK)
		e.Do(t, "GET", "/api/v1/domains/"+da.ID+"/events", ka.Key, nil).Want(t, http.StatusOK)
		mine := e.CreateDomain(t, ka.Key, a.ID, map[string]any{"domain": "acme.net"})
		if mine.ClientID != a.ID {
			t.Errorf("domain made with A's key belongs to %s", mine.ClientID)
		}
		e.Do(t, "DELETE", "/api/v1/domains/"+mine.ID, ka.Key, nil).Want(t, http.StatusNoContent)
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/domains/"+mine.ID, ka.Key, nil), http.StatusNotFound, "not_found")

		// Deleting a client revokes its keys.
		e.Do(t, "DELETE", "/api/v1/domains/"+db2.ID, e.Admin, nil).Want(t, http.StatusNoContent)
		e.Do(t, "DELETE", "/api/v1/clients/"+b.ID, e.Admin, nil).Want(t, http.StatusNoContent)
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/clients/"+b.ID, kb.Key, nil), http.StatusUnauthorized, "unauthorized")
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/clients/"+b.ID, e.Admin, nil), http.StatusNotFound, "not_found")
	})
}

// ---- request errors ----

func TestAPIRequestErrors(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		clientPath := "/api/v1/clients/" + c.ID
		domainsPath := clientPath + "/domains"

		t.Run("malformed JSON is 400", func(t *testing.T) {
			for _, body := range []string{`{"name":`, `not json`, ``, `   `, `{"name":"A",}`, `{"name":"A"} {"x":1}`} {
				for _, target := range []struct{ method, path string }{
					{"POST", "/api/v1/clients"}, {"PATCH", clientPath}, {"POST", domainsPath},
				} {
					handlertest.WantProblem(t, e.Do(t, target.method, target.path, e.Admin, body), http.StatusBadRequest, "malformed_json")
				}
			}
		})
		t.Run("a body that is not an object is 422", func(t *testing.T) {
			for _, body := range []string{`[]`, `"acme.com"`, `42`, `null`} {
				handlertest.WantProblem(t, e.Do(t, "POST", domainsPath, e.Admin, body), http.StatusUnprocessableEntity, "invalid_body")
			}
		})
		t.Run("unknown fields are 422, each named", func(t *testing.T) {
			handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/clients", e.Admin,
				map[string]any{"name": "B", "email": "b@example.com", "colour": "red", "Size": 3}),
				http.StatusUnprocessableEntity, "unknown_field", "colour", "Size")
			handlertest.WantProblem(t, e.Do(t, "PATCH", clientPath, e.Admin, map[string]any{"nmae": "Typo"}),
				http.StatusUnprocessableEntity, "unknown_field", "nmae")
			handlertest.WantProblem(t, e.Do(t, "POST", domainsPath, e.Admin,
				map[string]any{"domain": "acme.com", "host": "ls.acme.com", "client_id": c.ID}),
				http.StatusUnprocessableEntity, "unknown_field", "client_id", "host")
			handlertest.WantProblem(t, e.Do(t, "POST", clientPath+"/api-keys", e.Admin, map[string]any{"role": "admin"}),
				http.StatusUnprocessableEntity, "unknown_field", "role")
			// Unknown and mistyped together: both named.
			handlertest.WantProblem(t, e.Do(t, "POST", domainsPath, e.Admin, map[string]any{"domain": 1, "extra": true}),
				http.StatusUnprocessableEntity, "unknown_field", "domain", "extra")
		})
		t.Run("wrong types are 422 naming the field", func(t *testing.T) {
			for _, tc := range []struct {
				method, path string
				body         string
				field        string
			}{
				{"POST", "/api/v1/clients", `{"name": 5, "email": "b@example.com"}`, "name"},
				{"POST", "/api/v1/clients", `{"name": "B", "email": true}`, "email"},
				{"POST", "/api/v1/clients", `{"name": "B", "email": "b@example.com", "plan": ["basic"]}`, "plan"},
				{"PATCH", clientPath, `{"plan": 1}`, "plan"},
				{"PATCH", clientPath, `{"name": {"first": "A"}}`, "name"},
				{"POST", domainsPath, `{"domain": ["acme.com"]}`, "domain"},
				{"POST", domainsPath, `{"domain": "acme.com", "subdomain": 7}`, "subdomain"},
				{"POST", domainsPath, `{"domain": "acme.com", "purpose": false}`, "purpose"},
				{"POST", clientPath + "/api-keys", `{"name": 1.5}`, "name"},
			} {
				p := handlertest.WantProblem(t, e.Do(t, tc.method, tc.path, e.Admin, tc.body), http.StatusUnprocessableEntity, "invalid_field_type", tc.field)
				if !strings.Contains(p.Errors[0].Message, "must be") {
					t.Errorf("%s: message %q does not say what is expected", tc.body, p.Errors[0].Message)
				}
			}
		})
		t.Run("invalid values are 422 naming the fields", func(t *testing.T) {
			handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/clients", e.Admin, map[string]any{}),
				http.StatusUnprocessableEntity, "invalid_client", "email", "name")
			handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/clients", e.Admin, map[string]any{"name": "B", "email": "not-an-email", "plan": "gold"}),
				http.StatusUnprocessableEntity, "invalid_client", "email", "plan")
			handlertest.WantProblem(t, e.Do(t, "PATCH", clientPath, e.Admin, map[string]any{"name": "  "}),
				http.StatusUnprocessableEntity, "invalid_client", "name")
			handlertest.WantProblem(t, e.Do(t, "POST", domainsPath, e.Admin, map[string]any{"domain": "acme.com", "purpose": "marketing"}),
				http.StatusUnprocessableEntity, "invalid_purpose", "purpose")
			handlertest.WantProblem(t, e.Do(t, "POST", domainsPath, e.Admin, map[string]any{}),
				http.StatusUnprocessableEntity, "invalid_domain", "domain")
		})
		t.Run("a body over 1 MiB is 413", func(t *testing.T) {
			big := strings.Repeat("a", handlers.MaxBodyBytes)
			handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/clients", e.Admin, `{"name":"`+big+`","email":"big@example.com"}`),
				http.StatusRequestEntityTooLarge, "body_too_large")
			handlertest.WantProblem(t, e.Do(t, "POST", domainsPath, e.Admin, `{"domain":"acme.com","subdomain":"`+big+`"}`),
				http.StatusRequestEntityTooLarge, "body_too_large")
			handlertest.WantProblem(t, e.Do(t, "PATCH", clientPath, e.Admin, `{"name":"`+big+`"}`),
				http.StatusRequestEntityTooLarge, "body_too_large")
			// Just under the limit is read (and then refused for its content).
			justUnder := `{"name":"` + strings.Repeat("a", handlers.MaxBodyBytes-len(`{"name":""}`)) + `"}`
			handlertest.WantProblem(t, e.Do(t, "PATCH", clientPath, e.Admin, justUnder), http.StatusUnprocessableEntity, "invalid_client", "name")
		})
		t.Run("bad cursors are 400", func(t *testing.T) {
			clientCursor := base64.RawURLEncoding.EncodeToString([]byte("v1:" + c.ID))
			domainCursor := base64.RawURLEncoding.EncodeToString([]byte("v1:" + models.NewID(models.PrefixDomain)))
			for _, tc := range []struct{ path, cursor string }{
				{"/api/v1/clients", "garbage!"},
				{"/api/v1/clients", base64.RawURLEncoding.EncodeToString([]byte("v1:cli_short"))},
				{"/api/v1/clients", domainCursor}, // a domain cursor on the client list
				{"/api/v1/clients", base64.RawURLEncoding.EncodeToString([]byte("v2:" + c.ID))},
				{"/api/v1/domains", "%%%"},
				{"/api/v1/domains", clientCursor},
				{domainsPath, "AAAA"},
				{domainsPath, clientCursor},
			} {
				r := e.Do(t, "GET", tc.path+"?cursor="+url.QueryEscape(tc.cursor), e.Admin, nil)
				handlertest.WantProblem(t, r, http.StatusBadRequest, "invalid_cursor", "cursor")
			}
			// A valid cursor for the list is accepted.
			e.Do(t, "GET", "/api/v1/clients?cursor="+clientCursor, e.Admin, nil).Want(t, http.StatusOK)
			e.Do(t, "GET", "/api/v1/domains?cursor="+domainCursor, e.Admin, nil).Want(t, http.StatusOK)
		})
		t.Run("limits outside 1..200 are 422", func(t *testing.T) {
			for _, path := range []string{"/api/v1/clients", "/api/v1/domains", domainsPath} {
				for _, limit := range []string{"0", "201", "abc", "-1", "1.5", "", "1e2", "99999999999999999999"} {
					r := e.Do(t, "GET", path+"?limit="+url.QueryEscape(limit), e.Admin, nil)
					handlertest.WantProblem(t, r, http.StatusUnprocessableEntity, "invalid_limit", "limit")
				}
				for _, limit := range []string{"1", "200", "50"} {
					e.Do(t, "GET", path+"?limit="+limit, e.Admin, nil).Want(t, http.StatusOK)
				}
			}
		})
		t.Run("unknown status filters are 422", func(t *testing.T) {
			for _, path := range []string{"/api/v1/domains", domainsPath} {
				for _, st := range []string{"bogus", "PENDING", "pending ", "ok"} {
					handlertest.WantProblem(t, e.Do(t, "GET", path+"?status="+url.QueryEscape(st), e.Admin, nil),
						http.StatusUnprocessableEntity, "invalid_status", "status")
				}
			}
		})
		t.Run("duplicate e-mail is 409", func(t *testing.T) {
			handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/clients", e.Admin, map[string]any{"name": "Copy", "email": "owner@acme.com"}),
				http.StatusConflict, "email_taken", "email")
			handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/clients", e.Admin, map[string]any{"name": "Copy", "email": "Owner@ACME.com"}),
				http.StatusConflict, "email_taken", "email")
			other := e.CreateClient(t, "Other", "other@example.com")
			handlertest.WantProblem(t, e.Do(t, "PATCH", "/api/v1/clients/"+other.ID, e.Admin, map[string]any{"email": "OWNER@acme.com"}),
				http.StatusConflict, "email_taken", "email")
			got := handlertest.Decode[models.ClientView](t, e.Do(t, "GET", "/api/v1/clients/"+other.ID, e.Admin, nil).Want(t, 200))
			if got.Email != "other@example.com" {
				t.Errorf("a refused PATCH changed the e-mail to %q", got.Email)
			}
			e.Do(t, "DELETE", "/api/v1/clients/"+other.ID, e.Admin, nil).Want(t, http.StatusNoContent)
		})
		t.Run("duplicate host is 409, across clients too", func(t *testing.T) {
			other := e.CreateClient(t, "Other", "other2@example.com")
			d := e.CreateDomain(t, e.Admin, c.ID, map[string]any{"domain": "dup.com"})
			for _, tc := range []struct {
				client string
				body   map[string]any
			}{
				{c.ID, map[string]any{"domain": "dup.com"}},
				{other.ID, map[string]any{"domain": "dup.com"}},
				{other.ID, map[string]any{"domain": "LS.DUP.COM"}},
				{other.ID, map[string]any{"domain": "dup.com", "subdomain": "ls"}},
			} {
				p := handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/clients/"+tc.client+"/domains", e.Admin, tc.body),
					http.StatusConflict, "domain_taken", "domain")
				if !strings.Contains(p.Detail, d.Host) {
					t.Errorf("detail %q does not name %s", p.Detail, d.Host)
				}
			}
			if got := e.ListDomains(t, e.Admin, "/api/v1/clients/"+other.ID+"/domains"); len(got.Data) != 0 {
				t.Errorf("a refused duplicate was stored: %v", handlertest.DomainIDs(got.Data))
			}
			// Another subdomain of the same apex is fine.
			e.CreateDomain(t, e.Admin, other.ID, map[string]any{"domain": "dup.com", "subdomain": "links"})
		})
		t.Run("deleting a client with domains is 409", func(t *testing.T) {
			x := e.CreateClient(t, "Has Domains", "has@example.com")
			d := e.CreateDomain(t, e.Admin, x.ID, map[string]any{"domain": "has-domains.com"})
			handlertest.WantProblem(t, e.Do(t, "DELETE", "/api/v1/clients/"+x.ID, e.Admin, nil), http.StatusConflict, "client_has_domains")
			e.Do(t, "GET", "/api/v1/clients/"+x.ID, e.Admin, nil).Want(t, http.StatusOK)
			e.Do(t, "GET", "/api/v1/domains/"+d.ID, e.Admin, nil).Want(t, http.StatusOK)
			e.Do(t, "DELETE", "/api/v1/domains/"+d.ID, e.Admin, nil).Want(t, http.StatusNoContent)
			handlertest.WantProblem(t, e.Do(t, "DELETE", "/api/v1/domains/"+d.ID, e.Admin, nil), http.StatusNotFound, "not_found")
			e.Do(t, "DELETE", "/api/v1/clients/"+x.ID, e.Admin, nil).Want(t, http.StatusNoContent)
			handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/clients/"+x.ID, e.Admin, nil), http.StatusNotFound, "not_found")
			handlertest.WantProblem(t, e.Do(t, "DELETE", "/api/v1/clients/"+x.ID, e.Admin, nil), http.StatusNotFound, "not_found")
		})
		t.Run("missing ids are 404", func(t *testing.T) {
			for _, path := range []string{"/api/v1/clients/nope", "/api/v1/clients/" + models.NewID(models.PrefixClient),
				"/api/v1/clients/nope/domains", "/api/v1/domains/nope", "/api/v1/domains/nope/events"} {
				handlertest.WantProblem(t, e.Do(t, "GET", path, e.Admin, nil), http.StatusNotFound, "not_found")
			}
			handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/clients/nope/domains", e.Admin, map[string]any{"domain": "acme.com"}), http.StatusNotFound, "not_found")
			handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/clients/nope/api-keys", e.Admin, nil), http.StatusNotFound, "not_found")
		})
		// After all these refusals, nothing stray was stored for the client.
		got := handlertest.Decode[models.ClientView](t, e.Do(t, "GET", clientPath, e.Admin, nil).Want(t, 200))
		if got.Name != "Acme" || got.Email != "owner@acme.com" || got.Plan != models.PlanBasic || got.DomainCount != 1 {
			t.Errorf("client after the refused requests: %+v", got)
		}
	})
}

// ---- domain names ----

// longName returns a valid host name of exactly n characters ending in .com.
func longName(n int) string {
	var labels []string
	rest := n - len(".com")
	for rest > 0 {
		l := min(rest, 63)
		if rest-l == 1 { // a lone dot cannot follow
			l--
		}
		labels = append(labels, strings.Repeat(string(rune('a'+len(labels)%26)), l))
		rest -= l + 1
	}
	name := strings.Join(labels, ".") + ".com"
	if len(name) != n {
		panic(fmt.Sprintf("longName(%d) made %d characters", n, len(name)))
	}
	return name
}

func TestAPIInvalidDomains(t *testing.T) {
	t.Parallel()
	label64 := strings.Repeat("a", 64)
	name254 := longName(254)
	name248 := longName(248)
	sub := func(s string) *string { return &s }
	cases := []struct {
		name      string
		domain    string
		subdomain *string
		field     string
	}{
		{"empty", "", nil, "domain"},
		{"blank", "   ", nil, "domain"},
		{"https scheme", "https://acme.com", nil, "domain"},
		{"http scheme with path", "http://acme.com/path", nil, "domain"},
		{"scheme without slashes", "http:acme.com", nil, "domain"},
		{"path", "acme.com/x", nil, "domain"},
		{"backslash", `acme.com\x`, nil, "domain"},
		{"port", "acme.com:443", nil, "domain"},
		{"query", "acme.com?a=1", nil, "domain"},
		{"fragment", "acme.com#top", nil, "domain"},
		{"user info", "user@acme.com", nil, "domain"},
		{"inner space", "ac me.com", nil, "domain"},
		{"ipv4", "192.168.0.1", nil, "domain"},
		{"ipv4 with port", "10.0.0.1:80", nil, "domain"},
		{"ipv6", "2001:db8::1", nil, "domain"},
		{"bracketed ipv6 with port", "[::1]:443", nil, "domain"},
		{"wildcard", "*.acme.com", nil, "domain"},
		{"empty label", "acme..com", nil, "domain"},
		{"leading dot", ".acme.com", nil, "domain"},
		{"trailing dot", "acme.com.", nil, "domain"},
		{"trailing ideographic dot", "acme.com。", nil, "domain"},
		{"64-char label", label64 + ".com", nil, "domain"},
		{"64-char label after punycode", strings.Repeat("ü", 60) + ".com", nil, "domain"},
		{"254-char name", name254, nil, "domain"},
		{"leading hyphen", "-acme.com", nil, "domain"},
		{"trailing hyphen", "acme-.com", nil, "domain"},
		{"unicode label with trailing hyphen", "bücher-.de", nil, "domain"},
		{"reserved double hyphen", "ab--cd.com", nil, "domain"},
		{"bad punycode", "xn--zz.com", nil, "domain"},
		{"underscore", "_dmarc.acme.com", nil, "domain"},
		{"punctuation", "ac!me.com", nil, "domain"},
		{"control character", "ac\x00me.com", nil, "domain"},
		{"emoji", "😀.com", nil, "domain"},
		{"emoji as punycode", "xn--e28h.com", nil, "domain"},
		{"symbol", "a☃b.com", nil, "domain"},
		{"disallowed code point", "a\u2488b.com", nil, "domain"},
		{"fullwidth slash", "acme／x.com", nil, "domain"},
		{"bidi violation", "a\u05d0.com", nil, "domain"},
		{"public suffix co.uk", "co.uk", nil, "domain"},
		{"public suffix com", "com", nil, "domain"},
		{"private public suffix", "github.io", nil, "domain"},
		{"unknown tld", "acme.invalidtld", nil, "domain"},
		{"localhost", "localhost", nil, "domain"},
		{"single label", "acme", nil, "domain"},
		{"numeric tld", "acme.123", nil, "domain"},
		{"bad domain with good subdomain", "co.uk", sub("ls"), "domain"},
		{"empty subdomain", "acme.com", sub(""), "subdomain"},
		{"blank subdomain", "acme.com", sub("  "), "subdomain"},
		{"subdomain repeats the domain", "acme.com", sub("ls.acme.com"), "subdomain"},
		{"subdomain wildcard", "acme.com", sub("*"), "subdomain"},
		{"subdomain underscore", "acme.com", sub("l_s"), "subdomain"},
		{"subdomain trailing dot", "acme.com", sub("ls."), "subdomain"},
		{"subdomain leading hyphen", "acme.com", sub("-ls"), "subdomain"},
		{"subdomain 64-char label", "acme.com", sub(label64), "subdomain"},
		{"subdomain url", "acme.com", sub("https://ls"), "subdomain"},
		{"subdomain emoji", "acme.com", sub("😀"), "subdomain"},
		{"subdomain makes the name too long", name248, sub("links"), "subdomain"},
		{"subdomain makes a public suffix", "amazonaws.com", sub("s3"), "subdomain"},
	}
	if len(cases) < 30 {
		t.Fatalf("only %d cases", len(cases))
	}
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		key := e.ClientKey(t, c.ID).Key
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				body := map[string]any{"domain": tc.domain}
				if tc.subdomain != nil {
					body["subdomain"] = *tc.subdomain
				}
				// Alternate admin and client keys: both get the same checks.
				k := e.Admin
				if i%2 == 1 {
					k = key
				}
				r := e.Do(t, "POST", "/api/v1/clients/"+c.ID+"/domains", k, body)
				code := "invalid_" + tc.field
				if strings.Contains(tc.domain, "\x00") { // the text rules refuse it first
					code = handlers.CodeInvalidCharacters
				}
				p := handlertest.WantProblem(t, r, http.StatusUnprocessableEntity, code, tc.field)
				if p.Detail == "" {
					t.Error("no detail")
				}
			})
		}
		if got := e.ListDomains(t, e.Admin, "/api/v1/clients/"+c.ID+"/domains"); len(got.Data) != 0 || got.NextCursor != nil {
			t.Errorf("invalid domains were stored: %+v", got)
		}
		if got := e.ListDomains(t, e.Admin, "/api/v1/domains"); len(got.Data) != 0 {
			t.Errorf("invalid domains were stored: %v", handlertest.DomainIDs(got.Data))
		}
		if cl := handlertest.Decode[models.ClientView](t, e.Do(t, "GET", "/api/v1/clients/"+c.ID, e.Admin, nil).Want(t, 200)); cl.DomainCount != 0 {
			t.Errorf("domain_count = %d after invalid domains", cl.DomainCount)
		}
	})
}

func TestAPIValidDomains(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		for _, tc := range []struct {
			name                  string
			body                  map[string]any
			host, apex, subdomain string
		}{
			{"registrable domain gets ls", map[string]any{"domain": "acme.com"}, "ls.acme.com", "acme.com", "ls"},
			{"host under co.uk", map[string]any{"domain": "ls.acme.co.uk"}, "ls.acme.co.uk", "acme.co.uk", "ls"},
			{"unicode to punycode", map[string]any{"domain": "BÜCHER.de"}, "ls.xn--bcher-kva.de", "xn--bcher-kva.de", "ls"},
			{"unicode tld", map[string]any{"domain": "пример.рф"}, "ls.xn--e1afmkfd.xn--p1ai", "xn--e1afmkfd.xn--p1ai", "ls"},
			{"explicit subdomain", map[string]any{"domain": "example.org", "subdomain": "links"}, "links.example.org", "example.org", "links"},
			{"unicode subdomain", map[string]any{"domain": "example.org", "subdomain": "Bücher"}, "xn--bcher-kva.example.org", "example.org", "xn--bcher-kva"},
			{"case and spaces", map[string]any{"domain": "  Shop.Example.NET  "}, "shop.example.net", "example.net", "shop"},
			{"explicit purpose", map[string]any{"domain": "acme.io", "purpose": "link_shortening"}, "ls.acme.io", "acme.io", "ls"},
			{"private suffix", map[string]any{"domain": "acme.github.io"}, "ls.acme.github.io", "acme.github.io", "ls"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.Do(t, "POST", "/api/v1/clients/"+c.ID+"/domains", e.Admin, tc.body).Want(t, http.StatusCreated)
				d := handlertest.Decode[models.DomainView](t, r)
				if d.Host != tc.host || d.Apex != tc.apex || d.Subdomain != tc.subdomain {
					t.Fatalf("got host %q apex %q subdomain %q, want %q %q %q", d.Host, d.Apex, d.Subdomain, tc.host, tc.apex, tc.subdomain)
				}
				if loc := r.Header.Get("Location"); loc != "/api/v1/domains/"+d.ID {
					t.Errorf("Location = %q", loc)
				}
				if d.ClientID != c.ID || d.Status != models.StatusPending || d.Purpose != models.PurposeLinkShortening ||
					d.DNSStatus != models.DNSNotStarted || d.SSLStatus != models.SSLNone || d.SetupMode != nil ||
					d.StatusReason != nil || d.DomainSID != nil || d.Certificate.Status != models.SSLNone ||
					d.Certificate.ExpiresAt != nil || len(d.MessagingServiceSIDs) != 0 || d.CreatedAt.IsZero() {
					t.Errorf("new domain = %+v", d)
				}
				want := []models.DNSRecordView{{Type: "CNAME", Name: tc.subdomain, Host: tc.host, Value: models.DefaultCNAMETarget, TTL: models.DefaultCNAMETTL}}
				if !slices.Equal(d.DNSRecords, want) {
					t.Errorf("dns_records = %+v, want %+v", d.DNSRecords, want)
				}
				// The raw JSON has explicit nulls, as the contract shows.
				for _, s := range []string{`"setup_mode":null`, `"domain_sid":null`, `"status_reason":null`, `"expires_at":null`, `"messaging_service_sids":[]`} {
					if !strings.Contains(string(r.Body), s) {
						t.Errorf("body lacks %s: %s", s, r.Body)
					}
				}
				got := handlertest.Decode[models.DomainView](t, e.Do(t, "GET", r.Header.Get("Location"), e.Admin, nil).Want(t, http.StatusOK))
				if got.ID != d.ID || got.Host != d.Host || !got.CreatedAt.Equal(d.CreatedAt) {
					t.Errorf("GET Location = %+v, want %+v", got, d)
				}
			})
		}
		if cl := handlertest.Decode[models.ClientView](t, e.Do(t, "GET", "/api/v1/clients/"+c.ID, e.Admin, nil).Want(t, 200)); cl.DomainCount != 9 {
			t.Errorf("domain_count = %d, want 9", cl.DomainCount)
		}
	})
}

// TestAPIConfiguredDNSTarget: the configured CNAME target and TTL are what
// new domains get.
func TestAPIConfiguredDNSTarget(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db, func(c *handlertest.Config) { c.DNS = models.DNSDefaults{Target: "links.example.net.", TTL: 300} })
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		d := e.CreateDomain(t, e.Admin, c.ID, map[string]any{"domain": "acme.com"})
		if len(d.DNSRecords) != 1 || d.DNSRecords[0].Value != "links.example.net." || d.DNSRecords[0].TTL != 300 {
			t.Errorf("dns_records = %+v", d.DNSRecords)
		}
	})
}

// ---- pagination and filters ----

func TestAPIPagination(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		other := e.CreateClient(t, "Other", "other@example.com")
		e.CreateDomain(t, e.Admin, other.ID, map[string]any{"domain": "other-alpha.com"})
		var created []string
		for i := range 7 {
			name := fmt.Sprintf("alpha-%d.com", i)
			if i%2 == 1 {
				name = fmt.Sprintf("beta-%d.com", i)
			}
			created = append(created, e.CreateDomain(t, e.Admin, c.ID, map[string]any{"domain": name}).ID)
		}
		newestFirst := slices.Clone(created)
		slices.Reverse(newestFirst)

		walk := func(t *testing.T, key, base string) []string {
			t.Helper()
			var ids, sizes []string
			cursor := ""
			for page := 0; ; page++ {
				if page > 10 {
					t.Fatal("pagination does not end")
				}
				path := base + "limit=3"
				if cursor != "" {
					path += "&cursor=" + url.QueryEscape(cursor)
				}
				l := e.ListDomains(t, key, path)
				ids = append(ids, handlertest.DomainIDs(l.Data)...)
				sizes = append(sizes, strconv.Itoa(len(l.Data)))
				if l.NextCursor == nil {
					break
				}
				if *l.NextCursor == "" {
					t.Fatal("next_cursor is an empty string, want null or a cursor")
				}
				cursor = *l.NextCursor
			}
			if got := strings.Join(sizes, ","); got != "3,3,1" {
				t.Errorf("%s: page sizes %s, want 3,3,1", base, got)
			}
			seen := map[string]bool{}
			for _, id := range ids {
				if seen[id] {
					t.Errorf("%s: %s is on two pages", base, id)
				}
				seen[id] = true
			}
			return ids
		}
		for _, tc := range []struct{ name, key, base string }{
			{"client's domains", e.Admin, "/api/v1/clients/" + c.ID + "/domains?"},
			{"domains by client_id", e.Admin, "/api/v1/domains?client_id=" + c.ID + "&"},
			{"client key", "", "/api/v1/domains?"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				key := tc.key
				if key == "" {
					key = e.ClientKey(t, c.ID).Key
				}
				if got := walk(t, key, tc.base); !slices.Equal(got, newestFirst) {
					t.Errorf("walk = %v, want newest first %v", got, newestFirst)
				}
			})
		}
		// The default page holds everything, newest first, and the
		// creation times agree with the order.
		all := e.ListDomains(t, e.Admin, "/api/v1/domains?client_id="+c.ID)
		if !slices.Equal(handlertest.DomainIDs(all.Data), newestFirst) || all.NextCursor != nil {
			t.Errorf("default page = %v (next %v)", handlertest.DomainIDs(all.Data), all.NextCursor)
		}
		for i := 1; i < len(all.Data); i++ {
			if all.Data[i].CreatedAt.After(all.Data[i-1].CreatedAt) {
				t.Errorf("%s created after %s but listed later", all.Data[i].ID, all.Data[i-1].ID)
			}
		}
		// limit=7 is exactly one page, with no cursor to an empty page.
		if l := e.ListDomains(t, e.Admin, "/api/v1/clients/"+c.ID+"/domains?limit=7"); len(l.Data) != 7 || l.NextCursor != nil {
			t.Errorf("limit=7: %d domains, next %v; want 7 and null", len(l.Data), l.NextCursor)
		}

		t.Run("q", func(t *testing.T) {
			hosts := func(path string) []string {
				var out []string
				for _, d := range e.ListDomains(t, e.Admin, path).Data {
					out = append(out, d.Host)
				}
				slices.Sort(out)
				return out
			}
			want := []string{"ls.alpha-0.com", "ls.alpha-2.com", "ls.alpha-4.com", "ls.alpha-6.com"}
			if got := hosts("/api/v1/clients/" + c.ID + "/domains?q=alpha"); !slices.Equal(got, want) {
				t.Errorf("q=alpha: %v, want %v", got, want)
			}
			if got := hosts("/api/v1/clients/" + c.ID + "/domains?q=ALPHA"); !slices.Equal(got, want) {
				t.Errorf("q=ALPHA: %v, want %v", got, want)
			}
			if got := hosts("/api/v1/domains?q=alpha"); len(got) != 5 || !slices.Contains(got, "ls.other-alpha.com") {
				t.Errorf("q=alpha over all clients: %v", got)
			}
			if got := hosts("/api/v1/domains?q=beta-3"); !slices.Equal(got, []string{"ls.beta-3.com"}) {
				t.Errorf("q=beta-3: %v", got)
			}
			// LIKE wildcards are matched literally.
			for _, q := range []string{"%", "_", "alpha_0", "a%a"} {
				if got := hosts("/api/v1/domains?q=" + url.QueryEscape(q)); len(got) != 0 {
					t.Errorf("q=%s: %v, want nothing", q, got)
				}
			}
			// q pages too.
			l := e.ListDomains(t, e.Admin, "/api/v1/domains?client_id="+c.ID+"&q=alpha&limit=3")
			if len(l.Data) != 3 || l.NextCursor == nil {
				t.Fatalf("q=alpha&limit=3: %d, next %v", len(l.Data), l.NextCursor)
			}
			l2 := e.ListDomains(t, e.Admin, "/api/v1/domains?client_id="+c.ID+"&q=alpha&limit=3&cursor="+url.QueryEscape(*l.NextCursor))
			if len(l2.Data) != 1 || l2.NextCursor != nil || l2.Data[0].Host != "ls.alpha-0.com" {
				t.Errorf("q=alpha second page: %+v", l2)
			}
		})
		t.Run("status", func(t *testing.T) {
			if l := e.ListDomains(t, e.Admin, "/api/v1/clients/"+c.ID+"/domains?status=pending"); len(l.Data) != 7 {
				t.Errorf("status=pending: %d, want 7", len(l.Data))
			}
			// No endpoint changes a status yet: move two in the database.
			for _, id := range []string{created[1], created[4]} {
				if err := db.Gorm.Model(&models.Domain{}).Where("id = ?", id).Update("status", models.StatusFailed).Error; err != nil {
					t.Fatal(err)
				}
			}
			if l := e.ListDomains(t, e.Admin, "/api/v1/domains?status=failed"); !slices.Equal(handlertest.DomainIDs(l.Data), []string{created[4], created[1]}) {
				t.Errorf("status=failed: %v, want [%s %s]", handlertest.DomainIDs(l.Data), created[4], created[1])
			}
			if l := e.ListDomains(t, e.Admin, "/api/v1/clients/"+c.ID+"/domains?status=pending"); len(l.Data) != 5 {
				t.Errorf("status=pending: %d, want 5", len(l.Data))
			}
			if l := e.ListDomains(t, e.Admin, "/api/v1/domains?status=pending"); len(l.Data) != 6 {
				t.Errorf("status=pending over all clients: %d, want 6", len(l.Data))
			}
			if l := e.ListDomains(t, e.Admin, "/api/v1/domains?status=failed&q=beta"); !slices.Equal(handlertest.DomainIDs(l.Data), []string{created[1]}) {
				t.Errorf("status=failed&q=beta: %v", handlertest.DomainIDs(l.Data))
			}
			if l := e.ListDomains(t, e.Admin, "/api/v1/domains?status=configured"); len(l.Data) != 0 || l.NextCursor != nil {
				t.Errorf("status=configured: %+v", l)
			}
			if l := e.ListDomains(t, e.Admin, "/api/v1/domains?status=failed&client_id="+other.ID); len(l.Data) != 0 {
				t.Errorf("status=failed for the other client: %v", handlertest.DomainIDs(l.Data))
			}
			got := handlertest.Decode[models.DomainView](t, e.Do(t, "GET", "/api/v1/domains/"+created[1], e.Admin, nil).Want(t, 200))
			if got.Status != models.StatusFailed {
				t.Errorf("status = %s", got.Status)
			}
		})
		t.Run("clients", func(t *testing.T) {
			for i := range 4 {
				e.CreateClient(t, fmt.Sprintf("Zulu %d", i), fmt.Sprintf("zulu%d@zulu.example", i))
			}
			// 6 clients: 2, 2, 2.
			var ids []string
			cursor := ""
			for page := 0; page < 3; page++ {
				path := "/api/v1/clients?limit=2"
				if cursor != "" {
					path += "&cursor=" + url.QueryEscape(cursor)
				}
				l := handlertest.Decode[handlers.List[models.ClientView]](t, e.Do(t, "GET", path, e.Admin, nil).Want(t, 200))
				if len(l.Data) != 2 {
					t.Fatalf("page %d has %d clients", page, len(l.Data))
				}
				for _, cl := range l.Data {
					ids = append(ids, cl.ID)
				}
				if page == 2 {
					if l.NextCursor != nil {
						t.Errorf("last page has next_cursor %q", *l.NextCursor)
					}
					break
				}
				if l.NextCursor == nil {
					t.Fatalf("page %d has no next_cursor", page)
				}
				cursor = *l.NextCursor
			}
			if !slices.IsSortedFunc(ids, func(a, b string) int { return strings.Compare(b, a) }) || len(ids) != 6 {
				t.Errorf("clients not newest first: %v", ids)
			}
			if ids[4] != other.ID || ids[5] != c.ID {
				t.Errorf("the oldest clients should come last: %v", ids)
			}
			// q matches name or e-mail, case-insensitively.
			for q, want := range map[string]int{"zulu": 4, "ZULU 2": 1, "@ZULU.example": 4, "acme": 1, "OWNER@acme": 1, "nobody": 0, "%": 0} {
				l := handlertest.Decode[handlers.List[models.ClientView]](t, e.Do(t, "GET", "/api/v1/clients?q="+url.QueryEscape(q), e.Admin, nil).Want(t, 200))
				if len(l.Data) != want {
					t.Errorf("clients q=%q: %d, want %d", q, len(l.Data), want)
				}
			}
			// domain_count is filled in lists too.
			l := handlertest.Decode[handlers.List[models.ClientView]](t, e.Do(t, "GET", "/api/v1/clients?q=acme", e.Admin, nil).Want(t, 200))
			if len(l.Data) != 1 || l.Data[0].DomainCount != 7 {
				t.Errorf("acme in the list: %+v", l.Data)
			}
		})
	})
}

// ---- clients ----

func TestAPIClientLifecycle(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		r := e.Do(t, "POST", "/api/v1/clients", e.Admin, map[string]any{"name": "  Acme Corp ", "email": "Owner@Acme.COM", "plan": "premium"}).Want(t, http.StatusCreated)
		c := handlertest.Decode[models.ClientView](t, r)
		if c.Name != "Acme Corp" || c.Email != "owner@acme.com" || c.Plan != models.PlanPremium || c.DomainCount != 0 ||
			!strings.HasPrefix(c.ID, models.PrefixClient) || c.CreatedAt.IsZero() {
			t.Errorf("created client = %+v", c)
		}
		if loc := r.Header.Get("Location"); loc != "/api/v1/clients/"+c.ID {
			t.Errorf("Location = %q", loc)
		}
		// plan defaults to basic.
		if b := e.CreateClient(t, "Basic", "basic@example.com"); b.Plan != models.PlanBasic {
			t.Errorf("default plan = %q", b.Plan)
		}
		// PATCH changes only what is given.
		p := handlertest.Decode[models.ClientView](t, e.Do(t, "PATCH", "/api/v1/clients/"+c.ID, e.Admin, map[string]any{"plan": "enterprise"}).Want(t, 200))
		if p.Plan != models.PlanEnterprise || p.Name != "Acme Corp" || p.Email != "owner@acme.com" {
			t.Errorf("after PATCH plan: %+v", p)
		}
		p = handlertest.Decode[models.ClientView](t, e.Do(t, "PATCH", "/api/v1/clients/"+c.ID, e.Admin, map[string]any{"name": "Acme", "email": "new@acme.com"}).Want(t, 200))
		if p.Plan != models.PlanEnterprise || p.Name != "Acme" || p.Email != "new@acme.com" {
			t.Errorf("after PATCH name, email: %+v", p)
		}
		got := handlertest.Decode[models.ClientView](t, e.Do(t, "GET", "/api/v1/clients/"+c.ID, e.Admin, nil).Want(t, 200))
		if got.Name != "Acme" || got.Email != "new@acme.com" || got.Plan != models.PlanEnterprise || !got.CreatedAt.Equal(c.CreatedAt) {
			t.Errorf("GET after PATCH: %+v", got)
		}
		// The old e-mail is free again.
		e.CreateClient(t, "Reuse", "owner@acme.com")

		// q is case-insensitive beyond ASCII, on both engines.
		u := e.CreateClient(t, "ÜBER Straße", "kontakt@example.de")
		for _, q := range []string{"über", "ÜBER", "straße", "sTrAßE"} {
			l := handlertest.Decode[handlers.List[models.ClientView]](t, e.Do(t, "GET", "/api/v1/clients?q="+url.QueryEscape(q), e.Admin, nil).Want(t, 200))
			if len(l.Data) != 1 || l.Data[0].ID != u.ID {
				t.Errorf("q=%q found %+v, want only %s", q, l.Data, u.Name)
			}
		}
	})
}

// ---- domain events ----

func TestAPIDomainEvents(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		key := e.ClientKey(t, c.ID)
		for _, tc := range []struct {
			name, key, actor, domain string
		}{
			{"admin key", e.Admin, "api_key:" + e.AdminID, "acme.com"},
			{"client key", key.Key, "api_key:" + key.ID, "acme.net"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				d := e.CreateDomain(t, tc.key, c.ID, map[string]any{"domain": tc.domain})
				r := e.Do(t, "GET", "/api/v1/domains/"+d.ID+"/events", tc.key, nil).Want(t, http.StatusOK)
				if !strings.Contains(string(r.Body), `"from":null`) {
					t.Errorf("the creation event's from is not null: %s", r.Body)
				}
				evs := handlertest.Decode[struct {
					Data []models.DomainEventView `json:"data"`
				}](t, r)
				if len(evs.Data) != 1 {
					t.Fatalf("%d events, want 1: %s", len(evs.Data), r.Body)
				}
				ev := evs.Data[0]
				if ev.From != nil || ev.To != models.StatusPending || ev.Actor != tc.actor || ev.Reason == "" {
					t.Errorf("creation event = %+v, want from null to pending by %s", ev, tc.actor)
				}
				if ev.At.Before(d.CreatedAt.Add(-1e9)) || ev.At.After(d.CreatedAt.Add(1e9)) {
					t.Errorf("event at %v, domain created at %v", ev.At, d.CreatedAt)
				}
				if strings.Contains(string(r.Body), tc.key) {
					t.Error("the timeline reveals the API key")
				}
				e.Do(t, "DELETE", "/api/v1/domains/"+d.ID, tc.key, nil).Want(t, http.StatusNoContent)
				handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/domains/"+d.ID+"/events", tc.key, nil), http.StatusNotFound, "not_found")
			})
		}
	})
}

func TestAPIServesOpenAPI(t *testing.T) {
	t.Parallel()
	e := handlertest.NewAPI(t, dbtest.SQLite(t))
	r := e.Do(t, "GET", "/openapi.json", "", nil).Want(t, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	if string(r.Body) != string(api.OpenAPI) {
		t.Error("/openapi.json is not the embedded document")
	}
}

// TestAPIEveryOperationValidated drives every operation in the document to
// a success and checks the validating transport saw each one.
func TestAPIEveryOperationValidated(t *testing.T) {
	t.Parallel()
	doc, _ := handlertest.LoadSpec(t)
	e := handlertest.NewAPI(t, dbtest.SQLite(t), withKeys(t))
	c := e.CreateClient(t, "Acme", "owner@acme.com")
	e.Do(t, "GET", "/api/v1/clients", e.Admin, nil).Want(t, 200)
	e.Do(t, "GET", "/api/v1/clients/"+c.ID, e.Admin, nil).Want(t, 200)
	e.Do(t, "PATCH", "/api/v1/clients/"+c.ID, e.Admin, map[string]any{"plan": "premium"}).Want(t, 200)
	k := e.ClientKey(t, c.ID)
	e.Do(t, "GET", "/api/v1/clients/"+c.ID+"/api-keys", k.Key, nil).Want(t, 200)
	spare := e.ClientKey(t, c.ID)
	e.Do(t, "POST", "/api/v1/api-keys/"+spare.ID+"/rotate", k.Key, nil).Want(t, 201)
	e.Do(t, "DELETE", "/api/v1/api-keys/"+spare.ID, k.Key, nil).Want(t, 204)
	d := e.CreateDomain(t, k.Key, c.ID, map[string]any{"domain": "acme.com"})
	e.Do(t, "GET", "/api/v1/clients/"+c.ID+"/domains", k.Key, nil).Want(t, 200)
	e.Do(t, "GET", "/api/v1/domains", k.Key, nil).Want(t, 200)
	e.Do(t, "GET", "/api/v1/domains/"+d.ID, k.Key, nil).Want(t, 200)
	e.Do(t, "GET", "/api/v1/domains/"+d.ID+"/events", k.Key, nil).Want(t, 200)
	e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/archive", k.Key, nil).Want(t, 200)
	e.Do(t, "POST", "/api/v1/clients/"+c.ID+"/domains/bulk", k.Key, map[string]any{"domains": []string{"acme.net", "acme.com", "bad..name"}}).Want(t, 200)
	pl := handlertest.Decode[models.PoolView](t, e.Do(t, "POST", "/api/v1/clients/"+c.ID+"/pools", k.Key, map[string]any{"name": "Main"}).Want(t, 201))
	e.Do(t, "GET", "/api/v1/clients/"+c.ID+"/pools", k.Key, nil).Want(t, 200)
	e.Do(t, "POST", "/api/v1/pools/"+pl.ID+"/domains", k.Key, map[string]any{"domain_ids": []string{d.ID}}).Want(t, 200)
	e.Do(t, "GET", "/api/v1/pools/"+pl.ID, k.Key, nil).Want(t, 200)
	e.Do(t, "GET", "/api/v1/domains?pool_id="+pl.ID, k.Key, nil).Want(t, 200)
	e.Do(t, "PATCH", "/api/v1/pools/"+pl.ID, k.Key, map[string]any{"name": "Primary"}).Want(t, 200)
	e.Do(t, "DELETE", "/api/v1/pools/"+pl.ID+"/domains/"+d.ID, k.Key, nil).Want(t, 204)
	e.Do(t, "POST", "/api/v1/domains/actions", k.Key, map[string]any{"action": "add_to_pool", "pool_id": pl.ID,
		"domain_ids": []string{d.ID, models.NewID(models.PrefixDomain)}}).Want(t, 200)
	e.Do(t, "DELETE", "/api/v1/pools/"+pl.ID, k.Key, nil).Want(t, 204)
	w := handlertest.Decode[models.WebhookEndpointView](t, e.Do(t, "POST", "/api/v1/webhooks/endpoints", k.Key,
		map[string]any{"url": "https://hooks.acme.com/", "events": []string{"domain.*"}}).Want(t, 201))
	e.Do(t, "GET", "/api/v1/webhooks/endpoints", k.Key, nil).Want(t, 200)
	e.Do(t, "GET", "/api/v1/webhooks/endpoints/"+w.ID, k.Key, nil).Want(t, 200)
	e.Do(t, "GET", "/api/v1/webhooks/deliveries?endpoint_id="+w.ID, k.Key, nil).Want(t, 200)
	e.Do(t, "PATCH", "/api/v1/webhooks/endpoints/"+w.ID, k.Key, map[string]any{"enabled": false}).Want(t, 200)
	e.Do(t, "POST", "/api/v1/webhooks/endpoints/"+w.ID+"/rotate-secret", k.Key, nil).Want(t, 200)
	e.Do(t, "DELETE", "/api/v1/webhooks/endpoints/"+w.ID, k.Key, nil).Want(t, 204)
	cmp := handlertest.Decode[models.CampaignView](t, e.Do(t, "POST", "/api/v1/clients/"+c.ID+"/campaigns", k.Key,
		map[string]any{"name": "Sale", "variants": []map[string]any{{"body": "Hi", "ratio": 100}}}).Want(t, 201))
	e.Do(t, "GET", "/api/v1/clients/"+c.ID+"/campaigns", k.Key, nil).Want(t, 200)
	e.Do(t, "GET", "/api/v1/campaigns?status=draft", k.Key, nil).Want(t, 200)
	e.Do(t, "GET", "/api/v1/campaigns/"+cmp.ID, k.Key, nil).Want(t, 200)
	e.Do(t, "PATCH", "/api/v1/campaigns/"+cmp.ID, k.Key, map[string]any{"tags": []string{"promo"}}).Want(t, 200)
	e.Do(t, "POST", "/api/v1/campaigns/"+cmp.ID+"/recipients", k.Key, map[string]any{"recipients": []map[string]any{{"phone": "447900000001"}}}).Want(t, 200)
	e.Do(t, "POST", "/api/v1/campaigns/"+cmp.ID+"/recipients", k.Key, "phone\n447900000002\n", "Content-Type", "text/csv").Want(t, 200)
	e.Do(t, "GET", "/api/v1/campaigns/"+cmp.ID+"/messages", k.Key, nil).Want(t, 200)
	e.Do(t, "GET", "/api/v1/campaigns/"+cmp.ID+"/stats", k.Key, nil).Want(t, 200)
	e.Do(t, "POST", "/api/v1/campaigns/"+cmp.ID+"/domains", k.Key, map[string]any{"domain_id": d.ID}).Want(t, 200)
	e.Do(t, "GET", "/api/v1/campaigns/"+cmp.ID+"/domains", k.Key, nil).Want(t, 200)
	e.Do(t, "DELETE", "/api/v1/campaigns/"+cmp.ID+"/domains/"+d.ID, k.Key, nil).Want(t, 204)
	e.Do(t, "POST", "/api/v1/campaigns/"+cmp.ID+"/abort", k.Key, nil).Want(t, 202)
	e.Do(t, "DELETE", "/api/v1/domains/"+d.ID, k.Key, nil).Want(t, 204)
	for _, dd := range e.ListDomains(t, k.Key, "/api/v1/domains").Data {
		e.Do(t, "POST", "/api/v1/domains/actions", k.Key, map[string]any{"action": "delete", "domain_ids": []string{dd.ID}}).Want(t, 200)
	}
	orig := handlertest.Decode[models.OriginatorView](t, e.Do(t, "POST", "/api/v1/clients/"+c.ID+"/originators", e.Admin,
		map[string]any{"type": "alpha", "value": "Acme"}).Want(t, 201))
	e.Do(t, "GET", "/api/v1/clients/"+c.ID+"/originators", e.Admin, nil).Want(t, 200)
	e.Do(t, "DELETE", "/api/v1/originators/"+orig.ID, e.Admin, nil).Want(t, 204)
	if err := e.Store.AddOptOut(t.Context(), c.ID, "+447900000001"); err != nil {
		t.Fatal(err)
	}
	e.Do(t, "GET", "/api/v1/clients/"+c.ID+"/opt-outs", e.Admin, nil).Want(t, 200)
	e.Do(t, "DELETE", "/api/v1/clients/"+c.ID+"/opt-outs/+447900000001", e.Admin, nil).Want(t, 204)
	// The live stream stays open until the server ends it: end it, as a
	// shutdown does, by closing the Store's feed once the stream watches.
	go func() {
		for deadline := time.Now().Add(10 * time.Second); e.Store.CampaignWatchers() == 0 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		e.Store.Close()
	}()
	e.Do(t, "GET", "/api/v1/campaigns/live?status=draft&q=sale&tag=promo", k.Key, nil).Want(t, 200)
	e.Do(t, "DELETE", "/api/v1/clients/"+c.ID, e.Admin, nil).Want(t, 204)
	e.Do(t, "GET", "/healthz", "", nil).Want(t, 200)
	e.Do(t, "GET", "/readyz", "", nil).Want(t, 200)
	e.Do(t, "GET", "/openapi.json", "", nil).Want(t, 200)

	ok := map[string]bool{}
	for _, x := range e.VT.Exchanges() {
		if x.Status < 300 {
			ok[x.Method+" "+x.Route] = true
		}
	}
	// The workflow operations need a running engine; workflow_api_test.go
	// drives each of them to a validated success.
	workflowOps := map[string]bool{
		"POST /api/v1/domains/{id}/configure": true, "POST /api/v1/domains/{id}/domain-sid": true,
		"POST /api/v1/domains/{id}/retry": true, "POST /api/v1/domains/{id}/messaging-services": true,
		"DELETE /api/v1/domains/{id}/messaging-services/{sid}": true,
		"POST /api/v1/domains/{id}/forward-login":              true, "GET /api/v1/registrations": true,
		// domain_use_api_test.go
		"POST /api/v1/domains/{id}/restore": true, "POST /api/v1/domains/{id}/review": true,
		// webhook_delivery_api_test.go
		"POST /api/v1/webhooks/endpoints/{id}/ping": true, "POST /api/v1/webhooks/deliveries/{id}/replay": true,
		"GET /api/v1/webhooks/deliveries/{id}": true,
		// campaign_api_test.go (TestCampaignSubmitAndActions)
		"POST /api/v1/campaigns/{id}/submit": true, "POST /api/v1/campaigns/{id}/start": true,
		"POST /api/v1/campaigns/{id}/resume": true, "POST /api/v1/campaigns/{id}/pause": true,
		// campaign_live_api_test.go
		"PUT /api/v1/campaigns/{id}/connectors/link-shortening": true,
		// tracking_api_test.go (tracked links need the platform's tracking host).
		"GET /api/v1/clients/{id}/tracking": true, "PUT /api/v1/clients/{id}/tracking": true,
		"POST /api/v1/links/rewrite": true, "GET /tls/ask": true, "GET /api/v1/campaigns/{id}/links": true,
		// Twilio's callbacks are signed by Twilio: handlers/callbacks tests them.
		"POST /twilio/inbound": true, "POST /twilio/status": true, "POST /twilio/clicks": true,
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !ok[method+" "+path] && !workflowOps[method+" "+path] {
				t.Errorf("%s %s was never answered with a validated success", method, path)
			}
		}
	}
}

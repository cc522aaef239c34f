package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/api"
	"github.com/linkgate/linkgate/handlers/console"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/shortlink"
)

// TestOpenAPIDocumentIsValid31 loads openapi.json with kin-openapi and
// validates it as an api.OpenAPI 3.1 document.
func TestOpenAPIDocumentIsValid31(t *testing.T) {
	t.Parallel()
	doc, _ := handlertest.LoadSpec(t)
	if doc.OpenAPI != "3.1.0" || !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/" {
		t.Errorf("servers = %v, want one server \"/\"", doc.Servers)
	}
	bearer := doc.Components.SecuritySchemes["bearerAuth"]
	if bearer == nil || bearer.Value.Type != "http" || bearer.Value.Scheme != "bearer" {
		t.Fatalf("components.securitySchemes.bearerAuth = %+v, want http bearer", bearer)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearerAuth"] == nil {
		t.Errorf("top-level security = %v, want bearerAuth", doc.Security)
	}
	// The same checks refuse a broken document, so their silence means
	// something.
	for name, broken := range map[string][]byte{
		"dangling $ref":          bytes.Replace(api.OpenAPI, []byte(`"#/components/schemas/Client"`), []byte(`"#/components/schemas/Nope"`), 1),
		"bad type":               bytes.Replace(api.OpenAPI, []byte(`"type": "object"`), []byte(`"type": "thing"`), 1),
		"no info":                bytes.Replace(api.OpenAPI, []byte(`"info": {`), []byte(`"x-info": {`), 1),
		"missing path parameter": bytes.Replace(api.OpenAPI, []byte(`"/api/v1/domains/{id}/events"`), []byte(`"/api/v1/domains/{domain}/events"`), 1),
		"unknown keyword":        bytes.Replace(api.OpenAPI, []byte(`"operationId": "getHealth"`), []byte(`"operationID": "getHealth"`), 1),
		"bad status key":         bytes.Replace(api.OpenAPI, []byte(`"409": {`), []byte(`"40": {`), 1),
		"unknown parameter ref":  bytes.Replace(api.OpenAPI, []byte(`"#/components/parameters/limit"`), []byte(`"#/components/parameters/limits"`), 1),
	} {
		if bytes.Equal(broken, api.OpenAPI) {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		doc, err := openapi3.NewLoader().LoadFromData(broken)
		if err == nil {
			err = doc.Validate(bg)
		}
		if err == nil {
			err = checkResponseKeys(doc)
		}
		if err == nil {
			t.Errorf("%s: the broken document passed", name)
		}
	}
	if err := checkResponseKeys(doc); err != nil {
		t.Error(err)
	}
}

var bg = context.Background()

var responseKey = regexp.MustCompile(`^(default|[1-5](?:[0-9]{2}|XX))$`)

// checkResponseKeys checks what kin-openapi v0.152.0 does not: that the
// keys of every Responses object are status codes, ranges or "default".
func checkResponseKeys(doc *openapi3.T) error {
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for key := range op.Responses.Map() {
				if !responseKey.MatchString(key) {
					return fmt.Errorf("%s %s: response key %q is not a status code", method, path, key)
				}
			}
		}
	}
	return nil
}

var ginParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// TestOpenAPIPathsMatchRoutes: every route is in the document and every
// operation in the document is a route.
func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	t.Parallel()
	doc, _ := handlertest.LoadSpec(t)
	h, err := handlertest.NewServer(handlertest.Config{Config: handlers.Config{Store: models.NewStore(dbtest.SQLite(t), nil), Logger: handlertest.DiscardLogger()}})
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	for _, r := range h.Routes() {
		if strings.HasPrefix(r.Path, "/register/") {
			continue // HTML pages (registration), not the JSON API
		}
		if console.Owns(r.Path) {
			continue // HTML pages (console: /, /login, /logout, /console/...), not the JSON API
		}
		routes = append(routes, r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}"))
	}
	var ops []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+path)
		}
	}
	sort.Strings(routes)
	sort.Strings(ops)
	for _, r := range routes {
		if !slices.Contains(ops, r) {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for _, o := range ops {
		if !slices.Contains(routes, o) {
			t.Errorf("openapi.json has %s, which is not a route", o)
		}
	}
	if len(routes) < 16 {
		t.Errorf("only %d routes: %v", len(routes), routes)
	}
}

// TestOpenAPIOperationsDocumentTheirErrors checks each operation lists the
// responses the handlers can give.
func TestOpenAPIOperationsDocumentTheirErrors(t *testing.T) {
	t.Parallel()
	doc, _ := handlertest.LoadSpec(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s has no operationId", name)
			}
			want := []int{500}
			api := strings.HasPrefix(path, "/api/v1/")
			if api {
				want = append(want, 401)
				if op.Security != nil {
					t.Errorf("%s overrides security", name)
				}
			} else if op.Security == nil || len(*op.Security) != 0 {
				t.Errorf("%s should need no key (security: [])", name)
			}
			switch {
			case op.RequestBody != nil && strings.HasPrefix(path, "/twilio/"):
				// Twilio's callbacks: Twilio's form, signed (403 when
				// not), with fields linkgate does not read.
				want = append(want, 400, 403, 413)
				if mt := op.RequestBody.Value.Content.Get("application/x-www-form-urlencoded"); mt == nil || mt.Schema == nil {
					t.Errorf("%s: request body must be application/x-www-form-urlencoded", name)
				}
			case op.RequestBody != nil:
				want = append(want, 400, 413, 422)
				mt := op.RequestBody.Value.Content.Get("application/json")
				if mt == nil || mt.Schema == nil || mt.Schema.Value.AdditionalProperties.Has == nil || *mt.Schema.Value.AdditionalProperties.Has {
					t.Errorf("%s: request body must be application/json with additionalProperties: false", name)
				}
			}
			if strings.Contains(path, "{id}") {
				want = append(want, 404)
			}
			for _, p := range []string{"limit", "cursor"} {
				// Paged lists; the timeline and the registrations of one
				// domain or user, and a campaign's domains (its pool and
				// at most 1000 more), are short and come whole; stats are
				// no list.
				if strings.HasSuffix(path, "s") && method == "GET" && api && !strings.HasSuffix(path, "/events") && path != "/api/v1/registrations" &&
					!strings.HasSuffix(path, "/stats") && path != "/api/v1/campaigns/{id}/domains" && path != "/api/v1/campaigns/{id}/links" {
					if op.Parameters.GetByInAndName("query", p) == nil {
						t.Errorf("%s has no %s parameter", name, p)
					}
					want = append(want, 400, 422)
				}
			}
			for _, status := range want {
				ref := op.Responses.Status(status)
				if ref == nil {
					t.Errorf("%s does not document %d", name, status)
					continue
				}
				mt := ref.Value.Content.Get("application/problem+json")
				if mt == nil || mt.Schema == nil {
					t.Errorf("%s %d is not application/problem+json", name, status)
				}
				if status == 401 && ref.Value.Headers["WWW-Authenticate"] == nil {
					t.Errorf("%s 401 has no WWW-Authenticate header", name)
				}
			}
			for code, ref := range op.Responses.Map() {
				if h := ref.Value.Headers["X-Request-Id"]; h == nil || !h.Value.Required {
					t.Errorf("%s %s does not declare the required X-Request-Id header", name, code)
				}
				if strings.HasPrefix(code, "2") {
					continue
				}
				if code != "503" && ref.Value.Content.Get("application/problem+json") == nil {
					t.Errorf("%s %s is not a problem", name, code)
				}
			}
		}
	}
}

// TestOpenAPIParameters: limit 1..200, status is the lifecycle enum.
func TestOpenAPIParameters(t *testing.T) {
	t.Parallel()
	doc, _ := handlertest.LoadSpec(t)
	limit := doc.Components.Parameters["limit"].Value.Schema.Value
	if !limit.Type.Is("integer") || limit.Min == nil || *limit.Min != 1 || limit.Max == nil || *limit.Max != 200 {
		t.Errorf("limit schema = %+v, want integer 1..200", limit)
	}
	var want []any
	for _, s := range models.Statuses {
		want = append(want, string(s))
	}
	status := doc.Components.Parameters["status"].Value.Schema.Value
	if !reflect.DeepEqual(status.Enum, want) || len(want) != 12 {
		t.Errorf("status enum = %v, want %v", status.Enum, want)
	}
	for _, op := range []string{"/api/v1/domains", "/api/v1/clients/{id}/domains"} {
		get := doc.Paths.Value(op).Get
		for _, p := range []string{"status", "q", "limit", "cursor"} {
			if get.Parameters.GetByInAndName("query", p) == nil {
				t.Errorf("GET %s lacks %s", op, p)
			}
		}
	}
	if doc.Paths.Value("/api/v1/domains").Get.Parameters.GetByInAndName("query", "client_id") == nil {
		t.Error("GET /api/v1/domains lacks client_id")
	}
	if doc.Paths.Value("/api/v1/clients").Get.Parameters.GetByInAndName("query", "q") == nil {
		t.Error("GET /api/v1/clients lacks q")
	}
}

// jsonFieldsOf returns the JSON names of a struct's fields and whether
// each may be null (a pointer).
func jsonFieldsOf(typ reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		out[name] = f.Type.Kind() == reflect.Pointer
	}
	return out
}

// TestOpenAPISchemasMatchTypes: the component schemas have exactly the Go
// types' fields, all required in responses, nullable exactly where the Go
// field is a pointer, and no additional properties.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	t.Parallel()
	doc, _ := handlertest.LoadSpec(t)
	cases := []struct {
		schema   string
		typ      any
		response bool // every field is required and nullability must match
	}{
		{"Client", models.ClientView{}, true},
		{"Domain", models.DomainView{}, true},
		{"DNSRecord", models.DNSRecordView{}, true},
		{"Certificate", models.CertificateView{}, true},
		{"DomainEvent", models.DomainEventView{}, true},
		{"APIKeyCreated", api.APIKeyCreated{}, true},
		{"FieldError", models.FieldError{}, true},
		{"Problem", handlers.Problem{}, false},
		{"ClientList", handlers.List[models.ClientView]{}, true},
		{"DomainList", handlers.List[models.DomainView]{}, true},
		{"ClientCreate", api.ClientCreateRequest{}, false},
		{"ClientUpdate", api.ClientUpdateRequest{}, false},
		{"TrackingSettings", models.TrackingSettings{}, true},
		{"TrackingUpdate", models.TrackingSettings{}, false},
		{"Rewrite", api.RewriteRequest{}, false},
		{"RewriteResult", api.RewriteResponse{}, true},
		{"TrackedLink", shortlink.Link{}, true},
		{"CampaignLink", models.CampaignLinkStat{}, true},
		{"DomainCreate", api.DomainCreateRequest{}, false},
		{"APIKeyCreate", api.APIKeyCreateRequest{}, false},
		{"APIKey", models.APIKeyView{}, true},
		{"APIKeyList", handlers.List[models.APIKeyView]{}, true},
		{"APIKeyRotate", api.APIKeyRotateRequest{}, false},
		{"APIKeyRotated", api.APIKeyRotated{}, true},
		{"WebhookEndpoint", models.WebhookEndpointView{}, true},
		{"WebhookEndpointList", handlers.List[models.WebhookEndpointView]{}, true},
		{"WebhookEndpointCreate", api.WebhookEndpointCreateRequest{}, false},
		{"WebhookEndpointUpdate", api.WebhookEndpointUpdateRequest{}, false},
		{"Pool", models.PoolView{}, true},
		{"PoolList", handlers.List[models.PoolView]{}, true},
		{"PoolCreate", api.PoolCreateRequest{}, false},
		{"PoolUpdate", api.PoolUpdateRequest{}, false},
		{"PoolDomainsAdd", api.PoolDomainsAddRequest{}, false},
		{"DomainBulkCreate", api.DomainBulkCreateRequest{}, false},
		{"DomainBulkRow", api.DomainBulkRow{}, true},
		{"DomainBulkResult", api.DomainBulkResult{}, true},
		{"DomainActions", api.DomainActionsRequest{}, false},
		{"DomainActionRow", api.DomainActionRow{}, true},
		{"DomainActionsResult", api.DomainActionsResult{}, true},
		{"Originator", models.OriginatorView{}, true},
		{"OriginatorList", handlers.List[models.OriginatorView]{}, true},
		{"OriginatorCreate", api.OriginatorCreateRequest{}, false},
		{"OptOut", models.OptOutView{}, true},
		{"OptOutList", handlers.List[models.OptOutView]{}, true},
		{"Campaign", models.CampaignView{}, true},
		{"CampaignVariant", models.CampaignVariantView{}, true},
		{"CampaignDomains", models.CampaignDomainsView{}, true},
		{"CampaignList", handlers.List[models.CampaignView]{}, true},
		{"CampaignCreate", api.CampaignCreateRequest{}, false},
		{"CampaignUpdate", api.CampaignUpdateRequest{}, false},
		{"CampaignRecipients", api.CampaignRecipientsRequest{}, false},
		{"RecipientsResult", models.RecipientResult{}, true},
		{"RejectedRecipient", models.RejectedRecipient{}, true},
		{"Message", models.MessageView{}, true},
		{"MessageList", handlers.List[models.MessageView]{}, true},
	}
	for _, tc := range cases {
		ref := doc.Components.Schemas[tc.schema]
		if ref == nil {
			t.Errorf("components.schemas.%s is missing", tc.schema)
			continue
		}
		s := ref.Value
		fields := jsonFieldsOf(reflect.TypeOf(tc.typ))
		var props []string
		for p := range s.Properties {
			props = append(props, p)
		}
		var names []string
		for n := range fields {
			names = append(names, n)
		}
		sort.Strings(props)
		sort.Strings(names)
		if !slices.Equal(props, names) {
			t.Errorf("%s has properties %v, %T has %v", tc.schema, props, tc.typ, names)
		}
		if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
			t.Errorf("%s allows additional properties", tc.schema)
		}
		if !tc.response {
			continue
		}
		req := slices.Sorted(slices.Values(s.Required))
		if !slices.Equal(req, names) {
			t.Errorf("%s requires %v, want all of %v", tc.schema, req, names)
		}
		for name, ptr := range fields {
			p := s.Properties[name]
			if p == nil {
				continue
			}
			if nullable := p.Value.Type.Includes("null"); nullable != ptr {
				t.Errorf("%s.%s: nullable %v (type %v), Go field is a pointer: %v", tc.schema, name, nullable, p.Value.Type, ptr)
			}
		}
	}
	// The Domain's enums are the model's.
	var statuses []any
	for _, st := range models.Statuses {
		statuses = append(statuses, string(st))
	}
	if got := doc.Components.Schemas["Status"].Value.Enum; !reflect.DeepEqual(got, statuses) {
		t.Errorf("Status enum %v, want %v", got, statuses)
	}
	if got := doc.Components.Schemas["DomainEvent"].Value.Properties["from"].Value.Enum; !reflect.DeepEqual(got, append(slices.Clone(statuses), nil)) {
		t.Errorf("DomainEvent.from enum %v, want the statuses and null", got)
	}
}

// TestOpenAPIValidationBites proves the response validation used by the
// test transport rejects wrong responses, so that its silence means
// something.
func TestOpenAPIValidationBites(t *testing.T) {
	t.Parallel()
	doc, router := handlertest.LoadSpec(t)
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	d := (&models.Domain{ID: "dom_01JD0000000000000000000000", ClientID: "cli_01JD0000000000000000000000",
		Host: "ls.acme.com", Apex: "acme.com", Subdomain: "ls", Purpose: models.PurposeLinkShortening,
		Status: models.StatusPending, DNSStatus: models.DNSNotStarted, SSLStatus: models.SSLNone,
		CNAMETarget: models.DefaultCNAMETarget, CNAMETTL: 600, CreatedAt: now, UpdatedAt: now}).View()
	good := handlertest.MustJSON(t, d)

	validate := func(method, path string, status int, ct string, body []byte) error {
		req, _ := http.NewRequest(method, path, nil)
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatalf("route %s %s: %v", method, path, err)
		}
		hdr := http.Header{"Content-Type": {ct}, "X-Request-Id": {"req_1"}}
		if status >= 400 {
			hdr.Set("Cache-Control", "no-store")
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 status, Header: hdr,
			Options: &openapi3filter.Options{IncludeResponseStatus: true},
		}
		in.SetBodyBytes(body)
		return openapi3filter.ValidateResponse(bg, in)
	}
	if err := validate("GET", "/api/v1/domains/"+d.ID, 200, "application/json", good); err != nil {
		t.Fatalf("a good domain is refused: %v", err)
	}
	withNulls := strings.Replace(string(good), `"status_reason":null`, `"status_reason":"waiting"`, 1)
	if err := validate("GET", "/api/v1/domains/"+d.ID, 200, "application/json", []byte(withNulls)); err != nil {
		t.Fatalf("a domain with a status_reason is refused: %v", err)
	}
	bad := map[string]string{
		"missing host":          strings.Replace(string(good), `"host":"ls.acme.com",`, "", 1),
		"extra field":           strings.Replace(string(good), `{`, `{"extra":1,`, 1),
		"unknown status":        strings.Replace(string(good), `"status":"pending"`, `"status":"bogus"`, 1),
		"setup_mode a number":   strings.Replace(string(good), `"setup_mode":null`, `"setup_mode":5`, 1),
		"setup_mode unknown":    strings.Replace(string(good), `"setup_mode":null`, `"setup_mode":"magic"`, 1),
		"status_reason number":  strings.Replace(string(good), `"status_reason":null`, `"status_reason":3`, 1),
		"domain_sid bad":        strings.Replace(string(good), `"domain_sid":null`, `"domain_sid":"XX1"`, 1),
		"null host":             strings.Replace(string(good), `"host":"ls.acme.com"`, `"host":null`, 1),
		"ttl a string":          strings.Replace(string(good), `"ttl":600`, `"ttl":"600"`, 1),
		"cert expiry a number":  strings.Replace(string(good), `"expires_at":null`, `"expires_at":1`, 1),
		"created_at not a time": strings.Replace(string(good), `"created_at":"2025-01-02T03:04:05Z"`, `"created_at":"yesterday"`, 1),
		"no dns records item":   strings.Replace(string(good), `"type":"CNAME"`, `"type":"TXT"`, 1),
	}
	for name, body := range bad {
		if body == string(good) {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		if err := validate("GET", "/api/v1/domains/"+d.ID, 200, "application/json", []byte(body)); err == nil {
			t.Errorf("%s: a wrong domain passed validation: %s", name, body)
		}
	}
	if err := validate("GET", "/api/v1/domains", 200, "application/json", []byte(`{"data":[`+string(good)+`],"next_cursor":7}`)); err == nil {
		t.Error("a numeric next_cursor passed validation")
	}
	if err := validate("GET", "/api/v1/domains", 200, "application/json", []byte(`{"data":[`+string(good)+`]}`)); err == nil {
		t.Error("a list without next_cursor passed validation")
	}
	if err := validate("GET", "/api/v1/domains", 200, "application/json", []byte(`{"data":[`+string(good)+`],"next_cursor":null}`)); err != nil {
		t.Errorf("a good list is refused: %v", err)
	}
	prob := `{"type":"urn:linkgate:problem:not_found","title":"Not Found","status":404,"code":"not_found","detail":"domain not found"}`
	if err := validate("GET", "/api/v1/domains/"+d.ID, 404, "application/problem+json", []byte(prob)); err != nil {
		t.Errorf("a good 404 problem is refused: %v", err)
	}
	if err := validate("GET", "/api/v1/domains/"+d.ID, 404, "application/json", []byte(prob)); err == nil {
		t.Error("a problem sent as application/json passed validation")
	}
	if err := validate("GET", "/api/v1/domains/"+d.ID, 404, "application/problem+json", []byte(strings.Replace(prob, "404", "422", 1))); err == nil {
		t.Error("a 404 response whose problem says 422 passed validation")
	}
	if err := validate("GET", "/api/v1/domains/"+d.ID, 404, "application/problem+json", []byte(strings.Replace(prob, `"code":"not_found",`, "", 1))); err == nil {
		t.Error("a problem without code passed validation")
	}
	if err := validate("GET", "/api/v1/domains/"+d.ID, 418, "application/problem+json", []byte(strings.Replace(prob, "404", "418", 1))); err == nil {
		t.Error("an undocumented status passed validation")
	}
	if err := validate("GET", "/api/v1/domains/"+d.ID, 401, "application/problem+json", []byte(strings.NewReplacer("404", "401", "not_found", "unauthorized").Replace(prob))); err == nil {
		t.Error("a 401 without WWW-Authenticate passed validation")
	}
	// Bulk rows: a domain or null, a problem or null, each checked.
	bulk := func(row string) error {
		return validate("POST", "/api/v1/clients/"+d.ClientID+"/domains/bulk", 200, "application/json", []byte(`{"data":[`+row+`]}`))
	}
	if err := bulk(`{"input":"acme.com","domain":` + string(good) + `,"error":null}`); err != nil {
		t.Errorf("a good bulk row is refused: %v", err)
	}
	if err := bulk(`{"input":"x","domain":null,"error":` + strings.Replace(prob, "404", "409", 1) + `}`); err != nil {
		t.Errorf("a good failed bulk row is refused: %v", err)
	}
	for name, row := range map[string]string{
		"bad domain in a row":  `{"input":"acme.com","domain":` + strings.Replace(string(good), `"status":"pending"`, `"status":"bogus"`, 1) + `,"error":null}`,
		"bad problem in a row": `{"input":"x","domain":null,"error":` + strings.Replace(prob, `"code":"not_found",`, "", 1) + `}`,
		"row without error":    `{"input":"acme.com","domain":` + string(good) + `}`,
		"domain a string":      `{"input":"acme.com","domain":"dom","error":null}`,
	} {
		if err := bulk(row); err == nil {
			t.Errorf("%s passed validation", name)
		}
	}
	_ = doc
}

package api_test

// The text rules (API.md "Errors") on every writable string of every JSON
// route, on SQLite and PostgreSQL: bad text is a 4xx problem naming the
// field (by its JSON path) and changes nothing; the same for query
// parameters and paths.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// badText is a fragment put inside a JSON string literal as it is: raw
// bytes or a JSON escape.
type badText struct {
	name     string
	fragment string
	status   int
	code     string
}

var badTexts = []badText{
	{"NUL escape", `\u0000`, 422, handlers.CodeInvalidCharacters},
	{"invalid UTF-8", "\xff\xfe", 400, handlers.CodeInvalidUTF8},
	{"truncated UTF-8", "\xe2\x80", 400, handlers.CodeInvalidUTF8},
	{"C0 bell", `\u0007`, 422, handlers.CodeInvalidCharacters},
	{"tab", `\t`, 422, handlers.CodeInvalidCharacters},
	{"newline", `\n`, 422, handlers.CodeInvalidCharacters},
	{"DEL", "\x7f", 422, handlers.CodeInvalidCharacters},
	{"C1 NEL", "\u0085", 422, handlers.CodeInvalidCharacters},
	{"C1 escape", `\u009b`, 422, handlers.CodeInvalidCharacters},
	{"bidi override", "\u202e", 422, handlers.CodeInvalidCharacters},
	{"bidi isolate escape", `\u2066`, 422, handlers.CodeInvalidCharacters},
	{"left-to-right mark", "\u200e", 422, handlers.CodeInvalidCharacters},
	{"Arabic letter mark", "\u061c", 422, handlers.CodeInvalidCharacters},
	{"zero-width space", "\u200b", 422, handlers.CodeInvalidCharacters},
	{"zero-width joiner", `\u200d`, 422, handlers.CodeInvalidCharacters},
	{"word joiner", "\u2060", 422, handlers.CodeInvalidCharacters},
	{"BOM", "\ufeff", 422, handlers.CodeInvalidCharacters},
	{"lone high surrogate", `\ud800`, 422, handlers.CodeInvalidCharacters},
	{"lone low surrogate", `\udc00`, 422, handlers.CodeInvalidCharacters},
	{"reversed surrogates", `\udc00\ud800`, 422, handlers.CodeInvalidCharacters},
}

// textField is one writable string of one route: body has "@@" where the
// bad fragment goes, inside the string named field.
type textField struct {
	method, path, body, field string
}

func TestAPIRefusesBadTextEverywhere(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		// The engine is not started: no job changes anything behind the
		// snapshots' backs.
		e := handlertest.NewWorkflowAPI(t, db, handlertest.WFOptions{NoStart: true})
		cl := createPlanClient(t, e.Env, "Acme", "ops@acme.com", models.PlanPremium)
		d := e.CreateDomain(t, e.Admin, cl.ID, map[string]any{"domain": "acme.com"})
		key := e.ClientKey(t, cl.ID)
		ep := handlertest.Decode[models.WebhookEndpointView](t, e.Do(t, "POST", "/api/v1/webhooks/endpoints", e.Admin,
			map[string]any{"url": "https://hooks.acme.com/x", "events": []string{"domain.*"}, "client_id": cl.ID}).Want(t, http.StatusCreated))
		pool := handlertest.Decode[models.PoolView](t, e.Do(t, "POST", "/api/v1/clients/"+cl.ID+"/pools", e.Admin,
			map[string]any{"name": "Main", "domain_ids": []string{d.ID}}).Want(t, http.StatusCreated))
		cmp := handlertest.Decode[models.CampaignView](t, e.Do(t, "POST", "/api/v1/clients/"+cl.ID+"/campaigns", e.Admin,
			map[string]any{"name": "Sale", "variants": []map[string]any{{"body": "Hi", "ratio": 100}}}).Want(t, http.StatusCreated))

		// What the API shows: unchanged by every refused request.
		snapshot := func() string {
			var b strings.Builder
			for _, p := range []string{"/api/v1/clients", "/api/v1/clients/" + cl.ID, "/api/v1/clients/" + cl.ID + "/api-keys",
				"/api/v1/domains", "/api/v1/domains/" + d.ID, "/api/v1/domains/" + d.ID + "/events",
				"/api/v1/registrations?domain_id=" + d.ID, "/api/v1/webhooks/endpoints", "/api/v1/webhooks/endpoints/" + ep.ID,
				"/api/v1/clients/" + cl.ID + "/pools", "/api/v1/pools/" + pool.ID,
				"/api/v1/clients/" + cl.ID + "/originators", "/api/v1/clients/" + cl.ID + "/opt-outs",
				"/api/v1/campaigns", "/api/v1/campaigns/" + cmp.ID, "/api/v1/campaigns/" + cmp.ID + "/messages",
				"/api/v1/campaigns/" + cmp.ID + "/stats", "/api/v1/campaigns/" + cmp.ID + "/domains"} {
				b.WriteString(p + " ")
				b.Write(e.Do(t, "GET", p, e.Admin, nil).Want(t, http.StatusOK).Body)
				b.WriteString("\n")
			}
			return b.String()
		}
		before := snapshot()

		clients, domains := "/api/v1/clients", "/api/v1/clients/"+cl.ID+"/domains"
		dom := "/api/v1/domains/" + d.ID
		fields := []textField{
			{"POST", clients, `{"name":"Ac@@me","email":"new@acme.com"}`, "name"},
			{"POST", clients, `{"name":"Acme","email":"new@@@acme.com"}`, "email"},
			{"POST", clients, `{"name":"Acme","email":"new@acme.com","plan":"basic@@"}`, "plan"},
			{"POST", clients, `{"name":"Acme","email":"new@acme.com","fallback_url":"https://acme.com/@@"}`, "fallback_url"},
			{"PATCH", clients + "/" + cl.ID, `{"name":"Ac@@me"}`, "name"},
			{"PATCH", clients + "/" + cl.ID, `{"email":"ops@@@acme.com"}`, "email"},
			{"PATCH", clients + "/" + cl.ID, `{"plan":"@@enterprise"}`, "plan"},
			{"PATCH", clients + "/" + cl.ID, `{"fallback_url":"https://acme.com/@@"}`, "fallback_url"},
			{"POST", clients + "/" + cl.ID + "/api-keys", `{"name":"ci@@"}`, "name"},
			{"POST", clients + "/" + cl.ID + "/api-keys", `{"expires_at":"2099-01-01T00:00:00Z@@"}`, "expires_at"},
			{"POST", "/api/v1/api-keys/" + key.ID + "/rotate", `{"grace_seconds":"60@@"}`, "grace_seconds"},
			{"POST", domains, `{"domain":"oth@@er.com"}`, "domain"},
			{"POST", domains, `{"domain":"other.com","subdomain":"l@@s"}`, "subdomain"},
			{"POST", domains, `{"domain":"other.com","purpose":"link_shortening@@"}`, "purpose"},
			{"POST", dom + "/configure", `{"mode":"manual@@"}`, "mode"},
			{"POST", dom + "/configure", `{"mode":"self","provider":"cloud@@flare","credentials":{"api_token":"tok"}}`, "provider"},
			{"POST", dom + "/configure", `{"mode":"self","provider":"cloudflare","credentials":{"api_token":"tok@@"}}`, "credentials.api_token"},
			{"POST", dom + "/domain-sid", `{"domain_sid":"DN0123456789abcdef0123456789abcdef@@"}`, "domain_sid"},
			{"POST", dom + "/messaging-services", `{"messaging_service_sid":"@@MG0123456789abcdef0123456789abcdef"}`, "messaging_service_sid"},
			{"POST", dom + "/forward-login", `{"email":"owner@@@acme.com","share_link":true}`, "email"},
			{"POST", dom + "/review", `{"decision":"clear@@"}`, "decision"},
			{"POST", dom + "/review", `{"decision":"clear","note":"false @@positive"}`, "note"},
			{"POST", "/api/v1/webhooks/endpoints", `{"url":"https://hooks.acme.com/@@","events":["domain.*"],"client_id":"` + cl.ID + `"}`, "url"},
			{"POST", "/api/v1/webhooks/endpoints", `{"url":"https://hooks.acme.com/y","events":["domain.*","domain.created@@"],"client_id":"` + cl.ID + `"}`, "events[1]"},
			{"POST", "/api/v1/webhooks/endpoints", `{"url":"https://hooks.acme.com/y","events":["domain.*"],"client_id":"` + cl.ID + `@@"}`, "client_id"},
			{"PATCH", "/api/v1/webhooks/endpoints/" + ep.ID, `{"url":"https://hooks.acme.com/@@"}`, "url"},
			{"PATCH", "/api/v1/webhooks/endpoints/" + ep.ID, `{"events":["@@domain.*"]}`, "events[0]"},
			{"POST", domains + "/bulk", `{"domains":["other.com","oth@@er.net"]}`, "domains[1]"},
			{"POST", domains + "/bulk", `{"domains":["other.com"],"subdomain":"l@@s"}`, "subdomain"},
			{"POST", clients + "/" + cl.ID + "/pools", `{"name":"Po@@ol"}`, "name"},
			{"POST", clients + "/" + cl.ID + "/pools", `{"name":"Pool","domain_ids":["` + d.ID + `@@"]}`, "domain_ids[0]"},
			{"PATCH", "/api/v1/pools/" + pool.ID, `{"name":"Ma@@in"}`, "name"},
			{"PATCH", "/api/v1/pools/" + pool.ID, `{"domain_ids":["` + d.ID + `","@@x"]}`, "domain_ids[1]"},
			{"POST", "/api/v1/pools/" + pool.ID + "/domains", `{"domain_ids":["` + d.ID + `@@"]}`, "domain_ids[0]"},
			{"POST", "/api/v1/domains/actions", `{"action":"delete@@","domain_ids":["` + d.ID + `"]}`, "action"},
			{"POST", "/api/v1/domains/actions", `{"action":"delete","domain_ids":["` + d.ID + `@@"]}`, "domain_ids[0]"},
			{"POST", "/api/v1/domains/actions", `{"action":"add_to_pool","domain_ids":["` + d.ID + `"],"pool_id":"` + pool.ID + `@@"}`, "pool_id"},
			{"POST", clients + "/" + cl.ID + "/originators", `{"type":"alpha@@","value":"Acme"}`, "type"},
			{"POST", clients + "/" + cl.ID + "/originators", `{"type":"alpha","value":"Ac@@me"}`, "value"},
			{"POST", clients + "/" + cl.ID + "/originators", `{"type":"mobile","value":"+447123123123@@"}`, "value"},
		}
		campaigns, cmpPath := clients+"/"+cl.ID+"/campaigns", "/api/v1/campaigns/"+cmp.ID
		fields = append(fields, []textField{
			{"POST", campaigns, `{"name":"Sa@@le"}`, "name"},
			{"POST", campaigns, `{"name":"Sale","tags":["ok","pro@@mo"]}`, "tags[1]"},
			{"POST", campaigns, `{"name":"Sale","messaging_service_sid":"MG0123456789abcdef0123456789abcdef@@"}`, "messaging_service_sid"},
			{"POST", campaigns, `{"name":"Sale","originator_id":"org@@"}`, "originator_id"},
			{"POST", campaigns, `{"name":"Sale","variants":[{"body":"Hi @@there","ratio":100}]}`, "variants[0].body"},
			{"POST", campaigns, `{"name":"Sale","domains":{"pool_id":"` + pool.ID + `@@"}}`, "domains.pool_id"},
			{"POST", campaigns, `{"name":"Sale","domains":{"domain_ids":["` + d.ID + `@@"]}}`, "domains.domain_ids[0]"},
			{"POST", campaigns, `{"name":"Sale","tracking":"all@@"}`, "tracking"},
			{"POST", campaigns, `{"name":"Sale","scheduled_at":"2099-01-01T00:00:00Z@@"}`, "scheduled_at"},
			{"PATCH", cmpPath, `{"name":"Sa@@le"}`, "name"},
			{"PATCH", cmpPath, `{"tags":["@@x"]}`, "tags[0]"},
			{"PATCH", cmpPath, `{"messaging_service_sid":"@@MG0123456789abcdef0123456789abcdef"}`, "messaging_service_sid"},
			{"PATCH", cmpPath, `{"originator_id":"org@@"}`, "originator_id"},
			{"PATCH", cmpPath, `{"variants":[{"body":"Hi@@","ratio":100}]}`, "variants[0].body"},
			{"PATCH", cmpPath, `{"variants":[{"id":"var@@","ratio":100}]}`, "variants[0].id"},
			{"PATCH", cmpPath, `{"domains":{"pool_id":"` + pool.ID + `@@"}}`, "domains.pool_id"},
			{"PATCH", cmpPath, `{"domains":{"domain_ids":["@@` + d.ID + `"]}}`, "domains.domain_ids[0]"},
			{"PATCH", cmpPath, `{"tracking":"off@@"}`, "tracking"},
			{"PATCH", cmpPath, `{"scheduled_at":"2099-01-01T00:00:00Z@@"}`, "scheduled_at"},
			{"POST", cmpPath + "/recipients", `{"recipients":[{"phone":"+44790000@@0001"}]}`, "recipients[0].phone"},
			{"POST", cmpPath + "/recipients", `{"recipients":[{"phone":"+447900000001","vars":{"name":"A@@n"}}]}`, "recipients[0].vars.name"},
			{"PUT", cmpPath + "/connectors/link-shortening", `{"domain_id":"` + d.ID + `@@"}`, "domain_id"},
			{"POST", cmpPath + "/domains", `{"domain_id":"` + d.ID + `@@"}`, "domain_id"},
		}...)
		ids := strings.NewReplacer(cl.ID, "{id}", d.ID, "{id}", key.ID, "{id}", ep.ID, "{id}", pool.ID, "{id}", cmp.ID, "{id}")
		for _, f := range fields {
			t.Run(f.method+" "+ids.Replace(f.path)+" "+f.field, func(t *testing.T) {
				for _, bt := range badTexts {
					body := strings.Replace(f.body, "@@", bt.fragment, 1)
					r := e.Do(t, f.method, f.path, e.Admin, body)
					if r.Status != bt.status {
						t.Errorf("%s: %s → %d, want %d: %s", bt.name, body, r.Status, bt.status, handlertest.Truncate(r.Body))
						continue
					}
					handlertest.WantProblem(t, r, bt.status, bt.code, f.field)
				}
				if after := snapshot(); after != before {
					t.Fatalf("refused requests changed what the API shows:\nbefore: %s\nafter:  %s", before, after)
				}
			})
		}

		t.Run("a bad key is named, escaped", func(t *testing.T) {
			r := e.Do(t, "POST", clients, e.Admin, `{"na\u0000me":"Acme","email":"new@acme.com"}`)
			handlertest.WantProblem(t, r, 422, handlers.CodeInvalidCharacters, `na\x00me`)
		})

		t.Run("confusable hosts", func(t *testing.T) {
			for _, tc := range []struct{ body, field string }{
				{`{"domain":"\u0430pple.com"}`, "domain"},
				{"{\"domain\":\"\u0430pple.com\"}", "domain"},
				{`{"domain":"xn--pple-43d.com"}`, "domain"},
				{`{"domain":"g\u03bfogle.com"}`, "domain"},
				{`{"domain":"other.com","subdomain":"p\u0430y"}`, "subdomain"},
			} {
				handlertest.WantProblem(t, e.Do(t, "POST", domains, e.Admin, tc.body), 422, "confusable_domain", tc.field)
			}
			if after := snapshot(); after != before {
				t.Fatalf("refused domains changed what the API shows:\nbefore: %s\nafter:  %s", before, after)
			}
		})

		t.Run("query parameters", func(t *testing.T) {
			for _, tc := range []struct {
				path, param string
				status      int
				code        string
			}{
				{"/api/v1/clients?q=a%00b", "q", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/clients?q=%ff", "q", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/clients?q=a%E2%80%AEb&limit=5", "q", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/clients?cursor=%07", "cursor", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/clients?q=%zz", "q", 400, "malformed_query"},
				{"/api/v1/domains?q=a%00b", "q", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/domains?status=%ff", "status", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/domains?client_id=cli%E2%80%8B", "client_id", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/clients/" + cl.ID + "/domains?q=%C2%85", "q", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/registrations?domain=ls.acme.com%00", "domain", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/webhooks/deliveries?status=%7f", "status", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/webhooks/endpoints?limit=1%00", "limit", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/domains?pool_id=pool%E2%80%8B", "pool_id", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/clients/" + cl.ID + "/pools?cursor=%00", "cursor", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/clients/" + cl.ID + "/originators?cursor=%00", "cursor", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/clients/" + cl.ID + "/opt-outs?limit=5%E2%80%8B", "limit", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/campaigns?q=a%00b", "q", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/campaigns?tag=%E2%80%AE", "tag", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/campaigns?client_id=%ff", "client_id", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/clients/" + cl.ID + "/campaigns?status=%07", "status", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/campaigns/" + cmp.ID + "/messages?status=%00", "status", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/campaigns/live?q=a%00b", "q", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/campaigns/live?tag=%E2%80%AE", "tag", 422, handlers.CodeInvalidCharacters},
				{"/api/v1/campaigns/live?status=%07", "status", 422, handlers.CodeInvalidCharacters},
			} {
				handlertest.WantProblem(t, e.Do(t, "GET", tc.path, e.Admin, nil), tc.status, tc.code, tc.param)
			}
		})

		t.Run("paths", func(t *testing.T) {
			for _, p := range []string{"/api/v1/clients/a%00b", "/api/v1/domains/%ff", "/api/v1/domains/dom%E2%80%AE/events", "/api/v1/pools/pool%00", "/api/v1/campaigns/cmp%00", "/api/v1/campaigns/cmp%E2%80%AE/messages",
				"/api/v1/campaigns/cmp%00/stats", "/api/v1/campaigns/cmp%E2%80%8B/domains"} {
				handlertest.WantProblem(t, e.Do(t, "GET", p, e.Admin, nil), 404, "not_found")
			}
		})

		// What passes is stored in NFC and found by the NFC form of either
		// spelling.
		t.Run("NFC", func(t *testing.T) {
			r := e.Do(t, "POST", clients, e.Admin, `{"name":"Cafe\u0301 Ltd","email":"cafe@acme.com"}`).Want(t, http.StatusCreated)
			if got := handlertest.Decode[models.ClientView](t, r).Name; got != "Caf\u00e9 Ltd" {
				t.Fatalf("name stored as %q, want the NFC %q", got, "Caf\u00e9 Ltd")
			}
			for _, q := range []string{"cafe\u0301", "caf\u00e9"} {
				l := handlertest.Decode[handlers.List[models.ClientView]](t,
					e.Do(t, "GET", clients+"?q="+url.QueryEscape(q), e.Admin, nil).Want(t, http.StatusOK))
				if len(l.Data) != 1 || l.Data[0].Name != "Caf\u00e9 Ltd" {
					t.Errorf("?q=%q found %+v, want the one client", q, l.Data)
				}
			}
		})
	})
}

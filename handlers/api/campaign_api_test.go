package api_test

// Campaigns (API.md "Campaigns"), on SQLite and PostgreSQL: create, read,
// change and list; recipients uploads (JSON and streamed CSV); submit and
// the content checks; the status actions and their 409s; isolation
// between clients; bad input is 422 naming the field and stores nothing.

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

func createCampaign(t *testing.T, e *handlertest.Env, key, clientID string, body map[string]any) models.CampaignView {
	t.Helper()
	r := e.Do(t, "POST", "/api/v1/clients/"+clientID+"/campaigns", key, body).Want(t, http.StatusCreated)
	c := handlertest.Decode[models.CampaignView](t, r)
	if r.Header.Get("Location") != "/api/v1/campaigns/"+c.ID {
		t.Errorf("Location = %q", r.Header.Get("Location"))
	}
	return c
}

func getCampaign(t *testing.T, e *handlertest.Env, key, id string) models.CampaignView {
	t.Helper()
	return handlertest.Decode[models.CampaignView](t, e.Do(t, "GET", "/api/v1/campaigns/"+id, key, nil).Want(t, http.StatusOK))
}

func campaignAction(t *testing.T, e *handlertest.Env, key, id, action string, want int) handlertest.Reply {
	t.Helper()
	return e.Do(t, "POST", "/api/v1/campaigns/"+id+"/"+action, key, nil).Want(t, want)
}

func uploadRecipients(t *testing.T, e *handlertest.Env, key, id string, body any, hdr ...string) models.RecipientResult {
	t.Helper()
	return handlertest.Decode[models.RecipientResult](t, e.Do(t, "POST", "/api/v1/campaigns/"+id+"/recipients", key, body, hdr...).Want(t, http.StatusOK))
}

func listCampaigns(t *testing.T, e *handlertest.Env, key, path string) handlers.List[models.CampaignView] {
	t.Helper()
	return handlertest.Decode[handlers.List[models.CampaignView]](t, e.Do(t, "GET", path, key, nil).Want(t, http.StatusOK))
}

func campaignNames(l handlers.List[models.CampaignView]) []string {
	out := []string{}
	for _, c := range l.Data {
		out = append(out, c.Name)
	}
	return out
}

func oneVariant(body string) []map[string]any { return []map[string]any{{"body": body, "ratio": 100}} }

func TestCampaignsCreateGetListAndIsolation(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		f := newCampaignFixture(t, db)
		e := f.e
		pool := createPool(t, e, f.ka, f.a.ID, "Main", f.aIDs[0])
		mg := handlertest.NewMG(t)
		at := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
		c := createCampaign(t, e, f.ka, f.a.ID, map[string]any{
			"name": " Spring sale ", "tags": []string{"promo", "spring"}, "messaging_service_sid": mg,
			"variants": []map[string]any{{"body": "Hi {{name}}, 20% off", "ratio": 70}, {"body": "Salut {{name}} — 20 %", "ratio": 30}},
			"domains":  map[string]any{"pool_id": pool.ID, "domain_ids": []string{f.aIDs[2], f.aIDs[1]}},
			"tracking": "marked", "scheduled_at": at,
		})
		// Tracking on: Twilio's link shortening is off unless asked for (both together are a 422).
		if c.Status != models.CampaignDraft || c.Name != "Spring sale" || c.LinkShortening || c.Tracking != models.TrackingMarked ||
			c.MessagingServiceSID != mg || c.ClientID != f.a.ID || !strings.HasPrefix(c.ID, "cmp_") || c.RecipientCount != 0 {
			t.Fatalf("created %+v", c)
		}
		if c.ScheduledAt == nil || !c.ScheduledAt.Equal(at) || c.Domains.PoolID == nil || *c.Domains.PoolID != pool.ID ||
			fmt.Sprint(c.Domains.DomainIDs) != fmt.Sprint([]string{f.aIDs[2], f.aIDs[1]}) {
			t.Errorf("schedule/domains: %+v", c)
		}
		if len(c.Variants) != 2 || c.Variants[0].Encoding != models.EncodingGSM7 || c.Variants[1].Encoding != models.EncodingUCS2 ||
			c.Variants[0].Segments != 1 || c.Variants[0].Ratio != 70 || !strings.HasPrefix(c.Variants[0].ID, "var_") {
			t.Errorf("variants: %+v", c.Variants)
		}
		// Defaults.
		d := createCampaign(t, e, e.Admin, f.a.ID, map[string]any{"name": "Plain"})
		if !d.LinkShortening || d.Tracking != models.TrackingOff || d.Variants == nil || d.Tags == nil || d.Domains.DomainIDs == nil {
			t.Errorf("defaults: %+v", d)
		}
		long := createCampaign(t, e, f.ka, f.a.ID, map[string]any{"name": "Long", "tags": []string{"promo"},
			"variants": oneVariant(strings.Repeat("a", 161))})
		if long.Variants[0].Segments != 2 || long.Variants[0].Ratio != 100 {
			t.Errorf("long variant: %+v", long.Variants[0])
		}
		other := createCampaign(t, e, f.kb, f.b.ID, map[string]any{"name": "Bravo's", "tags": []string{"promo"}})

		if got := getCampaign(t, e, f.ka, c.ID); got.Name != c.Name || got.UpdatedAt != c.UpdatedAt {
			t.Errorf("get: %+v", got)
		}
		// Isolation: another client's campaign is not found, whatever the route.
		for _, rq := range []struct{ method, path string }{
			{"GET", "/api/v1/campaigns/" + c.ID}, {"PATCH", "/api/v1/campaigns/" + c.ID},
			{"POST", "/api/v1/campaigns/" + c.ID + "/recipients"}, {"POST", "/api/v1/campaigns/" + c.ID + "/submit"},
			{"POST", "/api/v1/campaigns/" + c.ID + "/start"}, {"POST", "/api/v1/campaigns/" + c.ID + "/pause"},
			{"POST", "/api/v1/campaigns/" + c.ID + "/resume"}, {"POST", "/api/v1/campaigns/" + c.ID + "/abort"},
			{"GET", "/api/v1/campaigns/" + c.ID + "/messages"}, {"GET", "/api/v1/clients/" + f.a.ID + "/campaigns"},
		} {
			var body any
			switch {
			case rq.method == "PATCH":
				body = map[string]any{"name": "mine"}
			case strings.HasSuffix(rq.path, "/recipients"):
				body = map[string]any{"recipients": []map[string]any{{"phone": "+447900000001"}}}
			}
			handlertest.WantProblem(t, e.Do(t, rq.method, rq.path, f.kb, body), 404, "not_found")
		}
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/clients/"+f.a.ID+"/campaigns", f.kb, map[string]any{"name": "x"}), 404, "not_found")
		if got := getCampaign(t, e, f.ka, c.ID); got.Name != "Spring sale" || got.RecipientCount != 0 {
			t.Errorf("another client's requests changed the campaign: %+v", got)
		}

		// Lists: newest first, scoped, filtered, paged.
		if got := campaignNames(listCampaigns(t, e, f.ka, "/api/v1/campaigns")); fmt.Sprint(got) != "[Long Plain Spring sale]" {
			t.Errorf("client a's list = %v", got)
		}
		if got := campaignNames(listCampaigns(t, e, f.kb, "/api/v1/campaigns")); fmt.Sprint(got) != "[Bravo's]" {
			t.Errorf("client b's list = %v", got)
		}
		if got := campaignNames(listCampaigns(t, e, e.Admin, "/api/v1/campaigns?tag=promo")); fmt.Sprint(got) != "[Bravo's Long Spring sale]" {
			t.Errorf("tag=promo = %v", got)
		}
		if got := campaignNames(listCampaigns(t, e, e.Admin, "/api/v1/campaigns?tag=PROMO&client_id="+f.a.ID)); fmt.Sprint(got) != "[Long Spring sale]" {
			t.Errorf("tag+client_id = %v", got)
		}
		if got := campaignNames(listCampaigns(t, e, e.Admin, "/api/v1/campaigns?tag=pro")); len(got) != 0 {
			t.Errorf("a tag matches whole tags only: %v", got)
		}
		if got := campaignNames(listCampaigns(t, e, f.ka, "/api/v1/clients/"+f.a.ID+"/campaigns?q=SALE")); fmt.Sprint(got) != "[Spring sale]" {
			t.Errorf("q = %v", got)
		}
		if got := campaignNames(listCampaigns(t, e, f.ka, "/api/v1/campaigns?status=draft&q=l")); fmt.Sprint(got) != "[Long Plain Spring sale]" {
			t.Errorf("status = %v", got)
		}
		if got := listCampaigns(t, e, f.ka, "/api/v1/campaigns?status=ready"); len(got.Data) != 0 {
			t.Errorf("status=ready = %v", campaignNames(got))
		}
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/campaigns?status=nope", f.ka, nil), 422, "invalid_status", "status")
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/campaigns?client_id="+f.a.ID, f.kb, nil), 404, "not_found")
		var seen []string
		path := "/api/v1/campaigns?limit=1"
		for range 5 {
			l := listCampaigns(t, e, e.Admin, path)
			seen = append(seen, campaignNames(l)...)
			if l.NextCursor == nil {
				break
			}
			path = "/api/v1/campaigns?limit=1&cursor=" + *l.NextCursor
		}
		if fmt.Sprint(seen) != "[Bravo's Long Plain Spring sale]" {
			t.Errorf("pages = %v", seen)
		}
		_ = other
	})
}

func TestCampaignsBadInputStoresNothing(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		f := newCampaignFixture(t, db)
		e := f.e
		poolB := createPool(t, e, f.kb, f.b.ID, "Theirs", f.bIDs[0])
		past := time.Now().Add(-time.Hour).UTC()
		for _, tc := range []struct {
			name  string
			body  string
			field string
		}{
			{"no name", `{"tags":["x"]}`, "name"},
			{"blank name", `{"name":"   "}`, "name"},
			{"long name", `{"name":"` + strings.Repeat("n", 201) + `"}`, "name"},
			{"too many tags", `{"name":"x","tags":[` + strings.TrimSuffix(strings.Repeat(`"t",`, 21), ",") + `]}`, "tags"},
			{"long tag", `{"name":"x","tags":["` + strings.Repeat("t", 51) + `"]}`, "tags[0]"},
			{"bad sid", `{"name":"x","messaging_service_sid":"MG123"}`, "messaging_service_sid"},
			{"ratios not 100", `{"name":"x","variants":[{"body":"a","ratio":50},{"body":"b","ratio":40}]}`, "variants"},
			{"ratio not integer", `{"name":"x","variants":[{"body":"a","ratio":50.5},{"body":"b","ratio":49.5}]}`, "variants"},
			{"ratio missing", `{"name":"x","variants":[{"body":"a","ratio":50},{"body":"b"}]}`, "variants"},
			{"no body", `{"name":"x","variants":[{"ratio":100}]}`, "variants"},
			{"negative ratio", `{"name":"x","variants":[{"body":"a","ratio":-10},{"body":"b","ratio":110}]}`, "variants"},
			{"another client's pool", `{"name":"x","domains":{"pool_id":"` + poolB.ID + `"}}`, "domains.pool_id"},
			{"another client's domain", `{"name":"x","domains":{"domain_ids":["` + f.aIDs[0] + `","` + f.bIDs[0] + `"]}}`, "domains.domain_ids"},
			{"a domain twice", `{"name":"x","domains":{"domain_ids":["` + f.aIDs[0] + `","` + f.aIDs[0] + `"]}}`, "domains.domain_ids"},
			{"bad tracking", `{"name":"x","tracking":"some"}`, "tracking"},
			{"past schedule", `{"name":"x","scheduled_at":"` + past.Format(time.RFC3339) + `"}`, "scheduled_at"},
			{"unknown field", `{"name":"x","colour":"red"}`, "colour"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/clients/"+f.a.ID+"/campaigns", f.ka, tc.body), 422, "", tc.field)
			})
		}
		if l := listCampaigns(t, e, e.Admin, "/api/v1/campaigns"); len(l.Data) != 0 {
			t.Fatalf("refused creates stored %v", campaignNames(l))
		}
		// The same rules on PATCH, which changes nothing when refused.
		c := createCampaign(t, e, f.ka, f.a.ID, map[string]any{"name": "Keep", "variants": oneVariant("hello")})
		for _, tc := range []struct{ body, field string }{
			{`{"name":""}`, "name"},
			{`{"variants":[{"body":"a","ratio":60},{"body":"b","ratio":60}]}`, "variants"},
			{`{"domains":{"pool_id":"` + poolB.ID + `"}}`, "domains.pool_id"},
			{`{"scheduled_at":"` + past.Format(time.RFC3339) + `"}`, "scheduled_at"},
			{`{"messaging_service_sid":"MGzz"}`, "messaging_service_sid"},
		} {
			handlertest.WantProblem(t, e.Do(t, "PATCH", "/api/v1/campaigns/"+c.ID, f.ka, tc.body), 422, "", tc.field)
		}
		if got := getCampaign(t, e, f.ka, c.ID); got.Name != "Keep" || len(got.Variants) != 1 || got.UpdatedAt != c.UpdatedAt {
			t.Errorf("refused patches changed the campaign: %+v", got)
		}
	})
}

func TestCampaignRecipientsUpload(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		f := newCampaignFixture(t, db)
		e := f.e
		c := createCampaign(t, e, f.ka, f.a.ID, map[string]any{"name": "Sale", "variants": oneVariant("Hi {{first_name}}")})
		res := uploadRecipients(t, e, f.ka, c.ID, map[string]any{"recipients": []map[string]any{
			{"phone": "447123123123", "vars": map[string]string{"first_name": "Ann"}},
			{"phone": "+44 7900 000001"},
			{"phone": "00447123123123"}, // the first number again
			{"phone": "12"},
			{"phone": "not a number"},
		}})
		if res.Accepted != 2 || res.Duplicates != 1 || res.OptedOut != 0 || len(res.Rejected) != 2 ||
			res.Rejected[0].Line != 4 || res.Rejected[0].Phone != "12" || res.Rejected[1].Line != 5 {
			t.Fatalf("JSON upload: %+v", res)
		}
		csv := "first_name,Phone,city\n" +
			"Bob,447900000002,Leeds\n" +
			"\n" +
			"Cy,+447900000001,York\n" + // already stored
			"Di,+1 202 555 0123,Boston\n" +
			"Ed,12345,Nowhere\n" +
			"Fay,447900000003,\n" +
			"Gus,447900000002,Leeds\n" // earlier in this upload
		res = uploadRecipients(t, e, f.ka, c.ID, csv, "Content-Type", "text/csv")
		if res.Accepted != 3 || res.Duplicates != 2 || len(res.Rejected) != 1 || res.Rejected[0].Line != 6 || res.Rejected[0].Phone != "12345" {
			t.Fatalf("CSV upload: %+v", res)
		}
		got := getCampaign(t, e, f.ka, c.ID)
		if got.RecipientCount != 5 {
			t.Errorf("recipient_count = %d, want 5", got.RecipientCount)
		}
		// No phone column; an empty body; bad text in a cell.
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/campaigns/"+c.ID+"/recipients", f.ka, "name,number\nA,447900000009\n", "Content-Type", "text/csv"), 422, "no_phone_column", "phone")
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/campaigns/"+c.ID+"/recipients", f.ka, "", "Content-Type", "text/csv"), 422, "no_phone_column", "phone")
		res = uploadRecipients(t, e, f.ka, c.ID, "phone,name\n447900000010,A\u202eB\n447900000011,ok\n", "Content-Type", "text/csv")
		if res.Accepted != 1 || len(res.Rejected) != 1 || res.Rejected[0].Line != 2 {
			t.Errorf("bad text row: %+v", res)
		}
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/campaigns/"+c.ID+"/recipients", f.ka,
			`{"recipients":[{"phone":"447900000012","vars":{"n":5}}]}`), 422, "", "recipients")
		// A number on the client's opt-out list (a STOP reply) is skipped.
		if err := e.Store.AddOptOut(t.Context(), f.a.ID, "+447900000013"); err != nil {
			t.Fatal(err)
		}
		res = uploadRecipients(t, e, f.ka, c.ID, "phone\n447900000013\n447900000014\n", "Content-Type", "text/csv")
		if res.Accepted != 1 || res.OptedOut != 1 {
			t.Fatalf("opted-out number: %+v", res)
		}

		// Messages: one per recipient, newest first, paged and filtered.
		ml := handlertest.Decode[handlers.List[models.MessageView]](t, e.Do(t, "GET", "/api/v1/campaigns/"+c.ID+"/messages?limit=4", f.ka, nil).Want(t, http.StatusOK))
		if len(ml.Data) != 4 || ml.NextCursor == nil || ml.Data[0].To != "+447900000014" || ml.Data[0].Status != models.MessagePending ||
			ml.Data[0].TwilioSID != nil || !strings.HasPrefix(ml.Data[0].ID, "msg_") {
			t.Fatalf("messages page 1: %+v", ml)
		}
		ml2 := handlertest.Decode[handlers.List[models.MessageView]](t, e.Do(t, "GET", "/api/v1/campaigns/"+c.ID+"/messages?limit=4&cursor="+*ml.NextCursor, f.ka, nil).Want(t, http.StatusOK))
		if len(ml2.Data) != 3 || ml2.NextCursor != nil || ml2.Data[2].To != "+447123123123" {
			t.Errorf("messages page 2: %+v", ml2)
		}
		none := handlertest.Decode[handlers.List[models.MessageView]](t, e.Do(t, "GET", "/api/v1/campaigns/"+c.ID+"/messages?status=delivered", f.ka, nil).Want(t, http.StatusOK))
		if len(none.Data) != 0 {
			t.Errorf("status=delivered: %+v", none)
		}
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/campaigns/"+c.ID+"/messages?status=lost", f.ka, nil), 422, "invalid_status", "status")

		// Only a draft takes recipients.
		campaignAction(t, e, f.ka, c.ID, "submit", http.StatusAccepted)
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/campaigns/"+c.ID+"/recipients", f.ka,
			map[string]any{"recipients": []map[string]any{{"phone": "447900000020"}}}), 409, "invalid_state")
	})
}

func TestCampaignSubmitAndActions(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		f := newCampaignFixture(t, db)
		e := f.e
		one := map[string]any{"recipients": []map[string]any{{"phone": "447900000001", "vars": map[string]string{"name": "Ann"}}}}

		noVariant := createCampaign(t, e, f.ka, f.a.ID, map[string]any{"name": "No variant"})
		uploadRecipients(t, e, f.ka, noVariant.ID, one)
		handlertest.WantProblem(t, campaignAction(t, e, f.ka, noVariant.ID, "submit", 422), 422, "no_variants")
		noRecipients := createCampaign(t, e, f.ka, f.a.ID, map[string]any{"name": "Nobody", "variants": oneVariant("hi")})
		handlertest.WantProblem(t, campaignAction(t, e, f.ka, noRecipients.ID, "submit", 422), 422, "no_recipients")
		if got := getCampaign(t, e, f.ka, noRecipients.ID); got.Status != models.CampaignDraft {
			t.Errorf("refused submit moved it to %s", got.Status)
		}

		// Content checks.
		for _, tc := range []struct {
			body, reason string
		}{
			{"Hi {{name}}, see {{ offer }}", "offer"},
			{"Deals at https://bit.ly/abc", "bit.ly"},
			{"Deals at tinyurl.com/x", "tinyurl.com"},
		} {
			c := createCampaign(t, e, f.ka, f.a.ID, map[string]any{"name": "Bad " + tc.reason, "variants": oneVariant(tc.body)})
			uploadRecipients(t, e, f.ka, c.ID, one)
			got := handlertest.Decode[models.CampaignView](t, campaignAction(t, e, f.ka, c.ID, "submit", http.StatusAccepted))
			if got.Status != models.CampaignRejected || !strings.Contains(got.StatusReason, tc.reason) || got.FinishedAt == nil {
				t.Errorf("%q: %s %q", tc.body, got.Status, got.StatusReason)
			}
			for _, a := range []string{"start", "pause", "resume", "abort", "submit"} {
				handlertest.WantProblem(t, campaignAction(t, e, f.ka, c.ID, a, 409), 409, "invalid_state")
			}
			handlertest.WantProblem(t, e.Do(t, "PATCH", "/api/v1/campaigns/"+c.ID, f.ka, map[string]any{"name": "x"}), 409, "invalid_state")
		}
		at := time.Now().Add(24 * time.Hour).UTC()
		sch := createCampaign(t, e, f.ka, f.a.ID, map[string]any{"name": "Later", "variants": oneVariant("Hi {{NAME}} {{phone}}, visit acme.com/x"), "scheduled_at": at})
		uploadRecipients(t, e, f.ka, sch.ID, one)
		if got := handlertest.Decode[models.CampaignView](t, campaignAction(t, e, f.ka, sch.ID, "submit", http.StatusAccepted)); got.Status != models.CampaignScheduled {
			t.Errorf("scheduled submit: %s %q", got.Status, got.StatusReason)
		}

		mg := handlertest.NewMG(t)
		c := createCampaign(t, e, f.ka, f.a.ID, map[string]any{"name": "Now", "messaging_service_sid": mg,
			"variants": []map[string]any{{"body": "A {{name}}", "ratio": 50}, {"body": "B", "ratio": 50}}})
		noDomains := createCampaign(t, e, f.ka, f.a.ID, map[string]any{"name": "Nowhere", "messaging_service_sid": mg, "variants": oneVariant("Hi")})
		uploadRecipients(t, e, f.ka, noDomains.ID, one)
		campaignAction(t, e, f.ka, noDomains.ID, "submit", http.StatusAccepted)
		handlertest.WantProblem(t, campaignAction(t, e, f.ka, noDomains.ID, "start", 422), 422, "no_domains", "domains")
		noService := createCampaign(t, e, f.ka, f.a.ID, map[string]any{"name": "No service", "variants": oneVariant("Hi"),
			"domains": map[string]any{"domain_ids": f.aIDs[:1]}})
		uploadRecipients(t, e, f.ka, noService.ID, one)
		campaignAction(t, e, f.ka, noService.ID, "submit", http.StatusAccepted)
		handlertest.WantProblem(t, campaignAction(t, e, f.ka, noService.ID, "start", 422), 422, "messaging_service_required", "messaging_service_sid")
		e.Do(t, "PATCH", "/api/v1/campaigns/"+c.ID, f.ka, map[string]any{"domains": map[string]any{"domain_ids": f.aIDs[:1]}}).Want(t, http.StatusOK)
		uploadRecipients(t, e, f.ka, c.ID, one)
		for _, a := range []string{"start", "pause", "resume"} {
			handlertest.WantProblem(t, campaignAction(t, e, f.ka, c.ID, a, 409), 409, "invalid_state")
		}
		ready := handlertest.Decode[models.CampaignView](t, campaignAction(t, e, f.ka, c.ID, "submit", http.StatusAccepted))
		if ready.Status != models.CampaignReady {
			t.Fatalf("submit: %s %q", ready.Status, ready.StatusReason)
		}
		handlertest.WantProblem(t, campaignAction(t, e, f.ka, c.ID, "submit", 409), 409, "invalid_state")
		// Ready: any field may still change.
		e.Do(t, "PATCH", "/api/v1/campaigns/"+c.ID, f.ka, map[string]any{"tracking": "all", "link_shortening": false}).Want(t, http.StatusOK)

		started := handlertest.Decode[models.CampaignView](t, campaignAction(t, e, f.ka, c.ID, "start", http.StatusAccepted))
		if started.Status != models.CampaignStarted || started.StartedAt == nil {
			t.Fatalf("start: %+v", started)
		}
		handlertest.WantProblem(t, campaignAction(t, e, f.ka, c.ID, "start", 409), 409, "invalid_state")
		handlertest.WantProblem(t, campaignAction(t, e, f.ka, c.ID, "resume", 409), 409, "invalid_state")
		// Running: name, tags and ratios only.
		upd := handlertest.Decode[models.CampaignView](t, e.Do(t, "PATCH", "/api/v1/campaigns/"+c.ID, f.ka, map[string]any{
			"name": "Now (running)", "tags": []string{"live"},
			"variants": []map[string]any{{"id": started.Variants[1].ID, "ratio": 80}, {"id": started.Variants[0].ID, "ratio": 20}}}).Want(t, http.StatusOK))
		if upd.Name != "Now (running)" || upd.Variants[0].Ratio != 20 || upd.Variants[1].Ratio != 80 || upd.Variants[0].ID != started.Variants[0].ID {
			t.Errorf("running patch: %+v", upd)
		}
		for _, body := range []map[string]any{
			{"messaging_service_sid": handlertest.NewMG(t)},
			{"tracking": "off"},
			{"name": "x", "scheduled_at": nil},
			{"variants": []map[string]any{{"body": "changed", "ratio": 50}, {"body": "B", "ratio": 50}}},
			{"variants": []map[string]any{{"body": "A {{name}}", "ratio": 100}}},
		} {
			handlertest.WantProblem(t, e.Do(t, "PATCH", "/api/v1/campaigns/"+c.ID, f.ka, body), 409, "invalid_state")
		}
		handlertest.WantProblem(t, e.Do(t, "PATCH", "/api/v1/campaigns/"+c.ID, f.ka,
			map[string]any{"variants": []map[string]any{{"ratio": 70}, {"ratio": 70}}}), 422, "", "variants")
		if got := getCampaign(t, e, f.ka, c.ID); got.Name != "Now (running)" || got.Tracking != models.TrackingAll || got.Variants[0].Ratio != 20 {
			t.Errorf("refused patches changed it: %+v", got)
		}

		paused := handlertest.Decode[models.CampaignView](t, campaignAction(t, e, f.ka, c.ID, "pause", http.StatusAccepted))
		if paused.Status != models.CampaignPaused {
			t.Errorf("pause: %s", paused.Status)
		}
		handlertest.WantProblem(t, campaignAction(t, e, f.ka, c.ID, "pause", 409), 409, "invalid_state")
		resumed := handlertest.Decode[models.CampaignView](t, campaignAction(t, e, f.ka, c.ID, "resume", http.StatusAccepted))
		if resumed.Status != models.CampaignStarted || !resumed.StartedAt.Equal(*started.StartedAt) {
			t.Errorf("resume: %+v", resumed)
		}
		aborted := handlertest.Decode[models.CampaignView](t, campaignAction(t, e, f.ka, c.ID, "abort", http.StatusAccepted))
		if aborted.Status != models.CampaignAborted || aborted.FinishedAt == nil {
			t.Errorf("abort: %+v", aborted)
		}
		for _, a := range []string{"start", "pause", "resume", "abort", "submit"} {
			handlertest.WantProblem(t, campaignAction(t, e, f.ka, c.ID, a, 409), 409, "invalid_state")
		}

		// The timeline and the webhook events, written with each change.
		evs, err := e.Store.CampaignEvents(t.Context(), models.Scope{}, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var steps []string
		for _, ev := range evs {
			steps = append(steps, string(ev.To))
		}
		if fmt.Sprint(steps) != "[processing ready started paused started aborted]" {
			t.Errorf("timeline = %v", steps)
		}
		var n int64
		if err := db.Gorm.Model(&models.WebhookEvent{}).Where("type = ? AND client_id = ? AND payload LIKE ?",
			models.EventCampaignStatusChanged, f.a.ID, "%"+c.ID+"%").Count(&n).Error; err != nil || n != 6 {
			t.Errorf("campaign.status_changed events = %d (%v), want 6", n, err)
		}
	})
}

// A CSV upload of 100,000 rows is stored in full while the heap stays
// small: the body is read a row at a time and stored 1,000 rows at a
// time. With -race, SQLite takes 10,000 rows: the race detector slows the
// pure-Go SQLite engine some twentyfold (100,000 rows: 29 s without it,
// over 10 minutes with it); PostgreSQL takes the 100,000 either way.
func TestCampaignRecipientsCSV100k(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 rows")
	}
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewAPI(t, db)
		cl := e.CreateClient(t, "Acme", "owner@acme.com")
		c := createCampaign(t, e, e.Admin, cl.ID, map[string]any{"name": "Big", "variants": oneVariant("Hi {{name}}")})
		rows := 100_000
		if raceDetector && db.Dialect == models.SQLite {
			rows = 10_000
		}
		var b strings.Builder
		b.WriteString("phone,name\n")
		for i := range rows {
			fmt.Fprintf(&b, "4479%08d,Person %d\n", i, i)
		}
		fmt.Fprintf(&b, "4479%08d,again\nbad-number,x\n", 7)
		body := b.String()

		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		var peak atomic.Uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > peak.Load() {
					peak.Store(m.HeapAlloc)
				}
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		})
		res := uploadRecipients(t, e, e.Admin, c.ID, body, "Content-Type", "text/csv")
		close(stop)
		wg.Wait()
		if res.Accepted != rows || res.Duplicates != 1 || len(res.Rejected) != 1 || res.Rejected[0].Line != rows+3 {
			t.Fatalf("upload: accepted %d, duplicates %d, rejected %+v", res.Accepted, res.Duplicates, res.Rejected)
		}
		if got := getCampaign(t, e, e.Admin, c.ID).RecipientCount; got != int64(rows) {
			t.Errorf("recipient_count = %d", got)
		}
		if growth := int64(peak.Load()) - int64(before.HeapAlloc); growth > 50<<20 {
			t.Errorf("the heap grew by %d MB during the upload", growth>>20)
		} else {
			t.Logf("heap growth during the upload: %.1f MB (body %.1f MB)", float64(growth)/(1<<20), float64(len(body))/(1<<20))
		}
	})
}

package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/models/dbtest"
)

// configuredDomain onboards ls.<apex> for the client through self setup
// in the sandbox and returns its id once configured.
func (a *lgAPI) configuredDomain(clientID, apex string) string {
	a.t.Helper()
	id := a.newDomainOf(clientID, apex)
	token := a.sandboxZone(apex)
	a.want(202, "POST", "/api/v1/domains/"+id+"/configure",
		`{"mode":"self","provider":"cloudflare","credentials":{"api_token":"`+token+`"}}`)
	sid := a.twilioDomain("ls." + apex)
	a.waitStatus(id, "awaiting_domain_sid", flowDeadline)
	a.submitSID(id, sid)
	a.waitStatus(id, "configured", flowDeadline)
	return id
}

func (a *lgAPI) campaign(id string) map[string]any {
	a.t.Helper()
	return a.want(200, "GET", "/api/v1/campaigns/"+id, "").body
}

// TestCampaignCrashDrill (issue 15, "Reliability"): a "linkgate serve" on
// PostgreSQL is killed with SIGKILL in the middle of a 2,000-recipient
// campaign and started again: every recipient gets exactly one message
// (the fake Twilio counts messages per number, in the database, across
// the runs), the campaign finishes, and no domain goes past its limit.
func TestCampaignCrashDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := linkgateBinary(t)
	dir, dbURL := t.TempDir(), dbtest.PostgresURL(t)
	const n, limit = 2000, 1200
	p := startProc(t, bin, dir, dbURL, "LINKGATE_SEND_RATE=400")
	a := p.api
	client := a.newClient("acme.com")
	d1 := a.configuredDomain(client, "alpha.com")
	d2 := a.configuredDomain(client, "beta.com")
	a.want(200, "PATCH", "/api/v1/clients/"+client, fmt.Sprintf(`{"domain_limit":%d}`, limit))
	ms := a.want(201, "POST", "/_sandbox/twilio/messaging-services", `{"friendly_name":"drill"}`).body["messaging_service_sid"].(string)
	c := a.want(201, "POST", "/api/v1/clients/"+client+"/campaigns", fmt.Sprintf(
		`{"name":"drill","messaging_service_sid":%q,"variants":[{"body":"Hello {{phone}}: https://alpha.com/x"}],"domains":{"domain_ids":[%q,%q]}}`,
		ms, d1, d2)).body["id"].(string)
	rcpts := make([]string, n)
	for i := range rcpts {
		rcpts[i] = fmt.Sprintf(`{"phone":"+4479%08d"}`, i+1)
	}
	if r := a.want(200, "POST", "/api/v1/campaigns/"+c+"/recipients", `{"recipients":[`+strings.Join(rcpts, ",")+`]}`); r.body["accepted"] != float64(n) {
		t.Fatalf("recipients: %s", r.raw)
	}
	a.want(202, "POST", "/api/v1/campaigns/"+c+"/submit", "")
	a.want(202, "POST", "/api/v1/campaigns/"+c+"/start", "")
	waitUntil(t, "a fifth of the campaign to go out", flowDeadline, func() bool {
		return len(a.stats().Twilio.MessagesSent) >= n/5
	})
	sentBefore := len(a.stats().Twilio.MessagesSent)
	p.kill()
	if sentBefore >= n {
		t.Fatalf("the campaign finished before the kill (%d sent)", sentBefore)
	}

	p = startProc(t, bin, dir, dbURL, "LINKGATE_SEND_RATE=400")
	a = p.api
	waitUntil(t, "the campaign to finish", 2*flowDeadline, func() bool {
		return a.campaign(c)["status"] == "finished"
	})
	sent := a.stats().Twilio.MessagesSent
	if len(sent) != n {
		t.Errorf("%d numbers messaged, want %d (%d before the kill)", len(sent), n, sentBefore)
	}
	for to, k := range sent {
		if k != 1 {
			t.Errorf("%s got %d messages", to, k)
		}
	}
	total := 0
	for _, id := range []string{d1, d2} {
		d := a.want(200, "GET", "/api/v1/domains/"+id, "")
		ms := int(d.body["messages_sent"].(float64))
		if ms > limit {
			t.Errorf("domain %s sent %d messages, over its limit of %d", d.body["host"], ms, limit)
		}
		total += ms
	}
	if total < n {
		t.Errorf("the domains counted %d messages, fewer than the %d sent", total, n)
	}
	t.Logf("killed after %d of %d messages; finished with every number messaged once", sentBefore, n)
}

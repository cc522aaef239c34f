package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

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

// drillDeadline bounds each wait of TestCampaignCrashDrill.
const drillDeadline = 5 * time.Minute

// TestCampaignCrashDrill (issue 15, "Reliability"): two "linkgate serve"
// replicas on one PostgreSQL database send a 2,000-recipient campaign;
// replica A, which also runs the sandbox's fake Twilio that B uses
// (LINKGATE_SANDBOX_PEER), is killed with SIGKILL in the middle and
// started again. Every recipient gets exactly one message (the fake
// Twilio counts messages per number, in the database, across the runs),
// the campaign finishes, and no domain goes past its limit. It waits up
// to 5 minutes for the end: with -race on a busy 2-core machine the two
// replicas take 3,000+ signed status callbacks and 2,000 price fetches
// at some 20 messages a second (25 s in all without -race).
func TestCampaignCrashDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := linkgateBinary(t)
	dirA, dirB, dbURL := t.TempDir(), t.TempDir(), dbtest.PostgresURL(t)
	const n, limit = 2000, 1200
	addrA := loopbackAddr(t)
	pa := startProcAt(t, bin, dirA, dbURL, addrA, "LINKGATE_SEND_RATE=400")
	a := pa.api
	client := a.newClient("acme.com")
	d1 := a.configuredDomain(client, "alpha.com")
	d2 := a.configuredDomain(client, "beta.com")
	// Replica B joins once the domains are onboarded (its own fake
	// Cloudflare knows none of their zones; its Twilio is A's).
	pb := startProc(t, bin, dirB, dbURL, "LINKGATE_SEND_RATE=400", "LINKGATE_SANDBOX_PEER="+a.base)
	b := pb.api
	b.want(200, "PATCH", "/api/v1/clients/"+client, fmt.Sprintf(`{"domain_limit":%d}`, limit))
	ms := a.want(201, "POST", "/_sandbox/twilio/messaging-services", `{"friendly_name":"drill"}`).body["messaging_service_sid"].(string)
	c := b.want(201, "POST", "/api/v1/clients/"+client+"/campaigns", fmt.Sprintf(
		`{"name":"drill","messaging_service_sid":%q,"variants":[{"body":"Hello {{phone}}: https://alpha.com/x"}],"domains":{"domain_ids":[%q,%q]}}`,
		ms, d1, d2)).body["id"].(string)
	rcpts := make([]string, n)
	for i := range rcpts {
		rcpts[i] = fmt.Sprintf(`{"phone":"+4479%08d"}`, i+1)
	}
	if r := b.want(200, "POST", "/api/v1/campaigns/"+c+"/recipients", `{"recipients":[`+strings.Join(rcpts, ",")+`]}`); r.body["accepted"] != float64(n) {
		t.Fatalf("recipients: %s", r.raw)
	}
	b.want(202, "POST", "/api/v1/campaigns/"+c+"/submit", "")
	b.want(202, "POST", "/api/v1/campaigns/"+c+"/start", "")
	// The waits below are deadlines for progress, not timings: a fifth
	// took 13 s alone and more than 30 s in a CI run beside other packages.
	waitUntil(t, "a fifth of the campaign to go out", drillDeadline, func() bool {
		return len(a.stats().Twilio.MessagesSent) >= n/5
	})
	sentBefore := len(a.stats().Twilio.MessagesSent)
	pa.kill()

	pa = startProcAt(t, bin, dirA, dbURL, addrA, "LINKGATE_SEND_RATE=400")
	a = pa.api
	waitUntil(t, "the campaign to finish", drillDeadline, func() bool {
		return b.campaign(c)["status"] == "finished"
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
		d := b.want(200, "GET", "/api/v1/domains/"+id, "")
		ms := int(d.body["messages_sent"].(float64))
		if ms > limit {
			t.Errorf("domain %s sent %d messages, over its limit of %d", d.body["host"], ms, limit)
		}
		total += ms
	}
	if total < n {
		t.Errorf("the domains counted %d messages, fewer than the %d sent", total, n)
	}
	t.Logf("replica A killed after %d of %d messages; finished with every number messaged once", sentBefore, n)
}

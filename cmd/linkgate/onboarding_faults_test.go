package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// Fault drills through the HTTP API (issue 4, "Bad input and faults"):
// faults are injected into the sandbox fakes with POST /_sandbox/faults,
// and the onboarding must still reach configured, causing each side
// effect once.
//
// Faults apply to the next calls a fake receives, in order (faults and
// holds, hold_ms, are two queues). The configure and domain-sid handlers
// call the providers themselves before answering 202 (configure: token
// check and two zone lookups for ls.<apex>; domain-sid: one certificate
// fetch), so each drill first queues pass-through entries (delay_ms 1,
// hold_ms 1) for those calls, then the faults for the workflow. The handler answering 202 proves it was not hit by the
// fault; the fake answering normally afterwards proves the workflow
// consumed every faulty answer.
const (
	configureCalls = 3 // Cloudflare calls the configure handler makes
	domainSIDCalls = 1 // Twilio calls the domain-sid handler makes
	// drillProviderTimeout is the adapters' timeout in the drills
	// (LINKGATE_PROVIDER_TIMEOUT), short so that a stall outlasts it
	// quickly.
	drillProviderTimeout = 3 * time.Second
)

// faultServer starts linkgate in sandbox mode on SQLite with a short
// constant retry backoff (LINKGATE_RETRY_BACKOFF_MS; River's default,
// attempt^4 seconds, makes three transient failures take 98 s).
func faultServer(t *testing.T, backoff time.Duration) *lgAPI {
	t.Helper()
	r := start(t, map[string]string{"LINKGATE_DATA_DIR": t.TempDir(), "LINKGATE_BOOTSTRAP_ADMIN_KEY": e2eKey,
		"LINKGATE_RETRY_BACKOFF_MS": fmt.Sprint(backoff.Milliseconds()),
		"LINKGATE_PROVIDER_TIMEOUT": drillProviderTimeout.String()})
	return &lgAPI{t: t, base: "http://" + r.addr, key: e2eKey}
}

// drill is one onboarding with faults: cf is queued before the configure
// call, tw before the domain-sid call.
type drill struct {
	a        *lgAPI
	apex     string
	id       string
	token    string
	sid      string
	reasons  []string
	deadline time.Duration
}

func newDrill(t *testing.T, apex string) *drill {
	a := faultServer(t, 200*time.Millisecond)
	return &drill{a: a, apex: apex, id: a.newDomain(apex), deadline: flowDeadline}
}

// newTimeoutDrill is a drill whose retries wait 1 s: the "(retrying)"
// status_reason then stays long enough for polling to see it, which
// proves that the adapter gave up on the stalled call.
func newTimeoutDrill(t *testing.T, apex string, deadline time.Duration) *drill {
	a := faultServer(t, time.Second)
	return &drill{a: a, apex: apex, id: a.newDomain(apex), deadline: deadline}
}

// sawTimeout checks that a call timed out and was retried.
func (d *drill) sawTimeout() {
	d.a.t.Helper()
	if !d.sawReason("(retrying)") {
		d.a.t.Errorf("no status_reason said the step was retrying after the stalled call: %q", d.reasons)
	}
	d.a.t.Logf("status reasons seen: %q", d.reasons)
}

// configure starts the self setup after queueing faults for the
// workflow's Cloudflare calls.
func (d *drill) configure(cfFaults ...string) {
	d.a.t.Helper()
	d.token = d.a.sandboxZone(d.apex)
	if len(cfFaults) > 0 {
		d.a.fault(fmt.Sprintf(`{"provider":"cloudflare","delay_ms":1,"count":%d}`, configureCalls))
		d.a.fault(fmt.Sprintf(`{"provider":"cloudflare","hold_ms":1,"count":%d}`, configureCalls))
		for _, f := range cfFaults {
			d.a.fault(f)
		}
	}
	d.a.want(202, "POST", "/api/v1/domains/"+d.id+"/configure",
		`{"mode":"self","provider":"cloudflare","credentials":{"api_token":"`+d.token+`"}}`)
}

// waitFor waits for a status, remembering the status reasons seen.
func (d *drill) waitFor(status string) map[string]any {
	d.a.t.Helper()
	dom, rs := d.a.waitStatus(d.id, status, d.deadline)
	d.reasons = append(d.reasons, rs...)
	return dom
}

// submitSID registers the host at the fake Twilio and submits its SID
// after queueing faults for the workflow's Twilio calls.
func (d *drill) submitSID(twFaults ...string) {
	d.a.t.Helper()
	d.sid = d.a.twilioDomain("ls." + d.apex)
	if len(twFaults) > 0 {
		d.a.fault(fmt.Sprintf(`{"provider":"twilio","delay_ms":1,"count":%d}`, domainSIDCalls))
		d.a.fault(fmt.Sprintf(`{"provider":"twilio","hold_ms":1,"count":%d}`, domainSIDCalls))
		for _, f := range twFaults {
			d.a.fault(f)
		}
	}
	d.a.submitSID(d.id, d.sid)
}

// finish waits for configured and checks the side effects: one CNAME, one
// certificate request, and no fault left unconsumed.
func (d *drill) finish() {
	t := d.a.t
	t.Helper()
	checkConfigured(t, d.waitFor("configured"), "ls."+d.apex, d.sid)
	st := d.a.stats()
	if n := st.Cloudflare.RecordsCreated["ls."+d.apex]; n != 1 {
		t.Errorf("CNAME records created for ls.%s: %d, want 1 (%v)", d.apex, n, st.Cloudflare.RecordsCreated)
	}
	if n := st.Twilio.CertRequests[d.sid]; n != 1 {
		t.Errorf("certificate requests for %s: %d, want 1 (%v)", d.sid, n, st.Twilio.CertRequests)
	}
	if r := call(t, "GET", d.a.base+"/_sandbox/cloudflare/client/v4/zones", "", "Authorization", "Bearer "+d.token); r.status != 200 {
		t.Errorf("a Cloudflare fault was left for after the onboarding: %d %s", r.status, r.raw)
	}
	if status, body := d.a.twilioGet("/v2/LinkShortening/Domains/" + d.sid + "/Certificate"); status != 200 {
		t.Errorf("a Twilio fault was left for after the onboarding: %d %v", status, body)
	}
}

func (d *drill) sawReason(substr string) bool {
	return slices.ContainsFunc(d.reasons, func(r string) bool { return strings.Contains(r, substr) })
}

func TestOnboardingSurvivesTransientFaults(t *testing.T) {
	t.Run("cloudflare 503 html x3", func(t *testing.T) {
		t.Parallel()
		d := newDrill(t, "acme.com")
		d.configure(`{"provider":"cloudflare","status":503,"html":true,"count":3}`)
		d.waitFor("awaiting_domain_sid")
		d.submitSID()
		d.finish()
		t.Logf("status reasons seen: %q", d.reasons)
	})
	t.Run("twilio 429 retry-after x2", func(t *testing.T) {
		t.Parallel()
		d := newDrill(t, "acme.com")
		d.configure()
		d.waitFor("awaiting_domain_sid")
		d.submitSID(`{"provider":"twilio","status":429,"retry_after":1,"count":2}`)
		d.finish()
		t.Logf("status reasons seen: %q", d.reasons)
	})
}

// Timeouts: the adapters give up on a call after LINKGATE_PROVIDER_TIMEOUT
// (30 s by default, 3 s here; River's JobTimeout, 2 min, bounds a whole
// step).
// A fake that stalls longer must cost one retry, not the onboarding.
//
// The delay_ms drills stall before the fake acts (nothing happened); the
// hold_ms drills stall after it acted, with the answer held back until the
// adapter has given up: the record or certificate request exists though
// linkgate saw a timeout, and the retried step must find it rather than
// make a second one.
func TestOnboardingSurvivesProviderTimeouts(t *testing.T) {
	t.Parallel() // mostly waiting: overlaps the rest of the package
	if testing.Short() {
		t.Skip("waits out the adapters' timeout")
	}
	stall := drillProviderTimeout + 2*time.Second
	ms := stall.Milliseconds()
	deadline := flowDeadline + 2*stall

	t.Run("cloudflare stalls before acting", func(t *testing.T) {
		t.Parallel()
		d := newTimeoutDrill(t, "acme.com", deadline)
		d.configure(fmt.Sprintf(`{"provider":"cloudflare","delay_ms":%d}`, ms))
		d.waitFor("awaiting_domain_sid")
		d.submitSID()
		d.finish()
		d.sawTimeout()
	})
	t.Run("cloudflare creates the record, answer lost", func(t *testing.T) {
		t.Parallel()
		d := newTimeoutDrill(t, "acme.com", deadline)
		// ensure_cname (its zone kept from configure): the record listing
		// passes, the create's answer is held.
		d.configure(`{"provider":"cloudflare","hold_ms":1,"count":1}`,
			fmt.Sprintf(`{"provider":"cloudflare","hold_ms":%d}`, ms))
		waitUntil(t, "the CNAME to be created at the fake", flowDeadline, func() bool {
			return d.a.stats().Cloudflare.RecordsCreated["ls.acme.com"] == 1
		})
		if dom := d.a.want(200, "GET", "/api/v1/domains/"+d.id, ""); dom.body["status"] != "dns_pending" || dom.body["dns_status"] != "creating" {
			t.Fatalf("the hold did not catch the create (the step moved on): %s", dom.raw)
		}
		d.waitFor("awaiting_domain_sid")
		d.submitSID()
		d.finish()
		d.sawTimeout()
		if !slices.ContainsFunc(d.a.events(d.id), func(e event) bool { return strings.Contains(e.Reason, "already present") }) {
			t.Errorf("the retried step did not report the record as already present: %+v", d.a.events(d.id))
		}
	})
	t.Run("twilio stalls before acting", func(t *testing.T) {
		t.Parallel()
		d := newTimeoutDrill(t, "acme.com", deadline)
		d.configure()
		d.waitFor("awaiting_domain_sid")
		d.submitSID(fmt.Sprintf(`{"provider":"twilio","delay_ms":%d}`, ms))
		d.finish()
		d.sawTimeout()
	})
	t.Run("twilio starts the certificate, answer lost", func(t *testing.T) {
		t.Parallel()
		d := newTimeoutDrill(t, "acme.com", deadline)
		d.configure()
		d.waitFor("awaiting_domain_sid")
		// ValidateDns passes, RequestManagedCert's answer is held.
		d.submitSID(`{"provider":"twilio","hold_ms":1,"count":1}`, fmt.Sprintf(`{"provider":"twilio","hold_ms":%d}`, ms))
		waitUntil(t, "the certificate request to reach the fake", flowDeadline, func() bool {
			return d.a.stats().Twilio.CertRequests[d.sid] == 1
		})
		if dom := d.a.want(200, "GET", "/api/v1/domains/"+d.id, ""); dom.body["status"] != "ssl_pending" || dom.body["ssl_status"] == "requested" {
			t.Fatalf("the hold did not catch the certificate request (the step moved on): %s", dom.raw)
		}
		d.finish()
		d.sawTimeout()
	})
}

func TestOnboardingPermanentErrorThenRetry(t *testing.T) {
	t.Run("cloudflare refuses the token", func(t *testing.T) {
		t.Parallel()
		d := newDrill(t, "acme.com")
		d.configure(`{"provider":"cloudflare","status":403}`)
		failed := d.waitFor("failed")
		reason, _ := failed["status_reason"].(string)
		if !strings.Contains(reason, "create the CNAME ls.acme.com: cloudflare") || failed["dns_status"] != "failed" {
			t.Errorf("failed domain: want a status_reason about creating the CNAME at cloudflare and dns_status failed: %v", failed)
		}
		if r := d.a.req("POST", "/api/v1/domains/"+d.id+"/domain-sid", `{"domain_sid":"DN`+strings.Repeat("0", 32)+`"}`); r.status != 409 {
			t.Errorf("domain-sid on a failed domain: %d %s", r.status, r.raw)
		}
		d.a.want(202, "POST", "/api/v1/domains/"+d.id+"/retry", "")
		d.waitFor("awaiting_domain_sid")
		d.submitSID()
		d.finish()
		checkStatusPath(t, d.a.events(d.id), "pending", "dns_pending", "failed", "dns_pending", "awaiting_domain_sid", "ssl_pending", "configured")
	})
	t.Run("twilio refuses the certificate request", func(t *testing.T) {
		t.Parallel()
		d := newDrill(t, "acme.com")
		d.configure()
		d.waitFor("awaiting_domain_sid")
		// ValidateDns passes; RequestManagedCert gets a 400 (Twilio code
		// 20400), a permanent error.
		d.submitSID(`{"provider":"twilio","delay_ms":1,"count":1}`, `{"provider":"twilio","status":400}`)
		failed := d.waitFor("failed")
		reason, _ := failed["status_reason"].(string)
		if !strings.Contains(reason, "certificate") {
			t.Errorf("failed domain: want a status_reason about the certificate: %v", failed)
		}
		if r := d.a.req("POST", "/api/v1/domains/"+d.id+"/retry", ""); r.status != 202 {
			t.Fatalf("retry: %d %s", r.status, r.raw)
		}
		if r := d.a.req("POST", "/api/v1/domains/"+d.id+"/retry", ""); r.status != 409 {
			t.Errorf("retry of a domain that is no longer failed: want 409, got %d %s", r.status, r.raw)
		}
		d.finish()
		checkStatusPath(t, d.a.events(d.id), "pending", "dns_pending", "awaiting_domain_sid", "ssl_pending", "failed", "ssl_pending", "configured")
	})
}

// waitUntil polls cond every 50 ms until it holds or the deadline passes.
func waitUntil(t *testing.T, what string, deadline time.Duration, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out after %s waiting for %s", deadline, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRetryBackoffSetting(t *testing.T) {
	for _, v := range []string{"soon", "-1", "3600001"} {
		m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string {
			return map[string]string{"LINKGATE_DATA_DIR": t.TempDir(), "LINKGATE_RETRY_BACKOFF_MS": v}[k]
		}}
		err := m.Run(context.Background(), []string{"serve", "-addr", "127.0.0.1:0"})
		if err == nil || !strings.Contains(err.Error(), "LINKGATE_RETRY_BACKOFF_MS") {
			t.Errorf("LINKGATE_RETRY_BACKOFF_MS=%s: want an error naming it, got %v", v, err)
		}
	}
}

// LINKGATE_PROVIDER_TIMEOUT is checked at start-up; that it is applied is
// what TestOnboardingSurvivesProviderTimeouts shows (its 5 s stalls time
// out only under the drills' 3 s setting).
func TestProviderTimeoutSetting(t *testing.T) {
	for _, v := range []string{"soon", "500ms", "6m", "-1s"} {
		m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string {
			return map[string]string{"LINKGATE_DATA_DIR": t.TempDir(), "LINKGATE_PROVIDER_TIMEOUT": v}[k]
		}}
		err := m.Run(context.Background(), []string{"serve", "-addr", "127.0.0.1:0"})
		if err == nil || !strings.Contains(err.Error(), "LINKGATE_PROVIDER_TIMEOUT") {
			t.Errorf("LINKGATE_PROVIDER_TIMEOUT=%s: want an error naming it, got %v", v, err)
		}
	}
}

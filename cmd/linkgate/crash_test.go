package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models/dbtest"
)

// TestCrashMidStep (issue 4, "Done when"): a "linkgate serve" subprocess
// is killed with SIGKILL in the middle of a step, restarted on the same
// SQLite database, and finishes the onboarding with exactly one CNAME and
// one certificate request at the fake (GET /_sandbox/stats: the counts are
// kept with the fakes' state, in the database, so they span the runs).
//
// Each scenario kills twice: during ensure_cname, and later during
// request_cert. The steps are held in flight with the sandbox's faults:
//
//   - before the effect: delay_ms stalls the call before the fake acts;
//     the kill leaves a job that never reached the provider;
//   - after the effect: hold_ms lets the fake act (the record exists, the
//     certificate request started, both saved) and holds the answer; the
//     kill leaves a job whose side effect happened but whose transaction
//     never committed. The restarted step must find the effect, not
//     repeat it.
func TestCrashMidStep(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := linkgateBinary(t)
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine+"/after the side effect", func(t *testing.T) {
			t.Parallel()
			crashScenario(t, bin, engine, "hold_ms", 10000)
		})
		t.Run(engine+"/before the side effect", func(t *testing.T) {
			t.Parallel()
			crashScenario(t, bin, engine, "delay_ms", 3000)
		})
	}
}

// crashScenario runs on SQLite in a directory of its own, or on a
// PostgreSQL database of its own. On PostgreSQL the restarted process
// resumes the dead one's step as soon as it starts (its worker lock is
// gone), not after River's rescue delay: the waits below (flowDeadline,
// 30 s) hold it to the "within 60 s".
func crashScenario(t *testing.T, bin, engine, stall string, ms int) {
	dir, dbURL := t.TempDir(), ""
	if engine == "postgres" {
		dbURL = dbtest.PostgresURL(t)
	}
	after := stall == "hold_ms"
	pass := `"delay_ms":1`
	if after {
		pass = `"hold_ms":1`
	}

	// Run 1: killed during ensure_cname.
	p := startProc(t, bin, dir, dbURL)
	a := p.api
	id := a.newDomain("acme.com")
	token := a.sandboxZone("acme.com")
	// The configure handler's 3 calls (token check, zone lookups) and
	// ensure_cname's record listing (1; the zone is kept from configure)
	// pass; the create stalls.
	a.fault(fmt.Sprintf(`{"provider":"cloudflare",%s,"count":4}`, pass))
	a.fault(fmt.Sprintf(`{"provider":"cloudflare",%q:%d}`, stall, ms))
	a.want(202, "POST", "/api/v1/domains/"+id+"/configure",
		`{"mode":"self","provider":"cloudflare","credentials":{"api_token":"`+token+`"}}`)
	if after {
		waitUntil(t, "the CNAME to be created at the fake", flowDeadline, func() bool {
			return a.stats().Cloudflare.RecordsCreated["ls.acme.com"] == 1
		})
	} else {
		waitUntil(t, "the create to reach its stall", flowDeadline, func() bool {
			return a.stats().Cloudflare.FaultsPending == 0
		})
		if n := a.stats().Cloudflare.RecordsCreated["ls.acme.com"]; n != 0 {
			t.Fatalf("the create was not stalled: %d records", n)
		}
	}
	if d := a.want(200, "GET", "/api/v1/domains/"+id, ""); d.body["status"] != "dns_pending" || d.body["dns_status"] != "creating" {
		t.Fatalf("ensure_cname is not in flight: %s", d.raw)
	}
	p.kill()

	// Run 2: resumes ensure_cname; killed during request_cert.
	p = startProc(t, bin, dir, dbURL)
	a = p.api
	a.waitStatus(id, "awaiting_domain_sid", flowDeadline)
	created := "created in zone"
	if after {
		created = "already present"
	}
	evs := a.events(id)
	if !slices.ContainsFunc(evs, func(e event) bool { return strings.Contains(e.Reason, created) }) {
		t.Errorf("the resumed ensure_cname should report the CNAME %q: %+v", created, evs)
	}
	if !slices.ContainsFunc(evs, func(e event) bool { return strings.Contains(e.Reason, "resuming ensure cname") }) {
		t.Errorf("the timeline should say ensure_cname resumed: %+v", evs)
	}
	sid := a.twilioDomain("ls.acme.com")
	// The domain-sid handler's certificate fetch and ValidateDns pass;
	// RequestManagedCert stalls.
	a.fault(fmt.Sprintf(`{"provider":"twilio",%s,"count":2}`, pass))
	a.fault(fmt.Sprintf(`{"provider":"twilio",%q:%d}`, stall, ms))
	a.submitSID(id, sid)
	if after {
		waitUntil(t, "the certificate request to reach the fake", flowDeadline, func() bool {
			return a.stats().Twilio.CertRequests[sid] == 1
		})
	} else {
		waitUntil(t, "Twilio's DNS validation", flowDeadline, func() bool {
			return slices.ContainsFunc(a.events(id), func(e event) bool { return strings.Contains(e.Reason, "Twilio validated the DNS") })
		})
		waitUntil(t, "the certificate request to reach its stall", flowDeadline, func() bool {
			return a.stats().Twilio.FaultsPending == 0
		})
		if n := a.stats().Twilio.CertRequests[sid]; n != 0 {
			t.Fatalf("the certificate request was not stalled: %d", n)
		}
	}
	if d := a.want(200, "GET", "/api/v1/domains/"+id, ""); d.body["status"] != "ssl_pending" || d.body["ssl_status"] == "requested" {
		t.Fatalf("request_cert is not in flight: %s", d.raw)
	}
	p.kill()

	// Run 3: resumes request_cert and finishes.
	p = startProc(t, bin, dir, dbURL)
	a = p.api
	got, _ := a.waitStatus(id, "configured", flowDeadline)
	checkConfigured(t, got, "ls.acme.com", sid)
	st := a.stats()
	if n := st.Cloudflare.RecordsCreated["ls.acme.com"]; n != 1 {
		t.Errorf("CNAME records created: %d, want 1 (%v)", n, st.Cloudflare.RecordsCreated)
	}
	if n := st.Twilio.CertRequests[sid]; n != 1 {
		t.Errorf("certificate requests: %d, want 1 (%v)", n, st.Twilio.CertRequests)
	}
	evs = a.events(id)
	checkStatusPath(t, evs, "pending", "dns_pending", "awaiting_domain_sid", "ssl_pending", "configured")
	if t.Failed() {
		for _, e := range evs {
			t.Logf("%s %s: %s", e.At.Format("15:04:05.000"), e.To, e.Reason)
		}
	}
	p.kill()
}

// proc is a "linkgate serve" subprocess.
type proc struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	api  *lgAPI
}

// startProc runs the binary (with env added) in sandbox mode with its data in dir, on
// SQLite there or on the PostgreSQL database at dbURL, and waits until it
// answers /healthz.
func startProc(t *testing.T, bin, dir, dbURL string, env ...string) *proc {
	t.Helper()
	return startProcAt(t, bin, dir, dbURL, loopbackAddr(t), env...)
}

// startProcAt is startProc on the address addr (a restart on the same
// address).
func startProcAt(t *testing.T, bin, dir, dbURL, addr string, env ...string) *proc {
	t.Helper()
	p := &proc{out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, "serve", "-addr", addr)
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LINKGATE_SANDBOX=1", "LINKGATE_DATA_DIR=" + dir, "DATABASE_URL=" + dbURL, "LINKGATE_METRICS_ADDR=off",
		"LINKGATE_BOOTSTRAP_ADMIN_KEY=" + e2eKey, "LINKGATE_RETRY_BACKOFF_MS=200", "LINKGATE_PUBLIC_URL=http://" + addr}
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("linkgate (pid %d) output:\n%s", p.cmd.Process.Pid, p.out)
		}
	})
	p.api = &lgAPI{t: t, base: "http://" + addr, key: e2eKey}
	end := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-p.done:
			t.Fatalf("linkgate exited: %v\n%s", p.cmd.ProcessState, p.out)
		default:
		}
		if resp, err := http.Get(p.api.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(end) {
			t.Fatalf("linkgate did not start:\n%s", p.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL (no shutdown, no draining) and waits for the exit.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// loopbackAddr returns a loopback address that was free a moment ago.
func loopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestReconcileCommand: a Messaging Service detached at the (sandbox)
// Twilio behind linkgate's back is reported by `linkgate reconcile
// -dry-run` without a change, then attached again by `linkgate reconcile`,
// which the timeline shows after a restart.
func TestReconcileCommand(t *testing.T) {
	t.Parallel()
	env := map[string]string{"LINKGATE_DATA_DIR": t.TempDir(), "LINKGATE_BOOTSTRAP_ADMIN_KEY": e2eKey,
		"LINKGATE_RECONCILE_INTERVAL": "off", "LINKGATE_PUBLIC_URL": "https://links.example.com"}
	r := start(t, env)
	a := &lgAPI{t: t, base: "http://" + r.addr, key: e2eKey}
	id := a.newDomain("drift.com")
	token := a.sandboxZone("drift.com")
	a.want(202, "POST", "/api/v1/domains/"+id+"/configure",
		`{"mode":"self","provider":"cloudflare","credentials":{"api_token":"`+token+`"}}`)
	dn := a.twilioDomain("ls.drift.com")
	a.submitSID(id, dn)
	a.waitStatus(id, "configured", 30*time.Second)
	const mg = "MGdddddddddddddddddddddddddddddddd"
	a.want(201, "POST", "/api/v1/domains/"+id+"/messaging-services", `{"messaging_service_sid":"`+mg+`"}`)

	// Behind linkgate's back, in the Twilio Console.
	sid, tok := a.twilioCreds()
	req, _ := http.NewRequest("DELETE", a.base+"/_sandbox/twilio/v1/LinkShortening/Domains/"+dn+"/MessagingServices/"+mg, nil)
	req.SetBasicAuth(sid, tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || a.twilioOwner(mg) != "" {
		t.Fatalf("detach at the fake Twilio: %d, owner %q", resp.StatusCode, a.twilioOwner(mg))
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}

	run := func(args ...string) (string, error) {
		out := &syncBuffer{}
		m := &Main{Stdout: out, Stderr: &syncBuffer{}, Getenv: func(k string) string { return env[k] }}
		err := m.Run(context.Background(), append([]string{"reconcile"}, args...))
		return out.String(), err
	}
	out, err := run("-dry-run")
	if err != nil || !strings.Contains(out, "ls.drift.com messaging_service: Twilio has messaging service "+mg+" on no domain; would repair") ||
		!strings.Contains(out, "checked 1 domains: 1 drifts, 1 repairable (dry run") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	out, err = run()
	if err != nil || !strings.Contains(out, "; repaired: attached it again") || !strings.Contains(out, "1 drifts, 1 repaired, 0 need a person") {
		t.Fatalf("reconcile: %v\n%s", err, out)
	}
	if out, err = run(); err != nil || !strings.Contains(out, "checked 1 domains: 0 drifts") {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	if _, err := run("-domain", "dom_unknown"); err == nil {
		t.Fatal("an unknown domain was accepted")
	}

	r = start(t, env)
	a.base = "http://" + r.addr
	if owner := a.twilioOwner(mg); owner != dn {
		t.Fatalf("the fake Twilio has %s on %q after the repair, want %s", mg, owner, dn)
	}
	found := false
	for _, ev := range a.events(id) {
		found = found || (ev.Actor == "reconciler" && strings.Contains(ev.Reason, mg))
	}
	if !found {
		t.Fatalf("no reconciler entry on the timeline: %+v", a.events(id))
	}
}

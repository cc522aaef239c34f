package main

import (
	"strings"
	"testing"
)

// TestSandboxInboundStopReachesOptOuts: in sandbox mode a STOP sent with
// POST /_sandbox/twilio/inbound reaches /twilio/inbound signed with the
// fake account's token at the public URL, and the sender is opted out of
// the client with that originator; START opts it back in.
func TestSandboxInboundStopReachesOptOuts(t *testing.T) {
	env := map[string]string{"LINKGATE_DATA_DIR": t.TempDir(), "LINKGATE_BOOTSTRAP_ADMIN_KEY": "lgk_admin_sandbox_test_key_0123456789"}
	admin := []string{"Authorization", "Bearer " + env["LINKGATE_BOOTSTRAP_ADMIN_KEY"], "Content-Type", "application/json"}
	r := start(t, env)
	base := "http://" + r.addr

	cl := call(t, "POST", base+"/api/v1/clients", `{"name": "Acme", "email": "owner@acme.com"}`, admin...)
	if cl.status != 201 {
		t.Fatalf("create client: %d %s", cl.status, cl.raw)
	}
	id := cl.body["id"].(string)
	if o := call(t, "POST", base+"/api/v1/clients/"+id+"/originators", `{"type": "mobile", "value": "447123123123"}`, admin...); o.status != 201 || o.body["value"] != "+447123123123" {
		t.Fatalf("create originator: %d %s", o.status, o.raw)
	}
	optOuts := func() string {
		l := call(t, "GET", base+"/api/v1/clients/"+id+"/opt-outs", "", admin...)
		if l.status != 200 {
			t.Fatalf("list opt-outs: %d %s", l.status, l.raw)
		}
		return l.raw
	}
	inbound := func(body string) {
		t.Helper()
		in := call(t, "POST", base+"/_sandbox/twilio/inbound", `{"from": "+447700900555", "to": "+447123123123", "body": "`+body+`"}`, admin...)
		if in.status != 201 {
			t.Fatalf("sandbox inbound %q: %d %s", body, in.status, in.raw)
		}
	}
	inbound("STOP")
	if got := optOuts(); !strings.Contains(got, `"phone":"+447700900555"`) {
		t.Fatalf("after STOP the opt-outs are %s", got)
	}
	inbound("start")
	if got := optOuts(); strings.Contains(got, "+447700900555") {
		t.Fatalf("after START the opt-outs are %s", got)
	}
}

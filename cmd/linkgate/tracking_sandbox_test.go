package main

import (
	"testing"
)

// In sandbox mode, with the sandbox's default tracking target, a
// url_tracking domain reaches configured through self setup (the fake
// Cloudflare's record answers in the sandbox DNS) and through manual
// setup (a record added with POST /_sandbox/dns), with no Twilio step.
func TestSandboxTrackingDomain(t *testing.T) {
	t.Parallel()
	r := start(t, map[string]string{"LINKGATE_DATA_DIR": t.TempDir(), "LINKGATE_BOOTSTRAP_ADMIN_KEY": e2eKey})
	a := &lgAPI{t: t, base: "http://" + r.addr, key: e2eKey}
	client := a.newClient("track.com")

	self := a.want(201, "POST", "/api/v1/clients/"+client+"/domains", `{"domain":"track.com","subdomain":"t","purpose":"url_tracking"}`)
	recs, _ := self.body["dns_records"].([]any)
	if len(recs) != 1 || recs[0].(map[string]any)["value"] != sandboxTrackingCNAMETarget || self.body["purpose"] != "url_tracking" {
		t.Fatalf("tracking domain: %s", self.raw)
	}
	selfID := self.body["id"].(string)
	token := a.sandboxZone("track.com")
	a.want(202, "POST", "/api/v1/domains/"+selfID+"/configure", `{"mode":"self","provider":"cloudflare","credentials":{"api_token":"`+token+`"}}`)

	manualID := a.want(201, "POST", "/api/v1/clients/"+client+"/domains", `{"domain":"hand.com","subdomain":"t","purpose":"url_tracking"}`).body["id"].(string)
	a.want(202, "POST", "/api/v1/domains/"+manualID+"/configure", `{"mode":"manual"}`)
	a.want(201, "POST", "/_sandbox/dns", `{"name":"t.hand.com","type":"CNAME","value":"`+sandboxTrackingCNAMETarget+`"}`)

	for _, id := range []string{selfID, manualID} {
		got, _ := a.waitStatus(id, "configured", flowDeadline)
		if got["dns_status"] != "verified" || got["ssl_status"] != "none" || got["domain_sid"] != nil {
			t.Errorf("configured tracking domain: %v", got)
		}
		checkStatusPath(t, a.events(id), "pending", "dns_pending", "configured")
	}
	st := a.stats()
	if n := st.Cloudflare.RecordsCreated["t.track.com"]; n != 1 {
		t.Errorf("records created: %v, want t.track.com once", st.Cloudflare.RecordsCreated)
	}
	if len(st.Twilio.CertRequests) != 0 {
		t.Errorf("certificate requests at the fake Twilio: %v", st.Twilio.CertRequests)
	}
}

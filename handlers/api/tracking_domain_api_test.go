package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

const apiTrackingTarget = "track.linkgate.example."

// POST /clients/{id}/domains with "purpose": "url_tracking": the domain's
// record points at the tracking target, a self setup takes it to
// configured with no Twilio call, and the Twilio-only endpoints refuse it
// naming their field. Without a tracking target, or with an unknown
// purpose, 422 names purpose.
func TestTrackingDomainAPI(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewWorkflowAPI(t, db, handlertest.WFOptions{Config: func(c *handlertest.Config) {
			c.DNS = models.DNSDefaults{TrackingTarget: apiTrackingTarget}
		}})
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		key := e.ClientKey(t, c.ID).Key
		path := "/api/v1/clients/" + c.ID + "/domains"

		d := e.CreateDomain(t, key, c.ID, map[string]any{"domain": "acme.com", "subdomain": "t", "purpose": "url_tracking"})
		if d.Purpose != models.PurposeURLTracking || d.Host != "t.acme.com" || len(d.DNSRecords) != 1 ||
			d.DNSRecords[0].Value != apiTrackingTarget || d.DNSRecords[0].Name != "t" {
			t.Fatalf("created %+v", d)
		}
		// The link-shortening default is untouched.
		ls := e.CreateDomain(t, key, c.ID, map[string]any{"domain": "beta.com"})
		if ls.Purpose != models.PurposeLinkShortening || ls.DNSRecords[0].Value != models.DefaultCNAMETarget {
			t.Errorf("link shortening beside it: %+v", ls)
		}

		p := handlertest.WantProblem(t, e.Do(t, "POST", path, key, map[string]any{"domain": "gamma.com", "purpose": "marketing"}),
			http.StatusUnprocessableEntity, "invalid_purpose", "purpose")
		if !strings.Contains(p.Errors[0].Message, "link_shortening") || !strings.Contains(p.Errors[0].Message, "url_tracking") {
			t.Errorf("unknown purpose: %q does not list both values", p.Errors[0].Message)
		}

		_, tok := e.CF.AddZone("acme.com")
		e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/configure", key,
			map[string]any{"mode": "self", "provider": "cloudflare", "credentials": map[string]string{"api_token": tok}}).Want(t, http.StatusAccepted)
		got := e.WaitStatus(t, key, d.ID, models.StatusConfigured)
		if got.DNSStatus != models.DNSVerified || got.SSLStatus != models.SSLNone || got.DomainSID != nil {
			t.Errorf("configured tracking domain: %+v", got)
		}
		if path := statusPath(e.Events(t, key, d.ID)); len(path) != 3 || path[1] != models.StatusDNSPending || path[2] != models.StatusConfigured {
			t.Errorf("timeline %v, want pending → dns_pending → configured", path)
		}

		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/messaging-services", key,
			map[string]any{"messaging_service_sid": "MG0123456789abcdef0123456789abcdef"}), http.StatusUnprocessableEntity, "purpose_mismatch", "messaging_service_sid")
		handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/domain-sid", key,
			map[string]any{"domain_sid": "DN0123456789abcdef0123456789abcdef"}), http.StatusUnprocessableEntity, "purpose_mismatch", "domain_sid")
		for _, op := range []string{mocks.TwilioOpCertificate, mocks.TwilioOpRequestManagedCert, mocks.TwilioOpValidateDNS,
			mocks.TwilioOpUpdateConfig, mocks.TwilioOpAttachMessagingService} {
			if n := e.TW.Calls(op, ""); n != 0 {
				t.Errorf("%d Twilio %s calls, want none", n, op)
			}
		}
	})
}

// A server without LINKGATE_TRACKING_CNAME_TARGET refuses url_tracking
// domains with 422 naming purpose and saying why.
func TestTrackingDomainAPIWithoutTarget(t *testing.T) {
	t.Parallel()
	e := handlertest.NewAPI(t, dbtest.SQLite(t))
	c := e.CreateClient(t, "Acme", "owner@acme.com")
	p := handlertest.WantProblem(t, e.Do(t, "POST", "/api/v1/clients/"+c.ID+"/domains", e.Admin,
		map[string]any{"domain": "acme.com", "purpose": "url_tracking"}), http.StatusUnprocessableEntity, "invalid_purpose", "purpose")
	if !strings.Contains(p.Detail, "LINKGATE_TRACKING_CNAME_TARGET") {
		t.Errorf("detail %q does not say what the server lacks", p.Detail)
	}
	if n := len(e.ListDomains(t, e.Admin, "/api/v1/clients/"+c.ID+"/domains").Data); n != 0 {
		t.Errorf("%d domains stored", n)
	}
}

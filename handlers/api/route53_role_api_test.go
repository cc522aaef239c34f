package api_test

// Self setup through Amazon Route 53 with an assumed role: the client
// gives a role ARN and external ID instead of a key; linkgate assumes the
// role at the fake STS with its own identity (the sandbox's), on SQLite
// and PostgreSQL.

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/providers"
)

func TestWorkflowSelfSetupRoute53AssumeRole(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewWorkflowAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		key := e.ClientKey(t, c.ID).Key
		d := e.CreateDomain(t, key, c.ID, map[string]any{"domain": "acme.com"})
		path := "/api/v1/domains/" + d.ID + "/configure"

		zoneID, role, err := e.R53.CreateZoneWithRole(bg, "acme.com")
		if err != nil || role["role_arn"] == "" || role["external_id"] == "" || role["trusted_account_id"] == "" {
			t.Fatalf("CreateZoneWithRole: %v %v", role, err)
		}
		// A role that trusts another account than linkgate's.
		untrusting := e.R53.AddRole(e.R53.AccountOfZone(zoneID), "999999999999", role["external_id"])
		_, keyCreds, err := e.R53.CreateZone(bg, "other.example")
		if err != nil {
			t.Fatal(err)
		}
		creds := map[string]string{"role_arn": role["role_arn"], "external_id": role["external_id"]}
		for _, tc := range []struct {
			name   string
			creds  map[string]string
			fields []string
		}{
			{"wrong external ID", map[string]string{"role_arn": role["role_arn"], "external_id": "not-the-one"}, []string{"credentials.role_arn"}},
			{"no external ID", map[string]string{"role_arn": role["role_arn"]}, []string{"credentials.role_arn"}},
			{"role that does not trust linkgate", map[string]string{"role_arn": untrusting, "external_id": role["external_id"]}, []string{"credentials.role_arn"}},
			{"malformed ARN", map[string]string{"role_arn": "arn:aws:iam::12:role/x"}, []string{"credentials.role_arn"}},
			{"a user's ARN", map[string]string{"role_arn": "arn:aws:iam::123456789012:user/x"}, []string{"credentials.role_arn"}},
			{"role and key", map[string]string{"role_arn": role["role_arn"], "access_key_id": keyCreds["access_key_id"],
				"secret_access_key": keyCreds["secret_access_key"]}, []string{"credentials.role_arn"}},
			{"bad external ID", map[string]string{"role_arn": role["role_arn"], "external_id": "two words"}, []string{"credentials.external_id"}},
			{"external ID alone", map[string]string{"external_id": role["external_id"]}, []string{"credentials.external_id"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.Do(t, "POST", path, key, map[string]any{"mode": "self", "provider": "route53", "credentials": tc.creds})
				handlertest.WantProblem(t, r, http.StatusUnprocessableEntity, "invalid_credentials", tc.fields...)
				for _, secret := range []string{role["external_id"], keyCreds["secret_access_key"]} {
					if strings.Contains(string(r.Body), secret) {
						t.Errorf("the problem reveals a secret: %s", r.Body)
					}
				}
			})
		}
		if got := e.GetDomain(t, key, d.ID); got.Status != models.StatusPending {
			t.Fatalf("refused configures moved the domain to %s", got.Status)
		}

		r := e.Do(t, "POST", path, key, map[string]any{"mode": "self", "provider": "route53", "credentials": creds}).Want(t, http.StatusAccepted)
		if strings.Contains(string(r.Body), role["external_id"]) {
			t.Errorf("the configure response reveals the external ID: %s", r.Body)
		}
		e.WaitStatus(t, key, d.ID, models.StatusAwaitingDomainSID)
		recs := e.R53.RecordsAt(d.Host)
		if len(recs) != 1 || recs[0].Type != "CNAME" || !providers.SameHost(recs[0].Content, models.DefaultCNAMETarget) {
			t.Fatalf("records at %s: %+v, want one CNAME → %s", d.Host, recs, models.DefaultCNAMETarget)
		}
		if e.R53.Calls(http.MethodPost, "/sts") == 0 {
			t.Error("the role was never assumed at STS")
		}
		if _, err := e.Store.DNSCredentials(bg, e.Keys, d.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("the DNS credentials are still stored after DNS verification (err %v)", err)
		}
		sid := e.TW.RegisterDomain(d.Host)
		e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/domain-sid", key, map[string]any{"domain_sid": sid}).Want(t, http.StatusAccepted)
		e.WaitStatus(t, key, d.ID, models.StatusConfigured)
	})
}

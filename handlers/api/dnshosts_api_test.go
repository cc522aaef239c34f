package api_test

// Self setup through DigitalOcean and Google Cloud DNS: the real adapters
// on their fakes, through POST /domains/{id}/configure, on SQLite and
// PostgreSQL.

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

// selfSetupCase is one host's self setup: good credentials for the
// domain's zone, refused ones with the problem they must give, and the
// fake's view.
type selfSetupCase struct {
	provider string
	good     map[string]string
	refused  []refusedCreds
	records  func(name string) []providers.Record
	created  func() map[string]int
}

type refusedCreds struct {
	name   string
	creds  map[string]string
	code   string
	fields []string
}

func runSelfSetup(t *testing.T, e *handlertest.WFEnv, key, domainID, host string, c selfSetupCase) {
	t.Helper()
	path := "/api/v1/domains/" + domainID + "/configure"
	for _, r := range c.refused {
		t.Run(r.name, func(t *testing.T) {
			resp := e.Do(t, "POST", path, key, map[string]any{"mode": "self", "provider": c.provider, "credentials": r.creds})
			handlertest.WantProblem(t, resp, http.StatusUnprocessableEntity, r.code, r.fields...)
			for _, v := range r.creds {
				if len(v) > 8 && strings.Contains(string(resp.Body), v) {
					t.Errorf("the problem reveals a credential: %s", resp.Body)
				}
			}
		})
	}
	if got := e.GetDomain(t, key, domainID); got.Status != models.StatusPending {
		t.Fatalf("refused configures moved the domain to %s", got.Status)
	}
	if n := c.created()[host]; n != 0 {
		t.Fatalf("refused configures created %d records", n)
	}
	resp := e.Do(t, "POST", path, key, map[string]any{"mode": "self", "provider": c.provider, "credentials": c.good}).Want(t, http.StatusAccepted)
	for _, v := range c.good {
		if len(v) > 8 && strings.Contains(string(resp.Body), v) {
			t.Errorf("the configure response reveals a credential: %s", resp.Body)
		}
	}
	waiting := e.WaitStatus(t, key, domainID, models.StatusAwaitingDomainSID)
	if waiting.DNSStatus != models.DNSVerified {
		t.Errorf("awaiting_domain_sid with dns_status %s", waiting.DNSStatus)
	}
	recs := c.records(host)
	if len(recs) != 1 || recs[0].Type != "CNAME" || !providers.SameHost(recs[0].Content, models.DefaultCNAMETarget) {
		t.Fatalf("records at %s: %+v, want one CNAME → %s", host, recs, models.DefaultCNAMETarget)
	}
	if n := c.created()[host]; n != 1 {
		t.Errorf("%d records created, want 1", n)
	}
	if _, err := e.Store.DNSCredentials(bg, e.Keys, domainID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the DNS credentials are still stored after DNS verification (err %v)", err)
	}
	sid := e.TW.RegisterDomain(host)
	e.Do(t, "POST", "/api/v1/domains/"+domainID+"/domain-sid", key, map[string]any{"domain_sid": sid}).Want(t, http.StatusAccepted)
	e.WaitStatus(t, key, domainID, models.StatusConfigured)
}

func TestWorkflowSelfSetupDigitalOcean(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewWorkflowAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		key := e.ClientKey(t, c.ID).Key
		d := e.CreateDomain(t, key, c.ID, map[string]any{"domain": "acme.com"})
		_, good, err := e.DO.CreateZone(bg, "acme.com")
		if err != nil {
			t.Fatal(err)
		}
		_, other, _ := e.DO.CreateZone(bg, "other.example")
		revoked := e.DO.AddToken("acme.com")
		e.DO.RevokeToken(revoked)
		runSelfSetup(t, e, key, d.ID, d.Host, selfSetupCase{
			provider: "digitalocean", good: good,
			refused: []refusedCreds{
				{"revoked token", map[string]string{"api_token": revoked}, "invalid_credentials", []string{"credentials.api_token"}},
				{"token of another account", other, "zone_not_found", []string{"credentials.api_token"}},
				{"no token", map[string]string{}, "invalid_credentials", []string{"credentials.api_token"}},
				{"token with a space", map[string]string{"api_token": "dop_v1_a b"}, "invalid_credentials", []string{"credentials.api_token"}},
			},
			records: e.DO.RecordsAt, created: e.DO.RecordsCreated,
		})
	})
}

func TestWorkflowSelfSetupGoogle(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewWorkflowAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		key := e.ClientKey(t, c.ID).Key
		d := e.CreateDomain(t, key, c.ID, map[string]any{"domain": "acme.com"})
		_, good, err := e.Google.CreateZone(bg, "acme.com")
		if err != nil {
			t.Fatal(err)
		}
		_, other, _ := e.Google.CreateZone(bg, "other.example")
		_, gone, _ := e.Google.CreateZone(bg, "gone.example")
		e.Google.RevokeKey([]byte(gone["service_account_json"]))
		runSelfSetup(t, e, key, d.ID, d.Host, selfSetupCase{
			provider: "google", good: good,
			refused: []refusedCreds{
				{"deleted key", map[string]string{"service_account_json": gone["service_account_json"]}, "invalid_credentials", []string{"credentials.service_account_json"}},
				{"key of another project", map[string]string{"service_account_json": other["service_account_json"]}, "zone_not_found", []string{"credentials.service_account_json"}},
				{"a project the key has no role on", map[string]string{"service_account_json": good["service_account_json"], "project_id": other["project_id"]},
					"invalid_credentials", []string{"credentials.service_account_json"}},
				{"malformed project id", map[string]string{"service_account_json": good["service_account_json"], "project_id": "Not A Project"},
					"invalid_credentials", []string{"credentials.project_id"}},
				{"not a key", map[string]string{"service_account_json": `{"type":"authorized_user"}`}, "invalid_credentials", []string{"credentials.service_account_json"}},
				{"no key", map[string]string{"project_id": good["project_id"]}, "invalid_credentials", []string{"credentials.service_account_json"}},
			},
			records: e.Google.RecordsAt, created: e.Google.RecordsCreated,
		})
	})
}

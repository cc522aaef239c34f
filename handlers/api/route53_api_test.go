package api_test

// Self setup through Amazon Route 53: the real route53 adapter on the
// fake Route 53 (REST-XML, SigV4), through POST /domains/{id}/configure,
// on SQLite and PostgreSQL.

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/providers"
)

func TestWorkflowSelfSetupRoute53(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewWorkflowAPI(t, db)
		c := e.CreateClient(t, "Acme", "owner@acme.com")
		key := e.ClientKey(t, c.ID).Key
		d := e.CreateDomain(t, key, c.ID, map[string]any{"domain": "acme.com"})
		path := "/api/v1/domains/" + d.ID + "/configure"

		zoneID, creds, err := e.R53.CreateZone(bg, "acme.com")
		if err != nil {
			t.Fatal(err)
		}
		// A key of another account, which cannot see acme.com.
		_, otherCreds, err := e.R53.CreateZone(bg, "other.example")
		if err != nil {
			t.Fatal(err)
		}
		revoked := map[string]string{"access_key_id": otherCreds["access_key_id"], "secret_access_key": otherCreds["secret_access_key"]}
		_, gone, _ := e.R53.CreateZone(bg, "gone.example")
		e.R53.RevokeKey(gone["access_key_id"])
		with := func(over map[string]string) map[string]string {
			out := map[string]string{}
			for k, v := range creds {
				out[k] = v
			}
			for k, v := range over {
				if v == "" {
					delete(out, k)
				} else {
					out[k] = v
				}
			}
			return out
		}
		for _, tc := range []struct {
			name   string
			creds  map[string]string
			code   string
			fields []string
		}{
			{"wrong secret", with(map[string]string{"secret_access_key": strings.Repeat("x", 40)}), "invalid_credentials", []string{"credentials.access_key_id"}},
			{"revoked key", map[string]string{"access_key_id": gone["access_key_id"], "secret_access_key": gone["secret_access_key"]}, "invalid_credentials", []string{"credentials.access_key_id"}},
			{"key of another account", revoked, "zone_not_found", []string{"credentials.access_key_id"}},
			{"no secret", with(map[string]string{"secret_access_key": ""}), "invalid_credentials", []string{"credentials.secret_access_key"}},
			{"blank key id", with(map[string]string{"access_key_id": "  "}), "invalid_credentials", []string{"credentials.access_key_id"}},
			{"malformed key id", with(map[string]string{"access_key_id": "not-a-key"}), "invalid_credentials", []string{"credentials.access_key_id"}},
			{"bad region", with(map[string]string{"region": "Mars"}), "invalid_credentials", []string{"credentials.region"}},
			{"secret with a space", with(map[string]string{"secret_access_key": "two words"}), "invalid_credentials", []string{"credentials.secret_access_key"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.Do(t, "POST", path, key, map[string]any{"mode": "self", "provider": "route53", "credentials": tc.creds})
				handlertest.WantProblem(t, r, http.StatusUnprocessableEntity, tc.code, tc.fields...)
				if strings.Contains(string(r.Body), tc.creds["secret_access_key"]) && tc.creds["secret_access_key"] != "" {
					t.Errorf("the problem reveals the secret: %s", r.Body)
				}
			})
		}
		// An unknown provider names the field and lists the supported ones.
		p := handlertest.WantProblem(t, e.Do(t, "POST", path, key, map[string]any{"mode": "self", "provider": "dnsimple", "credentials": creds}),
			http.StatusUnprocessableEntity, "invalid_provider", "provider")
		for _, name := range []string{"cloudflare", "route53"} {
			if !strings.Contains(p.Detail+problemMessages(p), name) {
				t.Errorf("invalid_provider problem %+v does not list %s", p, name)
			}
		}
		if got := e.GetDomain(t, key, d.ID); got.Status != models.StatusPending {
			t.Fatalf("refused configures moved the domain to %s", got.Status)
		}
		if n := e.R53.RecordsCreated()[d.Host]; n != 0 {
			t.Fatalf("refused configures created %d records", n)
		}

		r := e.Do(t, "POST", path, key, map[string]any{"mode": "self", "provider": "route53", "credentials": creds}).Want(t, http.StatusAccepted)
		if strings.Contains(string(r.Body), creds["secret_access_key"]) {
			t.Errorf("the configure response reveals the secret: %s", r.Body)
		}
		waiting := e.WaitStatus(t, key, d.ID, models.StatusAwaitingDomainSID)
		if waiting.DNSStatus != models.DNSVerified {
			t.Errorf("awaiting_domain_sid with dns_status %s", waiting.DNSStatus)
		}
		recs := e.R53.RecordsAt(d.Host)
		if len(recs) != 1 || recs[0].Type != "CNAME" || !providers.SameHost(recs[0].Content, models.DefaultCNAMETarget) {
			t.Fatalf("records at %s: %+v, want one CNAME → %s", d.Host, recs, models.DefaultCNAMETarget)
		}
		if n := e.R53.RecordsCreated()[d.Host]; n != 1 {
			t.Errorf("%d record sets created, want 1", n)
		}
		if e.R53.Calls(http.MethodGet, "/change/") == 0 {
			t.Error("the adapter never asked whether its change was INSYNC")
		}
		if _, err := e.Store.DNSCredentials(bg, e.Keys, d.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("the DNS credentials are still stored after DNS verification (err %v)", err)
		}
		_ = zoneID
		sid := e.TW.RegisterDomain(d.Host)
		e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/domain-sid", key, map[string]any{"domain_sid": sid}).Want(t, http.StatusAccepted)
		e.WaitStatus(t, key, d.ID, models.StatusConfigured)
	})
}

func problemMessages(p handlers.Problem) string {
	var b strings.Builder
	for _, e := range p.Errors {
		b.WriteString(" " + e.Message)
	}
	return b.String()
}

package workflows_test

import (
	"context"
	"database/sql"
	"net/http"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/workflows"
)

// zoneCounter wraps a DNS adapter and counts its zone look-ups.
type zoneCounter struct {
	providers.DNS
	n *atomic.Int32
}

func (z zoneCounter) Zone(ctx context.Context, host string) (providers.Zone, error) {
	z.n.Add(1)
	return z.DNS.Zone(ctx, host)
}

// wrapDNS replaces every DNS factory with one whose adapters wrap
// makes.
func wrapDNS(cfg *workflows.Config, wrap func(providers.DNS) providers.DNS) {
	wrapped := providers.DNSHosts{}
	for _, h := range cfg.DNS {
		f := h.Factory
		h.Factory = func(creds map[string]string) (providers.DNS, error) {
			dns, err := f(creds)
			if err != nil {
				return nil, err
			}
			return wrap(dns), nil
		}
		wrapped = append(wrapped, h)
	}
	cfg.DNS = wrapped
}

// countZones replaces every DNS factory with one whose adapters count
// their zone look-ups in n.
func countZones(n *atomic.Int32) func(*workflows.Config) {
	return func(cfg *workflows.Config) {
		wrapDNS(cfg, func(dns providers.DNS) providers.DNS { return zoneCounter{DNS: dns, n: n} })
	}
}

// The self setup finds the zone once, when the credentials are checked,
// and keeps it: the CNAME step creates the record in that zone without
// asking the provider again.
func TestSelfSetupFindsTheZoneOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		var zones atomic.Int32
		b := setupRegistration(t, db, countZones(&zones))
		zoneID, token := b.cf.AddZone("acme.com")
		if _, err := b.engine.Configure(context.Background(), models.Scope{}, b.domain.ID, workflows.ConfigureInput{
			Mode: models.SetupSelf, Provider: "cloudflare", Credentials: map[string]string{"api_token": token},
		}, "test"); err != nil {
			t.Fatal(err)
		}
		b.waitStatus(t, models.StatusAwaitingDomainSID)
		if n := zones.Load(); n != 1 {
			t.Errorf("zone look-ups: %d, want 1 (at configure only)", n)
		}
		if recs := b.cf.Records(zoneID); len(recs) != 1 || recs[0].Name != "ls.acme.com" {
			t.Errorf("records in the kept zone: %+v, want the CNAME", recs)
		}
	})
}

// Credentials stored before zones were kept (no zone id) still work: the
// CNAME step looks the zone up itself. Here the first CNAME step fails for
// good, the kept zone is dropped, and the retry finds the zone again.
func TestCNAMEStepFindsTheZoneWhenNoneIsKept(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		var zones atomic.Int32
		var keys *models.KeyRing
		b := setupRegistration(t, db, func(cfg *workflows.Config) {
			countZones(&zones)(cfg)
			keys = cfg.Keys
		})
		zoneID, token := b.cf.AddZone("acme.com")
		ctx := context.Background()
		// The configure call makes 3 Cloudflare calls (token check, two
		// zone look-ups); the CNAME step's first call is refused for good.
		b.cf.Faults.Inject(mocks.Fault{DelayMS: 1, Count: 3})
		b.cf.Faults.Inject(mocks.Fault{Status: http.StatusForbidden, Count: 1})
		creds := map[string]string{"api_token": token}
		if _, err := b.engine.Configure(ctx, models.Scope{}, b.domain.ID, workflows.ConfigureInput{
			Mode: models.SetupSelf, Provider: "cloudflare", Credentials: creds}, "test"); err != nil {
			t.Fatal(err)
		}
		b.waitStatus(t, models.StatusFailed)
		err := b.store.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
			return b.store.SaveDNSCredentialsTx(tx, keys, b.domain.ID, models.DNSAccess{Provider: "cloudflare", Credentials: creds})
		})
		if err != nil {
			t.Fatal(err)
		}
		before := zones.Load()
		if _, err := b.engine.Retry(ctx, models.Scope{}, b.domain.ID, "test"); err != nil {
			t.Fatal(err)
		}
		b.waitStatus(t, models.StatusAwaitingDomainSID)
		if n := zones.Load() - before; n != 1 {
			t.Errorf("zone look-ups by the retried step: %d, want 1", n)
		}
		if recs := b.cf.Records(zoneID); len(recs) != 1 {
			t.Errorf("records: %+v, want the CNAME", recs)
		}
	})
}

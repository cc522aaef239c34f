package workflows_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/workflows"
)

// zoneCounting counts the zone look-ups made through a DNS adapter.
type zoneCounting struct {
	providers.DNS
	n *atomic.Int64
}

func (z zoneCounting) Zone(ctx context.Context, host string) (providers.Zone, error) {
	z.n.Add(1)
	return z.DNS.Zone(ctx, host)
}

// The zone found when Configure checks the credentials is kept with them:
// the job that creates the CNAME does not look it up again.
func TestSelfSetupLooksTheZoneUpOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		var lookups atomic.Int64
		b := setupRegistration(t, db, func(c *workflows.Config) {
			cf := c.DNS["cloudflare"]
			c.DNS = map[string]providers.DNSFactory{"cloudflare": func(creds map[string]string) (providers.DNS, error) {
				d, err := cf(creds)
				if err != nil {
					return nil, err
				}
				return zoneCounting{DNS: d, n: &lookups}, nil
			}}
		})
		zoneID, cfToken := b.cf.AddZone("acme.com")
		in := workflows.ConfigureInput{Mode: models.SetupSelf, Provider: "cloudflare", Credentials: map[string]string{"api_token": cfToken}}
		if _, err := b.engine.Configure(ctx, models.Scope{}, b.domain.ID, in, "test"); err != nil {
			t.Fatal(err)
		}
		if n := lookups.Load(); n != 1 {
			t.Fatalf("%d zone look-ups while checking the credentials, want 1", n)
		}
		// Kept until DNS is verified; read it before the job may finish.
		if a, err := b.store.DNSCredentials(ctx, b.keys, b.domain.ID); err == nil && (a.ZoneID != zoneID || a.ZoneName != "acme.com") {
			t.Fatalf("kept zone %q %q, want %q acme.com", a.ZoneID, a.ZoneName, zoneID)
		}
		b.waitStatus(t, models.StatusAwaitingDomainSID)
		if len(b.cf.Records(zoneID)) == 0 {
			t.Fatal("no CNAME was created")
		}
		if n := lookups.Load(); n != 1 {
			t.Fatalf("%d zone look-ups by the end of the DNS steps, want 1 (the job looked the zone up again)", n)
		}
	})
}

package world_test

import (
	"context"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/mocks/world"
	"github.com/linkgate/linkgate/providers"
)

// The world's DigitalOcean and Google entries: the real adapters reach the
// fakes in-process with the credentials the sandbox hands out, and the
// records they create are what the sandbox DNS answers.
func TestWorldDigitalOceanAndGoogle(t *testing.T) {
	w, err := world.New(world.Config{Twilio: mocks.TwilioConfig{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "0123456789abcdef0123456789abcdef"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, c := range []struct {
		provider, zone string
		create         func(context.Context, string) (string, map[string]string, error)
	}{
		{"digitalocean", "acme.com", w.DigitalOcean.CreateZone},
		{"google", "shop.example", w.Google.CreateZone},
	} {
		t.Run(c.provider, func(t *testing.T) {
			h, ok := w.DNSFactories.Get(c.provider)
			if !ok {
				t.Fatalf("no %s host in %v", c.provider, w.DNSFactories.Names())
			}
			if _, ok := w.Sandbox().Stats().DNSHosts[c.provider]; !ok {
				t.Fatalf("the sandbox has no %s entry", c.provider)
			}
			zoneID, creds, err := c.create(ctx, c.zone)
			if err != nil {
				t.Fatal(err)
			}
			dns, err := h.Factory(creds)
			if err != nil {
				t.Fatal(err)
			}
			if err := dns.CheckCredentials(ctx); err != nil {
				t.Fatalf("CheckCredentials: %v", err)
			}
			z, err := dns.Zone(ctx, "ls."+c.zone)
			if err != nil || z.ID != zoneID {
				t.Fatalf("Zone = %+v %v, want %s", z, err, zoneID)
			}
			if _, created, err := dns.EnsureCNAME(ctx, z, providers.CNAME{Name: "ls." + c.zone, Target: "lsct.example.net.", TTL: 300}); err != nil || !created {
				t.Fatalf("EnsureCNAME: %v, created %v", err, created)
			}
			got, ok := w.DNS.LookupCNAME("ls." + c.zone)
			if !ok || !providers.SameHost(got, "lsct.example.net") {
				t.Fatalf("sandbox DNS: CNAME of ls.%s = %q, %v", c.zone, got, ok)
			}
		})
	}
}

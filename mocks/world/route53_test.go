package world_test

import (
	"context"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/mocks/world"
	"github.com/linkgate/linkgate/providers"
)

// The world's Route 53 entry: the real adapter reaches the fake in-process
// and the record it creates is what the sandbox DNS answers.
func TestWorldRoute53(t *testing.T) {
	w, err := world.New(world.Config{Twilio: mocks.TwilioConfig{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "0123456789abcdef0123456789abcdef"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, ok := w.DNSFactories.Get("route53")
	if !ok {
		t.Fatalf("no route53 host in %v", w.DNSFactories.Names())
	}
	_, creds, err := w.Route53.CreateZone(ctx, "acme.com")
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
	z, err := dns.Zone(ctx, "ls.acme.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, created, err := dns.EnsureCNAME(ctx, z, providers.CNAME{Name: "ls.acme.com", Target: "lsct.example.net.", TTL: 300}); err != nil || !created {
		t.Fatalf("EnsureCNAME: %v, created %v", err, created)
	}
	got, ok := w.DNS.LookupCNAME("ls.acme.com")
	if !ok || !providers.SameHost(got, "lsct.example.net") {
		t.Fatalf("sandbox DNS: CNAME of ls.acme.com = %q, %v", got, ok)
	}
}
